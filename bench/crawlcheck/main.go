// Command crawlcheck measures and checks jobcrawl against the shared
// synthetic careers site (../shared/jobsite), faults and all. It builds the
// jobcrawl and jobsite binaries, starts jobsite with the given flags, writes
// a configuration for it, runs `jobcrawl crawl --json` (and, with -recrawl,
// a second time on the unchanged site), then checks the index against
// jobsite's truth file and its /_stats:
//
//   - every unique job number of the truth is in the index, once, and
//     nothing else is;
//   - no record reads like a truncated page (its title, last qualification
//     and the end of its description are those of the truth);
//   - the site never saw more requests in one second than the configured
//     rate cap (when -rate is set).
//
// Run it from the repository root:
//
//	go run ./bench/crawlcheck -jobs 2000 -fail-rate 0.3 -rate-limit 20 -truncate-rate 0.05 -rate 20/s
//	go run ./bench/crawlcheck -jobs 2000 -recrawl -skip-cards
//
// It exits 1 when a check fails.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/bench/internal/jobsite"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

type options struct {
	jobsiteDir, style, rate, keep       string
	jobs, rateLimit, parallelism, retry int
	dupRate, failRate, truncRate        float64
	recrawl, skipCards                  bool
}

func main() {
	var o options
	flag.StringVar(&o.jobsiteDir, "jobsite", "../shared/jobsite", "the jobsite source `dir`")
	flag.IntVar(&o.jobs, "jobs", 2000, "jobsite -jobs")
	flag.StringVar(&o.style, "style", "mixed", "jobsite -style")
	flag.Float64Var(&o.dupRate, "dup-rate", 0.15, "jobsite -dup-rate")
	flag.Float64Var(&o.failRate, "fail-rate", 0, "jobsite -fail-rate")
	flag.Float64Var(&o.truncRate, "truncate-rate", 0, "jobsite -truncate-rate")
	flag.IntVar(&o.rateLimit, "rate-limit", 0, "jobsite -rate-limit (429 beyond this many requests per second)")
	flag.StringVar(&o.rate, "rate", "", "the crawl's limits.rate (like 20/s; empty: no cap)")
	flag.IntVar(&o.parallelism, "parallelism", 8, "the crawl's limits.parallelism")
	flag.IntVar(&o.retry, "max-retries", 5, "the crawl's limits.max_retries")
	flag.BoolVar(&o.recrawl, "recrawl", false, "crawl the unchanged site a second time and compare")
	flag.BoolVar(&o.skipCards, "skip-cards", false, "configure incremental.skip_unchanged_cards")
	flag.StringVar(&o.keep, "keep", "", "work in this `dir` and keep it (default: a temporary one, removed)")
	flag.Parse()
	ok, err := run(o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawlcheck:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// crawlStats is what the check reads of `jobcrawl crawl --json`.
type crawlStats struct {
	Postings         int            `json:"postings"`
	Pages            int            `json:"pages"`
	Details          int            `json:"details"`
	NotModified      int            `json:"not_modified"`
	SkippedUnchanged int            `json:"skipped_unchanged"`
	Requests         int            `json:"requests"`
	Retries          int            `json:"retries"`
	HostPauses       int            `json:"host_pauses"`
	New              int            `json:"new"`
	Updated          int            `json:"updated"`
	Unchanged        int            `json:"unchanged"`
	Closed           int            `json:"closed"`
	Errors           int            `json:"errors"`
	ByKind           map[string]int `json:"error_kinds"`
	Rejected         map[string]int `json:"rejected"`
	Complete         bool           `json:"complete"`
	Incomplete       string         `json:"incomplete_reason"`
	Seconds          float64        `json:"duration_seconds"`
}

// jobsite.Job is a job line of jobsite's truth file.
func run(o options, out io.Writer) (bool, error) {
	work := o.keep
	if work == "" {
		dir, err := os.MkdirTemp("", "crawlcheck")
		if err != nil {
			return false, err
		}
		defer os.RemoveAll(dir)
		work = dir
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return false, err
	}
	jobcrawl, siteBin := filepath.Join(work, "jobcrawl"), filepath.Join(work, "jobsite")
	if err := command("go", "build", "-o", jobcrawl, "./cmd/jobcrawl").Run(); err != nil {
		return false, fmt.Errorf("build jobcrawl (run from the repository root): %w", err)
	}
	if err := jobsite.Build(o.jobsiteDir, siteBin); err != nil {
		return false, fmt.Errorf("build jobsite from %s: %w", o.jobsiteDir, err)
	}

	truthPath := filepath.Join(work, "truth.jsonl")
	siteArgs := []string{"-jobs", fmt.Sprint(o.jobs), "-style", o.style, "-dup-rate", fmt.Sprint(o.dupRate),
		"-fail-rate", fmt.Sprint(o.failRate), "-rate-limit", fmt.Sprint(o.rateLimit),
		"-truncate-rate", fmt.Sprint(o.truncRate), "-addr", "127.0.0.1:0", "-truth", truthPath}
	base, stop, err := jobsite.Start(siteBin, siteArgs)
	if err != nil {
		return false, err
	}
	defer stop()
	fmt.Fprintf(out, "jobsite %s at %s\n", strings.Join(siteArgs, " "), base)

	cfg := filepath.Join(work, "config.yaml")
	limits := fmt.Sprintf("{parallelism: %d, delay: 0s, max_retries: %d, retry_backoff: 100ms", o.parallelism, o.retry)
	if o.rate != "" {
		limits += fmt.Sprintf(", rate: %q", o.rate)
	}
	limits += "}"
	incremental := ""
	if o.skipCards {
		incremental = `    incremental: {skip_unchanged_cards: true, card: "li.job-card"}` + "\n"
	}
	os.RemoveAll(filepath.Join(work, "data"))
	conf := fmt.Sprintf(`data_dir: ./data
sites:
  - name: jobsite
    company: Contoso
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "li.job-card h2.job-title a"
%s    limits: %s
`, base+"/careers/search?pg=1", incremental, limits)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		return false, err
	}
	fmt.Fprintf(out, "config:\n%s", conf)

	before, err := siteStats(base)
	if err != nil {
		return false, err
	}
	first, wall, err := crawl(jobcrawl, cfg)
	if err != nil {
		return false, err
	}
	afterFirst, err := siteStats(base)
	if err != nil {
		return false, err
	}
	report(out, "crawl", first, wall, diff(before, afterFirst))

	ok := check(out, o, work, truthPath, first, afterFirst)
	if !o.recrawl {
		return ok, nil
	}
	second, wall2, err := crawl(jobcrawl, cfg)
	if err != nil {
		return false, err
	}
	afterSecond, err := siteStats(base)
	if err != nil {
		return false, err
	}
	report(out, "re-crawl", second, wall2, diff(afterFirst, afterSecond))
	share := float64(second.Details) / float64(max(first.Details, 1))
	fmt.Fprintf(out, "re-crawl downloaded %d posting pages, %.1f%% of the first crawl's %d (304: %d, skipped: %d); wall %s vs %s\n",
		second.Details, 100*share, first.Details, second.NotModified, second.SkippedUnchanged, wall2.Round(time.Millisecond), wall.Round(time.Millisecond))
	if share > 0.10 || !second.Complete || second.Unchanged != second.Postings {
		fmt.Fprintln(out, "FAIL: the re-crawl of the unchanged site downloaded over 10% of the posting pages, or did not find it unchanged")
		ok = false
	}
	return ok && check(out, o, work, truthPath, second, afterSecond), nil
}

func command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	return cmd
}

func siteStats(base string) (map[string]int, error) {
	resp, err := http.Get(base + "/_stats")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var m map[string]int
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

// diff is what the site counted between two snapshots; the maximum rate
// is the one of the whole life of the site.
func diff(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range b {
		if k == "max_requests_per_second" {
			out[k] = v
		} else if d := v - a[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func crawl(bin, cfg string) (crawlStats, time.Duration, error) {
	start := time.Now()
	cmd := exec.CommandContext(context.Background(), bin, "crawl", "--config", cfg, "--json", "--quiet")
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return crawlStats{}, wall, err
	}
	var res struct{ Sites []crawlStats }
	if err := json.Unmarshal(b, &res); err != nil || len(res.Sites) != 1 {
		return crawlStats{}, wall, fmt.Errorf("crawl --json: %v\n%s", err, b)
	}
	return res.Sites[0], wall, nil
}

func report(out io.Writer, what string, s crawlStats, wall time.Duration, site map[string]int) {
	fmt.Fprintf(out, "\n== %s: wall %s, complete %v %s\n", what, wall.Round(time.Millisecond), s.Complete, s.Incomplete)
	fmt.Fprintf(out, "crawler: postings %d, result pages %d, posting pages downloaded %d, 304 %d, skipped %d, requests %d, retries %d, host pauses %d\n",
		s.Postings, s.Pages, s.Details, s.NotModified, s.SkippedUnchanged, s.Requests, s.Retries, s.HostPauses)
	fmt.Fprintf(out, "crawler: new %d, updated %d, unchanged %d, closed %d, errors %d %v, rejected %v\n",
		s.New, s.Updated, s.Unchanged, s.Closed, s.Errors, s.ByKind, s.Rejected)
	keys := make([]string, 0, len(site))
	for k := range site {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, site[k]))
	}
	fmt.Fprintf(out, "jobsite: %s\n", strings.Join(parts, " "))
}

// check compares the index with the truth and the site's statistics.
func check(out io.Writer, o options, work, truthPath string, s crawlStats, site map[string]int) bool {
	truth, err := jobsite.ReadTruth(truthPath)
	if err != nil {
		fmt.Fprintln(out, "FAIL: read truth:", err)
		return false
	}
	ix, err := embedded.Open(filepath.Join(work, "data"))
	if err != nil {
		fmt.Fprintln(out, "FAIL: open index:", err)
		return false
	}
	defer ix.Close()
	records := map[string]int{}
	var incomplete []string
	err = ix.Each(context.Background(), "jobsite", func(r index.Record) error {
		records[r.JobNumber]++
		t, ok := truth[r.JobNumber]
		if ok && r.Status == index.StatusOpen && !readsWhole(r, t) {
			incomplete = append(incomplete, r.JobNumber)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(out, "FAIL: read index:", err)
		return false
	}
	var missing, extra, dups []string
	for num := range truth {
		if records[num] == 0 {
			missing = append(missing, num)
		}
	}
	for num, n := range records {
		if _, ok := truth[num]; !ok {
			extra = append(extra, num)
		}
		if n > 1 {
			dups = append(dups, num)
		}
	}
	fmt.Fprintf(out, "check: truth %d jobs; index %d records, %d unique job numbers; missing %d, not in truth %d, duplicated %d\n",
		len(truth), sum(records), len(records), len(missing), len(extra), len(dups))
	fmt.Fprintf(out, "check: records reading like a truncated page: %d (site served %d truncated answers; crawler gave up on %d)\n",
		len(incomplete), site["truncated"], s.ByKind["truncated"])
	ok := len(missing) == 0 && len(extra) == 0 && len(dups) == 0 && len(incomplete) == 0 && s.Complete
	if o.rate != "" {
		var n int
		fmt.Sscanf(o.rate, "%d/s", &n)
		fmt.Fprintf(out, "check: max requests in one second %d, configured rate %s, site limit %d, 429s %d\n",
			site["max_requests_per_second"], o.rate, o.rateLimit, site["search 429"]+site["job 429"])
		if n > 0 && site["max_requests_per_second"] > n {
			fmt.Fprintln(out, "FAIL: the site saw more requests in one second than the rate cap")
			ok = false
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(out, "missing (first 10): %v\n", missing[:min(10, len(missing))])
	}
	if len(incomplete) > 0 {
		fmt.Fprintf(out, "incomplete (first 10): %v\n", incomplete[:min(10, len(incomplete))])
	}
	if ok {
		fmt.Fprintln(out, "check: OK")
	} else {
		fmt.Fprintln(out, "check: FAIL")
	}
	return ok
}

// readsWhole reports whether a record has what a whole page says: its
// title, its last qualification, and the last line of its description
// (how qualifications are split is extraction's business, not checked).
func readsWhole(r index.Record, t jobsite.Job) bool {
	if r.Title != t.Title {
		return false
	}
	if n := len(t.Qualifications); n > 0 && !strings.Contains(strings.Join(r.Qualifications, "\n"), t.Qualifications[n-1]) {
		return false
	}
	lines := strings.Split(strings.TrimSpace(t.Description), "\n")
	last := strings.Join(strings.Fields(lines[len(lines)-1]), " ")
	return strings.Contains(strings.Join(strings.Fields(r.Description), " "), last)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
