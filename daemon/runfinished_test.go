package daemon_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// TestRunFinishedCallback: the callback is called once per finished run,
// with the run's outcome, after what the run wrote is in the index, and
// it may call back into the scheduler (it runs outside its locks).
func TestRunFinishedCallback(t *testing.T) {
	ix := openIndex(t)
	_, site := newSite(t, "contoso", "", demosite.Options{Jobs: 12})
	var mu sync.Mutex
	var got []daemon.Run
	var indexed int
	var s *daemon.Scheduler
	s = daemon.New(&crawler.Crawler{Index: ix}, nil, daemon.WithRunFinished(func(name string, r daemon.Run) {
		if name != "contoso" {
			t.Errorf("callback for site %q, want contoso", name)
		}
		st, _ := s.Site(name) // would deadlock if called under the scheduler's lock
		res, err := ix.Search(context.Background(), index.Query{Limit: 1})
		if err != nil {
			t.Error(err)
		}
		mu.Lock()
		got = append(got, r)
		indexed = res.Total
		mu.Unlock()
		_ = st
	}))
	if err := s.Start(daemon.Config{Sites: []crawler.Site{site}}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s.Stop(ctx)
	}()
	if err := s.RunNow("contoso"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the callback", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	})
	mu.Lock()
	defer mu.Unlock()
	if got[0].Outcome != daemon.OutcomeOK || got[0].Finished.IsZero() || got[0].Counts.New != 12 {
		t.Errorf("run = %+v, want an ok run with 12 new postings", got[0])
	}
	if indexed != 12 {
		t.Errorf("the index held %d postings when the callback ran, want 12", indexed)
	}
}
