package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cdpfetch "github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/jobcrawl/jobcrawl/internal/htmlfast"
)

// This file renders pages in headless Chromium for the sites that build
// their pages with JavaScript (a site's render: browser).
//
// Chromium is only the renderer; the network stays the fetcher's. Every
// request the page makes — the page itself, its scripts, its XHR and
// fetch() calls, its frames — is paused by the DevTools Fetch domain and
// made by the fetcher (Do), so robots.txt, the allowed hosts, the rate
// caps, the shared host budget, the breaker, retries and size caps hold
// for them as for any other request, and each counts as one. Requests to
// other hosts, and images, fonts, media and style sheets (nothing the
// page's text needs), are refused unasked. The browser is also pointed at a
// proxy that does not exist, so a request that escaped interception would
// fail rather than reach the network.

// ErrNoChromium is the error of a render without a Chromium to run.
var ErrNoChromium = errors.New("render: browser needs Chromium (chromium, chromium-browser, google-chrome) on PATH or JOBCRAWL_CHROMIUM; install it with apt-get install chromium")

// chromiumNames are the names Chromium is looked up under on PATH.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// FindChromium returns the Chromium to run: $JOBCRAWL_CHROMIUM when set
// (it must be an executable file), else the first of chromium,
// chromium-browser, google-chrome and google-chrome-stable on PATH. Its
// error wraps ErrNoChromium.
func FindChromium() (string, error) {
	if p := os.Getenv("JOBCRAWL_CHROMIUM"); p != "" {
		st, err := os.Stat(p)
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%w (JOBCRAWL_CHROMIUM names %q, which is not an executable file)", ErrNoChromium, clip(p, 200))
		}
		return p, nil
	}
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// clip cuts s to n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// BrowserConfig configures a Browser.
type BrowserConfig struct {
	ExecPath string       // "": FindChromium
	Tabs     int          // pages rendered at once (0: 4); more wait
	Logger   *slog.Logger // nil: discard
}

// Browser is one headless Chromium, shared by the renders of a run: each
// render opens a tab of its own, at most Tabs at once. Close it when the
// run ends.
type Browser struct {
	ctx    context.Context // the browser's chromedp context
	cancel context.CancelFunc
	tabs   chan struct{}
	log    *slog.Logger
	dir    string
	once   sync.Once
}

// NewBrowser starts Chromium. The browser ends when ctx does, or at Close.
func NewBrowser(ctx context.Context, cfg BrowserConfig) (*Browser, error) {
	path := cfg.ExecPath
	if path == "" {
		var err error
		if path, err = FindChromium(); err != nil {
			return nil, err
		}
	}
	if cfg.Tabs <= 0 {
		cfg.Tabs = 4
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := os.MkdirTemp("", "jobcrawl-chromium-")
	if err != nil {
		return nil, fmt.Errorf("render: profile directory: %w", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // runs as root in containers; the pages it renders never reach the network
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("blink-settings", "imagesEnabled=false"),
		// a request that escapes interception goes to a proxy that is not
		// there, loopback included, instead of the network
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	b := &Browser{ctx: bctx, tabs: make(chan struct{}, cfg.Tabs), log: cfg.Logger, dir: dir,
		cancel: func() { cancelBrowser(); cancelAlloc() }}
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		b.Close()
		return nil, fmt.Errorf("render: start Chromium (%s): %w", path, err)
	}
	return b, nil
}

// Close stops the browser and removes its profile. It is safe to call
// more than once.
func (b *Browser) Close() error {
	var err error
	b.once.Do(func() {
		b.cancel()
		err = os.RemoveAll(b.dir)
	})
	return err
}

// Render asks Do to render an HTML answer in the fetcher's Browser and to
// answer with the page as the browser then holds it.
type Render struct {
	// Wait is a CSS selector to wait for; "" waits until the page's
	// requests have been quiet for half a second.
	Wait string
	// Timeout bounds the render, from opening the tab to reading the page
	// (0: 30s). A page that takes longer fails, and may be tried again.
	Timeout time.Duration
}

// quiet is how long a page's requests must have been still for it to
// count as done, when no selector is waited for.
const quiet = 500 * time.Millisecond

// rendered lets the page's requests through: what can change its text.
var rendered = map[network.ResourceType]bool{
	network.ResourceTypeDocument: true, network.ResourceTypeScript: true,
	network.ResourceTypeXHR: true, network.ResourceTypeFetch: true, network.ResourceTypePreflight: true,
}

// render loads resp, a page fetched already, in a tab of the browser and
// replaces its body and document with the page as rendered.
func (f *Fetcher) render(ctx context.Context, opts *Render, resp *Response) error {
	b := f.cfg.Browser
	if b == nil {
		return errors.New("render: the fetcher has no browser")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	select {
	case b.tabs <- struct{}{}:
		defer func() { <-b.tabs }()
	case <-ctx.Done():
		return ctx.Err()
	}
	tab, closeTab := chromedp.NewContext(b.ctx)
	defer closeTab()
	if err := chromedp.Do(tab); err != nil { // opens the tab, bound to tab's context only
		return Retryable("render", fmt.Errorf("render: open a tab: %w", err))
	}
	rctx, cancel := context.WithTimeout(tab, timeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()

	s := &renderSession{f: f, tab: rctx, page: resp, sem: make(chan struct{}, 6)}
	s.last.Store(time.Now().UnixNano())
	paused := chromedp.Events(rctx, cdpfetch.RequestPaused)
	if _, err := chromedp.Call(rctx, cdpfetch.Enable, cdpfetch.EnableParams{Patterns: []*cdpfetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		return Retryable("render", fmt.Errorf("render: intercept requests: %w", err))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev, err := range paused {
			if err != nil {
				return
			}
			s.inflight.Add(1)
			s.last.Store(time.Now().UnixNano())
			select {
			case s.sem <- struct{}{}:
			case <-rctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-s.sem }()
				s.serve(ev)
				s.inflight.Add(-1)
				s.last.Store(time.Now().UnixNano())
			}()
		}
	}()
	defer wg.Wait()
	defer cancel() // (runs before wg.Wait: ends the event loop)

	err := chromedp.Do(rctx, chromedp.Navigate(resp.URL))
	if err == nil {
		if opts.Wait != "" {
			err = chromedp.Do(rctx, chromedp.WaitReady(chromedp.CSS(opts.Wait)))
		} else {
			err = s.settle(rctx)
		}
	}
	var page string
	if err == nil {
		page, err = chromedp.Run(rctx, chromedp.Evaluate[string]("document.documentElement.outerHTML"))
	}
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return ctx.Err()
	case rctx.Err() != nil && opts.Wait != "":
		return Retryable("render_timeout", fmt.Errorf("render: %q did not appear within %s", clip(opts.Wait, 100), timeout))
	case rctx.Err() != nil:
		return Retryable("render_timeout", fmt.Errorf("render: the page did not settle within %s", timeout))
	default:
		return Retryable("render", fmt.Errorf("render: %w", err))
	}
	if int64(len(page)) > f.lim.MaxBodySize {
		return fmt.Errorf("%w: rendered page over %d bytes", ErrTooLarge, f.lim.MaxBodySize)
	}
	resp.Body = []byte(page)
	resp.Header = resp.Header.Clone()
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	resp.Header.Set("Content-Type", "text/html; charset=utf-8")
	resp.Header.Del("Content-Length")
	resp.Doc, resp.ParseErr = nil, nil
	if doc, err := htmlfast.Parse(resp.Body); err != nil {
		resp.ParseErr = err
	} else {
		resp.Doc = doc
	}
	resp.Rendered = true
	return nil
}

// renderSession is one page's render: its requests in flight and the
// time of the last one's start or end.
type renderSession struct {
	f        *Fetcher
	tab      context.Context
	page     *Response
	served   atomic.Bool // the page's own request was answered with page
	sem      chan struct{}
	inflight atomic.Int64
	last     atomic.Int64 // unix nanoseconds
}

// settle waits until no request is in flight and none started or ended
// for quiet.
func (s *renderSession) settle(ctx context.Context) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if s.inflight.Load() == 0 && time.Since(time.Unix(0, s.last.Load())) >= quiet {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// serve answers one request the page made: refused, the page fetched
// already, or made through the fetcher.
func (s *renderSession) serve(ev cdpfetch.EventRequestPaused) {
	fail := func(reason network.ErrorReason) {
		_, _ = chromedp.Call(s.tab, cdpfetch.FailRequest, cdpfetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: reason})
	}
	if ev.Request == nil {
		fail(network.ErrorReasonFailed)
		return
	}
	u, err := url.Parse(ev.Request.URL)
	switch {
	case err != nil || !s.f.Allowed(u):
		s.f.log.Debug("render: refused a request off the site", "url", clip(ev.Request.URL, 200))
		fail(network.ErrorReasonBlockedByClient)
		return
	case !rendered[ev.ResourceType]:
		fail(network.ErrorReasonBlockedByClient)
		return
	}
	if ev.ResourceType == network.ResourceTypeDocument && ev.Request.Method == http.MethodGet &&
		normalize(u) == pageKey(s.page.URL) && s.served.CompareAndSwap(false, true) {
		s.fulfill(ev.RequestID, s.page)
		return
	}
	req := &Request{Method: ev.Request.Method, URL: ev.Request.URL, Header: http.Header{}}
	for k, v := range ev.Request.Headers {
		switch strings.ToLower(k) {
		case "user-agent", "host", "content-length", "accept-encoding", "connection", "referer":
			continue
		}
		if sv, ok := v.(string); ok {
			req.Header.Set(k, sv)
		}
	}
	for _, e := range ev.Request.PostDataEntries {
		req.Body = append(req.Body, e.Bytes...)
	}
	resp, err := s.f.Do(s.tab, req)
	if resp == nil {
		reason := network.ErrorReasonFailed
		var fe *Error
		if errors.As(err, &fe) && (fe.Class == Robots || fe.Class == OffSite) {
			reason = network.ErrorReasonBlockedByClient
		}
		s.f.log.Debug("render: a request of the page failed", "url", clip(ev.Request.URL, 200), "error", err)
		fail(reason)
		return
	}
	s.fulfill(ev.RequestID, resp) // an error status is the page's to handle
}

// pageKey is the normalised form of a page's URL, as serve compares it.
func pageKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return normalize(u)
}

// fulfill answers a paused request with resp.
func (s *renderSession) fulfill(id cdpfetch.RequestID, resp *Response) {
	var hdr []*cdpfetch.HeaderEntry
	for k, vs := range resp.Header {
		switch strings.ToLower(k) {
		case "content-length", "content-encoding", "transfer-encoding", "connection":
			continue
		}
		for _, v := range vs {
			hdr = append(hdr, &cdpfetch.HeaderEntry{Name: k, Value: v})
		}
	}
	status := resp.Status
	if status == http.StatusNotModified || status == 0 {
		status = http.StatusOK
	}
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	_, _ = chromedp.Call(s.tab, cdpfetch.FulfillRequest, cdpfetch.FulfillRequestParams{
		RequestID: id, ResponseCode: int64(status), ResponseHeaders: hdr, Body: body})
}

// isHTML reports whether an answer is an HTML page, by its Content-Type
// or, without one, by the document colly parsed.
func isHTML(resp *Response) bool {
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if ct == "" {
		return resp.Doc != nil
	}
	return strings.Contains(ct, "html")
}
