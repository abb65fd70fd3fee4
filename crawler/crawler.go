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
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

// DefaultBatchSize is how many records a run writes to the index at a time.
const DefaultBatchSize = 500

// Reasons a run is incomplete.
const (
	reasonCancelled = "cancelled"
	reasonFailed    = "pages failed"
	reasonLimit     = "page limit reached"
	reasonTimeout   = "run timeout"
	reasonIndex     = "index error"
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
	// ClosedRetention, when positive, is how long a closed record stays in
	// the index: a complete run of its site deletes it once it has been
	// closed longer. 0 keeps closed records.
	ClosedRetention time.Duration
	// Full makes runs download every page: no conditional requests, no
	// pages skipped for an unchanged card (after changing extraction, say).
	Full bool
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
			c.BatchSize = DefaultBatchSize
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
	c         *Crawler
	site      *Site
	log       *slog.Logger
	start     time.Time
	canon     *Canonicalizer
	ctx       context.Context
	col       *colly.Collector
	transport *politeTransport
	robots    *robots
	stats     counters
	maxReq    int

	// what the index holds, read before the walk and not changed after
	existing map[string]index.Record // job number → record
	byURL    map[string][]string     // posting URL → job numbers of the records read from it
	valid    map[string]index.Fetch  // posting URL → its validators

	mu        sync.Mutex
	seen      map[string]bool        // canonical URLs requested, or skipped for an unchanged card
	skipped   map[string]bool        // of those, the ones skipped
	requested int                    // pages requested (not counting retries), for max_pages
	sighted   map[string]bool        // job numbers seen, by any means
	jobs      map[string]*merged     // job number → its record built from the pages fetched
	unchanged map[string][]string    // job number → its URLs that answered 304 or were skipped
	fetched   map[string]index.Fetch // posting URL → validators of its 200 this run (maybe none)
	checked   map[string]bool        // job numbers whose posting page answered (200 or 304)
	cards     map[string][]string    // posting URL → fingerprints of the cards linking to it
	gone      map[string]bool        // job numbers whose page answered 404 or 410, or said so
	failed    bool                   // a page failed for good
	limitHit  bool
	pending   []string // job numbers whose record waits to be written
	w         *writer  // writes records during the walk (writer.go)
	restore   []int    // records to complete from the index before the last write
}

// merged is one job number's record being built from its copies.
type merged struct {
	p      extract.Posting
	copies int

	queued  bool   // waiting in r.pending
	written string // content hash of the record written during the walk ("": none yet)
	dirty   bool   // changed by a later copy since it was written
	mask    uint32 // coverageMask of the posting when written
}

// Run crawls site once and writes what it found to the index. progress, if
// not nil, is called about twice a second with the run's counts so far.
//
// Pages that fail are counted in the returned Stats, not returned as errors;
// the error is for what stops the run itself (the index failing). A run
// that is cancelled, fails part-way or hits a limit still writes the
// postings it saw, and closes nothing but postings whose page answered 404
// or 410.
func (c *Crawler) Run(ctx context.Context, site *Site, progress func(Stats)) (Stats, error) {
	c.init()
	r := &run{
		c: c, site: site, log: c.Logger.With("site", site.Name), start: c.Now(),
		canon:    NewCanonicalizer(site.StripParams...),
		existing: map[string]index.Record{}, byURL: map[string][]string{}, valid: map[string]index.Fetch{},
		seen: map[string]bool{}, skipped: map[string]bool{}, sighted: map[string]bool{}, jobs: map[string]*merged{},
		unchanged: map[string][]string{}, fetched: map[string]index.Fetch{}, checked: map[string]bool{},
		cards: map[string][]string{}, gone: map[string]bool{},
		maxReq: site.Limits.MaxPages,
	}
	r.stats.s.Site, r.stats.s.Started = site.Name, r.start
	err := r.loadExisting(ctx)
	if err != nil {
		r.setIncomplete(reasonIndex)
		return r.finalStats(), err
	}

	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if site.Limits.RunTimeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, time.Duration(site.Limits.RunTimeout))
	}
	defer cancel()
	r.ctx = runCtx

	if r.col, err = r.collector(runCtx); err != nil {
		r.setIncomplete(reasonFailed)
		return r.finalStats(), err
	}
	stopProgress := r.reportProgress(progress)
	r.startWriter(context.WithoutCancel(ctx))
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
	if err != nil {
		r.setIncomplete(reasonIndex)
	}
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

// loadExisting reads what the index holds of the site. The records are kept
// whole: a posting whose page answers 304 or is skipped is rewritten from
// them (one site's records, a few KB each), and the backend is read once.
func (r *run) loadExisting(ctx context.Context) error {
	err := r.c.Index.Each(ctx, r.site.Name, func(rec index.Record) error {
		r.existing[rec.JobNumber] = rec
		for _, u := range appendNew([]string{rec.URL}, rec.URLs...) {
			r.byURL[u] = appendNew(r.byURL[u], rec.JobNumber)
		}
		for _, f := range rec.Fetch {
			if f.ETag != "" || f.LastModified != "" {
				r.valid[f.URL] = f
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
// restricted to the site's hosts, one limit rule per host, going out
// through the run's polite transport.
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
		colly.IgnoreRobotsTxt(), // read by r.robots, which honours Crawl-delay
	)
	r.transport = newPoliteTransport(ctx, r.c.transport, site.Limits, r.log, func(t trip) {
		r.stats.add(func(s *Stats) { s.HostPauses++ })
	})
	r.transport.onSend = func() { r.stats.add(func(s *Stats) { s.Requests++ }) }
	r.robots = &robots{
		client: &http.Client{Transport: r.transport}, ua: ua, retries: site.Limits.MaxRetries,
		backoff: time.Duration(site.Limits.RetryBackoff), log: r.log, origins: map[string]*robotsEntry{},
		onDelay: r.transport.crawlDelay,
	}
	col.WithTransport(r.transport)
	// the transport times each request from when it may go: time spent
	// waiting for the rate cap, a Crawl-delay or a paused host is not the
	// server being slow
	col.SetRequestTimeout(0)
	col.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errTooManyRedirects
		}
		ok, err := r.robots.allowed(req.Context(), req.URL)
		switch {
		case err != nil:
			return err
		case !ok:
			return fmt.Errorf("redirect to %s: %w", req.URL, errDisallowed)
		}
		return nil
	})
	for _, h := range hosts {
		// colly matches rules against host:port
		rule := &colly.LimitRule{DomainRegexp: "^" + regexp.QuoteMeta(h) + "(:[0-9]+)?$",
			Parallelism: site.Limits.Parallelism, Delay: time.Duration(site.Limits.Delay)}
		if err := col.Limit(rule); err != nil {
			return nil, fmt.Errorf("limit rule for %s: %w", h, err)
		}
	}
	col.OnRequest(func(req *colly.Request) {
		if req.Ctx.GetAny("attempt") == nil {
			req.Ctx.Put("attempt", 0)
		}
	})
	col.OnResponseHeaders(func(resp *colly.Response) {
		if cl := resp.Headers.Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n > int64(site.Limits.MaxBodySize) {
				resp.Ctx.Put("too_large", true)
				resp.Request.Abort()
			}
		}
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

// maxRedirects is how many redirects one request may follow.
const maxRedirects = 10

// errTooManyRedirects: a request was redirected more than maxRedirects times.
var errTooManyRedirects = errors.New("too many redirects")

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
	if r.maxReq > 0 && r.requested >= r.maxReq {
		r.limitHit = true
		r.mu.Unlock()
		return
	}
	r.seen[canonical] = true
	r.requested++
	r.mu.Unlock()
	r.request(canonical, kind, page)
}

// request asks colly for a canonical URL, conditionally when the index
// holds validators for it.
func (r *run) request(canonical, kind string, page int) {
	u, err := url.Parse(canonical)
	if err != nil {
		return
	}
	ok, err := r.robots.allowed(r.ctx, u)
	switch {
	case r.ctx.Err() != nil:
		return
	case err != nil:
		r.fail(kind, canonical, "robots_unavailable", err)
		return
	case !ok:
		r.stats.add(func(s *Stats) { s.SkippedURL++ })
		r.log.Debug("not followed", "url", canonical, "reason", "robots.txt")
		if kind == "list" {
			// a result page we may not read leaves the walk incomplete
			r.fail(kind, canonical, "robots", errDisallowed)
		}
		return
	}

	ctx := colly.NewContext()
	ctx.Put("kind", kind)
	ctx.Put("page", page)
	ctx.Put("url", canonical)
	var hdr http.Header
	if v, ok := r.valid[canonical]; ok && kind == "detail" && !r.c.Full {
		hdr = http.Header{}
		if v.ETag != "" {
			hdr.Set("If-None-Match", v.ETag)
		}
		if v.LastModified != "" {
			hdr.Set("If-Modified-Since", v.LastModified)
		}
	}
	err = r.col.Request(http.MethodGet, canonical, nil, ctx, hdr)
	switch {
	case err == nil:
	case isAlreadyVisited(err):
	case errors.Is(err, colly.ErrForbiddenDomain), errors.Is(err, colly.ErrForbiddenURL), errors.Is(err, colly.ErrNoURLFiltersMatch):
		r.stats.add(func(s *Stats) { s.SkippedURL++ })
		r.log.Debug("not followed", "url", canonical, "reason", err)
		if kind == "list" {
			r.fail(kind, canonical, "off_site", err)
		}
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
	r.log.Warn("page failed", "kind", kind, "url", u, "reason", errKind, "error", err)
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
		if r.ctx.Err() != nil {
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

// sight notes that a job number was seen; the caller holds r.mu.
func (r *run) sight(num string) {
	if r.sighted[num] {
		r.stats.add(func(s *Stats) { s.Duplicates++ })
		return
	}
	r.sighted[num] = true
	r.stats.add(func(s *Stats) { s.Postings++ })
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
	r.sight(p.JobNumber)
	m := r.jobs[p.JobNumber]
	if m == nil {
		m = &merged{p: p, copies: 1}
		r.jobs[p.JobNumber] = m
	} else {
		if m.written != "" {
			// written and released: what a copy can change is its lists and
			// the fields still empty (a missing text is read back at the end)
			before, urls := ContentHash(m.p), len(m.p.URLs)
			mergePosting(&m.p, p)
			m.p.Description, m.p.Qualifications = "", nil
			m.dirty = m.dirty || ContentHash(m.p) != before || len(m.p.URLs) != urls
		} else {
			mergePosting(&m.p, p)
		}
		m.copies++
	}
	var batch []index.Record
	if m.written == "" || m.dirty {
		batch = r.queue(p.JobNumber, m)
	}
	r.mu.Unlock()
	r.send(batch)
}

// notModified counts the jobs read from a page that answered 304 as seen,
// reading as the index holds them.
func (r *run) notModified(canonical string) {
	r.stats.add(func(s *Stats) { s.NotModified++ })
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, num := range r.byURL[canonical] {
		r.sight(num)
		r.unchanged[num] = appendNew(r.unchanged[num], canonical)
		r.checked[num] = true
	}
}

// markGone notes that a posting page says its job is gone (404, 410 or a
// soft 404): its job is closed even if the run is incomplete, unless the run
// sees it elsewhere.
func (r *run) markGone(canonical, why string) {
	r.stats.add(func(s *Stats) { s.Gone++ })
	r.log.Debug("posting gone", "url", canonical, "why", why)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, num := range r.byURL[canonical] {
		r.gone[num] = true
	}
}

// maxRetryAfter is the longest Retry-After a run waits for; a request told
// to wait longer is given up (and a host that says so with 429 is paused
// this long).
const maxRetryAfter = 2 * time.Minute

// retry schedules another attempt of req after a back-off, unless its
// attempts are used up or the run is over. after, when positive, is the
// server's Retry-After.
func (r *run) retry(req *colly.Request, why string, after time.Duration) bool {
	attempt, _ := req.Ctx.GetAny("attempt").(int)
	if attempt >= r.site.Limits.MaxRetries || r.ctx.Err() != nil || after > maxRetryAfter {
		return false
	}
	wait := backoff(time.Duration(r.site.Limits.RetryBackoff), attempt, after)
	r.log.Debug("retrying", "url", req.URL.String(), "why", why, "attempt", attempt+1, "wait", wait)
	if sleep(r.ctx, wait) != nil {
		return false
	}
	req.Ctx.Put("attempt", attempt+1)
	r.stats.add(func(s *Stats) { s.Retries++ })
	return req.Retry() == nil
}

// backoff is the pause before attempt+1: the server's Retry-After when it
// gave one, plus up to a tenth more so that requests told the same do not
// all come back at once; else exponential from base with full jitter,
// capped at 30s.
func backoff(base time.Duration, attempt int, after time.Duration) time.Duration {
	if after > 0 {
		return after + rand.N(after/10+1)
	}
	ceil := 30 * time.Second
	if attempt < 20 {
		ceil = min(base<<attempt, ceil)
	}
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
// colly reports every answer but 200-202 here, so 304 Not Modified too.
func (r *run) onError(resp *colly.Response, err error) {
	req := resp.Request
	kind := req.Ctx.Get("kind")
	canonical := req.Ctx.Get("url")
	switch {
	case req.Ctx.GetAny("too_large") != nil:
		r.stats.rejected(extract.Reason(extract.ErrTooLarge))
		r.fail(kind, canonical, "too_large", extract.ErrTooLarge)
		return
	case resp.StatusCode == http.StatusNotModified && kind == "detail":
		r.notModified(canonical)
		return
	case kind == "detail" && resp.StatusCode == http.StatusOK && err != nil && strings.Contains(err.Error(), "open stack of elements exceeds"):
		// x/net/html refuses pages nested over 512 elements deep: read it
		// with the nesting capped instead of failing the run
		r.onDeepPage(resp)
		return
	case isAlreadyVisited(err):
		return // redirected to a page this run fetched already: a copy, not a failure
	}
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
		r.markGone(canonical, errKind) // the posting was taken down: not a failure of the run
		return
	}
	r.fail(kind, canonical, errKind, err)
}

// classify names the kind of a failure for the statistics.
func classify(resp *colly.Response, err error) string {
	if resp != nil && resp.StatusCode >= 300 {
		return "http_" + strconv.Itoa(resp.StatusCode)
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case err == nil:
		return "other"
	case errors.Is(err, ErrHostDown):
		return "host_down"
	case errors.Is(err, colly.ErrForbiddenDomain):
		return "redirect_off_site"
	case errors.Is(err, errDisallowed):
		return "robots"
	case errors.Is(err, errRobotsUnavailable):
		return "robots_unavailable"
	case errors.Is(err, errTooManyRedirects):
		return "redirect"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &oe):
		return "connection"
	}
	return "other"
}

// transient reports whether a failure may go away on another attempt:
// timeouts, connection errors, 408, 429 and 5xx.
func transient(resp *colly.Response, err error) bool {
	if resp != nil && resp.StatusCode != 0 {
		code := resp.StatusCode
		return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout ||
			code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported
	}
	switch kind := classify(nil, err); kind {
	case "timeout", "connection":
		return true
	}
	return false
}
