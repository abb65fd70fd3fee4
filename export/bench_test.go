package export

import (
	"context"
	"io"
	"testing"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

// BenchmarkWrite writes 1,000 generated postings per op in each format:
// bytes/op is the output's size (MB/s its rate), records/s the postings.
func BenchmarkWrite(b *testing.B) {
	recs := indextest.NewGenerator(1).Next(1000)
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			var size int64
			for b.Loop() {
				w, _ := NewWriter(io.Discard, f, Options{})
				for _, r := range recs {
					if err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				w.Close()
				size = w.Bytes()
			}
			b.SetBytes(size)
			b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkExportEmbedded exports an embedded index of 20,000 postings
// (jsonl) per op, from the record store (embedded.ScanDir) and through the
// search index (Scan): the whole path but the process.
func BenchmarkExportEmbedded(b *testing.B) {
	const n = 20_000
	dir := b.TempDir()
	ix, err := embedded.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	gen := indextest.NewGenerator(2)
	for i := 0; i < n; i += 2000 {
		if err := ix.Upsert(ctx, gen.Next(2000)); err != nil {
			b.Fatal(err)
		}
	}
	run := func(b *testing.B, scan func(fn func(index.Record) error) error) {
		var size int64
		for b.Loop() {
			w, _ := NewWriter(io.Discard, JSONL, Options{})
			if err := scan(w.Write); err != nil {
				b.Fatal(err)
			}
			w.Close()
			if w.Count() != n {
				b.Fatalf("%d records", w.Count())
			}
			size = w.Bytes()
		}
		b.SetBytes(size)
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("index", func(b *testing.B) {
		run(b, func(fn func(index.Record) error) error { return index.Scan(ctx, ix, index.Query{}, fn) })
	})
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	b.Run("store", func(b *testing.B) {
		run(b, func(fn func(index.Record) error) error { return embedded.ScanDir(ctx, dir, index.Query{}, fn) })
	})
}
