// Command exportbench measures `jobcrawl export` on a large embedded
// index: its peak RSS, time and throughput.
//
//	go run ./bench/exportbench -postings 1000000 [-data DIR] [-bin ./jobcrawl] [-json]
//
// It writes N generated postings (index/indextest's generator, every
// seventh closed) into an embedded index in a temporary data directory (or
// reuses -data DIR when it holds one: 1,000,000 postings take a few minutes
// and about 5 GB), builds jobcrawl (or takes -bin), and runs, each as its
// own process, reading its peak RSS (the kernel's maxrss of the child; the
// index is written by another child, so that this process stays small) and
// CPU time:
//
//   - export --all --format jsonl: every posting, from the record store
//   - export --format csv --filter countries=Germany: filters, from the store
//   - export QUERY --format jsonl: a text query, which loads the search index
//
// each to a file in the data directory's parent, and reports postings,
// bytes, seconds, postings/s, MB/s and peak RSS. It exits 1 when an export
// fails, or when -max-rss MB is set and the store exports exceed it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

type run struct {
	Name       string  `json:"name"`
	Args       string  `json:"args"`
	Postings   int64   `json:"postings"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	PerSecond  float64 `json:"postings_per_second"`
	MBPerSec   float64 `json:"mb_per_second"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
}

type report struct {
	Postings     int     `json:"postings_in_index"`
	BuildSeconds float64 `json:"build_seconds,omitempty"`
	DiskMB       float64 `json:"disk_mb"`
	Runs         []run   `json:"runs"`
}

func main() {
	n := flag.Int("postings", 1_000_000, "postings in the index")
	data := flag.String("data", "", "data directory to reuse (or fill when it holds no index)")
	bin := flag.String("bin", "", "jobcrawl binary (built when empty)")
	asJSON := flag.Bool("json", false, "print the report as JSON")
	maxRSS := flag.Float64("max-rss", 0, "fail when an export from the store peaks above `MB`")
	text := flag.String("query", "senior engineer", "the text query of the third export")
	buildOnly := flag.Bool("build-only", false, "only write the index into -data (what the benchmark runs as a child)")
	flag.Parse()
	if *buildOnly {
		if err := build(*data, *n); err != nil {
			fmt.Fprintln(os.Stderr, "exportbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := mainErr(*n, *data, *bin, *asJSON, *maxRSS, *text); err != nil {
		fmt.Fprintln(os.Stderr, "exportbench:", err)
		os.Exit(1)
	}
}

func mainErr(n int, data, bin string, asJSON bool, maxRSS float64, text string) error {
	work, err := os.MkdirTemp("", "exportbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if data == "" {
		data = filepath.Join(work, "data")
	}
	rep := report{Postings: n}
	if !embedded.Exists(data) {
		// In a child process: the kernel reports as a child's peak RSS at
		// least what its parent held when it was started (Go starts
		// children sharing the parent's memory until exec), so this process
		// must stay small for the exports' figures to be theirs.
		start := time.Now()
		cmd := exec.Command(os.Args[0], "-build-only", "-postings", fmt.Sprint(n), "-data", data)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build the index: %w", err)
		}
		rep.BuildSeconds = time.Since(start).Seconds()
	}
	rep.DiskMB = float64(dirSize(data)) / 1e6
	if bin == "" {
		bin = filepath.Join(work, "jobcrawl")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/jobcrawl")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build jobcrawl: %w", err)
		}
	}
	cfg := filepath.Join(work, "config.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %q\n", data)), 0o644); err != nil {
		return err
	}
	for _, r := range []struct {
		name string
		args []string
	}{
		{"all, jsonl (record store)", []string{"--all", "--format", "jsonl"}},
		{"filtered, csv (record store)", []string{"--filter", "countries=Germany", "--format", "csv"}},
		{"text query, jsonl (search index)", []string{text, "--format", "jsonl"}},
	} {
		out := filepath.Join(work, "out")
		args := append([]string{"export", "--config", cfg, "--out", out, "--json"}, r.args...)
		cmd := exec.Command(bin, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("jobcrawl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		secs := time.Since(start).Seconds()
		var sum struct {
			Postings int64 `json:"postings"`
			Bytes    int64 `json:"bytes"`
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
			return fmt.Errorf("read the summary %q: %w", stderr.String(), err)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		rr := run{Name: r.name, Args: strings.Join(r.args, " "), Postings: sum.Postings, Bytes: sum.Bytes, Seconds: secs, CPUSeconds: cpu,
			PerSecond: float64(sum.Postings) / secs, MBPerSec: float64(sum.Bytes) / 1e6 / secs, PeakRSSMB: float64(ru.Maxrss) / 1024}
		rep.Runs = append(rep.Runs, rr)
		os.Remove(out)
		if !asJSON {
			fmt.Printf("%-34s %9d postings %8.1f MB %7.1f s (CPU %6.1f s) %9.0f postings/s %6.1f MB/s  peak RSS %6.1f MB\n",
				rr.Name, rr.Postings, float64(rr.Bytes)/1e6, rr.Seconds, rr.CPUSeconds, rr.PerSecond, rr.MBPerSec, rr.PeakRSSMB)
		}
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		fmt.Printf("index: %d postings, %.0f MB on disk", rep.Postings, rep.DiskMB)
		if rep.BuildSeconds > 0 {
			fmt.Printf(", built in %.0f s", rep.BuildSeconds)
		}
		fmt.Println()
	}
	if maxRSS > 0 {
		for _, r := range rep.Runs[:2] {
			if r.PeakRSSMB > maxRSS {
				return fmt.Errorf("%s: peak RSS %.1f MB over -max-rss %.0f MB", r.Name, r.PeakRSSMB, maxRSS)
			}
		}
	}
	return nil
}

// build writes n generated postings, every seventh closed, into a new
// embedded index in dir.
func build(dir string, n int) error {
	ix, err := embedded.Open(dir)
	if err != nil {
		return err
	}
	ctx := context.Background()
	gen := indextest.NewGenerator(42)
	start := time.Now()
	const batch = 2000
	for done := 0; done < n; {
		recs := gen.Next(min(batch, n-done))
		for i := range recs {
			if (done+i)%7 == 6 {
				recs[i].Status = index.StatusClosed
				at := recs[i].LastSeen
				recs[i].ClosedAt = &at
			}
		}
		if err := ix.Upsert(ctx, recs); err != nil {
			ix.Close()
			return err
		}
		done += len(recs)
		if done%100_000 == 0 {
			fmt.Fprintf(os.Stderr, "built %d postings in %.0f s\n", done, time.Since(start).Seconds())
		}
	}
	return ix.Close()
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
