package crawler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// TestCommitGate: a run under a commit gate asks it before its closes; a
// gate that refuses (the run's lease was lost to another daemon) keeps
// every posting open, fails the run with ErrCommitRefused wrapping the
// gate's error, and still writes what the run read. A gate that allows
// lets the closes through, and is asked even when nothing is to close.
func TestCommitGate(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 10, PerPage: 10, Dups: -1, Seed: 11})
	ix := openIndex(t)
	rn := newRunner(t, ix, cfg)
	var asked atomic.Int32
	allow := func(context.Context) error { asked.Add(1); return nil }
	ctx := crawler.WithCommitGate(context.Background(), allow)
	if st := rn.run(ctx); st.New != 10 || asked.Load() != 1 {
		t.Fatalf("run 1: new %d, gate asked %d times: want 10, 1", st.New, asked.Load())
	}

	gone := []string{site.Jobs[2].Number, site.Jobs[5].Number}
	for _, n := range gone {
		site.Remove(n)
	}
	fenced := errors.New("fenced: token 3 is older than 4")
	refuse := func(context.Context) error { return fenced }
	rn.now = rn.now.Add(time.Hour)
	st, err := rn.c.Run(crawler.WithCommitGate(context.Background(), refuse), rn.cfg, nil)
	if !errors.Is(err, crawler.ErrCommitRefused) || !errors.Is(err, fenced) {
		t.Fatalf("refused commit: error %v, want one wrapping ErrCommitRefused and the gate's error", err)
	}
	if st.Closed != 0 || st.Complete || st.Outcome != "failed" {
		t.Errorf("refused commit: closed %d, complete %v, outcome %s: want 0, false, failed", st.Closed, st.Complete, st.Outcome)
	}
	for _, n := range gone {
		if rec := get(t, ix, n); rec.Status != index.StatusOpen {
			t.Errorf("job %s: status %s after a refused commit, want open", n, rec.Status)
		}
	}
	if rec := get(t, ix, site.Jobs[0].Number); !rec.LastSeen.Equal(rn.now) {
		t.Errorf("a refused commit still keeps what the run read: last_seen %v, want %v", rec.LastSeen, rn.now)
	}

	rn.now = rn.now.Add(time.Hour)
	if st := rn.run(crawler.WithCommitGate(context.Background(), allow)); st.Closed != 2 {
		t.Errorf("allowed commit: closed %d, want 2", st.Closed)
	}
	for _, n := range gone {
		if rec := get(t, ix, n); rec.Status != index.StatusClosed {
			t.Errorf("job %s: status %s after an allowed commit, want closed", n, rec.Status)
		}
	}
}
