//go:build unix

package embedded_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/bleveidx"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

// BenchmarkRecrawlIndexLayer measures what a re-crawl of an unchanged site
// costs the index: the run reads the site's bookkeeping (Entries) and
// touches every posting it sees unchanged (Touch, in the crawler's batches
// of 100), for an index of JOBCRAWL_RECRAWL_POSTINGS postings (default
// 100,000). It reports the CPU per unchanged posting, for the embedded
// engine and, as the "before" column, the Bleve index of earlier releases
// (which re-indexes every touched record).
//
//	go test ./index/embedded -run '^$' -bench RecrawlIndexLayer -benchtime 1x
func BenchmarkRecrawlIndexLayer(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("JOBCRAWL_RECRAWL_POSTINGS")); err == nil && v > 0 {
		n = v
	}
	recs := indextest.NewGenerator(11).Next(n)
	for _, bk := range []struct {
		name string
		open func(dir string) (index.Index, error)
	}{
		{"engine", func(dir string) (index.Index, error) { return embedded.Open(dir) }},
		{"bleve", func(dir string) (index.Index, error) { return bleveidx.Open(dir) }},
	} {
		b.Run(fmt.Sprintf("backend=%s/postings=%d", bk.name, n), func(b *testing.B) {
			ctx := context.Background()
			ix, err := bk.open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			for i := 0; i < len(recs); i += 1000 {
				if err := ix.Upsert(ctx, recs[i:min(i+1000, len(recs))]); err != nil {
					b.Fatal(err)
				}
			}
			sites := map[string]bool{}
			for _, r := range recs {
				sites[r.Site] = true
			}
			b.ResetTimer()
			var cpu time.Duration
			for range b.N {
				seen := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(b.N) * time.Hour)
				start := cpuTime()
				var touches []index.Touch
				for site := range sites {
					err := ix.Entries(ctx, site, func(e index.Entry) error {
						touches = append(touches, index.Touch{ID: e.ID, LastSeen: seen, CheckedAt: &seen})
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				for i := 0; i < len(touches); i += 100 {
					if err := ix.Touch(ctx, touches[i:min(i+100, len(touches))]); err != nil {
						b.Fatal(err)
					}
				}
				cpu += cpuTime() - start
				if len(touches) != n {
					b.Fatalf("entries: %d, want %d", len(touches), n)
				}
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*n), "cpu-us/unchanged-posting")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
