package daemon

import (
	"context"
	"sync"
)

// limiter caps how many site runs crawl at once. Unlike a buffered channel,
// its capacity can change while runs hold slots (a reload may change
// max_concurrent_sites): lowering it lets the runs in progress finish and
// starts no new one until fewer than the new maximum remain.
type limiter struct {
	mu     sync.Mutex
	max    int
	active int
	wake   chan struct{} // closed and replaced whenever a slot may have freed
}

func newLimiter(max int) *limiter {
	return &limiter{max: max, wake: make(chan struct{})}
}

// acquire waits for a slot, or for ctx to end.
func (l *limiter) acquire(ctx context.Context) error {
	for {
		l.mu.Lock()
		if l.active < l.max {
			l.active++
			l.mu.Unlock()
			return nil
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *limiter) release() {
	l.mu.Lock()
	l.active--
	l.broadcast()
	l.mu.Unlock()
}

func (l *limiter) setMax(max int) {
	l.mu.Lock()
	l.max = max
	l.broadcast()
	l.mu.Unlock()
}

// broadcast wakes every waiter; l.mu is held.
func (l *limiter) broadcast() {
	close(l.wake)
	l.wake = make(chan struct{})
}
