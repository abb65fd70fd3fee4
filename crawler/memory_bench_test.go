package crawler_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// discard is an index that keeps nothing: it measures the crawler alone.
type discard struct{ writes, touches int }

func (d *discard) Upsert(_ context.Context, recs []index.Record) error {
	d.writes += len(recs)
	return nil
}
func (d *discard) Get(context.Context, string) (index.Record, error) {
	return index.Record{}, index.ErrNotFound
}
func (d *discard) Search(context.Context, index.Query) (index.Result, error) {
	return index.Result{}, nil
}
func (d *discard) Each(context.Context, string, func(index.Record) error) error {
	return nil
}
func (d *discard) Entries(context.Context, string, func(index.Entry) error) error { return nil }
func (d *discard) Touch(_ context.Context, t []index.Touch) error                 { d.touches += len(t); return nil }
func (d *discard) Delete(context.Context, []string) error                         { return nil }
func (d *discard) Stats(context.Context) (index.Stats, error)                     { return index.Stats{}, nil }
func (d *discard) Close() error                                                   { return nil }

// BenchmarkRunMemory measures what a run holds per posting: the live heap
// of the crawler (the site served in-process and measured before, the index
// discarding what it is given) at its peak, for sites of 2,000 and 8,000
// postings, and the growth per posting between them. It is the run's own
// state — frontier, ledger, store batches, counters — without any index.
//
//	go test ./crawler -run '^$' -bench RunMemory -benchtime 1x
func BenchmarkRunMemory(b *testing.B) {
	peak := func(b *testing.B, jobs int) float64 {
		site := demosite.New(demosite.Options{Jobs: jobs, PerPage: 50, Dups: -1, Seed: 17})
		srv := httptest.NewServer(site.Unhooked())
		defer srv.Close()
		cfg := &crawler.Site{Name: "contoso", Company: "Contoso", StartURLs: []string{demosite.StartURL(srv.URL)},
			Pagination: crawler.Pagination{Next: "a[rel=next]"}, JobLinks: "a.job-title",
			Limits: crawler.Limits{Parallelism: 8}}
		if err := cfg.Validate(); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		base := liveHeap()
		var mu sync.Mutex
		top := uint64(0)
		ix := &discard{}
		st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), cfg, func(crawler.Stats) {
			runtime.GC()
			mu.Lock()
			top = max(top, liveHeap())
			mu.Unlock()
		})
		if err != nil || st.Postings != jobs {
			b.Fatalf("run: %v, %d postings of %d", err, st.Postings, jobs)
		}
		return float64(top) - float64(base)
	}
	for range b.N {
		small, large := peak(b, 2000), peak(b, 8000)
		b.ReportMetric(small/(1<<20), "MB-at-2000")
		b.ReportMetric(large/(1<<20), "MB-at-8000")
		b.ReportMetric((large-small)/6000, "B/posting")
	}
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
