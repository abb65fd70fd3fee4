package ats

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// Sitemap is the sitemap source (source: sitemap, or discover: sitemap
// beside result pages): sitemaps and sitemap indexes, plain, gzipped, or
// the text form of one URL a line, read for the URLs of postings, which
// the crawler then fetches and extracts as HTML pages (KindPage). A
// sitemap index's sitemaps are read in turn (KindSitemap).
type Sitemap struct{}

// Name implements Adapter.
func (Sitemap) Name() string { return "sitemap" }

// Title implements Adapter.
func (Sitemap) Title() string { return "Sitemap" }

// Recognize implements Adapter: any site may have sitemaps, so no URL is
// a sitemap site's by its look.
func (Sitemap) Recognize(*url.URL) (Board, bool) { return Board{}, false }

// Open implements Adapter: b.Sitemaps are the sitemaps to read (at least
// one), b.Match the pattern of posting URLs, b.Canonical the crawler's
// canonical form of the URLs found.
func (Sitemap) Open(b Board) (Source, error) {
	if len(b.Sitemaps) == 0 {
		return nil, errors.New("sitemap.urls: at least one sitemap URL needed (or a start URL whose /sitemap.xml to read)")
	}
	s := &sitemapSource{urls: b.Sitemaps, canon: b.Canonical}
	for i, raw := range b.Sitemaps {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("sitemap.urls[%d]: %q is not an http(s) URL", i, raw)
		}
		s.hosts = append(s.hosts, u.Host)
	}
	if b.Match != "" {
		re, err := regexp.Compile(b.Match)
		if err != nil {
			return nil, fmt.Errorf("sitemap.match: %v", err)
		}
		s.match = re
	}
	if s.canon == nil {
		s.canon = resolveHTTP
	}
	return s, nil
}

// DefaultSitemap is the sitemap a site has by convention: /sitemap.xml at
// the root of the host of pageURL (its first start URL).
func DefaultSitemap(pageURL string) (string, bool) {
	u, err := url.Parse(pageURL)
	if err != nil || u.Host == "" {
		return "", false
	}
	return u.Scheme + "://" + u.Host + "/sitemap.xml", true
}

type sitemapSource struct {
	urls  []string
	match *regexp.Regexp // nil: every URL is a posting's
	canon func(base *url.URL, ref string) string
	hosts []string
}

var _ Source = (*sitemapSource)(nil)

func (s *sitemapSource) Hosts() []string { return s.hosts }

func (s *sitemapSource) DefaultMaxBodySize() int64 { return 0 }

func (s *sitemapSource) First() []*Request {
	out := make([]*Request, 0, len(s.urls))
	for _, u := range s.urls {
		out = append(out, sitemapRequest(u))
	}
	return out
}

func sitemapRequest(u string) *Request {
	return &Request{Method: MethodGet, URL: u, Kind: KindSitemap, Header: withHeaders(KindSitemap, false, nil)}
}

// Read implements Source: a sitemap index's sitemaps, and a sitemap's
// posting URLs (those Match matches in their canonical form).
func (s *sitemapSource) Read(r *Request, body []byte, _ extract.Options) (Result, error) {
	urls, children, err := ParseSitemap(body)
	if err != nil {
		return Result{Total: -1}, fmt.Errorf("sitemap %s: %w", r.URL, err)
	}
	res := Result{List: true, Total: -1}
	base, _ := url.Parse(r.URL)
	for _, loc := range children {
		if abs := s.canon(base, loc); abs != "" {
			res.Next = append(res.Next, sitemapRequest(abs))
		}
	}
	for _, loc := range urls {
		abs := s.canon(base, loc)
		if abs == "" || (s.match != nil && !s.match.MatchString(abs)) {
			continue
		}
		res.Listed++
		res.Next = append(res.Next, &Request{Method: MethodGet, URL: abs, Kind: KindPage})
	}
	return res, nil
}

// resolveHTTP resolves ref against base, and keeps it if it is an http(s) URL.
func resolveHTTP(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// MaxSitemapSize bounds a sitemap once decompressed: the protocol allows
// 50 MB.
const MaxSitemapSize = 64 << 20

// sitemapCap is MaxSitemapSize; tests lower it.
var sitemapCap = MaxSitemapSize

// ErrNotSitemap is wrapped by the error of a sitemap URL that answered
// with something else (an HTML page, an empty body).
var ErrNotSitemap = errors.New("not a sitemap")

type sitemapDoc struct {
	XMLName  xml.Name
	URLs     []sitemapLoc `xml:"url"`
	Sitemaps []sitemapLoc `xml:"sitemap"`
}

type sitemapLoc struct {
	Loc string `xml:"loc"`
}

// ParseSitemap reads a sitemap (its page URLs) or a sitemap index (its
// sitemaps' URLs), gzipped or not, XML or one URL a line. The URLs are as
// the document writes them, trimmed.
func ParseSitemap(body []byte) (urls, sitemaps []string, err error) {
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		if body, err = io.ReadAll(io.LimitReader(zr, int64(sitemapCap)+1)); err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		if len(body) > sitemapCap {
			return nil, nil, fmt.Errorf("over %d MB once decompressed", sitemapCap>>20)
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
