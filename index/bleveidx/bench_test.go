package bleveidx_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index/bleveidx"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

// BenchmarkIndex indexes JOBCRAWL_BENCH_POSTINGS generated postings (default
// 100,000) into a fresh embedded index, then times a text query with two
// filters and four facets. It reports postings indexed per second, the size
// on disk, and the search latency's median and 95th percentile. Run once:
//
//	go test ./index/embedded -run '^$' -bench Index -benchtime 1x
func BenchmarkIndex(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("JOBCRAWL_BENCH_POSTINGS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		ix, err := bleveidx.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		gen := indextest.NewGenerator(1)
		b.StartTimer()
		start := time.Now()
		for done := 0; done < n; done += 500 {
			if err := ix.Upsert(ctx, gen.Next(min(500, n-done))); err != nil {
				b.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		st, err := ix.Stats(ctx)
		if err != nil || st.Documents != int64(n) {
			b.Fatalf("stats %+v, %v; want %d documents", st, err, n)
		}
		var lat []time.Duration
		for i := range 200 {
			q := indextest.BenchQuery(i)
			t := time.Now()
			res, err := ix.Search(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
			if i == 0 && (res.Total == 0 || len(res.Facets["job_family"]) == 0) {
				b.Fatalf("the benchmark query matched nothing: %+v", res.Facets)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(n)/elapsed.Seconds(), "postings/s")
		b.ReportMetric(float64(st.SizeBytes)/(1<<20), "MB-on-disk")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		ix.Close()
	}
}
