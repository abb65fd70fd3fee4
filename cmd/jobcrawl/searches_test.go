package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// TestSearchesCLI: add, list, show and rm; bad flags named; secrets
// printed once and masked after.
func TestSearchesCLI(t *testing.T) {
	cfg := writeConfig(t, "data_dir: ./data\n")
	code, out, errOut := jobcrawl(t, "searches", "add", "--config", cfg, "--name", "Go in Berlin", "golang",
		"--filter", "countries=Germany", "--webhook", "https://hooks.example/in", "--json")
	if code != exitOK {
		t.Fatalf("add: exit %d\n%s", code, errOut)
	}
	var added alerts.View
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatalf("add --json: %v\n%s", err, out)
	}
	secret := added.Secrets[added.Endpoints[0].ID]
	if !strings.HasPrefix(added.ID, "ss_") || !strings.HasPrefix(secret, "whsec_") || added.Query != "golang" ||
		len(added.Filters) != 1 || added.Endpoints[0].Format != "standard" || added.Endpoints[0].Mode != "instant" {
		t.Errorf("added %s", out)
	}
	code, out, _ = jobcrawl(t, "searches", "add", "--config", cfg, "--name", "Daily", "--webhook", "https://hooks.slack.com/services/T/B/XYZSECRET",
		"--format", "slack", "--mode", "daily")
	if code != exitOK || !strings.Contains(out, "signing secret (shown once") || !strings.Contains(out, "/feeds/ss_") {
		t.Errorf("add: exit %d\n%s", code, out)
	}
	code, out, _ = jobcrawl(t, "searches", "list", "--config", cfg)
	if code != exitOK || !strings.Contains(out, added.ID) || !strings.Contains(out, "Go in Berlin") || !strings.Contains(out, "slack/daily") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	code, out, _ = jobcrawl(t, "searches", "list", "--config", cfg, "--json")
	if code != exitOK || strings.Contains(out, secret) || strings.Contains(out, "XYZSECRET") || !strings.Contains(out, `"secret": "whsec_…`) {
		t.Errorf("list --json shows a secret or lacks the masked one: exit %d\n%s", code, out)
	}
	code, out, _ = jobcrawl(t, "searches", "show", added.ID, "--config", cfg)
	if code != exitOK || !strings.Contains(out, "0 pending, 0 delivered, 0 dead") || strings.Contains(out, secret) {
		t.Errorf("show: exit %d\n%s", code, out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"searches"}, "name a sub-command"},
		{[]string{"searches", "frob"}, `"frob" is not list`},
		{[]string{"searches", "add", "--filter", "colour=red"}, `--filter: cannot filter on "colour"`},
		{[]string{"searches", "add", "--sort", "salary"}, `--sort: cannot sort by "salary"`},
		{[]string{"searches", "add", "--webhook", "https://h.example", "--format", "teams"}, `format "teams"`},
		{[]string{"searches", "add", "--webhook", "https://h.example", "--mode", "weekly"}, `mode "weekly"`},
		{[]string{"searches", "add", "--mode", "daily"}, "--mode describes a webhook"},
		{[]string{"searches", "add", "--realert", "always"}, `realert "always"`},
		// a destination the deliverer would refuse is refused at once
		{[]string{"searches", "add", "--webhook", "http://10.1.2.3/hook"}, "alerts.allow_networks"},
		{[]string{"searches", "add", "--webhook", "http://127.0.0.1:9/hook"}, "alerts.allow_networks"},
		{[]string{"searches", "add", "--filter", "status=closed"}, "open postings only"},
		{[]string{"searches", "list", "--webhook", "https://h.example"}, "--webhook applies to searches add only"},
		{[]string{"searches", "rm"}, "name one saved search"},
		{[]string{"searches", "rm", "ss_nope"}, "no such saved search"},
		{[]string{"searches", "show", "ss_nope"}, "no such saved search"},
	} {
		code, _, errOut := jobcrawl(t, append(c.args, "--config", cfg)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 saying %q", c.args, code, errOut, c.want)
		}
	}

	if code, out, errOut := jobcrawl(t, "searches", "rm", added.ID, "--config", cfg); code != exitOK || !strings.Contains(out, "Deleted") {
		t.Errorf("rm: exit %d %s %s", code, out, errOut)
	}
	code, out, _ = jobcrawl(t, "searches", "list", "--config", cfg, "--json")
	if code != exitOK || strings.Contains(out, added.ID) {
		t.Errorf("list after rm: %s", out)
	}

	// a daemon keeps the store: the command says how to reach it
	st, err := alerts.Open(filepath.Join(filepath.Dir(cfg), "data", "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	code, _, errOut = jobcrawl(t, "searches", "list", "--config", cfg)
	if code != exitSiteFailed || !strings.Contains(errOut, "is locked") || !strings.Contains(errOut, "--server http://") {
		t.Errorf("list while locked: exit %d %s", code, errOut)
	}
}

// TestCrawlEvaluatesSavedSearches: a one-off crawl records the new jobs
// of a saved search once: not the backlog, not a job whose title changed,
// not a job closed and reopened.
func TestCrawlEvaluatesSavedSearches(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 12, PerPage: 5, Seed: 5})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	cfg := writeConfig(t, demoSiteConfig("contoso", "", srv.URL))
	crawl := func() {
		t.Helper()
		if code, _, errOut := jobcrawl(t, "crawl", "--config", cfg, "--quiet"); code != exitOK {
			t.Fatalf("crawl: exit %d\n%s", code, errOut)
		}
	}
	crawl()
	code, out, errOut := jobcrawl(t, "searches", "add", "--config", cfg, "--name", "everything", "--json")
	if code != exitOK {
		t.Fatalf("add: exit %d %s", code, errOut)
	}
	var s alerts.View
	json.Unmarshal([]byte(out), &s)
	show := func() alerts.View {
		t.Helper()
		code, out, errOut := jobcrawl(t, "searches", "show", s.ID, "--config", cfg, "--json")
		if code != exitOK {
			t.Fatalf("show: exit %d %s", code, errOut)
		}
		var got alerts.View
		json.Unmarshal([]byte(out), &got)
		return got
	}
	crawl()
	if got := show(); got.Matches != 0 {
		t.Fatalf("the backlog was recorded: %d matches", got.Matches)
	}
	nj := *site.Jobs[0]
	nj.Number, nj.ReqID, nj.Title = "990001", "R990001", "Brand new role"
	site.Add(&nj)
	crawl()
	got := show()
	if got.Matches != 1 || len(got.Recent) != 1 || got.Recent[0].Title != "Brand new role" {
		t.Fatalf("after a new job: %d matches, recent %+v", got.Matches, got.Recent)
	}
	site.Change("990001", func(j *demosite.Job) { j.Title = "Brand new role (renamed)" })
	crawl()
	site.Remove("990001")
	crawl()
	if _, out, _ := jobcrawl(t, "search", "--config", cfg, "--filter", "status=closed", "--json"); !strings.Contains(out, "990001") {
		t.Fatalf("the removed job was not closed:\n%s", out)
	}
	site.Restore("990001")
	crawl()
	if got := show(); got.Matches != 1 {
		t.Errorf("the same job was recorded again: %d matches, recent %v", got.Matches, fmt.Sprint(got.Recent))
	}
}

// startTestDaemon runs the daemon on cfg until the test ends and returns
// its address and log.
func startTestDaemon(t *testing.T, cfg string) (string, *syncBuffer) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var stderr syncBuffer
	urls := make(chan string, 1)
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr, listening: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() {
		done <- runEnv(ctx, e, []string{"daemon", "--config", cfg, "--listen", "127.0.0.1:0", "--log-format", "json"})
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v\n%s", err, stderr.String())
		}
	})
	select {
	case u := <-urls:
		return u, &stderr
	case err := <-done:
		t.Fatalf("the daemon ended at start: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatal("the daemon did not start listening")
	}
	return "", nil
}

// TestDaemonEvaluatesAfterRuns: a search saved over the API records the
// job a later run finds, and its feed shows it.
func TestDaemonEvaluatesAfterRuns(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 8, PerPage: 5, Seed: 41})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	cfg := writeConfig(t, "data_dir: ./data\nsites:"+siteYAML("contoso", "", srv.URL, ""))
	base, _ := startTestDaemon(t, cfg)
	run := func(n int) {
		t.Helper()
		resp, err := http.Post(base+"/api/sites/contoso/run", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var sites sitesJSON
		poll(t, "the run", func() bool { getJSON(t, base+"/api/sites", &sites); return sites.runs("contoso") >= n })
	}
	run(1)
	// the store is the daemon's: the command goes through its API
	code, out, errOut := jobcrawl(t, "searches", "add", "--server", base, "--name", "all", "--webhook", "https://hooks.example/x", "--json")
	var s alerts.View
	if err := json.Unmarshal([]byte(out), &s); code != exitOK || err != nil || !strings.HasPrefix(s.Secrets[s.Endpoints[0].ID], "whsec_") {
		t.Fatalf("add --server: exit %d %v\n%s%s", code, err, out, errOut)
	}
	if code, _, errOut := jobcrawl(t, "searches", "add", "--server", base, "--webhook", "https://h.example", "--format", "teams"); code != exitUsage ||
		!strings.Contains(errOut, `format "teams"`) {
		t.Errorf("bad add --server: exit %d %s", code, errOut)
	}
	if code, out, _ := jobcrawl(t, "searches", "list", "--server", base); code != exitOK || !strings.Contains(out, s.ID) {
		t.Errorf("list --server: exit %d\n%s", code, out)
	}
	if code, _, errOut := jobcrawl(t, "searches", "show", "ss_nope", "--server", base); code != exitUsage || !strings.Contains(errOut, "no saved search") {
		t.Errorf("show --server of an unknown id: exit %d %s", code, errOut)
	}
	nj := *site.Jobs[0]
	nj.Number, nj.ReqID, nj.Title = "880001", "R880001", "Daemon-found role"
	site.Add(&nj)
	run(2)
	var got alerts.View
	poll(t, "the evaluation", func() bool { getJSON(t, base+"/api/searches/"+s.ID, &got); return got.Matches >= 1 })
	if got.Matches != 1 || got.Recent[0].Title != "Daemon-found role" {
		t.Errorf("recorded %d: %+v", got.Matches, got.Recent)
	}
	if code, out, _ := jobcrawl(t, "searches", "show", s.ID, "--server", base); code != exitOK || !strings.Contains(out, "Daemon-found role") ||
		!strings.Contains(out, "messages: ") {
		t.Errorf("show --server: exit %d\n%s", code, out)
	}
	resp, err := http.Get(base + "/feeds/" + s.ID + ".atom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Daemon-found role") {
		t.Errorf("feed: %d\n%s", resp.StatusCode, body)
	}
	if code, out, errOut := jobcrawl(t, "searches", "rm", s.ID, "--server", base); code != exitOK || !strings.Contains(out, "Deleted") {
		t.Errorf("rm --server: exit %d %s %s", code, out, errOut)
	}
}

// TestDaemonWithoutAlertsStore: when another process holds the alerts
// store (a second daemon sharing data_dir), the daemon says so, runs on,
// and its saved searches routes answer 503.
func TestDaemonWithoutAlertsStore(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 3, PerPage: 5, Seed: 42})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	cfg := writeConfig(t, "data_dir: ./data\nalerts:\n  path: ./shared/alerts.db\nsites:"+siteYAML("contoso", "", srv.URL, ""))
	other, err := alerts.Open(filepath.Join(filepath.Dir(cfg), "shared", "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	base, log := startTestDaemon(t, cfg)
	if !strings.Contains(log.String(), "alerts are kept by another daemon") || !strings.Contains(log.String(), "alerts.db is locked") {
		t.Errorf("the daemon did not say why it keeps no alerts:\n%s", log.String())
	}
	resp, err := http.Get(base + "/api/searches")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), "saved searches are not available") || strings.Contains(string(body), "alerts.db") {
		t.Errorf("GET /api/searches: %d %s", resp.StatusCode, body)
	}
	var res struct {
		Total int `json:"total"`
	}
	if getJSON(t, base+"/api/search", &res); res.Total != 0 {
		t.Errorf("search: %d", res.Total)
	}
}
