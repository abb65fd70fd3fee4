package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// This file is the run's way to the network. colly's LimitRule bounds the
// requests in flight per host; everything that is about time rather than
// concurrency lives here, in an http.RoundTripper that every request of the
// run passes — result and posting pages, their retries, redirects and
// robots.txt — so no path around it exists:
//
//   - the site's rate cap (limits.rate), over all its hosts;
//   - each host's robots.txt Crawl-delay (a cap of one request per delay);
//   - pauses a host asks for with 429 Too Many Requests and Retry-After;
//   - a circuit breaker per host (limits.breaker);
//   - the per-request timeout, which starts once the request may go, so
//     waiting politely never counts as the server being slow;
//   - last, the host's shared budget (Config.Shared), which other runs and
//     other daemons draw from too, and the pauses they decided.

// ErrHostDown is the error of requests to a host the circuit breaker gave
// up on: it failed again after limits.breaker.max_pauses pauses in a row.
var ErrHostDown = errors.New("host down: circuit breaker gave up")

// maxPauseFactor bounds how far the breaker's pause grows, as a multiple of
// limits.breaker.pause.
const maxPauseFactor = 8

// window caps requests at n per period, as the server counts them: a
// request holds one of n slots from when it leaves until per after its
// answer (or its failure) came back. The server sees a request somewhere
// between the two, so whatever the network or the server delay, any
// per-long stretch of the server's clock holds at most n of them. Starts
// are also spaced per/n apart, so the slots are not spent in bursts. A nil
// window caps nothing.
type window struct {
	per   time.Duration
	slots chan struct{}
	pace  pacer
}

func newWindow(n int, per time.Duration) *window {
	if n <= 0 || per <= 0 {
		return nil
	}
	return &window{per: per, slots: make(chan struct{}, n), pace: pacer{interval: per / time.Duration(n)}}
}

// acquire waits for a slot; the caller must release it.
func (w *window) acquire(ctx context.Context) error {
	if w == nil {
		return ctx.Err()
	}
	if err := w.pace.wait(ctx); err != nil {
		return err
	}
	select {
	case w.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release frees a slot per from now; sent is false when no request went
// out with it, which frees it at once.
func (w *window) release(sent bool) {
	switch {
	case w == nil:
	case sent:
		time.AfterFunc(w.per, func() { <-w.slots })
	default:
		<-w.slots
	}
}

// pacer spaces request starts at least interval apart, in the order they
// ask. The zero pacer lets everything through.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

// wait returns when the caller may start a request, or when ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	if p.interval <= 0 {
		p.mu.Unlock()
		return ctx.Err()
	}
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.interval)
	p.mu.Unlock()
	return sleep(ctx, at.Sub(now))
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// host is the state of one host (host:port) during a run.
type host struct {
	name  string
	delay atomic.Pointer[window] // robots.txt Crawl-delay, once read

	mu       sync.Mutex
	failures int           // failed requests in a row
	pauses   int           // breaker pauses in a row
	resumeAt time.Time     // no request starts before
	probe    chan struct{} // while a probe is out; closed when it is back
	down     bool
}

// outcome is what a request's answer says about its host.
type outcome int

const (
	neutral outcome = iota // the run ended under it: says nothing
	success
	failure
)

// admit waits until a request may go to the host. probe is true when the
// request tests a paused host: the caller must report its outcome.
func (h *host) admit(ctx context.Context) (probe bool, err error) {
	for {
		h.mu.Lock()
		switch {
		case h.down:
			h.mu.Unlock()
			return false, fmt.Errorf("%s: %w", h.name, ErrHostDown)
		case time.Now().Before(h.resumeAt):
			d := time.Until(h.resumeAt)
			h.mu.Unlock()
			if err := sleep(ctx, d); err != nil {
				return false, err
			}
		case h.probe != nil:
			ch := h.probe
			h.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return false, ctx.Err()
			}
		case h.pauses > 0:
			h.probe = make(chan struct{})
			h.mu.Unlock()
			return true, nil
		default:
			h.mu.Unlock()
			return false, ctx.Err()
		}
	}
}

// trip is what record did to the breaker.
type trip struct {
	pause time.Duration // > 0: the host is paused this long
	down  bool          // the breaker gave up on the host
}

// record takes a request's outcome into the breaker. pauseFor, when
// positive, is a pause the server asked for (429 with Retry-After).
func (h *host) record(cfg Breaker, probe bool, o outcome, pauseFor time.Duration) (t trip) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cfg.Failures <= 0 {
		// no breaker: only the pauses a server asks for
		if probe {
			close(h.probe)
			h.probe = nil
		}
		if pauseFor > 0 && time.Now().Add(pauseFor).After(h.resumeAt) {
			h.resumeAt = time.Now().Add(pauseFor)
		}
		return t
	}
	now := time.Now()
	if probe {
		close(h.probe)
		h.probe = nil
	}
	if pauseFor > 0 && now.Add(pauseFor).After(h.resumeAt) {
		h.resumeAt = now.Add(pauseFor)
	}
	switch o {
	case neutral:
		return t
	case success:
		h.failures, h.pauses = 0, 0
		return t
	}
	switch {
	case probe:
	case h.pauses > 0:
		return t // paused already: answers to requests sent before do not count again
	default:
		h.failures++
		if h.failures < cfg.Failures {
			return t
		}
	}
	h.failures = 0
	h.pauses++
	if h.pauses > cfg.MaxPauses {
		h.down = true
		return trip{down: true}
	}
	t.pause = min(cfg.Pause<<(h.pauses-1), maxPauseFactor*cfg.Pause)
	if now.Add(t.pause).After(h.resumeAt) {
		h.resumeAt = now.Add(t.pause)
	}
	return t
}

// HostLimiter is politeness shared between runs, in one process or across
// daemons (daemon/coord implements it). See coord.HostLimiter: Acquire
// waits for a slot of the host under n per per (n <= 0: only for the
// host's pause to end) and returns how to free it; Pause stops every
// request to the host for d.
type HostLimiter interface {
	Acquire(ctx context.Context, host string, n int, per, timeout time.Duration) (release func(sent bool), err error)
	Pause(ctx context.Context, host string, d time.Duration) error
}

// sharedTimeout is how long a shared slot is held at most when its
// request never reports back (the process died): past any request's
// timeout.
const sharedTimeout = 2 * time.Minute

// politeTransport is the run's http.RoundTripper (see the top of the file).
type politeTransport struct {
	shared   HostLimiter
	hostRate func(string) (string, Rate)
	base     http.RoundTripper
	runCtx   context.Context // the run: when it ends, answers say nothing of the host
	timeout  time.Duration   // one request, from when it may go to the end of its body
	breaker  Breaker
	rate     *window // the site's cap, over all its hosts
	log      *slog.Logger
	onTrip   func(trip)
	onSend   func() // a request goes out

	mu    sync.Mutex
	hosts map[string]*host
}

func newPoliteTransport(runCtx context.Context, base http.RoundTripper, l Limits, log *slog.Logger, onTrip func(trip)) *politeTransport {
	return &politeTransport{base: base, runCtx: runCtx, timeout: l.Timeout, breaker: l.Breaker, log: log,
		onTrip: onTrip, hosts: map[string]*host{}, rate: newWindow(l.Rate.N, l.Rate.Per)}
}

// crawlDelay caps requests to hostport at one per d, from the next one on.
func (t *politeTransport) crawlDelay(hostport string, d time.Duration) {
	t.host(hostport).delay.Store(newWindow(1, d))
}

// host returns the state of hostport, creating it on first use.
func (t *politeTransport) host(hostport string) *host {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hosts[hostport]
	if h == nil {
		h = &host{name: hostport}
		t.hosts[hostport] = h
	}
	return h
}

// RoundTrip implements http.RoundTripper.
func (t *politeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	h := t.host(req.URL.Host)
	probe, err := h.admit(ctx)
	if err != nil {
		return nil, err
	}
	// the breaker first: requests released together after a pause are
	// then spaced by the caps
	delay := h.delay.Load()
	if err = t.rate.acquire(ctx); err == nil {
		if err = delay.acquire(ctx); err != nil {
			t.rate.release(false)
		}
	}
	releaseShared, sharedKey := func(bool) {}, req.URL.Host
	if err == nil && t.shared != nil {
		var r Rate
		if t.hostRate != nil {
			sharedKey, r = t.hostRate(req.URL.Host)
		}
		if releaseShared, err = t.shared.Acquire(ctx, sharedKey, r.N, r.Per, max(t.timeout, sharedTimeout)); err != nil {
			t.rate.release(false)
			delay.release(false)
			if ctx.Err() == nil {
				err = fmt.Errorf("shared politeness of %s: %w", req.URL.Host, err)
			}
		}
	}
	if err != nil {
		if probe {
			h.record(t.breaker, true, neutral, 0)
		}
		return nil, err
	}
	cancel := context.CancelFunc(func() {})
	if t.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
		req = req.WithContext(ctx)
	}
	if t.onSend != nil {
		t.onSend()
	}
	resp, err := t.base.RoundTrip(req)
	// the server has seen the request, if ever, by now
	t.rate.release(true)
	delay.release(true)
	releaseShared(true)
	o, pauseFor := success, time.Duration(0)
	switch {
	case t.runCtx.Err() != nil:
		o = neutral
	case err != nil:
		o = failure
	case resp.StatusCode == http.StatusTooManyRequests:
		o = failure
		pauseFor = retryAfter(resp.Header, time.Now())
	case resp.StatusCode >= 500:
		o = failure
	}
	tr := h.record(t.breaker, probe, o, min(pauseFor, maxRetryAfter))
	if p := max(tr.pause, min(pauseFor, maxRetryAfter)); p > 0 && t.shared != nil {
		// every run sharing the host pauses too; a failure to say so only
		// leaves the others to find out for themselves
		if err := t.shared.Pause(context.WithoutCancel(ctx), sharedKey, p); err != nil {
			t.log.Debug("shared pause not recorded", "host", h.name, "error", err)
		}
	}
	if tr.pause > 0 || tr.down {
		t.onTrip(tr)
		if tr.down {
			t.log.Warn("host down: giving up on it", "host", h.name)
		} else {
			t.log.Warn("host failing: paused", "host", h.name, "pause", tr.pause)
		}
	} else if pauseFor > 0 {
		t.log.Info("host asked for a pause", "host", h.name, "retry_after", pauseFor)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody ends a request's timeout when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
