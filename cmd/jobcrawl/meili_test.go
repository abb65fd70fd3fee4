package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/index/meili/meilitest"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

const testMeiliKey = "cmd-test-master-key-91d3"

// meiliConfig writes a config using the meilisearch backend at url.
func meiliConfig(tb testing.TB, url, extra string) string {
	tb.Helper()
	return writeConfig(tb, fmt.Sprintf(`
index:
  backend: meilisearch
  meilisearch:
    url: %q
    index: jobs
    api_key_env: JOBCRAWL_TEST_MEILI_KEY
    batch_size: 25
    timeout: 5s
    task_timeout: 30s
    max_retries: 0
%s`, url, extra))
}

// noKey fails if any output holds the API key.
func noKey(tb testing.TB, outputs ...string) {
	tb.Helper()
	for _, o := range outputs {
		if strings.Contains(o, testMeiliKey) {
			tb.Errorf("the API key was printed:\n%s", o)
		}
	}
}

func TestCrawlThenSearchMeilisearch(t *testing.T) {
	srv := meilitest.New(t, meilitest.Options{Key: testMeiliKey})
	t.Setenv("MEILI_URL", "")
	t.Setenv("JOBCRAWL_TEST_MEILI_KEY", testMeiliKey)
	// one careers site for both crawls, so its URLs stay the same
	site := httptest.NewServer(demosite.New(demosite.Options{Jobs: 60, Seed: 1}).Handler())
	defer site.Close()
	cfg := meiliConfig(t, srv.URL, fmt.Sprintf(`
sites:
  - name: demo
    company: Contoso
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
`, demosite.StartURL(site.URL)))

	code, out, errOut := jobcrawl(t, "crawl", "--config", cfg, "--log-level", "debug")
	if code != exitOK {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	noKey(t, out, errOut)
	if n := len(srv.Documents("jobs")); n != 60 {
		t.Errorf("meilisearch holds %d documents, want the demo's 60", n)
	}

	code, out, errOut = jobcrawl(t, "search", "--config", cfg, "--json", "--facet", "job_family", "--limit", "100", "--log-level", "debug")
	if code != exitOK {
		t.Fatalf("search: exit %d\n%s", code, errOut)
	}
	noKey(t, out, errOut)
	var res struct {
		Total  int                       `json:"total"`
		Hits   []map[string]any          `json:"hits"`
		Facets map[string]map[string]int `json:"facets"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search --json: %v\n%s", err, out)
	}
	sum := 0
	for _, n := range res.Facets["job_family"] {
		sum += n
	}
	if res.Total != 60 || len(res.Hits) != 60 || sum != 60 {
		t.Errorf("search: total %d, %d hits, facet sum %d; want 60 each", res.Total, len(res.Hits), sum)
	}

	// a second crawl finds the records unchanged
	code, out, _ = jobcrawl(t, "crawl", "--config", cfg, "--json")
	if code != exitOK || !strings.Contains(out, `"unchanged": 60`) {
		t.Errorf("second crawl: exit %d\n%s", code, out)
	}
}

func TestMeiliURLOverridesTheFile(t *testing.T) {
	srv := meilitest.New(t, meilitest.Options{})
	cfg := meiliConfig(t, "http://127.0.0.1:1", "")
	t.Setenv("MEILI_URL", srv.URL)
	code, out, errOut := jobcrawl(t, "crawl", "--demo", "--config", cfg)
	if code != exitOK || len(srv.Documents("jobs_demo")) != 60 || len(srv.Documents("jobs")) != 0 {
		t.Fatalf("crawl --demo with MEILI_URL: exit %d, %d documents in jobs_demo, %d in jobs\n%s%s", code,
			len(srv.Documents("jobs_demo")), len(srv.Documents("jobs")), out, errOut)
	}
	code, out, _ = jobcrawl(t, "validate", "--config", cfg)
	if code != exitOK || !strings.Contains(out, srv.URL) {
		t.Errorf("validate: exit %d: %s", code, out)
	}
}

func TestMeiliErrorsExitOne(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	srv := meilitest.New(t, meilitest.Options{Key: "the-real-master-key-0c1e"})
	t.Setenv("MEILI_URL", "")
	t.Setenv("JOBCRAWL_TEST_MEILI_KEY", testMeiliKey)

	cases := []struct {
		name, url string
		args      []string
		say       []string
	}{
		{"unreachable search", closed, []string{"search", "engineer"}, []string{"server unreachable", closed}},
		{"unreachable crawl", closed, []string{"crawl", "--demo"}, []string{"site demo", "server unreachable"}},
		{"wrong key", srv.URL, []string{"search"}, []string{"API key refused", "HTTP 403", "$JOBCRAWL_TEST_MEILI_KEY"}},
		{"wrong key crawl", srv.URL, []string{"crawl", "--demo"}, []string{"API key refused", "invalid_api_key"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := meiliConfig(t, c.url, "")
			code, out, errOut := jobcrawl(t, append(c.args, "--config", cfg, "--log-level", "debug")...)
			if code != exitSiteFailed {
				t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
			}
			for _, s := range c.say {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr does not say %q:\n%s", s, errOut)
				}
			}
			noKey(t, out, errOut)
		})
	}

	t.Run("index missing", func(t *testing.T) {
		empty := meilitest.New(t, meilitest.Options{})
		cfg := meiliConfig(t, empty.URL, "")
		code, _, errOut := jobcrawl(t, "search", "--config", cfg)
		if code != exitSiteFailed || !strings.Contains(errOut, `no index "jobs"`) || !strings.Contains(errOut, "jobcrawl crawl") {
			t.Errorf("exit %d, stderr %s", code, errOut)
		}
	})
}

func TestMeiliConfigValidation(t *testing.T) {
	t.Setenv("MEILI_URL", "")
	cases := []struct {
		name, body, say string
	}{
		{"bad url", "url: 127.0.0.1:7700", "index.meilisearch.url: \"127.0.0.1:7700\" is not an http"},
		{"bad index", "url: http://127.0.0.1:7700\n    index: \"jobs/eu\"", "index.meilisearch.index"},
		{"key in place of its variable", "url: http://127.0.0.1:7700\n    api_key_env: \"sk-12345 secret\"", "index.meilisearch.api_key_env"},
		{"batch size", "url: http://127.0.0.1:7700\n    batch_size: 0", "index.meilisearch.batch_size"},
		{"timeout", "url: http://127.0.0.1:7700\n    task_timeout: -1s", "index.meilisearch.task_timeout"},
		{"unknown key", "url: http://127.0.0.1:7700\n    api_key: sk-12345", "index.meilisearch.api_key: unknown key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := writeConfig(t, "index:\n  backend: meilisearch\n  meilisearch:\n    "+c.body+"\n")
			code, _, errOut := jobcrawl(t, "validate", "--config", cfg)
			if code != exitUsage || !strings.Contains(errOut, c.say) {
				t.Errorf("exit %d (want 2), stderr %q (want it to say %q)", code, errOut, c.say)
			}
		})
	}

	t.Run("bad MEILI_URL", func(t *testing.T) {
		t.Setenv("MEILI_URL", "localhost:7700")
		cfg := writeConfig(t, "index:\n  backend: meilisearch\n")
		code, _, errOut := jobcrawl(t, "validate", "--config", cfg)
		if code != exitUsage || !strings.Contains(errOut, "MEILI_URL (overriding index.meilisearch.url)") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})

	t.Run("validate says where, never the key", func(t *testing.T) {
		t.Setenv("MEILI_MASTER_KEY", testMeiliKey)
		cfg := writeConfig(t, "index:\n  backend: meilisearch\n")
		code, out, errOut := jobcrawl(t, "validate", "--config", cfg)
		want := `meilisearch index "jobs" at http://127.0.0.1:7700 (API key from $MEILI_MASTER_KEY: set)`
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("exit %d, stdout %q, want it to say %q", code, out, want)
		}
		noKey(t, out, errOut)
	})
}
