// Package fetch is jobcrawl's one way to the network. Every request a site
// causes — a crawl's result pages, postings, API calls and sitemaps, `jobcrawl
// add`, `jobcrawl extract URL`, the platforms' requests — goes through a
// Fetcher, so one set of politeness rules holds everywhere:
//
//   - only the site's hosts are ever asked anything, robots.txt included;
//     redirects stay on them;
//   - robots.txt is obeyed (with its Crawl-delay), and one that cannot be
//     read refuses every page of its origin (RFC 9309);
//   - per-host parallelism and delay (colly's LimitRule), the site's rate
//     cap, pauses a host asks for with 429 and Retry-After, and a circuit
//     breaker per host (polite.go);
//   - retries with exponential back-off and jitter for what may succeed
//     later (5xx, 429, 408, timeouts, broken connections, a body cut short);
//   - redirect loops detected and reported with their chain;
//   - a cap on the size of every answer.
//
// Requests are made by a gocolly/colly collector in synchronous mode: the
// caller's goroutines (a crawl's bounded pool of workers) call Do, so no
// request waits in memory as a goroutine of its own.
package fetch

import (
	"bytes"
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
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html"

	"github.com/jobcrawl/jobcrawl/internal/htmlfast"
)

// DefaultUserAgent names the crawler and where to learn about it.
const DefaultUserAgent = "jobcrawl/0.1 (+https://github.com/jobcrawl/jobcrawl)"

// Limits bound a fetcher's requests.
type Limits struct {
	Parallelism  int           // requests in flight per host (0: 4)
	Delay        time.Duration // pause after each request, per slot
	Timeout      time.Duration // one request, from when it may go to the end of its body (0: 30s)
	MaxRetries   int           // attempts after the first, for what may succeed later
	RetryBackoff time.Duration // first pause before a retry (0: 250ms); doubles, with jitter, up to 30s
	MaxBodySize  int64         // largest answer read (0: 10 MB)
	Rate         Rate          // cap over all the fetcher's requests; zero: none
	Breaker      Breaker
}

// Breaker is a per-host circuit breaker: after Failures failed requests in
// a row (timeouts, connection errors, 5xx, 429), no request goes to the host
// for Pause; then one request probes it. A failed probe pauses the host
// again for twice as long (up to 8 × Pause); after MaxPauses pauses in a
// row the fetcher gives up on the host. A success closes the breaker. A
// zero Failures disables it.
type Breaker struct {
	Failures  int
	Pause     time.Duration
	MaxPauses int
}

func (l Limits) withDefaults() Limits {
	if l.Parallelism <= 0 {
		l.Parallelism = 4
	}
	if l.Timeout <= 0 {
		l.Timeout = 30 * time.Second
	}
	if l.RetryBackoff <= 0 {
		l.RetryBackoff = 250 * time.Millisecond
	}
	if l.MaxBodySize <= 0 {
		l.MaxBodySize = 10 << 20
	}
	if l.Breaker.Failures > 0 && l.Breaker.Pause <= 0 {
		l.Breaker.Pause = 30 * time.Second
	}
	if l.Breaker.Failures > 0 && l.Breaker.MaxPauses <= 0 {
		l.Breaker.MaxPauses = 4
	}
	return l
}

// Config configures a Fetcher.
type Config struct {
	UserAgent string // "": DefaultUserAgent
	// Hosts are the hosts the fetcher may ask anything, robots.txt
	// included: "careers.example.com" (default ports) or "127.0.0.1:8080".
	// A host written with "*" as its port ("api.example.com:*") allows any
	// port. Requests and redirects to any other host are refused unasked.
	Hosts  []string
	Limits Limits
	// Transport is the base round tripper (nil: a shared pooled one).
	Transport http.RoundTripper
	Logger    *slog.Logger // nil: discard
	// Shared, when set, is politeness shared with the other runs of this
	// process and of other daemons: each request also waits for its
	// host's shared budget (HostRate), and the breaker's pauses and a
	// server's Retry-After pause the host for every run sharing it.
	Shared HostLimiter
	// HostRate is the shared cap of requests to a host (host or
	// host:port as in URLs) and the key the cap is shared under (the
	// configured host: "example.com" covers every port of it); the zero
	// Rate for none, with the host itself as the key. nil: none anywhere.
	HostRate func(host string) (key string, r Rate)

	// Hooks, each optional and safe to call from several goroutines.
	OnSend  func()                                       // a request goes out (robots.txt and retries included)
	OnTrip  func(pause time.Duration, down bool)         // the breaker paused a host, or gave up on it
	OnRetry func(rawURL, why string, wait time.Duration) // a request will be tried again
	// OnRedirect may refuse a redirect to a page (returning an error, such
	// as ErrSeen for a page the caller fetches anyway).
	OnRedirect func(to *url.URL) error

	// Browser renders the requests that ask for it (Request.Render); nil:
	// such a request fails. The caller starts and closes it (render.go).
	Browser *Browser
}

// Fetcher makes requests for one site (one crawl run, or one command).
// It is safe for concurrent use. Its context bounds every request it makes.
type Fetcher struct {
	ctx    context.Context
	cfg    Config
	lim    Limits
	col    *colly.Collector
	polite *politeTransport
	robots *robots
	hosts  map[string]bool // host[:port] allowed; "host:*" any port
	log    *slog.Logger
}

var (
	sharedOnce      sync.Once
	sharedTransport http.RoundTripper
)

// SharedTransport is the pooled transport fetchers use when their Config
// names none.
func SharedTransport() http.RoundTripper {
	sharedOnce.Do(func() {
		sharedTransport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   32,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
		}
	})
	return sharedTransport
}

// New returns a fetcher whose requests all end when ctx does.
func New(ctx context.Context, cfg Config) (*Fetcher, error) {
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Transport == nil {
		cfg.Transport = SharedTransport()
	}
	lim := cfg.Limits.withDefaults()
	f := &Fetcher{ctx: ctx, cfg: cfg, lim: lim, hosts: map[string]bool{}, log: cfg.Logger}
	for _, h := range cfg.Hosts {
		if k := hostKey(h); k != "" {
			f.hosts[k] = true
		}
	}
	if len(f.hosts) == 0 {
		return nil, errors.New("fetch: no host allowed")
	}
	f.polite = newPoliteTransport(ctx, cfg.Transport, lim, f.log, func(t trip) {
		if cfg.OnTrip != nil {
			cfg.OnTrip(t.pause, t.down)
		}
	})
	f.polite.onSend = cfg.OnSend
	f.polite.shared, f.polite.hostRate = cfg.Shared, cfg.HostRate
	f.robots = &robots{
		client: &http.Client{Transport: f.polite, CheckRedirect: f.robotsRedirect}, ua: cfg.UserAgent,
		retries: lim.MaxRetries, backoff: lim.RetryBackoff, log: f.log, origins: map[string]*robotsEntry{},
		onDelay: f.polite.crawlDelay,
	}

	col := colly.NewCollector(
		colly.StdlibContext(ctx),
		colly.UserAgent(cfg.UserAgent),
		colly.MaxBodySize(int(lim.MaxBodySize)+1), // one byte over: too large, not cut silently
		colly.IgnoreRobotsTxt(),                   // read by f.robots, which honours Crawl-delay and refuses on 5xx
		colly.AllowURLRevisit(),                   // the caller decides what to fetch again (retries, 304s)
	)
	col.WithTransport(f.polite)
	// the polite transport times each request from when it may go: waiting
	// for the rate cap, a Crawl-delay or a paused host is not the server
	// being slow
	col.SetRequestTimeout(0)
	col.SetRedirectHandler(f.redirect)
	for h := range f.hosts {
		name, port, _ := strings.Cut(h, ":")
		re := "^" + regexp.QuoteMeta(name) + "(:[0-9]+)?$" // colly matches rules against host:port
		if port != "" && port != "*" {
			re = "^" + regexp.QuoteMeta(h) + "$"
		}
		rule := &colly.LimitRule{DomainRegexp: re, Parallelism: lim.Parallelism, Delay: lim.Delay}
		if err := col.Limit(rule); err != nil {
			return nil, fmt.Errorf("fetch: limit rule for %s: %w", h, err)
		}
	}
	col.OnResponseHeaders(func(r *colly.Response) {
		a := attemptOf(r.Ctx)
		if cl := r.Headers.Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n > lim.MaxBodySize {
				a.tooLarge = true
				r.Request.Abort()
			}
		}
	})
	// The page is parsed here rather than by an OnHTML callback: colly's
	// parse (goquery over x/net/html) looks for <base href> and the matched
	// element's text too, and htmlfast builds the same tree faster. colly
	// calls OnResponse for the answers it would parse, with the body in
	// UTF-8 already.
	col.OnResponse(func(r *colly.Response) {
		a := attemptOf(r.Ctx)
		a.status, a.header, a.body, a.final = r.StatusCode, r.Headers.Clone(), r.Body, r.Request.URL.String()
		if a.html && htmlMedia(r.Headers.Get("Content-Type"), r.Body) {
			if doc, err := htmlfast.Parse(r.Body); err != nil {
				a.err = err
			} else {
				a.doc = doc
			}
		}
	})
	col.OnError(func(r *colly.Response, err error) {
		a := attemptOf(r.Ctx)
		if r.StatusCode != 0 {
			a.status, a.body = r.StatusCode, r.Body
			if r.Headers != nil {
				a.header = r.Headers.Clone()
			}
		}
		if r.Request != nil && r.Request.URL != nil {
			a.final = r.Request.URL.String()
		}
		a.err = err
	})
	f.col = col
	return f, nil
}

// hostKey normalises a host for the allowed set: lowercase, no default port.
func hostKey(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if strings.Contains(h, "://") {
		if u, err := url.Parse(h); err == nil {
			h = u.Host
		}
	}
	h = strings.TrimSuffix(strings.TrimSuffix(h, ":80"), ":443")
	return h
}

// Allowed reports whether the fetcher may ask u's host anything.
func (f *Fetcher) Allowed(u *url.URL) bool {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	k := hostKey(u.Host)
	if f.hosts[k] {
		return true
	}
	name, _, _ := strings.Cut(k, ":")
	return f.hosts[name+":*"]
}

// A Request is one request to make.
type Request struct {
	Method string // "": GET
	URL    string
	Body   []byte
	Header http.Header
	// HTML has the answer parsed as HTML when it is HTML (Response.Doc).
	HTML bool
	// NoRobots skips robots.txt: only for documented public APIs
	// (platforms' job board APIs), which are not pages a crawler walks.
	NoRobots bool
	// Render, when set, has a 2xx HTML answer rendered in Config.Browser
	// (after Handle read it as it came): Body and Doc are then the page as
	// the browser holds it once its scripts ran (render.go).
	Render *Render
	// Handle, when set, reads each answer that came back 2xx or 304; an
	// error it returns that is Retryable (a body cut short) has the request
	// tried again, any other ends Do with that error.
	Handle func(*Response) error
}

// Response is an answer.
type Response struct {
	URL    string // the URL answered, after redirects
	Status int
	Header http.Header
	Body   []byte
	// Doc is the parsed document, for a Request with HTML whose answer is HTML.
	Doc *html.Node
	// ParseErr is why an HTML answer could not be parsed (Doc is then nil).
	ParseErr error
	// Attempts is how many times the request was sent.
	Attempts int
	// Rendered: Body and Doc are the page as the browser rendered it.
	Rendered bool
}

// attempt collects one try of a request from colly's callbacks.
type attempt struct {
	html     bool
	status   int
	header   http.Header
	body     []byte
	final    string
	doc      *html.Node
	err      error
	tooLarge bool
}

const attemptKey = "jobcrawl.attempt"

func attemptOf(c *colly.Context) *attempt {
	if a, ok := c.GetAny(attemptKey).(*attempt); ok {
		return a
	}
	return &attempt{} // a request not made by Do: nothing reads it
}

// htmlMedia reports whether an answer is a page to parse, as colly decides
// it: its media type, or what its first bytes look like when it names none.
func htmlMedia(contentType string, body []byte) bool {
	if contentType == "" {
		contentType = http.DetectContentType(body)
	}
	media, _, _ := strings.Cut(contentType, ";")
	switch strings.ToLower(strings.TrimSpace(media)) {
	case "text/html", "application/xhtml+xml":
		return true
	}
	return false
}

// Do makes a request: host and robots.txt checked first, then sent and
// retried as the limits say. ctx bounds the waits between attempts; a
// request in flight ends with the fetcher's own context. Its error is an *Error naming the class of
// the failure. A 304 is a response, not an error; so are 2xx answers.
func (f *Fetcher) Do(ctx context.Context, req *Request) (*Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{URL: req.URL, Class: Malformed, Kind: "bad_url", Err: fmt.Errorf("%q is not an http(s) URL", req.URL)}
	}
	if !f.Allowed(u) {
		return nil, &Error{URL: req.URL, Class: OffSite, Kind: "off_site", Err: fmt.Errorf("%w: %s", ErrOffSite, u.Host)}
	}
	if !req.NoRobots {
		if err := f.checkRobots(ctx, u); err != nil {
			return nil, f.classify(req.URL, nil, err)
		}
	}
	for n := 0; ; n++ {
		resp, err := f.once(ctx, req)
		if resp != nil {
			resp.Attempts = n + 1
		}
		if err == nil && req.Handle != nil {
			err = req.Handle(resp)
		}
		if err == nil && req.Render != nil && resp.Status/100 == 2 && isHTML(resp) {
			err = f.render(ctx, req.Render, resp)
		}
		if err == nil {
			return resp, nil
		}
		ferr := f.classify(req.URL, resp, err)
		if !ferr.retryable() || n >= f.lim.MaxRetries || ctx.Err() != nil || f.ctx.Err() != nil {
			return resp, ferr
		}
		var after time.Duration
		if resp != nil && resp.Header != nil {
			after = retryAfter(resp.Header, time.Now())
		}
		if after > maxRetryAfter {
			return resp, ferr
		}
		wait := backoff(f.lim.RetryBackoff, n, after)
		if f.cfg.OnRetry != nil {
			f.cfg.OnRetry(req.URL, ferr.Kind, wait)
		}
		f.log.Debug("retrying", "url", req.URL, "why", ferr.Kind, "attempt", n+2, "wait", wait)
		if err := sleep(ctx, wait); err != nil {
			return resp, f.classify(req.URL, resp, err)
		}
	}
}

// once sends a request one time through colly.
func (f *Fetcher) once(ctx context.Context, req *Request) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := &attempt{html: req.HTML}
	cctx := colly.NewContext()
	cctx.Put(attemptKey, a)
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hdr := req.Header.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	err := f.col.Request(method, req.URL, body, cctx, hdr)
	if a.tooLarge {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, f.lim.MaxBodySize)
	}
	if a.status == 0 {
		if err == nil {
			err = a.err
		}
		if err == nil {
			err = errors.New("no answer")
		}
		return nil, err
	}
	resp := &Response{URL: a.final, Status: a.status, Header: a.header, Body: a.body, Doc: a.doc}
	if resp.URL == "" {
		resp.URL = req.URL
	}
	if int64(len(resp.Body)) > f.lim.MaxBodySize {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, f.lim.MaxBodySize)
	}
	switch {
	case a.status == http.StatusNotModified:
		return resp, nil
	case a.status >= 200 && a.status < 300:
		if a.err != nil && req.HTML {
			// colly could not parse the page (x/net/html refuses nesting
			// over 512 elements deep): the caller may read Body itself
			resp.ParseErr = a.err
		}
		return resp, nil
	}
	return resp, &StatusError{Status: a.status}
}

// StatusError is an answer whose status is not 2xx or 304.
type StatusError struct{ Status int }

func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
}

// checkRobots applies robots.txt to u.
func (f *Fetcher) checkRobots(ctx context.Context, u *url.URL) error {
	ok, err := f.robots.allowed(ctx, u)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("%s: %w", u, ErrDisallowed)
	}
	return nil
}

// maxRedirects is how many redirects one request may follow.
const maxRedirects = 10

// redirect is colly's redirect policy: same site only, robots.txt obeyed,
// and a URL reached a third time in one chain is a loop (twice is allowed:
// a page may redirect to itself once to set a cookie).
func (f *Fetcher) redirect(req *http.Request, via []*http.Request) error {
	chain := make([]string, 0, len(via)+1)
	for _, r := range via {
		chain = append(chain, r.URL.String())
	}
	chain = append(chain, req.URL.String())
	seen := 0
	target := normalize(req.URL)
	for _, r := range via {
		if normalize(r.URL) == target {
			seen++
		}
	}
	switch {
	case seen >= 2:
		return &redirectError{err: ErrRedirectLoop, chain: chain}
	case len(via) >= maxRedirects:
		return &redirectError{err: fmt.Errorf("%w: more than %d", ErrTooManyRedirects, maxRedirects), chain: chain}
	case !f.Allowed(req.URL):
		return &redirectError{err: fmt.Errorf("%w: to %s", ErrOffSite, req.URL.Host), chain: chain}
	}
	if err := f.checkRobots(req.Context(), req.URL); err != nil {
		return &redirectError{err: err, chain: chain}
	}
	if f.cfg.OnRedirect != nil && seen == 0 {
		// (a URL of the chain itself is the caller's own request: going back
		// there is a loop in the making, not a page fetched elsewhere)
		if err := f.cfg.OnRedirect(req.URL); err != nil {
			return &redirectError{err: err, chain: chain}
		}
	}
	return nil
}

// robotsRedirect lets robots.txt follow up to five redirects on the site's
// hosts (RFC 9309); one that leads off the site makes it unavailable.
func (f *Fetcher) robotsRedirect(req *http.Request, via []*http.Request) error {
	switch {
	case len(via) >= 5:
		return fmt.Errorf("%w: more than 5", ErrTooManyRedirects)
	case !f.Allowed(req.URL):
		return fmt.Errorf("robots.txt redirects to %s, which the site does not allow (list it in allowed_domains): %w",
			req.URL.Host, ErrOffSite)
	}
	return nil
}

// normalize is the form redirect loops are compared in.
func normalize(u *url.URL) string {
	v := *u
	v.Fragment, v.RawFragment = "", ""
	v.Scheme, v.Host = strings.ToLower(v.Scheme), hostKey(v.Host)
	if v.Path == "" {
		v.Path = "/"
	}
	return v.String()
}

type redirectError struct {
	err   error
	chain []string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("%v (%s)", e.err, strings.Join(e.chain, " → "))
}

func (e *redirectError) Unwrap() error { return e.err }

// RedirectTarget returns the URL a refused redirect led to (the last of
// its chain): where a page moved when it moved off the site.
func RedirectTarget(err error) (string, bool) {
	var re *redirectError
	if errors.As(err, &re) && len(re.chain) > 0 {
		return re.chain[len(re.chain)-1], true
	}
	return "", false
}

// Sentinels of the failures Do reports (wrapped in an *Error).
var (
	// ErrOffSite: a request or redirect to a host the site does not allow.
	ErrOffSite = errors.New("host not allowed")
	// ErrRedirectLoop: a redirect back to a URL of the chain.
	ErrRedirectLoop = errors.New("redirect loop")
	// ErrTooManyRedirects: a chain of more than 10 redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrTooLarge: an answer over limits.max_body_size.
	ErrTooLarge = errors.New("too large")
	// ErrDisallowed: robots.txt disallows the URL.
	ErrDisallowed = errors.New("disallowed by robots.txt")
	// ErrRobotsUnavailable: robots.txt could not be read.
	ErrRobotsUnavailable = errors.New("robots.txt unavailable")
	// ErrSeen may be returned by Config.OnRedirect: the redirect leads to a
	// page the caller fetches anyway; the request is not a failure.
	ErrSeen = errors.New("redirect to a page fetched already")
)

// retryableError marks an error of Request.Handle as worth another attempt.
type retryableError struct {
	kind string
	err  error
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// Retryable marks err, returned by a Request's Handle, as a failure another
// attempt may not have (a body cut short); kind names it in statistics.
func Retryable(kind string, err error) error { return &retryableError{kind: kind, err: err} }

// Class is the kind of a failure, as the run's books count it.
type Class int

// The classes of failure.
const (
	Transient    Class = iota + 1 // 5xx, 429, 408, timeouts, broken connections, a body cut short
	Gone                          // 404, 410: the page is not there
	RedirectLoop                  // a loop, or too many redirects
	Robots                        // robots.txt refused the URL, or could not be read
	Malformed                     // an answer that cannot be read
	TooLarge                      // over limits.max_body_size
	OffSite                       // a request or redirect off the site's hosts
	Refused                       // another 4xx
	HostDown                      // the circuit breaker gave up on the host
	Cancelled                     // the caller's context ended
	Seen                          // redirected to a page fetched anyway (not a failure)
)

// Error is a request that failed for good.
type Error struct {
	URL    string
	Class  Class
	Kind   string // the statistics' name: http_503, timeout, connection, robots, redirect_loop...
	Status int    // the HTTP status, when there was an answer
	Err    error
}

func (e *Error) Error() string { return e.URL + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) retryable() bool { return e.Class == Transient }

// classify names a failure.
func (f *Fetcher) classify(u string, resp *Response, err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	e := &Error{URL: u, Err: err}
	var se *StatusError
	var re *retryableError
	var ne net.Error
	switch {
	case errors.As(err, &re):
		e.Class, e.Kind = Transient, re.kind
	case errors.As(err, &se):
		e.Status = se.Status
		e.Kind = "http_" + strconv.Itoa(se.Status)
		switch code := se.Status; {
		case code == http.StatusNotFound || code == http.StatusGone:
			e.Class = Gone
		case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout ||
			code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported:
			e.Class = Transient
		default:
			e.Class = Refused
		}
	case errors.Is(err, context.Canceled), f.ctx.Err() != nil && errors.Is(err, f.ctx.Err()):
		e.Class, e.Kind = Cancelled, "cancelled"
	case errors.Is(err, ErrSeen):
		e.Class, e.Kind = Seen, "seen"
	case errors.Is(err, ErrHostDown):
		e.Class, e.Kind = HostDown, "host_down"
	case errors.Is(err, ErrOffSite):
		e.Class, e.Kind = OffSite, "redirect_off_site"
	case errors.Is(err, ErrDisallowed):
		e.Class, e.Kind = Robots, "robots"
	case errors.Is(err, ErrRobotsUnavailable):
		// the origin is refused either way; its name says why robots.txt
		// could not be read when the network is the reason
		e.Class, e.Kind = Robots, "robots_unavailable"
		switch {
		case isDNSError(err):
			e.Kind = "dns"
		case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
			e.Kind = "timeout"
		case isOpError(err), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
			e.Kind = "connection"
		}
	case errors.Is(err, ErrRedirectLoop):
		e.Class, e.Kind = RedirectLoop, "redirect_loop"
	case errors.Is(err, ErrTooManyRedirects):
		e.Class, e.Kind = RedirectLoop, "redirect"
	case errors.Is(err, ErrTooLarge):
		e.Class, e.Kind = TooLarge, "too_large"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		e.Class, e.Kind = Transient, "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), isOpError(err):
		e.Class, e.Kind = Transient, "connection"
		if isDNSError(err) {
			e.Kind = "dns"
		}
	default:
		e.Class, e.Kind = Malformed, "other"
	}
	if resp != nil && e.Status == 0 {
		e.Status = resp.Status
	}
	return e
}

func isOpError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe)
}

func isDNSError(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de)
}

// maxRetryAfter is the longest Retry-After a request waits for; one told
// to wait longer is given up (and a host that says so with 429 is paused
// this long).
const maxRetryAfter = 2 * time.Minute

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

// Hosts returns the allowed hosts, sorted (for messages).
func (f *Fetcher) Hosts() []string {
	out := make([]string, 0, len(f.hosts))
	for h := range f.hosts {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}
