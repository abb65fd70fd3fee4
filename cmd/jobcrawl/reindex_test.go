package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/meili/meilitest"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// crawledEmbedded crawls a demo site of n postings into ./data of a new
// config and returns the config's path.
func crawledEmbedded(t *testing.T, n int) string {
	t.Helper()
	srv := httptest.NewServer(demosite.New(demosite.Options{Jobs: n, PerPage: 7, Seed: 5}).Handler())
	t.Cleanup(srv.Close)
	cfg := writeConfig(t, demoSiteConfig("contoso", "", srv.URL))
	if code, _, errOut := jobcrawl(t, "crawl", "--config", cfg, "--quiet"); code != exitOK {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}
	return cfg
}

func reindexJSON(t *testing.T, args ...string) reindexSummary {
	t.Helper()
	code, out, errOut := jobcrawl(t, append([]string{"reindex", "--json"}, args...)...)
	var s reindexSummary
	if err := json.Unmarshal([]byte(out), &s); code != exitOK || err != nil {
		t.Fatalf("reindex --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	return s
}

func TestReindexEmbedded(t *testing.T) {
	cfg := crawledEmbedded(t, 25)
	data := filepath.Join(filepath.Dir(cfg), "data")

	code, out, errOut := jobcrawl(t, "reindex", "--config", cfg)
	if code != exitOK {
		t.Fatalf("reindex: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"reindexed the embedded index in " + data, "25 postings copied, 0 caught up",
		"25 postings before, 25 now", "switched to the new index in "} {
		if !strings.Contains(out, want) {
			t.Errorf("reindex output lacks %q:\n%s", want, out)
		}
	}

	// what an interrupted reindex left is deleted, and said
	left := filepath.Join(data, "engine.rebuild")
	if err := os.MkdirAll(left, 0o755); err != nil {
		t.Fatal(err)
	}
	s := reindexJSON(t, "--config", cfg)
	if s.Backend != "embedded" || s.Index != data || s.Copied != 25 || s.OldCount != 25 || s.NewCount != 25 ||
		s.CaughtUp != 0 || s.Renamed || !slices.Equal(s.Leftovers, []string{left}) || s.Seconds <= 0 {
		t.Errorf("reindex --json: %+v", s)
	}
	// the raw JSON has every key, leftovers an array even when empty
	_, out, _ = jobcrawl(t, "reindex", "--json", "--config", cfg)
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"backend", "index", "copied", "caught_up", "salvaged", "old_count", "new_count", "renamed", "leftovers", "seconds"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("reindex --json lacks %q: %s", k, out)
		}
	}
	if l, ok := raw["leftovers"].([]any); !ok || len(l) != 0 {
		t.Errorf("leftovers: %v", raw["leftovers"])
	}

	// the new index answers as the old one did
	code, out, _ = jobcrawl(t, "search", "--config", cfg, "--json", "--limit", "0", "--facet", "site")
	var res struct {
		Total int `json:"total"`
	}
	if json.Unmarshal([]byte(out), &res); code != exitOK || res.Total != 25 {
		t.Errorf("search after reindex: exit %d, total %d", code, res.Total)
	}
}

func TestReindexWithoutAnIndex(t *testing.T) {
	cfg := writeConfig(t, "data_dir: ./nothing\n")
	code, _, errOut := jobcrawl(t, "reindex", "--config", cfg)
	if code != exitSiteFailed || !strings.Contains(errOut, "no index in") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "nothing")); !os.IsNotExist(err) {
		t.Errorf("reindex created the data dir (%v)", err)
	}
	if code, _, errOut := jobcrawl(t, "reindex", "--config", cfg, "extra"); code != exitUsage {
		t.Errorf("an argument: exit %d\n%s", code, errOut)
	}
}

// TestReindexLocked: an embedded index another process holds is not
// rebuilt, and the message says what to do.
func TestReindexLocked(t *testing.T) {
	cfg := crawledEmbedded(t, 5)
	held, err := embedded.Open(filepath.Join(filepath.Dir(cfg), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	code, _, errOut := jobcrawl(t, "reindex", "--config", cfg)
	if code != exitSiteFailed || !strings.Contains(errOut, "stop it first") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}

// TestReindexFence: the hook the daemons' coordination plugs into is
// called, its fence before the switch, its release at the end.
func TestReindexFence(t *testing.T) {
	cfg := crawledEmbedded(t, 5)
	var calls []string
	defer func(old func(context.Context, *Config) (func(context.Context) error, func(), error)) {
		reindexFence = old
	}(reindexFence)
	gate := errors.New("a daemon holds the commit gate")
	reindexFence = func(ctx context.Context, c *Config) (func(context.Context) error, func(), error) {
		calls = append(calls, "setup")
		return func(context.Context) error { calls = append(calls, "fence"); return gate },
			func() { calls = append(calls, "release") }, nil
	}
	code, _, errOut := jobcrawl(t, "reindex", "--config", cfg)
	if code != exitSiteFailed || !strings.Contains(errOut, gate.Error()) || !strings.Contains(errOut, "not switched") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	if want := []string{"setup", "fence", "release"}; !slices.Equal(calls, want) {
		t.Errorf("calls: %q, want %q", calls, want)
	}
}

func TestReindexMeilisearch(t *testing.T) {
	srv := meilitest.New(t, meilitest.Options{Key: testMeiliKey})
	t.Setenv("MEILI_URL", "")
	t.Setenv("JOBCRAWL_TEST_MEILI_KEY", testMeiliKey)
	site := httptest.NewServer(demosite.New(demosite.Options{Jobs: 40, Seed: 2}).Handler())
	defer site.Close()
	cfg := meiliConfig(t, srv.URL, fmt.Sprintf(`
sites:
  - name: demo
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
`, demosite.StartURL(site.URL)))
	if code, _, errOut := jobcrawl(t, "crawl", "--config", cfg, "--quiet"); code != exitOK {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}

	code, out, errOut := jobcrawl(t, "reindex", "--config", cfg)
	noKey(t, out, errOut)
	if code != exitOK || !strings.Contains(out, "reindexed the Meilisearch index jobs on "+srv.URL) ||
		!strings.Contains(out, "40 postings before, 40 now") {
		t.Fatalf("reindex: exit %d\n%s%s", code, out, errOut)
	}
	s := reindexJSON(t, "--config", cfg)
	if s.Backend != "meilisearch" || s.Index != "jobs" || s.Copied != 40 || s.OldCount != 40 || s.NewCount != 40 || len(s.Leftovers) != 0 {
		t.Errorf("reindex --json: %+v", s)
	}
	if got := srv.Indexes(); !slices.Equal(got, []string{"jobs"}) {
		t.Errorf("indexes after: %q", got)
	}

	// a copy that comes out a fifth short is refused, and says how to force it
	n := 0
	srv.LoseDocuments(func(uid string, _ map[string]any) bool {
		if !strings.HasPrefix(uid, "jobs__rebuild_") {
			return false
		}
		n++
		return n%5 == 0
	})
	code, _, errOut = jobcrawl(t, "reindex", "--config", cfg)
	noKey(t, errOut)
	if code != exitSiteFailed || !strings.Contains(errOut, "32 documents, the live index 40") || !strings.Contains(errOut, "--allow-shrink") {
		t.Errorf("a short copy: exit %d\n%s", code, errOut)
	}
	// (the last catch-up, from the old index, brings back those written
	// lately: here all of them, the crawl was a moment ago)
	if s := reindexJSON(t, "--config", cfg, "--allow-shrink"); s.OldCount != 40 || s.NewCount < 32 {
		t.Errorf("--allow-shrink: %+v", s)
	}
}
