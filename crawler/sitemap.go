package crawler

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// This file is the sitemap source: sitemaps and sitemap indexes (plain,
// gzipped, or the text form of one URL a line) are read for the URLs of
// postings, which are then fetched and extracted as HTML detail pages.

// maxSitemapSize bounds a sitemap once decompressed: the protocol allows
// 50 MB.
const maxSitemapSize = 64 << 20

// ErrNotSitemap: a sitemap URL answered with something else (an HTML page).
var ErrNotSitemap = errors.New("not a sitemap")

type sitemapDoc struct {
	XMLName  xml.Name
	URLs     []sitemapLoc `xml:"url"`
	Sitemaps []sitemapLoc `xml:"sitemap"`
}

type sitemapLoc struct {
	Loc string `xml:"loc"`
}

// readSitemap follows a sitemap: a sitemap index's sitemaps are requested
// in turn, a sitemap's posting URLs are visited as detail pages.
func (sr *sourceRun) readSitemap(c *apiCall, body []byte) error {
	r := sr.r
	urls, children, err := parseSitemap(body)
	if err != nil {
		return fmt.Errorf("sitemap %s: %w", c.url, err)
	}
	r.stats.add(func(s *Stats) { s.Pages++ })
	base, _ := url.Parse(c.url)
	for _, loc := range children {
		if abs := r.canon.String(base, loc); abs != "" {
			sr.request(&apiCall{method: http.MethodGet, url: abs, sitemap: true})
		}
	}
	postings := 0
	for _, loc := range urls {
		abs := r.canon.String(base, loc)
		if abs == "" || (r.site.src.match != nil && !r.site.src.match.MatchString(abs)) {
			continue
		}
		postings++
		r.visit(abs, "detail", 0)
	}
	r.log.Debug("sitemap", "url", c.url, "urls", len(urls), "postings", postings, "sitemaps", len(children))
	sr.mu.Lock()
	sr.pending--
	sr.mu.Unlock()
	return nil
}

// parseSitemap reads a sitemap (its page URLs) or a sitemap index (its
// sitemaps' URLs), gzipped or not, XML or one URL a line.
func parseSitemap(body []byte) (urls, sitemaps []string, err error) {
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		if body, err = io.ReadAll(io.LimitReader(zr, maxSitemapSize+1)); err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		if len(body) > maxSitemapSize {
			return nil, nil, fmt.Errorf("over %d MB once decompressed", maxSitemapSize>>20)
		}
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, nil, fmt.Errorf("%w: empty", ErrNotSitemap)
	}
	if trimmed[0] != '<' {
		// the text form: one URL a line
		sc := bufio.NewScanner(bytes.NewReader(trimmed))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			if u, err := url.Parse(line); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				return nil, nil, fmt.Errorf("%w: %q is not a URL", ErrNotSitemap, line)
			}
			urls = append(urls, line)
		}
		return urls, nil, sc.Err()
	}
	var doc sitemapDoc
	dec := xml.NewDecoder(bytes.NewReader(trimmed))
	dec.Strict = false // sitemaps in the wild carry stray entities
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNotSitemap, err)
	}
	switch doc.XMLName.Local {
	case "urlset":
		for _, u := range doc.URLs {
			if loc := strings.TrimSpace(u.Loc); loc != "" {
				urls = append(urls, loc)
			}
		}
	case "sitemapindex":
		for _, s := range doc.Sitemaps {
			if loc := strings.TrimSpace(s.Loc); loc != "" {
				sitemaps = append(sitemaps, loc)
			}
		}
	default:
		return nil, nil, fmt.Errorf("%w: the document is <%s>, not <urlset> or <sitemapindex>", ErrNotSitemap, doc.XMLName.Local)
	}
	return urls, sitemaps, nil
}
