// Package webhook delivers the messages of the alerts outbox: HTTP POSTs
// following the Standard Webhooks convention (webhook-id, stable across
// retries; webhook-timestamp; webhook-signature, an HMAC-SHA256 per
// secret over "id.timestamp.body"), in the standard shape or in those of
// Slack, Discord and ntfy. A Worker retries failures with exponential
// back-off and full jitter, honours Retry-After, disables an endpoint that
// answers 410 Gone, turns permanent failures into dead letters, and
// refuses destinations on internal networks unless they are allowed (the
// check is made on the address each connection goes to).
//
// Delivery is at least once: a message is recorded as delivered after its
// 2xx answer, so a process stopped between the two sends it again, with
// the same webhook-id, which receivers use to drop duplicates.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
)

// Defaults of a Worker.
const (
	DefaultMaxAttempts  = 8
	DefaultTimeout      = 10 * time.Second
	DefaultBatch        = 16
	DefaultConcurrency  = 4
	DefaultPollInterval = time.Second
	// MaxAnswer is how much of an answer is read (and a line of it kept
	// in the message's last error); the rest is discarded unread.
	MaxAnswer = 4 << 10
	// recordTimeout bounds one outbox call recording an attempt; it is
	// made even while the worker stops, so that an answer received is
	// not lost.
	recordTimeout = 5 * time.Second
)

// Worker drains an outbox. Set its fields, then call Run; Notify and
// Stats may be called at any time from any goroutine.
type Worker struct {
	Outbox alerts.Outbox
	// Client sends the POSTs. nil: NewClient(AllowNetworks), which
	// checks every address it connects to. A Client given is used as it
	// is, except that it follows no redirect.
	Client *http.Client
	// MaxAttempts is how many attempts a message gets before it becomes a
	// dead letter (default 8).
	MaxAttempts int
	// Timeout bounds one attempt, the answer read included (default 10s).
	Timeout time.Duration
	// AllowNetworks are the internal networks destinations may be in
	// (alerts.allow_networks).
	AllowNetworks []netip.Prefix
	// Clock tells the time (default time.Now).
	Clock func() time.Time
	// Logger receives a line per failed attempt (info), dead letter and
	// disabled endpoint (warn), and delivery (debug). nil: none.
	Logger *slog.Logger

	// Backoff is the retry schedule (default 5s doubling to 1h, full jitter).
	Backoff Backoff
	// Batch is how many due messages are asked of the outbox at a time
	// (default 16); Concurrency how many attempts are under way at once
	// (default 4); PollInterval how often the outbox is asked when
	// nothing wakes the worker (default 1s).
	Batch        int
	Concurrency  int
	PollInterval time.Duration
	// PerHost is how many of those attempts may go to one host at once
	// (default: half of Concurrency, at least 1), so that a slow receiver
	// does not hold up the others.
	PerHost int
	// UserAgent is sent with every POST (default "jobcrawl-webhooks").
	UserAgent string

	once sync.Once
	wake chan struct{}
	c    counters
}

func (w *Worker) init() {
	w.once.Do(func() { w.wake = make(chan struct{}, 1) })
}

// Notify wakes the worker: a message just queued goes out without waiting
// for the next poll. It never blocks.
func (w *Worker) Notify() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Stats returns the worker's counters.
func (w *Worker) Stats() Stats { return w.c.stats() }

func (w *Worker) now() time.Time {
	if w.Clock != nil {
		return w.Clock()
	}
	return time.Now()
}

func (w *Worker) log() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Logger
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Run delivers due messages until ctx ends, then waits for the attempts
// under way (an attempt cut off by the end is not recorded: its message
// stays pending, to be sent again with the same webhook-id).
func (w *Worker) Run(ctx context.Context) error {
	if w.Outbox == nil {
		return errors.New("webhook worker: no outbox")
	}
	w.init()
	client := w.Client
	if client == nil {
		client = NewClient(w.AllowNetworks)
	} else {
		c := *client
		c.CheckRedirect = noRedirects
		client = &c
	}
	batch := orDefault(w.Batch, DefaultBatch)
	slots := orDefault(w.Concurrency, DefaultConcurrency)
	tick := time.NewTicker(orDefault(w.PollInterval, DefaultPollInterval))
	defer tick.Stop()

	perHost := orDefault(w.PerHost, max(1, slots/2))
	inFlight := make(map[string]string, slots) // message id → host
	hosts := make(map[string]int, slots)       // attempts under way by host
	done := make(chan string, slots)           // never blocks: at most slots attempts
	var wg sync.WaitGroup
	defer wg.Wait()
	failures := 0
	for {
		if len(inFlight) < slots {
			msgs, err := w.Outbox.Due(ctx, w.now(), batch+len(inFlight))
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				w.c.stores.Add(1)
				if failures++; failures == 1 || failures%60 == 0 {
					w.log().Error("webhooks: the outbox does not answer", "error", err, "failures", failures)
				}
			default:
				failures = 0
			}
			for _, m := range msgs {
				if len(inFlight) >= slots {
					break
				}
				host := hostOf(m.Endpoint.URL)
				if _, busy := inFlight[m.ID]; busy || m.Endpoint.Disabled || hosts[host] >= perHost {
					continue
				}
				inFlight[m.ID] = host
				hosts[host]++
				w.c.inFlight.Add(1)
				wg.Go(func() {
					defer func() { w.c.inFlight.Add(-1); done <- m.ID }()
					w.attempt(ctx, client, m)
				})
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case id := <-done:
			if hosts[inFlight[id]]--; hosts[inFlight[id]] <= 0 {
				delete(hosts, inFlight[id])
			}
			delete(inFlight, id)
		case <-w.wake:
		case <-tick.C:
		}
	}
}

// outcome is what an attempt came to.
type outcome struct {
	result  string // Results
	status  int
	errText string
	after   time.Duration // Retry-After, when ok
	hasWait bool
	refused bool
}

// attempt sends m once and records the outcome.
func (w *Worker) attempt(ctx context.Context, client *http.Client, m alerts.Message) {
	o := w.send(ctx, client, m)
	if ctx.Err() != nil && o.result == ResultRetry {
		return // cut off by the stop: not an attempt of the receiver's
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	log := w.log().With("message", m.ID, "search", m.SearchID, "endpoint", m.Endpoint.ID, "url", MaskURL(m.Endpoint.URL))
	n := m.Attempts + 1
	maxAttempts := orDefault(w.MaxAttempts, DefaultMaxAttempts)
	if o.result == ResultRetry && n >= maxAttempts {
		o.result = ResultDead
		o.errText = fmt.Sprintf("gave up after %d attempts: %s", n, o.errText)
	}
	w.c.attempt(o.result)
	if o.refused {
		w.c.refused.Add(1)
	}
	var err error
	switch o.result {
	case ResultDelivered:
		w.c.delivered.Add(1)
		err = w.Outbox.Delivered(rctx, m.ID, w.now(), o.status)
		log.Debug("webhook delivered", "status", o.status, "attempt", n)
	case ResultRetry:
		w.c.retried.Add(1)
		now := w.now()
		wait := w.Backoff.Delay(n)
		if o.hasWait {
			wait = o.after
		}
		next := now.Add(wait)
		err = w.Outbox.Retry(rctx, m.ID, next, o.status, o.errText)
		log.Info("webhook attempt failed: trying again", "attempt", n, "of", maxAttempts, "status", o.status,
			"error", o.errText, "next", next.Round(time.Second))
	case ResultDead:
		w.c.dead.Add(1)
		err = w.Outbox.Dead(rctx, m.ID, o.status, o.errText)
		log.Warn("webhook message is a dead letter", "attempt", n, "status", o.status, "error", o.errText)
	case ResultGone:
		w.c.disabled.Add(1)
		reason := fmt.Sprintf("answered 410 Gone at %s", w.now().UTC().Format(time.RFC3339))
		if err = w.Outbox.Dead(rctx, m.ID, o.status, o.errText); err == nil {
			err = w.Outbox.DisableEndpoint(rctx, m.SearchID, m.Endpoint.ID, reason)
		}
		log.Warn("webhook endpoint disabled: it answered 410 Gone; its pending messages are dead letters")
	}
	if err != nil {
		w.c.stores.Add(1)
		log.Error("webhooks: cannot record an attempt; the message will be sent again", "result", o.result, "error", err)
	}
}

// send makes one attempt.
func (w *Worker) send(ctx context.Context, client *http.Client, m alerts.Message) outcome {
	dead := func(status int, format string, args ...any) outcome {
		return outcome{result: ResultDead, status: status, errText: fmt.Sprintf(format, args...)}
	}
	if err := CheckURL(m.Endpoint.URL, w.AllowNetworks); err != nil {
		o := dead(0, "%v", err)
		o.refused = errors.Is(err, ErrRefused)
		return o
	}
	r, err := Render(m.Endpoint.Format, m.Body)
	if err != nil {
		return dead(0, "%v", err)
	}
	timeout := orDefault(w.Timeout, DefaultTimeout)
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, strings.TrimSpace(m.Endpoint.URL), bytes.NewReader(r.Body))
	if err != nil {
		return dead(0, "%v: it cannot be requested", ErrBadURL)
	}
	ts := w.now()
	h := req.Header
	for k, vs := range r.Header {
		h[k] = vs
	}
	h.Set("Content-Type", r.ContentType)
	ua := w.UserAgent
	if ua == "" {
		ua = "jobcrawl-webhooks"
	}
	h.Set("User-Agent", ua)
	// lower-case, as the convention spells them (HTTP/1.1 headers are
	// case-insensitive; HTTP/2 lower-cases them anyway)
	h["webhook-id"] = []string{m.ID}
	h["webhook-timestamp"] = []string{strconv.FormatInt(ts.Unix(), 10)}
	if len(m.Endpoint.Secrets) > 0 {
		sig, err := Sign(m.Endpoint.Secrets, m.ID, ts, r.Body)
		if err != nil {
			return dead(0, "cannot sign: %v", err)
		}
		h["webhook-signature"] = []string{sig}
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, ErrRefused) {
			o := dead(0, "%s", describe(err, timeout))
			o.refused = true
			return o
		}
		return outcome{result: ResultRetry, errText: describe(err, timeout)}
	}
	line := firstLine(resp.Body) // a read error after the status changes nothing
	resp.Body.Close()
	st := resp.StatusCode
	text := strconv.Itoa(st) + " " + http.StatusText(st)
	if line != "" {
		text += ": " + line
	}
	switch {
	case st >= 200 && st < 300:
		return outcome{result: ResultDelivered, status: st}
	case st == http.StatusGone:
		return outcome{result: ResultGone, status: st, errText: text}
	case st >= 300 && st < 400:
		loc := ""
		if l := resp.Header.Get("Location"); l != "" {
			loc = " to " + MaskURL(resp.Request.URL.ResolveReference(mustParse(l)).String())
		}
		return dead(st, "%d %s: redirect%s not followed (webhooks follow no redirects: set the endpoint's URL to the final address)",
			st, http.StatusText(st), loc)
	case st == http.StatusRequestTimeout, st == http.StatusTooManyRequests, st >= 500:
		o := outcome{result: ResultRetry, status: st, errText: text}
		o.after, o.hasWait = retryAfter(resp.Header, w.now())
		return o
	case st >= 400:
		return dead(st, "%s (a permanent failure)", text)
	}
	return outcome{result: ResultRetry, status: st, errText: text}
}

// hostOf is the host (and port) of a URL, lower-cased: the key of the
// per-host cap.
func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{}
	}
	return u
}

// firstLine reads at most MaxAnswer bytes of an answer and returns its
// first non-empty line, cleaned and clipped to 120 characters.
func firstLine(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, MaxAnswer))
	for l := range strings.SplitSeq(string(b), "\n") {
		if l = clean(l, 120); l != "" {
			return l
		}
	}
	return ""
}

// describe is a network error as a message's last error: without the URL
// (url.Error repeats it whole, token included).
func describe(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var re *RefusedError
	var dnsErr *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &re):
		return re.Error()
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Sprintf("no answer within %s (alerts.timeout)", timeout)
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return fmt.Sprintf("host %s not found", clipText(dnsErr.Name, 80))
		}
		return fmt.Sprintf("cannot resolve host %s: %s", clipText(dnsErr.Name, 80), clipText(dnsErr.Err, 80))
	}
	return clean(err.Error(), 200)
}
