package bleveidx_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/bleveidx"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

func TestConformance(t *testing.T) {
	indextest.Run(t, func(tb testing.TB) index.Index {
		ix, err := bleveidx.Open(tb.TempDir())
		if err != nil {
			tb.Fatal(err)
		}
		return ix
	})
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ix, err := bleveidx.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs := indextest.Fixture()
	if err := ix.Upsert(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ix, err = bleveidx.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	got, err := ix.Get(context.Background(), recs[3].ID)
	if err != nil || got.Title != recs[3].Title {
		t.Errorf("after reopening: %+v, %v", got, err)
	}
}

func TestLockedByAnotherOpener(t *testing.T) {
	dir := t.TempDir()
	ix, err := bleveidx.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// bbolt's lock is per open file description, so a second Open in the same
	// process sees it as another process would.
	if other, err := bleveidx.Open(dir); !errors.Is(err, bleveidx.ErrLocked) {
		if other != nil {
			other.Close()
		}
		t.Errorf("second open: got %v, want ErrLocked", err)
	}
}
