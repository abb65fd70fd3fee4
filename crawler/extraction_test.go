package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
)

// extractionSite is a careers site whose posting links lead to pages that
// extract differently: a complete posting, one without salary, one with no
// job number, and a "posting" link that is really a result page.
func extractionSite(tb testing.TB) *httptest.Server {
	tb.Helper()
	pages := map[string]string{
		"/careers": `<html><body><h1>Jobs</h1>
			<a class="job" href="/jobs/1">Nurse</a> <a class="job" href="/jobs/2">Cook</a>
			<a class="job" href="/jobs/3">Porter</a> <a class="job" href="/jobs/4">More jobs</a></body></html>`,
		"/jobs/1": `<html><head><script type="application/ld+json">{"@type":"JobPosting","title":"Nurse","identifier":"N-1",
			"hiringOrganization":{"name":"Contoso"},"jobLocation":{"address":{"addressLocality":"Austin","addressRegion":"TX"}},
			"baseSalary":{"currency":"USD","value":{"minValue":80000,"maxValue":90000,"unitText":"YEAR"}},
			"datePosted":"2026-11-01","employmentType":"FULL_TIME"}</script></head><body><h1>Nurse</h1></body></html>`,
		"/jobs/2": `<html><head><title>Cook | Contoso Careers</title></head><body><h1>Cook</h1>
			<dl><dt>Job ID</dt><dd>C-2</dd><dt>Location</dt><dd>Dallas, TX</dd><dt>Posted</dt><dd>2 days ago</dd></dl>
			<a href="/apply/C-2">Apply now</a></body></html>`,
		"/jobs/3": `<html><body><h1>Porter</h1><p>Carry bags.</p></body></html>`,
		"/jobs/4": `<html><head><title>Search results</title></head><body><h1>Search results</h1><ul>
			<li><a href="/jobs/view/porter-90001">Porter</a> <span class="location">Reno, NV</span></li>
			<li><a href="/jobs/view/barista-90002">Barista</a> <span class="location">Reno, NV</span></li></ul></body></html>`,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv
}

// TestRejectionsAndCoverage checks what a run reports of extraction: pages
// rejected, by reason, and the share of postings that have each field.
func TestRejectionsAndCoverage(t *testing.T) {
	srv := extractionSite(t)
	site := &crawler.Site{
		Name: "contoso", Company: "Contoso", StartURLs: []string{srv.URL + "/careers"},
		Pagination: crawler.Pagination{Next: "a[rel=next]"}, JobLinks: "a.job",
	}
	if err := site.Validate(); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t)
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), site, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Postings != 2 || !st.Complete {
		t.Fatalf("got %d postings (complete %v), want 2: %+v", st.Postings, st.Complete, st)
	}
	wantRejected := map[string]int{"no job number": 1, "no job posting found": 1}
	for reason, n := range wantRejected {
		if st.Rejected[reason] != n {
			t.Errorf("rejected %q: got %d, want %d (all: %v)", reason, st.Rejected[reason], n, st.Rejected)
		}
	}
	if len(st.Rejected) != len(wantRejected) {
		t.Errorf("rejected: got %v, want %v", st.Rejected, wantRejected)
	}
	wantCoverage := map[string]float64{
		"job_number": 1, "title": 1, "company": 1, "locations": 1, "countries": 1, "date_posted": 1,
		"salary": 0.5, "employment_type": 0.5, "apply_url": 0.5, "description": 0, "valid_through": 0,
	}
	for field, want := range wantCoverage {
		if got, ok := st.Coverage[field]; !ok || got != want {
			t.Errorf("coverage of %s: got %v (present %v), want %v", field, got, ok, want)
		}
	}
	for _, f := range crawler.CoverageFields {
		if _, ok := st.Coverage[f]; !ok {
			t.Errorf("coverage has no %s", f)
		}
	}
	// the cards of the result page were not indexed as postings
	for _, num := range []string{"90001", "90002"} {
		if _, err := ix.Get(context.Background(), index.RecordID("contoso", num)); err == nil {
			t.Errorf("card %s of a result page was indexed", num)
		}
	}
}
