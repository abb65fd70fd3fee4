// Package coord coordinates the daemons that share one configuration: who
// runs a scheduled tick of a site, who crawls a site now (a lease with a
// fencing token), whether a run may still commit its closes and deletes,
// and the politeness budget of each host. Two implementations: Local, in
// one process (the default), and Redis, for several daemons.
//
// The guarantees every implementation gives, and that the contract suite
// (coordtest) checks:
//
//   - ClaimTick: of all callers claiming (site, at) while the claim lives,
//     exactly one gets true; a claim is never released early.
//   - Acquire: at most one holder of a site's lease at a time; each new
//     lease carries a token larger than any earlier lease of the site.
//   - Renew fails with ErrLost once the lease expired or another holder
//     took the site.
//   - Commit succeeds only while the lease is held and its token is not
//     older than the last one committed for the site; a paused holder that
//     wakes past its lease is refused with ErrFenced.
package coord

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

var (
	// ErrHeld is returned by Acquire when another holder has the site.
	ErrHeld = errors.New("site is being crawled by another daemon")
	// ErrLost is returned by Renew when the lease expired or was taken.
	ErrLost = errors.New("site lease lost")
	// ErrFenced is returned by Commit when the lease is no longer the
	// newest one of the site: its closes and deletes must not be applied.
	ErrFenced = errors.New("commit refused: a newer lease of the site exists")
	// ErrUnavailable wraps the errors of a coordinator that cannot be
	// reached (Redis down): ticks are skipped, runs are not started.
	ErrUnavailable = errors.New("coordination unavailable")
)

// DefaultLeaseTTL is how long a site lease lives without a renewal.
const DefaultLeaseTTL = 30 * time.Second

// Lease is the right to crawl one site, until it expires.
type Lease struct {
	Site   string    `json:"site"`
	Holder string    `json:"holder"`
	Token  int64     `json:"token"`   // grows with each lease of the site
	Expiry time.Time `json:"expires"` // as the holder last saw it
}

// Holder is who holds a site's lease now, as Holders reports it.
type Holder struct {
	Holder string        `json:"holder"`
	Token  int64         `json:"token"`
	TTL    time.Duration `json:"-"` // left before it expires
}

// Coordinator is what the daemon, the crawl command and reindex coordinate
// through. Its methods are safe for concurrent use.
type Coordinator interface {
	// ID names this process among the holders ("host:pid" unless set).
	ID() string
	// ClaimTick claims the tick of site scheduled at at; true when this
	// caller won it. The claim lives for ttl and is never released.
	ClaimTick(ctx context.Context, site string, at time.Time, ttl time.Duration) (bool, error)
	// Acquire takes the site's lease for ttl, or returns ErrHeld.
	Acquire(ctx context.Context, site string, ttl time.Duration) (Lease, error)
	// Renew extends a held lease by ttl, or returns ErrLost.
	Renew(ctx context.Context, l *Lease, ttl time.Duration) error
	// Release gives a lease up, if still held. A lease lost already is
	// not an error.
	Release(ctx context.Context, l Lease) error
	// Commit accepts a commit under l (closes, deletes, an index swap),
	// or returns ErrFenced.
	Commit(ctx context.Context, l Lease) error
	// Holders reports the sites whose lease is held now.
	Holders(ctx context.Context) (map[string]Holder, error)
	// Hosts is the politeness shared by every run of every daemon.
	Hosts() HostLimiter
	// Close releases the coordinator's connections.
	Close() error
}

// HostLimiter shares a host's politeness between runs, in one process or
// across daemons: a cap on requests per period and the pauses its circuit
// breaker or its Retry-After decide.
type HostLimiter interface {
	// Acquire waits until a request to host may go: no pause is in force
	// and, when n > 0, fewer than n requests hold a slot of the host. A
	// slot is held from when the request leaves until per after its answer
	// came back (or, when release is never called, timeout and per after
	// it left: the answer may come as late as timeout); starts are spaced
	// per/n apart. release(true) frees the slot per from now,
	// release(false) at once (nothing went out).
	Acquire(ctx context.Context, host string, n int, per, timeout time.Duration) (release func(sent bool), err error)
	// Pause stops every request to host for d (a longer pause in force
	// stays).
	Pause(ctx context.Context, host string, d time.Duration) error
}

// DefaultID names this process: host name and process id.
func DefaultID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	return fmt.Sprintf("%s:%d", h, os.Getpid())
}
