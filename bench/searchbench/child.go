package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/bleveidx"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// The backends.
const (
	backendBleve  = "bleve"
	backendEngine = "engine"
	backendSQLite = "sqlite"
)

// batchSize is how many postings each Upsert gets, as a crawl batches them.
const batchSize = 500

// searchIndex is what the benchmark needs of a backend; index.Index and
// the SQLite adapter have it.
type searchIndex interface {
	Upsert(ctx context.Context, recs []index.Record) error
	Search(ctx context.Context, q index.Query) (index.Result, error)
	Close() error
}

var (
	_ searchIndex = (*bleveidx.Index)(nil)
	_ searchIndex = (*embedded.Index)(nil)
	_ searchIndex = (*SQLite)(nil)
)

// openBackend opens (or creates) the index of backend name in dir.
func openBackend(name, dir string) (searchIndex, error) {
	switch name {
	case backendBleve:
		return bleveidx.Open(dir)
	case backendEngine:
		return embedded.Open(dir)
	case backendSQLite:
		return OpenSQLite(dir)
	}
	return nil, fmt.Errorf("unknown backend %q", name)
}

// buildResult is what a build child reports.
type buildResult struct {
	Seconds   float64 `json:"seconds"`
	Rate      float64 `json:"postings_per_s"`
	DiskBytes int64   `json:"disk_bytes"`
	PeakRSS   int64   `json:"peak_rss_bytes"`
}

// build indexes n postings of the corpus into a fresh index in dir, in
// batches, timed from the first Upsert through Close (what makes the index
// durable: the engine's snapshot, Bleve's persister, SQLite's FTS5 merge
// and WAL checkpoint); making the postings is not timed.
func build(ctx context.Context, o *options, dir string) (*buildResult, error) {
	src, err := newSource(o.corpus, o.seed, o.corpusDir)
	if err != nil {
		return nil, err
	}
	ix, err := openBackend(o.backend, dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", o.backend, err)
	}
	var took time.Duration
	for done := 0; done < o.n; done += batchSize {
		recs := src.Next(min(batchSize, o.n-done))
		start := time.Now()
		if err := ix.Upsert(ctx, recs); err != nil {
			ix.Close()
			return nil, fmt.Errorf("upsert postings %d-%d: %w", done, done+len(recs), err)
		}
		took += time.Since(start)
		if done%(20*batchSize) == 0 {
			progress(o, "indexed %d/%d", done+len(recs), o.n)
		}
	}
	start := time.Now()
	if s, ok := ix.(*SQLite); ok {
		if err := s.Optimize(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := ix.Close(); err != nil {
		return nil, fmt.Errorf("close: %w", err)
	}
	took += time.Since(start)
	disk, err := diskUsage(dir)
	if err != nil {
		return nil, err
	}
	_, peak := memory()
	return &buildResult{Seconds: took.Seconds(), Rate: float64(o.n) / took.Seconds(), DiskBytes: disk, PeakRSS: peak}, nil
}

// queryResult is what a query child reports.
type queryResult struct {
	OpenMS  float64                 `json:"open_ms"`
	RSS     int64                   `json:"rss_bytes"`
	PeakRSS int64                   `json:"peak_rss_bytes"`
	Shapes  map[string]*shapeResult `json:"shapes"`
}

// shapeResult is the latencies of one query shape and what its queries
// answered, for the parent to compare across backends.
type shapeResult struct {
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	// Per query: the total, each facet's counts as "value=count" lines,
	// and the date_posted of each hit in order.
	Totals []int               `json:"totals"`
	Facets []map[string]string `json:"facets,omitempty"`
	Dates  [][]string          `json:"dates,omitempty"`
}

// serve opens the built index in dir, timing the open through the first
// answered query, then runs every shape: the first -warmup queries once
// untimed, then all of them timed, one at a time.
func serve(ctx context.Context, o *options, dir string) (*queryResult, error) {
	b, err := os.ReadFile(o.queriesFile)
	if err != nil {
		return nil, fmt.Errorf("read queries: %w", err)
	}
	var qs querySet
	if err := json.Unmarshal(b, &qs); err != nil {
		return nil, fmt.Errorf("read queries %s: %w", o.queriesFile, err)
	}
	start := time.Now()
	ix, err := openBackend(o.backend, dir)
	if err != nil {
		return nil, fmt.Errorf("reopen %s: %w", o.backend, err)
	}
	defer ix.Close()
	if _, err := ix.Search(ctx, qs.Shapes[shapeText][0]); err != nil {
		return nil, fmt.Errorf("first query: %w", err)
	}
	out := &queryResult{OpenMS: ms(time.Since(start)), Shapes: map[string]*shapeResult{}}

	for _, shape := range shapes {
		queries := qs.Shapes[shape]
		for _, q := range queries[:min(o.warmup, len(queries))] {
			if _, err := ix.Search(ctx, q); err != nil {
				return nil, fmt.Errorf("%s: warm-up %q: %w", shape, q.Text, err)
			}
		}
		sr := &shapeResult{}
		lat := make([]time.Duration, 0, len(queries))
		for _, q := range queries {
			t := time.Now()
			res, err := ix.Search(ctx, q)
			lat = append(lat, time.Since(t))
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", shape, q.Text, err)
			}
			sr.Totals = append(sr.Totals, res.Total)
			if len(q.Facets) > 0 {
				sr.Facets = append(sr.Facets, facetLines(res.Facets))
			}
			if len(q.Sort) > 0 {
				dates := make([]string, len(res.Hits))
				for i, h := range res.Hits {
					dates[i] = h.DatePosted
				}
				sr.Dates = append(sr.Dates, dates)
			}
		}
		slices.Sort(lat)
		pct := func(p int) float64 { return ms(lat[min(len(lat)-1, len(lat)*p/100)]) }
		sr.P50, sr.P95, sr.P99 = pct(50), pct(95), pct(99)
		out.Shapes[shape] = sr
		progress(o, "%s: p50 %.2f ms, p99 %.2f ms", shape, sr.P50, sr.P99)
	}
	out.RSS, out.PeakRSS = memory()
	return out, nil
}

// facetLines writes each facet's counts as sorted "value=count" lines.
func facetLines(facets map[string]map[string]int) map[string]string {
	out := map[string]string{}
	for f, counts := range facets {
		var lines []string
		for _, v := range slices.Sorted(maps.Keys(counts)) {
			lines = append(lines, v+"="+strconv.Itoa(counts[v]))
		}
		out[f] = strings.Join(lines, "\n")
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// diskUsage is what du reports for dir: the blocks its files take.
func diskUsage(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		} else {
			total += fi.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("disk usage of %s: %w", dir, err)
	}
	return total, nil
}

// memory reads the resident set size of this process and its peak
// (VmRSS and VmHWM of /proc/self/status), in bytes; zero where there is no /proc.
func memory() (rss, peak int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[0], 10, 64)
		switch key {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return rss, peak
}

// progress writes a progress line of this child to stderr.
func progress(o *options, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "  [%s %s %d] %s\n", o.corpus, o.backend, o.n, fmt.Sprintf(format, args...))
}
