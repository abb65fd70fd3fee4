package coord

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Local coordinates the runs of one process: the default, when a single
// daemon crawls. It keeps the same guarantees as Redis so that the daemon
// has one code path whichever backend is configured, and so that the
// contract suite can hold both to them.
//
// All state lives in memory and is lost with the process, which is fine:
// with one process there is nobody to fence off after a restart.
type Local struct {
	id string
	st *localState
}

var _ Coordinator = (*Local)(nil)

// localState is what the views of one Local (WithID) share.
type localState struct {
	mu        sync.Mutex
	ticks     map[tickKey]time.Time // claim → expiry
	tickSweep int                   // sweep expired claims once ticks grows past this
	leases    map[string]localLease // site → current lease (may have expired)
	fence     map[string]int64      // site → last token handed out
	committed map[string]int64      // site → last token committed
	hosts     *localHosts
}

type tickKey struct {
	site string
	at   int64 // unix seconds, as Redis keys it: one tick, whatever its sub-second part
}

type localLease struct {
	holder string
	token  int64
	expiry time.Time
}

// minTickSweep is the size of the tick map below which expired claims are
// left alone: sweeping a handful of entries is not worth it.
const minTickSweep = 64

// NewLocal returns a coordinator for one process; id "" means DefaultID.
func NewLocal(id string) *Local {
	if id == "" {
		id = DefaultID()
	}
	return &Local{id: id, st: &localState{
		ticks:     map[tickKey]time.Time{},
		tickSweep: minTickSweep,
		leases:    map[string]localLease{},
		fence:     map[string]int64{},
		committed: map[string]int64{},
		hosts:     newLocalHosts(),
	}}
}

// WithID returns a view of l under another id, sharing its claims,
// leases and host budgets: several "daemons" in one process, as tests of
// the daemon and of the contract need them.
func (l *Local) WithID(id string) *Local {
	if id == "" {
		id = DefaultID()
	}
	return &Local{id: id, st: l.st}
}

// ID implements Coordinator.
func (l *Local) ID() string { return l.id }

// ClaimTick implements Coordinator.
func (l *Local) ClaimTick(ctx context.Context, site string, at time.Time, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	st := l.st
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now()
	k := tickKey{site, at.Unix()}
	if exp, ok := st.ticks[k]; ok && now.Before(exp) {
		return false, nil
	}
	st.ticks[k] = now.Add(ttl)
	// Claims are never deleted when they are read, only swept: sweeping
	// each time the map doubles keeps it within twice the live claims at
	// an amortised constant cost per claim.
	if len(st.ticks) >= st.tickSweep {
		for k, exp := range st.ticks {
			if !now.Before(exp) {
				delete(st.ticks, k)
			}
		}
		st.tickSweep = max(minTickSweep, 2*len(st.ticks))
	}
	return true, nil
}

// current returns the site's lease when one is held now; st.mu is held.
func (st *localState) current(site string, now time.Time) (localLease, bool) {
	cur, ok := st.leases[site]
	if ok && !now.Before(cur.expiry) {
		delete(st.leases, site)
		return localLease{}, false
	}
	return cur, ok
}

// holds reports whether l is the site's current lease; st.mu is held.
func (st *localState) holds(l Lease, now time.Time) bool {
	cur, ok := st.current(l.Site, now)
	return ok && cur.holder == l.Holder && cur.token == l.Token
}

// Acquire implements Coordinator.
func (l *Local) Acquire(ctx context.Context, site string, ttl time.Duration) (Lease, error) {
	if err := ctx.Err(); err != nil {
		return Lease{}, err
	}
	st := l.st
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now()
	if cur, ok := st.current(site, now); ok {
		return Lease{}, fmt.Errorf("%w (%s holds it)", ErrHeld, cur.holder)
	}
	st.fence[site]++
	cur := localLease{holder: l.id, token: st.fence[site], expiry: now.Add(ttl)}
	st.leases[site] = cur
	return Lease{Site: site, Holder: cur.holder, Token: cur.token, Expiry: cur.expiry}, nil
}

// Renew implements Coordinator.
func (l *Local) Renew(ctx context.Context, ls *Lease, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st := l.st
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now()
	if !st.holds(*ls, now) {
		return ErrLost
	}
	cur := st.leases[ls.Site]
	cur.expiry = now.Add(ttl)
	st.leases[ls.Site] = cur
	ls.Expiry = cur.expiry
	return nil
}

// Release implements Coordinator.
func (l *Local) Release(ctx context.Context, ls Lease) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st := l.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.holds(ls, time.Now()) {
		delete(st.leases, ls.Site)
	}
	return nil
}

// Commit implements Coordinator.
func (l *Local) Commit(ctx context.Context, ls Lease) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st := l.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.holds(ls, time.Now()) {
		return fmt.Errorf("%w (lease %d expired or taken)", ErrFenced, ls.Token)
	}
	if last := st.committed[ls.Site]; ls.Token < last {
		return fmt.Errorf("%w (lease %d, committed %d)", ErrFenced, ls.Token, last)
	}
	st.committed[ls.Site] = ls.Token
	return nil
}

// Holders implements Coordinator.
func (l *Local) Holders(ctx context.Context) (map[string]Holder, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st := l.st
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now()
	out := make(map[string]Holder, len(st.leases))
	for site := range st.leases {
		if cur, ok := st.current(site, now); ok {
			out[site] = Holder{Holder: cur.holder, Token: cur.token, TTL: cur.expiry.Sub(now)}
		}
	}
	return out, nil
}

// Hosts implements Coordinator.
func (l *Local) Hosts() HostLimiter { return l.st.hosts }

// Close implements Coordinator: a Local holds nothing to release.
func (l *Local) Close() error { return nil }

// defaultSlotTimeout bounds a slot whose caller passed no timeout: a slot
// must expire some day, or a lost release would block the host forever.
const defaultSlotTimeout = 2 * time.Minute

// hostIdle is how long a host's state is kept after it stopped mattering
// (no slot held, no pause, no pacing pending), and how often the hosts are
// swept for such state.
const hostIdle = time.Minute

// localHosts is the in-process HostLimiter. It keeps what the Redis one
// keeps in Redis (slots with their expiry, the next allowed start, the
// pause), so that both behave alike.
type localHosts struct {
	mu        sync.Mutex
	hosts     map[string]*hostState
	seq       uint64 // slot ids, unique across hosts
	lastSweep time.Time
}

type hostState struct {
	slots      map[uint64]time.Time // slot → when it frees at the latest
	next       time.Time            // no start before
	pauseUntil time.Time
	wake       chan struct{} // closed and replaced when a slot frees early
}

var _ HostLimiter = (*localHosts)(nil)

func newLocalHosts() *localHosts {
	return &localHosts{hosts: map[string]*hostState{}, lastSweep: time.Now()}
}

// host returns host's state, creating it; h.mu is held. It also sweeps
// the state of hosts idle for hostIdle, so that a long-lived daemon
// crawling ever new hosts does not grow without bound.
func (h *localHosts) host(host string, now time.Time) *hostState {
	if now.Sub(h.lastSweep) >= hostIdle {
		h.lastSweep = now
		for name, s := range h.hosts {
			s.prune(now)
			if len(s.slots) == 0 && now.Sub(s.pauseUntil) >= hostIdle && now.Sub(s.next) >= hostIdle {
				delete(h.hosts, name)
			}
		}
	}
	s := h.hosts[host]
	if s == nil {
		s = &hostState{slots: map[uint64]time.Time{}, wake: make(chan struct{})}
		h.hosts[host] = s
	}
	return s
}

// prune forgets the slots that freed.
func (s *hostState) prune(now time.Time) {
	for id, exp := range s.slots {
		if !now.Before(exp) {
			delete(s.slots, id)
		}
	}
}

// Acquire implements HostLimiter.
func (h *localHosts) Acquire(ctx context.Context, host string, n int, per, timeout time.Duration) (func(bool), error) {
	if timeout <= 0 {
		timeout = defaultSlotTimeout
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h.mu.Lock()
		now := time.Now()
		s := h.host(host, now)
		wait := s.pauseUntil.Sub(now)
		if wait <= 0 && n <= 0 {
			h.mu.Unlock()
			return func(bool) {}, nil
		}
		if wait <= 0 {
			s.prune(now)
			wait = s.next.Sub(now)
			if len(s.slots) >= n {
				var first time.Time
				for _, exp := range s.slots {
					if first.IsZero() || exp.Before(first) {
						first = exp
					}
				}
				wait = max(wait, first.Sub(now))
			}
		}
		if wait <= 0 {
			h.seq++
			id := h.seq
			// Held until per after the answer; a caller that never
			// releases (it died, or forgot) holds it until the request
			// surely ended, and per after.
			s.slots[id] = now.Add(timeout + per)
			s.next = now.Add(per / time.Duration(n))
			h.mu.Unlock()
			var once sync.Once
			return func(sent bool) { once.Do(func() { h.release(host, id, sent, per) }) }, nil
		}
		wake := s.wake
		h.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// release frees slot id of host per from now, or at once when nothing was
// sent, and wakes the waiters: the earliest expiry may have moved closer.
func (h *localHosts) release(host string, id uint64, sent bool, per time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.hosts[host]
	if s == nil {
		return
	}
	if _, ok := s.slots[id]; !ok {
		return // it expired already
	}
	if sent {
		s.slots[id] = time.Now().Add(per)
	} else {
		delete(s.slots, id)
	}
	close(s.wake)
	s.wake = make(chan struct{})
}

// Pause implements HostLimiter.
func (h *localHosts) Pause(ctx context.Context, host string, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	s := h.host(host, now)
	if until := now.Add(d); until.After(s.pauseUntil) {
		s.pauseUntil = until
	}
	return nil
}
