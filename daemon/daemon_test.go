package daemon_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// newSite serves a generated careers site on loopback and returns it with
// a site configuration that crawls it.
func newSite(tb testing.TB, name, schedule string, o demosite.Options) (*demosite.Site, crawler.Site) {
	tb.Helper()
	site := demosite.New(o)
	srv := httptest.NewServer(site.Handler())
	tb.Cleanup(srv.Close)
	return site, crawler.Site{
		Name: name, Company: site.Company, Schedule: schedule, StartURLs: []string{demosite.StartURL(srv.URL)},
		Pagination: crawler.Pagination{Next: "a[rel=next]"}, JobLinks: "a.job-title",
		Limits: crawler.Limits{Parallelism: 4},
	}
}

func openIndex(tb testing.TB) index.Index {
	tb.Helper()
	ix, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

// start starts a scheduler crawling into ix and stops it when the test ends.
func start(tb testing.TB, ix index.Index, cfg daemon.Config) *daemon.Scheduler {
	tb.Helper()
	s := daemon.New(&crawler.Crawler{Index: ix}, nil)
	if err := s.Start(cfg); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline (the machine may be busy; nothing here measures speed).
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func status(tb testing.TB, s *daemon.Scheduler, name string) daemon.SiteStatus {
	tb.Helper()
	st, ok := s.Site(name)
	if !ok {
		tb.Fatalf("site %s unknown to the scheduler", name)
	}
	return st
}

// gate is a hook that holds requests until it is opened, and tells when
// the first one arrives.
type gate struct {
	site    *demosite.Site
	path    string
	entered chan struct{}
	open    chan struct{}
	once    sync.Once
	enter   sync.Once
}

// hold makes requests for path wait until the gate opens (or the client
// gives up), then answer as the site normally does.
func hold(site *demosite.Site, path string) *gate {
	g := &gate{site: site, path: path, entered: make(chan struct{}), open: make(chan struct{})}
	site.Hook(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.enter.Do(func() { close(g.entered) })
		select {
		case <-g.open:
			site.Hook(path, nil)
			site.Handler().ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}))
	return g
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) wait(tb testing.TB) {
	tb.Helper()
	select {
	case <-g.entered:
	case <-time.After(60 * time.Second):
		tb.Fatalf("no request for %s arrived", g.path)
	}
}

func openJobNumbers(tb testing.TB, ix index.Index, site string) []string {
	tb.Helper()
	res, err := ix.Search(context.Background(), index.Query{Limit: index.MaxLimit,
		Filters: []index.Filter{{Field: "site", Values: []string{site}}, {Field: "status", Values: []string{index.StatusOpen}}}})
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.JobNumber)
	}
	slices.Sort(out)
	return out
}

func TestParseSchedule(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	from := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC) // 13:00 in Paris
	cases := []struct {
		spec, tz string
		next     time.Time // zero: only check it parses
		err      string
	}{
		{"@every 1s", "", from.Add(time.Second), ""},
		{"*/1 * * * * *", "", from.Add(time.Second), ""},
		{"0 6 * * *", "Europe/Paris", time.Date(2026, 11, 3, 6, 0, 0, 0, paris), ""},
		{"30 0 6 * * *", "Europe/Paris", time.Date(2026, 11, 3, 6, 0, 30, 0, paris), ""},
		{"CRON_TZ=Europe/Paris 0 6 * * *", "", time.Date(2026, 11, 3, 6, 0, 0, 0, paris), ""},
		{"@daily", "UTC", time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), ""},
		{"@every 6h", "", from.Add(6 * time.Hour), ""},
		{"61 * * * *", "", time.Time{}, `"61 * * * *"`},
		{"every day", "", time.Time{}, `"every day"`},
		{"* * *", "", time.Time{}, `"* * *"`},
		{"@reboot", "", time.Time{}, `"@reboot"`},
		{"0 6 * * *", "Mars/Olympus", time.Time{}, `timezone "Mars/Olympus"`},
		{"CRON_TZ=UTC 0 6 * * *", "Europe/Paris", time.Time{}, "set twice"},
		{"0 0 30 2 *", "", time.Time{}, "never fires"},
	}
	for _, c := range cases {
		t.Run(c.spec+" "+c.tz, func(t *testing.T) {
			s, err := daemon.ParseSchedule(c.spec, c.tz)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got error %v, want one saying %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(from); !got.Equal(c.next) {
				t.Errorf("next after %s: got %s, want %s", from, got, c.next)
			}
		})
	}
	if s, err := daemon.ParseSchedule("  ", ""); s != nil || err != nil {
		t.Errorf("empty schedule: got %v, %v; want no schedule and no error", s, err)
	}
}

func TestRunsOnSchedule(t *testing.T) {
	site, cfg := newSite(t, "contoso", "@every 1s", demosite.Options{Jobs: 12, PerPage: 5, Seed: 2})
	ix := openIndex(t)
	s := start(t, ix, daemon.Config{Sites: []crawler.Site{cfg}})

	if st := status(t, s, "contoso"); st.NextRun == nil || st.Schedule != "@every 1s" {
		t.Errorf("status before the first run: next run %v, schedule %q", st.NextRun, st.Schedule)
	}
	waitFor(t, "two scheduled runs", func() bool { return status(t, s, "contoso").Runs >= 2 })
	st := status(t, s, "contoso")
	for _, r := range st.History {
		if r.Trigger != daemon.TriggerSchedule || r.Outcome != daemon.OutcomeOK || r.Counts.Postings != 12 {
			t.Errorf("run %+v: want a complete scheduled run that saw 12 postings", r)
		}
	}
	if st.LastSuccess == nil || st.LastRun == nil || !st.LastSuccess.Equal(st.LastRun.Finished) {
		t.Errorf("last success %v, last run %+v", st.LastSuccess, st.LastRun)
	}
	if got, want := openJobNumbers(t, ix, "contoso"), site.Truth().JobNumbers; !slices.Equal(got, want) {
		t.Errorf("open postings: got %v, want %v", got, want)
	}
	if st.Totals.Runs[daemon.OutcomeOK] < 2 || st.Totals.Postings["new"] != 12 || st.Totals.DurationCount != st.Runs {
		t.Errorf("totals: %+v", st.Totals)
	}
}

func TestOverlappingTickIsSkipped(t *testing.T) {
	site, cfg := newSite(t, "contoso", "*/1 * * * * *", demosite.Options{Jobs: 12, PerPage: 5, Seed: 3})
	g := hold(site, "/careers?page=2")
	defer g.release()
	ix := openIndex(t)
	s := start(t, ix, daemon.Config{Sites: []crawler.Site{cfg}})

	g.wait(t)
	waitFor(t, "two skipped ticks", func() bool { return status(t, s, "contoso").Skipped >= 2 })
	st := status(t, s, "contoso")
	if st.State != daemon.StateRunning || st.Current == nil || st.Current.Trigger != daemon.TriggerSchedule || st.Runs != 0 {
		t.Errorf("while the first run hangs: state %s, current %+v, runs %d", st.State, st.Current, st.Runs)
	}
	if n := site.Hits("/careers?page=1"); n != 1 {
		t.Errorf("the first result page was fetched %d times while the first run hung, want once (no second run)", n)
	}
	if err := s.RunNow("contoso"); !errors.Is(err, daemon.ErrRunning) {
		t.Errorf("RunNow while running: got %v, want ErrRunning", err)
	}

	g.release()
	waitFor(t, "the slow run to end", func() bool { return status(t, s, "contoso").Runs >= 1 })
	st = status(t, s, "contoso")
	first := st.History[len(st.History)-1]
	if first.Outcome != daemon.OutcomeOK || first.Counts.Postings != 12 {
		t.Errorf("the slow run: %+v", first)
	}
	if st.Skipped < 2 {
		t.Errorf("skipped: got %d, want at least 2", st.Skipped)
	}
}

func TestConcurrentRunsAreCapped(t *testing.T) {
	siteA, a := newSite(t, "alpha", "", demosite.Options{Jobs: 6, Seed: 4})
	siteB, b := newSite(t, "beta", "", demosite.Options{Jobs: 6, Seed: 5})
	ga, gb := hold(siteA, "/careers?page=1"), hold(siteB, "/careers?page=1")
	defer ga.release()
	defer gb.release()
	ix := openIndex(t)
	s := start(t, ix, daemon.Config{Sites: []crawler.Site{a, b}, MaxConcurrent: 1})

	if err := s.RunNow("alpha"); err != nil {
		t.Fatal(err)
	}
	ga.wait(t)
	if err := s.RunNow("beta"); err != nil {
		t.Fatal(err)
	}
	if err := s.RunNow("beta"); !errors.Is(err, daemon.ErrRunning) {
		t.Errorf("RunNow of a queued site: got %v, want ErrRunning", err)
	}
	if st := status(t, s, "beta"); st.State != daemon.StateQueued {
		t.Errorf("beta while alpha holds the only slot: state %s, want queued", st.State)
	}
	if n := siteB.TotalHits("/careers"); n != 0 {
		t.Errorf("beta fetched %d result pages while alpha held the only slot", n)
	}
	ga.release()
	gb.wait(t)
	gb.release()
	waitFor(t, "both runs to end", func() bool {
		return status(t, s, "alpha").Runs == 1 && status(t, s, "beta").Runs == 1
	})
	for _, name := range []string{"alpha", "beta"} {
		if r := status(t, s, name).LastRun; r.Outcome != daemon.OutcomeOK || r.Trigger != daemon.TriggerManual {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

// TestStopMidRunKeepsEveryPosting is SIGTERM while a run is half-way: the
// run is cancelled, what the index held stays open, and Stop returns.
func TestStopMidRunKeepsEveryPosting(t *testing.T) {
	site, cfg := newSite(t, "contoso", "", demosite.Options{Jobs: 30, PerPage: 6, Seed: 6})
	ix := openIndex(t)
	s := daemon.New(&crawler.Crawler{Index: ix}, nil)
	if err := s.Start(daemon.Config{Sites: []crawler.Site{cfg}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RunNow("contoso"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first run", func() bool { return status(t, s, "contoso").Runs == 1 })
	if r := status(t, s, "contoso").LastRun; r.Outcome != daemon.OutcomeOK {
		t.Fatalf("first run: %+v", r)
	}
	before := openJobNumbers(t, ix, "contoso")
	if len(before) != 30 {
		t.Fatalf("open after the first run: %d postings, want 30", len(before))
	}

	// A job leaves the site: a complete run would close it, a cancelled one must not.
	gone := site.Jobs[len(site.Jobs)-1].Number
	site.Remove(gone)
	g := hold(site, "/careers?page=3")
	defer g.release()
	if err := s.RunNow("contoso"); err != nil {
		t.Fatal(err)
	}
	g.wait(t)
	waitFor(t, "the second run to index some postings", func() bool {
		cur := status(t, s, "contoso").Current
		return cur != nil && cur.Counts.Postings >= 6
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	st := status(t, s, "contoso")
	r := st.LastRun
	if st.Runs != 2 || r.Outcome != daemon.OutcomeCancelled || r.Counts.Closed != 0 || !strings.Contains(r.Reason, "stopping") {
		t.Errorf("the run stopped mid-way: %+v (runs %d), want cancelled, nothing closed", r, st.Runs)
	}
	if r.Counts.Postings == 0 || r.Counts.Postings >= 29 {
		t.Errorf("the cancelled run saw %d postings, want some but not all (it was stopped half-way)", r.Counts.Postings)
	}
	if after := openJobNumbers(t, ix, "contoso"); !slices.Equal(after, before) {
		t.Errorf("open postings after the cancelled run:\n got %v\nwant %v", after, before)
	}
	rec, err := ix.Get(context.Background(), index.RecordID("contoso", gone))
	if err != nil || rec.Status != index.StatusOpen {
		t.Errorf("the job the cancelled run did not see: %v, status %q; want it kept open", err, rec.Status)
	}
	if st.State != daemon.StateIdle || st.NextRun != nil {
		t.Errorf("after stop: state %s, next run %v", st.State, st.NextRun)
	}
	if err := s.RunNow("contoso"); !errors.Is(err, daemon.ErrNotRunning) {
		t.Errorf("RunNow after Stop: got %v, want ErrNotRunning", err)
	}
}

func TestStopIsIdempotent(t *testing.T) {
	ix := openIndex(t)
	_, cfg := newSite(t, "contoso", "@every 1s", demosite.Options{Jobs: 3, Seed: 7})

	t.Run("before start", func(t *testing.T) {
		s := daemon.New(&crawler.Crawler{Index: ix}, nil)
		for range 2 {
			if err := s.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Start(daemon.Config{Sites: []crawler.Site{cfg}}); !errors.Is(err, daemon.ErrNotRunning) {
			t.Errorf("Start after Stop: got %v, want ErrNotRunning", err)
		}
	})
	t.Run("concurrently", func(t *testing.T) {
		s := daemon.New(&crawler.Crawler{Index: ix}, nil)
		if err := s.Start(daemon.Config{Sites: []crawler.Site{cfg}}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				errs[i] = s.Stop(ctx)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Stop %d: %v", i, err)
			}
		}
		if _, err := s.Reload(daemon.Config{Sites: []crawler.Site{cfg}}); !errors.Is(err, daemon.ErrNotRunning) {
			t.Errorf("Reload after Stop: got %v, want ErrNotRunning", err)
		}
	})
}

func TestStopReportsRunsThatDoNotEnd(t *testing.T) {
	blocked := make(chan struct{})
	defer close(blocked)
	_, cfg := newSite(t, "contoso", "", demosite.Options{Jobs: 3, Seed: 8})
	// a runner that ignores cancellation until the test ends
	s := daemon.New(runnerFunc(func(ctx context.Context, site *crawler.Site, _ func(crawler.Stats)) (crawler.Stats, error) {
		<-blocked
		return crawler.Stats{Site: site.Name}, nil
	}), nil)
	if err := s.Start(daemon.Config{Sites: []crawler.Site{cfg}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RunNow("contoso"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the run to start", func() bool { return status(t, s, "contoso").State == daemon.StateRunning })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := s.Stop(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "contoso") {
		t.Errorf("got %v, want a deadline error naming contoso", err)
	}
}

type runnerFunc func(ctx context.Context, site *crawler.Site, progress func(crawler.Stats)) (crawler.Stats, error)

func (f runnerFunc) Run(ctx context.Context, site *crawler.Site, progress func(crawler.Stats)) (crawler.Stats, error) {
	return f(ctx, site, progress)
}

func TestReload(t *testing.T) {
	siteA, a := newSite(t, "alpha", "", demosite.Options{Jobs: 5, Seed: 9})
	siteB, b := newSite(t, "beta", "", demosite.Options{Jobs: 7, Seed: 10})
	b.RunOnStart = true
	ix := openIndex(t)
	s := start(t, ix, daemon.Config{Sites: []crawler.Site{a}})
	names := func() []string {
		var out []string
		for _, st := range s.Sites() {
			out = append(out, st.Name+" "+st.Schedule)
		}
		return out
	}

	ch, err := s.Reload(daemon.Config{Sites: []crawler.Site{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.Added, []string{"beta"}) || ch.Removed != nil || ch.Rescheduled != nil {
		t.Errorf("changes: %+v, want beta added", ch)
	}
	waitFor(t, "the added site to run on start", func() bool { return status(t, s, "beta").Runs == 1 })
	if r := status(t, s, "beta").LastRun; r.Trigger != daemon.TriggerStart || r.Outcome != daemon.OutcomeOK {
		t.Errorf("beta's run: %+v", r)
	}
	if got := openJobNumbers(t, ix, "beta"); !slices.Equal(got, siteB.Truth().JobNumbers) {
		t.Errorf("beta's postings: got %v, want %v", got, siteB.Truth().JobNumbers)
	}
	if siteA.TotalHits("/") != 0 {
		t.Error("alpha, with no schedule and no run_on_start, was crawled")
	}

	t.Run("a bad configuration changes nothing", func(t *testing.T) {
		bad := a
		bad.Schedule = "every day"
		_, err := s.Reload(daemon.Config{Sites: []crawler.Site{b, bad}})
		if err == nil || !strings.Contains(err.Error(), `sites[1].schedule: "every day"`) || !strings.Contains(err.Error(), "site alpha") {
			t.Fatalf("got %v, want an error naming sites[1].schedule, the expression and the site", err)
		}
		if got := names(); !slices.Equal(got, []string{"alpha ", "beta "}) {
			t.Errorf("sites after a rejected reload: %q", got)
		}
	})

	t.Run("remove and reschedule", func(t *testing.T) {
		hourly := a
		hourly.Schedule = "@hourly"
		ch, err := s.Reload(daemon.Config{Sites: []crawler.Site{hourly}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ch.Removed, []string{"beta"}) || !slices.Equal(ch.Rescheduled, []string{"alpha"}) || ch.Added != nil {
			t.Errorf("changes: %+v", ch)
		}
		if got := names(); !slices.Equal(got, []string{"alpha @hourly"}) {
			t.Errorf("sites: %q", got)
		}
		st := status(t, s, "alpha")
		if st.NextRun == nil || st.NextRun.Minute() != 0 || st.NextRun.Sub(time.Now()) > time.Hour {
			t.Errorf("alpha's next run: %v, want the next full hour", st.NextRun)
		}
		if err := s.RunNow("beta"); !errors.Is(err, daemon.ErrUnknownSite) {
			t.Errorf("RunNow of a removed site: got %v, want ErrUnknownSite", err)
		}
	})
}

func TestReloadCancelsRunOfRemovedSite(t *testing.T) {
	site, a := newSite(t, "alpha", "", demosite.Options{Jobs: 12, PerPage: 4, Seed: 11})
	g := hold(site, "/careers?page=2")
	defer g.release()
	ix := openIndex(t)
	s := start(t, ix, daemon.Config{Sites: []crawler.Site{a}})
	if err := s.RunNow("alpha"); err != nil {
		t.Fatal(err)
	}
	g.wait(t)
	if _, err := s.Reload(daemon.Config{}); err != nil {
		t.Fatal(err)
	}
	if got := s.Sites(); len(got) != 0 {
		t.Errorf("sites after removing alpha: %+v", got)
	}
	// re-added while its cancelled run may still be ending: never two runs at once
	if _, err := s.Reload(daemon.Config{Sites: []crawler.Site{a}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the cancelled run to end", func() bool { return status(t, s, "alpha").State == daemon.StateIdle })
	if r := status(t, s, "alpha").LastRun; r == nil || r.Outcome != daemon.OutcomeCancelled || !strings.Contains(r.Reason, "removed") {
		t.Errorf("the removed site's run: %+v, want cancelled", r)
	}
}

func TestStartRejectsBadSchedule(t *testing.T) {
	_, a := newSite(t, "alpha", "0 25 * * *", demosite.Options{Jobs: 1, Seed: 12})
	s := daemon.New(&crawler.Crawler{Index: openIndex(t)}, nil)
	err := s.Start(daemon.Config{Sites: []crawler.Site{a}})
	if err == nil || !strings.Contains(err.Error(), `sites[0].schedule: "0 25 * * *"`) || !strings.Contains(err.Error(), "site alpha") {
		t.Errorf("got %v, want an error naming the site and its expression", err)
	}
	if err := s.RunNow("alpha"); !errors.Is(err, daemon.ErrNotRunning) {
		t.Errorf("RunNow on a scheduler that did not start: %v", err)
	}
}

func TestRunNowUnknownSite(t *testing.T) {
	_, a := newSite(t, "alpha", "", demosite.Options{Jobs: 1, Seed: 13})
	s := start(t, openIndex(t), daemon.Config{Sites: []crawler.Site{a}})
	if err := s.RunNow("nope"); !errors.Is(err, daemon.ErrUnknownSite) {
		t.Errorf("got %v, want ErrUnknownSite", err)
	}
}

func TestRunOnStart(t *testing.T) {
	site, a := newSite(t, "alpha", "@yearly", demosite.Options{Jobs: 4, Seed: 14})
	a.RunOnStart = true
	_, b := newSite(t, "beta", "", demosite.Options{Jobs: 4, Seed: 15})
	ix := openIndex(t)
	s := start(t, ix, daemon.Config{Sites: []crawler.Site{a, b}})
	waitFor(t, "alpha's run on start", func() bool { return status(t, s, "alpha").Runs == 1 })
	if r := status(t, s, "alpha").LastRun; r.Trigger != daemon.TriggerStart || r.Outcome != daemon.OutcomeOK {
		t.Errorf("alpha: %+v", r)
	}
	if got, want := openJobNumbers(t, ix, "alpha"), site.Truth().JobNumbers; !slices.Equal(got, want) {
		t.Errorf("alpha's postings: got %v, want %v", got, want)
	}
	if st := status(t, s, "beta"); st.Runs != 0 || st.State != daemon.StateIdle || st.NextRun != nil {
		t.Errorf("beta, with neither schedule nor run_on_start: %+v", st)
	}
}

// TestLoopingStartURLIsAFailedRun: a start URL caught in a redirect loop
// is a failed run in the site's history and totals, not an ok run of 0
// postings, and closes nothing.
func TestLoopingStartURLIsAFailedRun(t *testing.T) {
	site, a := newSite(t, "alpha", "", demosite.Options{Jobs: 5, PerPage: 10, Dups: -1, Seed: 16})
	ix := openIndex(t)
	s := start(t, ix, daemon.Config{Sites: []crawler.Site{a}})
	if err := s.RunNow("alpha"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first run", func() bool { return status(t, s, "alpha").Runs == 1 })
	site.Hook("/careers", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/careers/all", http.StatusFound)
	}))
	site.Hook("/careers/all", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/careers?page=1", http.StatusFound)
	}))
	if err := s.RunNow("alpha"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second run", func() bool { return status(t, s, "alpha").Runs == 2 })
	r := status(t, s, "alpha").LastRun
	if r.Outcome != daemon.OutcomeFailed || r.Reason != "start page failed" || r.Counts.ErrorKinds["redirect_loop"] != 1 {
		t.Errorf("last run: outcome %s (%s), errors %v: want failed, start page failed, one redirect_loop", r.Outcome, r.Reason, r.Counts.ErrorKinds)
	}
	if tot := status(t, s, "alpha").Totals; tot.Runs[daemon.OutcomeFailed] != 1 || tot.Runs[daemon.OutcomeOK] != 1 {
		t.Errorf("totals by outcome: %v, want one ok and one failed", tot.Runs)
	}
	if got := openJobNumbers(t, ix, "alpha"); len(got) != 5 {
		t.Errorf("open postings after the failed run: %d, want 5", len(got))
	}
}
