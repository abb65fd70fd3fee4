package embedded_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/bleveidx"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

func openTemp(tb testing.TB) index.Index {
	ix, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return ix
}

func TestConformance(t *testing.T) { indextest.Run(t, openTemp) }

func TestSemantics(t *testing.T) { indextest.Semantics(t, openTemp) }

// TestMigratesAnEarlierIndex: a data directory holding the Bleve index of
// an earlier jobcrawl opens with every record in the engine, and the old
// index is moved aside.
func TestMigratesAnEarlierIndex(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	old, err := bleveidx.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs := indextest.Fixture()
	if err := old.Upsert(ctx, recs); err != nil {
		t.Fatal(err)
	}
	old.Close()

	ix, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		got, err := ix.Get(ctx, r.ID)
		if err != nil || got.Title != r.Title || !got.FirstSeen.Equal(r.FirstSeen) {
			t.Errorf("%s after the move: %+v, %v", r.ID, got, err)
		}
	}
	res, err := ix.Search(ctx, index.Query{Text: "engineer", Facets: []string{"site"}})
	if err != nil || res.Total == 0 || res.Facets["site"]["contoso"] == 0 {
		t.Errorf("search after the move: %+v, %v", res, err)
	}
	ix.Close()
	if _, err := os.Stat(filepath.Join(dir, "index.bleve")); !os.IsNotExist(err) {
		t.Errorf("the old index is still in place: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.bleve.migrated")); err != nil {
		t.Errorf("the old index was not kept aside: %v", err)
	}
	// a second open does not move anything again
	ix, err = embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if st, _ := ix.Stats(ctx); st.Documents != int64(len(recs)) {
		t.Errorf("documents after reopening: %d, want %d", st.Documents, len(recs))
	}
}
