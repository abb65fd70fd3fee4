// Command bigpage measures a crawl of a site whose one result page holds
// N posting links (100,000 by default): the peak RSS of the whole
// `jobcrawl crawl` process, and that every posting was asked for.
//
//	go run ./bench/bigpage -links 100000            # each posting page a real posting
//	go run ./bench/bigpage -links 100000 -gone      # each posting page answers 404
//
// It builds jobcrawl, serves the site from a process of its own (so the
// server's memory is not counted), runs `jobcrawl crawl --json` as a
// subprocess and reads its peak RSS and CPU time from the kernel.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	links := flag.Int("links", 100_000, "posting links on the one result page")
	gone := flag.Bool("gone", false, "every posting page answers 404")
	serve := flag.String("serve", "", "internal: serve the site on this address")
	parallelism := flag.Int("parallelism", 8, "requests in flight")
	keep := flag.Bool("keep", false, "keep the work directory")
	flag.Parse()
	if *serve != "" {
		serveSite(*serve, *links, *gone)
		return
	}
	if err := run(*links, *gone, *parallelism, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bigpage:", err)
		os.Exit(1)
	}
}

func run(links int, gone bool, parallelism int, keep bool) error {
	work, err := os.MkdirTemp("", "bigpage")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("work directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	bin := filepath.Join(work, "jobcrawl")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/jobcrawl").CombinedOutput(); err != nil {
		return fmt.Errorf("build jobcrawl (run from the repository root): %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	srv := exec.Command(self, "-serve", addr, "-links", strconv.Itoa(links), "-gone="+strconv.FormatBool(gone))
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			return fmt.Errorf("the site did not start on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}

	cfg := filepath.Join(work, "config.yaml")
	err = os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: ./data
sites:
  - name: bigpage
    company: Contoso
    start_urls: ["http://%s/careers"]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job"
    limits: {parallelism: %d, delay: 0s, max_retries: 1}
`, addr, parallelism)), 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "crawl", "--config", cfg, "--json", "--quiet")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start := time.Now()
	runErr := cmd.Run()
	wall := time.Since(start)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if runErr != nil && !strings.Contains(runErr.Error(), "exit status") {
		return runErr
	}
	var summary struct {
		Sites []struct {
			Pages, Details, Requests, Postings, Gone, Errors int
			Outcome                                          string
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out.String()), &summary); err != nil || len(summary.Sites) != 1 {
		return fmt.Errorf("jobcrawl summary: %v: %s", err, out.String())
	}
	s := summary.Sites[0]
	fmt.Printf("links on the page: %d (every posting page %s)\n", links, map[bool]string{true: "answers 404", false: "a posting"}[gone])
	fmt.Printf("jobcrawl: outcome %s, %d requests, %d result pages, %d posting pages read, %d postings, %d gone, %d errors\n",
		s.Outcome, s.Requests, s.Pages, s.Details, s.Postings, s.Gone, s.Errors)
	if ru != nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf("peak RSS %.1f MB, CPU %s, wall %s\n", float64(ru.Maxrss)/1024, cpu.Round(time.Millisecond), wall.Round(time.Millisecond))
	}
	asked := s.Details + s.Gone
	if asked != links {
		return fmt.Errorf("%d of the %d postings were asked for", asked, links)
	}
	return nil
}

// serveSite serves one result page of n links and the postings they lead to.
func serveSite(addr string, n int, gone bool) {
	var served atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "User-agent: *\nAllow: /\n") })
	mux.HandleFunc("GET /careers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>All jobs</title></head><body><h1>All jobs</h1><ul>\n")
		for i := range n {
			fmt.Fprintf(w, "<li><a class=\"job\" href=\"/jobs/%d\">Engineer %d</a></li>\n", 100000+i, i)
		}
		fmt.Fprint(w, "</ul></body></html>")
	})
	mux.HandleFunc("GET /jobs/{num}", func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if gone {
			http.NotFound(w, r)
			return
		}
		num := r.PathValue("num")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Software Engineer %[1]s</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"JobPosting","title":"Software Engineer %[1]s",
"identifier":{"@type":"PropertyValue","value":"%[1]s"},"datePosted":"2026-11-01","employmentType":"FULL_TIME",
"hiringOrganization":{"@type":"Organization","name":"Contoso"},
"jobLocation":{"@type":"Place","address":{"@type":"PostalAddress","addressLocality":"Houston","addressRegion":"TX","addressCountry":"US"}},
"description":"<p>Build and run the services our customers rely on. You will design, write and operate software in a small team.</p>"}</script>
</head><body><h1>Software Engineer %[1]s</h1><p>Job # %[1]s</p></body></html>`, num)
	})
	srv := &http.Server{Addr: addr, Handler: mux}
	go func() {
		c := make(chan os.Signal, 1)
		signalNotify(c)
		<-c
		srv.Close()
	}()
	srv.ListenAndServe()
}
