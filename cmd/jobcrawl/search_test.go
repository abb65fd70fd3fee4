package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// jobcrawlExec runs the jobcrawl binary (this test binary, running main)
// in dir and returns its exit code and output.
func jobcrawlExec(tb testing.TB, dir string, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		tb.Fatalf("run jobcrawl %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// demoSiteConfig is a config.yaml with data in ./data and one site, name,
// that crawls the demosite served at base; extra lines (indented four
// spaces, ending in a newline) go into the site's block.
func demoSiteConfig(name, extra, base string) string {
	return fmt.Sprintf(`
data_dir: ./data
sites:
  - name: %s
%s    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
    limits: {parallelism: 2, delay: 0s}
`, name, extra, demosite.StartURL(base))
}

// TestSearchWithoutAnIndex: search with no config and nothing crawled says
// where it looked, and creates nothing.
func TestSearchWithoutAnIndex(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := jobcrawlExec(t, dir, "search", "engineer")
	if code != exitSiteFailed || !strings.Contains(errOut, "no index in ./data") || !strings.Contains(errOut, "no config.yaml in "+dir) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("search created ./data (%v)", err)
	}
	cfg := writeConfig(t, "data_dir: ./elsewhere\n")
	code, _, errOut = jobcrawlExec(t, dir, "search", "--config", cfg)
	if code != exitSiteFailed || !strings.Contains(errOut, "(config "+cfg+")") {
		t.Errorf("with a config: exit %d, stderr %q", code, errOut)
	}
}

// TestSearchHelpsWhenNothingMatches: facets only with --limit 0, an offset
// past the end said as such, and an unknown filter value answered with the
// values that exist, whatever the case of the ones that do.
func TestSearchHelpsWhenNothingMatches(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 30, PerPage: 7, Seed: 11})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	cfg := writeConfig(t, demoSiteConfig("contoso", "", srv.URL))
	dir := filepath.Dir(cfg)
	if code, _, errOut := jobcrawlExec(t, dir, "crawl", "--config", cfg, "--quiet"); code != exitOK {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}
	sales := site.Truth().Facets["job_family"]["Sales"]

	code, out, _ := jobcrawlExec(t, dir, "search", "--config", cfg, "--facet", "job_family", "--limit", "0")
	if code != exitOK || strings.Contains(out, "(#") || !strings.Contains(out, fmt.Sprintf("%5d  Sales", sales)) ||
		!strings.HasPrefix(out, fmt.Sprintf("%d postings\n", len(site.Jobs))) {
		t.Errorf("--limit 0: exit %d\n%s", code, out)
	}
	code, out, _ = jobcrawlExec(t, dir, "search", "--config", cfg, "--offset", "500")
	if want := fmt.Sprintf("Nothing at offset 500: %d postings, the last at offset %d.", len(site.Jobs), len(site.Jobs)-1); code != exitOK || !strings.Contains(out, want) {
		t.Errorf("offset past the end: exit %d\n%s\nwant %q", code, out, want)
	}
	code, out, _ = jobcrawlExec(t, dir, "search", "--config", cfg, "--filter", "job_family=Salse", "--filter", "job_family=sales")
	if code != exitOK || !strings.HasPrefix(out, fmt.Sprintf("1–%d of %d postings", min(20, sales), sales)) {
		t.Errorf("job_family=sales matches Sales: exit %d\n%s", code, out)
	}
	code, out, _ = jobcrawlExec(t, dir, "search", "--config", cfg, "--filter", "job_family=Salse")
	if code != exitOK || !strings.Contains(out, `No posting has job_family="Salse". Values of job_family: `) ||
		!strings.Contains(out, fmt.Sprintf("Sales (%d)", sales)) {
		t.Errorf("an unknown value: exit %d\n%s", code, out)
	}
	code, out, errOut := jobcrawlExec(t, dir, "search", "--config", cfg, "--filter", "site=contosso", "--json")
	if code != exitOK || !strings.Contains(errOut, `No posting has site="contosso". Values of site: contoso (30).`) ||
		!strings.Contains(out, `"total": 0`) {
		t.Errorf("an unknown site, --json: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestSalaryAndAge(t *testing.T) {
	for _, c := range []struct {
		p    extract.Posting
		want string
	}{
		{extract.Posting{SalaryMin: 120000, SalaryMax: 150000, SalaryCurrency: "USD", SalaryPeriod: "year"}, "USD 120,000–150,000 per year"},
		{extract.Posting{SalaryMin: 25.5, SalaryCurrency: "EUR", SalaryPeriod: "hour"}, "EUR 25.5 per hour"},
		{extract.Posting{SalaryMax: 90000}, "up to 90,000"},
		{extract.Posting{}, ""},
	} {
		if got := salaryText(c.p); got != c.want {
			t.Errorf("salaryText(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
	now := time.Date(2026, 12, 5, 15, 0, 0, 0, time.UTC)
	for date, want := range map[string]string{"2026-12-05": " (today)", "2026-12-04": " (yesterday)", "2026-11-30": " (5 days ago)",
		"2026-11-01": " (4 weeks ago)", "2026-06-01": " (6 months ago)", "2023-01-01": " (3 years ago)", "2027-01-01": "", "soon": ""} {
		if got := age(date, now); got != want {
			t.Errorf("age(%s) = %q, want %q", date, got, want)
		}
	}
}
