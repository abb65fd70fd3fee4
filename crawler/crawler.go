// Package crawler runs one crawl of one careers site: it walks the result
// pages with a colly collector, follows every posting, has each page
// extracted, merges the copies of a job into one record by job number, and
// writes the records to the index, deciding what is new, changed, unchanged
// or closed.
package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// DefaultUserAgent names the crawler and where to learn about it.
const DefaultUserAgent = "jobcrawl/0.1 (+https://github.com/jobcrawl/jobcrawl)"

// DefaultMaxCloseShare is the largest share of a site's open postings one
// run may close; a run that would close more closes none (see Stats.Suspect).
const DefaultMaxCloseShare = 0.3

// Reasons a run is incomplete.
const (
	reasonCancelled = "cancelled"
	reasonFailed    = "pages failed"
	reasonLimit     = "page limit reached"
	reasonTimeout   = "run timeout"
)

// Crawler runs crawls into an index. Its zero value is not usable: set
// Index. A Crawler may run several sites at once.
type Crawler struct {
	Index     index.Index
	Logger    *slog.Logger      // nil: discard
	UserAgent string            // "": DefaultUserAgent
	Transport http.RoundTripper // nil: a pooled transport shared by the runs
	// MaxCloseShare overrides DefaultMaxCloseShare when positive.
	MaxCloseShare float64
	// Now returns the time a run starts (for first_seen, last_seen and
	// relative dates); nil means time.Now.
	Now func() time.Time
	// BatchSize is how many records go to the index in one write (0: 500).
	BatchSize int

	once      sync.Once
	transport http.RoundTripper
}

func (c *Crawler) init() {
	c.once.Do(func() {
		if c.Logger == nil {
			c.Logger = slog.New(slog.DiscardHandler)
		}
		if c.UserAgent == "" {
			c.UserAgent = DefaultUserAgent
		}
		if c.Now == nil {
			c.Now = time.Now
		}
		if c.BatchSize <= 0 {
			c.BatchSize = 500
		}
		c.transport = c.Transport
		if c.transport == nil {
			c.transport = &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				ForceAttemptHTTP2:     true,
				MaxIdleConns:          100,
				MaxIdleConnsPerHost:   32,
				IdleConnTimeout:       90 * time.Second,
				TLSHandshakeTimeout:   10 * time.Second,
				ResponseHeaderTimeout: 60 * time.Second,
			}
		}
	})
}

// run is the state of one run of one site.
type run struct {
	c      *Crawler
	site   *Site
	log    *slog.Logger
	start  time.Time
	canon  *Canonicalizer
	ctx    context.Context
	col    *colly.Collector
	stats  counters
	maxReq int

	mu       sync.Mutex
	seen     map[string]bool // canonical URLs requested
	jobs     map[string]*merged
	existing map[string]existing // job number → what the index holds
	byURL    map[string]string   // URL → job number, of the records held
	gone     map[string]bool     // job numbers whose page answered 404 or 410
	failed   bool                // a page failed for good
	limitHit bool
}

// existing is what a run needs to know of a record the index already holds.
type existing struct {
	id, hash, status string
	firstSeen        time.Time
}

// merged is one job number's record being built from its copies.
type merged struct {
	p      extract.Posting
	copies int
}

// Run crawls site once and writes what it found to the index. progress, if
// not nil, is called about twice a second with the run's counts so far.
//
// Pages that fail are counted in the returned Stats, not returned as errors;
// the error is for what stops the run itself (the index failing). A run
// that is cancelled, fails part-way or hits a limit still writes the
// postings it saw, and closes nothing.
func (c *Crawler) Run(ctx context.Context, site *Site, progress func(Stats)) (Stats, error) {
	c.init()
	r := &run{
		c: c, site: site, log: c.Logger.With("site", site.Name), start: c.Now(),
		canon: NewCanonicalizer(site.StripParams...), seen: map[string]bool{}, jobs: map[string]*merged{},
		existing: map[string]existing{}, byURL: map[string]string{}, gone: map[string]bool{},
		maxReq: site.Limits.MaxPages,
	}
	r.stats.s.Site, r.stats.s.Started = site.Name, r.start
	err := r.loadExisting(ctx)
	if err != nil {
		return r.finalStats(), err
	}

	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if site.Limits.RunTimeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, time.Duration(site.Limits.RunTimeout))
	}
	defer cancel()
	r.ctx = runCtx

	if r.col, err = r.collector(runCtx); err != nil {
		return r.finalStats(), err
	}
	stopProgress := r.reportProgress(progress)
	r.startSources() // a JSON API, a platform or sitemaps (apisource.go)
	for _, u := range site.resultPages() {
		r.visit(u, "list", 1)
	}
	r.col.Wait()
	stopProgress()

	switch {
	case ctx.Err() != nil:
		r.setIncomplete(reasonCancelled)
	case runCtx.Err() != nil:
		r.setIncomplete(reasonTimeout)
	case r.failed:
		r.setIncomplete(reasonFailed)
	case r.limitHit:
		r.setIncomplete(reasonLimit)
	}
	// The run's findings are written even when it was cancelled: they are
	// true, and losing them would make the next run redo the work.
	err = r.store(context.WithoutCancel(ctx))
	if progress != nil {
		progress(r.finalStats())
	}
	return r.finalStats(), err
}

func (r *run) setIncomplete(reason string) {
	r.stats.add(func(s *Stats) {
		if s.Incomplete == "" {
			s.Incomplete = reason
		}
	})
}

func (r *run) finalStats() Stats {
	s := r.stats.snapshot()
	s.Finished = r.c.Now()
	if s.Finished.Before(s.Started) {
		s.Finished = s.Started
	}
	s.Seconds = s.Finished.Sub(s.Started).Seconds()
	s.Complete = s.Incomplete == "" && !s.Started.IsZero()
	return s
}

func (r *run) reportProgress(progress func(Stats)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				progress(r.stats.snapshot())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// loadExisting reads what the index holds of the site.
func (r *run) loadExisting(ctx context.Context) error {
	err := r.c.Index.Each(ctx, r.site.Name, func(rec index.Record) error {
		r.existing[rec.JobNumber] = existing{id: rec.ID, hash: rec.ContentHash, status: rec.Status, firstSeen: rec.FirstSeen}
		if rec.Status != index.StatusClosed {
			for _, u := range append([]string{rec.URL}, rec.URLs...) {
				if u != "" {
					r.byURL[u] = rec.JobNumber
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the index's records of %s: %w", r.site.Name, err)
	}
	return nil
}

// collector builds the run's colly collector: asynchronous, bound to ctx,
// restricted to the site's hosts, one limit rule per host, robots.txt obeyed.
func (r *run) collector(ctx context.Context) (*colly.Collector, error) {
	site := r.site
	ua := site.UserAgent
	if ua == "" {
		ua = r.c.UserAgent
	}
	hosts := site.hosts()
	col := colly.NewCollector(
		colly.Async(true),
		colly.StdlibContext(ctx),
		colly.UserAgent(ua),
		colly.AllowedDomains(hosts...),
		colly.MaxBodySize(int(site.Limits.MaxBodySize)+1),
	)
	col.WithTransport(r.c.transport)
	col.SetRequestTimeout(time.Duration(site.Limits.Timeout))
	for _, h := range hosts {
		rule := &colly.LimitRule{DomainGlob: h, Parallelism: site.Limits.Parallelism, Delay: time.Duration(site.Limits.Delay)}
		if err := col.Limit(rule); err != nil {
			return nil, fmt.Errorf("limit rule for %s: %w", h, err)
		}
	}
	col.OnRequest(func(req *colly.Request) {
		if req.Ctx.GetAny("attempt") == nil {
			req.Ctx.Put("attempt", 0)
		}
		r.stats.add(func(s *Stats) { s.Requests++ })
	})
	col.OnResponse(func(resp *colly.Response) {
		if int64(len(resp.Body)) > int64(site.Limits.MaxBodySize) {
			resp.Ctx.Put("too_large", true)
		}
	})
	col.OnHTML("html", r.onHTML)
	col.OnError(r.onError)
	return col, nil
}

// visit requests a page unless its canonical URL was requested already.
func (r *run) visit(raw, kind string, page int) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	canonical := r.canon.URL(u)
	if canonical == "" {
		return
	}
	r.mu.Lock()
	if r.seen[canonical] {
		r.mu.Unlock()
		r.stats.add(func(s *Stats) { s.SkippedURL++ })
		return
	}
	if r.maxReq > 0 && len(r.seen) >= r.maxReq {
		r.limitHit = true
		r.mu.Unlock()
		return
	}
	r.seen[canonical] = true
	r.mu.Unlock()

	ctx := colly.NewContext()
	ctx.Put("kind", kind)
	ctx.Put("page", page)
	ctx.Put("url", canonical)
	err = r.col.Request(http.MethodGet, canonical, nil, ctx, nil)
	switch {
	case err == nil:
	case errors.Is(err, colly.ErrRobotsTxtBlocked), errors.Is(err, colly.ErrForbiddenDomain),
		errors.Is(err, colly.ErrForbiddenURL), errors.Is(err, colly.ErrNoURLFiltersMatch):
		r.stats.add(func(s *Stats) { s.SkippedURL++ })
		r.log.Debug("not followed", "url", canonical, "reason", err)
		if kind == "list" {
			// a result page we may not read leaves the walk incomplete
			r.fail(kind, canonical, "robots", err)
		}
	case isAlreadyVisited(err):
	default:
		r.fail(kind, canonical, classify(nil, err), err)
	}
}

func isAlreadyVisited(err error) bool {
	var av *colly.AlreadyVisitedError
	return errors.As(err, &av)
}

// fail records a request that failed for good.
func (r *run) fail(kind, u, errKind string, err error) {
	r.stats.errorKind(errKind)
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
	r.log.Warn("page failed", "kind", kind, "url", u, "error", err)
}

// onHTML handles a fetched page: a result page yields links, a posting page
// postings.
func (r *run) onHTML(e *colly.HTMLElement) {
	req := e.Request
	kind := req.Ctx.Get("kind")
	canonical := req.Ctx.Get("url")
	if req.Ctx.GetAny("too_large") != nil {
		r.stats.rejected(extract.Reason(extract.ErrTooLarge))
		r.fail(kind, canonical, "too_large", extract.ErrTooLarge)
		return
	}
	root := documentRoot(e.DOM.Nodes[0])
	if extract.Truncated(e.Response.Body) {
		if r.retry(req, "truncated", 0) {
			return
		}
		r.stats.rejected(extract.Reason(extract.ErrTruncated))
		r.fail(kind, canonical, "truncated", extract.ErrTruncated)
		return
	}
	switch kind {
	case "list":
		r.onList(e, root)
	case "detail":
		r.onDetail(e, root)
	}
}

func documentRoot(n *html.Node) *html.Node {
	for n.Parent != nil {
		n = n.Parent
	}
	return n
}

// merge folds one copy of a posting into the run's record of its job number.
func (r *run) merge(p extract.Posting, fetched string) {
	p.Sources = nil
	if fetched != "" {
		p.URLs = appendNew(p.URLs, fetched)
	}
	if p.URL != "" {
		p.URLs = appendNew(p.URLs, p.URL)
	}
	r.mu.Lock()
	m := r.jobs[p.JobNumber]
	if m == nil {
		r.jobs[p.JobNumber] = &merged{p: p, copies: 1}
		r.mu.Unlock()
		r.stats.add(func(s *Stats) { s.Postings++ })
		return
	}
	mergePosting(&m.p, p)
	m.copies++
	r.mu.Unlock()
	r.stats.add(func(s *Stats) { s.Duplicates++ })
}

// retry schedules another attempt of req after a back-off, unless its
// attempts are used up or the run is over. after, when positive, is the
// server's Retry-After.
func (r *run) retry(req *colly.Request, why string, after time.Duration) bool {
	attempt, _ := req.Ctx.GetAny("attempt").(int)
	if attempt >= r.site.Limits.MaxRetries || r.ctx.Err() != nil {
		return false
	}
	wait := backoff(attempt, after)
	r.log.Debug("retrying", "url", req.URL.String(), "why", why, "attempt", attempt+1, "wait", wait)
	select {
	case <-time.After(wait):
	case <-r.ctx.Done():
		return false
	}
	req.Ctx.Put("attempt", attempt+1)
	r.stats.add(func(s *Stats) { s.Retries++ })
	if err := req.Retry(); err != nil {
		return false
	}
	return true
}

// backoff is the pause before attempt+1: the server's Retry-After when it
// gave one (capped at two minutes), else exponential from 250ms with full
// jitter, capped at 30s.
func backoff(attempt int, after time.Duration) time.Duration {
	if after > 0 {
		return min(after, 2*time.Minute)
	}
	ceil := min(250*time.Millisecond<<attempt, 30*time.Second)
	return ceil/2 + rand.N(ceil/2+1)
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// onError retries what may succeed later and records what failed for good.
func (r *run) onError(resp *colly.Response, err error) {
	req := resp.Request
	kind := req.Ctx.Get("kind")
	canonical := req.Ctx.Get("url")
	errKind := classify(resp, err)
	if transient(resp, err) && r.ctx.Err() == nil {
		var after time.Duration
		if resp.Headers != nil {
			after = retryAfter(*resp.Headers, time.Now())
		}
		if r.retry(req, errKind, after) {
			return
		}
	}
	if r.ctx.Err() != nil {
		return // the run is over; its end says why
	}
	if kind == "detail" && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone) {
		// the posting was taken down: not a failure of the run
		r.mu.Lock()
		if num, ok := r.byURL[canonical]; ok {
			r.gone[num] = true
		}
		r.mu.Unlock()
		r.stats.add(func(s *Stats) {
			if s.ByKind == nil {
				s.ByKind = map[string]int{}
			}
			s.ByKind[errKind]++
		})
		return
	}
	r.fail(kind, canonical, errKind, err)
}

// classify names the kind of a failure for the statistics.
func classify(resp *colly.Response, err error) string {
	if resp != nil && resp.StatusCode >= 400 {
		return "http_" + strconv.Itoa(resp.StatusCode)
	}
	var ne net.Error
	switch {
	case err == nil:
		return "other"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case strings.Contains(err.Error(), "redirect"):
		return "redirect"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return "connection"
	}
	return "other"
}

// transient reports whether a failure may go away on another attempt.
func transient(resp *colly.Response, err error) bool {
	if resp != nil {
		switch code := resp.StatusCode; {
		case code == http.StatusTooManyRequests, code == http.StatusRequestTimeout,
			code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported:
			return true
		case code >= 400:
			return false
		}
	}
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "EOF") || strings.Contains(msg, "connection reset") || strings.Contains(msg, "timeout")
}
