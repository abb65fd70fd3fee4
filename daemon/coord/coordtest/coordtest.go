// Package coordtest holds every coord.Coordinator to the guarantees of
// package coord's doc and of coord.HostLimiter, with several coordinators
// (daemons) racing on one shared state, so that Local and Redis are
// interchangeable in the daemon.
//
// The suite sleeps for real, with leases of a few hundred milliseconds:
// a backend on its own clock (Redis) cannot be driven by a fake one. It
// takes about three seconds.
package coordtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/daemon/coord"
)

// Timings of the suite. shortTTL is a lease or claim meant to expire
// during a test; longTTL one that must not; past waits for a shortTTL to
// be over, with room for a slow machine; tol is how early a measured
// wait may look, the clocks being read around calls that take time.
const (
	shortTTL = 300 * time.Millisecond
	past     = shortTTL + 150*time.Millisecond
	longTTL  = 10 * time.Second
	tol      = 30 * time.Millisecond
)

// Run runs the contract against the coordinators newCoord returns.
// newCoord(t, id) returns a coordinator whose ID is id; the coordinators
// it returns for one t share their state (they are daemons on one
// backend), those of different tests must not (Holders would see the
// other tests' leases). It closes them when t ends. It is called from
// concurrent subtests.
func Run(t *testing.T, newCoord func(t *testing.T, id string) coord.Coordinator) {
	t.Helper()
	// The host limiter's tests measure waits: they run alone, first.
	t.Run("HostWindow", func(t *testing.T) { testHostWindow(t, newCoord) })
	t.Run("HostRelease", func(t *testing.T) { testHostRelease(t, newCoord) })
	t.Run("HostSlotTimeout", func(t *testing.T) { testHostSlotTimeout(t, newCoord) })
	t.Run("HostPause", func(t *testing.T) { testHostPause(t, newCoord) })
	t.Run("HostNoCap", func(t *testing.T) { testHostNoCap(t, newCoord) })
	t.Run("HostCancel", func(t *testing.T) { testHostCancel(t, newCoord) })
	// The others need only that a lease outlives its TTL by little: they
	// run together (t.Parallel would run them GOMAXPROCS at a time, and
	// they mostly sleep).
	t.Run("Leases", func(t *testing.T) {
		var wg sync.WaitGroup
		for _, tc := range []struct {
			name string
			test func(*testing.T, factory)
		}{
			{"ClaimTickOnce", testClaimTickOnce},
			{"ClaimTickExpires", testClaimTickExpires},
			{"LeaseExclusive", testLeaseExclusive},
			{"TokensGrow", testTokensGrow},
			{"RenewLost", testRenewLost},
			{"CommitFenced", testCommitFenced},
			{"ReleaseLost", testReleaseLost},
			{"Holders", testHolders},
		} {
			wg.Go(func() { t.Run(tc.name, func(t *testing.T) { tc.test(t, newCoord) }) })
		}
		wg.Wait()
	})
}

type factory = func(t *testing.T, id string) coord.Coordinator

// daemons returns n coordinators sharing one state, named d0, d1, ….
func daemons(t *testing.T, newCoord factory, n int) []coord.Coordinator {
	t.Helper()
	cs := make([]coord.Coordinator, n)
	for i := range cs {
		cs[i] = newCoord(t, fmt.Sprintf("d%d", i))
		if got, want := cs[i].ID(), fmt.Sprintf("d%d", i); got != want {
			t.Fatalf("ID() = %q, want %q", got, want)
		}
	}
	return cs
}

func acquire(t *testing.T, c coord.Coordinator, site string, ttl time.Duration) coord.Lease {
	t.Helper()
	l, err := c.Acquire(context.Background(), site, ttl)
	if err != nil {
		t.Fatalf("%s: Acquire(%q): %v", c.ID(), site, err)
	}
	return l
}

func wantHeld(t *testing.T, c coord.Coordinator, site string) {
	t.Helper()
	if _, err := c.Acquire(context.Background(), site, longTTL); !errors.Is(err, coord.ErrHeld) {
		t.Fatalf("%s: Acquire(%q) = %v, want ErrHeld", c.ID(), site, err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s = %v, want %v", what, err, want)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testClaimTickOnce(t *testing.T, newCoord factory) {
	ctx := context.Background()
	cs := daemons(t, newCoord, 8)
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			won, err := c.ClaimTick(ctx, "acme", at, longTTL)
			if err != nil {
				t.Errorf("%s: ClaimTick: %v", c.ID(), err)
			}
			if won {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if got := wins.Load(); got != 1 {
		t.Fatalf("%d of %d concurrent claimers won the tick, want 1", got, len(cs))
	}
	// The claim stays: nobody wins it again, the winner neither, nor a
	// daemon waking late whose clock reads a fraction of a second on.
	for _, c := range cs {
		for _, a := range []time.Time{at, at.Add(400 * time.Millisecond)} {
			won, err := c.ClaimTick(ctx, "acme", a, longTTL)
			noErr(t, "ClaimTick", err)
			if won {
				t.Fatalf("%s won tick %s of acme, claimed already", c.ID(), a.Format(time.StampMilli))
			}
		}
	}
	// Another tick, or another site, is a claim of its own.
	for _, k := range []struct {
		site string
		at   time.Time
	}{{"acme", at.Add(time.Minute)}, {"globex", at}} {
		won, err := cs[1].ClaimTick(ctx, k.site, k.at, longTTL)
		noErr(t, "ClaimTick", err)
		if !won {
			t.Fatalf("tick %s of %s: not won by its first claimer", k.at.Format(time.TimeOnly), k.site)
		}
	}
}

func testClaimTickExpires(t *testing.T, newCoord factory) {
	ctx := context.Background()
	cs := daemons(t, newCoord, 2)
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	if won, err := cs[0].ClaimTick(ctx, "acme", at, shortTTL); err != nil || !won {
		t.Fatalf("first claim = %v, %v; want true", won, err)
	}
	if won, err := cs[1].ClaimTick(ctx, "acme", at, shortTTL); err != nil || won {
		t.Fatalf("second claim = %v, %v; want false", won, err)
	}
	time.Sleep(past)
	if won, err := cs[1].ClaimTick(ctx, "acme", at, shortTTL); err != nil || !won {
		t.Fatalf("claim after the first one's TTL = %v, %v; want true", won, err)
	}
}

func testLeaseExclusive(t *testing.T, newCoord factory) {
	ctx := context.Background()
	cs := daemons(t, newCoord, 4)
	var (
		inside atomic.Int32
		mu     sync.Mutex
		tokens []int64 // in the order the lease was taken
		wg     sync.WaitGroup
	)
	end := time.Now().Add(300 * time.Millisecond)
	for _, c := range cs {
		wg.Go(func() {
			for time.Now().Before(end) {
				l, err := c.Acquire(ctx, "acme", longTTL)
				if errors.Is(err, coord.ErrHeld) {
					time.Sleep(time.Millisecond)
					continue
				}
				if err != nil {
					t.Errorf("%s: Acquire: %v", c.ID(), err)
					return
				}
				if n := inside.Add(1); n > 1 {
					t.Errorf("%s took the lease while %d others held it", c.ID(), n-1)
				}
				mu.Lock()
				tokens = append(tokens, l.Token)
				mu.Unlock()
				time.Sleep(2 * time.Millisecond)
				inside.Add(-1)
				if err := c.Release(ctx, l); err != nil {
					t.Errorf("%s: Release: %v", c.ID(), err)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(tokens) < 4 {
		t.Fatalf("the lease was taken %d times in 300ms, want a few at least", len(tokens))
	}
	for i := 1; i < len(tokens); i++ {
		if tokens[i] <= tokens[i-1] {
			t.Fatalf("tokens in the order taken: %v, want them growing", tokens)
		}
	}
}

func testTokensGrow(t *testing.T, newCoord factory) {
	ctx := context.Background()
	cs := daemons(t, newCoord, 2)
	a, b := cs[0], cs[1]
	before := time.Now()
	l1 := acquire(t, a, "acme", longTTL)
	after := time.Now()
	if l1.Site != "acme" || l1.Holder != a.ID() || l1.Token <= 0 {
		t.Fatalf("lease = %+v, want site acme, holder %s, a positive token", l1, a.ID())
	}
	if l1.Expiry.Before(before.Add(longTTL-time.Second)) || l1.Expiry.After(after.Add(longTTL)) {
		t.Fatalf("lease expiry %s, want about %s", l1.Expiry.Format(time.StampMilli), after.Add(longTTL).Format(time.StampMilli))
	}
	wantHeld(t, b, "acme")
	wantHeld(t, a, "acme") // a holder does not take its own lease twice
	other := acquire(t, b, "globex", longTTL)
	noErr(t, "Release", b.Release(ctx, other))

	noErr(t, "Release", a.Release(ctx, l1))
	l2 := acquire(t, b, "acme", shortTTL) // after a release
	if l2.Token <= l1.Token {
		t.Fatalf("token after a release %d, want > %d", l2.Token, l1.Token)
	}
	time.Sleep(past)
	l3 := acquire(t, a, "acme", longTTL) // after an expiry
	if l3.Token <= l2.Token {
		t.Fatalf("token after an expiry %d, want > %d", l3.Token, l2.Token)
	}
	noErr(t, "Release", a.Release(ctx, l3))
}

func testRenewLost(t *testing.T, newCoord factory) {
	ctx := context.Background()
	cs := daemons(t, newCoord, 2)
	a, b := cs[0], cs[1]
	const ttl = 400 * time.Millisecond
	l := acquire(t, a, "acme", ttl)
	acquired := time.Now()
	first := l.Expiry
	time.Sleep(150 * time.Millisecond)
	noErr(t, "Renew", a.Renew(ctx, &l, ttl))
	if !l.Expiry.After(first) {
		t.Fatalf("expiry after Renew %s, want later than %s", l.Expiry.Format(time.StampMilli), first.Format(time.StampMilli))
	}
	// Past the first TTL, within the renewed one: still held.
	time.Sleep(time.Until(acquired.Add(ttl + 75*time.Millisecond)))
	wantHeld(t, b, "acme")
	time.Sleep(ttl)
	wantErr(t, "Renew after expiry", a.Renew(ctx, &l, ttl), coord.ErrLost)

	lb := acquire(t, b, "acme", longTTL)
	wantErr(t, "Renew of a lease another took", a.Renew(ctx, &l, ttl), coord.ErrLost)
	noErr(t, "Release", b.Release(ctx, lb))
	wantErr(t, "Renew after Release", b.Renew(ctx, &lb, ttl), coord.ErrLost)
}

func testCommitFenced(t *testing.T, newCoord factory) {
	ctx := context.Background()
	cs := daemons(t, newCoord, 2)
	a, b := cs[0], cs[1]
	la := acquire(t, a, "acme", shortTTL)
	noErr(t, "Commit while held", a.Commit(ctx, la))
	noErr(t, "Commit again", a.Commit(ctx, la))
	time.Sleep(past)
	wantErr(t, "Commit after expiry", a.Commit(ctx, la), coord.ErrFenced)

	lb := acquire(t, b, "acme", longTTL)
	noErr(t, "Commit by the new holder", b.Commit(ctx, lb))
	// a paused past its lease wakes and commits: refused, by any name.
	wantErr(t, "Commit by the old holder", a.Commit(ctx, la), coord.ErrFenced)
	wantErr(t, "Commit by the old holder, from b", b.Commit(ctx, la), coord.ErrFenced)
	older := lb
	older.Token = la.Token
	wantErr(t, "Commit with an older token", b.Commit(ctx, older), coord.ErrFenced)
	forged := lb
	forged.Holder = a.ID()
	wantErr(t, "Commit under another holder's token", a.Commit(ctx, forged), coord.ErrFenced)
	noErr(t, "Commit by the holder, after refusals", b.Commit(ctx, lb))
	noErr(t, "Release", b.Release(ctx, lb))
	wantErr(t, "Commit after Release", b.Commit(ctx, lb), coord.ErrFenced)
}

func testReleaseLost(t *testing.T, newCoord factory) {
	ctx := context.Background()
	cs := daemons(t, newCoord, 3)
	a, b, c := cs[0], cs[1], cs[2]
	la := acquire(t, a, "acme", shortTTL)
	time.Sleep(past)
	noErr(t, "Release of an expired lease", a.Release(ctx, la))
	lb := acquire(t, b, "acme", longTTL)
	noErr(t, "Release of a lease another took", a.Release(ctx, la))
	wantHeld(t, c, "acme") // and it did not release b's
	noErr(t, "Renew by the holder", b.Renew(ctx, &lb, longTTL))
	noErr(t, "Release", b.Release(ctx, lb))
	noErr(t, "Release twice", b.Release(ctx, lb))
	noErr(t, "Release", c.Release(ctx, acquire(t, c, "acme", longTTL)))
}

func testHolders(t *testing.T, newCoord factory) {
	ctx := context.Background()
	cs := daemons(t, newCoord, 4)
	l0 := acquire(t, cs[0], "acme", longTTL)
	l1 := acquire(t, cs[1], "globex:eu", longTTL) // a ':' in a site name
	acquire(t, cs[2], "initech", shortTTL)
	noErr(t, "Release", cs[3].Release(ctx, acquire(t, cs[3], "umbrella", longTTL)))
	time.Sleep(past)
	hs, err := cs[3].Holders(ctx)
	noErr(t, "Holders", err)
	want := map[string]coord.Lease{"acme": l0, "globex:eu": l1}
	if len(hs) != len(want) {
		t.Fatalf("Holders = %v, want acme and globex:eu", hs)
	}
	for site, l := range want {
		h, ok := hs[site]
		if !ok || h.Holder != l.Holder || h.Token != l.Token {
			t.Fatalf("Holders[%q] = %+v, want holder %s, token %d", site, h, l.Holder, l.Token)
		}
		if h.TTL <= 0 || h.TTL > longTTL {
			t.Fatalf("Holders[%q].TTL = %s, want within (0, %s]", site, h.TTL, longTTL)
		}
	}
}

// span is one request as the test saw it: admitted at start, answered
// at end, its slot free from end+per on.
type span struct{ start, end time.Time }

func testHostWindow(t *testing.T, newCoord factory) {
	const (
		n       = 2
		per     = 300 * time.Millisecond
		reqTime = 20 * time.Millisecond
		run     = time.Second
	)
	cs := daemons(t, newCoord, 3)
	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	var (
		mu    sync.Mutex
		spans []span
		wg    sync.WaitGroup
	)
	for _, c := range cs {
		for range 2 { // two runs of each daemon crawl the host
			wg.Go(func() {
				for {
					release, err := c.Hosts().Acquire(ctx, "jobs.example", n, per, longTTL)
					if ctx.Err() != nil {
						if err == nil {
							release(false)
						}
						return
					}
					if err != nil {
						t.Errorf("%s: Acquire: %v", c.ID(), err)
						return
					}
					s := span{start: time.Now()}
					time.Sleep(reqTime)
					s.end = time.Now()
					release(true)
					mu.Lock()
					spans = append(spans, s)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	// About 7 fit: the slots free 320ms after each start, two at a time.
	if len(spans) < 4 {
		t.Fatalf("%d requests in %s at %d per %s, want at least 4", len(spans), run, n, per)
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	for i := 1; i < len(spans); i++ {
		if gap := spans[i].start.Sub(spans[i-1].start); gap < per/n-tol {
			t.Errorf("requests %d and %d started %s apart, want at least %s", i-1, i, gap, per/n)
		}
	}
	// When each started, fewer than n others held a slot.
	for i, s := range spans {
		held := 0
		for _, o := range spans[:i] {
			if s.start.Before(o.end.Add(per - tol)) {
				held++
			}
		}
		if held >= n {
			t.Errorf("request %d started while %d others held a slot, want < %d", i, held, n)
		}
	}
}

func testHostRelease(t *testing.T, newCoord factory) {
	const (
		n   = 2
		per = 400 * time.Millisecond
	)
	ctx := context.Background()
	cs := daemons(t, newCoord, 3)
	relA, err := cs[0].Hosts().Acquire(ctx, "jobs.example", n, per, longTTL)
	noErr(t, "Acquire", err)
	relB, err := cs[1].Hosts().Acquire(ctx, "jobs.example", n, per, longTTL)
	noErr(t, "Acquire", err)
	startB := time.Now()
	relA(true)  // holds its slot per from now
	relB(false) // nothing went out: frees its slot at once
	relB(true)  // a second release does nothing
	_, err = cs[2].Hosts().Acquire(ctx, "jobs.example", n, per, longTTL)
	noErr(t, "Acquire", err)
	// C waits for the spacing (per/n after B), not for A's slot (per
	// after now).
	if got := time.Since(startB); got < per/n-tol || got > per-tol {
		t.Fatalf("third request started %s after the second, want about %s (spacing, B's slot freed)", got, per/n)
	}
}

func testHostSlotTimeout(t *testing.T, newCoord factory) {
	const (
		per     = 100 * time.Millisecond
		timeout = 200 * time.Millisecond
	)
	ctx := context.Background()
	cs := daemons(t, newCoord, 2)
	start := time.Now()
	_, err := cs[0].Hosts().Acquire(ctx, "jobs.example", 1, per, timeout) // never released: its daemon died
	noErr(t, "Acquire", err)
	release, err := cs[1].Hosts().Acquire(ctx, "jobs.example", 1, per, timeout)
	noErr(t, "Acquire", err)
	release(false)
	if got := time.Since(start); got < timeout-tol || got > timeout+per+300*time.Millisecond {
		t.Fatalf("a slot never released freed after %s, want about %s", got, timeout+per)
	}
}

func testHostPause(t *testing.T, newCoord factory) {
	const pause = 200 * time.Millisecond
	ctx := context.Background()
	cs := daemons(t, newCoord, 2)
	for _, tc := range []struct {
		name string
		n    int
	}{{"no cap", 0}, {"capped", 5}} {
		host := "jobs-" + tc.name + ".example"
		start := time.Now()
		noErr(t, "Pause", cs[0].Hosts().Pause(ctx, host, pause))
		noErr(t, "Pause", cs[0].Hosts().Pause(ctx, host, 50*time.Millisecond)) // the longer stays
		release, err := cs[1].Hosts().Acquire(ctx, host, tc.n, time.Second, longTTL)
		noErr(t, "Acquire", err)
		release(false)
		if got := time.Since(start); got < pause-tol || got > pause+300*time.Millisecond {
			t.Fatalf("%s: the other daemon's request went %s after a %s pause, want about %s", tc.name, got, pause, pause)
		}
	}
	// A longer pause replaces a shorter one.
	start := time.Now()
	noErr(t, "Pause", cs[0].Hosts().Pause(ctx, "jobs.example", 50*time.Millisecond))
	noErr(t, "Pause", cs[1].Hosts().Pause(ctx, "jobs.example", pause))
	release, err := cs[0].Hosts().Acquire(ctx, "jobs.example", 0, 0, longTTL)
	noErr(t, "Acquire", err)
	release(true)
	if got := time.Since(start); got < pause-tol {
		t.Fatalf("request went %s after a %s pause lengthened to %s, want %s", got, 50*time.Millisecond, pause, pause)
	}
}

func testHostNoCap(t *testing.T, newCoord factory) {
	ctx := context.Background()
	c := daemons(t, newCoord, 1)[0]
	start := time.Now()
	for range 20 {
		release, err := c.Hosts().Acquire(ctx, "jobs.example", 0, time.Second, longTTL)
		noErr(t, "Acquire", err)
		release(true)
	}
	if got := time.Since(start); got > 500*time.Millisecond {
		t.Fatalf("20 uncapped requests waited %s, want no wait", got)
	}
}

func testHostCancel(t *testing.T, newCoord factory) {
	cs := daemons(t, newCoord, 2)
	release, err := cs[0].Hosts().Acquire(context.Background(), "jobs.example", 1, 5*time.Second, longTTL)
	noErr(t, "Acquire", err)
	defer release(false)
	noErr(t, "Pause", cs[0].Hosts().Pause(context.Background(), "paused.example", 5*time.Second))
	for _, host := range []string{"jobs.example", "paused.example"} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		_, err = cs[1].Hosts().Acquire(ctx, host, 1, 5*time.Second, longTTL)
		cancel()
		wantErr(t, "Acquire of a busy host as ctx ends", err, context.DeadlineExceeded)
		if got := time.Since(start); got > 400*time.Millisecond {
			t.Fatalf("Acquire returned %s after its context ended, want at once", got-50*time.Millisecond)
		}
	}
}
