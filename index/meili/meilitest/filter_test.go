package meilitest

import (
	"reflect"
	"testing"
)

// The decoding of quoted values follows Meilisearch's filter parser
// (crates/filter-parser, v1.4 and later): these are the behaviours its
// documentation and tests describe, written as our own cases.
func TestParseFilterValues(t *testing.T) {
	cases := []struct {
		filter string
		want   string
	}{
		{`a = channel`, "channel"},
		{`a = I-love-kebab`, "I-love-kebab"},
		{`a = .private`, ".private"},
		{`a = 'Jordan Peele'`, "Jordan Peele"},
		{`a = "Tim Burton"`, "Tim Burton"},
		{`a = " some spaces "`, " some spaces "},
		{`a = 'cha)nnel'`, "cha)nnel"},
		{`a = 'cha"nnel'`, `cha"nnel`},
		{`a = "cha'nnel"`, "cha'nnel"},
		{`a = "\\"`, `\`},
		{`a = "\\\\\\"`, `\\\`},
		{`a = "aa\\aa"`, `aa\aa`},
		{`a = "Hello \"world\""`, `Hello "world"`},
		{`a = "Hello \\\"world\\\""`, `Hello \"world\"`},
		{`a = "\"\""`, `""`},
		{`a = 'Hello \'world\''`, `Hello 'world'`},
		{`a = 'I\'m "super" tamo'`, `I'm "super" tamo`},
		{`a = ""`, ""},
		{`a = "tab\there"`, "tab\there"},
		{`a = "\u{e9}t\u00e9"`, "été"},
		{`a = "OR AND TO [x] (y)"`, "OR AND TO [x] (y)"},
	}
	for _, c := range cases {
		t.Run(c.filter, func(t *testing.T) {
			e, err := ParseFilter(c.filter)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			want := Cond{Attr: "a", Op: "=", Values: []string{c.want}}
			if !reflect.DeepEqual(e, want) {
				t.Errorf("got %#v, want %#v", e, want)
			}
		})
	}
}

func TestParseFilterStructure(t *testing.T) {
	eq := func(a, v string) Cond { return Cond{Attr: a, Op: "=", Values: []string{v}} }
	cases := []struct {
		filter string
		want   Expr
	}{
		{`a = 1 OR b = 2 AND c = 3`, Or{eq("a", "1"), And{eq("b", "2"), eq("c", "3")}}},
		{`(a = 1 OR b = 2) AND c = 3`, And{Or{eq("a", "1"), eq("b", "2")}, eq("c", "3")}},
		{`NOT a = 1`, Not{eq("a", "1")}},
		{`a != "x"`, Cond{Attr: "a", Op: "!=", Values: []string{"x"}}},
		{`a IN [x, "y z"]`, Cond{Attr: "a", Op: "IN", Values: []string{"x", "y z"}}},
		{`a NOT IN [x]`, Not{Cond{Attr: "a", Op: "IN", Values: []string{"x"}}}},
		{`ts 10 TO 20`, Cond{Attr: "ts", Op: "TO", Values: []string{"10", "20"}}},
		{`ts >= 10`, Cond{Attr: "ts", Op: ">=", Values: []string{"10"}}},
		{`a EXISTS`, Cond{Attr: "a", Op: "EXISTS"}},
		{`a NOT EXISTS`, Not{Cond{Attr: "a", Op: "EXISTS"}}},
		{`a IS NOT NULL`, Not{Cond{Attr: "a", Op: "IS NULL"}}},
		{`"quoted attr" = x`, eq("quoted attr", "x")},
	}
	for _, c := range cases {
		t.Run(c.filter, func(t *testing.T) {
			e, err := ParseFilter(c.filter)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !reflect.DeepEqual(e, c.want) {
				t.Errorf("got %#v, want %#v", e, c.want)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	for _, f := range []string{
		`a = "unterminated`,
		`a = "ends with a backslash\"`,
		`a = "bad escape \q"`,
		`a = OR`,
		`a = x y`,
		`a = R&D`,
		`(a = 1`,
		`a`,
		`a = "x" OR`,
		`a = "x" b = "y"`,
	} {
		if e, err := ParseFilter(f); err == nil {
			t.Errorf("%s: got %#v, want an error", f, e)
		}
	}
}

func TestMatch(t *testing.T) {
	doc := map[string]any{"team": "R&D", "locations": []any{"Berlin", "Paris"}, "remote": true, "ts": 15.0}
	cases := []struct {
		filter string
		want   bool
	}{
		{`team = "r&d"`, true}, // strings ignore case
		{`team = "R&"`, false},
		{`team != "R&D"`, false},
		{`locations = paris`, true},
		{`locations IN [Rome, Berlin]`, true},
		{`remote = "true"`, true},
		{`remote = false`, false},
		{`ts 10 TO 20`, true},
		{`ts > 15`, false},
		{`missing = x`, false},
		{`missing != x`, true},
		{`NOT missing EXISTS`, true},
		{`team = "x" OR ts = 15`, true},
		{`team = "R&D" AND ts = 16`, false},
	}
	for _, c := range cases {
		e, err := ParseFilter(c.filter)
		if err != nil {
			t.Fatalf("%s: %v", c.filter, err)
		}
		if got := Match(e, doc); got != c.want {
			t.Errorf("%s: got %v, want %v", c.filter, got, c.want)
		}
	}
}
