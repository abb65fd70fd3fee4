package webhook

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff is the retry schedule: the delay after failed attempt n (1, 2,
// …) is drawn uniformly from [0, min(Cap, Base × 2^(n-1))] ("full
// jitter"), so that receivers coming back from an outage are not hit by
// every sender at once.
type Backoff struct {
	Base time.Duration // default 5s
	Cap  time.Duration // default 1h
	// Rand returns a number in [0, n); nil: math/rand/v2. Tests pin it.
	Rand func(n int64) int64
}

// Defaults of Backoff, and the cap of a Retry-After.
const (
	DefaultBackoffBase = 5 * time.Second
	DefaultBackoffCap  = time.Hour
	MaxRetryAfter      = time.Hour
)

// Delay is the delay after failed attempt n (n ≥ 1).
func (b Backoff) Delay(n int) time.Duration {
	base, limit := b.Base, b.Cap
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if limit <= 0 {
		limit = DefaultBackoffCap
	}
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	r := b.Rand
	if r == nil {
		r = rand.Int64N
	}
	return time.Duration(r(int64(d) + 1))
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date. ok is
// false when it is absent or unreadable. The delay is at most
// MaxRetryAfter and at least 0.
func retryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}
