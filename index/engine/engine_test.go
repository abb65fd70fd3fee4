package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/engine"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

func TestConformance(t *testing.T) {
	indextest.Run(t, func(tb testing.TB) index.Index { return open(tb, tb.TempDir()) })
}

var ctx = context.Background()

func open(tb testing.TB, dir string) *engine.Engine {
	tb.Helper()
	e, err := engine.Open(dir, engine.WithLockWait(100*time.Millisecond))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	return e
}

func upsert(tb testing.TB, ix index.Index, recs ...index.Record) {
	tb.Helper()
	if err := ix.Upsert(ctx, recs); err != nil {
		tb.Fatal(err)
	}
}

func search(tb testing.TB, ix index.Index, q index.Query) index.Result {
	tb.Helper()
	res, err := ix.Search(ctx, q)
	if err != nil {
		tb.Fatalf("search %+v: %v", q, err)
	}
	return res
}

func ids(res index.Result) []string {
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func sortedIDs(res index.Result) []string {
	out := ids(res)
	sort.Strings(out)
	return out
}

// posting makes a record of site "acme".
func posting(num, title, desc string) index.Record {
	seen := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	return index.Record{ID: index.RecordID("acme", num), Site: "acme", Status: index.StatusOpen, FirstSeen: seen, LastSeen: seen,
		ContentHash: "h" + num, Posting: extract.Posting{JobNumber: num, Title: title, Description: desc, DatePosted: "2026-10-01"}}
}

func TestTextMatching(t *testing.T) {
	ix := open(t, t.TempDir())
	upsert(t, ix,
		posting("1", "Software Engineer", "Build the frontend of our product."),
		posting("2", "Data Analyst", "SQL and dashboards."),
		posting("3", "Sales Lead", "Grow revenue in Québec."),
		posting("4", "Java Developer", "Backend services, Kafka."),
		posting("5", "Frontend-Developer", "React."),
	)
	id := func(n string) string { return index.RecordID("acme", n) }
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"exact word", "engineer", []string{id("1")}},
		{"one typo (deletion)", "enginer", []string{id("1")}},
		{"one typo in a 7-letter word", "sofware", []string{id("1")}},
		{"a 4-letter word needs an exact match", "jaav", []string{}},
		{"a 4-letter word, exact", "java", []string{id("4")}},
		{"prefix on the last word", "soft", []string{id("1")}},
		{"no prefix on a word followed by a space", "soft ", []string{}},
		{"no prefix on words before the last", "soft engineer", []string{}},
		{"every word must match", "software analyst", []string{}},
		{"punctuation splits words", "frontend-developer", []string{id("5")}},
		{"every word of a hyphenated query must match", "frontend-zzzz", []string{}},
		{"case and diacritics fold", "QUEBEC", []string{id("3")}},
		{"a job number typed as it is", "4", []string{id("4")}},
		{"words in any field", "kafka developer", []string{id("4")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sortedIDs(search(t, ix, index.Query{Text: c.text})); !slices.Equal(got, c.want) {
				t.Errorf("%q: got %v, want %v", c.text, got, c.want)
			}
		})
	}
}

func TestRanking(t *testing.T) {
	ix := open(t, t.TempDir())
	a := posting("a", "Engineer", "Writes code.")              // exact, title
	b := posting("b", "Manager", "Manages the engineer team.") // exact, description
	c := posting("c", "Engineers Lead", "Leads.")              // one typo (engineers), title
	d := posting("d", "Engineer", "Writes code too.")          // exact, title, newer
	d.DatePosted = "2026-10-20"
	upsert(t, ix, a, b, c, d)
	// a trailing space: "engineer" is no prefix, "engineers" is one typo away
	got := ids(search(t, ix, index.Query{Text: "engineer "}))
	want := []string{d.ID, a.ID, b.ID, c.ID}
	if !slices.Equal(got, want) {
		t.Errorf("ranking: got %v, want %v (typos, then attribute, then date, then id)", got, want)
	}
	// paging through the buckets gives the same order
	var paged []string
	for off := 0; off < 4; off++ {
		paged = append(paged, ids(search(t, ix, index.Query{Text: "engineer ", Offset: off, Limit: 1}))...)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged: got %v, want %v", paged, want)
	}
	// as a prefix, "engineer" matches "engineers" exactly
	got = ids(search(t, ix, index.Query{Text: "engineer"}))
	if want := []string{d.ID, a.ID, c.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("ranking with a prefix: got %v, want %v", got, want)
	}
	// an explicit sort wins over relevance
	got = ids(search(t, ix, index.Query{Text: "engineer", Sort: []index.Sort{{Field: "title"}}}))
	if want := []string{a.ID, d.ID, c.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("sorted by title: got %v, want %v", got, want)
	}
}

func TestFacets(t *testing.T) {
	ix := open(t, t.TempDir())
	mk := func(num, city, currency string) index.Record {
		r := posting(num, "Engineer "+num, "")
		r.Cities, r.SalaryCurrency = []string{city}, currency
		return r
	}
	upsert(t, ix, mk("1", "Houston", "USD"), mk("2", "houston", ""), mk("3", "Seattle", "USD"), mk("4", "Seattle", " "), mk("5", "Austin", "usd"))

	res := search(t, ix, index.Query{Filters: []index.Filter{{Field: "cities", Values: []string{"HOUSTON"}}}, Facets: []string{"cities", "salary_currency"}})
	if res.Total != 2 {
		t.Errorf("case-insensitive filter: got %d hits, want 2", res.Total)
	}
	// disjunctive: the cities facet ignores the cities filter; others do not
	if want := map[string]int{"Houston": 2, "Seattle": 2, "Austin": 1}; !mapsEqual(res.Facets["cities"], want) {
		t.Errorf("cities facet: got %v, want %v (original case, disjunctive)", res.Facets["cities"], want)
	}
	if want := map[string]int{"USD": 1}; !mapsEqual(res.Facets["salary_currency"], want) {
		t.Errorf("salary_currency facet: got %v, want %v (no empty bucket)", res.Facets["salary_currency"], want)
	}
	res = search(t, ix, index.Query{Facets: []string{"salary_currency", "remote", "status"}})
	if want := map[string]int{"USD": 3}; !mapsEqual(res.Facets["salary_currency"], want) {
		t.Errorf("salary_currency facet: got %v, want %v", res.Facets["salary_currency"], want)
	}
	if want := map[string]int{"false": 5}; !mapsEqual(res.Facets["remote"], want) {
		t.Errorf("remote facet: got %v, want %v", res.Facets["remote"], want)
	}
	// OR within a field, AND across fields, with both facets disjunctive
	res = search(t, ix, index.Query{Filters: []index.Filter{
		{Field: "cities", Values: []string{"seattle", "austin"}},
		{Field: "salary_currency", Values: []string{"usd"}},
	}, Facets: []string{"cities", "salary_currency"}})
	if res.Total != 2 {
		t.Errorf("seattle|austin & usd: got %d, want 2", res.Total)
	}
	if want := map[string]int{"Houston": 1, "Seattle": 1, "Austin": 1}; !mapsEqual(res.Facets["cities"], want) {
		t.Errorf("cities facet: got %v, want %v", res.Facets["cities"], want)
	}
	if want := map[string]int{"USD": 2}; !mapsEqual(res.Facets["salary_currency"], want) {
		t.Errorf("salary_currency facet: got %v, want %v", res.Facets["salary_currency"], want)
	}
	// a facet size keeps the most frequent values
	res = search(t, ix, index.Query{Facets: []string{"cities"}, FacetSize: 2})
	if want := map[string]int{"Houston": 2, "Seattle": 2}; !mapsEqual(res.Facets["cities"], want) {
		t.Errorf("facet size 2: got %v, want %v", res.Facets["cities"], want)
	}
}

func mapsEqual(a, b map[string]int) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func TestTouchKeepsTextAndMovesOrder(t *testing.T) {
	ix := open(t, t.TempDir())
	a, b := posting("a", "Platform Engineer", "Kubernetes."), posting("b", "Platform Engineer", "Kubernetes.")
	upsert(t, ix, a, b)
	later := a.LastSeen.Add(time.Hour)
	if err := ix.Touch(ctx, []index.Touch{{ID: a.ID, LastSeen: later, Status: index.StatusClosed}}); err != nil {
		t.Fatal(err)
	}
	if got := sortedIDs(search(t, ix, index.Query{Text: "kubernetes platform"})); !slices.Equal(got, []string{a.ID, b.ID}) {
		t.Errorf("text after touch: got %v", got)
	}
	got := ids(search(t, ix, index.Query{Sort: []index.Sort{{Field: "last_seen", Desc: true}}}))
	if !slices.Equal(got, []string{a.ID, b.ID}) {
		t.Errorf("last_seen desc after touch: got %v", got)
	}
	res := search(t, ix, index.Query{Text: "engineer", Filters: []index.Filter{{Field: "status", Values: []string{"CLOSED"}}}, Facets: []string{"status"}})
	if !slices.Equal(ids(res), []string{a.ID}) || !res.Hits[0].LastSeen.Equal(later) || res.Hits[0].ClosedAt == nil {
		t.Errorf("closed: got %v %+v", ids(res), res.Hits)
	}
	if want := map[string]int{"open": 1, "closed": 1}; !mapsEqual(res.Facets["status"], want) {
		t.Errorf("status facet: got %v, want %v", res.Facets["status"], want)
	}
	var entries []index.Entry
	if err := ix.Entries(ctx, "acme", func(e index.Entry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("entries: got %d", len(entries))
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	gen := indextest.NewGenerator(7)
	recs := gen.Next(300)
	q := index.Query{Text: "engineer", Filters: []index.Filter{{Field: "countries", Values: []string{"united states"}}},
		Facets: []string{"job_family", "countries"}, Limit: 50}

	ix, err := engine.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	upsert(t, ix, recs...)
	if err := ix.Delete(ctx, []string{recs[0].ID}); err != nil {
		t.Fatal(err)
	}
	touched := recs[1].LastSeen.Add(time.Hour)
	if err := ix.Touch(ctx, []index.Touch{{ID: recs[1].ID, LastSeen: touched, Status: index.StatusClosed}}); err != nil {
		t.Fatal(err)
	}
	want := search(t, ix, q)
	if want.Total == 0 {
		t.Fatal("the query matches nothing")
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := ix.Search(ctx, q); !errors.Is(err, engine.ErrClosed) {
		t.Errorf("search after close: got %v, want ErrClosed", err)
	}
	snap := filepath.Join(dir, "engine.snap")
	if _, err := os.Stat(snap); err != nil {
		t.Fatalf("no snapshot after Close: %v", err)
	}

	check := func(t *testing.T, loaded string) {
		ix := open(t, dir)
		if got := engine.HowLoaded(ix); got != loaded {
			t.Errorf("loaded by %s, want %s", got, loaded)
		}
		got := search(t, ix, q)
		if got.Total != want.Total || !slices.Equal(ids(got), ids(want)) || fmt.Sprint(got.Facets) != fmt.Sprint(want.Facets) {
			t.Errorf("after reopening: total %d, facets %v; want %d, %v", got.Total, got.Facets, want.Total, want.Facets)
		}
		if _, err := ix.Get(ctx, recs[0].ID); !errors.Is(err, index.ErrNotFound) {
			t.Errorf("deleted record: %v", err)
		}
		r, err := ix.Get(ctx, recs[1].ID)
		if err != nil || !r.LastSeen.Equal(touched) || r.Status != index.StatusClosed {
			t.Errorf("touched record: %v, %v %s", err, r.LastSeen, r.Status)
		}
		st, _ := ix.Stats(ctx)
		if st.Documents != int64(len(recs)-1) {
			t.Errorf("documents: got %d, want %d", st.Documents, len(recs)-1)
		}
		res := search(t, ix, index.Query{Filters: []index.Filter{{Field: "status", Values: []string{"closed"}}}})
		if !slices.Equal(ids(res), []string{recs[1].ID}) {
			t.Errorf("closed after reopening: %v", ids(res))
		}
		// writes after reopening land next to what was loaded
		r = recs[2]
		r.Title = "Zymurgist"
		upsert(t, ix, r)
		if got := ids(search(t, ix, index.Query{Text: "zymurgist"})); !slices.Equal(got, []string{r.ID}) {
			t.Errorf("new word after reopening: %v", got)
		}
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("from the snapshot", func(t *testing.T) { check(t, "snapshot") })
	t.Run("snapshot deleted", func(t *testing.T) {
		if err := os.Remove(snap); err != nil {
			t.Fatal(err)
		}
		check(t, "rebuild")
	})
	t.Run("snapshot corrupted", func(t *testing.T) {
		b, err := os.ReadFile(snap)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0xff
		if err := os.WriteFile(snap, b, 0o644); err != nil {
			t.Fatal(err)
		}
		check(t, "rebuild")
	})
	t.Run("snapshot truncated", func(t *testing.T) {
		b, err := os.ReadFile(snap)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(snap, b[:len(b)/3], 0o644); err != nil {
			t.Fatal(err)
		}
		check(t, "rebuild")
	})
}

// TestStaleSnapshot: writes after the last snapshot (a crash before Close)
// are caught up from the store on Open.
func TestStaleSnapshot(t *testing.T) {
	dir := t.TempDir()
	recs := indextest.NewGenerator(3).Next(200)
	ix := open(t, dir)
	upsert(t, ix, recs[:150]...)
	if err := ix.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(filepath.Join(dir, "engine.snap"))
	upsert(t, ix, recs[150:]...)
	changed := recs[10]
	changed.Title = "Quartermaster"
	upsert(t, ix, changed)
	if err := ix.Delete(ctx, []string{recs[20].ID}); err != nil {
		t.Fatal(err)
	}
	later := recs[30].LastSeen.Add(time.Hour)
	if err := ix.Touch(ctx, []index.Touch{{ID: recs[30].ID, LastSeen: later}}); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	// as if the process died before writing its last snapshot
	if err := os.WriteFile(filepath.Join(dir, "engine.snap"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	ix = open(t, dir)
	if got := engine.HowLoaded(ix); got != "snapshot+catch-up" {
		t.Errorf("loaded by %s, want snapshot+catch-up", got)
	}
	if st, _ := ix.Stats(ctx); st.Documents != 199 {
		t.Errorf("documents: got %d, want 199", st.Documents)
	}
	if got := ids(search(t, ix, index.Query{Text: "quartermaster"})); !slices.Equal(got, []string{changed.ID}) {
		t.Errorf("changed record: %v", got)
	}
	if got := search(t, ix, index.Query{Filters: []index.Filter{{Field: "job_number", Values: []string{recs[20].JobNumber}}}}); got.Total != 0 {
		t.Errorf("deleted record still found")
	}
	res := search(t, ix, index.Query{Sort: []index.Sort{{Field: "last_seen", Desc: true}}, Limit: 1})
	if !slices.Equal(ids(res), []string{recs[30].ID}) {
		t.Errorf("touched record first by last_seen: got %v", ids(res))
	}
	if got := search(t, ix, index.Query{Filters: []index.Filter{{Field: "job_number", Values: []string{recs[180].JobNumber}}}}); got.Total != 1 {
		t.Errorf("record written after the snapshot: %d", got.Total)
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	ix := open(t, dir)
	_ = ix
	// bbolt's lock is per open file description: a second Open in the same
	// process sees it as another process would
	other, err := engine.Open(dir, engine.WithLockWait(50*time.Millisecond))
	if !errors.Is(err, engine.ErrLocked) {
		if other != nil {
			other.Close()
		}
		t.Errorf("second open: got %v, want ErrLocked", err)
	}
}

// TestConcurrentReadersDuringWrites runs searches, gets and entries while
// batches are written, touched and deleted (run with -race). Each batch
// writes a whole "wave": a search must see all of a wave or none of it.
func TestConcurrentReadersDuringWrites(t *testing.T) {
	ix := open(t, t.TempDir())
	gen := indextest.NewGenerator(11)
	const waves, perWave = 30, 40
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := indextest.BenchQuery(i + r)
				if i%2 == 0 {
					q = index.Query{Filters: []index.Filter{{Field: "site", Values: []string{"wave"}}}, Facets: []string{"team"}, Limit: 5}
				}
				res, err := ix.Search(ctx, q)
				if err != nil {
					errs <- err
					return
				}
				if i%2 == 0 && res.Total%perWave != 0 {
					errs <- fmt.Errorf("saw %d wave records: half a batch", res.Total)
					return
				}
				if len(res.Hits) > min(res.Total, q.Limit) {
					errs <- fmt.Errorf("%d hits for a total of %d", len(res.Hits), res.Total)
					return
				}
				if err := ix.Entries(ctx, "contoso", func(index.Entry) error { return nil }); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for w := range waves {
		recs := gen.Next(perWave)
		for i := range recs {
			recs[i].Site = "wave"
		}
		if err := ix.Upsert(ctx, recs); err != nil {
			t.Fatal(err)
		}
		touches := make([]index.Touch, len(recs))
		for i, r := range recs {
			touches[i] = index.Touch{ID: r.ID, LastSeen: r.LastSeen.Add(time.Duration(w) * time.Minute)}
		}
		if err := ix.Touch(ctx, touches); err != nil {
			t.Fatal(err)
		}
		if w%5 == 4 {
			// replace a whole wave: tombstones, and with enough of them, compaction
			if err := ix.Upsert(ctx, recs); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if res := search(t, ix, index.Query{Filters: []index.Filter{{Field: "site", Values: []string{"wave"}}}}); res.Total != waves*perWave {
		t.Errorf("total: got %d, want %d", res.Total, waves*perWave)
	}
}

func TestCompaction(t *testing.T) {
	dir := t.TempDir()
	ix := open(t, dir)
	recs := indextest.NewGenerator(5).Next(1500)
	upsert(t, ix, recs...)
	// replace every record twice: 3,000 tombstones, over a quarter of the docnums
	for range 2 {
		for i := range recs {
			recs[i].ContentHash += "x"
		}
		upsert(t, ix, recs...)
	}
	q := index.Query{Text: "engineer", Facets: []string{"job_family"}, Filters: []index.Filter{{Field: "site", Values: []string{"contoso"}}}, Limit: 30}
	want := search(t, ix, q)
	if want.Total == 0 {
		t.Fatal("no match")
	}
	if st, _ := ix.Stats(ctx); st.Documents != 1500 {
		t.Errorf("documents: %d", st.Documents)
	}
	r := recs[0]
	r.Title = "Xylophonist"
	upsert(t, ix, r)
	if got := ids(search(t, ix, index.Query{Text: "xylophonist"})); !slices.Equal(got, []string{r.ID}) {
		t.Errorf("after compaction: %v", got)
	}
	ix.Close()
	ix = open(t, dir)
	got := search(t, ix, q)
	if got.Total != want.Total || fmt.Sprint(got.Facets) != fmt.Sprint(want.Facets) {
		t.Errorf("reopened: %d %v, want %d %v", got.Total, got.Facets, want.Total, want.Facets)
	}
}
