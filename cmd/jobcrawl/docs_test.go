package main

import (
	"encoding"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// configDoc is the configuration reference, from cmd/jobcrawl.
const configDoc = "../../docs/configuration.md"

// TestDocsConfigKeys: docs/configuration.md's table lists every key
// config.yaml accepts (read from Config's yaml tags), and no other.
func TestDocsConfigKeys(t *testing.T) {
	want := configKeys(reflect.TypeFor[Config]())
	if len(want) < 20 {
		t.Fatalf("found only %d keys in Config: %v", len(want), want)
	}
	b, err := os.ReadFile(configDoc)
	if err != nil {
		t.Fatal(err)
	}
	got, problems := documentedKeys(string(b))
	for _, p := range problems {
		t.Errorf("%s: %s", filepath.Base(configDoc), p)
	}
	var missing, extra []string
	for _, k := range want {
		if !slices.Contains(got, k) {
			missing = append(missing, k)
		}
	}
	for _, k := range got {
		if !slices.Contains(want, k) {
			extra = append(extra, k)
		}
	}
	if len(missing) > 0 {
		t.Errorf("docs/configuration.md does not document these keys of Config (add a row `key` | default | meaning):\n\t%s",
			strings.Join(missing, "\n\t"))
	}
	if len(extra) > 0 {
		t.Errorf("docs/configuration.md documents keys Config does not have (renamed or removed?):\n\t%s",
			strings.Join(extra, "\n\t"))
	}
}

func TestDocsConfigKeysOf(t *testing.T) {
	type inner struct {
		X     string            `yaml:"x"`
		Skip  string            `yaml:"-"`
		M     map[string]string `yaml:"m"`
		D     time.Duration     `yaml:"d"`
		T     time.Time         `yaml:"t"`
		hide  int
		Plain int
	}
	type outer struct {
		In     inner    `yaml:"in,omitempty"`
		P      *inner   `yaml:"p"`
		List   []inner  `yaml:"list"`
		Names  []string `yaml:"names"`
		Inline inner    `yaml:",inline"`
		Text   textLeaf `yaml:"text"`
		Node   yamlLeaf `yaml:"node"`
	}
	got := configKeys(reflect.TypeFor[outer]())
	want := []string{"d", "in.d", "in.m", "in.plain", "in.t", "in.x", "list[].d", "list[].m", "list[].plain", "list[].t",
		"list[].x", "m", "names", "node", "p.d", "p.m", "p.plain", "p.t", "p.x", "plain", "t", "text", "x"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

type textLeaf struct{ a, b int }

func (*textLeaf) UnmarshalText([]byte) error { return nil }

type yamlLeaf struct{ a int }

func (*yamlLeaf) UnmarshalYAML(*yaml.Node) error { return nil }

func TestDocsDocumentedKeys(t *testing.T) {
	doc := "# Config\n\n| variable | meaning |\n| --- | --- |\n| `NOT_A_KEY` | ignored: not the key table |\n\n" +
		"| key | default | meaning |\n| --- | --- | --- |\n| `data_dir` | `./data` | x |\n" +
		"| `sites[].fields.FIELD` | | rules |\n| `a`, `.b` | | two |\n| `data_dir` | | again |\n"
	got, problems := documentedKeys(doc)
	if want := []string{"data_dir", "sites[].fields"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(problems) != 2 || !strings.Contains(problems[0], "one key per row") || !strings.Contains(problems[1], "twice") {
		t.Errorf("got problems %q, want one-key-per-row and twice", problems)
	}
}

var (
	yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// configKeys lists the key paths of a configuration type, sorted: nested
// structs give "a.b", elements of a list of structs "a[].b". A leaf is
// anything that is not a struct or a list of structs, or that reads itself
// (yaml.Unmarshaler, encoding.TextUnmarshaler: Duration, Rate) or is a
// time type; maps are leaves (their keys are data, like fields.title).
// Unexported fields and yaml:"-" are skipped; ",inline" structs are flattened.
func configKeys(t reflect.Type) []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" {
				continue
			}
			ft := deref(f.Type)
			if slices.Contains(strings.Split(opts, ","), "inline") && ft.Kind() == reflect.Struct {
				walk(ft, prefix)
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name) // yaml.v3's default
			}
			key := prefix + name
			switch {
			case !isLeaf(ft) && ft.Kind() == reflect.Struct:
				walk(ft, key+".")
			case (ft.Kind() == reflect.Slice || ft.Kind() == reflect.Array) && !isLeaf(ft) &&
				deref(ft.Elem()).Kind() == reflect.Struct && !isLeaf(deref(ft.Elem())):
				walk(deref(ft.Elem()), key+"[].")
			default:
				keys = append(keys, key)
			}
		}
	}
	walk(deref(t), "")
	slices.Sort(keys)
	return keys
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// isLeaf reports whether a value of t is written as one YAML value.
func isLeaf(t reflect.Type) bool {
	for _, u := range []reflect.Type{yamlUnmarshaler, textUnmarshaler} {
		if t.Implements(u) || reflect.PointerTo(t).Implements(u) {
			return true
		}
	}
	switch {
	case t == reflect.TypeFor[time.Time](), t == reflect.TypeFor[time.Duration]():
		return true
	case t.Kind() == reflect.Struct:
		return false
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return deref(t.Elem()).Kind() != reflect.Struct || isLeaf(deref(t.Elem()))
	}
	return true
}

var (
	backticked  = regexp.MustCompile("`([^`]+)`")
	placeholder = regexp.MustCompile(`(\.[A-Z][A-Z0-9_]*)+$`) // .FIELD: a map's keys
)

// documentedKeys reads the keys of the tables whose first column is headed
// "key": the backticked key of each row's first cell, with a trailing
// placeholder (sites[].fields.FIELD) cut off. It also returns what is
// wrong with the table: a row with no key or several, a key twice.
func documentedKeys(doc string) (keys, problems []string) {
	inTable := false
	for i, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			inTable = false
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		first := strings.TrimSpace(cells[0])
		switch {
		case strings.EqualFold(first, "key"):
			inTable = true
			continue
		case !inTable || strings.Trim(first, "-: ") == "":
			continue // another table, or the header's delimiter row
		}
		m := backticked.FindAllStringSubmatch(first, -1)
		if len(m) != 1 {
			problems = append(problems, fmt.Sprintf("line %d: one key per row, written `key.path`: %s", i+1, first))
			continue
		}
		k := placeholder.ReplaceAllString(m[0][1], "")
		if slices.Contains(keys, k) {
			problems = append(problems, fmt.Sprintf("line %d: %s is documented twice", i+1, k))
			continue
		}
		keys = append(keys, k)
	}
	return keys, problems
}
