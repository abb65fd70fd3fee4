package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// syncBuffer is a bytes.Buffer the daemon's logger and the test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func siteYAML(name, schedule, url string, extra string) string {
	return fmt.Sprintf(`
  - name: %s
    schedule: %q
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
    limits: {parallelism: 4}
%s`, name, schedule, demosite.StartURL(url), extra)
}

func poll(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func getJSON(tb testing.TB, u string, v any) int {
	tb.Helper()
	resp, err := http.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatalf("%s: %v", u, err)
	}
	return resp.StatusCode
}

type sitesJSON struct {
	Sites []struct {
		Name     string `json:"name"`
		Schedule string `json:"schedule"`
		Runs     int    `json:"runs"`
	} `json:"sites"`
}

func (s sitesJSON) runs(name string) int {
	for _, st := range s.Sites {
		if st.Name == name {
			return st.Runs
		}
	}
	return -1
}

// TestDaemon runs `jobcrawl daemon` in-process: scheduled runs, search over
// HTTP and through `search --server`, SIGHUP reloads good and bad, and a
// graceful stop that exits 0.
func TestDaemon(t *testing.T) {
	siteA := demosite.New(demosite.Options{Jobs: 12, PerPage: 5, Seed: 31})
	srvA := httptest.NewServer(siteA.Handler())
	defer srvA.Close()
	siteB := demosite.New(demosite.Options{Jobs: 7, PerPage: 5, Seed: 32, Company: "Fabrikam"})
	srvB := httptest.NewServer(siteB.Handler())
	defer srvB.Close()

	head := "data_dir: ./data\nmax_concurrent_sites: 2\nsites:"
	cfg := writeConfig(t, head+siteYAML("contoso", "*/1 * * * * *", srvA.URL, ""))
	write := func(body string) {
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var stderr syncBuffer
	urls := make(chan string, 1)
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr, listening: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() {
		done <- runEnv(ctx, e, []string{"daemon", "--config", cfg, "--listen", "127.0.0.1:0", "--log-format", "json"})
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("the daemon ended at start: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatal("the daemon did not start listening")
	}

	var sites sitesJSON
	poll(t, "a scheduled run", func() bool { getJSON(t, base+"/api/sites", &sites); return sites.runs("contoso") >= 1 })
	var res struct {
		Total int `json:"total"`
	}
	if getJSON(t, base+"/api/search?filter=site:contoso", &res); res.Total != 12 {
		t.Errorf("search over HTTP: total %d, want 12", res.Total)
	}

	t.Run("search --server", func(t *testing.T) {
		code, out, errOut := jobcrawl(t, "search", "--server", base, "--json", "--filter", "site=contoso", "--facet", "job_family")
		var got struct {
			Total  int                       `json:"total"`
			Facets map[string]map[string]int `json:"facets"`
		}
		if code != exitOK || json.Unmarshal([]byte(out), &got) != nil || got.Total != 12 || len(got.Facets["job_family"]) == 0 {
			t.Errorf("exit %d, %+v\n%s%s", code, got, out, errOut)
		}
		code, _, errOut = jobcrawl(t, "search", "--server", base, "--filter", "description=x")
		if code != exitUsage || !strings.Contains(errOut, "cannot filter") {
			t.Errorf("bad filter: exit %d: %s", code, errOut)
		}
	})

	t.Run("search without --server while the daemon holds the index", func(t *testing.T) {
		code, _, errOut := jobcrawl(t, "search", "--config", cfg)
		if code != exitSiteFailed || !strings.Contains(errOut, "--server") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})

	t.Run("SIGHUP adds a site", func(t *testing.T) {
		write(head + siteYAML("contoso", "*/1 * * * * *", srvA.URL, "") + siteYAML("fabrikam", "@hourly", srvB.URL, "    run_on_start: true\n"))
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		poll(t, "fabrikam to run on start", func() bool { getJSON(t, base+"/api/sites", &sites); return sites.runs("fabrikam") == 1 })
		if getJSON(t, base+"/api/search?filter=site:fabrikam", &res); res.Total != 7 {
			t.Errorf("fabrikam's postings: %d, want 7", res.Total)
		}
	})

	t.Run("SIGHUP with a bad configuration keeps the running one", func(t *testing.T) {
		write(head + siteYAML("contoso", "every second", srvA.URL, ""))
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		poll(t, "the rejection in the log", func() bool { return strings.Contains(stderr.String(), "configuration rejected") })
		log := stderr.String()
		if !strings.Contains(log, `sites[0].schedule: \"every second\"`) || !strings.Contains(log, `"level":"ERROR"`) {
			t.Errorf("the log does not name the key and expression:\n%s", log)
		}
		getJSON(t, base+"/api/sites", &sites)
		if len(sites.Sites) != 2 || sites.Sites[0].Schedule != "*/1 * * * * *" {
			t.Errorf("sites after a rejected reload: %+v", sites.Sites)
		}
	})

	stop() // what SIGTERM does (main.go's signal.NotifyContext)
	select {
	case err := <-done:
		if code := exitCode(err); code != exitOK {
			t.Errorf("exit %d (%v), want 0", code, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the daemon did not stop")
	}
	if log := stderr.String(); !strings.Contains(log, `"msg":"stopped"`) || !strings.Contains(log, `"msg":"run finished"`) {
		t.Errorf("log:\n%s", log)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the HTTP server still answers after the daemon stopped")
	}
}

func TestDaemonConfigErrors(t *testing.T) {
	bad := writeConfig(t, `
sites:
  - name: contoso
    schedule: "0 25 * * *"
    timezone: Europe/Paris
    start_urls: ["http://127.0.0.1:1/careers"]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
`)
	badListen := writeConfig(t, "daemon:\n  listen: nowhere\n")
	cases := []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"validate", "--config", bad}, exitUsage, `sites[0].schedule: "0 25 * * *"`},
		{[]string{"daemon", "--config", bad}, exitUsage, "(site contoso)"},
		{[]string{"validate", "--config", badListen}, exitUsage, "daemon.listen"},
		{[]string{"daemon", "--listen", "nowhere"}, exitUsage, "--listen"},
		{[]string{"daemon", "extra"}, exitUsage, "no arguments"},
		{[]string{"daemon", "--help"}, exitOK, ""},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, _, errOut := jobcrawl(t, c.args...)
			if code != c.code || !strings.Contains(errOut, c.say) {
				t.Errorf("exit %d (want %d), stderr %q (want it to say %q)", code, c.code, errOut, c.say)
			}
		})
	}
}

func TestValidateShowsNextRuns(t *testing.T) {
	cfg := writeConfig(t, `
sites:
  - name: contoso
    schedule: "0 6 * * *"
    timezone: Europe/Paris
    start_urls: ["http://127.0.0.1:1/careers"]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
  - name: fabrikam
    start_urls: ["http://127.0.0.1:1/careers"]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
`)
	code, out, errOut := jobcrawl(t, "validate", "--config", cfg)
	if code != exitOK || !strings.Contains(out, `contoso: "0 6 * * *", next run `) || !strings.Contains(out, "06:00:00 CE") ||
		!strings.Contains(out, "fabrikam: no schedule") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	code, out, errOut := jobcrawl(t, "validate", "--config", "../../config.yaml")
	if code != exitOK || !strings.Contains(out, "contoso: \"@daily\", next run") {
		t.Errorf("the example config.yaml: exit %d\n%s%s", code, out, errOut)
	}
}

func TestSearchConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		cfg, err := loadConfig(writeConfig(t, "data_dir: ./data\n"))
		if err != nil {
			t.Fatal(err)
		}
		n := max(4, 2*runtime.GOMAXPROCS(0))
		want := SearchConfig{MaxConcurrent: n, Queue: 2 * n, QueueTimeout: crawler.Duration(2 * time.Second), MaxLimit: 100}
		if cfg.Search != want {
			t.Errorf("got %+v, want %+v", cfg.Search, want)
		}
	})
	t.Run("set, queue from max_concurrent", func(t *testing.T) {
		cfg, err := loadConfig(writeConfig(t, "search:\n  max_concurrent: 3\n  queue_timeout: 500ms\n  max_limit: 1000\n"))
		if err != nil {
			t.Fatal(err)
		}
		want := SearchConfig{MaxConcurrent: 3, Queue: 6, QueueTimeout: crawler.Duration(500 * time.Millisecond), MaxLimit: 1000}
		if cfg.Search != want {
			t.Errorf("got %+v, want %+v", cfg.Search, want)
		}
	})
	cases := []struct{ yaml, say string }{
		{"search:\n  max_limit: 1001\n", "search.max_limit: 1001 is not between 1 and 1000"},
		{"search:\n  max_limit: -1\n", "search.max_limit: -1"},
		{"search:\n  max_concurrent: -2\n", "search.max_concurrent: -2 is negative"},
		{"search:\n  queue: -1\n", "search.queue: -1 is negative"},
		{"search:\n  queue_timeout: -1s\n", "search.queue_timeout"},
		{"search:\n  max_limits: 10\n", "search.max_limits: unknown key"},
	}
	for _, c := range cases {
		t.Run(c.say, func(t *testing.T) {
			code, _, errOut := jobcrawl(t, "validate", "--config", writeConfig(t, c.yaml))
			if code != exitUsage || !strings.Contains(errOut, c.say) {
				t.Errorf("exit %d, stderr %q: want exit 2 saying %q", code, errOut, c.say)
			}
		})
	}
}
