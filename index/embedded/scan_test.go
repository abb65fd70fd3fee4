package embedded_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

// ScanDir reads a closed index's records without opening it; it leaves to
// Open a directory holding only an earlier release's index, and says when
// there is none.
func TestScanDir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = embedded.ScanDir(ctx, dir, index.Query{Filters: []index.Filter{{Field: "site", Values: []string{"FABRIKAM"}}}},
		func(r index.Record) error { ids = append(ids, r.ID); return nil })
	if err != nil || len(ids) != 3 {
		t.Errorf("fabrikam: %v, %v", ids, err)
	}
	if err := embedded.ScanDir(ctx, dir, index.Query{Text: "engineer"}, func(index.Record) error { return nil }); !errors.Is(err, embedded.ErrNeedsIndex) {
		t.Errorf("text: %v", err)
	}
	legacy := t.TempDir()
	if err := os.Mkdir(filepath.Join(legacy, "index.bleve"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := embedded.ScanDir(ctx, legacy, index.Query{}, func(index.Record) error { return nil }); !errors.Is(err, embedded.ErrNeedsIndex) {
		t.Errorf("legacy index only: %v", err)
	}
	if err := embedded.ScanDir(ctx, t.TempDir(), index.Query{}, func(index.Record) error { return nil }); err == nil {
		t.Error("no index: no error")
	}
}
