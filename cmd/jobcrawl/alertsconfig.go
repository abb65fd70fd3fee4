package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/alerts/webhook"
	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/web"
)

// AlertsConfig is alerts: where saved searches are kept and how their
// webhooks are delivered.
type AlertsConfig struct {
	// Path is the store of saved searches, what they delivered and the
	// outbox (default: data_dir/alerts.db).
	Path string `yaml:"path"`
	// BaseURL is this server's public address, for the links of feeds and
	// messages (default: the daemon's listen address).
	BaseURL string `yaml:"base_url"`
	// AllowNetworks are CIDR ranges webhook destinations may be in though
	// private, loopback or link-local (refused otherwise).
	AllowNetworks []string `yaml:"allow_networks"`
	// MaxAttempts is how many times a message is tried before it becomes a
	// dead letter (default 8).
	MaxAttempts int `yaml:"max_attempts"`
	// Timeout bounds one delivery attempt (default 10s).
	Timeout crawler.Duration `yaml:"timeout"`
	// DigestAt is the time of day ("08:00", local) daily digests are sent.
	DigestAt string `yaml:"digest_at"`
}

// defaultDigestAt is alerts.digest_at when unset.
const defaultDigestAt = "08:00"

// alertsPath is the alerts store's file: alerts.path resolved against the
// configuration file's directory, else data_dir/alerts.db.
func (c *Config) alertsPath() string {
	p := c.Alerts.Path
	if strings.TrimSpace(p) == "" {
		return filepath.Join(c.dataDir(), "alerts.db")
	}
	if filepath.IsAbs(p) || c.path == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// digestAt is alerts.digest_at parsed (default 08:00).
func (c *Config) digestAt() (alerts.DigestTime, error) {
	s := c.Alerts.DigestAt
	if strings.TrimSpace(s) == "" {
		s = defaultDigestAt
	}
	t, err := alerts.ParseDigestTime(s)
	if err != nil {
		return t, usagef("config %s: alerts.digest_at: %v", c.path, err)
	}
	return t, nil
}

// openAlerts opens the alerts store of cfg.
func openAlerts(cfg *Config) (*alerts.Store, error) {
	st, err := alerts.Open(cfg.alertsPath())
	if err != nil {
		return nil, err
	}
	// a webhook the deliverer would refuse is refused when it is created
	nets, nerr := cfg.Alerts.allowNetworks()
	st.SetURLCheck(func(u string) error {
		if nerr != nil {
			return nerr
		}
		return webhook.CheckURL(u, nets)
	})
	return st, nil
}

// daemonAlerts is the daemon's part of alerts: the store, the evaluation
// after each run, the daily digests and the webhook deliverer. With no
// store (another daemon keeps it) it does nothing and the web routes of
// saved searches answer 503.
type daemonAlerts struct {
	store       *alerts.Store
	unavailable string
	ix          index.Index
	log         *slog.Logger
	base        string
	at          alerts.DigestTime
	sched       *daemon.Scheduler // set by start
	work        func()            // the worker, until start runs it

	trigger        chan struct{} // an evaluation is wanted (coalesced)
	cancel         context.CancelFunc
	done           chan struct{} // closed when the worker has stopped
	waitDeliveries func()
	stopOnce       sync.Once
}

// evalTimeout bounds one evaluation of every saved search.
const evalTimeout = 5 * time.Minute

// startAlerts opens the alerts store and starts the evaluation worker and
// the webhook deliverer. A store locked by another daemon (several daemons
// sharing data_dir) is logged and the daemon runs on without alerts.
func startAlerts(ctx context.Context, e *env, cfg *Config, ix index.Index, listen string) (*daemonAlerts, error) {
	at, err := cfg.digestAt()
	if err != nil {
		return nil, err
	}
	a := &daemonAlerts{ix: ix, log: e.logger, at: at, base: strings.TrimRight(cfg.Alerts.BaseURL, "/"),
		trigger: make(chan struct{}, 1), done: make(chan struct{}), waitDeliveries: func() {}}
	if a.base == "" {
		a.base = "http://" + listen
	}
	a.store, err = openAlerts(cfg)
	switch {
	case errors.Is(err, alerts.ErrLocked):
		a.log.Warn(fmt.Sprintf("alerts are kept by another daemon (%s is locked); this daemon serves no feeds and sends no webhooks",
			cfg.alertsPath()))
		a.unavailable = "another daemon sharing this one's data directory keeps them"
	case err != nil:
		a.log.Error("alerts unavailable: this daemon serves no feeds and sends no webhooks", "error", err)
		a.unavailable = "their store could not be opened (the daemon's log says why)"
	}
	if a.store == nil {
		close(a.done)
		return a, nil
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	dctx, dcancel := context.WithCancel(ctx)
	wait := startDeliveries(dctx, e, cfg, a.store)
	a.waitDeliveries = func() { dcancel(); wait() }
	a.trigger <- struct{}{} // once at start: what other daemons committed meanwhile
	a.work = func() { a.loop(wctx) }
	return a, nil
}

// start starts the evaluation worker once the scheduler runs (it reads
// the runs in progress).
func (a *daemonAlerts) start(sched *daemon.Scheduler) {
	if a.store == nil || a.work == nil {
		return
	}
	a.sched = sched
	go a.work()
	a.work = nil
}

// runFinished is the scheduler's callback: it asks for an evaluation
// (several runs ending together make one).
func (a *daemonAlerts) runFinished(site string, r daemon.Run) {
	if a.store == nil {
		return
	}
	select {
	case a.trigger <- struct{}{}:
	default:
	}
}

func (a *daemonAlerts) loop(ctx context.Context) {
	defer close(a.done)
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.trigger:
			a.evaluate(ctx)
		case now := <-tick.C:
			n, err := a.store.Digest(ctx, now, a.at, a.base)
			switch {
			case err != nil:
				a.log.Error("daily digests failed", "error", err)
			case n > 0:
				a.log.Info("daily digests queued", "messages", n)
				notifyDeliveries(a.store)
			}
		}
	}
}

// evaluate runs one evaluation. The watermark stays before the oldest
// run still going, whose postings are first seen at its start.
func (a *daemonAlerts) evaluate(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, evalTimeout)
	defer cancel()
	var floor time.Time
	if a.sched != nil {
		for _, st := range a.sched.Sites() {
			if st.Current != nil && !st.Current.Started.IsZero() && (floor.IsZero() || st.Current.Started.Before(floor)) {
				floor = st.Current.Started
			}
		}
	}
	res, err := a.store.Evaluate(ctx, a.ix, alerts.EvalOptions{Floor: floor, BaseURL: a.base})
	if res.Queued > 0 {
		notifyDeliveries(a.store) // the new messages go out now, not at the next poll
	}
	attrs := []any{"searches", res.Searches, "read", res.Read, "recorded", res.Recorded, "queued", res.Queued,
		"duration", res.Duration.Round(time.Millisecond)}
	switch {
	case err != nil:
		a.log.Error("saved searches: evaluation failed", append(attrs, "error", err)...)
	case res.Truncated > 0:
		a.log.Warn("saved searches evaluated, some stopped at their cap", append(attrs, "truncated", res.Truncated,
			"cap", alerts.MaxCandidates)...)
	case res.Recorded > 0:
		a.log.Info("saved searches evaluated", attrs...)
	default:
		a.log.Debug("saved searches evaluated", attrs...)
	}
}

// webOption hands the store (or why there is none) to the web server.
func (a *daemonAlerts) webOption() web.Option {
	return web.WithAlerts(a.store, a.base, a.unavailable)
}

// stop evaluates once more (the runs have ended: what they wrote is in
// the index), then stops the worker and the deliverer.
func (a *daemonAlerts) stop(ctx context.Context) {
	if a.store == nil {
		return
	}
	a.stopOnce.Do(func() {
		a.cancel()
		if a.work != nil { // never started
			close(a.done)
		}
		<-a.done
		if ctx.Err() == nil {
			a.evaluate(ctx)
		}
		a.waitDeliveries()
	})
}

// close stops what still runs (on an early return) and closes the store.
func (a *daemonAlerts) close() {
	if a.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.stop(ctx)
		a.store.Close()
	}
}

// evaluateAfterCrawl evaluates the saved searches after a one-off crawl,
// when the alerts store can be opened (a daemon keeping it is left to do
// it itself). It never fails the crawl: a problem is printed.
func evaluateAfterCrawl(ctx context.Context, e *env, cfg *Config, ix index.Index) {
	st, err := openAlerts(cfg)
	if errors.Is(err, alerts.ErrLocked) {
		e.logger.Debug("saved searches not evaluated: a daemon keeps them", "path", cfg.alertsPath())
		return
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "jobcrawl: saved searches not evaluated: %v\n", err)
		return
	}
	defer st.Close()
	if list, err := st.List(ctx); err != nil || len(list) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), evalTimeout)
	defer cancel()
	res, err := st.Evaluate(ctx, ix, alerts.EvalOptions{BaseURL: cfg.publicBase()})
	if err != nil {
		fmt.Fprintf(e.stderr, "jobcrawl: saved searches: %v\n", err)
		return
	}
	e.logger.Info("saved searches evaluated", "searches", res.Searches, "recorded", res.Recorded, "queued", res.Queued)
}
