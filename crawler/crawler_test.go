package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// newSite serves a generated careers site and returns it with a site
// configuration that crawls it.
func newSite(tb testing.TB, o demosite.Options) (*demosite.Site, *httptest.Server, *crawler.Site) {
	tb.Helper()
	site := demosite.New(o)
	srv := httptest.NewServer(site.Handler())
	tb.Cleanup(srv.Close)
	cfg := &crawler.Site{
		Name: "contoso", Company: "Contoso", StartURLs: []string{demosite.StartURL(srv.URL)},
		Pagination: crawler.Pagination{Next: "a[rel=next]"}, JobLinks: "a.job-title",
		Limits: crawler.Limits{Parallelism: 4, MaxRetries: 2},
	}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	return site, srv, cfg
}

func openIndex(tb testing.TB) index.Index {
	tb.Helper()
	ix, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

// allIDs returns the job numbers of every record of the index with their
// counts, by searching (not by listing), as a user would see them.
func searchAll(tb testing.TB, ix index.Index, facets ...string) index.Result {
	tb.Helper()
	res, err := ix.Search(context.Background(), index.Query{Limit: index.MaxLimit, Facets: facets,
		Filters: []index.Filter{{Field: "status", Values: []string{index.StatusOpen}}}})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func jobNumbers(res index.Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.JobNumber)
	}
	sort.Strings(out)
	return out
}

func TestCrawlEndToEnd(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 36, PerPage: 8, Dups: 6, Seed: 3})
	ix := openIndex(t)
	c := &crawler.Crawler{Index: ix}
	st, err := c.Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	truth := site.Truth()
	if !st.Complete || st.Errors != 0 {
		t.Fatalf("run not complete: %+v", st)
	}
	if st.Pages != site.Pages() {
		t.Errorf("result pages walked: got %d, want %d", st.Pages, site.Pages())
	}
	if st.Postings != len(truth.JobNumbers) || st.New != len(truth.JobNumbers) {
		t.Errorf("postings: got %d (new %d), want %d", st.Postings, st.New, len(truth.JobNumbers))
	}
	// the duplicates under the same URL or a tracking parameter are fetched once
	if got := site.TotalHits("/jobs/"); got != len(truth.JobNumbers) {
		t.Errorf("detail page requests: got %d, want %d (one per job)", got, len(truth.JobNumbers))
	}
	if site.TotalHits("/private/") != 0 {
		t.Error("fetched a page robots.txt disallows")
	}

	facets := []string{"job_family", "team", "countries", "locations", "workplace_type"}
	res := searchAll(t, ix, facets...)
	if got := jobNumbers(res); !slices.Equal(got, truth.JobNumbers) {
		t.Errorf("job numbers in the index:\n got %v\nwant %v", got, truth.JobNumbers)
	}
	if res.Total != len(truth.JobNumbers) {
		t.Errorf("total: got %d, want %d (one record per job)", res.Total, len(truth.JobNumbers))
	}
	for _, f := range facets {
		if fmt.Sprint(res.Facets[f]) != fmt.Sprint(truth.Facets[f]) {
			t.Errorf("facet %s:\n got %v\nwant %v", f, res.Facets[f], truth.Facets[f])
		}
	}
	// every markup was read: the sources differ but the records agree with the site
	styles := map[string]bool{}
	for _, j := range site.Jobs {
		styles[j.Style] = true
		rec, err := ix.Get(context.Background(), index.RecordID("contoso", j.Number))
		if err != nil {
			t.Fatalf("job %s (%s): %v", j.Number, j.Style, err)
		}
		if rec.Title != j.Title || rec.JobFamily != j.Family || rec.Team != j.Team ||
			!slices.Equal(rec.Locations, j.LocationStrings()) || rec.DatePosted != j.Posted.Format(time.DateOnly) {
			t.Errorf("job %s (%s): got %q %q %q %v %s, want %q %q %q %v %s", j.Number, j.Style,
				rec.Title, rec.JobFamily, rec.Team, rec.Locations, rec.DatePosted,
				j.Title, j.Family, j.Team, j.LocationStrings(), j.Posted.Format(time.DateOnly))
		}
		if slices.Contains(rec.AltIDs, j.Number) || !slices.Contains(rec.AltIDs, j.ReqID) {
			t.Errorf("job %s: alt_ids %v should hold the requisition id %s", j.Number, rec.AltIDs, j.ReqID)
		}
	}
	if len(styles) != 3 {
		t.Errorf("styles served: %v, want jsonld, microdata and labels", styles)
	}
}

func TestCrawlMergesCopiesUnderDifferentURLs(t *testing.T) {
	site, srv, cfg := newSite(t, demosite.Options{Jobs: 12, PerPage: 4, Dups: 0, Seed: 5})
	j := site.Jobs[0]
	// a second URL for job 0 (another slug), listed from a page of its own
	other := "/jobs/" + j.Number + "/legacy-slug"
	site.Hook("/careers/extra", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><a class="job-title" href="%s">x</a><a class="job-title" href="%s#apply">y</a></body></html>`, other, j.Path())
	}))
	cfg.StartURLs = append(cfg.StartURLs, srv.URL+"/careers/extra")
	ix := openIndex(t)
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Postings != 12 || st.Duplicates != 1 {
		t.Errorf("postings %d, duplicates %d: want 12 and 1", st.Postings, st.Duplicates)
	}
	rec, err := ix.Get(context.Background(), index.RecordID("contoso", j.Number))
	if err != nil {
		// say what was indexed instead, and what the run saw
		t.Fatalf("%v; indexed %v; run %+v", err, jobNumbers(searchAll(t, ix)), st)
	}
	if !slices.Contains(rec.URLs, srv.URL+other) || !slices.Contains(rec.URLs, srv.URL+j.Path()) {
		t.Errorf("urls: got %v, want both of the job's URLs", rec.URLs)
	}
	if res := searchAll(t, ix); res.Total != 12 {
		t.Errorf("records: got %d, want 12", res.Total)
	}
}

func TestCrawlPageParam(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 25, PerPage: 10, Dups: 0, Seed: 9})
	cfg.Pagination = crawler.Pagination{PageParam: "page"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t)
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	// pages 1-3 have jobs, page 4 is empty and ends the walk
	if st.Pages != 4 || st.Postings != 25 || !st.Complete {
		t.Errorf("pages %d, postings %d, complete %v: want 4, 25, true", st.Pages, st.Postings, st.Complete)
	}
	if site.Hits("/careers?page=5") != 0 {
		t.Error("walked past the first empty page")
	}
}

func TestRejectedPagesAreCountedNotIndexed(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 10, PerPage: 10, Dups: 0, Seed: 2})
	bad := site.Jobs[3]
	site.Hook(bad.Path(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Oops</title></head><body><h1>Something</h1><p>No job here</p></body></html>`)
	}))
	ix := openIndex(t)
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Postings != 9 || st.Rejected["no job number"] != 1 {
		t.Errorf("postings %d, rejected %v: want 9 and one without a job number", st.Postings, st.Rejected)
	}
	if _, err := ix.Get(context.Background(), index.RecordID("contoso", bad.Number)); err == nil {
		t.Error("the rejected page was indexed")
	}
}

// TestCrawlWritesDuringTheWalk runs with tiny write batches, so records are
// written while the site is walked and duplicates arrive after their job
// was written and released from memory: the index must end up exactly as
// with one write at the end.
func TestCrawlWritesDuringTheWalk(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 40, PerPage: 6, Dups: 10, Seed: 21, SlugDups: true})
	batched, whole := openIndex(t), openIndex(t)
	stB, err := (&crawler.Crawler{Index: batched, BatchSize: 3}).Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	stW, err := (&crawler.Crawler{Index: whole, BatchSize: 10_000}).Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stB.Duplicates != 10 {
		t.Errorf("copies merged: got %d, want 10 (the test needs jobs seen twice)", stB.Duplicates)
	}
	if stB.New != 40 || stB.Postings != 40 || fmt.Sprint(stB.Coverage) != fmt.Sprint(stW.Coverage) {
		t.Errorf("batched run: new %d, postings %d, coverage %v; want 40, 40 and %v", stB.New, stB.Postings, stB.Coverage, stW.Coverage)
	}
	for _, j := range site.Jobs {
		id := index.RecordID("contoso", j.Number)
		b, errB := batched.Get(context.Background(), id)
		w, errW := whole.Get(context.Background(), id)
		if errB != nil || errW != nil {
			t.Fatalf("job %s: %v, %v", j.Number, errB, errW)
		}
		if b.ContentHash != w.ContentHash || b.Description == "" || b.Description != w.Description ||
			len(b.Qualifications) == 0 || fmt.Sprint(b.URLs) != fmt.Sprint(w.URLs) {
			t.Errorf("job %s: written during the walk\n%+v\nwritten at the end\n%+v", j.Number, b, w)
		}
	}
	// and a second batched run finds every record unchanged
	st2, err := (&crawler.Crawler{Index: batched, BatchSize: 3}).Run(context.Background(), cfg, nil)
	if err != nil || st2.Unchanged != 40 || st2.New+st2.Updated != 0 {
		t.Errorf("second run: %+v, %v; want 40 unchanged", st2, err)
	}
}

// TestDeepPageIsRead serves a posting page nested deeper than the HTML
// parser's 512 open elements: colly cannot parse it, the crawler reads it
// with its nesting capped, and the job is indexed, not counted as a failure.
func TestDeepPageIsRead(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 5, PerPage: 10, Dups: 0, Seed: 4})
	deep := site.Jobs[2]
	site.Hook(deep.Path(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>%s</title></head><body><h1>%s</h1><dl><dt>Job #</dt><dd>%s</dd></dl>%s<p>deep</p>%s</body></html>",
			deep.Title, deep.Title, deep.Number, strings.Repeat("<div>", 2000), strings.Repeat("</div>", 2000))
	}))
	ix := openIndex(t)
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Complete || st.Errors != 0 || st.Postings != 5 {
		t.Fatalf("run: complete %v, errors %d %v, postings %d; want complete, 0, 5", st.Complete, st.Errors, st.ByKind, st.Postings)
	}
	rec, err := ix.Get(context.Background(), index.RecordID("contoso", deep.Number))
	if err != nil || rec.Title != deep.Title {
		t.Errorf("the deep page's job: %+v, %v", rec, err)
	}
}
