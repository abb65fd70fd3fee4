package crawler

import (
	"testing"
	"time"
)

func TestRateText(t *testing.T) {
	cases := []struct {
		in       string
		want     Rate
		interval time.Duration
	}{
		{"10/s", Rate{N: 10, Per: time.Second}, 100 * time.Millisecond},
		{"300/m", Rate{N: 300, Per: time.Minute}, 200 * time.Millisecond},
		{"2/h", Rate{N: 2, Per: time.Hour}, 30 * time.Minute},
		{"5/1500ms", Rate{N: 5, Per: 1500 * time.Millisecond}, 300 * time.Millisecond},
		{" 4 ", Rate{N: 4, Per: time.Second}, 250 * time.Millisecond},
		{"0", Rate{}, 0},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			var r Rate
			if err := r.UnmarshalText([]byte(c.in)); err != nil {
				t.Fatal(err)
			}
			if r != c.want || r.Interval() != c.interval {
				t.Errorf("got %+v (interval %s), want %+v (%s)", r, r.Interval(), c.want, c.interval)
			}
		})
	}
	for _, bad := range []string{"", "fast", "-1/s", "10/fortnight", "10/-1s"} {
		var r Rate
		if err := r.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q: got %+v, want an error", bad, r)
		}
	}
}

func TestDurationDays(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "1d12h": 36 * time.Hour, "200ms": 200 * time.Millisecond, "2h": 2 * time.Hour} {
		var d Duration
		if err := d.UnmarshalText([]byte(in)); err != nil || time.Duration(d) != want {
			t.Errorf("%q: got %s, %v; want %s", in, time.Duration(d), err, want)
		}
	}
	for _, bad := range []string{"d", "-3d", "1.5d", "3dd", "soon"} {
		var d Duration
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q: got %s, want an error", bad, time.Duration(d))
		}
	}
}
