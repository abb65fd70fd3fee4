package coord

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Held is a lease kept alive while work goes on under it.
type Held struct {
	c      Coordinator
	ttl    time.Duration
	mu     sync.Mutex
	lease  Lease
	cancel context.CancelCauseFunc
	done   chan struct{}
	stop   chan struct{}
	onLost func(error)
}

// Hold acquires site's lease and renews it every ttl/3 until Release or
// until ctx ends. It returns a context derived from ctx that is
// cancelled, with a cause wrapping ErrLost, as soon as a renewal fails:
// whatever runs under the lease stops at once. onLost, if not nil, is
// called once when that happens. ttl <= 0 means DefaultLeaseTTL. The
// acquisition itself gives up after ttl/3.
func Hold(ctx context.Context, c Coordinator, site string, ttl time.Duration, onLost func(error)) (context.Context, *Held, error) {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	actx, stop := context.WithTimeout(ctx, ttl/3)
	l, err := c.Acquire(actx, site, ttl)
	stop()
	if err != nil {
		return nil, nil, err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	h := &Held{c: c, ttl: ttl, lease: l, cancel: cancel, done: make(chan struct{}), stop: make(chan struct{}), onLost: onLost}
	go h.renew(runCtx)
	return runCtx, h, nil
}

// Lease is the lease held (its token is the run's fencing token).
func (h *Held) Lease() Lease {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lease
}

func (h *Held) renew(ctx context.Context) {
	defer close(h.done)
	t := time.NewTicker(h.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.ttl/3)
		l := h.Lease()
		err := h.c.Renew(rctx, &l, h.ttl)
		cancel()
		if err == nil {
			h.mu.Lock()
			h.lease = l
			h.mu.Unlock()
			continue
		}
		if !errors.Is(err, ErrLost) {
			err = fmt.Errorf("%w: renewal failed: %w", ErrLost, err)
		}
		if h.onLost != nil {
			h.onLost(err)
		}
		h.cancel(err)
		return
	}
}

// Commit asks the coordinator whether work under the lease may still
// commit (see Coordinator.Commit).
func (h *Held) Commit(ctx context.Context) error {
	return h.c.Commit(context.WithoutCancel(ctx), h.Lease())
}

// Release stops renewing and gives the lease up; ctx bounds the call to
// the backend.
func (h *Held) Release(ctx context.Context) error {
	close(h.stop)
	<-h.done
	h.cancel(nil)
	return h.c.Release(ctx, h.Lease())
}
