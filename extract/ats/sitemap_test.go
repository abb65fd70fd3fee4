package ats_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
)

func urlset(locs ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, l := range locs {
		b.WriteString("<url><loc>" + l + "</loc><lastmod>2026-10-01</lastmod></url>\n")
	}
	b.WriteString("</urlset>\n")
	return []byte(b.String())
}

func gzipped(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseSitemap(t *testing.T) {
	index := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc> https://x.example/sitemap-jobs-1.xml </loc></sitemap>
  <sitemap><loc>/sitemap-jobs-2.xml.gz</loc></sitemap>
  <sitemap><loc></loc></sitemap>
</sitemapindex>`)
	cases := []struct {
		name           string
		body           []byte
		urls, sitemaps []string
		err            string // the error's text, "" none
		notSitemap     bool
	}{
		{"a sitemap index", index, nil, []string{"https://x.example/sitemap-jobs-1.xml", "/sitemap-jobs-2.xml.gz"}, "", false},
		{"a urlset", urlset("https://x.example/jobs/1/", "https://x.example/about &amp; more", ""), []string{"https://x.example/jobs/1/", "https://x.example/about & more"}, nil, "", false},
		{"a gzipped urlset", gzipped(t, urlset("https://x.example/jobs/1/")), []string{"https://x.example/jobs/1/"}, nil, "", false},
		{"with a byte order mark", append([]byte("\xef\xbb\xbf\n"), urlset("https://x.example/jobs/1/")...), []string{"https://x.example/jobs/1/"}, nil, "", false},
		{"stray entities", urlset("https://x.example/jobs/1/?a=1&b=2"), []string{"https://x.example/jobs/1/?a=1&b=2"}, nil, "", false},
		{"the text form", []byte("https://x.example/jobs/1/\n\n  http://x.example/jobs/2/  \r\n"), []string{"https://x.example/jobs/1/", "http://x.example/jobs/2/"}, nil, "", false},
		{"an HTML page", []byte("<!DOCTYPE html><html><body><h1>Careers</h1></body></html>"), nil, nil, "", true},
		{"another XML document", []byte(`<?xml version="1.0"?><rss><channel/></rss>`), nil, nil, "not a sitemap: the document is <rss>, not <urlset> or <sitemapindex>", true},
		{"empty", []byte(" \n "), nil, nil, "not a sitemap: empty", true},
		{"text that is no URL", []byte("https://x.example/a\nUser-agent: *\n"), nil, nil, `not a sitemap: "User-agent: *" is not a URL`, true},
		{"a broken gzip", []byte{0x1f, 0x8b, 0, 1, 2}, nil, nil, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			urls, sitemaps, err := ats.ParseSitemap(c.body)
			if c.notSitemap || c.err != "" || strings.Contains(c.name, "broken") {
				if err == nil {
					t.Fatalf("no error; urls %q, sitemaps %q", urls, sitemaps)
				}
				if c.notSitemap != errors.Is(err, ats.ErrNotSitemap) {
					t.Errorf("error %v: ErrNotSitemap %v, want %v", err, errors.Is(err, ats.ErrNotSitemap), c.notSitemap)
				}
				if c.err != "" && err.Error() != c.err {
					t.Errorf("error %q, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(urls, c.urls) || !slices.Equal(sitemaps, c.sitemaps) {
				t.Errorf("urls %q, sitemaps %q; want %q, %q", urls, sitemaps, c.urls, c.sitemaps)
			}
		})
	}
	t.Run("over the size cap once decompressed", func(t *testing.T) {
		// the cap is MaxSitemapSize (64 MB); 2 MB here, to stay quick under -race
		defer ats.SetSitemapCap(2 << 20)()
		if _, _, err := ats.ParseSitemap(gzipped(t, urlset("https://x.example/jobs/1/"))); err != nil {
			t.Errorf("under the cap: %v", err)
		}
		_, _, err := ats.ParseSitemap(gzipped(t, make([]byte, 2<<20+1)))
		if err == nil || err.Error() != "over 2 MB once decompressed" {
			t.Errorf("error %v", err)
		}
		if _, _, err := ats.ParseSitemap(gzipped(t, append(urlset("https://x.example/jobs/1/"), make([]byte, 2<<20-1000)...))); err != nil {
			t.Errorf("at the cap: %v", err)
		}
	})
}

func openSitemap(tb testing.TB, b ats.Board) ats.Source {
	tb.Helper()
	a, ok := ats.Lookup("sitemap")
	if !ok {
		tb.Fatal("no sitemap entry")
	}
	src, err := a.Open(b)
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// TestSitemapSource walks a sitemap index pointing at two sitemaps, one
// gzipped, that list postings among pages that are not postings.
func TestSitemapSource(t *testing.T) {
	const base = "https://careers.contoso.example"
	index := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>` + base + `/sitemap-jobs-1.xml</loc></sitemap>
  <sitemap><loc>/sitemap-jobs-2.xml.gz</loc></sitemap>
</sitemapindex>`)
	bodies := map[string][]byte{
		base + "/sitemap.xml":        index,
		base + "/sitemap-jobs-1.xml": urlset(base+"/jobs/1/engineer", base+"/about", base+"/careers?page=1", "/jobs/2/designer"),
		base + "/sitemap-jobs-2.xml.gz": gzipped(t, urlset(base+"/jobs/3/analyst", base+"/jobs/1/engineer?utm_source=sitemap",
			"mailto:jobs@contoso.example", "#top")),
	}
	answer := func(r *ats.Request) ([]byte, error) {
		if b, ok := bodies[r.URL]; ok {
			return b, nil
		}
		return nil, errNotFound
	}

	t.Run("with a pattern", func(t *testing.T) {
		src := openSitemap(t, ats.Board{Sitemaps: []string{base + "/sitemap.xml"}, Match: `/jobs/\d+/`})
		first := src.First()
		if len(first) != 1 || first[0].Kind != ats.KindSitemap || first[0].Method != ats.MethodGet || first[0].URL != base+"/sitemap.xml" ||
			first[0].Header["Accept"] != "application/xml, text/xml;q=0.9, */*;q=0.5" {
			t.Fatalf("first %+v", first[0])
		}
		w := walk(t, src, answer, extract.Options{})
		if len(w.errs) != 0 || w.gone != 0 || w.pages != 3 {
			t.Fatalf("errors %v, not found %d, sitemaps read %d (want 3)", w.errs, w.gone, w.pages)
		}
		var pages []string
		for _, r := range w.ofKind(ats.KindPage) {
			pages = append(pages, r.URL)
			if r.Method != ats.MethodGet || r.Header != nil {
				t.Errorf("%s: %s %v", r.URL, r.Method, r.Header)
			}
		}
		want := []string{base + "/jobs/1/engineer", base + "/jobs/1/engineer?utm_source=sitemap", base + "/jobs/2/designer", base + "/jobs/3/analyst"}
		if !slices.Equal(pages, want) {
			t.Errorf("posting pages\n got %q\nwant %q", pages, want)
		}
		if w.listed != 4 || w.total != -1 || len(w.postings) != 0 {
			t.Errorf("listed %d, total %d, postings %d", w.listed, w.total, len(w.postings))
		}
	})
	t.Run("every URL without a pattern", func(t *testing.T) {
		src := openSitemap(t, ats.Board{Sitemaps: []string{base + "/sitemap-jobs-1.xml"}})
		w := walk(t, src, answer, extract.Options{})
		if n := len(w.ofKind(ats.KindPage)); n != 4 || w.pages != 1 {
			t.Errorf("%d pages from %d sitemaps, want 4 from 1", n, w.pages)
		}
	})
	t.Run("the pattern is tried on the crawler's canonical form", func(t *testing.T) {
		canon := func(b *url.URL, ref string) string {
			u, err := b.Parse(strings.TrimSpace(ref))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				return ""
			}
			u.RawQuery = "" // the crawler drops tracking parameters
			return strings.ToLower(u.String())
		}
		src := openSitemap(t, ats.Board{Sitemaps: []string{base + "/sitemap.xml"}, Match: `/jobs/\d+/[a-z]+$`, Canonical: canon})
		w := walk(t, src, answer, extract.Options{})
		var pages []string
		for _, r := range w.ofKind(ats.KindPage) {
			pages = append(pages, r.URL)
		}
		want := []string{base + "/jobs/1/engineer", base + "/jobs/2/designer", base + "/jobs/3/analyst"}
		if !slices.Equal(pages, want) || w.skipped != 1 {
			t.Errorf("posting pages %q (skipped %d)\nwant %q (the tracked copy one of them)", pages, w.skipped, want)
		}
	})
	t.Run("a page that is no sitemap", func(t *testing.T) {
		src := openSitemap(t, ats.Board{Sitemaps: []string{base + "/sitemap.xml"}})
		_, err := src.Read(src.First()[0], []byte("<!DOCTYPE html><html><body><h1>Careers</h1></body></html>"), extract.Options{})
		if !errors.Is(err, ats.ErrNotSitemap) || !strings.HasPrefix(err.Error(), "sitemap "+base+"/sitemap.xml: not a sitemap") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("hosts", func(t *testing.T) {
		src := openSitemap(t, ats.Board{Sitemaps: []string{base + "/sitemap.xml", "http://cdn.contoso.example:8080/jobs.xml"}})
		if got := strings.Join(src.Hosts(), " "); got != "careers.contoso.example cdn.contoso.example:8080" || src.DefaultMaxBodySize() != 0 {
			t.Errorf("hosts %q, max body %d", got, src.DefaultMaxBodySize())
		}
		if n := len(src.First()); n != 2 {
			t.Errorf("%d first requests, want one per sitemap", n)
		}
	})
}

func TestSitemapErrors(t *testing.T) {
	cases := []struct {
		board ats.Board
		say   string
	}{
		{ats.Board{}, "sitemap.urls: at least one sitemap URL needed (or a start URL whose /sitemap.xml to read)"},
		{ats.Board{Sitemaps: []string{"https://x.example/s.xml", "/s.xml"}}, `sitemap.urls[1]: "/s.xml" is not an http(s) URL`},
		{ats.Board{Sitemaps: []string{"ftp://x.example/s.xml"}}, `sitemap.urls[0]: "ftp://x.example/s.xml" is not an http(s) URL`},
		{ats.Board{Sitemaps: []string{"https://x.example/s.xml"}, Match: "("}, "sitemap.match: error parsing regexp"},
	}
	a, _ := ats.Lookup("sitemap")
	for _, c := range cases {
		t.Run(c.say, func(t *testing.T) {
			_, err := a.Open(c.board)
			if err == nil || !strings.HasPrefix(err.Error(), c.say) {
				t.Errorf("error %v, want it to start %q", err, c.say)
			}
		})
	}
	for raw, want := range map[string]string{
		"https://careers.example.com/jobs?x=1": "https://careers.example.com/sitemap.xml",
		"http://careers.example.com:8080/":     "http://careers.example.com:8080/sitemap.xml",
		"/jobs":                                "",
	} {
		got, ok := ats.DefaultSitemap(raw)
		if got != want || ok != (want != "") {
			t.Errorf("DefaultSitemap(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
}
