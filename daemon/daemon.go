// Package daemon runs crawls on schedules: one robfig/cron entry per site,
// never two runs of one site at once, at most a configured number of sites
// crawling at a time, and a history of each site's runs. Stop cancels the
// runs in progress through their context; the crawler keeps what they found
// and closes nothing, so stopping loses no posting.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon/coord"
)

// Runner runs one crawl of one site. *crawler.Crawler is the one the daemon
// uses.
type Runner interface {
	Run(ctx context.Context, site *crawler.Site, progress func(crawler.Stats)) (crawler.Stats, error)
}

var _ Runner = (*crawler.Crawler)(nil)

// Config is what a Scheduler runs.
type Config struct {
	Sites []crawler.Site
	// MaxConcurrent caps how many sites crawl at once; 0 means
	// DefaultMaxConcurrent. A site due while the cap is reached waits for a
	// slot (its state is "queued").
	MaxConcurrent int
}

// DefaultMaxConcurrent is the cap on concurrent site runs when Config sets none.
const DefaultMaxConcurrent = 4

// HistorySize is how many finished runs each site remembers.
const HistorySize = 20

// What started a run.
const (
	TriggerSchedule = "schedule" // the site's cron expression fired
	TriggerManual   = "manual"   // RunNow (POST /api/sites/{name}/run)
	TriggerStart    = "start"    // run_on_start, at start or when a reload adds the site
)

// How a run ended.
const (
	// OutcomeOK: the run walked the whole site; it may have closed postings.
	OutcomeOK = "ok"
	// OutcomeIncomplete: the run stopped at a limit (max_pages); what it
	// found is kept and it closed nothing. It still counts as a success.
	OutcomeIncomplete = "incomplete"
	// OutcomeFailed: pages failed after their retries, the run timed out, or
	// the index could not be written. What it found is kept; it closed nothing.
	OutcomeFailed = "failed"
	// OutcomeCancelled: the daemon stopped, or the site was removed from the
	// configuration, while the run went on. What it found is kept; it closed
	// nothing.
	OutcomeCancelled = "cancelled"
)

// States of a site.
const (
	StateIdle    = "idle"
	StateQueued  = "queued" // due, waiting for a slot under the cap on concurrent runs
	StateRunning = "running"
)

var (
	// ErrUnknownSite is returned by RunNow for a site not in the configuration.
	ErrUnknownSite = errors.New("no such site")
	// ErrRunning is returned by RunNow when a run of the site is queued or in progress.
	ErrRunning = errors.New("a run of the site is in progress")
	// ErrNotRunning is returned by RunNow, Reload and Start when the
	// scheduler is stopped (or, for RunNow and Reload, not yet started).
	ErrNotRunning = errors.New("scheduler is not running")
	// ErrHeldElsewhere is returned by RunNow when another daemon crawls
	// the site now (errors.Is(err, ErrRunning) holds too).
	ErrHeldElsewhere = fmt.Errorf("%w in another daemon", ErrRunning)
	// ErrUnavailable is returned by RunNow when the coordination backend
	// cannot be reached: no run starts without its lease.
	ErrUnavailable = coord.ErrUnavailable
)

// Causes of a run's cancellation, reported as its reason.
var (
	errStopping = errors.New("daemon stopping")
	errRemoved  = errors.New("site removed from the configuration")
)

// Scheduler runs the sites of a Config on their schedules. Create it with
// New, then Start; Stop ends it. Its methods are safe for concurrent use.
type Scheduler struct {
	runner   Runner
	log      *slog.Logger
	coord    coord.Coordinator
	leaseTTL time.Duration
	backend  string // "local" or "redis", for the metrics
	cstats   coordCounters
	// onRunFinished, when set, is called after each run ends (see
	// WithRunFinished).
	onRunFinished func(site string, r Run)

	ctx    context.Context // parent of every run; cancelled by Stop
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup // one per run goroutine

	mu      sync.Mutex
	started bool
	stopped bool
	done    chan struct{} // closed when every run ended, after Stop
	cron    *cron.Cron
	limit   *limiter
	sites   map[string]*siteState // by name; removed sites stay until their run ends
	order   []string              // names in configuration order
}

// siteState is what the scheduler knows of one site. Guarded by Scheduler.mu.
type siteState struct {
	site     crawler.Site
	schedule cron.Schedule // nil: runs only when asked
	entry    cron.EntryID  // 0: not scheduled
	removed  bool          // gone from the configuration; kept until its run ends

	running bool // queued or running
	cancel  context.CancelCauseFunc
	current *Run // the run queued or in progress

	history     []Run // finished runs, oldest first
	skipped     int
	lastSuccess time.Time
	totals      Totals
}

// An Option changes a Scheduler at New.
type Option func(*Scheduler)

// WithCoordinator makes the scheduler coordinate with other daemons
// through c: a tick runs only in the daemon that claims it, and a run
// holds its site's lease (renewed every leaseTTL/3, 0 meaning
// coord.DefaultLeaseTTL) and commits only while it is the newest. backend
// names c in the metrics ("redis"). Without it the scheduler coordinates
// its own runs in process.
func WithCoordinator(c coord.Coordinator, backend string, leaseTTL time.Duration) Option {
	return func(s *Scheduler) { s.coord, s.backend, s.leaseTTL = c, backend, leaseTTL }
}

// WithRunFinished makes the scheduler call fn after every run of a site
// has ended, whatever its outcome (what the run wrote is in the index),
// outside the scheduler's locks and before Stop returns. fn runs in the
// run's goroutine: the site's next run may start meanwhile, and calls for
// different sites may overlap.
func WithRunFinished(fn func(site string, r Run)) Option {
	return func(s *Scheduler) { s.onRunFinished = fn }
}

// New returns a scheduler that crawls with runner. logger receives the
// daemon's log: runs started and finished, ticks skipped, failures.
func New(runner Runner, logger *slog.Logger, opts ...Option) *Scheduler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	s := &Scheduler{runner: runner, log: logger, ctx: ctx, cancel: cancel, sites: map[string]*siteState{}}
	for _, o := range opts {
		o(s)
	}
	if s.coord == nil {
		s.coord, s.backend = coord.NewLocal(""), "local"
	}
	if s.leaseTTL <= 0 {
		s.leaseTTL = coord.DefaultLeaseTTL
	}
	return s
}

// prepared is a validated site with its parsed schedule.
type prepared struct {
	site     crawler.Site
	schedule cron.Schedule
}

// prepare validates a configuration without touching the scheduler, so a
// bad one changes nothing. Errors name the site and its expression.
func prepare(cfg Config) ([]prepared, int, error) {
	max := cfg.MaxConcurrent
	switch {
	case max < 0:
		return nil, 0, fmt.Errorf("max concurrent sites: %d is negative", max)
	case max == 0:
		max = DefaultMaxConcurrent
	}
	out := make([]prepared, 0, len(cfg.Sites))
	seen := map[string]bool{}
	for i, site := range cfg.Sites {
		if err := site.Validate(); err != nil {
			return nil, 0, fmt.Errorf("sites[%d].%v (site %s)", i, err, site.Name)
		}
		if seen[site.Name] {
			return nil, 0, fmt.Errorf("sites[%d].name: %q is listed twice", i, site.Name)
		}
		seen[site.Name] = true
		sched, err := ParseSchedule(site.Schedule, site.Timezone)
		if err != nil {
			return nil, 0, fmt.Errorf("sites[%d].schedule: %v (site %s)", i, err, site.Name)
		}
		out = append(out, prepared{site: site, schedule: sched})
	}
	return out, max, nil
}

// Start validates cfg, schedules its sites and starts the sites that run
// on start. It fails, changing nothing, when a site or schedule is invalid.
func (s *Scheduler) Start(cfg Config) error {
	sites, max, err := prepare(cfg)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return ErrNotRunning
	}
	if s.started {
		return errors.New("scheduler already started")
	}
	s.cron = cron.New(cron.WithLogger(cronLogger{s.log}))
	s.limit = newLimiter(max)
	for _, p := range sites {
		s.addLocked(p)
	}
	s.started = true
	s.cron.Start()
	for _, p := range sites {
		if p.site.RunOnStart {
			s.startOnStart(p.site.Name)
		}
	}
	s.log.Info("scheduler started", "sites", len(sites), "max_concurrent_sites", max)
	return nil
}

// addLocked adds a site and its cron entry.
func (s *Scheduler) addLocked(p prepared) {
	st := &siteState{site: p.site}
	s.sites[p.site.Name] = st
	s.order = append(s.order, p.site.Name)
	s.scheduleLocked(st, p.schedule)
}

// scheduleLocked replaces the site's cron entry by one for sched.
func (s *Scheduler) scheduleLocked(st *siteState, sched cron.Schedule) {
	if st.entry != 0 {
		s.cron.Remove(st.entry)
		st.entry = 0
	}
	st.schedule = sched
	if sched != nil {
		name := st.site.Name
		st.entry = s.cron.Schedule(sched, cron.FuncJob(func() { s.tick(name) }))
	}
}

// tick is a cron firing. The tick is the one scheduled at the time the
// schedule names (not the clock at wake-up), so daemons that woke at
// slightly different moments claim the same one; only the daemon that
// claims it runs it. A tick is skipped when the last run of the site is
// still going, or when the coordination backend cannot be reached.
func (s *Scheduler) tick(name string) {
	s.mu.Lock()
	st := s.sites[name]
	if st == nil || st.schedule == nil {
		s.mu.Unlock()
		return
	}
	sched := st.schedule
	s.mu.Unlock()
	at := scheduledAt(sched, time.Now())
	ctx, cancel := context.WithTimeout(s.ctx, coordTimeout)
	won, err := s.coord.ClaimTick(ctx, name, at, claimTTL(sched, at))
	cancel()
	switch {
	case err != nil:
		s.cstats.add(&s.cstats.claimsError, &s.cstats.errors)
		s.skip(name, "tick skipped: coordination unavailable", "scheduled", at, "error", err)
		return
	case !won:
		s.cstats.add(&s.cstats.claimsLost)
		s.log.Debug("tick claimed by another daemon", "site", name, "scheduled", at)
		return
	}
	s.cstats.add(&s.cstats.claimsWon)
	if err := s.begin(name, TriggerSchedule, at); err != nil {
		if errors.Is(err, ErrRunning) {
			s.skip(name, "tick skipped: the previous run is still going", "scheduled", at, "reason", err)
		} else if !errors.Is(err, ErrNotRunning) && !errors.Is(err, ErrUnknownSite) {
			s.skip(name, "tick skipped", "scheduled", at, "error", err)
		}
	}
}

// startOnStart starts a run_on_start run, in the background: taking the
// lease may wait for the coordination backend. With several daemons, the
// first to take the lease runs it; the others find the site held.
func (s *Scheduler) startOnStart(name string) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.begin(name, TriggerStart, time.Time{}); err != nil && !errors.Is(err, ErrNotRunning) {
			s.log.Info("run on start not made", "site", name, "reason", err)
		}
	}()
}

// skip counts a skipped tick of the site and logs why.
func (s *Scheduler) skip(name, msg string, attrs ...any) {
	s.mu.Lock()
	n := 0
	if st := s.sites[name]; st != nil {
		st.skipped++
		n = st.skipped
	}
	s.mu.Unlock()
	s.log.Warn(msg, append([]any{"site", name, "skipped", n}, attrs...)...)
}

// coordTimeout bounds one call to the coordination backend made by a tick
// or a request.
const coordTimeout = 5 * time.Second

// RunNow starts a run of the named site now. It returns ErrRunning when a
// run of the site is queued or in progress (ErrHeldElsewhere when in
// another daemon), ErrUnknownSite for a site not configured, and an error
// wrapping ErrUnavailable when the coordination backend is down. The run
// may wait for a slot under the cap on concurrent runs.
func (s *Scheduler) RunNow(name string) error {
	return s.begin(name, TriggerManual, time.Time{})
}

// begin takes the site's lease and starts a run under it; at is the
// scheduled time of a tick's run.
func (s *Scheduler) begin(name, trigger string, at time.Time) error {
	s.mu.Lock()
	err := s.canStartLocked(name)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	leaseCtx, held, err := coord.Hold(s.ctx, s.coord, name, s.leaseTTL, func(err error) {
		s.cstats.add(&s.cstats.leasesLost)
		s.log.Warn("site lease lost: stopping the run, it closes nothing", "site", name, "error", err)
	})
	switch {
	case errors.Is(err, coord.ErrHeld):
		s.cstats.add(&s.cstats.leasesBusy)
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.canStartLocked(name); err != nil {
			return err // ours, started meanwhile
		}
		return ErrHeldElsewhere
	case err != nil:
		s.cstats.add(&s.cstats.errors)
		if s.ctx.Err() != nil {
			return ErrNotRunning
		}
		return fmt.Errorf("take the lease of %s: %w", name, err)
	}
	s.cstats.add(&s.cstats.leasesAcquired)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.startLocked(name, trigger, at, leaseCtx, held); err != nil {
		go s.release(held)
		return err
	}
	return nil
}

// release gives a run's lease up, waiting briefly for a backend that is
// down: the lease expires by itself then.
func (s *Scheduler) release(held *coord.Held) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := held.Release(ctx); err != nil {
		s.cstats.add(&s.cstats.errors)
		s.log.Debug("lease not released (it expires by itself)", "site", held.Lease().Site, "error", err)
	}
}

func (s *Scheduler) canStartLocked(name string) error {
	if !s.started || s.stopped {
		return ErrNotRunning
	}
	st := s.sites[name]
	if st == nil || st.removed {
		return ErrUnknownSite
	}
	if st.running {
		return ErrRunning
	}
	return nil
}

// startLocked starts a run of the site under its lease: parent is the
// lease's context (cancelled when the lease is lost).
func (s *Scheduler) startLocked(name, trigger string, at time.Time, parent context.Context, held *coord.Held) error {
	if err := s.canStartLocked(name); err != nil {
		return err
	}
	st := s.sites[name]
	ctx, cancel := context.WithCancelCause(parent)
	st.running, st.cancel, st.current = true, cancel, &Run{Trigger: trigger, Scheduled: at}
	site := st.site
	s.wg.Add(1)
	go s.run(ctx, st, site, trigger, at, held)
	return nil
}

// run is one run of a site, from waiting for a slot to recording how it ended.
func (s *Scheduler) run(ctx context.Context, st *siteState, site crawler.Site, trigger string, at time.Time, held *coord.Held) {
	defer s.wg.Done()
	log := s.log.With("site", site.Name)
	if err := s.limit.acquire(ctx); err != nil {
		s.release(held)
		s.mu.Lock()
		st.running, st.current = false, nil
		st.cancel(nil)
		s.forgetIfRemovedLocked(st)
		s.mu.Unlock()
		log.Info("run not started", "trigger", trigger, "reason", context.Cause(ctx))
		return
	}

	start := time.Now()
	s.mu.Lock()
	st.current.Started = start
	s.mu.Unlock()
	started := []any{"trigger", trigger, "lease_token", held.Lease().Token}
	if !at.IsZero() {
		started = append(started, "scheduled", at)
	}
	log.Info("run started", started...)

	stats, err := s.runner.Run(crawler.WithCommitGate(ctx, held.Commit), &site, func(p crawler.Stats) {
		s.mu.Lock()
		if st.current != nil {
			st.current.Counts = countsOf(p)
		}
		s.mu.Unlock()
	})
	r := Run{Trigger: trigger, Scheduled: at, Started: start, Finished: time.Now(), Counts: countsOf(stats)}
	r.Seconds = r.Finished.Sub(r.Started).Seconds()
	r.Outcome, r.Reason = outcome(ctx, stats, err)
	if errors.Is(err, coord.ErrFenced) {
		s.cstats.add(&s.cstats.commitsRejected)
	}
	s.limit.release()
	s.release(held) // before the site is idle: a run started next finds it free

	s.mu.Lock()
	st.running, st.current = false, nil
	st.cancel(nil)
	st.history = append(st.history, r)
	if len(st.history) > HistorySize {
		st.history = slices.Delete(st.history, 0, len(st.history)-HistorySize)
	}
	st.totals.add(r, stats)
	if r.Outcome == OutcomeOK || r.Outcome == OutcomeIncomplete {
		st.lastSuccess = r.Finished
	}
	s.forgetIfRemovedLocked(st)
	s.mu.Unlock()

	attrs := []any{"trigger", trigger, "outcome", r.Outcome, "pages", r.Counts.Pages, "postings", r.Counts.Postings,
		"new", r.Counts.New, "updated", r.Counts.Updated, "closed", r.Counts.Closed, "errors", r.Counts.Errors,
		"duration", time.Duration(r.Seconds * float64(time.Second)).Round(time.Millisecond)}
	if r.Reason != "" {
		attrs = append(attrs, "reason", r.Reason)
	}
	switch {
	case err != nil:
		log.Error("run failed", append(attrs, "error", err)...)
	case r.Outcome == OutcomeFailed:
		log.Warn("run failed", attrs...)
	case stats.Suspect != "":
		log.Warn("run finished, closing nothing", append(attrs, "suspect", stats.Suspect)...)
	default:
		log.Info("run finished", attrs...)
	}
	if s.onRunFinished != nil {
		s.onRunFinished(site.Name, r)
	}
}

// outcome says how a run ended and why.
func outcome(ctx context.Context, st crawler.Stats, err error) (string, string) {
	switch {
	case ctx.Err() != nil:
		return OutcomeCancelled, context.Cause(ctx).Error()
	case err != nil:
		return OutcomeFailed, err.Error()
	case st.Failed():
		if st.Incomplete != "" {
			return OutcomeFailed, st.Incomplete
		}
		return OutcomeFailed, fmt.Sprintf("%d requests failed", st.Errors)
	case !st.Complete:
		return OutcomeIncomplete, st.Incomplete
	case st.Suspect != "":
		return OutcomeOK, "closed nothing: " + st.Suspect
	}
	return OutcomeOK, ""
}

// forgetIfRemovedLocked drops a removed site once its run has ended.
func (s *Scheduler) forgetIfRemovedLocked(st *siteState) {
	if st.removed && !st.running && s.sites[st.site.Name] == st {
		delete(s.sites, st.site.Name)
	}
}

// Changes is what a Reload did.
type Changes struct {
	Added, Removed, Rescheduled []string
}

// Reload replaces the configuration: new sites are scheduled (and run if
// they run on start), removed ones unscheduled (a run in progress is
// cancelled, keeping what it found), changed schedules take effect, and
// other changes of a site apply from its next run. An invalid cfg is
// rejected with the site and expression at fault, and nothing changes.
func (s *Scheduler) Reload(cfg Config) (Changes, error) {
	var ch Changes
	sites, max, err := prepare(cfg)
	if err != nil {
		return ch, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started || s.stopped {
		return ch, ErrNotRunning
	}
	s.limit.setMax(max)
	keep := map[string]bool{}
	for _, p := range sites {
		keep[p.site.Name] = true
	}
	for _, name := range s.order {
		st := s.sites[name]
		if keep[name] || st == nil {
			continue
		}
		ch.Removed = append(ch.Removed, name)
		s.scheduleLocked(st, nil)
		st.removed = true
		if st.running {
			st.cancel(errRemoved)
		}
		s.forgetIfRemovedLocked(st)
	}
	s.order = s.order[:0]
	var start []string
	for _, p := range sites {
		name := p.site.Name
		s.order = append(s.order, name)
		st := s.sites[name]
		switch {
		case st == nil || st.removed:
			if st == nil { // a site removed earlier whose run is still ending keeps its state
				st = &siteState{}
				s.sites[name] = st
			}
			st.site, st.removed = p.site, false
			s.scheduleLocked(st, p.schedule)
			ch.Added = append(ch.Added, name)
			if p.site.RunOnStart {
				start = append(start, name)
			}
		default:
			if st.site.Schedule != p.site.Schedule || st.site.Timezone != p.site.Timezone {
				s.scheduleLocked(st, p.schedule)
				ch.Rescheduled = append(ch.Rescheduled, name)
			}
			st.site = p.site
		}
	}
	for _, name := range start {
		s.startOnStart(name)
	}
	return ch, nil
}

// Stop stops the scheduler: no tick or request starts a run any more, and
// the runs queued or in progress are cancelled. It waits for them to end
// (a cancelled run still writes what it found, which takes moments) or for
// ctx to end, and then says which sites were still running. Stop may be
// called more than once, also before Start; every call waits the same way.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		s.cancel(errStopping)
		s.done = make(chan struct{})
		go func(done chan struct{}) {
			s.wg.Wait()
			close(done)
		}(s.done)
	}
	c, done := s.cron, s.done
	s.mu.Unlock()

	if c != nil {
		<-c.Stop().Done() // our jobs only start runs: this is immediate
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var busy []string
	for name, st := range s.sites {
		if st.running {
			busy = append(busy, name)
		}
	}
	sort.Strings(busy)
	return fmt.Errorf("stop: still running: %s: %w", strings.Join(busy, ", "), ctx.Err())
}

// Run is one run of a site: in progress (no Finished, no Outcome) or done.
type Run struct {
	Trigger string `json:"trigger"`
	// Scheduled is the tick a scheduled run is for (the time its
	// schedule named; the run starts a moment later).
	Scheduled time.Time `json:"scheduled,omitzero"`
	Started   time.Time `json:"started,omitzero"` // zero while queued
	Finished  time.Time `json:"finished,omitzero"`
	Seconds   float64   `json:"duration_seconds,omitempty"`
	Outcome   string    `json:"outcome,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Counts    Counts    `json:"counts"`
}

// Counts are a run's numbers (see crawler.Stats).
type Counts struct {
	Pages      int            `json:"pages"` // result and posting pages fetched (304s included)
	Requests   int            `json:"requests"`
	Postings   int            `json:"postings"`
	New        int            `json:"new"`
	Updated    int            `json:"updated"`
	Unchanged  int            `json:"unchanged"`
	Closed     int            `json:"closed"`
	Reopened   int            `json:"reopened"`
	Rejected   int            `json:"rejected"`
	Errors     int            `json:"errors"`
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
	// Coverage is the share of the run's postings that carry each field
	// (see crawler.CoverageFields); absent when the run read none.
	Coverage map[string]float64 `json:"coverage,omitempty"`
}

func countsOf(s crawler.Stats) Counts {
	c := Counts{Pages: s.Pages + s.Details + s.NotModified, Requests: s.Requests, Postings: s.Postings, New: s.New, Updated: s.Updated,
		Unchanged: s.Unchanged, Closed: s.Closed, Reopened: s.Reopened, Errors: s.Errors, ErrorKinds: maps.Clone(s.ByKind),
		Coverage: maps.Clone(s.Coverage)}
	for _, n := range s.Rejected {
		c.Rejected += n
	}
	return c
}

// DurationBuckets are the upper bounds, in seconds, of the run duration
// histogram.
var DurationBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200}

// Totals add up a site's finished runs since the daemon started (for /metrics).
type Totals struct {
	Runs     map[string]int // by outcome
	Pages    int            // result and posting pages fetched
	Requests int
	Postings map[string]int // by outcome: new, updated, unchanged, closed, reopened
	Errors   map[string]int // failed requests by kind
	Rejected int
	// Duration is a histogram of run durations: Buckets[i] counts the runs
	// that took at most DurationBuckets[i] seconds (cumulative, as
	// Prometheus wants it).
	DurationBuckets []int
	DurationSum     float64
	DurationCount   int
}

func (t *Totals) add(r Run, s crawler.Stats) {
	if t.Runs == nil {
		t.Runs, t.Postings, t.Errors = map[string]int{}, map[string]int{}, map[string]int{}
		t.DurationBuckets = make([]int, len(DurationBuckets))
	}
	t.Runs[r.Outcome]++
	t.Pages += r.Counts.Pages
	t.Requests += r.Counts.Requests
	t.Rejected += r.Counts.Rejected
	for k, v := range map[string]int{"new": s.New, "updated": s.Updated, "unchanged": s.Unchanged, "closed": s.Closed, "reopened": s.Reopened} {
		t.Postings[k] += v
	}
	for k, v := range s.ByKind {
		t.Errors[k] += v
	}
	for i, le := range DurationBuckets {
		if r.Seconds <= le {
			t.DurationBuckets[i]++
		}
	}
	t.DurationSum += r.Seconds
	t.DurationCount++
}

func (t Totals) clone() Totals {
	t.Runs, t.Postings, t.Errors = maps.Clone(t.Runs), maps.Clone(t.Postings), maps.Clone(t.Errors)
	t.DurationBuckets = slices.Clone(t.DurationBuckets)
	return t
}

// SiteStatus is what the scheduler reports of a site.
type SiteStatus struct {
	Name     string     `json:"name"`
	Company  string     `json:"company,omitempty"`
	Schedule string     `json:"schedule"` // "" : runs only when asked
	Timezone string     `json:"timezone,omitempty"`
	NextRun  *time.Time `json:"next_run"`
	State    string     `json:"state"` // idle, queued or running
	Current  *Run       `json:"current_run,omitempty"`
	LastRun  *Run       `json:"last_run"`
	// LastSuccess is when the last run that ended ok or incomplete finished.
	LastSuccess *time.Time `json:"last_success"`
	Runs        int        `json:"runs"`    // finished since the daemon started
	Skipped     int        `json:"skipped"` // ticks skipped: a run was still going, or coordination was down
	// Lease is who crawls the site now (with several daemons, maybe
	// another one); nil when nobody does or the backend is down.
	Lease *SiteLease `json:"lease,omitempty"`
	// Coverage is the share of postings carrying each field in the newest
	// run that read any (a site that lost its salary selector shows it
	// here at a glance); absent before such a run.
	Coverage map[string]float64 `json:"coverage,omitempty"`
	History  []Run              `json:"history,omitempty"`
	Totals   Totals             `json:"-"`
}

// Sites reports every configured site, in configuration order, without
// their run history.
func (s *Scheduler) Sites() []SiteStatus {
	leases := s.holders()
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.nextRunsLocked()
	out := make([]SiteStatus, 0, len(s.order))
	for _, name := range s.order {
		out = append(out, s.statusLocked(s.sites[name], next, false, leases))
	}
	return out
}

// Site reports one site with its history (newest first).
func (s *Scheduler) Site(name string) (SiteStatus, bool) {
	leases := s.holders()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sites[name]
	if st == nil || st.removed {
		return SiteStatus{}, false
	}
	return s.statusLocked(st, s.nextRunsLocked(), true, leases), true
}

// nextRunsLocked asks cron when each entry fires next.
func (s *Scheduler) nextRunsLocked() map[cron.EntryID]time.Time {
	next := map[cron.EntryID]time.Time{}
	if s.cron == nil || s.stopped {
		return next
	}
	for _, e := range s.cron.Entries() {
		next[e.ID] = e.Next
	}
	return next
}

func (s *Scheduler) statusLocked(st *siteState, next map[cron.EntryID]time.Time, history bool, leases map[string]SiteLease) SiteStatus {
	out := SiteStatus{Name: st.site.Name, Company: st.site.Company, Schedule: st.site.Schedule, Timezone: st.site.Timezone,
		State: StateIdle, Runs: st.totals.DurationCount, Skipped: st.skipped, Totals: st.totals.clone()}
	if l, ok := leases[st.site.Name]; ok {
		out.Lease = &l
	}
	if st.entry != 0 {
		t, ok := next[st.entry]
		if !ok || t.IsZero() { // cron has not placed a new entry yet
			t = st.schedule.Next(time.Now())
		}
		if !s.stopped {
			out.NextRun = &t
		}
	}
	if st.current != nil {
		cur := *st.current
		cur.Counts.ErrorKinds = maps.Clone(cur.Counts.ErrorKinds)
		out.Current = &cur
		out.State = StateRunning
		if cur.Started.IsZero() {
			out.State = StateQueued
		}
	}
	if n := len(st.history); n > 0 {
		last := st.history[n-1]
		out.LastRun = &last
	}
	for i := len(st.history) - 1; i >= 0; i-- {
		if c := st.history[i].Counts.Coverage; len(c) > 0 {
			out.Coverage = c
			break
		}
	}
	if !st.lastSuccess.IsZero() {
		t := st.lastSuccess
		out.LastSuccess = &t
	}
	if history {
		for i := len(st.history) - 1; i >= 0; i-- {
			out.History = append(out.History, st.history[i])
		}
	}
	return out
}

// cronLogger sends robfig/cron's log to slog: its routine messages at
// debug level, its errors as errors.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "error", err)...)
}
