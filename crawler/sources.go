package crawler

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
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
var Platforms = []string{"greenhouse", "lever", "ashby", "smartrecruiters", "workday", "eightfold", "eightfold-v2"}

// JSONSource describes a careers JSON API: the request for a page of
// postings, how pages follow each other, where the postings are in a
// response and where each field is in a posting. Placeholders in URL and
// Body are filled per page: {offset}, {limit}, {page}, {cursor}.
type JSONSource struct {
	URL     string            `yaml:"url" json:"url"`
	Method  string            `yaml:"method" json:"method,omitempty"` // GET (default) or POST
	Body    string            `yaml:"body" json:"body,omitempty"`     // a POST's JSON body
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
	Paging  JSONPaging        `yaml:"paging" json:"paging"`
	// Items is the path to the array of postings in a response ("data.jobs");
	// "" means the response is the array.
	Items string `yaml:"items" json:"items,omitempty"`
	// Fields maps record fields to paths in one posting.
	Fields extract.JSONFields `yaml:"fields" json:"fields"`
	// DetailURL, when set, is requested for every posting of a list and its
	// response completes the posting: {path} placeholders are read from the
	// listed posting ("https://api.example.com/jobs/{id}").
	DetailURL string `yaml:"detail_url" json:"detail_url,omitempty"`
	// DetailItem is the path to the posting in a detail response ("" the
	// response itself).
	DetailItem string `yaml:"detail_item" json:"detail_item,omitempty"`
	// DetailFields, when set, are the paths in the detail record; fields a
	// detail does not give are read from the list's posting with Fields.
	DetailFields extract.JSONFields `yaml:"detail_fields" json:"detail_fields,omitempty"`
}

// JSONPaging says how a JSON API's pages follow each other.
type JSONPaging struct {
	// Style: "none" (one request, the default), "offset" ({offset} counts
	// postings), "page" ({page} counts pages), "cursor" (each response
	// gives the next page's {cursor} at Next) or "next_url" (each response
	// gives the next page's URL at Next).
	Style string `yaml:"style" json:"style,omitempty"`
	// Limit is the page size put in {limit} (default 100).
	Limit int `yaml:"limit" json:"limit,omitempty"`
	// Start is the first {offset} (default 0) or {page} (default 1).
	Start *int `yaml:"start" json:"start,omitempty"`
	// Total is the path to the number of postings the API holds in all;
	// with it, the pages after the first are requested at once.
	Total string `yaml:"total" json:"total,omitempty"`
	// Next is the path to the next cursor or URL.
	Next string `yaml:"next" json:"next,omitempty"`
}

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

// sources is what Validate prepares for a site's non-HTML sources.
type sources struct {
	api     apiSource      // a JSON API or a platform, or nil
	sitemap []string       // sitemaps to read, or none
	match   *regexp.Regexp // posting URLs in the sitemaps; nil: all
	hosts   []string       // hosts the sources fetch from
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
	var err error
	switch s.source() {
	case SourceHTML:
		if s.Discover == "sitemap" {
			err = s.prepareSitemap()
		}
	case SourceSitemap:
		err = s.prepareSitemap()
	case SourceJSON:
		if s.JSON == nil {
			return errors.New("json: missing (the request, items and fields of the API)")
		}
		var js *jsonSource
		if js, err = newJSONSource(s.JSON); err == nil {
			s.src.api = js
			s.src.hosts = append(s.src.hosts, js.hosts()...)
		} else {
			err = fmt.Errorf("json.%w", err)
		}
	case SourcePlatform:
		var ps *platformSource
		if ps, err = newPlatformSource(s); err == nil {
			s.src.api = ps
			s.src.hosts = append(s.src.hosts, ps.host)
		}
	default:
		return fmt.Errorf("source: %q is not html, json or sitemap", s.Source)
	}
	if err != nil {
		return err
	}
	if (s.source() == SourceJSON || s.source() == SourcePlatform) && len(s.Fields) > 0 {
		return fmt.Errorf("fields: selector rules are for HTML pages; a %s source maps fields under json.fields", s.source())
	}
	return nil
}

func (s *Site) prepareSitemap() error {
	sm := s.Sitemap
	if sm == nil {
		sm = &SitemapSource{}
	}
	urls := sm.URLs
	if len(urls) == 0 {
		if len(s.StartURLs) == 0 {
			return errors.New("sitemap.urls: at least one sitemap URL needed (or a start URL whose /sitemap.xml to read)")
		}
		u, err := url.Parse(s.StartURLs[0])
		if err != nil || u.Host == "" {
			return fmt.Errorf("start_urls[0]: %q is not an http(s) URL", s.StartURLs[0])
		}
		urls = []string{u.Scheme + "://" + u.Host + "/sitemap.xml"}
	}
	for i, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("sitemap.urls[%d]: %q is not an http(s) URL", i, raw)
		}
		s.src.hosts = append(s.src.hosts, u.Hostname())
	}
	s.src.sitemap = urls
	if sm.Match != "" {
		re, err := regexp.Compile(sm.Match)
		if err != nil {
			return fmt.Errorf("sitemap.match: %v", err)
		}
		s.src.match = re
	}
	return nil
}

// sourceHosts are the hosts the site's non-HTML sources fetch from: API
// hosts and sitemap hosts. The run's collector allows them and gives each
// its limit rule.
func (s *Site) sourceHosts() []string { return s.src.hosts }

// validHTTPURL reports whether raw, its placeholders filled, is an
// absolute http(s) URL.
func validHTTPURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(placeholder.ReplaceAllString(raw, "0"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return u, true
}

var placeholder = regexp.MustCompile(`\{[^{}"\s]+\}`)

func isPlatform(name string) bool {
	_, ok := ats.ByName(name)
	return ok && slices.Contains(Platforms, name)
}

func platformList() string { return strings.Join(Platforms, ", ") }
