package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

func runCrawl(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("crawl", "[--site NAME]... [--demo] [--full] [--json]",
		"Crawls every site of the configuration once (or only the named ones), writes what it\n"+
			"finds to the index, and prints a summary per site. A run that fails part-way or is\n"+
			"interrupted keeps what it found and closes nothing (but postings whose page answered\n"+
			"404 or 410).\n\n"+
			"Re-crawls ask for posting pages conditionally (ETag, Last-Modified) and, where a site\n"+
			"allows it (incremental.skip_unchanged_cards), skip those whose result-page card is\n"+
			"unchanged; --full downloads every page instead.\n\n"+
			"--demo crawls a small built-in careers site served on 127.0.0.1 instead of the\n"+
			"configured sites, so you can try jobcrawl with no network.")
	var sites stringList
	fs.Var(&sites, "site", "crawl only this site (repeatable)")
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	demo := fs.Bool("demo", false, "crawl the built-in demo careers site")
	quiet := fs.Bool("quiet", false, "no progress display")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the crawl to `file` (for performance work)")
	full := fs.Bool("full", false, "download every page: no conditional requests, no skipped cards")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return usagef("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if len(pos) > 0 {
		return usagef("crawl takes no arguments (got %q); name sites with --site", pos)
	}

	var cfg *Config
	if *demo {
		var stop func()
		if cfg, stop, err = demoConfig(e.configPath); err != nil {
			return err
		}
		defer stop()
	} else if cfg, err = loadConfig(e.configPath); err != nil {
		return err
	}
	todo := cfg.Sites
	if len(sites) > 0 {
		todo = nil
		for _, name := range sites {
			s, ok := cfg.site(name)
			if !ok {
				return cfg.unknownSite(name)
			}
			todo = append(todo, *s)
		}
	}
	if len(todo) == 0 {
		return usagef("config %s has no sites to crawl (see the example config.yaml, or try --demo)", cfg.path)
	}

	ix, err := openIndex(cfg)
	if err != nil {
		return err
	}
	defer ix.Close()
	if err := adoptRenamed(ctx, ix, cfg, todo, e.stderr); err != nil {
		return err
	}

	co, err := openCoordinator(cfg, e.logger)
	if err != nil {
		return err
	}
	defer co.Close()
	c := newCrawler(cfg, ix, e.logger)
	c.Shared = co.Hosts()
	c.Full = *full
	prog := newProgress(e.stderr, !*quiet && isTerminal(e.stderr))
	results := make([]crawler.Stats, len(todo))
	errs := make([]error, len(todo))
	sem := make(chan struct{}, cfg.MaxConcurrentSites)
	var wg sync.WaitGroup
	for i := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], errs[i] = runLeased(ctx, co, cfg.leaseTTL(), c, &todo[i], prog.update)
		}()
	}
	wg.Wait()
	prog.done()
	evaluateAfterCrawl(ctx, e, cfg, ix)

	failed := false
	for i, err := range errs {
		if err != nil {
			failed = true
			fmt.Fprintf(e.stderr, "jobcrawl: site %s: %v\n", todo[i].Name, err)
		} else if results[i].Failed() {
			failed = true
		}
	}
	if *asJSON {
		type siteJSON struct {
			crawler.Stats
			Error string `json:"error,omitempty"`
		}
		out := struct {
			Sites []siteJSON `json:"sites"`
		}{}
		for i, s := range results {
			sj := siteJSON{Stats: s}
			if errs[i] != nil {
				sj.Error = errs[i].Error()
			}
			out.Sites = append(out.Sites, sj)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printSummary(e.stdout, results)
	}
	switch {
	case ctx.Err() != nil:
		return errQuiet{exitInterrupted}
	case failed:
		return errQuiet{exitSiteFailed}
	}
	return nil
}

// newCrawler is the crawler the configuration describes.
func newCrawler(cfg *Config, ix index.Index, logger *slog.Logger) *crawler.Crawler {
	c := &crawler.Crawler{Index: ix, Logger: logger, UserAgent: cfg.UserAgent, MaxCloseShare: cfg.MaxCloseShare,
		ClosedRetention: time.Duration(cfg.ClosedRetention), HostRates: cfg.hostRates()}
	if cfg.Index.Backend == "meilisearch" {
		// a server takes larger payloads best; the embedded engine, small
		// batches (less memory held by a write)
		c.BatchSize = cfg.Index.Meilisearch.BatchSize
	}
	return c
}

// printSummary writes one line per site, then what each run noticed.
func printSummary(w io.Writer, results []crawler.Stats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "site\tpages\tpostings\tnew\tupdated\tunchanged\tclosed\trejected\terrors\ttime\tcomplete\t")
	for _, s := range results {
		rejected := 0
		for _, n := range s.Rejected {
			rejected += n
		}
		complete := "yes"
		if !s.Complete {
			complete = "no: " + s.Incomplete
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", s.Site, s.Pages+s.Details, s.Postings,
			s.New, s.Updated, s.Unchanged, s.Closed, rejected, s.Errors, humanDuration(time.Duration(s.Seconds*float64(time.Second))), complete)
	}
	tw.Flush()
	for _, s := range results {
		var notes []string
		if s.Duplicates > 0 {
			notes = append(notes, fmt.Sprintf("%d duplicate copies merged", s.Duplicates))
		}
		if s.NotModified > 0 || s.SkippedUnchanged > 0 {
			notes = append(notes, fmt.Sprintf("incremental: %d posting pages downloaded, %d not modified (304), %d skipped (card unchanged)",
				s.Details, s.NotModified, s.SkippedUnchanged))
		}
		if s.Gone > 0 {
			notes = append(notes, fmt.Sprintf("%d posting pages gone (404, 410 or saying so)", s.Gone))
		}
		if s.Deleted > 0 {
			notes = append(notes, fmt.Sprintf("%d closed postings deleted (past closed_retention)", s.Deleted))
		}
		if s.Retries > 0 || s.HostPauses > 0 {
			notes = append(notes, fmt.Sprintf("%d requests, %d retries, %d host pauses", s.Requests, s.Retries, s.HostPauses))
		}
		if len(s.Rejected) > 0 {
			notes = append(notes, "rejected pages: "+formatCounts(s.Rejected))
		}
		if len(s.ByKind) > 0 {
			notes = append(notes, "errors: "+formatCounts(s.ByKind))
		}
		if s.Suspect != "" {
			notes = append(notes, "SUSPECT: "+s.Suspect)
		}
		if len(s.Coverage) > 0 {
			var parts []string
			for _, f := range crawler.CoverageFields {
				parts = append(parts, fmt.Sprintf("%s %.0f%%", f, 100*s.Coverage[f]))
			}
			notes = append(notes, "coverage: "+strings.Join(parts, ", "))
		}
		for _, n := range notes {
			fmt.Fprintf(w, "%s: %s\n", s.Site, n)
		}
	}
}

func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// progress shows one line per running site on a terminal.
type progress struct {
	w     io.Writer
	on    bool
	mu    sync.Mutex
	sites map[string]crawler.Stats
	last  time.Time
}

func newProgress(w io.Writer, on bool) *progress {
	return &progress{w: w, on: on, sites: map[string]crawler.Stats{}}
}

func (p *progress) update(s crawler.Stats) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sites[s.Site] = s
	if time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	names := make([]string, 0, len(p.sites))
	for n := range p.sites {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, progressLine(p.sites[n], time.Now()))
	}
	fmt.Fprintf(p.w, "\r\033[K%s", strings.Join(parts, " | "))
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// demoAddr is where the demo site is served when the port is free.
const demoAddr = "127.0.0.1:7899"

// demoConfig serves the built-in demo site on loopback until stop is
// called and returns a configuration that crawls it (see demoIndex for
// where its postings go).
func demoConfig(path string) (cfg *Config, stop func(), err error) {
	cfg, err = demoIndex(path)
	if err != nil {
		return nil, nil, err
	}
	// The same address every time when it is free, so the demo's postings
	// keep their URLs and a second crawl finds them unchanged.
	ln, err := net.Listen("tcp", demoAddr)
	if err != nil {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("demo site: %w", err)
	}
	site := demosite.New(demosite.Options{Jobs: 60, Seed: 1})
	srv := &http.Server{Handler: site.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	cfg.Sites = []crawler.Site{{
		Name: "demo", Company: site.Company, StartURLs: []string{demosite.StartURL(base)},
		Pagination: crawler.Pagination{Next: "a[rel=next]"}, JobLinks: "a.job-title",
		Limits: crawler.Limits{Parallelism: 4},
	}}
	if err := cfg.Validate(); err != nil {
		srv.Close()
		return nil, nil, errors.New("demo site config: " + err.Error())
	}
	return cfg, func() { srv.Close() }, nil
}

// demoIndex is the configuration at path (or the default one) with its
// index moved aside for the demo, so that demo postings never mix into a
// real index: data_dir gets "-demo" appended (./data-demo), a Meilisearch
// index uid "_demo" (jobs_demo).
func demoIndex(path string) (*Config, error) {
	loaded, err := loadConfigOrDefault(path)
	if err != nil {
		return nil, err
	}
	c := *loaded
	c.DataDir = strings.TrimRight(c.DataDir, `/\`) + "-demo"
	c.Index.Meilisearch.Index += "_demo"
	return &c, nil
}

// progressLine is one site's progress: pages, postings (of how many when
// the API announced it, or about how many the index held), the rate,
// the time so far and, with a total, the time left.
func progressLine(st crawler.Stats, now time.Time) string {
	elapsed := now.Sub(st.Started)
	if st.Started.IsZero() || elapsed < 0 {
		elapsed = 0
	}
	postings := strconv.Itoa(st.Postings)
	if st.Expected > 0 {
		of := "~"
		if st.ExpectedStated {
			of = ""
		}
		postings += "/" + of + strconv.Itoa(st.Expected)
	}
	line := fmt.Sprintf("%s: %d pages, %s postings", st.Site, st.Pages+st.Details, postings)
	if elapsed >= time.Second {
		rate := float64(st.Postings) / elapsed.Seconds()
		line += fmt.Sprintf(", %.1f/s", rate)
		if st.Expected > st.Postings && rate > 0 {
			left := time.Duration(float64(st.Expected-st.Postings) / rate * float64(time.Second))
			line += ", ETA " + humanDuration(left)
		}
	}
	line += ", " + humanDuration(elapsed)
	if st.Errors > 0 {
		line += fmt.Sprintf(", %d errors", st.Errors)
	}
	return line
}

// humanDuration reads a duration for people: milliseconds under a second
// ("340ms", never "0s"), tenths of a second under a minute ("12.3s"),
// whole seconds beyond ("4m12s").
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
