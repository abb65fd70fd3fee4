package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// jobcrawl runs the command in-process and returns its exit code and output.
func jobcrawl(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	var quiet errQuiet
	if err != nil && exitCode(err) != exitOK && !errors.As(err, &quiet) {
		fmt.Fprintln(&errOut, "jobcrawl:", err)
	}
	return exitCode(err), out.String(), errOut.String()
}

func writeConfig(tb testing.TB, body string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestCrawlThenSearch(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 30, PerPage: 7, Seed: 11})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir: ./data
sites:
  - name: contoso
    company: Contoso
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
    limits: {parallelism: 4, delay: 0s}
`, demosite.StartURL(srv.URL)))

	code, out, errOut := jobcrawl(t, "crawl", "--config", cfg, "--json")
	if code != exitOK {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}
	var summary struct {
		Sites []struct {
			Name     string `json:"name"`
			Pages    int    `json:"pages"`
			Postings int    `json:"postings"`
			Errors   int    `json:"errors"`
			Complete bool   `json:"complete"`
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out), &summary); err != nil {
		t.Fatalf("crawl --json: %v\n%s", err, out)
	}
	if len(summary.Sites) != 1 || summary.Sites[0].Name != "contoso" || summary.Sites[0].Postings != 30 ||
		!summary.Sites[0].Complete || summary.Sites[0].Pages != site.Pages() {
		t.Errorf("summary: %+v", summary)
	}

	code, out, errOut = jobcrawl(t, "search", "--config", cfg, "--json", "--facet", "job_family", "--filter", "job_family=Sales", "--limit", "100")
	if code != exitOK {
		t.Fatalf("search: exit %d\n%s", code, errOut)
	}
	var res struct {
		Total  int                       `json:"total"`
		Hits   []map[string]any          `json:"hits"`
		Facets map[string]map[string]int `json:"facets"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search --json: %v\n%s", err, out)
	}
	want := site.Truth().Facets["job_family"]["Sales"]
	if res.Total != want || len(res.Hits) != want || res.Facets["job_family"]["Sales"] != want {
		t.Errorf("search Sales: total %d, hits %d, facet %v; want %d", res.Total, len(res.Hits), res.Facets, want)
	}
	for _, h := range res.Hits {
		if h["job_family"] != "Sales" || h["id"] == "" || h["status"] != "open" {
			t.Errorf("hit: %v", h)
		}
		for _, internal := range []string{"fetch", "cards", "content_hash", "checked_at", "first_seen_ts"} {
			if _, ok := h[internal]; ok {
				t.Errorf("search --json shows the bookkeeping field %s", internal)
			}
		}
	}

	// free text, in the human format
	code, out, _ = jobcrawl(t, "search", "--config", cfg, site.Jobs[0].Number)
	if code != exitOK || !strings.Contains(out, site.Jobs[0].Title) || !strings.Contains(out, "of 1 postings") {
		t.Errorf("search by job number: exit %d\n%s", code, out)
	}
}

func TestExitCodes(t *testing.T) {
	bad := writeConfig(t, "sites:\n  - name: Bad Name\n    start_urls: [\"http://x.example/\"]\n")
	cases := []struct {
		args []string
		code int
		say  string
	}{
		{[]string{}, exitUsage, "no command"},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"validate", "--config", bad}, exitUsage, "sites[0].name"},
		{[]string{"validate", "--config", filepath.Join(t.TempDir(), "none.yaml")}, exitUsage, "not found"},
		{[]string{"search", "--config", bad}, exitUsage, "sites[0].name"},
		{[]string{"search", "--filter", "description=x"}, exitUsage, "cannot filter"},
		{[]string{"search", "--sort", "title:sideways"}, exitUsage, "asc or desc"},
		{[]string{"search", "--limit", "5000"}, exitUsage, "maximum"},
		{[]string{"crawl", "--nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"help"}, exitOK, ""},
		{[]string{"crawl", "--help"}, exitOK, ""},
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

func TestCrawlFailedSiteExitsOne(t *testing.T) {
	srv := httptest.NewServer(nil) // every page 404s
	defer srv.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
sites:
  - name: broken
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
`, srv.URL+"/careers"))
	code, out, _ := jobcrawl(t, "crawl", "--config", cfg)
	if code != exitSiteFailed || !strings.Contains(out, "broken") || !strings.Contains(out, "no: start page failed") {
		t.Errorf("exit %d, want 1; summary:\n%s", code, out)
	}
}

// TestCrawlLoopingStartURLExitsOne: a start URL that redirects A→B→A is a
// failed run with a non-zero exit, never "complete with 0 postings".
func TestCrawlLoopingStartURLExitsOne(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/careers", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/careers/all", http.StatusFound) })
	mux.HandleFunc("/careers/all", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/careers", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
sites:
  - name: looping
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
`, srv.URL+"/careers"))
	code, out, _ := jobcrawl(t, "crawl", "--config", cfg, "--json")
	var summary struct {
		Sites []struct {
			Outcome  string         `json:"outcome"`
			Complete bool           `json:"complete"`
			Kinds    map[string]int `json:"error_kinds"`
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out), &summary); err != nil || len(summary.Sites) != 1 {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	s := summary.Sites[0]
	if code != exitSiteFailed || s.Outcome != "failed" || s.Complete || s.Kinds["redirect_loop"] != 1 {
		t.Errorf("exit %d, outcome %s, complete %v, errors %v: want exit 1, a failed run, one redirect_loop", code, s.Outcome, s.Complete, s.Kinds)
	}
}

func TestCrawlDemo(t *testing.T) {
	cfg := writeConfig(t, "data_dir: ./data\n")
	code, out, errOut := jobcrawl(t, "crawl", "--demo", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "demo") {
		t.Fatalf("crawl --demo: exit %d\n%s%s", code, out, errOut)
	}
	dir := filepath.Dir(cfg)
	if _, err := os.Stat(filepath.Join(dir, "data-demo", "engine.db")); err != nil {
		t.Errorf("the demo's index is not beside the config's data_dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("the demo wrote into the real data_dir (%v)", err)
	}
	code, out, _ = jobcrawl(t, "search", "--demo", "--config", cfg, "--limit", "1")
	if code != exitOK || !strings.HasPrefix(out, "1–1 of 60 postings") {
		t.Errorf("search --demo: exit %d\n%s", code, out)
	}
	if code, _, errOut := jobcrawl(t, "search", "--config", cfg); code != exitSiteFailed || !strings.Contains(errOut, "no index in") {
		t.Errorf("search without --demo finds no index: exit %d %s", code, errOut)
	}
}

func TestPlainSnippet(t *testing.T) {
	got := plainSnippet("Build <mark>Go</mark> &amp; &lt;Rust&gt; services.")
	if want := "Build Go & <Rust> services."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := jobcrawl(t, "version", "--json")
	var b build
	if err := json.Unmarshal([]byte(out), &b); code != exitOK || err != nil {
		t.Fatalf("version --json: exit %d, %v\n%s", code, err, out)
	}
	if b.Version != version || b.Go != runtime.Version() || b.Module == "" {
		t.Errorf("version --json: %+v", b)
	}
	code, out, _ = jobcrawl(t, "--version")
	if code != exitOK || !strings.HasPrefix(out, "jobcrawl "+version+" (module ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}
