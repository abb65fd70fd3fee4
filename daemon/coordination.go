package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// coordCounters count what coordination did, for /metrics.
type coordCounters struct {
	mu              sync.Mutex
	claimsWon       int
	claimsLost      int // claimed by another daemon
	claimsError     int // the backend could not be reached
	leasesAcquired  int
	leasesBusy      int // held by another daemon
	leasesLost      int
	commitsRejected int
	errors          int
}

// add increments the counters given, together.
func (c *coordCounters) add(ns ...*int) {
	c.mu.Lock()
	for _, n := range ns {
		*n++
	}
	c.mu.Unlock()
}

// CoordStats is what coordination did since the daemon started.
type CoordStats struct {
	Backend string // "local" or "redis"
	// TickClaims counts scheduled ticks by result: won (this daemon ran
	// it), lost (another daemon claimed it), error (backend unreachable).
	TickClaims map[string]int
	// Leases counts site leases: acquired, busy (held by another
	// daemon when asked), lost (a renewal failed: the run was stopped).
	Leases map[string]int
	// CommitsRejected counts runs whose commit the fence refused.
	CommitsRejected int
	// Errors counts calls to the backend that failed.
	Errors int
}

// Coordination reports what coordination did since the daemon started.
func (s *Scheduler) Coordination() CoordStats {
	c := &s.cstats
	c.mu.Lock()
	defer c.mu.Unlock()
	return CoordStats{Backend: s.backend,
		TickClaims:      map[string]int{"won": c.claimsWon, "lost": c.claimsLost, "error": c.claimsError},
		Leases:          map[string]int{"acquired": c.leasesAcquired, "busy": c.leasesBusy, "lost": c.leasesLost},
		CommitsRejected: c.commitsRejected, Errors: c.errors}
}

// ID names this daemon among the holders of site leases.
func (s *Scheduler) ID() string { return s.coord.ID() }

// SiteLease is who crawls a site now, as the coordination backend says.
type SiteLease struct {
	Holder string `json:"holder"`
	Token  int64  `json:"token"`
	// Mine is true when the holder is this daemon.
	Mine bool `json:"this_daemon"`
	// ExpiresIn is how long the lease lives without a renewal, in seconds.
	ExpiresIn float64 `json:"expires_in_seconds"`
}

// holders asks the backend who holds which site, briefly: a status page
// does not wait for a backend that is down (nil then).
func (s *Scheduler) holders() map[string]SiteLease {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	hs, err := s.coord.Holders(ctx)
	if err != nil {
		s.cstats.add(&s.cstats.errors)
		s.log.Debug("lease holders not available", "error", err)
		return nil
	}
	out := make(map[string]SiteLease, len(hs))
	for site, h := range hs {
		out[site] = SiteLease{Holder: h.Holder, Token: h.Token, Mine: h.Holder == s.coord.ID(), ExpiresIn: h.TTL.Seconds()}
	}
	return out
}

// scheduledAt is the time the tick firing at now was scheduled for: the
// last time sched names at or before now, looked for up to a minute
// back (cron fires a little late, never early). Daemons that wake at
// different moments for one tick find the same time, which is what they
// claim.
func scheduledAt(sched cron.Schedule, now time.Time) time.Time {
	const lookBack = time.Minute
	t := sched.Next(now.Add(-lookBack))
	if t.IsZero() || t.After(now) {
		return now.Truncate(time.Second)
	}
	for {
		next := sched.Next(t)
		if next.IsZero() || next.After(now) {
			return t
		}
		t = next
	}
}

// claimTTL is how long a tick's claim lives: past the next tick, so a
// daemon that wakes late cannot claim it again, and at least a minute.
func claimTTL(sched cron.Schedule, at time.Time) time.Duration {
	d := 2 * sched.Next(at).Sub(at)
	return min(max(d, time.Minute), 24*time.Hour)
}

// everyAligned is "@every d" on the wall clock: it fires at the multiples
// of d counted from one fixed origin (Go's zero time), so daemons started
// at different moments agree on its ticks (robfig/cron's own counts from
// each start). For a d that divides a day, the ticks fall on the same
// times every day.
type everyAligned struct{ d time.Duration }

func (e everyAligned) Next(t time.Time) time.Time {
	return t.Truncate(e.d).Add(e.d)
}
