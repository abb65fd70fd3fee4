package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/extract"
)

// extractOutput decodes what `jobcrawl extract` prints: one JSON object per document.
func extractOutput(tb testing.TB, out string) []extractResult {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	var res []extractResult
	for dec.More() {
		var r extractResult
		if err := dec.Decode(&r); err != nil {
			tb.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		res = append(res, r)
	}
	return res
}

func TestExtractFile(t *testing.T) {
	page := filepath.Join("..", "..", "extract", "testdata", "microsoft_322695.html")
	code, out, errOut := jobcrawl(t, "extract", "--config", writeConfig(t, ""), page)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	res := extractOutput(t, out)
	if len(res) != 1 || len(res[0].Postings) != 1 {
		t.Fatalf("got %+v", res)
	}
	p := res[0].Postings[0]
	if p.JobNumber != "322695" || p.Title != "Account Executive - Energy" || strings.Join(p.Locations, ";") != "Houston, TX, United States" {
		t.Errorf("got %+v", p)
	}
	if res[0].Sources != nil || strings.Contains(out, `"sources"`) {
		t.Errorf("sources printed without --explain:\n%s", out)
	}

	code, out, _ = jobcrawl(t, "extract", "--config", writeConfig(t, ""), "--explain", page)
	res = extractOutput(t, out)
	if code != exitOK || len(res[0].Sources) != 1 {
		t.Fatalf("--explain: exit %d\n%s", code, out)
	}
	for field, want := range map[string]extract.Source{"job_number": "label", "title": "page", "locations": "label"} {
		if got := res[0].Sources[0][field]; got != want {
			t.Errorf("--explain %s: got %q, want %q", field, got, want)
		}
	}
	if len(res[0].Rules) != 1 {
		t.Fatalf("--explain: no rules\n%s", out)
	}
	for field, want := range map[string]string{"job_number": `label "Job #"`, "title": "page <h1>",
		"locations": `label "Locations"`, "qualifications": `heading "Qualifications" (h2)`,
		"responsibilities": `heading "Responsibilities" (h2)`, "url": "page canonical link",
		"company": "page og:site_name"} {
		if got := res[0].Rules[0][field]; got != want {
			t.Errorf("--explain rule of %s: got %q, want %q", field, got, want)
		}
	}
}

func TestExtractRejectedFile(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "barista.html")
	if err := os.WriteFile(page, []byte(`<html><body><h1>Barista</h1><dl><dt>Location</dt><dd>Lyon, France</dd></dl></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := jobcrawl(t, "extract", "--config", writeConfig(t, ""), "--explain", page, filepath.Join(dir, "missing.html"))
	if code != exitSiteFailed {
		t.Errorf("exit %d, want %d", code, exitSiteFailed)
	}
	res := extractOutput(t, out)
	if len(res) != 2 {
		t.Fatalf("want one object per document, got %d:\n%s", len(res), out)
	}
	r := res[0]
	if len(r.Postings) != 0 || !strings.Contains(r.Error, "no job number") || len(r.Rejected) != 1 {
		t.Fatalf("got %+v", r)
	}
	if rj := r.Rejected[0]; rj.Reason != "no job number" || rj.Partial.Title != "Barista" ||
		rj.Sources["locations"] != extract.SourceLabel || rj.Partial.Countries[0] != "France" {
		t.Errorf("--explain of a rejected page: got %+v", rj)
	}
	if !strings.Contains(res[1].Error, "no such file") {
		t.Errorf("missing file: got %+v", res[1])
	}
}

// careersServer serves robots.txt, posting pages and a few misbehaving
// routes, and remembers the User-Agent of each request.
type careersServer struct {
	*httptest.Server
	mu     sync.Mutex
	agents []string
}

func newCareersServer(tb testing.TB) *careersServer {
	tb.Helper()
	cs := &careersServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("/jobs/R-100", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Welder | Fabrikam Careers</title></head><body>
			<h1>Welder</h1><p class="ref">Ref R-100-X</p><p>Location: Gary, IN</p><a href="/apply/R-100">Apply now</a></body></html>`)
	})
	mux.HandleFunc("/private/jobs/1", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><h1>Secret</h1><p>Job #: 1234</p></body></html>`)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/private/jobs/1", http.StatusFound)
	})
	mux.HandleFunc("/api/jobs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"jobs":[]}`)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><body>"+strings.Repeat("<p>filler</p>", 1000)+"</body></html>")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		cs.agents = append(cs.agents, r.UserAgent())
		cs.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(cs.Close)
	return cs
}

func TestExtractURL(t *testing.T) {
	cs := newCareersServer(t)
	cfg := writeConfig(t, fmt.Sprintf(`
user_agent: "jobcrawl-test/1.0 (+https://example.com/bot)"
sites:
  - name: fabrikam
    company: Fabrikam Inc.
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job"
    limits: {max_body_size: 4KB}
    fields:
      job_number: {selector: ".ref", regex: "Ref (R-\\d+)"}
`, cs.URL+"/careers"))

	code, out, errOut := jobcrawl(t, "extract", "--config", cfg, "--site", "fabrikam", "--explain", cs.URL+"/jobs/R-100")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	res := extractOutput(t, out)
	p := res[0].Postings[0]
	if p.JobNumber != "R-100" || p.Company != "Fabrikam Inc." || p.ApplyURL != cs.URL+"/apply/R-100" || res[0].URL != cs.URL+"/jobs/R-100" {
		t.Errorf("got %+v (document URL %q)", p, res[0].URL)
	}
	if res[0].Sources[0]["job_number"] != extract.SourceOverride {
		t.Errorf("job_number source: got %q, want override", res[0].Sources[0]["job_number"])
	}
	if got, want := res[0].Rules[0]["job_number"], `override selector ".ref"`; got != want {
		t.Errorf("job_number rule: got %q, want %q", got, want)
	}
	if got, want := res[0].Rules[0]["company"], "the site's configured company"; got != want {
		t.Errorf("company rule: got %q, want %q", got, want)
	}
	cs.mu.Lock()
	agents := cs.agents
	cs.mu.Unlock()
	if len(agents) != 2 { // robots.txt, then the page: once each
		t.Errorf("%d requests, want 2 (robots.txt and the page)", len(agents))
	}
	for _, a := range agents {
		if a != "jobcrawl-test/1.0 (+https://example.com/bot)" {
			t.Errorf("User-Agent %q, want the configured one", a)
		}
	}

	// without --site, no rule: the page shows no job number automatic extraction can tell
	code, out, _ = jobcrawl(t, "extract", "--config", cfg, cs.URL+"/jobs/R-100")
	res = extractOutput(t, out)
	if code != exitSiteFailed || !strings.Contains(res[0].Error, "no job number") {
		t.Errorf("without --site: exit %d, want 1 and no job number\n%s", code, out)
	}

	cases := []struct{ name, url, say string }{
		{"disallowed by robots.txt", "/private/jobs/1", "robots.txt"},
		{"redirected to a disallowed page", "/moved", "robots.txt"},
		{"a JSON API response", "/api/jobs", "JSON"},
		{"larger than the site's limit", "/big", "document too large"},
		{"not found", "/nothing", "404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, _ := jobcrawl(t, "extract", "--config", cfg, "--site", "fabrikam", cs.URL+c.url)
			res := extractOutput(t, out)
			if code != exitSiteFailed || len(res) != 1 || !strings.Contains(res[0].Error, c.say) {
				t.Errorf("exit %d, want 1, error saying %q:\n%s", code, c.say, out)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		code, out, _ := jobcrawl(t, "extract", "--config", cfg, "--timeout", "200ms", cs.URL+"/slow")
		if code != exitSiteFailed || !strings.Contains(out, "Timeout") {
			t.Errorf("exit %d, want 1 with a timeout:\n%s", code, out)
		}
		if time.Since(start) > 4*time.Second {
			t.Errorf("--timeout 200ms not honoured: took %v", time.Since(start))
		}
	})
}

func TestExtractUsage(t *testing.T) {
	cfg := writeConfig(t, "")
	cases := []struct {
		args []string
		say  string
	}{
		{[]string{"extract", "--config", cfg}, "at least one URL or FILE"},
		{[]string{"extract", "--config", cfg, "--site", "nope", "x.html"}, "--site nope: no such site"},
		{[]string{"extract", "--config", cfg, "--url", "not a url", "x.html"}, "--url"},
		{[]string{"extract", "--config", cfg, "--frobnicate", "x.html"}, "flag provided but not defined"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args[3:], " "), func(t *testing.T) {
			code, _, errOut := jobcrawl(t, c.args...)
			if code != exitUsage || !strings.Contains(errOut, c.say) {
				t.Errorf("exit %d (want %d), stderr %q (want it to say %q)", code, exitUsage, errOut, c.say)
			}
		})
	}
}

// TestExtractResultPage: a result page yields one posting per card.
func TestExtractResultPage(t *testing.T) {
	page := filepath.Join("..", "..", "extract", "testdata", "listing_cards.html")
	code, out, _ := jobcrawl(t, "extract", "--config", writeConfig(t, ""), "--url", "https://careers.example.com/jobs?team=engineering", page)
	res := extractOutput(t, out)
	if code != exitOK || len(res[0].Postings) != 3 {
		t.Fatalf("exit %d, want 3 postings:\n%s", code, out)
	}
	if u := res[0].Postings[1].URL; u != "https://careers.example.com/jobs/ENG-1002/frontend-engineer" {
		t.Errorf("card URL not resolved against --url: %q", u)
	}
}

func TestCrawlSummaryShowsRejectionsAndCoverage(t *testing.T) {
	cov := map[string]float64{}
	for _, f := range crawler.CoverageFields {
		cov[f] = 1
	}
	cov["salary"], cov["qualifications"] = 0.125, 0
	var b strings.Builder
	printSummary(&b, []crawler.Stats{{Site: "contoso", Pages: 2, Details: 10, Postings: 8, New: 8, Complete: true,
		Rejected: map[string]int{"no job number": 1, "truncated document": 1}, Coverage: cov}})
	out := b.String()
	for _, want := range []string{
		"contoso: rejected pages: no job number 1, truncated document 1",
		"salary 12%", "qualifications 0%", "job_number 100%",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary does not say %q:\n%s", want, out)
		}
	}
	if fields := strings.Fields(strings.Split(out, "\n")[1]); len(fields) < 8 || fields[7] != "2" {
		t.Errorf("the rejected column should say 2:\n%s", out)
	}
}
