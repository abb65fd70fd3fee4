// Command crawlbench measures a whole `jobcrawl crawl` of ../shared/jobsite
// against a bare colly crawl of the same site, and checks what jobcrawl
// found against the site's ground truth.
//
//	go run ./bench/crawlbench -jobs 2000 -style mixed -dup-rate 0.15
//
// It builds jobsite, jobcrawl and bench/barecolly, starts jobsite on a free
// loopback port, runs each crawler as its own process and reads the
// process's CPU time (user + system) and peak RSS from the kernel. The
// figure that matters is the ratio of CPU per page, both measured in the
// same run on the same machine.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jobcrawl/jobcrawl/bench/internal/jobsite"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

type options struct {
	jobs, parallelism int
	style, jobsite    string
	dupRate           float64
	extra             string // further jobsite flags
	keep              bool
	profile           string // write jobcrawl's CPU profile here
	memprofile        string // and its heap profile here
	runs              int    // crawls of each crawler, alternating
	recrawl           bool   // then crawl the unchanged site again
}

func main() {
	var o options
	flag.IntVar(&o.jobs, "jobs", 2000, "jobs on the site")
	flag.StringVar(&o.style, "style", "mixed", "jobsite -style")
	flag.Float64Var(&o.dupRate, "dup-rate", 0.15, "jobsite -dup-rate")
	flag.IntVar(&o.parallelism, "parallelism", 8, "requests in flight, for both crawlers")
	flag.StringVar(&o.jobsite, "jobsite", "../shared/jobsite", "the jobsite module")
	flag.StringVar(&o.extra, "jobsite-flags", "", "further jobsite flags, e.g. \"-fail-rate 0.3 -rate-limit 20\"")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.StringVar(&o.profile, "cpuprofile", "", "write the jobcrawl process's CPU profile to this file (go tool pprof)")
	flag.IntVar(&o.runs, "runs", 3, "crawls by each crawler, alternating; the figures are the medians")
	flag.BoolVar(&o.recrawl, "recrawl", false, "after the runs, crawl the unchanged site again into the same index and report it")
	flag.StringVar(&o.memprofile, "memprofile", "", "write the jobcrawl process's heap profile (allocations included) to this file")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "crawlbench:", err)
		os.Exit(1)
	}
}

// usage is what the kernel says a finished process used.
type usage struct {
	cpu     time.Duration
	wall    time.Duration
	maxRSSB int64
}

func measure(cmd *exec.Cmd) (usage, error) {
	start := time.Now()
	err := cmd.Run()
	u := usage{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		u.maxRSSB = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return u, err
}

func run(o options) error {
	work, err := os.MkdirTemp("", "crawlbench")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(work)
	} else {
		fmt.Println("work directory:", work)
	}
	jobsiteDir, err := filepath.Abs(o.jobsite)
	if err != nil {
		return err
	}
	siteBin := filepath.Join(work, "jobsite")
	if err := jobsite.Build(jobsiteDir, siteBin); err != nil {
		return fmt.Errorf("build jobsite from %s: %w", jobsiteDir, err)
	}
	for _, b := range []struct{ out, pkg string }{
		{filepath.Join(work, "jobcrawl"), "./cmd/jobcrawl"},
		{filepath.Join(work, "barecolly"), "./bench/barecolly"},
	} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s (run from the repository root): %w", b.pkg, err)
		}
	}

	truthPath := filepath.Join(work, "truth.jsonl")
	args := []string{"-jobs", fmt.Sprint(o.jobs), "-style", o.style, "-dup-rate", fmt.Sprint(o.dupRate),
		"-addr", "127.0.0.1:0", "-truth", truthPath}
	args = append(args, strings.Fields(o.extra)...)
	base, stop, err := jobsite.Start(siteBin, args)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("jobsite %s at %s\n", strings.Join(args, " "), base)

	// jobcrawl
	cfgPath := filepath.Join(work, "config.yaml")
	cfg := fmt.Sprintf(`data_dir: ./data
sites:
  - name: jobsite
    company: Contoso
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: ".job-title a"
    limits: {parallelism: %d, delay: 0s, max_retries: 5}
`, base+"/careers/search?pg=1", o.parallelism)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return err
	}
	type result struct {
		u     usage
		pages int
	}
	runJobcrawl := func(profile bool) (result, crawlSummary, error) {
		jc := exec.Command(filepath.Join(work, "jobcrawl"), "crawl", "--config", cfgPath, "--json", "--quiet")
		jc.Env = os.Environ()
		for env, path := range map[string]string{"JOBCRAWL_CPUPROFILE": o.profile, "JOBCRAWL_MEMPROFILE": o.memprofile} {
			if path != "" && profile {
				abs, err := filepath.Abs(path)
				if err != nil {
					return result{}, crawlSummary{}, err
				}
				jc.Env = append(jc.Env, env+"="+abs)
			}
		}
		var out strings.Builder
		jc.Stdout, jc.Stderr = &out, os.Stderr
		u, err := measure(jc)
		if err != nil && !errors.As(err, new(*exec.ExitError)) {
			return result{}, crawlSummary{}, fmt.Errorf("jobcrawl: %w", err)
		}
		var summary struct {
			Sites []crawlSummary `json:"sites"`
		}
		if err := json.Unmarshal([]byte(out.String()), &summary); err != nil || len(summary.Sites) != 1 {
			return result{}, crawlSummary{}, fmt.Errorf("jobcrawl summary: %v: %s", err, out.String())
		}
		s := summary.Sites[0]
		return result{u, s.Pages + s.Details + s.NotModified}, s, nil
	}
	runBare := func() (result, error) {
		bc := exec.Command(filepath.Join(work, "barecolly"), "-start", base+"/careers/search?pg=1",
			"-parallelism", fmt.Sprint(o.parallelism))
		var out strings.Builder
		bc.Stdout, bc.Stderr = &out, os.Stderr
		u, err := measure(bc)
		if err != nil {
			return result{}, fmt.Errorf("barecolly: %w", err)
		}
		var bare struct{ Pages, Errors int }
		if err := json.Unmarshal([]byte(out.String()), &bare); err != nil {
			return result{}, fmt.Errorf("barecolly output %q: %w", out.String(), err)
		}
		return result{u, bare.Pages}, nil
	}
	perPage := func(r result) float64 { return float64(r.u.cpu.Microseconds()) / 1000 / float64(max(r.pages, 1)) }

	// The runs alternate (a fresh index for each jobcrawl run, then bare
	// colly), so whatever else the machine does weighs on both alike; the
	// figures are the medians.
	var jcRuns, bcRuns []result
	var s crawlSummary
	for i := range max(o.runs, 1) {
		if err := os.RemoveAll(filepath.Join(work, "data")); err != nil {
			return err
		}
		r, sum, err := runJobcrawl(i == 0)
		if err != nil {
			return err
		}
		jcRuns, s = append(jcRuns, r), sum
		b, err := runBare()
		if err != nil {
			return err
		}
		bcRuns = append(bcRuns, b)
	}
	jc, bc := median(jcRuns, perPage), median(bcRuns, perPage)
	fmt.Printf("\n%-10s %8s %9s %10s %12s %14s %10s   (median of %d runs)\n", "crawler", "pages", "cpu", "wall", "cpu-ms/page", "pages/cpu-sec", "peak RSS", len(jcRuns))
	for _, r := range []struct {
		name string
		r    result
	}{{"jobcrawl", jc}, {"barecolly", bc}} {
		fmt.Printf("%-10s %8d %9s %10s %12.3f %14.0f %8.1fMB\n", r.name, r.r.pages, r.r.u.cpu.Round(time.Millisecond),
			r.r.u.wall.Round(time.Millisecond), perPage(r.r), 1000/perPage(r.r), float64(r.r.u.maxRSSB)/(1<<20))
	}
	if len(jcRuns) > 1 {
		var each []string
		for i := range jcRuns {
			each = append(each, fmt.Sprintf("%.2f", perPage(jcRuns[i])/perPage(bcRuns[i])))
		}
		fmt.Printf("ratio of each run: %s\n", strings.Join(each, " "))
	}
	fmt.Printf("ratio (jobcrawl / bare colly CPU per page, medians): %.2f\n", perPage(jc)/perPage(bc))
	fmt.Printf("jobcrawl: %d result pages, %d posting pages, %d requests, %d postings, %d duplicates merged, %d errors, complete %v, rejected %v\n",
		s.Pages, s.Details, s.Requests, s.Postings, s.Duplicates, s.Errors, s.Complete, s.Rejected)

	if o.recrawl {
		// the site again, unchanged, into the index the last run left
		r, s2, err := runJobcrawl(false)
		if err != nil {
			return err
		}
		fmt.Printf("re-crawl of the unchanged site: %d requests, %d posting pages downloaded, %d answered 304, unchanged %d, new %d, updated %d; CPU %s (%.3f ms per page), peak RSS %.1fMB\n",
			s2.Requests, s2.Details, s2.NotModified, s2.Unchanged, s2.New, s2.Updated, r.u.cpu.Round(time.Millisecond), perPage(r), float64(r.u.maxRSSB)/(1<<20))
	}

	return check(filepath.Join(work, "data"), truthPath)
}

// crawlSummary is what the benchmark reads of `jobcrawl crawl --json`.
type crawlSummary struct {
	Pages, Details, Requests, Postings, Duplicates, Errors int
	NotModified                                            int `json:"not_modified"`
	New, Updated, Unchanged                                int
	Complete                                               bool
	Rejected                                               map[string]int
}

// median is the run whose CPU per page is the median.
func median[T any](runs []T, key func(T) float64) T {
	s := slices.Clone(runs)
	slices.SortFunc(s, func(a, b T) int {
		switch ka, kb := key(a), key(b); {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

// check compares the index with the truth: every unique job number found,
// no duplicate, and the share of exact titles, locations and job families.
func check(dataDir, truthPath string) error {
	truth, err := jobsite.ReadTruth(truthPath)
	if err != nil {
		return err
	}
	ix, err := embedded.Open(dataDir)
	if err != nil {
		return err
	}
	defer ix.Close()
	seen := map[string]int{}
	var title, locs, family, team, extra int
	var misses []string
	err = ix.Each(context.Background(), "jobsite", func(r index.Record) error {
		seen[r.JobNumber]++
		t, ok := truth[r.JobNumber]
		if !ok {
			extra++
			return nil
		}
		if r.Title == t.Title {
			title++
		}
		if slices.Equal(r.Locations, t.Locations) {
			locs++
		} else if len(misses) < 5 {
			misses = append(misses, fmt.Sprintf("%s: locations %q, want %q", r.JobNumber, r.Locations, t.Locations))
		}
		if r.JobFamily == t.JobFamily {
			family++
		}
		if r.Team == t.Team {
			team++
		}
		return nil
	})
	if err != nil {
		return err
	}
	found, dups := 0, 0
	for num := range truth {
		if n := seen[num]; n > 0 {
			found++
			dups += n - 1
		}
	}
	pct := func(n int) float64 { return 100 * float64(n) / float64(max(len(truth), 1)) }
	fmt.Printf("\ntruth: %d unique jobs; found %d (%.2f%%), not in truth %d, duplicate records %d\n",
		len(truth), found, pct(found), extra, dups)
	fmt.Printf("exact: title %.2f%%, locations %.2f%%, job family %.2f%%, team %.2f%%\n",
		pct(title), pct(locs), pct(family), pct(team))
	for _, m := range misses {
		fmt.Println("  e.g.", m)
	}
	if found != len(truth) || dups > 0 || extra > 0 {
		return errors.New("the index does not match the truth")
	}
	return nil
}
