// Command searchload loads a running `jobcrawl daemon` with concurrent
// searches at the largest page size and reports what the daemon answered,
// how fast, and how much memory it took.
//
//	go run ./bench/searchload -postings 100000 -clients 100 -requests 20
//
// It builds jobcrawl (or takes -bin), writes N generated postings
// (index/indextest's generator) into a temporary data directory through
// index/embedded, writes a config.yaml with no sites, starts the daemon on a
// free loopback port and waits for /healthz. Then -clients clients each make
// -requests GET /api/search calls with limit=search.max_limit and varied
// text, filters and facets, while the daemon's RSS (/proc/PID/status VmRSS)
// is sampled every 50ms and, with -page, the search page is fetched every
// -page-every to see that it stays responsive. It reports the status codes,
// the latency percentiles, the throughput and the peak RSS (the larger of
// the samples and VmHWM), as text or with -json as JSON.
//
// It exits 1 when the daemon answers a 5xx other than 503 (503 with
// Retry-After is how the daemon turns searches away beyond its queue) or a
// request fails, and when -max-rss is set and the peak RSS exceeds it.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

type options struct {
	bin            string
	data           string // reuse this data directory (generated into when empty)
	postings       int
	clients        int
	requests       int
	maxLimit       int
	maxConcurrent  int
	queue          int
	queueTimeout   time.Duration
	page           bool
	pageEvery      time.Duration
	jsonOut        bool
	keep           bool
	maxRSSMB       int
	memprofile     string
	cpuprofile     string
	healthzTimeout time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "the jobcrawl binary (default: go build it into a temporary directory)")
	flag.StringVar(&o.data, "data", "", "data directory to use and keep; postings are generated into it only when its index is empty")
	flag.IntVar(&o.postings, "postings", 100_000, "postings to generate")
	flag.IntVar(&o.clients, "clients", 100, "concurrent clients")
	flag.IntVar(&o.requests, "requests", 20, "searches per client")
	flag.IntVar(&o.maxLimit, "max-limit", 100, "search.max_limit; every search asks for this many hits")
	flag.IntVar(&o.maxConcurrent, "max-concurrent", 0, "search.max_concurrent (0: the daemon's default)")
	flag.IntVar(&o.queue, "queue", 0, "search.queue (0: the daemon's default)")
	flag.DurationVar(&o.queueTimeout, "queue-timeout", 0, "search.queue_timeout (0: the daemon's default)")
	flag.BoolVar(&o.page, "page", true, "fetch the search page while the load runs and report its latency")
	flag.DurationVar(&o.pageEvery, "page-every", 250*time.Millisecond, "pause between two fetches of the search page")
	flag.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (config, log)")
	flag.IntVar(&o.maxRSSMB, "max-rss", 0, "exit 1 when the daemon's peak RSS exceeds this many MB (0: no check)")
	flag.StringVar(&o.memprofile, "memprofile", "", "write the daemon's heap profile at its exit to this file (go tool pprof)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write the daemon's CPU profile to this file")
	flag.DurationVar(&o.healthzTimeout, "start-timeout", 2*time.Minute, "how long the daemon may take to answer /healthz")
	flag.Parse()
	if o.clients < 1 || o.requests < 1 || o.postings < 0 || o.maxLimit < 1 {
		fmt.Fprintln(os.Stderr, "searchload: -clients, -requests and -max-limit must be at least 1, -postings at least 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "searchload:", err)
		os.Exit(1)
	}
}

// report is what a run measured.
type report struct {
	Postings    int            `json:"postings"`
	Clients     int            `json:"clients"`
	Limit       int            `json:"limit"`
	Requests    int            `json:"requests"`
	Status      map[string]int `json:"status"` // "200", "503", "error"
	Seconds     float64        `json:"seconds"`
	PerSecond   float64        `json:"requests_per_second"`
	OKPerSecond float64        `json:"ok_per_second"`
	LatencyMS   percentiles    `json:"latency_ms"`    // every answered request
	OKLatencyMS percentiles    `json:"ok_latency_ms"` // 200s only
	RSSIdleMB   float64        `json:"rss_idle_mb"`   // after start, before the load
	RSSPeakMB   float64        `json:"rss_peak_mb"`   // max of the samples and VmHWM
	VmHWMMB     float64        `json:"vmhwm_mb"`
	RSSAfterMB  float64        `json:"rss_after_mb"` // when the load ended
	// The peak RSS split: anonymous memory (the Go heap, stacks) and file
	// pages mapped into the process (the embedded index's record store is
	// read through a memory map: the pages of the records a search returns
	// count as resident until the kernel or the engine drops them).
	RssAnonPeakMB float64     `json:"rss_anon_peak_mb"`
	RssFilePeakMB float64     `json:"rss_file_peak_mb"`
	Page          *pageReport `json:"page,omitempty"`
	BadStatus     int         `json:"bad_status"` // 5xx other than 503, and failed requests
	RetryAfterBad int         `json:"retry_after_missing"`
}

type pageReport struct {
	Checks    int            `json:"checks"`
	Status    map[string]int `json:"status"`
	LatencyMS percentiles    `json:"latency_ms"`
}

type percentiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func percentilesOf(d []time.Duration) percentiles {
	if len(d) == 0 {
		return percentiles{}
	}
	slices.Sort(d)
	at := func(p float64) float64 {
		i := min(len(d)-1, int(p*float64(len(d))))
		return ms(d[i])
	}
	return percentiles{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(d[len(d)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func run(ctx context.Context, o options) error {
	work, err := os.MkdirTemp("", "searchload-")
	if err != nil {
		return err
	}
	if o.keep {
		progress("work directory: %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	bin := o.bin
	if bin == "" {
		if bin, err = build(ctx, work); err != nil {
			return err
		}
	}
	data := o.data
	if data == "" {
		data = filepath.Join(work, "data")
	}
	postings, err := generate(ctx, data, o.postings)
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	cfg := filepath.Join(work, "config.yaml")
	if err := os.WriteFile(cfg, []byte(configYAML(data, addr, o)), 0o644); err != nil {
		return err
	}
	d, err := startDaemon(ctx, bin, cfg, work, o)
	if err != nil {
		return err
	}
	defer d.stop()
	base := "http://" + addr
	if err := waitHealthy(ctx, base, d, o.healthzTimeout); err != nil {
		return err
	}
	progress("daemon up on %s with %d postings; %d clients × %d searches, limit %d", base, postings, o.clients, o.requests, o.maxLimit)

	rep := report{Postings: postings, Clients: o.clients, Limit: o.maxLimit, Status: map[string]int{}}
	rep.RSSIdleMB = mb(d.rss("VmRSS"))
	var peak, peakAnon, peakFile int64
	sampled := make(chan struct{})
	loadCtx, endLoad := context.WithCancel(ctx)
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, d.rss("VmRSS"))
			peakAnon, peakFile = max(peakAnon, d.rss("RssAnon")), max(peakFile, d.rss("RssFile"))
			select {
			case <-loadCtx.Done():
				return
			case <-t.C:
			}
		}
	}()
	var page *pageReport
	pageDone := make(chan struct{})
	if o.page {
		go func() { defer close(pageDone); page = checkPage(loadCtx, base, o.pageEvery) }()
	} else {
		close(pageDone)
	}

	start := time.Now()
	results := load(ctx, base, o)
	rep.Seconds = time.Since(start).Seconds()
	rep.RSSAfterMB = mb(d.rss("VmRSS"))
	endLoad()
	<-sampled
	<-pageDone
	hwm := d.rss("VmHWM")
	rep.VmHWMMB = mb(hwm)
	rep.RSSPeakMB = mb(max(peak, hwm))
	rep.RssAnonPeakMB, rep.RssFilePeakMB = mb(peakAnon), mb(peakFile)
	rep.Page = page

	var all, ok []time.Duration
	for _, r := range results {
		rep.Requests++
		if r.err != nil {
			rep.Status["error"]++
			rep.BadStatus++
			continue
		}
		rep.Status[strconv.Itoa(r.status)]++
		all = append(all, r.took)
		switch {
		case r.status == http.StatusOK:
			ok = append(ok, r.took)
		case r.status == http.StatusServiceUnavailable:
			if !r.retryAfter {
				rep.RetryAfterBad++
			}
		case r.status >= 500:
			rep.BadStatus++
		}
	}
	rep.PerSecond = float64(rep.Requests) / rep.Seconds
	rep.OKPerSecond = float64(len(ok)) / rep.Seconds
	rep.LatencyMS, rep.OKLatencyMS = percentilesOf(all), percentilesOf(ok)
	if page != nil {
		for code, n := range page.Status {
			if c, err := strconv.Atoi(code); err != nil || c >= 500 && c != http.StatusServiceUnavailable {
				rep.BadStatus += n
			}
		}
	}

	if err := d.stop(); err != nil {
		progress("daemon exit: %v (its log: %s)", err, d.logPath)
	}
	if o.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		printReport(os.Stdout, rep)
	}
	var failures []string
	if rep.BadStatus > 0 {
		failures = append(failures, fmt.Sprintf("%d requests failed or were answered a 5xx other than 503", rep.BadStatus))
	}
	if rep.RetryAfterBad > 0 {
		failures = append(failures, fmt.Sprintf("%d answers 503 without Retry-After", rep.RetryAfterBad))
	}
	if o.maxRSSMB > 0 && rep.RSSPeakMB > float64(o.maxRSSMB) {
		failures = append(failures, fmt.Sprintf("peak RSS %.0f MB is over -max-rss %d MB", rep.RSSPeakMB, o.maxRSSMB))
	}
	if len(failures) > 0 {
		if o.keep {
			failures = append(failures, "the daemon's log: "+d.logPath)
		}
		return errors.New(strings.Join(failures, "; "))
	}
	return nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "searchload: "+format+"\n", args...)
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// build builds jobcrawl from the module this program is part of.
func build(ctx context.Context, work string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("find the jobcrawl module (run from inside it, or pass -bin): %v", err)
	}
	bin := filepath.Join(work, "jobcrawl")
	progress("building jobcrawl")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/jobcrawl")
	cmd.Dir, cmd.Stdout, cmd.Stderr = filepath.Dir(gomod), os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/jobcrawl: %w", err)
	}
	return bin, nil
}

// generate writes n generated postings into the embedded index in dir,
// unless it already holds some; it returns how many the index holds.
func generate(ctx context.Context, dir string, n int) (int, error) {
	ix, err := embedded.Open(dir)
	if err != nil {
		return 0, err
	}
	defer ix.Close()
	st, err := ix.Stats(ctx)
	if err != nil {
		return 0, err
	}
	if st.Documents > 0 {
		progress("%s already holds %d postings; generating none", dir, st.Documents)
		return int(st.Documents), nil
	}
	start := time.Now()
	gen := indextest.NewGenerator(1)
	const batch = 1000
	for done := 0; done < n; done += batch {
		if err := ix.Upsert(ctx, gen.Next(min(batch, n-done))); err != nil {
			return 0, fmt.Errorf("write postings: %w", err)
		}
		if done > 0 && done%20_000 == 0 {
			progress("%d postings written", done)
		}
	}
	progress("%d postings written in %s", n, time.Since(start).Round(time.Second))
	if err := ix.Close(); err != nil {
		return 0, err
	}
	return n, nil
}

// freeAddr is a loopback address nothing listens on (a moment ago).
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// configYAML is a configuration with no sites: the daemon only serves.
func configYAML(data, addr string, o options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir: %q\ndaemon:\n  listen: %q\nsearch:\n  max_limit: %d\n", data, addr, o.maxLimit)
	if o.maxConcurrent > 0 {
		fmt.Fprintf(&b, "  max_concurrent: %d\n", o.maxConcurrent)
	}
	if o.queue > 0 {
		fmt.Fprintf(&b, "  queue: %d\n", o.queue)
	}
	if o.queueTimeout > 0 {
		fmt.Fprintf(&b, "  queue_timeout: %s\n", o.queueTimeout)
	}
	b.WriteString("sites: []\n")
	return b.String()
}

// daemon is the jobcrawl daemon process.
type daemon struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	err     error // once exited
	once    sync.Once
}

func startDaemon(ctx context.Context, bin, cfg, work string, o options) (*daemon, error) {
	logPath := filepath.Join(work, "daemon.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "daemon", "--config", cfg, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = os.Environ()
	for env, path := range map[string]string{"JOBCRAWL_MEMPROFILE": o.memprofile, "JOBCRAWL_CPUPROFILE": o.cpuprofile} {
		if path != "" {
			abs, err := filepath.Abs(path)
			if err != nil {
				return nil, err
			}
			cmd.Env = append(cmd.Env, env+"="+abs)
		}
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	d := &daemon{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		logFile.Close()
		close(d.exited)
	}()
	go func() {
		select {
		case <-ctx.Done():
			d.stop()
		case <-d.exited:
		}
	}()
	return d, nil
}

// stop asks the daemon to stop (SIGTERM), as an operator would, so that it
// writes its profiles; it kills it after a minute.
func (d *daemon) stop() error {
	d.once.Do(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(time.Minute):
			d.cmd.Process.Kill()
			<-d.exited
		}
	})
	<-d.exited
	return d.err
}

// rss reads a size field (VmRSS, VmHWM) of the daemon's /proc/PID/status,
// in bytes; 0 when it cannot.
func (d *daemon) rss(field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func waitHealthy(ctx context.Context, base string, d *daemon, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-d.exited:
			log, _ := os.ReadFile(d.logPath)
			return fmt.Errorf("the daemon exited: %v\n%s", d.err, log)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the daemon did not answer /healthz with 200 within %s (its log: %s)", timeout, d.logPath)
		}
	}
}

// result is one search's outcome.
type result struct {
	status     int
	retryAfter bool
	took       time.Duration
	err        error
}

// Values the generated postings hold, for varied searches.
var (
	texts = []string{"senior engineer", "data pipelines", "sales manager", "kubernetes", "analyst", "cloud security",
		"python", "machine learning", "product design", "", "distributed systems", "customer success"}
	filterSets = [][]string{
		{"countries:United States", "employment_type:full_time"},
		{"countries:Canada", "countries:Germany"},
		{"workplace_type:remote"},
		{"job_family:Software Engineering", "workplace_type:hybrid"},
		{"company:Contoso"},
		{},
		{"team:Cloud", "team:Search", "employment_type:full_time"},
		{"locations:London, England, United Kingdom"},
	}
	facetSets = [][]string{
		{"job_family", "team", "locations", "workplace_type"},
		{"countries", "company"},
		{"employment_type"},
		{},
		{"job_family", "countries", "team", "company", "workplace_type", "employment_type"},
	}
	sorts = []string{"", "", "date_posted:desc", "salary_max:desc"}
)

// searchURL is the i-th client's j-th search.
func searchURL(base string, limit int, r *rand.Rand) string {
	v := url.Values{}
	if t := texts[r.IntN(len(texts))]; t != "" {
		v.Set("q", t)
	}
	for _, f := range filterSets[r.IntN(len(filterSets))] {
		v.Add("filter", f)
	}
	for _, f := range facetSets[r.IntN(len(facetSets))] {
		v.Add("facet", f)
	}
	if s := sorts[r.IntN(len(sorts))]; s != "" {
		v.Set("sort", s)
	}
	v.Set("limit", strconv.Itoa(limit))
	return base + "/api/search?" + v.Encode()
}

// load runs the clients and returns every search's outcome.
func load(ctx context.Context, base string, o options) []result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.clients, MaxConnsPerHost: o.clients},
		Timeout: time.Minute}
	out := make([][]result, o.clients)
	var wg sync.WaitGroup
	for i := range o.clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			for range o.requests {
				if ctx.Err() != nil {
					return
				}
				out[i] = append(out[i], fetch(ctx, client, searchURL(base, o.maxLimit, r)))
			}
		})
	}
	wg.Wait()
	return slices.Concat(out...)
}

func fetch(ctx context.Context, client *http.Client, u string) result {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return result{err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		return result{err: err}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return result{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After") != "", took: time.Since(start), err: err}
}

// checkPage fetches the search page, as a visitor would, until ctx ends.
func checkPage(ctx context.Context, base string, every time.Duration) *pageReport {
	rep := &pageReport{Status: map[string]int{}}
	client := &http.Client{Timeout: time.Minute}
	var took []time.Duration
	pages := []string{"/?q=engineer", "/?q=data+pipelines&f=countries:United+States", "/?f=workplace_type:remote&sort=newest", "/"}
	for i := 0; ctx.Err() == nil; i++ {
		r := fetch(context.WithoutCancel(ctx), client, base+pages[i%len(pages)])
		rep.Checks++
		if r.err != nil {
			rep.Status["error"]++
		} else {
			rep.Status[strconv.Itoa(r.status)]++
			took = append(took, r.took)
		}
		select {
		case <-ctx.Done():
		case <-time.After(every):
		}
	}
	rep.LatencyMS = percentilesOf(took)
	return rep
}

func printReport(w io.Writer, r report) {
	codes := func(m map[string]int) string {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
		}
		return strings.Join(parts, ", ")
	}
	lat := func(p percentiles) string {
		return fmt.Sprintf("p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms", p.P50, p.P95, p.P99, p.Max)
	}
	fmt.Fprintf(w, "postings          %d\n", r.Postings)
	fmt.Fprintf(w, "clients           %d, limit=%d\n", r.Clients, r.Limit)
	fmt.Fprintf(w, "requests          %d in %.1fs: %.1f/s (%.1f/s answered 200)\n", r.Requests, r.Seconds, r.PerSecond, r.OKPerSecond)
	fmt.Fprintf(w, "status            %s\n", codes(r.Status))
	fmt.Fprintf(w, "latency, all      %s\n", lat(r.LatencyMS))
	fmt.Fprintf(w, "latency, 200      %s\n", lat(r.OKLatencyMS))
	fmt.Fprintf(w, "RSS               idle %.0f MB, peak %.0f MB (VmHWM %.0f MB), after the load %.0f MB\n",
		r.RSSIdleMB, r.RSSPeakMB, r.VmHWMMB, r.RSSAfterMB)
	fmt.Fprintf(w, "RSS peaks, split  anonymous (heap) %.0f MB, mapped files %.0f MB\n", r.RssAnonPeakMB, r.RssFilePeakMB)
	if r.Page != nil {
		fmt.Fprintf(w, "search page       %d fetches under load: %s; %s\n", r.Page.Checks, codes(r.Page.Status), lat(r.Page.LatencyMS))
	}
}
