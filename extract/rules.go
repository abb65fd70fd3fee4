package extract

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
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

	sels  []cascadia.Sel // the selector list, one per comma-separated selector
	names []string       // each selector of the list as written, for --explain
	re    *regexp.Regexp
}

// Rules maps a field name (job_number, title, locations…) to its rule.
type Rules map[string]*Rule

// RuleFields are the fields a rule may set.
var RuleFields = []string{"job_number", "alt_ids", "title", "company", "url", "apply_url", "locations",
	"workplace_type", "employment_type", "job_family", "team", "department", "salary", "date_posted",
	"valid_through", "description", "qualifications", "responsibilities", "benefits"}

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
			// A selector list ("h1.job-title, .posting-headline h2") is
			// alternatives in the order of preference: the first one that
			// matches anything gives the value (see values).
			group, err := cascadia.ParseGroup(r.Selector)
			if err != nil {
				return fmt.Errorf("%s.selector: %q: %v", name, shorten(r.Selector, 120), err)
			}
			r.sels, r.names = group, splitSelectorList(r.Selector)
			if len(r.names) != len(group) {
				r.names = nil
			}
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

// values returns what the rule finds on the page: every match of the
// first selector of its list that matches anything (and yields a value
// through the rule's regex), the value(s) after the label. The second
// result names the selector or label, for --explain.
func (r *Rule) values(root *html.Node, sc *scan) ([]string, string) {
	if len(r.sels) > 0 {
		for i, sel := range r.sels {
			var raw []string
			for _, n := range cascadia.QueryAll(root, sel) {
				if r.Attr != "" {
					raw = append(raw, attr(n, r.Attr))
				} else {
					raw = append(raw, nodeText(n))
				}
			}
			if out := r.filter(raw); len(out) > 0 {
				name := sel.String()
				if r.names != nil {
					name = r.names[i]
				}
				return out, "override selector " + strconv.Quote(name)
			}
		}
		return nil, ""
	}
	var raw []string
	switch {
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
	return r.filter(raw), "override label " + strconv.Quote(r.Label)
}

// filter applies the rule's regex to what was read and drops empty values.
func (r *Rule) filter(raw []string) []string {
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
		if r == nil || r.Selector != "" && r.sels == nil || r.Regex != "" && r.re == nil {
			continue // not compiled: Compile reports why
		}
		vals, why := r.values(root, sc)
		if len(vals) == 0 {
			continue
		}
		x.why = why
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
			x.p.Qualifications = capItems(vals)
			x.mark(field, SourceOverride)
		case "responsibilities":
			x.p.Responsibilities = capItems(vals)
			x.mark(field, SourceOverride)
		case "benefits":
			x.p.Benefits = capItems(vals)
			x.mark(field, SourceOverride)
		default:
			labels[field] = labelValue{values: vals, rule: why}
		}
		x.why = ""
	}
	x.applyLabels(labels, SourceOverride)
}

// splitSelectorList splits a selector list at its top-level commas (not
// those inside brackets, parentheses or quotes), each part trimmed.
func splitSelectorList(list string) []string {
	var out []string
	depth, start := 0, 0
	var quote rune
	for i, r := range list {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '(' || r == '[':
			depth++
		case r == ')' || r == ']':
			depth--
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(list[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(list[start:]))
}
