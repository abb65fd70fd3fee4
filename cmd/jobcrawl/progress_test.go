package main

import (
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
)

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 340 * time.Millisecond: "340ms", 12340 * time.Millisecond: "12.3s", 252 * time.Second: "4m12s",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	start := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	st := crawler.Stats{Site: "acme", Started: start, Pages: 3, Details: 40, Postings: 40, Expected: 100, ExpectedStated: true, Errors: 2}
	if got, want := progressLine(st, start.Add(10*time.Second)), "acme: 43 pages, 40/100 postings, 4.0/s, ETA 15s, 10s, 2 errors"; got != want {
		t.Errorf("stated total:\n got %q\nwant %q", got, want)
	}
	st.ExpectedStated, st.Errors = false, 0
	if got, want := progressLine(st, start.Add(500*time.Millisecond)), "acme: 43 pages, 40/~100 postings, 500ms"; got != want {
		t.Errorf("held total, under a second:\n got %q\nwant %q", got, want)
	}
}
