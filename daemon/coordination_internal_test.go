package daemon

import (
	"testing"
	"time"
)

// TestScheduledAt: daemons waking a little late, at different moments,
// name the same tick; @every counts from a fixed origin, so daemons
// started at different times agree on its ticks.
func TestScheduledAt(t *testing.T) {
	base := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		spec  string
		wakes []time.Duration // after base
		want  time.Time
	}{
		{"*/2 * * * * *", []time.Duration{3 * time.Millisecond, 900 * time.Millisecond, 1999 * time.Millisecond}, base},
		{"0 16 * * *", []time.Duration{6 * time.Hour, 6*time.Hour + 40*time.Second}, base.Add(6 * time.Hour)},
		{"@every 10m", []time.Duration{2 * time.Millisecond, 59 * time.Second}, base},
	} {
		sched, err := ParseSchedule(tc.spec, "UTC")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.wakes {
			if got := scheduledAt(sched, base.Add(w)); !got.Equal(tc.want) {
				t.Errorf("%s woken at +%s: tick %s, want %s", tc.spec, w, got.Format(time.RFC3339Nano), tc.want.Format(time.RFC3339Nano))
			}
		}
	}
	// two daemons starting 7 s apart agree on @every's ticks
	sched, _ := ParseSchedule("@every 30s", "")
	a, b := sched.Next(base.Add(3*time.Second)), sched.Next(base.Add(10*time.Second))
	if !a.Equal(b) || !a.Equal(base.Add(30*time.Second)) {
		t.Errorf("@every 30s from +3s and +10s: next %s and %s, want both %s", a, b, base.Add(30*time.Second))
	}
	if d := claimTTL(sched, base); d != time.Minute {
		t.Errorf("claim of a 30s tick lives %s, want the 1m floor", d)
	}
	daily, _ := ParseSchedule("@daily", "UTC")
	if d := claimTTL(daily, base.Truncate(24*time.Hour)); d != 24*time.Hour {
		t.Errorf("claim of a daily tick lives %s, want the 24h cap", d)
	}
}
