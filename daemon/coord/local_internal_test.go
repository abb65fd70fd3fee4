package coord

import (
	"context"
	"testing"
	"time"
)

// Expired claims are swept as claims come in: a daemon running for
// months keeps about as many as are live.
func TestLocalTicksBounded(t *testing.T) {
	l := NewLocal("a")
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10000 {
		if _, err := l.ClaimTick(ctx, "acme", at.Add(time.Duration(i)*time.Second), time.Nanosecond); err != nil {
			t.Fatal(err)
		}
	}
	l.st.mu.Lock()
	n := len(l.st.ticks)
	l.st.mu.Unlock()
	if n > 2*minTickSweep {
		t.Errorf("%d claims kept after 10000 expired ones, want at most %d", n, 2*minTickSweep)
	}
}

// Hosts idle for hostIdle are forgotten.
func TestLocalHostsBounded(t *testing.T) {
	h := newLocalHosts()
	ctx := context.Background()
	for _, host := range []string{"a.example", "b.example", "c.example"} {
		release, err := h.Acquire(ctx, host, 1, time.Millisecond, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		release(true)
	}
	if err := h.Pause(ctx, "d.example", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	busy, err := h.Acquire(ctx, "busy.example", 1, time.Hour, 2*time.Hour) // held past the sweep
	if err != nil {
		t.Fatal(err)
	}
	defer busy(false)
	// Two idle periods pass.
	h.mu.Lock()
	shift := -2 * hostIdle
	h.lastSweep = h.lastSweep.Add(shift)
	for _, s := range h.hosts {
		s.next, s.pauseUntil = s.next.Add(shift), s.pauseUntil.Add(shift)
		for id, exp := range s.slots {
			s.slots[id] = exp.Add(shift)
		}
	}
	h.host("e.example", time.Now())
	var kept []string
	for name := range h.hosts {
		kept = append(kept, name)
	}
	h.mu.Unlock()
	if len(kept) != 2 {
		t.Errorf("hosts kept after two idle periods: %v, want busy.example and e.example", kept)
	}
}
