package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// contosoSiteYAML is a valid site, as an item of sites:.
const contosoSiteYAML = `  - name: contoso
    start_urls: ["https://careers.contoso.example/jobs"]
    pagination: {next: "a[rel=next]"}
    job_links: a.job
`

// configRegistered reports whether app.go's commands() has config.
func configRegistered() bool {
	return slices.ContainsFunc(commands(), func(c command) bool { return c.name == "config" })
}

// jobcrawlConfig runs `jobcrawl config ARGS` in-process, through the
// command table once config is in it.
func jobcrawlConfig(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	if configRegistered() {
		return jobcrawl(tb, append([]string{"config"}, args...)...)
	}
	var out, errOut bytes.Buffer
	err := runConfig(context.Background(), &env{stdout: &out, stderr: &errOut}, args)
	if err != nil && exitCode(err) != exitOK {
		fmt.Fprintln(&errOut, "jobcrawl:", err)
	}
	return exitCode(err), out.String(), errOut.String()
}

// TestConfigReportsEveryProblem: three problems of three kinds (a type,
// an unknown key, a bad value), all reported, each at its line, in order.
func TestConfigReportsEveryProblem(t *testing.T) {
	path := writeConfig(t, `data_dir: ./data
max_close_share: 2
sites:
  - name: contoso
    start_urls: ["https://careers.contoso.example/jobs"]
    pagination:
      nxt: "a[rel=next]"
      page_param: pg
    job_links: a.job
    limits:
      parallelism: four
`)
	code, _, errOut := jobcrawl(t, "validate", "--config", path)
	want := []string{
		path + ": 3 problems:",
		path + ":2: max_close_share: 2 is not between 0 and 1",
		path + ":7: sites[0].pagination.nxt: unknown key (did you mean next?)",
		path + `:11: sites[0].limits.parallelism: "four" is not a number (want an integer)`,
	}
	if code != exitUsage || !strings.Contains(errOut, strings.Join(want, "\n")) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and:\n%s", code, errOut, strings.Join(want, "\n"))
	}
}

// TestConfigErrorLines: the problems Validate finds are at the line of
// their key, or of the nearest enclosing one when the key is left out.
func TestConfigErrorLines(t *testing.T) {
	path := writeConfig(t, `sites:
  - name: a
    start_urls: ["https://a.example/"]
    pagination: {next: "a["}
    job_links: a
  - name: b
    start_urls: ["https://b.example/"]
    job_links: a
  - name: a
    start_urls: ["https://a.example/"]
    pagination: {page_param: pg}
    job_links: a
`)
	code, _, errOut := jobcrawl(t, "validate", "--config", path)
	for _, want := range []string{
		path + `:4: sites[0].pagination.next: "a[" is not a CSS selector`,
		path + ":6: sites[1].pagination: set next or page_param (site b)",
		path + `:9: sites[2].name: "a" is already the name of sites[0]`,
	} {
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, errOut, want)
		}
	}
}

func TestConfigUnknownKeySuggests(t *testing.T) {
	cases := []struct{ yaml, say string }{
		{"sites:\n  - name: x\n    start_url: https://x.example/\n", "sites[0].start_url: unknown key (did you mean start_urls?)"},
		{"max_concurent_sites: 2\n", "max_concurent_sites: unknown key (did you mean max_concurrent_sites?)"},
		{"daemon:\n  Listen: 127.0.0.1:1\n", "daemon.Listen: unknown key (did you mean listen?)"},
		{"index:\n  meilisearch:\n    api_key: x\n", "index.meilisearch.api_key: unknown key (did you mean api_key_env?)"},
		{"search:\n  frobnicate: 1\n", "search.frobnicate: unknown key (known keys: max_concurrent, queue, queue_timeout, max_limit)"},
	}
	for _, c := range cases {
		t.Run(c.say, func(t *testing.T) {
			code, _, errOut := jobcrawl(t, "validate", "--config", writeConfig(t, c.yaml))
			if code != exitUsage || !strings.Contains(errOut, c.say) {
				t.Errorf("exit %d, stderr %q: want exit 2 saying %q", code, errOut, c.say)
			}
		})
	}
	// The key meant, missing, is not reported besides the typo.
	_, _, errOut := jobcrawl(t, "validate", "--config", writeConfig(t, "sites:\n  - name: x\n    start_url: https://x.example/\n"))
	if strings.Contains(errOut, "start_urls: at least one URL needed") {
		t.Errorf("the typo's consequence is reported too:\n%s", errOut)
	}
}

func TestConfigTypeErrors(t *testing.T) {
	site := "sites:\n  - name: x\n    start_urls: [\"https://x.example/\"]\n    pagination: {next: a}\n    job_links: a\n"
	cases := []struct{ yaml, say string }{
		{site + "    limits: {parallelism: four}\n", `:6: sites[0].limits.parallelism: "four" is not a number (want an integer)`},
		{site + "    limits: {parallelism: 2.5}\n", "sites[0].limits.parallelism: 2.5 is not a whole number (want an integer)"},
		{site + "    limits: {delay: 5}\n", `sites[0].limits.delay: "5" is not a duration (want a duration like 30s or 2m)`},
		{site + "    limits: {max_body_size: huge}\n", `sites[0].limits.max_body_size: "huge" is not a size`},
		{site + "    limits: {rate: fast}\n", `sites[0].limits.rate: "fast" is not a rate`},
		{site + "    run_on_start: maybe\n", `sites[0].run_on_start: "maybe" is not true or false`},
		{site + "    limits: 5\n", `sites[0].limits: want a mapping of keys (parallelism, delay, timeout, ...), got "5"`},
		{site + "    allowed_domains: {a: b}\n", "sites[0].allowed_domains: want a list (items starting with -), got a mapping"},
		{site + "    name: y\n", "sites[0].name: set twice (first on line 2)"},
		{"max_close_share: lots\n", `:1: max_close_share: "lots" is not a number (want a number)`},
		{"daemon:\n  stop_timeout: soon\n", `:2: daemon.stop_timeout: "soon" is not a duration (want a duration like 30s or 2m)`},
		{"sites:\n  name: x\n", "sites: want a list (items starting with -), got a mapping"},
		{"sites: [\n", "YAML: "},
	}
	for _, c := range cases {
		t.Run(c.say, func(t *testing.T) {
			code, _, errOut := jobcrawl(t, "validate", "--config", writeConfig(t, c.yaml))
			if code != exitUsage || !strings.Contains(errOut, c.say) || strings.Contains(errOut, "cannot unmarshal") {
				t.Errorf("exit %d, stderr %q: want exit 2 saying %q", code, errOut, c.say)
			}
		})
	}
}

// TestConfigStringForList: one string where a list of strings goes is a
// list of one, and the site crawls.
func TestConfigStringForList(t *testing.T) {
	srv := httptest.NewServer(demosite.New(demosite.Options{Jobs: 5, PerPage: 5, Seed: 3}).Handler())
	defer srv.Close()
	start := demosite.StartURL(srv.URL)
	path := writeConfig(t, fmt.Sprintf(`data_dir: ./data
sites:
  - name: demo
    start_urls: %s
    allowed_domains: other.example
    strip_params: ref
    pagination: {next: "a[rel=next]"}
    job_links: a.job-title
`, start))
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sites[0]
	if !slices.Equal(s.StartURLs, []string{start}) || !slices.Equal(s.AllowedDomains, []string{"other.example"}) ||
		!slices.Equal(s.StripParams, []string{"ref"}) {
		t.Errorf("got start_urls %q, allowed_domains %q, strip_params %q", s.StartURLs, s.AllowedDomains, s.StripParams)
	}
	if code, out, errOut := jobcrawl(t, "crawl", "--config", path, "--quiet"); code != exitOK {
		t.Errorf("crawl: exit %d\n%s%s", code, out, errOut)
	}
}

func TestConfigNoSites(t *testing.T) {
	path := writeConfig(t, "data_dir: ./data\n")
	code, out, errOut := jobcrawl(t, "validate", "--config", path)
	if code != exitOK || !strings.Contains(out, "ok: 0 sites") || !strings.Contains(errOut, "warning: "+path+" has no sites") {
		t.Errorf("validate: exit %d, stdout %q, stderr %q: want exit 0 and a warning", code, out, errOut)
	}
	code, _, errOut = jobcrawl(t, "crawl", "--config", path, "--quiet")
	if code != exitUsage || !strings.Contains(errOut, "has no sites") {
		t.Errorf("crawl: exit %d, stderr %q: want exit 2, no sites", code, errOut)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.requireSites("daemon")
	if exitCode(err) != exitUsage || err == nil || !strings.Contains(err.Error(), "has no sites: daemon needs at least one") {
		t.Errorf("requireSites: got %v (exit %d), want a usage error", err, exitCode(err))
	}
	cfg, err = loadConfig(writeConfig(t, "sites:\n"+contosoSiteYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.requireSites("daemon"); err != nil {
		t.Errorf("requireSites with a site: %v", err)
	}
}

func TestConfigUnknownSite(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "sites:\n"+contosoSiteYAML+strings.ReplaceAll(contosoSiteYAML, "contoso", "fabrikam")))
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.unknownSite("contosso")
	want := "--site contosso: no such site in " + cfg.path + " (did you mean contoso?); its sites: contoso, fabrikam"
	if exitCode(err) != exitUsage || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if err := cfg.unknownSite("zzz"); strings.Contains(err.Error(), "did you mean") {
		t.Errorf("got %v, want no suggestion", err)
	}
}

const testSecret = "s3cr3t-M4STER-k3y"

func TestConfigCheck(t *testing.T) {
	t.Setenv("MEILI_URL", "")
	t.Setenv("MEILI_MASTER_KEY", testSecret)
	path := writeConfig(t, `data_dir: ./store
index:
  backend: meilisearch
  meilisearch:
    url: http://admin:hunter2@127.0.0.1:7700
sites:
`+contosoSiteYAML)
	abs, err := filepath.Abs(filepath.Join(filepath.Dir(path), "store"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := jobcrawlConfig(t, "check", "--config", path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"data_dir: " + abs, // resolved
		"url: http://admin:xxxxx@127.0.0.1:7700",
		"api_key_env: MEILI_MASTER_KEY\n",
		`api_key: "(set)"`,
		"max_concurrent_sites: 4\n", // defaults
		"closed_retention: 90d\n",
		"stop_timeout: 10s\n",
		"parallelism: 4\n",
		"refresh_after: 7d\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout does not say %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{testSecret, "hunter2"} {
		if strings.Contains(out, secret) || strings.Contains(errOut, secret) {
			t.Errorf("a secret (%s) is printed", secret)
		}
	}

	t.Run("json", func(t *testing.T) {
		t.Setenv("MEILI_MASTER_KEY", "")
		t.Setenv("MEILI_URL", "https://u:pw-from-env@meili.example")
		code, out, errOut := jobcrawlConfig(t, "check", "--config", path, "--json")
		var got struct {
			DataDir string `json:"data_dir"`
			Index   struct {
				Meilisearch struct {
					URL    string `json:"url"`
					APIKey string `json:"api_key"`
				} `json:"meilisearch"`
			} `json:"index"`
			MaxConcurrentSites int     `json:"max_concurrent_sites"`
			MaxCloseShare      float64 `json:"max_close_share"`
			Sites              []struct {
				Name   string `json:"name"`
				Limits struct {
					Parallelism int `json:"parallelism"`
				} `json:"limits"`
			} `json:"sites"`
		}
		if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil {
			t.Fatalf("exit %d, %v\n%s%s", code, err, out, errOut)
		}
		m := got.Index.Meilisearch
		if got.DataDir != abs || m.URL != "https://u:xxxxx@meili.example" || m.APIKey != "(not set)" ||
			got.MaxConcurrentSites != 4 || got.MaxCloseShare != 0.3 || len(got.Sites) != 1 || got.Sites[0].Limits.Parallelism != 4 {
			t.Errorf("got %+v", got)
		}
		if strings.Contains(out+errOut, "pw-from-env") {
			t.Error("the password of MEILI_URL is printed")
		}
	})

	t.Run("header credentials", func(t *testing.T) {
		path := writeConfig(t, `sites:
  - name: api
    source: json
    json:
      url: https://api.example/jobs
      headers: {Authorization: "Bearer tok-123", Accept: application/json}
      items: jobs
      fields: {job_number: id, title: title}
`)
		code, out, errOut := jobcrawlConfig(t, "check", "--config", path)
		if code != exitOK || strings.Contains(out, "tok-123") || !strings.Contains(out, `Authorization: "(hidden)"`) ||
			!strings.Contains(out, "Accept: application/json") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
	})
}

func TestConfigCheckUsage(t *testing.T) {
	bad := writeConfig(t, "max_close_share: 2\nsites:\n  - name: x\n    start_url: https://x.example/\n")
	cases := []struct {
		args []string
		code int
		say  []string
	}{
		{[]string{"check", "--config", bad}, exitUsage, []string{
			bad + ":1: max_close_share", bad + ":4: sites[0].start_url: unknown key (did you mean start_urls?)"}},
		{[]string{}, exitUsage, []string{"SYNOPSIS\n    jobcrawl config check [--json]", "name a subcommand"}},
		{[]string{"frob"}, exitUsage, []string{`unknown subcommand "frob"`}},
		{[]string{"check", "--config", filepath.Join(t.TempDir(), "none.yaml")}, exitUsage, []string{"not found"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errOut := jobcrawlConfig(t, c.args...)
			if code != c.code || out != "" {
				t.Errorf("exit %d (want %d), stdout %q", code, c.code, out)
			}
			for _, s := range c.say {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr does not say %q:\n%s", s, errOut)
				}
			}
		})
	}
}

// TestConfigCheckBinary runs the real binary: a bad configuration exits 2
// and the API key is printed nowhere.
func TestConfigCheckBinary(t *testing.T) {
	if !configRegistered() {
		t.Skip("config is not in app.go's commands() yet")
	}
	t.Setenv("MEILI_MASTER_KEY", testSecret)
	dir := t.TempDir()
	bad := writeConfig(t, "index: {backend: meilisearch}\nsites:\n  - name: x\n    limits: {parallelism: four}\n")
	code, out, errOut := jobcrawlExec(t, dir, "config", "check", "--config", bad)
	if code != exitUsage || !strings.Contains(errOut, "sites[0].limits.parallelism") || strings.Contains(out+errOut, testSecret) {
		t.Errorf("exit %d (want 2)\n%s%s", code, out, errOut)
	}
	good := writeConfig(t, "index: {backend: meilisearch}\n")
	code, out, errOut = jobcrawlExec(t, dir, "config", "check", "--config", good)
	if code != exitOK || !strings.Contains(out, `api_key: "(set)"`) || strings.Contains(out+errOut, testSecret) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"name", "start_urls", "allowed_domains", "pagination", "job_links", "max_concurrent_sites",
		"max_close_share", "api_key_env", "timeout", "task_timeout"}
	cases := []struct{ name, want string }{
		{"start_url", "start_urls"},                // one letter short
		{"strat_urls", "start_urls"},               // a swap
		{"Start_URLs", "start_urls"},               // case
		{"jobs_links", "job_links"},                // one too many
		{"paginaton", "pagination"},                // one left out
		{"max_concurrent", "max_concurrent_sites"}, // a prefix
		{"api_key", "api_key_env"},                 // a prefix
		{"timeouts", "timeout"},                    // the closest, not task_timeout
		{"nmae", "name"},
		{"schedule", ""}, // nothing close
		{"ab", ""},       // too short to guess
		{"max", ""},      // a prefix too short
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := suggest(c.name, known); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestLineOf(t *testing.T) {
	src := `daemon:
  listen: x
sites:
  - name: a
    pagination:
      next: b
  - name: c
    start_urls:
      - u
      - v
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	cases := []struct {
		key  string
		want int
	}{
		{"daemon.listen", 2},
		{"daemon.stop_timeout", 1}, // not in the file: its section
		{"sites[0].pagination.next", 6},
		{"sites[0].job_links", 4}, // not in the file: its site
		{"sites[1].start_urls[1]", 10},
		{"sites[5].name", 3},
		{"MEILI_URL (overriding index.meilisearch.url)", 0},
		{"", 0},
	}
	for _, c := range cases {
		if got := lineOf(root, c.key); got != c.want {
			t.Errorf("lineOf(%q): got %d, want %d", c.key, got, c.want)
		}
	}
}
