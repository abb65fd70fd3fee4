package htmlfast

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// The pages of extract's BenchmarkExtract, the test pages of extract and
// the shared corpus are what the tests read: pages of real shapes.
const (
	extractPages = "../../extract/testdata/*.html"
	benchPages   = "../../extract/testdata/bench_pages/*.html"
)

// BenchmarkParse times html.Parse and Fast interleaved on each page and
// reports ratio = Fast's time / html.Parse's time.
func BenchmarkParse(b *testing.B) {
	files, _ := filepath.Glob(benchPages)
	for _, f := range files {
		page, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := Fast(page); !ok {
			b.Fatalf("%s: not on the fast path", f)
		}
		b.Run(filepath.Base(f), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			var tParse, tFast time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := html.Parse(bytes.NewReader(page)); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, ok := Fast(page); !ok {
					b.Fatal("bailed")
				}
				tFast += time.Since(t1)
				tParse += t1.Sub(t0)
			}
			b.ReportMetric(float64(tFast)/float64(tParse), "ratio")
		})
	}
}

// BenchmarkFast times Fast alone on each page, for profiles.
func BenchmarkFast(b *testing.B) {
	files, _ := filepath.Glob(benchPages)
	for _, f := range files {
		page, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Fast(page)
			}
		})
	}
}
