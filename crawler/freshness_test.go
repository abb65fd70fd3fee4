package crawler_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// day0 is when the first run of a test happens.
var day0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// runner runs crawls of one site into one index at a time the test sets.
type runner struct {
	tb  testing.TB
	c   *crawler.Crawler
	cfg *crawler.Site
	now time.Time
}

func newRunner(tb testing.TB, ix index.Index, cfg *crawler.Site) *runner {
	r := &runner{tb: tb, cfg: cfg, now: day0}
	r.c = &crawler.Crawler{Index: ix, Now: func() time.Time { return r.now }}
	return r
}

func (r *runner) run(ctx context.Context) crawler.Stats {
	r.tb.Helper()
	st, err := r.c.Run(ctx, r.cfg, nil)
	if err != nil {
		r.tb.Fatal(err)
	}
	return st
}

func get(tb testing.TB, ix index.Index, num string) index.Record {
	tb.Helper()
	rec, err := ix.Get(context.Background(), index.RecordID("contoso", num))
	if err != nil {
		tb.Fatalf("job %s: %v", num, err)
	}
	return rec
}

// counts are the outcome counts of a run, for comparing in one line.
type counts struct{ New, Updated, Unchanged, Closed, Reopened, Deleted int }

func countsOf(st crawler.Stats) counts {
	return counts{st.New, st.Updated, st.Unchanged, st.Closed, st.Reopened, st.Deleted}
}

func wantCounts(tb testing.TB, run string, st crawler.Stats, want counts) {
	tb.Helper()
	if got := countsOf(st); got != want {
		tb.Errorf("%s: got %+v, want %+v", run, got, want)
	}
	if st.Postings != st.New+st.Updated+st.Unchanged+st.Reopened {
		tb.Errorf("%s: %d postings seen, but new+updated+unchanged+reopened = %d", run, st.Postings,
			st.New+st.Updated+st.Unchanged+st.Reopened)
	}
}

// TestRunsAcrossTime crawls a site that changes between runs: a job added,
// one changed, one removed, a page failing, a run cancelled, a removed job
// back. Each run's outcome is counted exactly, and only complete runs close.
func TestRunsAcrossTime(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 30, PerPage: 8, Dups: 4, Seed: 21})
	ix := openIndex(t)
	rn := newRunner(t, ix, cfg)
	ctx := context.Background()

	st := rn.run(ctx)
	wantCounts(t, "run 1", st, counts{New: 30})
	if !st.Complete || st.Details != 30 || st.NotModified != 0 {
		t.Fatalf("run 1: complete %v, details %d, not modified %d: want true, 30, 0", st.Complete, st.Details, st.NotModified)
	}

	// a day later: one job added, one changed, one removed
	added := &demosite.Job{Number: "990001", ReqID: "7000001", Title: "Staff Engineer", Family: "Software Engineering",
		Team: "Cloud", Employment: "FULL_TIME", Workplace: "onsite", Style: "jsonld", Posted: day0,
		Locations: []demosite.Place{{City: "Berlin", Country: "Germany", Code: "DE"}}}
	site.Add(added)
	changed, removed := site.Jobs[5].Number, site.Jobs[20].Number
	site.Change(changed, func(j *demosite.Job) { j.Title = "Principal " + j.Title })
	site.Remove(removed)
	rn.now = day0.Add(24 * time.Hour)
	st = rn.run(ctx)
	wantCounts(t, "run 2", st, counts{New: 1, Updated: 1, Unchanged: 28, Closed: 1})
	// the unchanged pages answered 304 to conditional requests
	if !st.Complete || st.Details != 2 || st.NotModified != 28 {
		t.Errorf("run 2: complete %v, details %d, not modified %d: want true, 2, 28", st.Complete, st.Details, st.NotModified)
	}
	rec := get(t, ix, changed)
	if !strings.HasPrefix(rec.Title, "Principal ") || !rec.FirstSeen.Equal(day0) || !rec.LastSeen.Equal(rn.now) {
		t.Errorf("changed job: title %q, first seen %s, last seen %s", rec.Title, rec.FirstSeen, rec.LastSeen)
	}
	rec = get(t, ix, site.Jobs[10].Number)
	if !rec.FirstSeen.Equal(day0) || !rec.LastSeen.Equal(rn.now) || len(rec.Fetch) == 0 || rec.Fetch[0].ETag == "" {
		t.Errorf("unchanged job: first seen %s, last seen %s, fetch %v", rec.FirstSeen, rec.LastSeen, rec.Fetch)
	}
	rec = get(t, ix, removed)
	if rec.Status != index.StatusClosed || rec.ClosedAt == nil || !rec.ClosedAt.Equal(rn.now) || !rec.LastSeen.Equal(day0) {
		t.Errorf("removed job: status %s, closed at %v, last seen %s", rec.Status, rec.ClosedAt, rec.LastSeen)
	}
	// closed records stay searchable with status:closed
	res, err := ix.Search(ctx, index.Query{Filters: []index.Filter{{Field: "status", Values: []string{index.StatusClosed}}}})
	if err != nil || res.Total != 1 || res.Hits[0].JobNumber != removed {
		t.Errorf("search status:closed: %v, %+v", err, res)
	}

	// a page that fails for good, and another job removed: nothing closes
	failing, removed2 := site.Jobs[12], site.Jobs[25].Number
	site.Hook(failing.Path(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	site.Remove(removed2)
	cfg.Limits.MaxRetries, cfg.Limits.RetryBackoff = 1, crawler.Duration(time.Millisecond)
	rn.now = day0.Add(48 * time.Hour)
	st = rn.run(ctx)
	wantCounts(t, "run 3 (a page fails)", st, counts{Unchanged: 28})
	if st.Complete || st.Incomplete != "pages failed" || st.Errors != 1 || st.ByKind["http_500"] != 1 {
		t.Errorf("run 3: complete %v (%q), errors %d %v: want one http_500", st.Complete, st.Incomplete, st.Errors, st.ByKind)
	}
	for _, num := range []string{removed2, failing.Number} {
		if rec := get(t, ix, num); rec.Status != index.StatusOpen || !rec.LastSeen.Equal(day0.Add(24*time.Hour)) {
			t.Errorf("job %s after the failed run: status %s, last seen %s: want open, unseen", num, rec.Status, rec.LastSeen)
		}
	}

	// a run cancelled part-way: it keeps what it saw and closes nothing
	site.Hook(failing.Path(), nil)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	site.Hook("/careers?page=3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		http.Error(w, "gone away", http.StatusServiceUnavailable)
	}))
	rn.now = day0.Add(72 * time.Hour)
	st = rn.run(cctx)
	if st.Complete || st.Incomplete != "cancelled" || st.Closed != 0 || st.New != 0 || st.Updated != 0 || st.Errors != 0 {
		t.Errorf("run 4 (cancelled): %+v", st)
	}
	wantCounts(t, "run 4 (cancelled)", st, counts{Unchanged: st.Unchanged})
	if rec := get(t, ix, removed2); rec.Status != index.StatusOpen {
		t.Errorf("the cancelled run closed job %s", removed2)
	}

	// a complete run: the job removed before closes, the one removed first is back
	site.Hook("/careers?page=3", nil)
	site.Restore(removed)
	rn.now = day0.Add(96 * time.Hour)
	st = rn.run(ctx)
	wantCounts(t, "run 5", st, counts{Unchanged: 29, Closed: 1, Reopened: 1})
	if rec := get(t, ix, removed2); rec.Status != index.StatusClosed || !rec.ClosedAt.Equal(rn.now) {
		t.Errorf("job %s: status %s, closed at %v: want closed now", removed2, rec.Status, rec.ClosedAt)
	}
	if rec := get(t, ix, removed); rec.Status != index.StatusOpen || rec.ClosedAt != nil || !rec.FirstSeen.Equal(day0) {
		t.Errorf("reopened job %s: status %s, closed at %v, first seen %s", removed, rec.Status, rec.ClosedAt, rec.FirstSeen)
	}
}

// TestMassCloseGuard: a complete run that would close too much closes
// nothing and says so.
func TestMassCloseGuard(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 20, PerPage: 10, Dups: -1, Seed: 4})
	ix := openIndex(t)
	rn := newRunner(t, ix, cfg)
	ctx := context.Background()
	rn.run(ctx)

	// a broken selector: the walk completes and finds nothing
	good := cfg.JobLinks
	cfg.JobLinks = "a.job-link-renamed"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rn.now = rn.now.Add(time.Hour)
	st := rn.run(ctx)
	if !st.Complete || st.Closed != 0 || !strings.Contains(st.Suspect, "would close 20 of 20") {
		t.Errorf("broken selector: complete %v, closed %d, suspect %q", st.Complete, st.Closed, st.Suspect)
	}
	if res := searchAll(t, ix); res.Total != 20 {
		t.Errorf("open records after the refused close: %d, want 20", res.Total)
	}

	// 8 of 20 jobs filled at once (40%): over the default 30%
	cfg.JobLinks = good
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, j := range site.Jobs[:8] {
		site.Remove(j.Number)
	}
	st = rn.run(ctx)
	if st.Closed != 0 || st.Suspect == "" || st.Unchanged != 12 {
		t.Errorf("40%% removed: closed %d, suspect %q, unchanged %d", st.Closed, st.Suspect, st.Unchanged)
	}
	// a user who expects it raises the share
	rn.c.MaxCloseShare = 0.5
	st = rn.run(ctx)
	if st.Closed != 8 || st.Suspect != "" {
		t.Errorf("share 0.5: closed %d, suspect %q: want 8 and none", st.Closed, st.Suspect)
	}
}

// TestGonePagesCloseAtOnce: 404, 410 and a page saying the job is gone close
// its job even in an incomplete run; 5xx, 403 and 429 close nothing.
func TestGonePagesCloseAtOnce(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 12, PerPage: 12, Dups: -1, Seed: 8})
	cfg.Limits.MaxRetries, cfg.Limits.RetryBackoff = 1, crawler.Duration(time.Millisecond)
	ix := openIndex(t)
	rn := newRunner(t, ix, cfg)
	rn.run(context.Background())

	status := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", code) })
	}
	soft404 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<!DOCTYPE html><html><head><title>Job not found</title></head><body><h1>Sorry, this job is no longer available</h1></body></html>`))
	})
	j := site.Jobs
	hooks := map[string]http.Handler{
		j[0].Path(): status(http.StatusNotFound), j[1].Path(): status(http.StatusGone), j[2].Path(): soft404,
		j[3].Path(): status(http.StatusServiceUnavailable), j[4].Path(): status(http.StatusForbidden),
		j[5].Path(): status(http.StatusTooManyRequests), j[6].Path(): status(http.StatusInternalServerError),
	}
	for path, h := range hooks {
		site.Hook(path, h)
	}
	rn.now = rn.now.Add(time.Hour)
	st := rn.run(context.Background())
	if st.Complete || st.Gone != 3 || st.Closed != 3 || st.Errors != 4 {
		t.Errorf("complete %v, gone %d, closed %d, errors %d %v: want false, 3, 3, 4", st.Complete, st.Gone, st.Closed, st.Errors, st.ByKind)
	}
	for k, want := range map[string]int{"http_503": 1, "http_403": 1, "http_429": 1, "http_500": 1} {
		if st.ByKind[k] != want {
			t.Errorf("error kinds %v: want %s %d", st.ByKind, k, want)
		}
	}
	for i, want := range []string{"closed", "closed", "closed", "open", "open", "open", "open", "open"} {
		if rec := get(t, ix, j[i].Number); rec.Status != want {
			t.Errorf("job %d: status %s, want %s", i, rec.Status, want)
		}
	}
}

// TestRetentionDeletesOldClosed: closed records stay for the retention,
// then a complete run deletes them; an incomplete one deletes nothing.
func TestRetentionDeletesOldClosed(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 10, PerPage: 10, Dups: -1, Seed: 6})
	cfg.Limits.MaxRetries = 0
	ix := openIndex(t)
	rn := newRunner(t, ix, cfg)
	rn.c.ClosedRetention = 90 * 24 * time.Hour
	ctx := context.Background()
	rn.run(ctx)
	gone := site.Jobs[3].Number
	site.Remove(gone)
	rn.now = day0.Add(24 * time.Hour)
	if st := rn.run(ctx); st.Closed != 1 {
		t.Fatalf("closed %d, want 1", st.Closed)
	}
	rn.now = day0.Add(60 * 24 * time.Hour)
	if st := rn.run(ctx); st.Deleted != 0 || get(t, ix, gone).Status != index.StatusClosed {
		t.Errorf("day 60: deleted %d: want the closed record kept", st.Deleted)
	}
	// 92 days on, but the run is incomplete
	site.Hook(site.Jobs[0].Path(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	rn.now = day0.Add(92 * 24 * time.Hour)
	if st := rn.run(ctx); st.Complete || st.Deleted != 0 {
		t.Errorf("incomplete run on day 92: complete %v, deleted %d: want false, 0", st.Complete, st.Deleted)
	}
	site.Hook(site.Jobs[0].Path(), nil)
	if st := rn.run(ctx); !st.Complete || st.Deleted != 1 {
		t.Errorf("complete run on day 92: complete %v, deleted %d: want true, 1", st.Complete, st.Deleted)
	}
	if _, err := ix.Get(ctx, index.RecordID("contoso", gone)); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("the record closed 91 days ago: %v, want not found", err)
	}
	if res := searchAll(t, ix); res.Total != 9 {
		t.Errorf("open records: %d, want 9", res.Total)
	}
}

// TestIncrementalRecrawl: conditional requests and skipped cards, and what
// each leaves to later.
func TestIncrementalRecrawl(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 20, PerPage: 10, Dups: 3, Seed: 12})
	cfg.Incremental = crawler.Incremental{SkipUnchangedCards: true, Card: "li.card"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t)
	rn := newRunner(t, ix, cfg)
	ctx := context.Background()
	detailHits := func() int { return site.TotalHits("/jobs/") }

	st := rn.run(ctx)
	if st.Details != 20 || st.New != 20 {
		t.Fatalf("run 1: details %d, new %d", st.Details, st.New)
	}
	before := detailHits()

	// nothing changed: every card reads as before, no posting page is asked for
	rn.now = rn.now.Add(time.Hour)
	st = rn.run(ctx)
	wantCounts(t, "unchanged site", st, counts{Unchanged: 20})
	if st.SkippedUnchanged != 20 || st.Details != 0 || st.NotModified != 0 || detailHits() != before {
		t.Errorf("unchanged site: skipped %d, details %d, 304 %d, requests %d: want 20 skipped, nothing requested",
			st.SkippedUnchanged, st.Details, st.NotModified, detailHits()-before)
	}
	if rec := get(t, ix, site.Jobs[7].Number); !rec.LastSeen.Equal(rn.now) || rec.Status != index.StatusOpen {
		t.Errorf("a skipped job: last seen %s, status %s: want seen now, open", rec.LastSeen, rec.Status)
	}

	// a title change shows on the card: that page is fetched
	a, b := site.Jobs[2].Number, site.Jobs[9].Number
	site.Change(a, func(j *demosite.Job) { j.Title = "Lead " + j.Title })
	rn.now = rn.now.Add(time.Hour)
	st = rn.run(ctx)
	wantCounts(t, "title changed", st, counts{Updated: 1, Unchanged: 19})
	if st.SkippedUnchanged != 19 || st.Details != 1 {
		t.Errorf("title changed: skipped %d, details %d: want 19, 1", st.SkippedUnchanged, st.Details)
	}

	// a change only the posting page shows goes unnoticed while cards are
	// skipped, until the page is due a check (refresh_after, 7 days)
	site.Change(b, func(j *demosite.Job) { j.Qualifications = []string{"A new requirement"} })
	rn.now = rn.now.Add(time.Hour)
	st = rn.run(ctx)
	wantCounts(t, "qualifications changed", st, counts{Unchanged: 20})
	rn.now = rn.now.Add(8 * 24 * time.Hour)
	st = rn.run(ctx)
	wantCounts(t, "8 days later", st, counts{Updated: 1, Unchanged: 19})
	if st.NotModified != 19 || st.Details != 1 || st.SkippedUnchanged != 0 {
		t.Errorf("8 days later: 304 %d, details %d, skipped %d: want 19, 1, 0", st.NotModified, st.Details, st.SkippedUnchanged)
	}
	if rec := get(t, ix, b); !slices.Equal(rec.Qualifications, []string{"A new requirement"}) {
		t.Errorf("job %s qualifications %q", b, rec.Qualifications)
	}

	// --full downloads everything
	rn.c.Full = true
	st = rn.run(ctx)
	if st.Details != 20 || st.NotModified != 0 || st.SkippedUnchanged != 0 {
		t.Errorf("full run: details %d, 304 %d, skipped %d: want 20, 0, 0", st.Details, st.NotModified, st.SkippedUnchanged)
	}
}
