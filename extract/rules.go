package extract

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// Rule says where a site's markup hides one field: a CSS selector (with an
// optional attribute to read instead of the text), or a label whose value
// follows it on the page; and an optional regular expression whose first
// group (or whole match) is the value.
type Rule struct {
	Selector string `yaml:"selector,omitempty" json:"selector,omitempty"`
	Attr     string `yaml:"attr,omitempty" json:"attr,omitempty"`
	Regex    string `yaml:"regex,omitempty" json:"regex,omitempty"`
	Label    string `yaml:"label,omitempty" json:"label,omitempty"`

	sel cascadia.Sel
	re  *regexp.Regexp
}

// Rules maps a field name (job_number, title, locations…) to its rule.
type Rules map[string]*Rule

// RuleFields are the fields a rule may set.
var RuleFields = []string{"job_number", "alt_ids", "title", "company", "url", "apply_url", "locations",
	"workplace_type", "employment_type", "job_family", "team", "department", "salary", "date_posted",
	"valid_through", "description", "qualifications"}

// Compile checks every rule and prepares its selector and expression. The
// error names the field and what is wrong with it.
func (rs Rules) Compile() error {
	names := make([]string, 0, len(rs))
	for name := range rs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r := rs[name]
		if !slices.Contains(RuleFields, name) {
			return fmt.Errorf("%s: unknown field (want one of %s)", name, strings.Join(RuleFields, ", "))
		}
		if r == nil || r.Selector == "" && r.Label == "" {
			return fmt.Errorf("%s: set selector or label", name)
		}
		if r.Selector != "" && r.Label != "" {
			return fmt.Errorf("%s: set selector or label, not both", name)
		}
		if r.Selector != "" {
			sel, err := cascadia.Parse(r.Selector)
			if err != nil {
				return fmt.Errorf("%s.selector: %q: %v", name, r.Selector, err)
			}
			r.sel = sel
		}
		if r.Regex != "" {
			re, err := regexp.Compile(r.Regex)
			if err != nil {
				return fmt.Errorf("%s.regex: %v", name, err)
			}
			r.re = re
		}
	}
	return nil
}

// values returns what the rule finds on the page: every match for a
// selector, the value(s) after the label.
func (r *Rule) values(root *html.Node, sc *scan) []string {
	var raw []string
	switch {
	case r.sel != nil:
		for _, n := range cascadia.QueryAll(root, r.sel) {
			if r.Attr != "" {
				raw = append(raw, attr(n, r.Attr))
			} else {
				raw = append(raw, nodeText(n))
			}
		}
	case r.Label != "":
		want := normLabel(r.Label)
		for i, s := range sc.segs {
			if normLabel(s.text) == want {
				raw = valuesAfter(sc.segs, i)
				break
			}
			low := strings.ToLower(s.text)
			if strings.HasPrefix(low, want) && len(low) > len(want) && isBoundary(rune(low[len(want)])) {
				raw = []string{strings.TrimLeft(s.text[len(want):], " :：-–")}
				break
			}
		}
	}
	var out []string
	for _, v := range raw {
		if r.re != nil {
			m := r.re.FindStringSubmatch(v)
			switch {
			case m == nil:
				continue
			case len(m) > 1:
				v = m[1]
			default:
				v = m[0]
			}
		}
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// applyRules fills the fields the site's rules name, before any automatic source.
func (x *extraction) applyRules(root *html.Node, sc *scan) {
	if len(x.opts.Rules) == 0 {
		return
	}
	labels := map[string]labelValue{}
	for field, r := range x.opts.Rules {
		if r == nil || r.Selector != "" && r.sel == nil || r.Regex != "" && r.re == nil {
			continue // not compiled: Compile reports why
		}
		vals := r.values(root, sc)
		if len(vals) == 0 {
			continue
		}
		switch field {
		case "url", "apply_url":
			if u := x.resolve(vals[0]); u != "" {
				dst := &x.p.URL
				if field == "apply_url" {
					dst = &x.p.ApplyURL
				}
				x.setText(field, dst, u, SourceOverride)
			}
		case "description":
			x.setText(field, &x.p.Description, strings.Join(vals, "\n"), SourceOverride)
		case "qualifications":
			x.p.Qualifications = vals
			x.mark(field, SourceOverride)
		default:
			labels[field] = labelValue{values: vals}
		}
	}
	x.applyLabels(labels, SourceOverride)
}
