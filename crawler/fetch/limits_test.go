package fetch

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"3", 3 * time.Second},
		{"0", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
		{"", 0},
	}
	for _, c := range cases {
		h := http.Header{}
		h.Set("Retry-After", c.header)
		if got := retryAfter(h, now); got != c.want {
			t.Errorf("Retry-After %q: got %s, want %s", c.header, got, c.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	base := 250 * time.Millisecond
	for attempt := range 12 {
		ceil := min(base<<attempt, 30*time.Second)
		for range 50 {
			if d := backoff(base, attempt, 0); d < ceil/2 || d > ceil {
				t.Fatalf("attempt %d: %s, want between %s and %s", attempt, d, ceil/2, ceil)
			}
		}
	}
	for range 50 {
		if d := backoff(base, 0, 2*time.Second); d < 2*time.Second || d > 2200*time.Millisecond {
			t.Fatalf("Retry-After 2s: waited %s, want 2s to 2.2s", d)
		}
	}
}

func TestBreakerStates(t *testing.T) {
	cfg := Breaker{Failures: 2, Pause: time.Hour, MaxPauses: 2}
	h := &host{name: "x"}
	if tr := h.record(cfg, false, failure, 0); tr.pause != 0 {
		t.Fatalf("one failure paused the host: %+v", tr)
	}
	if tr := h.record(cfg, false, failure, 0); tr.pause != time.Hour {
		t.Fatalf("second failure in a row: %+v, want a pause of 1h", tr)
	}
	// answers to requests sent before the pause do not pause it again
	if tr := h.record(cfg, false, failure, 0); tr.pause != 0 || h.pauses != 1 {
		t.Fatalf("straggler: %+v, pauses %d", tr, h.pauses)
	}
	h.resumeAt = time.Time{} // the pause is over
	probe, err := h.admit(t.Context())
	if err != nil || !probe {
		t.Fatalf("after a pause: probe %v, %v; want a probe", probe, err)
	}
	if tr := h.record(cfg, true, failure, 0); tr.pause != 2*time.Hour {
		t.Fatalf("failed probe: %+v, want twice the pause", tr)
	}
	h.resumeAt = time.Time{}
	if probe, _ = h.admit(t.Context()); !probe {
		t.Fatal("want a second probe")
	}
	if tr := h.record(cfg, true, failure, 0); !tr.down {
		t.Fatalf("third pause in a row with max_pauses 2: %+v, want down", tr)
	}
	if _, err := h.admit(t.Context()); err == nil {
		t.Fatal("a host given up on admitted a request")
	}

	// a success closes the breaker
	h = &host{name: "y"}
	h.record(cfg, false, failure, 0)
	h.record(cfg, false, success, 0)
	if tr := h.record(cfg, false, failure, 0); tr.pause != 0 {
		t.Errorf("failures not in a row paused the host: %+v", tr)
	}
}
