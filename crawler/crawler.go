// Package crawler runs one crawl of one careers site: it walks the result
// pages (or a careers API, a platform's board, sitemaps) through the fetch
// layer, has every posting extracted, turns what happened into the events
// of the run's ledger, writes records as the ledger says, and at the end
// commits the ledger's plan (closes, deletes).
//
// A run's state is typed and lives in three places, each with one job:
//   - the frontier (frontier.go): the requests still to make, bounded, and
//     the URLs asked for already;
//   - the ledger (package ledger): what was seen, what it means;
//   - the store (store.go): records on their way to the index.
//
// A fixed pool of workers takes requests from the frontier and makes them
// through the fetcher (package fetch), so memory does not grow with the
// number of links a page holds.
package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler/fetch"
	"github.com/jobcrawl/jobcrawl/crawler/ledger"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// DefaultUserAgent names the crawler and where to learn about it.
const DefaultUserAgent = fetch.DefaultUserAgent

// DefaultMaxCloseShare is the largest share of a site's open postings one
// run may close; a run that would close more closes none (see Stats.Suspect).
const DefaultMaxCloseShare = ledger.DefaultMaxCloseShare

// DefaultBatchSize is how many records a run writes to the index at a time:
// each write holds its records (and the index's work on them) in memory.
// 100 measured as fast as 500 with the embedded engine, with a quarter
// less peak memory (a Meilisearch backend gets its own batch_size).
const DefaultBatchSize = 100

// DefaultMaxQueue is how many requests a run keeps waiting at most (see
// Limits.MaxQueue).
const DefaultMaxQueue = 1_000_000

// maxWorkers bounds a run's pool of workers, whatever its hosts and
// parallelism.
const maxWorkers = 64

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
	// BatchSize is how many records go to the index in one write (0: DefaultBatchSize).
	BatchSize int
	// Shared is the politeness runs share with each other and with other
	// daemons (per-host caps and pauses); nil: each run keeps its own.
	Shared fetch.HostLimiter
	// HostRates caps the requests to a host ("host" or "host:port") over
	// every run sharing Shared, whatever the sites asking.
	HostRates map[string]fetch.Rate

	once sync.Once
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
	})
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
	start := c.Now()
	r := newRun(c, site, start)
	if err := r.hold(ctx); err != nil {
		r.end = ledger.StoreFailed
		return r.finish(ctx, progress), err
	}

	runCtx, cancel := context.WithCancel(ctx)
	if site.Limits.RunTimeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, time.Duration(site.Limits.RunTimeout))
	}
	defer cancel()
	r.ctx, r.cancel = runCtx, cancel

	browser, err := r.startBrowser(runCtx)
	if err != nil {
		r.end = ledger.Aborted
		return r.finish(ctx, progress), err
	}
	if browser != nil {
		defer browser.Close()
	}
	if r.fetcher, err = r.newFetcher(runCtx, browser); err != nil {
		r.end = ledger.Aborted
		return r.finish(ctx, progress), err
	}
	stopProgress := r.reportProgress(progress)
	r.store.start(context.WithoutCancel(ctx))
	r.startSources()
	r.work(runCtx)
	stopProgress()

	switch {
	case r.storeErr != nil:
		r.end = ledger.StoreFailed
	case ctx.Err() != nil:
		r.end = ledger.Cancelled
	case runCtx.Err() != nil:
		r.end = ledger.TimedOut
	}
	// What the run found is written even when it was cancelled: it is
	// true, and losing it would make the next run redo the work.
	st := r.finish(context.WithoutCancel(ctx), progress)
	return st, r.storeErr
}

// newFetcher is the run's way to the network: the site's hosts only, its
// limits, its counters, and its browser (nil: it renders nothing).
func (r *run) newFetcher(ctx context.Context, browser *fetch.Browser) (*fetch.Fetcher, error) {
	site := r.site
	ua := site.UserAgent
	if ua == "" {
		ua = r.c.UserAgent
	}
	l := site.Limits
	return fetch.New(ctx, fetch.Config{
		UserAgent: ua,
		Hosts:     site.hosts(),
		Transport: r.c.Transport,
		Logger:    r.log,
		Limits: fetch.Limits{Parallelism: l.Parallelism, Delay: time.Duration(l.Delay), Timeout: time.Duration(l.Timeout),
			MaxRetries: l.MaxRetries, RetryBackoff: time.Duration(l.RetryBackoff), MaxBodySize: int64(l.MaxBodySize),
			Rate: l.Rate, Breaker: fetch.Breaker{Failures: l.Breaker.Failures, Pause: time.Duration(l.Breaker.Pause),
				MaxPauses: l.Breaker.MaxPauses}},
		OnSend: func() { r.count(func(s *Stats) { s.Requests++ }) },
		OnTrip: func(time.Duration, bool) { r.count(func(s *Stats) { s.HostPauses++ }) },
		OnRetry: func(string, string, time.Duration) {
			r.count(func(s *Stats) { s.Retries++ })
		},
		OnRedirect: r.onRedirect,
		Shared:     r.c.Shared,
		HostRate:   r.c.hostRate,
		Browser:    browser,
	})
}

// hostRate is the shared cap of a host and the key it is shared under:
// the host's own entry (host:port), else the entry of its name without
// the port (covering every port), else none, keyed by the host itself.
func (c *Crawler) hostRate(host string) (string, fetch.Rate) {
	host = strings.ToLower(host)
	if r, ok := c.HostRates[host]; ok {
		return host, r
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		if r, ok := c.HostRates[h]; ok {
			return h, r
		}
	}
	return host, fetch.Rate{}
}

// workers is the size of the run's pool: the site's parallelism for each
// of its hosts, within maxWorkers.
func (r *run) workers() int {
	n := max(r.site.Limits.Parallelism, 1) * max(len(r.site.hosts()), 1)
	return min(n, maxWorkers)
}

// work runs the pool until the frontier is drained or ctx ends.
func (r *run) work(ctx context.Context) {
	var wg sync.WaitGroup
	for range r.workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				t, ok := r.front.pop(ctx)
				if !ok {
					return
				}
				r.do(ctx, t)
				r.front.done()
			}
		}()
	}
	wg.Wait()
}

// do makes one request of the frontier and turns its outcome into events.
func (r *run) do(ctx context.Context, t *task) {
	switch t.kind {
	case kindList:
		r.doList(ctx, t)
	case kindDetail:
		r.doDetail(ctx, t)
	case kindSource:
		r.doSource(ctx, t)
	}
}

// failure maps a fetch failure to the ledger's class.
func failure(c fetch.Class) ledger.Failure {
	switch c {
	case fetch.RedirectLoop:
		return ledger.RedirectLoop
	case fetch.Robots:
		return ledger.Robots
	case fetch.Malformed:
		return ledger.Malformed
	case fetch.TooLarge:
		return ledger.TooLarge
	case fetch.OffSite:
		return ledger.OffSite
	case fetch.Refused, fetch.Gone:
		return ledger.Refused
	case fetch.HostDown:
		return ledger.HostDown
	}
	return ledger.Transient
}

// failed records a request that failed for good: an error of the run, with
// its kind counted and logged. A failure that only says the run is over
// (cancelled) is not an error of its own.
func (r *run) failed(t *task, err error) {
	var fe *fetch.Error
	if !errors.As(err, &fe) {
		fe = &fetch.Error{URL: t.url, Class: fetch.Malformed, Kind: "other", Err: err}
	}
	switch {
	case fe.Class == fetch.Cancelled, r.ctx.Err() != nil:
		return
	case fe.Class == fetch.Seen:
		return // redirected to a page the run fetches anyway: a copy
	case fe.Class == fetch.TooLarge:
		r.rejected(extract.ErrTooLarge)
	case fe.Kind == "truncated":
		r.rejected(extract.ErrTruncated)
	}
	cls := failure(fe.Class)
	if t.kind == kindList || t.listLike() {
		r.books.ResultPageFailed(t.start, cls)
	} else {
		r.books.Failed(t.url, cls)
	}
	r.count(func(s *Stats) {
		if s.ByKind == nil {
			s.ByKind = map[string]int{}
		}
		s.ByKind[fe.Kind]++
	})
	r.log.Warn("page failed", "kind", t.kind.String(), "url", t.url, "reason", fe.Kind, "error", fe.Err)
}

// finish ends the books, commits the plan and returns the run's numbers.
func (r *run) finish(ctx context.Context, progress func(Stats)) Stats {
	if err := r.store.stop(); err != nil && r.storeErr == nil {
		r.storeErr = err
	}
	end := r.end
	if r.storeErr != nil {
		end = ledger.StoreFailed
	}
	plan := r.books.End(end)
	if r.storeErr == nil {
		var closed, deleted int
		closed, deleted, r.storeErr = r.commit(ctx, plan)
		if r.storeErr != nil {
			plan.Outcome, plan.Reason = ledger.Failed, ledger.ReasonStore
			if errors.Is(r.storeErr, ErrCommitRefused) {
				plan.Reason = "commit refused: the site's lease was lost"
			}
			plan.Close, plan.Delete = plan.Close[:closed], plan.Delete[:deleted]
		}
	}
	st := r.stats(plan)
	if progress != nil {
		progress(st)
	}
	return st
}

// ErrCommitRefused is the error of a run whose commit gate refused its
// closes and deletes (another daemon holds a newer lease of the site).
var ErrCommitRefused = errors.New("commit refused")

// commitGateKey is the context key of a run's commit gate.
type commitGateKey struct{}

// WithCommitGate returns a context under which a run asks gate before it
// commits: before its closes and deletes, batch by batch, and once at its
// end even when it has nothing to close. A gate that returns an error
// stops the commit; the run fails with an error wrapping
// ErrCommitRefused and the gate's error. The daemons' fenced site leases
// are such a gate.
func WithCommitGate(ctx context.Context, gate func(context.Context) error) context.Context {
	return context.WithValue(ctx, commitGateKey{}, gate)
}

// gate asks the run's commit gate, if any.
func (r *run) gate(ctx context.Context) error {
	g, _ := ctx.Value(commitGateKey{}).(func(context.Context) error)
	if g == nil {
		return nil
	}
	if err := g(ctx); err != nil {
		return fmt.Errorf("%w for %s: %w", ErrCommitRefused, r.site.Name, err)
	}
	return nil
}

// commit applies what the plan decided at the end of the run: the closes
// and the deletes, each batch only once the gate allowed it. Writes and
// touches were made during the walk. It returns how many closes and
// deletes it applied.
func (r *run) commit(ctx context.Context, plan ledger.Plan) (closed, deleted int, err error) {
	if plan.Guard != "" {
		r.log.Warn("mass close refused", "guard", plan.Guard)
	}
	if err := r.gate(ctx); err != nil {
		return 0, 0, err
	}
	now := r.start
	for i := 0; i < len(plan.Close); i += r.c.BatchSize {
		ids := plan.Close[i:min(i+r.c.BatchSize, len(plan.Close))]
		if i > 0 {
			if err := r.gate(ctx); err != nil {
				return closed, 0, err
			}
		}
		touches := make([]index.Touch, 0, len(ids))
		for _, id := range ids {
			touches = append(touches, index.Touch{ID: id, Status: index.StatusClosed, ClosedAt: &now})
		}
		if err := r.c.Index.Touch(ctx, touches); err != nil {
			return closed, 0, fmt.Errorf("close records of %s: %w", r.site.Name, err)
		}
		closed += len(ids)
	}
	for i := 0; i < len(plan.Delete); i += r.c.BatchSize {
		if err := r.gate(ctx); err != nil {
			return closed, deleted, err
		}
		ids := plan.Delete[i:min(i+r.c.BatchSize, len(plan.Delete))]
		if err := r.c.Index.Delete(ctx, ids); err != nil {
			return closed, deleted, fmt.Errorf("delete closed records of %s: %w", r.site.Name, err)
		}
		deleted += len(ids)
	}
	return closed, deleted, nil
}

// reportProgress calls progress twice a second until stop is called.
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
				progress(r.snapshot())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
