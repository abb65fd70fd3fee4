package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// TestSitesAndRemove: a site renamed in the config shows in `sites` as not
// configured, with its postings; remove asks for its name, refuses a wrong
// answer, and deletes them on the right one (or with --yes).
func TestSitesAndRemove(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 12, PerPage: 5, Seed: 3})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	block := func(name string) string { return demoSiteConfig(name, "    schedule: \"@daily\"\n", srv.URL) }
	cfg := writeConfig(t, block("contoso"))
	dir := filepath.Dir(cfg)
	if code, _, errOut := jobcrawlExec(t, dir, "crawl", "--config", cfg, "--quiet"); code != exitOK {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}
	if err := os.WriteFile(cfg, []byte(block("acme")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := jobcrawlExec(t, dir, "sites", "--config", cfg, "--json")
	var got struct {
		Sites []siteRow `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil {
		t.Fatalf("sites --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	if len(got.Sites) != 2 || got.Sites[0].Name != "acme" || !got.Sites[0].Configured || got.Sites[0].Open != 0 ||
		got.Sites[1].Name != "contoso" || got.Sites[1].Configured || got.Sites[1].Open != 12 || got.Sites[1].LastSeen == nil {
		t.Errorf("sites: %+v", got.Sites)
	}
	if c := got.Sites[1].Coverage; c["job_number"] != 1 || c["title"] != 1 || c["salary"] >= 1 {
		t.Errorf("coverage of contoso: %v", c)
	}
	if code, out, _ := jobcrawlExec(t, dir, "sites", "--config", cfg); code != exitOK || !strings.Contains(out, "NOT CONFIGURED (jobcrawl remove contoso)") ||
		!strings.Contains(out, "contoso: coverage: job_number 100%, title 100%") {
		t.Errorf("sites: exit %d\n%s", code, out)
	}

	remove := func(answer string, args ...string) (int, string, string) {
		var o, eo bytes.Buffer
		err := runEnv(context.Background(), &env{stdout: &o, stderr: &eo, stdin: strings.NewReader(answer)},
			append([]string{"remove", "--config", cfg}, args...))
		return exitCode(err), o.String(), eo.String() + fmt.Sprint(err)
	}
	if code, _, errOut := remove("yes\n", "contoso"); code != exitUsage || !strings.Contains(errOut, "not confirmed; nothing deleted") {
		t.Errorf("a wrong answer: exit %d %s", code, errOut)
	}
	if code, out, errOut := remove("contoso\n", "contoso"); code != exitOK || !strings.Contains(out, "removed 12 postings of site contoso") {
		t.Errorf("confirmed: exit %d %s %s", code, out, errOut)
	}
	if code, _, errOut := jobcrawlExec(t, dir, "remove", "--config", cfg, "contoso", "--yes"); code != exitSiteFailed || !strings.Contains(errOut, "holds no posting of site") {
		t.Errorf("removed already: exit %d %s", code, errOut)
	}
	if code, out, _ := jobcrawlExec(t, dir, "sites", "--config", cfg); code != exitOK || strings.Contains(out, "contoso") {
		t.Errorf("after remove: exit %d\n%s", code, out)
	}
}

// TestRenameKeepsPostings: a site renamed with renamed_from adopts the
// postings of its former name before crawling, so they stay unchanged
// (first seen kept) instead of being new under one name and left behind
// under the other.
func TestRenameKeepsPostings(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 12, PerPage: 5, Seed: 3})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	block := func(name, extra string) string { return demoSiteConfig(name, extra, srv.URL) }
	cfg := writeConfig(t, block("contoso", ""))
	dir := filepath.Dir(cfg)
	if code, _, errOut := jobcrawlExec(t, dir, "crawl", "--config", cfg, "--quiet"); code != exitOK {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}
	if err := os.WriteFile(cfg, []byte(block("acme", "    renamed_from: contoso\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := jobcrawlExec(t, dir, "crawl", "--config", cfg, "--quiet", "--json")
	if code != exitOK || !strings.Contains(errOut, "site acme: 12 postings adopted from its former name contoso") ||
		!strings.Contains(out, `"unchanged": 12`) || !strings.Contains(out, `"new": 0`) {
		t.Errorf("crawl after the rename: exit %d\n%s\n%s", code, out, errOut)
	}
	var got struct {
		Sites []siteRow `json:"sites"`
	}
	_, out, _ = jobcrawlExec(t, dir, "sites", "--config", cfg, "--json")
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Sites) != 1 || got.Sites[0].Name != "acme" || got.Sites[0].Open != 12 {
		t.Errorf("sites after the rename: %v %s", err, out)
	}
}
