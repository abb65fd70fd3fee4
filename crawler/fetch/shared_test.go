package fetch

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// recordingLimiter is a HostLimiter that lets everything through and
// records what it was asked.
type recordingLimiter struct {
	mu       sync.Mutex
	acquired []string // key n/per
	released []bool
	paused   map[string]time.Duration
}

func (l *recordingLimiter) Acquire(ctx context.Context, host string, n int, per, timeout time.Duration) (func(bool), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acquired = append(l.acquired, host+" "+Rate{N: n, Per: per}.String())
	if timeout < per {
		panic("a slot must outlive its request's timeout")
	}
	return func(sent bool) {
		l.mu.Lock()
		l.released = append(l.released, sent)
		l.mu.Unlock()
	}, nil
}

func (l *recordingLimiter) Pause(ctx context.Context, host string, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.paused == nil {
		l.paused = map[string]time.Duration{}
	}
	l.paused[host] = max(l.paused[host], d)
	return nil
}

// TestSharedPoliteness: every request, robots.txt included, takes a slot
// of the shared limiter under the key and rate HostRate gives, and frees
// it once answered; a 429 with Retry-After pauses the host for everyone
// sharing it, as does a breaker trip.
func TestSharedPoliteness(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html><body>ok</body></html>")) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		http.Error(w, "busy", http.StatusTooManyRequests)
	})
	site := newCounting(t, mux.ServeHTTP)
	lim := &recordingLimiter{}
	f, err := New(t.Context(), Config{Hosts: []string{hostOf(site.Server)}, Limits: Limits{RetryBackoff: time.Millisecond},
		Shared: lim, HostRate: func(host string) (string, Rate) { return "127.0.0.1", Rate{N: 3, Per: time.Second} }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Do(context.Background(), &Request{URL: site.URL + "/ok"}); err != nil {
		t.Fatal(err)
	}
	lim.mu.Lock()
	acquired, released := len(lim.acquired), len(lim.released)
	first := lim.acquired[0]
	lim.mu.Unlock()
	if acquired != int(site.n.Load()) || released != acquired {
		t.Errorf("%d requests reached the site, %d slots acquired, %d released: want them equal", site.n.Load(), acquired, released)
	}
	if first != "127.0.0.1 3/s" {
		t.Errorf("slot taken as %q, want the configured host's key and rate \"127.0.0.1 3/s\"", first)
	}
	f.Do(context.Background(), &Request{URL: site.URL + "/busy"})
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if d := lim.paused["127.0.0.1"]; d != 7*time.Second {
		t.Errorf("a 429 with Retry-After: 7 paused the shared host for %v, want 7s (paused: %v)", d, lim.paused)
	}
}
