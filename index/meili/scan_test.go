package meili_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/indextest"
	"github.com/jobcrawl/jobcrawl/index/meili"
	"github.com/jobcrawl/jobcrawl/index/meili/meilitest"
)

// Scan on the fake, with pages of 47 records, so that both the documents
// API and search span several pages.
func TestScanFake(t *testing.T) {
	indextest.RunScan(t, func(tb testing.TB) index.Index {
		_, ix := newFake(tb, meilitest.Options{}, meili.Config{BatchSize: 47})
		return ix
	}, 250)
}

// A text query matching maxTotalHits records or more cannot be reached
// whole through search: Scan says so before returning any record; without
// text (the documents API) every record is reached.
func TestScanTextLimit(t *testing.T) {
	ctx := context.Background()
	_, ix := newFake(t, meilitest.Options{}, meili.Config{BatchSize: 50, MaxTotalHits: 100})
	if err := ix.Upsert(ctx, indextest.NewGenerator(5).Next(300)); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err := index.Scan(ctx, ix, index.Query{Text: "customers"}, func(index.Record) error { calls++; return nil })
	if calls > 0 || !errors.Is(err, index.ErrScanLimit) || !strings.Contains(err.Error(), "max_total_hits") {
		t.Errorf("text query over maxTotalHits: %d records, %v", calls, err)
	}
	n := 0
	if err := index.Scan(ctx, ix, index.Query{}, func(index.Record) error { n++; return nil }); err != nil || n != 300 {
		t.Errorf("without text: %d records, %v", n, err)
	}
	n = 0
	q := index.Query{Text: "kubernetes", Filters: []index.Filter{{Field: "site", Values: []string{"contoso"}}, {Field: "employment_type", Values: []string{"contract"}}}}
	res, err := ix.Search(ctx, index.Query{Text: q.Text, Filters: q.Filters, Limit: 1})
	if err != nil || res.Total >= 100 {
		t.Fatalf("narrow query: %d, %v", res.Total, err)
	}
	if err := index.Scan(ctx, ix, q, func(index.Record) error { n++; return nil }); err != nil || n != res.Total {
		t.Errorf("narrow text query: %d records of %d, %v", n, res.Total, err)
	}
}

// TestScanReal runs the Scan suite against the Meilisearch server at
// $MEILI_URL (its sorted export without text needs Meilisearch 1.16+).
func TestScanReal(t *testing.T) {
	url := os.Getenv("MEILI_URL")
	if url == "" {
		t.Skip("set MEILI_URL (and MEILI_MASTER_KEY) to run against a real Meilisearch")
	}
	key := os.Getenv("MEILI_MASTER_KEY")
	indextest.RunScan(t, func(tb testing.TB) index.Index {
		uid := fmt.Sprintf("jobcrawl_test_%d_%d", time.Now().UnixNano(), realIndexSeq.Add(1))
		ix, err := meili.Open(meili.Config{URL: url, Index: uid, APIKey: key, KeySource: "$MEILI_MASTER_KEY", BatchSize: 97,
			MaxRetries: 3, RetryBackoff: 200 * time.Millisecond, TaskTimeout: time.Minute})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { deleteRealIndex(tb, url, key, uid) })
		return ix
	}, 300)
}
