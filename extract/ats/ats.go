// Package ats knows the sources of postings that are not a site's own
// HTML pages: the public job board APIs of applicant-tracking platforms
// (Greenhouse, Lever, Ashby, SmartRecruiters, Workday and Eightfold),
// sitemaps, and careers JSON APIs described in config.yaml.
//
// The registry (registry.go) has one entry, an Adapter, per source: it
// recognises the URLs of its boards (Recognize), checks a site's settings
// and opens a Source (Open), which describes the requests of a walk
// through a board (Request: data, for the crawler's fetch layer to make;
// this package makes no HTTP request) and reads their answers into
// postings and further requests (Read). Each platform's adapter lives in
// the platform's file, beside its parser.
//
// The parsers (Platform) read one platform's list response into its
// postings, a detail response into what it adds, and both into an
// extract.Posting. Every field a platform publishes is mapped; what a
// platform does not publish is documented on its type and in the README.
package ats

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// ErrShape is wrapped by the errors of responses that parse as JSON but are
// not shaped the way the platform answers (an error page, a changed API).
var ErrShape = errors.New("unexpected response shape")

// Page is one list response of a board.
type Page struct {
	Items []Item
	// Total is the number of postings the board holds in all, as the
	// response states it; -1 when it does not.
	Total int
	// Skipped counts postings the response lists but the board does not
	// show (Ashby's unlisted ones).
	Skipped int
}

// Item is one posting of a list response.
type Item struct {
	// Key is what the posting's detail request needs: its id, or for
	// Workday its external path. "" when the platform has no detail request.
	Key string
	raw map[string]any
}

// Platform reads one platform's responses.
type Platform interface {
	// Name is the platform's name in config.yaml ("greenhouse").
	Name() string
	// List reads a list response.
	List(body []byte) (Page, error)
	// Detail reads a detail response into the record it describes.
	Detail(body []byte) (map[string]any, error)
	// Posting maps a listed posting, completed by its detail record when
	// there is one (nil otherwise), onto a posting. opts.URL is the address
	// of the response read last: relative links resolve against it.
	Posting(it Item, detail map[string]any, opts extract.Options) (extract.Posting, error)
}

var (
	_ Platform = Greenhouse{}
	_ Platform = Lever{}
	_ Platform = Ashby{}
	_ Platform = SmartRecruiters{}
	_ Platform = Workday{}
	_ Platform = Eightfold{}
	_ Platform = EightfoldV2{}
)

// ByName returns the platform named name.
func ByName(name string) (Platform, bool) {
	for _, p := range All {
		if p.Name() == name {
			return p, true
		}
	}
	return nil, false
}

// All are the platforms this package reads.
var All = []Platform{Greenhouse{}, Lever{}, Ashby{}, SmartRecruiters{}, Workday{}, Eightfold{}, EightfoldV2{}}

// decode parses body as JSON and names the platform in its error.
func decode(platform string, body []byte) (any, error) {
	v, err := extract.DecodeJSON(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", platform, err)
	}
	return v, nil
}

func shapeErr(platform, want string, got any) error {
	return fmt.Errorf("%s: %w: want %s, got %s", platform, ErrShape, want, kindOf(got))
}

func kindOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		keys := make([]string, 0, 4)
		for k := range v {
			keys = append(keys, k)
			if len(keys) == 4 {
				break
			}
		}
		if len(keys) == 0 {
			return "an empty object"
		}
		return "an object with " + strings.Join(keys, ", ")
	case []any:
		return fmt.Sprintf("an array of %d", len(v))
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// objects returns the objects of an array; anything else in it is an error.
func objects(platform, where string, v any) ([]map[string]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, shapeErr(platform, where+" as an array", v)
	}
	out := make([]map[string]any, 0, len(a))
	for i, e := range a {
		o, ok := e.(map[string]any)
		if !ok {
			return nil, shapeErr(platform, fmt.Sprintf("%s[%d] as an object", where, i), e)
		}
		out = append(out, o)
	}
	return out, nil
}

// str reads obj's value at a dotted path as text.
func str(obj map[string]any, path string) string {
	if obj == nil {
		return ""
	}
	return extract.MustJSONPath(path).Text(obj)
}

// strs reads every value at path as text.
func strs(obj map[string]any, path string) []string {
	if obj == nil {
		return nil
	}
	var out []string
	for _, v := range extract.MustJSONPath(path).Values(obj) {
		if a, ok := v.([]any); ok {
			for _, e := range a {
				if s := extract.JSONText(e); s != "" {
					out = append(out, s)
				}
			}
		} else if s := extract.JSONText(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// obj reads the object at path, or nil.
func obj(o map[string]any, path string) map[string]any {
	if o == nil {
		return nil
	}
	m, _ := extract.MustJSONPath(path).First(o).(map[string]any)
	return m
}

// objs reads the objects at path.
func objs(o map[string]any, path string) []map[string]any {
	if o == nil {
		return nil
	}
	var out []map[string]any
	for _, v := range extract.MustJSONPath(path).Values(o) {
		switch v := v.(type) {
		case map[string]any:
			out = append(out, v)
		case []any:
			for _, e := range v {
				if m, ok := e.(map[string]any); ok {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// num reads the number at path.
func num(o map[string]any, path string) (float64, bool) {
	if o == nil {
		return 0, false
	}
	return extract.JSONNumber(extract.MustJSONPath(path).First(o))
}

func boolAt(o map[string]any, path string) bool {
	if o == nil {
		return false
	}
	return extract.JSONBool(extract.MustJSONPath(path).First(o))
}

// total reads a count, -1 when absent.
func total(o map[string]any, path string) int {
	if n, ok := num(o, path); ok && n >= 0 {
		return int(n)
	}
	return -1
}

// custom applies custom fields a platform carries as (label, value) pairs
// to the fields their label names ("Employment Type" → employment_type).
func custom(f *extract.Fields, label, value string) {
	if value == "" {
		return
	}
	set := func(dst *string) {
		if *dst == "" {
			*dst = value
		}
	}
	switch extract.FieldForLabel(label) {
	case "job_family":
		set(&f.JobFamily)
	case "team":
		set(&f.Team)
	case "department":
		set(&f.Department)
	case "employment_type":
		set(&f.EmploymentType)
	case "workplace_type":
		set(&f.WorkplaceType)
	case "valid_through":
		set(&f.ValidThrough)
	case "salary":
		set(&f.SalaryText)
	case "alt_ids":
		f.AltIDs = append(f.AltIDs, value)
	}
}

// section renders a titled block of HTML for a description.
func section(title, body string) string {
	if strings.TrimSpace(body) == "" {
		return ""
	}
	if title == "" {
		return body
	}
	return "<h3>" + htmlEscape(title) + "</h3>\n" + body
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }
