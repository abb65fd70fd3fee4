package crawler

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/jobcrawl/jobcrawl/extract"
)

// This file runs the sources that are not HTML result pages: a careers
// JSON API or a platform's (an apiSource), and sitemaps. Their requests go
// through the run's collector, so the per-host limit rules, retries with
// back-off, the page limit and the run's context apply to them as to every
// page; their postings go through the same merge, and the run's store
// decides what is new, changed or closed.

// An apiSource is a JSON API walked page by page: its first requests, and
// what each response holds and asks for next. Implementations hold the
// site's configuration only; the state of a walk travels in the calls, so
// one source serves any number of runs at once.
type apiSource interface {
	first() []*apiCall
	// list reads a list response.
	list(c *apiCall, body []byte, opts extract.Options) (apiPage, error)
	// detail reads a posting's detail response into the posting. A
	// *extract.RejectError rejects the posting; any other error is a
	// response the source cannot read.
	detail(c *apiCall, body []byte, opts extract.Options) (extract.Posting, error)
}

var (
	_ apiSource = (*jsonSource)(nil)
	_ apiSource = (*platformSource)(nil)
)

// apiPage is what a list response holds.
type apiPage struct {
	items    int // postings listed (before details and rejections)
	total    int // postings the API says it holds in all; -1 when it does not say
	postings []extract.Posting
	rejected []error
	next     []*apiCall // further pages, and the listed postings' details
}

// apiCall is one request of a source: a list page, a posting's detail, or
// a sitemap.
type apiCall struct {
	method, url string
	body        []byte
	header      http.Header
	detail      bool
	sitemap     bool

	// The walk's state, for the source's own use.
	page   int    // the list page's index, 0 for the first
	offset int    // the offset, page number or skip the page asked for
	cursor string // the cursor it was asked with
	prev   string // the previous page's signature (sequential paging)
	fanned bool   // requested from the first page's total: asks for no next page
	item   any    // a detail's listed posting
}

func (c *apiCall) kind() string {
	switch {
	case c.detail:
		return "detail" // a posting taken down between list and detail (404) does not fail the run
	case c.sitemap:
		return "sitemap"
	}
	return "api"
}

// sourceRun is one run's walk of its site's sources.
type sourceRun struct {
	r   *run
	api apiSource

	mu      sync.Mutex
	pending int // list pages requested and not read yet
	listed  int // postings the list pages listed
	total   int // postings the first page announced, -1 unknown
}

// startSources starts the site's JSON API, platform or sitemaps, if it has
// any; result pages, if the site has them too, are started by Run.
func (r *run) startSources() {
	src := r.site.src
	if src.api == nil && len(src.sitemap) == 0 {
		return
	}
	sr := &sourceRun{r: r, api: src.api, total: -1}
	for _, h := range src.hosts {
		// colly matches limit rules against the URL's host with its port:
		// the rule of a host named without one misses host:8080 (and every
		// httptest server). Give the sources' hosts a rule for any port.
		rule := &colly.LimitRule{DomainGlob: h + ":*", Parallelism: r.site.Limits.Parallelism, Delay: time.Duration(r.site.Limits.Delay)}
		if err := r.col.Limit(rule); err != nil {
			r.log.Warn("limit rule", "host", h, "error", err)
		}
	}
	r.col.OnResponse(sr.onResponse)
	for _, u := range src.sitemap {
		sr.request(&apiCall{method: http.MethodGet, url: u, sitemap: true})
	}
	if src.api != nil {
		for _, c := range src.api.first() {
			sr.request(c)
		}
	}
}

// request makes a call unless the same request was made already in this
// run, counting it against the run's page limit.
func (sr *sourceRun) request(c *apiCall) {
	r := sr.r
	if c.method == "" {
		c.method = http.MethodGet
	}
	key := c.method + " " + c.url
	if len(c.body) > 0 {
		sum := sha256.Sum256(c.body)
		key += " " + hex.EncodeToString(sum[:8])
	}
	r.mu.Lock()
	if r.seen[key] {
		r.mu.Unlock()
		r.stats.add(func(s *Stats) { s.SkippedURL++ })
		return
	}
	if r.maxReq > 0 && len(r.seen) >= r.maxReq {
		r.limitHit = true
		r.mu.Unlock()
		return
	}
	r.seen[key] = true
	r.mu.Unlock()
	if !c.detail {
		sr.mu.Lock()
		sr.pending++
		sr.mu.Unlock()
	}

	ctx := colly.NewContext()
	ctx.Put("kind", c.kind())
	ctx.Put("url", c.url)
	ctx.Put("call", c)
	hdr := http.Header{}
	if c.sitemap {
		hdr.Set("Accept", "application/xml, text/xml;q=0.9, */*;q=0.5")
	} else {
		hdr.Set("Accept", "application/json")
	}
	if len(c.body) > 0 {
		hdr.Set("Content-Type", "application/json")
	}
	for k, vs := range c.header {
		hdr[k] = vs
	}
	var body io.Reader
	if len(c.body) > 0 {
		body = bytes.NewReader(c.body) // seekable: a retry sends it again
	}
	err := r.col.Request(c.method, c.url, body, ctx, hdr)
	switch {
	case err == nil, isAlreadyVisited(err):
	case errors.Is(err, colly.ErrRobotsTxtBlocked), errors.Is(err, colly.ErrForbiddenDomain),
		errors.Is(err, colly.ErrForbiddenURL), errors.Is(err, colly.ErrNoURLFiltersMatch):
		r.stats.add(func(s *Stats) { s.SkippedURL++ })
		r.fail(c.kind(), c.url, "robots", err)
	default:
		r.fail(c.kind(), c.url, classify(nil, err), err)
	}
}

// onResponse reads a response to one of the source's calls; other
// responses are the HTML handlers'.
func (sr *sourceRun) onResponse(resp *colly.Response) {
	c, ok := resp.Ctx.GetAny("call").(*apiCall)
	if !ok {
		return
	}
	r := sr.r
	ctype := strings.ToLower(resp.Headers.Get("Content-Type"))
	if strings.Contains(ctype, "html") {
		// an API's answer is never a page to extract: keep the HTML handlers off it
		resp.Headers.Set("Content-Type", "text/plain")
	}
	if resp.Ctx.GetAny("too_large") != nil {
		r.stats.rejected(extract.Reason(extract.ErrTooLarge))
		r.fail(c.kind(), c.url, "too_large", fmt.Errorf("%w: over limits.max_body_size (%d bytes)", extract.ErrTooLarge, r.site.Limits.MaxBodySize))
		return
	}
	opts := extract.Options{URL: resp.Request.URL.String(), Now: r.start, Company: r.site.Company}

	var err error
	switch {
	case c.sitemap:
		err = sr.readSitemap(c, resp.Body)
	case c.detail:
		var p extract.Posting
		p, err = sr.api.detail(c, resp.Body, opts)
		var rej *extract.RejectError
		switch {
		case errors.As(err, &rej):
			r.stats.rejected(extract.Reason(err))
			r.log.Debug("posting rejected", "url", c.url, "reason", err)
			err = nil
		case err == nil:
			r.merge(p, "")
		}
		r.stats.add(func(s *Stats) { s.Details++ })
	default:
		err = sr.readList(c, resp.Body, opts)
	}
	if err == nil {
		return
	}
	if errors.Is(err, io.ErrUnexpectedEOF) && r.retry(resp.Request, "truncated", 0) {
		return
	}
	if errors.Is(err, extract.ErrBadJSON) && strings.Contains(ctype, "html") {
		err = fmt.Errorf("%w (the server answered with an HTML page, %s)", err, ctype)
	}
	// Nothing of a response that cannot be read is merged, and the run is
	// not complete: it closes nothing.
	r.fail(c.kind(), c.url, "bad_response", err)
}

func (sr *sourceRun) readList(c *apiCall, body []byte, opts extract.Options) error {
	r := sr.r
	page, err := sr.api.list(c, body, opts)
	if err != nil {
		return err
	}
	r.stats.add(func(s *Stats) { s.Pages++ })
	for _, p := range page.postings {
		r.merge(p, "")
	}
	for _, err := range page.rejected {
		r.stats.rejected(extract.Reason(err))
		r.log.Debug("posting rejected", "url", c.url, "reason", err)
	}
	for _, n := range page.next {
		sr.request(n) // before this page counts as read, so pending stays above zero
	}
	r.log.Debug("list page", "url", c.url, "page", c.page, "items", page.items, "total", page.total)

	sr.mu.Lock()
	sr.pending--
	sr.listed += page.items
	if c.page == 0 && page.total >= 0 {
		sr.total = page.total
	}
	done, listed, total := sr.pending == 0, sr.listed, sr.total
	sr.mu.Unlock()
	if done && total >= 0 && listed < total {
		// Postings moved between pages while they were read (or the API
		// pages wrongly): some were not seen, so none may be closed.
		reason := fmt.Sprintf("listed %d of the %d postings the API announced", listed, total)
		r.log.Warn("incomplete listing", "listed", listed, "total", total)
		r.setIncomplete(reason)
	}
	return nil
}
