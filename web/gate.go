package web

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Reasons a search is turned away, the reason label of
// jobcrawl_search_rejected_total.
const (
	rejectQueueFull    = "queue_full"
	rejectQueueTimeout = "queue_timeout"
)

// errBusy is returned by gate.enter when a search is turned away: the queue
// was full, or its wait for a slot ran out.
var errBusy = errors.New("too many searches at once")

// gate lets a bounded number of searches run at once and a bounded number
// wait, each for a bounded time; the rest are turned away at once, so that
// a flood of searches costs a bounded amount of memory and a visitor of
// the search page waits seconds at most.
type gate struct {
	slots   chan struct{} // one token per running search
	queue   int64         // how many may wait
	timeout time.Duration // how long one may wait

	waiting                     atomic.Int64
	rejectedFull, rejectedTimer atomic.Int64
}

func newGate(concurrent, queue int, timeout time.Duration) *gate {
	return &gate{slots: make(chan struct{}, concurrent), queue: int64(queue), timeout: timeout}
}

// enter waits for a slot and returns the func that gives it back. It
// returns errBusy when the queue is full or the wait runs out, and ctx's
// error when the client goes away while it waits.
func (g *gate) enter(ctx context.Context) (release func(), err error) {
	release = func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		g.rejectedFull.Add(1)
		return nil, errBusy
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.timeout)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		g.rejectedTimer.Add(1)
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// running is how many searches hold a slot.
func (g *gate) running() int { return len(g.slots) }
