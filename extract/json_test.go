package extract

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestJSONPath(t *testing.T) {
	doc, err := DecodeJSON([]byte(`{
		"data": {"total": 3, "jobs": [
			{"id": 1970393556873874, "title": "A", "locations": [{"name": "Paris"}, {"name": "Lyon"}], "tags": ["x", "y"]},
			{"id": "R-2", "title": "B", "locations": [], "meta": {"a.b": "dotted"}},
			{"id": 3, "title": null, "locations": [{"name": "Oslo"}]}
		]},
		"next": null
	}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		want string // the values' texts joined by |
	}{
		{"data.total", "3"},
		{"$.data.total", "3"},
		{"data.jobs[*].id", "1970393556873874|R-2|3"},
		{"data.jobs[0].locations[*].name", "Paris|Lyon"},
		{"data.jobs.locations.name", "Paris|Lyon|Oslo"}, // keys apply across arrays
		{"data.jobs[-1].id", "3"},
		{"data.jobs[5].id", ""},
		{"data.jobs[*].title", "A|B"}, // nulls are left out
		{`data.jobs[1].meta["a.b"]`, "dotted"},
		{"data.jobs[0].tags[1]", "y"},
		{"next", ""},
		{"nothing.here", ""},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			p, err := ParseJSONPath(c.path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range p.Values(doc) {
				got = append(got, JSONText(v))
			}
			if s := strings.Join(got, "|"); s != c.want {
				t.Errorf("got %q, want %q", s, c.want)
			}
		})
	}
	if n := len(MustJSONPath("").Values(doc)); n != 1 {
		t.Errorf("the empty path selects %d values, want the document", n)
	}
	for _, bad := range []string{"a..b", "a[", "a[x]", "a.", "a[0]b", ".["} {
		if _, err := ParseJSONPath(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	if _, err := DecodeJSON([]byte(`{"jobs": [1, 2`)); !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, ErrBadJSON) {
		t.Errorf("cut short: %v, want ErrBadJSON and io.ErrUnexpectedEOF", err)
	}
	if _, err := DecodeJSON([]byte(`<html>`)); !errors.Is(err, ErrBadJSON) || errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("HTML: %v, want ErrBadJSON only", err)
	}
	if _, err := DecodeJSON([]byte(`{} {}`)); !errors.Is(err, ErrBadJSON) {
		t.Errorf("two documents: %v, want ErrBadJSON", err)
	}
	if _, err := DecodeJSON([]byte("\xef\xbb\xbf{\"a\": 1}")); err != nil {
		t.Errorf("a byte order mark: %v", err)
	}
}

func TestFieldsPosting(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	opts := Options{URL: "https://careers.example.com/api/jobs?offset=0", Now: now, Company: "Contoso"}
	p, err := Fields{
		JobNumber:      " 322695 ",
		AltIDs:         []string{"1072519", "322695", "not an id"},
		Title:          "R&amp;D Engineer",
		URL:            "/jobs/322695",
		Locations:      []string{"Houston, TX; Austin, TX"},
		Places:         []Place{{City: "Toronto", Region: "ON", Country: "ca"}, {Country: "USA", Remote: true}},
		EmploymentType: "FULL_TIME",
		WorkplaceType:  "Hybrid",
		Department:     "Engineering",
		Salary:         Salary{Min: 120000, Max: 150000, Currency: "usd", Period: "per-year-salary"},
		DatePosted:     "1761580800000",
		ValidThrough:   "2027-01-31T00:00:00Z",
		Description:    "&amp;lt;h3&amp;gt;Qualifications&amp;lt;/h3&amp;gt;&amp;lt;ul&amp;gt;&amp;lt;li&amp;gt;Go&amp;lt;/li&amp;gt;&amp;lt;li&amp;gt;SQL&amp;lt;/li&amp;gt;&amp;lt;/ul&amp;gt;",
	}.Posting(opts)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s %v | %s | %s | %v | %s %s | %s/%s | %v-%v %s %s | %s %s | %q | %v",
		p.JobNumber, p.AltIDs, p.Title, p.URL, p.Locations, p.EmploymentType, p.WorkplaceType, p.Department, p.Team,
		p.SalaryMin, p.SalaryMax, p.SalaryCurrency, p.SalaryPeriod, p.DatePosted, p.ValidThrough, p.Description,
		p.Qualifications)
	want := `322695 [1072519] | R&D Engineer | https://careers.example.com/jobs/322695 | [Houston, TX, United States Austin, TX, United States Toronto, ON, Canada Remote, United States] | full_time hybrid | Engineering/Engineering | 120000-150000 USD YEAR | 2025-10-27 2027-01-31 | "Qualifications\nGo\nSQL" | [Go SQL]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if p.Company != "Contoso" || p.Sources["title"] != SourceJSON || p.Sources["company"] != SourceOverride {
		t.Errorf("company %q, sources %v", p.Company, p.Sources)
	}

	// an API's address is not the posting's page
	p, err = Fields{JobNumber: "12345", Title: "x"}.Posting(opts)
	if err != nil || p.URL != "" {
		t.Errorf("url %q, err %v: want no URL", p.URL, err)
	}
	// rejected as HTML extraction rejects
	for _, c := range []struct {
		f    Fields
		want error
	}{
		{Fields{Title: "No number"}, ErrNoJobNumber},
		{Fields{JobNumber: "2024-01-03", Title: "A date"}, ErrBadJobNumber},
		{Fields{JobNumber: "12345"}, ErrNoTitle},
	} {
		_, err := c.f.Posting(opts)
		var re *RejectError
		if !errors.Is(err, c.want) || !errors.As(err, &re) {
			t.Errorf("%+v: %v, want %v", c.f, err, c.want)
		}
	}
}

func TestJSONFields(t *testing.T) {
	m, err := JSONFields{
		"job_number": "job_number", "title": "title", "locations": "places[*]", "job_family": "job_family",
		"team": "team", "salary": "salary", "description": "description_html", "remote": "remote",
		"employment_type": "employment_type", "url": "url",
	}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	item, _ := DecodeJSON([]byte(`{"job_number": "238842", "title": "Senior Product Owner", "url": "http://x.example/j/238842",
		"places": [{"city": "Tel Aviv", "country": "Israel", "country_code": "IL"}, {"country": "United States", "country_code": "US", "remote": true}],
		"remote": false, "employment_type": "FULL_TIME", "job_family": "Product Management", "team": "Marketplace",
		"salary": {"min": 365000, "max": 571000, "currency": "ILS", "period": "YEAR"},
		"description_html": "<h2>About</h2><p>Text.</p>"}`))
	detail, _ := DecodeJSON([]byte(`{"title": "Senior Product Owner, Marketplace"}`))
	p, err := m.Fields(detail, item).Posting(Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s|%s|%v|%s|%s|%s|%v-%v %s %s|%q", p.JobNumber, p.Title, p.Locations, p.JobFamily, p.Team,
		p.EmploymentType, p.SalaryMin, p.SalaryMax, p.SalaryCurrency, p.SalaryPeriod, p.Description)
	want := `238842|Senior Product Owner, Marketplace|[Tel Aviv, Israel Remote, United States]|Product Management|Marketplace|full_time|365000-571000 ILS YEAR|"About\nText."`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	for say, fields := range map[string]JSONFields{
		"unknown field": {"colour": "c"},
		"empty path":    {"title": " "},
		"title: path":   {"title": "a..b"},
	} {
		if _, err := fields.Compile(); err == nil || !strings.Contains(err.Error(), say) {
			t.Errorf("%v: error %v, want it to say %q", fields, err, say)
		}
	}
}
