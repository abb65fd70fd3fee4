package extract_test

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/extract"
)

// rulesPage has a JSON-LD posting and labels that are wrong for the site,
// and markup only rules can read.
const rulesPage = `<!DOCTYPE html><html><head><title>Openings</title>
<script type="application/ld+json">{"@type":"JobPosting","title":"Wrong title","identifier":"LD-1",
 "jobLocation":{"address":{"addressLocality":"Nowhere","addressCountry":"US"}},"employmentType":"FULL_TIME",
 "datePosted":"2020-01-01"}</script></head>
<body>
<h1 class="headline">Forklift Driver</h1>
<p class="req-id">Requisition R-55012 (internal)</p>
<span class="code" data-code="FK-9">code</span>
<ul class="loc"><li>Reno, NV</li><li>Sparks, NV</li></ul>
<p>Department: Fulfilment</p>
<dl><dt>Hiring manager</dt><dd>Jo Smith</dd></dl>
<p>Job ID: 99999</p>
<p class="pay">Pay: $21 - $24 an hour</p>
<p class="when"><time datetime="2026-11-20">last week</time></p>
<div class="body"><p>Drive forklifts.</p><p>Safely.</p></div>
<ul class="needs"><li>Forklift licence</li><li>Night shifts</li></ul>
<a class="cta" href="#" data-href="/apply/FK-9">Apply</a>
</body></html>`

func extractWith(t *testing.T, rules extract.Rules) extract.Posting {
	t.Helper()
	if err := rules.Compile(); err != nil {
		t.Fatal(err)
	}
	ps, err := extract.Parse(strings.NewReader(rulesPage), extract.Options{URL: "https://jobs.example.com/o/1", Now: crawlTime, Rules: rules})
	if err != nil || len(ps) != 1 {
		t.Fatalf("got %v, %v", ps, err)
	}
	return ps[0]
}

func TestRules(t *testing.T) {
	cases := []struct {
		name  string
		rules extract.Rules
		check func(p extract.Posting) (got, want any)
	}{
		{"selector and regex group", extract.Rules{"job_number": {Selector: ".req-id", Regex: `R-(\d+)`}},
			func(p extract.Posting) (any, any) { return p.JobNumber, "55012" }},
		{"regex without a group keeps the whole match", extract.Rules{"job_number": {Selector: ".req-id", Regex: `R-\d+`}},
			func(p extract.Posting) (any, any) { return p.JobNumber, "R-55012" }},
		{"attribute", extract.Rules{"job_number": {Selector: ".code", Attr: "data-code"}},
			func(p extract.Posting) (any, any) { return p.JobNumber, "FK-9" }},
		{"label on the same line", extract.Rules{"team": {Label: "Department"}},
			func(p extract.Posting) (any, any) { return p.Team, "Fulfilment" }},
		{"label unknown to automatic extraction", extract.Rules{"department": {Label: "Hiring manager"}},
			func(p extract.Posting) (any, any) { return p.Department, "Jo Smith" }},
		{"several matches give several locations", extract.Rules{"locations": {Selector: ".loc li"}},
			func(p extract.Posting) (any, any) {
				return p.Locations, []string{"Reno, NV, United States", "Sparks, NV, United States"}
			}},
		{"title wins over JSON-LD", extract.Rules{"title": {Selector: "h1.headline"}},
			func(p extract.Posting) (any, any) { return p.Title, "Forklift Driver" }},
		{"salary text", extract.Rules{"salary": {Selector: ".pay", Regex: `Pay: (.*)`}},
			func(p extract.Posting) (any, any) {
				return []any{p.SalaryMin, p.SalaryMax, p.SalaryCurrency, p.SalaryPeriod}, []any{21.0, 24.0, "USD", "HOUR"}
			}},
		{"date from an attribute", extract.Rules{"date_posted": {Selector: ".when time", Attr: "datetime"}},
			func(p extract.Posting) (any, any) { return p.DatePosted, "2026-11-20" }},
		{"apply URL resolved", extract.Rules{"apply_url": {Selector: "a.cta", Attr: "data-href"}},
			func(p extract.Posting) (any, any) { return p.ApplyURL, "https://jobs.example.com/apply/FK-9" }},
		{"description", extract.Rules{"description": {Selector: ".body p"}},
			func(p extract.Posting) (any, any) { return p.Description, "Drive forklifts.\nSafely." }},
		{"qualifications", extract.Rules{"qualifications": {Selector: ".needs li"}},
			func(p extract.Posting) (any, any) {
				return p.Qualifications, []string{"Forklift licence", "Night shifts"}
			}},
		{"a rule that matches nothing leaves automatic extraction", extract.Rules{"job_number": {Selector: ".absent"}},
			func(p extract.Posting) (any, any) { return p.JobNumber, "LD-1" }},
		{"a regex that matches nothing likewise", extract.Rules{"job_number": {Selector: ".req-id", Regex: `X-(\d+)`}},
			func(p extract.Posting) (any, any) { return p.JobNumber, "LD-1" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, want := c.check(extractWith(t, c.rules))
			if !equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case []string:
		return slices.Equal(a, b.([]string))
	case []any:
		return slices.Equal(a, b.([]any))
	}
	return a == b
}

// TestRulesWinAndSay checks that overridden fields say so, that the fields
// no rule names still come from the automatic sources, and that what a rule
// corrected is not kept as an alternate id.
func TestRulesWinAndSay(t *testing.T) {
	p := extractWith(t, extract.Rules{
		"job_number": {Selector: ".req-id", Regex: `R-(\d+)`},
		"locations":  {Selector: ".loc li"},
	})
	for field, want := range map[string]extract.Source{
		"job_number": extract.SourceOverride, "locations": extract.SourceOverride,
		"title": extract.SourceJSONLD, "employment_type": extract.SourceJSONLD, "department": extract.SourceLabel,
	} {
		if got := p.Sources[field]; got != want {
			t.Errorf("%s source: got %q, want %q", field, got, want)
		}
	}
	if slices.Contains(p.AltIDs, "LD-1") || slices.Contains(p.AltIDs, "99999") {
		t.Errorf("alt_ids %q hold what the rule corrected", p.AltIDs)
	}
}

func TestRulesFromYAML(t *testing.T) {
	var site struct {
		Fields extract.Rules `yaml:"fields"`
	}
	src := `fields: { job_number: { selector: ".req-id", regex: "R-(\\d+)" }, team: { label: "Department" }, locations: { selector: ".loc li" } }`
	if err := yaml.Unmarshal([]byte(src), &site); err != nil {
		t.Fatal(err)
	}
	p := extractWith(t, site.Fields)
	if p.JobNumber != "55012" || p.Team != "Fulfilment" || len(p.Locations) != 2 {
		t.Errorf("got job %q, team %q, locations %q", p.JobNumber, p.Team, p.Locations)
	}
}

func TestRulesCompileErrors(t *testing.T) {
	cases := []struct {
		name  string
		rules extract.Rules
		say   string
	}{
		{"unknown field", extract.Rules{"jobnumber": {Selector: "x"}}, "jobnumber: unknown field"},
		{"neither selector nor label", extract.Rules{"title": {Regex: "x"}}, "title: set selector or label"},
		{"both", extract.Rules{"title": {Selector: "h1", Label: "Title"}}, "not both"},
		{"empty rule", extract.Rules{"title": nil}, "title: set selector or label"},
		{"bad selector", extract.Rules{"title": {Selector: "h1[["}}, "title.selector"},
		{"bad regex", extract.Rules{"job_number": {Selector: ".x", Regex: "R-(\\d+"}}, "job_number.regex"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.rules.Compile()
			if err == nil || !strings.Contains(err.Error(), c.say) {
				t.Errorf("got %v, want an error saying %q", err, c.say)
			}
		})
	}
}

// TestUncompiledRulesAreIgnored: a caller that forgot Compile gets the
// automatic extraction, not a panic or a half-applied rule.
func TestUncompiledRulesAreIgnored(t *testing.T) {
	rules := extract.Rules{"job_number": {Selector: ".req-id", Regex: `R-(\d+)`}}
	ps, err := extract.Parse(strings.NewReader(rulesPage), extract.Options{URL: "https://jobs.example.com/o/1", Rules: rules})
	if err != nil || len(ps) != 1 || ps[0].JobNumber != "LD-1" {
		t.Fatalf("got %+v, %v", ps, err)
	}
}

// TestSelectorList: a comma-separated selector list is accepted and means
// its first selector that matches, in the order written.
func TestSelectorList(t *testing.T) {
	page := `<html><body><div class="posting-headline"><h2>Headline Title</h2></div><h1 class="job-title">Job Title</h1>
<span class="job-id">Ref R-77</span></body></html>`
	cases := []struct {
		selector, want, rule string
	}{
		{"h1.job-title, .posting-headline h2", "Job Title", `override selector "h1.job-title"`},
		{".posting-headline h2 , h1.job-title", "Headline Title", `override selector ".posting-headline h2"`},
		{"h1.missing, h1.job-title", "Job Title", `override selector "h1.job-title"`},
		{"h1.job-title", "Job Title", `override selector "h1.job-title"`},
	}
	for _, c := range cases {
		t.Run(c.selector, func(t *testing.T) {
			rules := extract.Rules{"title": {Selector: c.selector}, "job_number": {Selector: ".nothing, .job-id", Regex: `R-\d+`}}
			if err := rules.Compile(); err != nil {
				t.Fatalf("Compile: %v", err)
			}
			ps, err := extract.Parse(strings.NewReader(page), extract.Options{URL: "https://jobs.example.com/o/1", Rules: rules})
			if err != nil || len(ps) != 1 {
				t.Fatalf("got %+v, %v", ps, err)
			}
			if ps[0].Title != c.want || ps[0].Rules["title"] != c.rule {
				t.Errorf("got %q by %q, want %q by %q", ps[0].Title, ps[0].Rules["title"], c.want, c.rule)
			}
			if ps[0].JobNumber != "R-77" || ps[0].Rules["job_number"] != `override selector ".job-id"` {
				t.Errorf("job number: got %q by %q", ps[0].JobNumber, ps[0].Rules["job_number"])
			}
		})
	}
	if err := (extract.Rules{"title": {Selector: "h1, [["}}).Compile(); err == nil || !strings.Contains(err.Error(), "title.selector") {
		t.Errorf("a list with a bad selector: got %v", err)
	}
}
