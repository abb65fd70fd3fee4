package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/engine"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

var ctx = context.Background()

// rebuildFixture is what the rebuild tests index: more than two pages of
// generated postings, the conformance fixture (bookkeeping, closed
// records), and a site spelled two ways.
func rebuildFixture() []index.Record {
	recs := indextest.NewGenerator(21).Next(2100)
	recs = append(recs, indextest.Fixture()...)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	odd := recs[0]
	odd.ID, odd.Site, odd.CheckedAt = index.RecordID("Contoso", "odd-1"), "Contoso", &at
	odd.Fetch = []index.Fetch{{URL: "https://example.com/jobs/odd-1", ETag: `"x1"`, Hash: "abc"}}
	odd.Cards = []string{"card-1"}
	return append(recs, odd)
}

// build makes an index in a new directory holding recs, closed.
func build(tb testing.TB, recs []index.Record) string {
	tb.Helper()
	dir := tb.TempDir()
	ix, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < len(recs); i += 500 {
		if err := ix.Upsert(ctx, recs[i:min(i+500, len(recs))]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := ix.Close(); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// contents opens the index in dir and returns every record (as JSON, by
// id) and the site and status facets.
func contents(tb testing.TB, dir string) (map[string]string, string) {
	tb.Helper()
	ix, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	defer ix.Close()
	out := map[string]string{}
	for offset := 0; ; offset += 1000 {
		res, err := ix.Search(ctx, index.Query{Limit: 1000, Offset: offset})
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range res.Hits {
			b, _ := json.Marshal(r)
			out[r.ID] = string(b)
		}
		if len(res.Hits) < 1000 {
			break
		}
	}
	res, err := ix.Search(ctx, index.Query{Facets: []string{"site", "status", "countries"}, Limit: 1})
	if err != nil {
		tb.Fatal(err)
	}
	b, _ := json.Marshal(res.Facets)
	return out, string(b)
}

func sameContents(tb testing.TB, dir string, want map[string]string, wantFacets string) {
	tb.Helper()
	got, facets := contents(tb, dir)
	if len(got) != len(want) {
		tb.Errorf("%d records, want %d", len(got), len(want))
	}
	for id, w := range want {
		if got[id] != w {
			tb.Errorf("record %s:\n got %s\nwant %s", id, got[id], w)
		}
	}
	if facets != wantFacets {
		tb.Errorf("facets:\n got %s\nwant %s", facets, wantFacets)
	}
}

func noLeftovers(tb testing.TB, dir string) {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(dir, rebuildDir)); !os.IsNotExist(err) {
		tb.Errorf("%s is still there: %v", rebuildDir, err)
	}
}

func TestRebuildKeepsEveryRecord(t *testing.T) {
	recs := rebuildFixture()
	dir := build(t, recs)
	want, facets := contents(t, dir)
	if len(want) != len(recs) {
		t.Fatalf("built %d records, want %d", len(want), len(recs))
	}
	before, _ := os.Stat(filepath.Join(dir, engine.DBFile))
	var progress [][2]int64
	rep, err := Rebuild(ctx, dir, RebuildOptions{Progress: func(c, n int64) { progress = append(progress, [2]int64{c, n}) }})
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(recs))
	if rep.Copied != n || rep.OldCount != n || rep.NewCount != n || len(rep.Leftovers) != 0 || rep.Dir != dir {
		t.Errorf("report: %+v", rep)
	}
	if len(progress) != 3 || progress[2] != [2]int64{n, n} {
		t.Errorf("progress: %v", progress)
	}
	after, _ := os.Stat(filepath.Join(dir, engine.DBFile))
	if os.SameFile(before, after) {
		t.Error("the record store is the same file: nothing was switched")
	}
	sameContents(t, dir, want, facets)
	noLeftovers(t, dir)
}

func TestRebuildRefusesShrink(t *testing.T) {
	dir := build(t, indextest.NewGenerator(22).Next(500))
	want, facets := contents(t, dir)
	before, _ := os.Stat(filepath.Join(dir, engine.DBFile))
	copyHook = func(recs []index.Record) []index.Record { return recs[:len(recs)*4/5] } // a fifth lost
	defer func() { copyHook = nil }()
	_, err := Rebuild(ctx, dir, RebuildOptions{})
	if !errors.Is(err, ErrShrunk) {
		t.Fatalf("got %v, want ErrShrunk", err)
	}
	for _, s := range []string{"400 records", "the live index 500", "20% fewer"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	after, _ := os.Stat(filepath.Join(dir, engine.DBFile))
	if !os.SameFile(before, after) {
		t.Error("the record store was switched")
	}
	sameContents(t, dir, want, facets)
	noLeftovers(t, dir)

	rep, err := Rebuild(ctx, dir, RebuildOptions{AllowShrink: true})
	if err != nil || rep.NewCount != 400 {
		t.Errorf("with AllowShrink: %+v, %v", rep, err)
	}
}

func TestRebuildFence(t *testing.T) {
	dir := build(t, indextest.Fixture())
	before, _ := os.Stat(filepath.Join(dir, engine.DBFile))
	gate := errors.New("held")
	_, err := Rebuild(ctx, dir, RebuildOptions{Fence: func(context.Context) error { return gate }})
	if !errors.Is(err, gate) || !strings.Contains(err.Error(), "not switched") {
		t.Fatalf("got %v, want the fence's error", err)
	}
	after, _ := os.Stat(filepath.Join(dir, engine.DBFile))
	if !os.SameFile(before, after) {
		t.Error("the record store was switched")
	}
	noLeftovers(t, dir)
}

func TestRebuildLocked(t *testing.T) {
	dir := build(t, indextest.Fixture())
	held, err := Open(dir) // a daemon has it
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	old := lockWait
	lockWait = 50 * time.Millisecond
	defer func() { lockWait = old }()
	_, err = Rebuild(ctx, dir, RebuildOptions{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("got %v, want ErrLocked naming %s", err, dir)
	}
	if n, _ := held.Stats(ctx); n.Documents != int64(len(indextest.Fixture())) {
		t.Errorf("the held index: %d records", n.Documents)
	}
}

func TestRebuildNoIndex(t *testing.T) {
	dir := t.TempDir()
	if _, err := Rebuild(ctx, dir, RebuildOptions{}); err == nil || !strings.Contains(err.Error(), "no index") {
		t.Errorf("got %v", err)
	}
	if Exists(dir) {
		t.Error("an index was created")
	}
}

// TestRebuildCrash: a crash at any step of the switch leaves a complete
// index, old or new, and the next rebuild deletes what it left.
func TestRebuildCrash(t *testing.T) {
	recs := indextest.NewGenerator(23).Next(300)
	for _, step := range []string{"new index built", "store switched", "snapshot switched"} {
		t.Run(step, func(t *testing.T) {
			dir := build(t, recs)
			want, facets := contents(t, dir)
			crashAt = func(s string) error {
				if s == step {
					return errors.New("crash")
				}
				return nil
			}
			_, err := Rebuild(ctx, dir, RebuildOptions{})
			crashAt = nil
			if err == nil || !strings.Contains(err.Error(), "crashed") {
				t.Fatalf("got %v, want the crash", err)
			}
			sameContents(t, dir, want, facets)
			if _, err := os.Stat(filepath.Join(dir, rebuildDir)); err != nil {
				t.Fatalf("the crash left nothing behind: %v", err)
			}
			rep, err := Rebuild(ctx, dir, RebuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.Leftovers, []string{filepath.Join(dir, rebuildDir)}) {
				t.Errorf("leftovers: %q", rep.Leftovers)
			}
			sameContents(t, dir, want, facets)
			noLeftovers(t, dir)
		})
	}
	t.Run("during the copy", func(t *testing.T) {
		dir := build(t, recs)
		want, facets := contents(t, dir)
		// a half-built index, as a kill during the copy leaves it
		half, err := engine.Open(filepath.Join(dir, rebuildDir))
		if err != nil {
			t.Fatal(err)
		}
		half.Upsert(ctx, recs[:10])
		half.Close()
		cctx, cancel := context.WithCancel(ctx)
		rep, err := Rebuild(cctx, dir, RebuildOptions{Progress: func(int64, int64) { cancel() }})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted: got %v", err)
		}
		if !slices.Equal(rep.Leftovers, []string{filepath.Join(dir, rebuildDir)}) {
			t.Errorf("leftovers: %q", rep.Leftovers)
		}
		sameContents(t, dir, want, facets)
		noLeftovers(t, dir) // an interruption cleans up after itself
		rep, err = Rebuild(ctx, dir, RebuildOptions{})
		if err != nil || len(rep.Leftovers) != 0 {
			t.Fatalf("%+v, %v", rep, err)
		}
		sameContents(t, dir, want, facets)
	})
}
