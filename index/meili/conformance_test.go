package meili_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/indextest"
	"github.com/jobcrawl/jobcrawl/index/meili"
	"github.com/jobcrawl/jobcrawl/index/meili/meilitest"
)

const testKey = "test-master-key-5f2c9a"

// newFake starts a fake server and opens the backend on it.
func newFake(tb testing.TB, opt meilitest.Options, cfg meili.Config) (*meilitest.Server, *meili.Index) {
	tb.Helper()
	srv := meilitest.New(tb, opt)
	cfg.URL = srv.URL
	if cfg.Index == "" {
		cfg.Index = "jobs"
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Millisecond
	}
	ix, err := meili.Open(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return srv, ix
}

func TestConformanceFake(t *testing.T) {
	indextest.Run(t, func(tb testing.TB) index.Index {
		// TaskPolls 2: every task is seen enqueued, then processing, before
		// it finishes, so a backend that does not wait would read stale data.
		_, ix := newFake(tb, meilitest.Options{Key: testKey, TaskPolls: 2},
			meili.Config{APIKey: testKey, KeySource: "$MEILI_MASTER_KEY"})
		return ix
	})
}

// TestConformanceFakeSmallBatches runs the suite with batches of three
// records, so writes and Each span several requests.
func TestConformanceFakeSmallBatches(t *testing.T) {
	indextest.Run(t, func(tb testing.TB) index.Index {
		_, ix := newFake(tb, meilitest.Options{}, meili.Config{BatchSize: 3})
		return ix
	})
}

func TestSemanticsFake(t *testing.T) {
	indextest.Semantics(t, func(tb testing.TB) index.Index {
		_, ix := newFake(tb, meilitest.Options{}, meili.Config{})
		return ix
	})
}

var realIndexSeq atomic.Int64

// TestConformanceReal runs the suite against the Meilisearch server at
// $MEILI_URL, each case in an index of its own that is deleted afterwards.
func TestConformanceReal(t *testing.T) {
	url := os.Getenv("MEILI_URL")
	if url == "" {
		t.Skip("set MEILI_URL (and MEILI_MASTER_KEY) to run against a real Meilisearch")
	}
	key := os.Getenv("MEILI_MASTER_KEY")
	open := func(tb testing.TB) index.Index {
		uid := fmt.Sprintf("jobcrawl_test_%d_%d", time.Now().UnixNano(), realIndexSeq.Add(1))
		ix, err := meili.Open(meili.Config{URL: url, Index: uid, APIKey: key, KeySource: "$MEILI_MASTER_KEY",
			MaxRetries: 3, RetryBackoff: 200 * time.Millisecond, TaskTimeout: time.Minute})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { deleteRealIndex(tb, url, key, uid) })
		return ix
	}
	t.Run("conformance", func(t *testing.T) { indextest.Run(t, open) })
	t.Run("semantics", func(t *testing.T) { indextest.Semantics(t, open) })
}

// deleteRealIndex removes a test index from a real server (best effort:
// the deletion is enqueued, not waited for).
func deleteRealIndex(tb testing.TB, base, key, uid string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, strings.TrimRight(base, "/")+"/indexes/"+uid, nil)
	if err != nil {
		tb.Log(err)
		return
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Logf("delete test index %s: %v", uid, err)
		return
	}
	resp.Body.Close()
}
