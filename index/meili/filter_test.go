package meili_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/indextest"
	"github.com/jobcrawl/jobcrawl/index/meili"
	"github.com/jobcrawl/jobcrawl/index/meili/meilitest"
)

func TestFilter(t *testing.T) {
	cases := []struct {
		name    string
		filters []index.Filter
		want    string
	}{
		{"none", nil, ""},
		{"one value", []index.Filter{{Field: "site", Values: []string{"contoso"}}}, `(site = "contoso")`},
		{"OR within, AND across", []index.Filter{
			{Field: "job_family", Values: []string{"Sales", "Data Science"}},
			{Field: "countries", Values: []string{"United States"}},
		}, `(job_family = "Sales" OR job_family = "Data Science") AND (countries = "United States")`},
		{"quotes and backslashes escaped", []index.Filter{{Field: "team", Values: []string{`R&D "Core" \ x\"`}}},
			`(team = "R&D \"Core\" \\ x\\\"")`},
		{"operators stay inside the quotes", []index.Filter{{Field: "team", Values: []string{`Sales" OR team = "Cloud`}}},
			`(team = "Sales\" OR team = \"Cloud")`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := meili.Filter(c.filters)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestFilterRefuses(t *testing.T) {
	for _, f := range [][]index.Filter{
		{{Field: "team", Values: nil}},
		{{Field: `team = "x" OR site`, Values: []string{"y"}}},
		{{Field: "Team", Values: []string{"y"}}},
		{{Field: "team", Values: []string{"bad \xff utf-8"}}},
	} {
		if got, err := meili.Filter(f); !errors.Is(err, index.ErrBadQuery) {
			t.Errorf("%+v: got %q, %v; want ErrBadQuery", f, got, err)
		}
	}
}

// expected is the expression Filter must produce for filters, as
// meilitest.ParseFilter represents it.
func expected(filters []index.Filter) meilitest.Expr {
	var and meilitest.And
	for _, f := range filters {
		var or meilitest.Or
		for _, v := range f.Values {
			or = append(or, meilitest.Cond{Attr: f.Field, Op: "=", Values: []string{v}})
		}
		if len(or) == 1 {
			and = append(and, or[0])
		} else {
			and = append(and, or)
		}
	}
	if len(and) == 1 {
		return and[0]
	}
	return and
}

// FuzzFilter checks that whatever the values, the filter Filter builds
// parses (with Meilisearch's rules for quoted values) to exactly the
// intended structure — the fields OR-ed within, AND-ed across — with every
// value read back byte for byte, and that it selects a document holding
// exactly those values. Run it with
//
//	go test ./index/meili -run '^$' -fuzz FuzzFilter -fuzztime 5m
func FuzzFilter(f *testing.F) {
	team := indextest.Fixture()[5].Team
	for _, seed := range [][3]string{
		{team, "Cloud", "contoso"},
		{`Sales" OR team = "Cloud`, `Sales OR 1=1`, `\`},
		{`"`, `\"`, `\\"`},
		{`a\`, `) OR (site = "x"`, `[x] TO y`},
		{"", " ", "\n\t\x00"},
		{`\u{41}`, `\n`, "'single' quotes"},
		{"Île-de-France", "東京", "emoji 🦀"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		filters := []index.Filter{{Field: "team", Values: []string{a, b}}, {Field: "site", Values: []string{c}}}
		s, err := meili.Filter(filters)
		if !utf8.ValidString(a) || !utf8.ValidString(b) || !utf8.ValidString(c) {
			if !errors.Is(err, index.ErrBadQuery) {
				t.Fatalf("invalid UTF-8: got %q, %v; want ErrBadQuery", s, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := meilitest.ParseFilter(s)
		if err != nil {
			t.Fatalf("filter %s does not parse: %v", s, err)
		}
		if want := expected(filters); !reflect.DeepEqual(got, want) {
			t.Fatalf("filter %s\nparses to %#v\nwant      %#v", s, got, want)
		}
		doc := map[string]any{"team": b, "site": c}
		if !meilitest.Match(got, doc) {
			t.Fatalf("filter %s does not select %v", s, doc)
		}
		if other := a + "\x01"; strings.ToLower(other) != strings.ToLower(b) {
			if doc := map[string]any{"team": other, "site": c}; meilitest.Match(got, doc) {
				t.Fatalf("filter %s selects %v, which holds neither value", s, doc)
			}
		}
	})
}
