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
	"sync/atomic"
	"testing"

	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// TestAddRecognizesPlatformURLs: the URL alone names the board; no request
// is made (these hosts are never contacted).
func TestAddRecognizesPlatformURLs(t *testing.T) {
	cases := []struct {
		url  string
		want []string // lines the block must hold
	}{
		{"https://boards.greenhouse.io/vaulttec", []string{"platform: greenhouse", "board: vaulttec", "name: vaulttec"}},
		{"https://job-boards.greenhouse.io/vaulttec/jobs/4012345006?gh_jid=4012345006", []string{"platform: greenhouse", "board: vaulttec"}},
		{"https://boards.greenhouse.io/embed/job_board?for=acme&b=https%3A%2F%2Facme.example", []string{"platform: greenhouse", "board: acme"}},
		{"https://jobs.lever.co/leverdemo/5ac21346-8e0c-4494-8e7a-3eb92ff77902", []string{"platform: lever", "board: leverdemo"}},
		{"https://jobs.eu.lever.co/acme", []string{"platform: lever", "board: acme", "api_url: https://api.eu.lever.co"}},
		{"https://jobs.ashbyhq.com/ashby", []string{"platform: ashby", "board: ashby"}},
		{"https://careers.smartrecruiters.com/BoschGroup", []string{"platform: smartrecruiters", "board: BoschGroup", "name: boschgroup"}},
		{"https://jobs.smartrecruiters.com/BoschGroup/744000012345601-software-engineer", []string{"platform: smartrecruiters", "board: BoschGroup"}},
		{"https://autodesk.wd1.myworkdayjobs.com/en-US/Ext/job/Montreal-QC-CAN/Senior-Manager_24WD81528", []string{"platform: workday", "board: autodesk.wd1/Ext", "name: autodesk"}},
		{"https://acme.wd5.myworkdayjobs.com/External", []string{"platform: workday", "board: acme.wd5/External"}},
		{"https://eaton.eightfold.ai/careers?location=US", []string{"platform: eightfold", "board: eaton.com", "NOTE: board is the employer's domain"}},
		{"https://apply.careers.microsoft.com/careers/job/1970393556873874", []string{"platform: eightfold", "board: microsoft.com", "company: Microsoft"}},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			code, out, errOut := jobcrawl(t, "add", c.url)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("the block lacks %q:\n%s", w, out)
				}
			}
			// what it prints is a valid sites entry
			cfg := writeConfig(t, "sites:\n"+out)
			if code, _, errOut := jobcrawl(t, "validate", "--config", cfg); code != exitOK {
				t.Errorf("the printed block does not validate: %s\n%s", errOut, out)
			}
		})
	}
}

// TestAddRecognizesPages: a careers page that embeds a board, or an
// Eightfold site on the employer's own host.
func TestAddRecognizesPages(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/careers", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Careers at Vault-Tec</title></head><body>
<h1>Join us</h1><div id="grnhse_app"></div>
<script src="https://boards.greenhouse.io/embed/job_board/js?for=vaulttec"></script>
<a href="https://www.linkedin.com/company/vaulttec">LinkedIn</a></body></html>`)
	})
	mux.HandleFunc("/jobs", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><iframe src="https://jobs.lever.co/leverdemo?lever-via=site"></iframe>
<a href="https://jobs.lever.co/leverdemo/5ac21346">Backend Engineer</a></body></html>`)
	})
	mux.HandleFunc("/eightfold/careers", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!DOCTYPE html><html><head><link rel="stylesheet" href="/static/css/eightfold-font-base.css">
<script>window.__config = {"domain": "contoso.com", "branding": {"hide_eightfold_branding": true}};</script></head>
<body><div id="pcs-body-container"></div></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for path, want := range map[string][]string{
		"/careers":           {"platform: greenhouse", "board: vaulttec", "embeds or links to a Greenhouse board"},
		"/jobs":              {"platform: lever", "board: leverdemo"},
		"/eightfold/careers": {"platform: eightfold", "board: contoso.com", "api_url: " + srv.URL, "name: contoso"},
	} {
		t.Run(path, func(t *testing.T) {
			code, out, errOut := jobcrawl(t, "add", srv.URL+path)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("the block lacks %q:\n%s", w, out)
				}
			}
		})
	}
	code, _, errOut := jobcrawl(t, "add", srv.URL+"/nothing-here")
	if code != exitSiteFailed || !strings.Contains(errOut, "404") {
		t.Errorf("a page that is not there: exit %d, %q", code, errOut)
	}
}

// TestAddJSONLDSiteThenCrawl goes from a posting's URL to a crawled site:
// jobcrawl add finds the JSON-LD posting, the sitemap robots.txt names and
// the URLs like it; --write adds the site; crawl finds every posting.
func TestAddJSONLDSiteThenCrawl(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 12, PerPage: 5, Dups: 0, Seed: 8, Styles: []string{"jsonld", "microdata", "labels"}})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	var urls strings.Builder
	for _, j := range site.Jobs {
		fmt.Fprintf(&urls, "<url><loc>%s%s</loc></url>\n", srv.URL, j.Path())
	}
	site.Hook("/robots.txt", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "User-agent: *\nDisallow: /private/\nSitemap: %s/sitemaps/careers.xml\n", srv.URL)
	}))
	site.Hook("/sitemaps/careers.xml", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>%s/about</loc></url>
%s</urlset>`, srv.URL, urls.String())
	}))
	var sample string
	for _, j := range site.Jobs {
		if j.Style == "jsonld" {
			sample = srv.URL + j.Path()
			break
		}
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("# my jobs\ndata_dir: ./data\n\nsites:\n  - name: other\n    platform: lever\n    board: leverdemo\n"), 0o600)

	code, out, errOut := jobcrawl(t, "add", sample, "--write", "--config", cfg)
	if code != exitOK {
		t.Fatalf("add: exit %d: %s\n%s", code, errOut, out)
	}
	t.Logf("jobcrawl add %s:\n%s", sample, out)
	for _, w := range []string{"source: sitemap", srv.URL + "/sitemaps/careers.xml", "match:", "name: contoso", "schema.org JSON-LD posting", "lists 12 URLs like it"} {
		if !strings.Contains(out, w) {
			t.Errorf("the block lacks %q:\n%s", w, out)
		}
	}
	written, _ := os.ReadFile(cfg)
	if !strings.HasPrefix(string(written), "# my jobs\n") || !strings.Contains(string(written), "  - name: other\n") {
		t.Errorf("the file lost what it held:\n%s", written)
	}
	if st, _ := os.Stat(cfg); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the file's own 0600", st.Mode().Perm())
	}

	crawlAdded(t, cfg, 12, "--site", "contoso")
	if site.TotalHits("/about") != 0 {
		t.Error("the sitemap's non-posting page was fetched")
	}

	// the same name again: the file would not validate, and is left alone
	code, _, errOut = jobcrawl(t, "add", sample, "--write", "--config", cfg)
	if again, _ := os.ReadFile(cfg); code != exitUsage || !strings.Contains(errOut, "already the name") || string(again) != string(written) {
		t.Errorf("a second add: exit %d, %q; the file changed: %v", code, errOut, string(again) != string(written))
	}
}

func TestAddWrite(t *testing.T) {
	cases := []struct {
		name, before, want string
		code               int
	}{
		{"no file", "", "sites:\n  # vaulttec: the URL", exitOK},
		{"no sites", "data_dir: ./data\n", "data_dir: ./data\n\nsites:\n  # vaulttec: ", exitOK},
		{"empty sites", "data_dir: ./data\nsites:\n", "data_dir: ./data\nsites:\n  # vaulttec: ", exitOK},
		{"items at column 0", "sites:\n- name: a\n  platform: ashby\n  board: a\n", "  board: a\n\n# vaulttec: the URL of a Greenhouse board, found by jobcrawl add from https://boards.greenhouse.io/vaulttec\n- name: vaulttec\n  company: Vaulttec\n", exitOK},
		{"sites not last", "sites:\n  - name: a\n    platform: ashby\n    board: a\ndata_dir: ./data\n", "", exitSiteFailed},
		{"flow list", "sites: []\n", "", exitSiteFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if c.name != "no file" {
				os.WriteFile(path, []byte(c.before), 0o644)
			}
			code, out, errOut := jobcrawl(t, "add", "https://boards.greenhouse.io/vaulttec", "--write", "--config", path)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, errOut)
			}
			after, _ := os.ReadFile(path)
			if c.code != exitOK {
				if string(after) != c.before || !strings.Contains(out, "board: vaulttec") {
					t.Errorf("the file changed, or the block was not printed for pasting:\n%s", after)
				}
				return
			}
			if !strings.Contains(string(after), c.want) {
				t.Errorf("the file:\n%s\nlacks %q", after, c.want)
			}
			if code, _, errOut := jobcrawl(t, "validate", "--config", path); code != exitOK {
				t.Errorf("the written file does not validate: %s", errOut)
			}
		})
	}
}

// TestAddObeysRobots: add fetches through the crawl's fetch layer, so a
// page robots.txt disallows is not fetched, and the sitemaps of a posting
// are read only where robots.txt allows.
func TestAddObeysRobots(t *testing.T) {
	var pageHits atomic.Int64
	var mu sync.Mutex
	var otherPaths []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		otherPaths = append(otherPaths, r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nDisallow: /careers\n")
		}
	}))
	defer other.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /careers/private\n")
	})
	mux.HandleFunc("/careers/private", func(w http.ResponseWriter, r *http.Request) {
		pageHits.Add(1)
		fmt.Fprint(w, `<html><body><script src="https://boards.greenhouse.io/embed/job_board/js?for=secret"></script></body></html>`)
	})
	mux.HandleFunc("/careers/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/careers", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	code, out, errOut := jobcrawl(t, "add", srv.URL+"/careers/private")
	if code == exitOK || !strings.Contains(errOut, "robots.txt") || pageHits.Load() != 0 {
		t.Errorf("a disallowed page: exit %d, stderr %q, page fetched %d times: want a failure naming robots.txt and no fetch\n%s",
			code, errOut, pageHits.Load(), out)
	}
	// a page that moved to another host is followed there only as its
	// robots.txt allows: that one disallows it
	code, _, errOut = jobcrawl(t, "add", srv.URL+"/careers/moved")
	mu.Lock()
	defer mu.Unlock()
	if code == exitOK || !strings.Contains(errOut, "robots.txt") || strings.Join(otherPaths, " ") != "/robots.txt" {
		t.Errorf("a page moved to a host whose robots.txt disallows it: exit %d, %q; that host saw %v, want only /robots.txt",
			code, errOut, otherPaths)
	}
}

// TestAddHTMLSiteThenCrawl goes from a plain careers site's result page
// to a crawled site: add finds the job links and the next-page link,
// --write adds the block as printed, and crawl finds every job.
func TestAddHTMLSiteThenCrawl(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 30, PerPage: 8, Dups: 3, Seed: 21, Styles: []string{"labels", "microdata", "jsonld"}})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("data_dir: ./data\nsites:\n"), 0o644)

	code, out, errOut := jobcrawl(t, "add", demosite.StartURL(srv.URL), "--write", "--config", cfg)
	if code != exitOK {
		t.Fatalf("add: exit %d: %s\n%s", code, errOut, out)
	}
	t.Logf("jobcrawl add:\n%s", out)
	for _, w := range []string{"start_urls:", "job_links:", "pagination:", "# confidence (0-1) of each choice:", "# sample 1:", "job_number:"} {
		if !strings.Contains(out, w) {
			t.Errorf("the output lacks %q", w)
		}
	}
	written, _ := os.ReadFile(cfg)
	if strings.Contains(string(written), "# sample 1:") {
		t.Errorf("the samples were written to the configuration:\n%s", written)
	}
	crawlAdded(t, cfg, 30)
}

// TestAddJSON: --json prints the suggestion for tools, and says why when
// there is none, with exit code 1.
func TestAddJSON(t *testing.T) {
	site := demosite.New(demosite.Options{Jobs: 12, PerPage: 5, Seed: 4})
	site.Hook("/about", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><h1>About</h1><p>We are Contoso.</p><a href="/">Home</a></body></html>`)
	}))
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()

	code, out, errOut := jobcrawl(t, "add", demosite.StartURL(srv.URL), "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Recognised bool `json:"recognised"`
		Site       struct {
			JobLinks   string            `json:"job_links"`
			Pagination map[string]string `json:"pagination"`
		} `json:"site"`
		Choices []struct {
			Key        string  `json:"key"`
			Confidence float64 `json:"confidence"`
		} `json:"choices"`
		Samples []struct {
			URL    string            `json:"url"`
			Fields map[string]string `json:"fields"`
		} `json:"samples"`
		Block string `json:"block"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if !got.Recognised || got.Site.JobLinks == "" || len(got.Site.Pagination) == 0 || len(got.Choices) < 2 ||
		len(got.Samples) < 3 || !strings.Contains(got.Block, "job_links:") {
		t.Errorf("the suggestion lacks parts:\n%s", out)
	}
	for _, s := range got.Samples {
		if s.Fields["job_number"] == "" || s.Fields["title"] == "" {
			t.Errorf("sample %s: %v", s.URL, s.Fields)
		}
	}

	code, out, errOut = jobcrawl(t, "add", srv.URL+"/about", "--json")
	var fail struct {
		Recognised bool   `json:"recognised"`
		Reason     string `json:"reason"`
		Error      string `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &fail); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if code != exitSiteFailed || fail.Recognised || fail.Reason != "no_repeated_links" || !strings.Contains(errOut, "no repeated links") {
		t.Errorf("a page without postings: exit %d, %+v, stderr %q", code, fail, errOut)
	}
}

// crawlAdded crawls the sites of cfg (args: more flags) and wants one site,
// crawled completely, with the given number of postings.
func crawlAdded(t *testing.T, cfg string, postings int, args ...string) {
	t.Helper()
	code, out, errOut := jobcrawl(t, append([]string{"crawl", "--config", cfg, "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("crawl: exit %d: %s\n%s", code, errOut, out)
	}
	var summary struct {
		Sites []struct {
			Postings int  `json:"postings"`
			Complete bool `json:"complete"`
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out), &summary); err != nil {
		t.Fatal(err)
	}
	if len(summary.Sites) != 1 || summary.Sites[0].Postings != postings || !summary.Sites[0].Complete {
		t.Errorf("crawl of the added site: %s", out)
	}
}
