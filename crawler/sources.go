package crawler

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract/ats"
)

// This file is the configuration of the sources besides HTML result pages:
// careers JSON APIs (source: json), applicant-tracking platforms
// (platform: greenhouse, board: acme) and sitemaps (source: sitemap, or
// discover: sitemap beside result pages). Their requests go through the
// run's collector like every page (apisource.go), and their postings
// through the same merge and store.

// The sources of postings.
const (
	SourceHTML     = "html"
	SourceJSON     = "json"
	SourceSitemap  = "sitemap"
	SourcePlatform = "platform"
)

// Platforms are the applicant-tracking platforms a site can name.
var Platforms = ats.PlatformNames()

// JSONSource describes a careers JSON API: the request for a page of
// postings, how pages follow each other, where the postings are in a
// response and where each field is in a posting (see ats.JSONSpec).
type JSONSource = ats.JSONSpec

// JSONPaging says how a JSON API's pages follow each other (see ats.JSONPaging).
type JSONPaging = ats.JSONPaging

// SitemapSource says which sitemaps list a site's postings and which of
// their URLs are postings.
type SitemapSource struct {
	// URLs are sitemaps or sitemap indexes (gzipped or not); default: the
	// first start URL's /sitemap.xml.
	URLs []string `yaml:"urls" json:"urls,omitempty"`
	// Match is a regular expression the URLs of postings match
	// ("/careers/job/\d+"); other URLs of the sitemaps are not fetched.
	Match string `yaml:"match" json:"match,omitempty"`
}

// sources is what Validate prepares for a site's sources besides HTML
// result pages.
type sources struct {
	src   ats.Source // the site's JSON API, platform or sitemaps (registry entry), or nil
	hosts []string   // hosts src fetches from
	// main: src is the site's source (json, platform, sitemap), whose
	// first requests are start pages; not when sitemaps are read beside
	// result pages (discover: sitemap).
	main bool
	// public: src is a platform's documented public API, which robots.txt
	// (written for crawlers of pages) does not govern.
	public bool
}

// source returns the site's source: html, json, sitemap or platform.
func (s *Site) source() string {
	switch {
	case s.Platform != "":
		return SourcePlatform
	case s.Source == "":
		return SourceHTML
	}
	return s.Source
}

// walksResultPages reports whether the site's postings are found from HTML
// result pages (alone, or beside a sitemap).
func (s *Site) walksResultPages() bool { return s.source() == SourceHTML }

// resultPages are the result pages a run starts from: the start URLs of
// an HTML site, none for the other sources.
func (s *Site) resultPages() []string {
	if !s.walksResultPages() {
		return nil
	}
	return s.StartURLs
}

// validateSource checks the source settings and prepares them. Errors name
// the key at fault.
func (s *Site) validateSource() error {
	s.src = sources{}
	switch s.Source {
	case "", SourceHTML, SourceJSON, SourceSitemap, SourcePlatform:
	default:
		return fmt.Errorf("source: %q is not html, json or sitemap", s.Source)
	}
	if s.Platform != "" && s.Source != "" && s.Source != SourcePlatform {
		return fmt.Errorf("source: %q and platform: %q both set; a platform site needs no source", s.Source, s.Platform)
	}
	switch s.Discover {
	case "":
	case "sitemap":
		if !s.walksResultPages() {
			return fmt.Errorf("discover: sitemap goes beside result pages; with source: %s, use source: sitemap", s.source())
		}
	default:
		return fmt.Errorf("discover: %q is not sitemap", s.Discover)
	}
	if s.JSON != nil && s.source() != SourceJSON {
		return fmt.Errorf("json: set, but the site's source is %s (add source: json)", s.source())
	}
	if s.Sitemap != nil && s.source() != SourceSitemap && s.Discover != "sitemap" {
		return errors.New("sitemap: set, but neither source: sitemap nor discover: sitemap")
	}
	if s.source() != SourcePlatform {
		for key, set := range map[string]bool{"board": s.Board != "", "api_url": s.APIURL != "", "page_size": s.PageSize != 0} {
			if set {
				return fmt.Errorf("%s: only for platform sites (set platform)", key)
			}
		}
	}
	var (
		src ats.Source
		err error
	)
	canon := NewCanonicalizer(s.StripParams...)
	switch s.source() {
	case SourceHTML:
		if s.Discover == "sitemap" {
			src, err = s.openSitemap(canon)
		}
	case SourceSitemap:
		src, err = s.openSitemap(canon)
		s.src.main = true
	case SourceJSON:
		if s.JSON == nil {
			return errors.New("json: missing (the request, items and fields of the API)")
		}
		a, _ := ats.Lookup(SourceJSON)
		src, err = a.Open(ats.Board{JSON: s.JSON})
		s.src.main = true
	case SourcePlatform:
		src, err = ats.OpenBoard(ats.Board{Platform: s.Platform, Board: strings.TrimSpace(s.Board), APIURL: s.APIURL, PageSize: s.PageSize})
		s.src.main, s.src.public = true, true
	}
	if err != nil {
		return err
	}
	if src != nil {
		s.src.src, s.src.hosts = src, src.Hosts()
		if s.Limits.MaxBodySize == 0 && src.DefaultMaxBodySize() > 0 {
			// an API that answers a whole board at once: tens of MB for the largest
			s.Limits.MaxBodySize = ByteSize(src.DefaultMaxBodySize())
		}
	}
	if (s.source() == SourceJSON || s.source() == SourcePlatform) && len(s.Fields) > 0 {
		return fmt.Errorf("fields: selector rules are for HTML pages; a %s source maps fields under json.fields", s.source())
	}
	return nil
}

// openSitemap opens the sitemap source: sitemap.urls, else the first start
// URL's /sitemap.xml; posting URLs are matched in their canonical form.
func (s *Site) openSitemap(canon *Canonicalizer) (ats.Source, error) {
	sm := s.Sitemap
	if sm == nil {
		sm = &SitemapSource{}
	}
	urls := sm.URLs
	if len(urls) == 0 {
		if len(s.StartURLs) == 0 {
			return nil, errors.New("sitemap.urls: at least one sitemap URL needed (or a start URL whose /sitemap.xml to read)")
		}
		u, ok := ats.DefaultSitemap(s.StartURLs[0])
		if !ok {
			return nil, fmt.Errorf("start_urls[0]: %q is not an http(s) URL", s.StartURLs[0])
		}
		urls = []string{u}
	}
	a, _ := ats.Lookup(SourceSitemap)
	return a.Open(ats.Board{Sitemaps: urls, Match: sm.Match, Canonical: canon.String})
}

// sourceHosts are the hosts the site's non-HTML sources fetch from: API
// hosts and sitemap hosts. The run's collector allows them and gives each
// its limit rule.
func (s *Site) sourceHosts() []string { return s.src.hosts }
