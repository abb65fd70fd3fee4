package crawler_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// serveSitemaps adds to a demo site a sitemap index pointing at two
// sitemaps, one gzipped, that list its postings (one under a tracking
// parameter) among pages that are not postings.
func serveSitemaps(tb testing.TB, site *demosite.Site, base string) {
	tb.Helper()
	var a, b strings.Builder
	for i, j := range site.Jobs {
		w := &a
		if i%2 == 1 {
			w = &b
		}
		fmt.Fprintf(w, "<url><loc>%s%s</loc><lastmod>2026-10-01</lastmod></url>\n", base, j.Path())
	}
	fmt.Fprintf(&a, "<url><loc>%s/about</loc></url>\n<url><loc>%s/careers?page=1</loc></url>\n", base, base)
	fmt.Fprintf(&b, "<url><loc>%s%s?utm_source=sitemap</loc></url>\n", base, site.Jobs[0].Path())
	urlset := func(body string) []byte {
		return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n" + body + "</urlset>\n")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(urlset(b.String()))
	zw.Close()
	site.Hook("/sitemap.xml", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>%s/sitemap-jobs-1.xml</loc></sitemap>
  <sitemap><loc>%s/sitemap-jobs-2.xml.gz</loc></sitemap>
</sitemapindex>`, base, base)
	}))
	site.Hook("/sitemap-jobs-1.xml", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Write(urlset(a.String()))
	}))
	site.Hook("/sitemap-jobs-2.xml.gz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-gzip")
		w.Write(gz.Bytes())
	}))
}

func TestSitemapSource(t *testing.T) {
	site, srv, cfg := newSite(t, demosite.Options{Jobs: 20, PerPage: 5, Dups: 0, Seed: 21})
	serveSitemaps(t, site, srv.URL)
	sm := &crawler.Site{Name: "contoso", Company: "Contoso", Source: "sitemap", StartURLs: cfg.StartURLs,
		Sitemap: &crawler.SitemapSource{Match: `/jobs/\d+/`}, Limits: crawler.Limits{Parallelism: 4, MaxRetries: 1}}
	if err := sm.Validate(); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t)
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), sm, nil)
	if err != nil {
		t.Fatal(err)
	}
	truth := site.Truth()
	if !st.Complete || st.Errors != 0 {
		t.Fatalf("not complete: %+v", st)
	}
	if st.Pages != 3 || st.Postings != len(truth.JobNumbers) {
		t.Errorf("sitemaps read %d (want 3), postings %d (want %d)", st.Pages, st.Postings, len(truth.JobNumbers))
	}
	if got := jobNumbers(searchAll(t, ix)); !slices.Equal(got, truth.JobNumbers) {
		t.Errorf("job numbers:\n got %v\nwant %v", got, truth.JobNumbers)
	}
	if site.TotalHits("/careers") != 0 || site.TotalHits("/about") != 0 {
		t.Error("fetched pages the sitemap filter leaves out")
	}
	if n := site.TotalHits("/jobs/"); n != len(truth.JobNumbers) {
		t.Errorf("posting pages fetched %d times, want once each (%d)", n, len(truth.JobNumbers))
	}

	// beside the result pages: a posting the result pages do not link is found
	hidden := site.Jobs[len(site.Jobs)-1]
	site.Hook("/careers", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		for _, j := range site.Jobs[:len(site.Jobs)-1] {
			fmt.Fprintf(&b, `<a class="job-title" href="%s">%s</a>`, j.Path(), j.Title)
		}
		fmt.Fprintf(w, "<html><body>%s</body></html>", b.String())
	}))
	cfg.Discover, cfg.Sitemap = "sitemap", &crawler.SitemapSource{Match: `/jobs/\d+/`}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ix = openIndex(t)
	st, err = (&crawler.Crawler{Index: ix}).Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Complete || st.Postings != len(truth.JobNumbers) {
		t.Errorf("result pages and sitemap: complete %v, postings %d, want %d", st.Complete, st.Postings, len(truth.JobNumbers))
	}
	if !slices.Contains(jobNumbers(searchAll(t, ix)), hidden.Number) {
		t.Errorf("job %s, listed only in the sitemap, was not found", hidden.Number)
	}
}

func TestSitemapNotASitemap(t *testing.T) {
	site, srv, _ := newSite(t, demosite.Options{Jobs: 5, PerPage: 5, Seed: 4})
	site.Hook("/sitemap.xml", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!DOCTYPE html><html><body><h1>Careers</h1></body></html>")
	}))
	sm := &crawler.Site{Name: "contoso", Source: "sitemap", Sitemap: &crawler.SitemapSource{URLs: []string{srv.URL + "/sitemap.xml"}}}
	if err := sm.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := (&crawler.Crawler{Index: openIndex(t)}).Run(context.Background(), sm, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Complete || st.ByKind["bad_response"] != 1 || site.TotalHits("/jobs/") != 0 {
		t.Errorf("complete %v, errors %v: want an incomplete run and a bad_response", st.Complete, st.ByKind)
	}
}
