package engine_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/engine"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

func TestScan(t *testing.T) {
	indextest.RunScan(t, func(tb testing.TB) index.Index { return open(tb, tb.TempDir()) }, 1500)
}

// ScanStore reads the same records as Scan for queries without text or
// sort, in id order, without the search index; it refuses the others, and
// an index another process (here: an open Engine) holds.
func TestScanStore(t *testing.T) {
	dir := t.TempDir()
	e := open(t, dir)
	recs := indextest.NewGenerator(3).Next(1200)
	recs[5].Status = index.StatusClosed
	recs[6].Countries = []string{"  canada "} // filters compare trimmed, whatever the case
	upsert(t, e, recs...)
	if err := e.Delete(ctx, []string{recs[7].ID}); err != nil {
		t.Fatal(err)
	}
	queries := []index.Query{{},
		{Filters: []index.Filter{{Field: "status", Values: []string{"OPEN"}}}},
		{Filters: []index.Filter{{Field: "countries", Values: []string{"Canada", "Germany"}}, {Field: "remote", Values: []string{"false"}}}},
		{Filters: []index.Filter{{Field: "employment_type", Values: []string{" "}}}},
	}
	want := make([][]index.Record, len(queries))
	for i, q := range queries {
		if err := e.Scan(ctx, q, func(r index.Record) error { want[i] = append(want[i], r); return nil }); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(want[i], func(a, b index.Record) int { return cmpString(a.ID, b.ID) })
	}
	if err := engine.ScanStore(ctx, dir, index.Query{}, func(index.Record) error { return nil }, engine.WithLockWait(50*time.Millisecond)); !errors.Is(err, engine.ErrLocked) {
		t.Errorf("store held by an open engine: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	for i, q := range queries {
		var got []index.Record
		if err := engine.ScanStore(ctx, dir, q, func(r index.Record) error { got = append(got, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("query %d: store scan %d records, index scan %d (or they differ)", i, len(got), len(want[i]))
		}
	}
	if n := len(want[0]); n != 1199 {
		t.Errorf("all: %d records, want 1199", n)
	}
	if len(want[2]) == 0 || len(want[3]) != 0 {
		t.Errorf("filtered: %d, blank value: %d", len(want[2]), len(want[3]))
	}
	for _, q := range []index.Query{{Text: "engineer"}, {Sort: []index.Sort{{Field: "title"}}}} {
		if err := engine.ScanStore(ctx, dir, q, func(index.Record) error { return nil }); !errors.Is(err, engine.ErrNeedsIndex) {
			t.Errorf("%+v: %v, want ErrNeedsIndex", q, err)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := engine.ScanStore(ctx, dir, index.Query{}, func(index.Record) error {
		if calls++; calls == 300 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 300 {
		t.Errorf("fn's error: %v after %d", err, calls)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := engine.ScanStore(cctx, dir, index.Query{}, func(index.Record) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := engine.ScanStore(ctx, t.TempDir(), index.Query{}, func(index.Record) error { return nil }); err == nil {
		t.Error("a directory without a store: no error")
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
