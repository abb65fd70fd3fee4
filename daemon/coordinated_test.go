package daemon_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/daemon/coord"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// startWith starts a scheduler coordinating through c, stopped at the end.
func startWith(tb testing.TB, ix index.Index, c coord.Coordinator, ttl time.Duration, cfg daemon.Config) *daemon.Scheduler {
	tb.Helper()
	s := daemon.New(&crawler.Crawler{Index: ix}, nil, daemon.WithCoordinator(c, "test", ttl))
	if err := s.Start(cfg); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	return s
}

// TestTwoSchedulersShareTicks: two schedulers sharing a coordinator (two
// daemons, in one process) run each tick of a site once between them, and
// one refuses a manual run while the other crawls the site.
func TestTwoSchedulersShareTicks(t *testing.T) {
	site, cfg := newSite(t, "contoso", "* * * * * *", demosite.Options{Jobs: 6, PerPage: 6, Seed: 41})
	ix := openIndex(t)
	shared := coord.NewLocal("a")
	a := startWith(t, ix, shared, time.Second, daemon.Config{Sites: []crawler.Site{cfg}})
	b := startWith(t, ix, shared.WithID("b"), time.Second, daemon.Config{Sites: []crawler.Site{cfg}})
	runs := func() int { return status(t, a, "contoso").Runs + status(t, b, "contoso").Runs }
	waitFor(t, "four runs", func() bool { return runs() >= 4 })

	// a manual run while the other scheduler crawls: refused
	g := hold(site, site.Jobs[0].Path())
	defer g.release()
	g.wait(t)
	var crawling, other *daemon.Scheduler = a, b
	if status(t, b, "contoso").State == daemon.StateRunning {
		crawling, other = b, a
	}
	if st := status(t, crawling, "contoso"); st.State != daemon.StateRunning || st.Lease == nil || !st.Lease.Mine {
		t.Errorf("the crawling scheduler: state %s, lease %+v: want running under its own lease", st.State, st.Lease)
	}
	if err := other.RunNow("contoso"); !errors.Is(err, daemon.ErrHeldElsewhere) || !errors.Is(err, daemon.ErrRunning) {
		t.Errorf("RunNow while the other scheduler crawls: %v, want ErrHeldElsewhere (an ErrRunning)", err)
	}
	if st := status(t, other, "contoso"); st.Lease == nil || st.Lease.Mine || st.Lease.Holder != crawling.ID() {
		t.Errorf("the other scheduler sees lease %+v: want it held by %s", st.Lease, crawling.ID())
	}
	g.release()

	var ticks []time.Time
	for _, s := range []*daemon.Scheduler{a, b} {
		for _, r := range status(t, s, "contoso").History {
			if r.Trigger == daemon.TriggerSchedule {
				ticks = append(ticks, r.Scheduled)
			}
		}
	}
	slices.SortFunc(ticks, time.Time.Compare)
	for i := 1; i < len(ticks); i++ {
		if !ticks[i].After(ticks[i-1]) {
			t.Errorf("tick %s ran twice", ticks[i].Format(time.TimeOnly))
		}
	}
	if ca, cb := a.Coordination(), b.Coordination(); ca.TickClaims["won"]+cb.TickClaims["won"] < len(ticks) ||
		ca.TickClaims["lost"]+cb.TickClaims["lost"] == 0 {
		t.Errorf("tick claims: a %v, b %v: want every tick won once and lost by the other", ca.TickClaims, cb.TickClaims)
	}
}

// stealing is a coordinator whose next renewal finds the lease taken by
// another daemon (as after a pause past the lease).
type stealing struct {
	coord.Coordinator
	thief coord.Coordinator
	steal atomic.Bool
}

func (s *stealing) Renew(ctx context.Context, l *coord.Lease, ttl time.Duration) error {
	if s.steal.Load() {
		s.Coordinator.Release(ctx, *l)
		if _, err := s.thief.Acquire(ctx, l.Site, ttl); err != nil {
			return err
		}
		return coord.ErrLost
	}
	return s.Coordinator.Renew(ctx, l, ttl)
}

// TestLostLeaseStopsTheRun: when a run's lease is lost, the run is
// cancelled at once, keeps what it read, and its commit is refused and
// counted: it closes nothing.
func TestLostLeaseStopsTheRun(t *testing.T) {
	site, cfg := newSite(t, "contoso", "", demosite.Options{Jobs: 8, PerPage: 8, Dups: -1, Seed: 43})
	ix := openIndex(t)
	shared := coord.NewLocal("a")
	c := &stealing{Coordinator: shared, thief: shared.WithID("thief")}
	s := startWith(t, ix, c, 300*time.Millisecond, daemon.Config{Sites: []crawler.Site{cfg}})
	if err := s.RunNow("contoso"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first run", func() bool { return status(t, s, "contoso").Runs == 1 })

	site.Remove(site.Jobs[1].Number) // a complete run would close it
	g := hold(site, site.Jobs[0].Path())
	defer g.release()
	if err := s.RunNow("contoso"); err != nil {
		t.Fatal(err)
	}
	g.wait(t)
	c.steal.Store(true)
	waitFor(t, "the second run's end", func() bool { return status(t, s, "contoso").Runs == 2 })
	last := status(t, s, "contoso").LastRun
	if last.Outcome != daemon.OutcomeCancelled || !strings.Contains(last.Reason, "lease") {
		t.Errorf("the run that lost its lease: outcome %s (%s), want cancelled for the lease", last.Outcome, last.Reason)
	}
	cs := s.Coordination()
	if cs.Leases["lost"] != 1 || cs.CommitsRejected != 1 {
		t.Errorf("coordination counts %+v: want 1 lease lost and 1 commit rejected", cs)
	}
	if rec, err := ix.Get(context.Background(), index.RecordID("contoso", site.Jobs[1].Number)); err != nil || rec.Status != index.StatusOpen {
		t.Errorf("the posting gone from the site: %v, status %s: want it still open", err, rec.Status)
	}
}
