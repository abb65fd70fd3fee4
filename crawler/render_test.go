package crawler_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/crawler/fetch"
)

// jsSite is a careers site whose pages are empty shells that JavaScript
// fills in: the result pages build their posting links (and the next-page
// link) from a JSON API, the posting pages write their title and job
// number. It also asks for what a render must not fetch: an image, a
// script on another host, and an API path robots.txt disallows.
type jsSite struct {
	srv, other *httptest.Server
	mu         sync.Mutex
	hits       map[string]int // path → requests (the other host's under "other:")
}

const jsPerPage, jsPages = 3, 2

func newJSSite(tb testing.TB) *jsSite {
	tb.Helper()
	s := &jsSite{hits: map[string]int{}}
	s.other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hit("other:" + r.URL.Path)
		w.Header().Set("Content-Type", "application/javascript")
		fmt.Fprint(w, `document.title = "tracked";`)
	}))
	tb.Cleanup(s.other.Close)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	return s
}

func (s *jsSite) hit(path string) {
	s.mu.Lock()
	s.hits[path]++
	s.mu.Unlock()
}

func (s *jsSite) count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

func (s *jsSite) serve(w http.ResponseWriter, r *http.Request) {
	s.hit(r.URL.Path)
	page := func(body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
	switch p := r.URL.Path; {
	case p == "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	case p == "/careers":
		page(`<!DOCTYPE html><html><head><title>Careers</title>
<script src="/static/results.js"></script><script src="` + s.other.URL + `/tracker.js"></script></head>
<body><img src="/static/logo.png" alt=""><h1>Open positions</h1><ul id="jobs"></ul><p id="paging"></p></body></html>`)
	case p == "/static/results.js":
		w.Header().Set("Content-Type", "application/javascript")
		fmt.Fprint(w, `
document.addEventListener("DOMContentLoaded", async () => {
  fetch("/private/telemetry.json").catch(() => {});
  const page = Number(new URLSearchParams(location.search).get("page") || "1");
  const res = await fetch("/api/jobs?page=" + page, {headers: {"Accept": "application/json"}});
  const data = await res.json();
  const ul = document.getElementById("jobs");
  for (const j of data.jobs) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.className = "job"; a.href = "/jobs/" + j.id; a.textContent = j.title;
    li.appendChild(a); ul.appendChild(li);
  }
  if (data.next) {
    const n = document.createElement("a");
    n.className = "next"; n.href = "/careers?page=" + data.next; n.textContent = "Next";
    document.getElementById("paging").appendChild(n);
  }
  const done = document.createElement("div"); done.id = "ready"; document.body.appendChild(done);
});`)
	case p == "/api/jobs":
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		var items []string
		if n >= 1 && n <= jsPages {
			for i := range jsPerPage {
				id := 100 + (n-1)*jsPerPage + i
				items = append(items, fmt.Sprintf(`{"id": %d, "title": "Engineer %d"}`, id, id))
			}
		}
		next := "null"
		if n < jsPages {
			next = strconv.Itoa(n + 1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jobs": [%s], "next": %s}`, strings.Join(items, ","), next)
	case strings.HasPrefix(p, "/jobs/"):
		id, err := strconv.Atoi(strings.TrimPrefix(p, "/jobs/"))
		if err != nil || id < 100 || id >= 100+jsPerPage*jsPages {
			http.NotFound(w, r)
			return
		}
		page(fmt.Sprintf(`<!DOCTYPE html><html><head><title>Loading…</title></head>
<body><main id="posting"></main><img src="/static/photo.jpg" alt="">
<script>
const id = %d;
document.title = "Engineer " + id + " | Acme Careers";
document.getElementById("posting").innerHTML =
  "<h1>Engineer " + id + "</h1><dl><dt>Job ID</dt><dd>R-" + id + "</dd><dt>Location</dt><dd>Austin, TX, United States</dd></dl>" +
  "<p>Build and run the systems of Acme.</p>";
const done = document.createElement("div"); done.id = "ready"; document.body.appendChild(done);
</script></body></html>`, id))
	default:
		http.NotFound(w, r)
	}
}

// site is the crawler's configuration of the JS site.
func (s *jsSite) site(tb testing.TB, render *crawler.Render) *crawler.Site {
	tb.Helper()
	cfg := &crawler.Site{Name: "acme", Company: "Acme", StartURLs: []string{s.srv.URL + "/careers"},
		Pagination: crawler.Pagination{Next: "a.next"}, JobLinks: "a.job",
		Limits: crawler.Limits{Parallelism: 4, Timeout: crawler.Duration(20 * time.Second)}, Render: render}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

func needChromium(tb testing.TB) {
	tb.Helper()
	if _, err := fetch.FindChromium(); err != nil {
		tb.Skipf("%v: skipping (.ci/run installs it)", err)
	}
}

// TestRenderBrowser crawls the JS site with render: every posting is
// found, with its job number and title; what the pages ask of other
// hosts, images and robots-disallowed paths is never fetched.
func TestRenderBrowser(t *testing.T) {
	needChromium(t)
	for _, c := range []struct {
		name   string
		render crawler.Render
	}{
		{"network quiet", crawler.Render{Pages: crawler.RenderAll}},
		{"wait for a selector", crawler.Render{Wait: "#ready", Timeout: crawler.Duration(15 * time.Second)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newJSSite(t)
			ix := openIndex(t)
			st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), s.site(t, &c.render), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Complete || st.Errors != 0 {
				t.Fatalf("run not complete: %+v", st)
			}
			res := searchAll(t, ix)
			var want []string
			for id := 100; id < 100+jsPerPage*jsPages; id++ {
				want = append(want, "R-"+strconv.Itoa(id))
			}
			if got := jobNumbers(res); !slices.Equal(got, want) {
				t.Fatalf("job numbers: got %v, want %v", got, want)
			}
			for _, h := range res.Hits {
				if want := "Engineer " + strings.TrimPrefix(h.JobNumber, "R-"); h.Title != want {
					t.Errorf("%s: title %q, want %q", h.JobNumber, h.Title, want)
				}
			}
			if st.Pages != jsPages || st.Details != jsPerPage*jsPages {
				t.Errorf("result pages %d, posting pages %d; want %d, %d", st.Pages, st.Details, jsPages, jsPerPage*jsPages)
			}
			// every page, script and API call went through the fetcher, and counts
			if fetched := s.count("/"); st.Requests != fetched {
				t.Errorf("the run counts %d requests, the site answered %d", st.Requests, fetched)
			}
			for _, never := range []string{"other:", "/static/logo.png", "/static/photo.jpg", "/private/"} {
				if n := s.count(never); n != 0 {
					t.Errorf("%s requested %d times, want never", never, n)
				}
			}
			if s.count("/api/jobs") != jsPages {
				t.Errorf("the API was asked %d times, want %d", s.count("/api/jobs"), jsPages)
			}
		})
	}
}

// TestRenderWithoutBrowser: the same site read as it comes has no link to
// a posting.
func TestRenderWithoutBrowser(t *testing.T) {
	s := newJSSite(t)
	ix := openIndex(t)
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), s.site(t, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(searchAll(t, ix).Hits); n != 0 || st.Details != 0 {
		t.Errorf("found %d postings (%d posting pages) without rendering, want none", n, st.Details)
	}
	if s.count("/api/") != 0 || s.count("/static/") != 0 {
		t.Errorf("scripts or the API fetched without rendering: %v", s.hits)
	}
}

// TestRenderNoChromium: a site that renders, on a machine without
// Chromium, fails at the start of its run with an error that says what to
// install, and asks the site nothing.
func TestRenderNoChromium(t *testing.T) {
	t.Setenv("JOBCRAWL_CHROMIUM", "/nonexistent/chromium")
	s := newJSSite(t)
	_, err := (&crawler.Crawler{Index: openIndex(t)}).Run(context.Background(), s.site(t, &crawler.Render{}), nil)
	if !errors.Is(err, fetch.ErrNoChromium) {
		t.Fatalf("got %v, want ErrNoChromium", err)
	}
	for _, want := range []string{"render: browser needs Chromium", "JOBCRAWL_CHROMIUM", "apt-get install chromium", "/nonexistent/chromium"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := s.count("/"); n != 0 {
		t.Errorf("the site was asked %d requests", n)
	}
}

// TestRenderConfig: the two forms of render in config.yaml, and what
// Validate refuses.
func TestRenderConfig(t *testing.T) {
	for _, c := range []struct {
		yaml    string
		want    crawler.Render
		wantErr string
	}{
		{"render: browser", crawler.Render{Pages: "all"}, ""},
		{"render: {pages: results, wait: a.job, timeout: 20s}", crawler.Render{Pages: "results", Wait: "a.job", Timeout: crawler.Duration(20 * time.Second)}, ""},
		{"render: {wait: '#ready'}", crawler.Render{Pages: "all", Wait: "#ready"}, ""},
		{"render: chrome", crawler.Render{}, `render: "chrome" is not browser (or a mapping of pages, wait, timeout)`},
		{"render: {page: results}", crawler.Render{}, `render: unknown key "page" (known keys: pages, wait, timeout)`},
		{"render: {pages: some}", crawler.Render{}, `render.pages: "some" is not results, postings or all`},
		{"render: {wait: 'a[href'}", crawler.Render{}, `render.wait: "a[href" is not a CSS selector`},
		{"render: {timeout: -1s}", crawler.Render{}, `render.timeout: -1s is negative`},
	} {
		t.Run(c.yaml, func(t *testing.T) {
			site := crawler.Site{Name: "acme", StartURLs: []string{"https://careers.example.com/jobs"}, JobLinks: "a.job",
				Pagination: crawler.Pagination{Next: "a.next"}}
			err := yaml.Unmarshal([]byte(c.yaml), &site)
			if err == nil {
				err = site.Validate()
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("got error %v", err)
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got error %v, want %q", err, c.wantErr)
				}
				return
			}
			if *site.Render != c.want {
				t.Errorf("got %+v, want %+v", *site.Render, c.want)
			}
			// it writes back as it reads
			out, err := yaml.Marshal(site.Render)
			if err != nil {
				t.Fatal(err)
			}
			var again crawler.Render
			if err := yaml.Unmarshal(out, &again); err != nil || again != c.want {
				t.Errorf("round trip %q: got %+v (%v), want %+v", out, again, err, c.want)
			}
		})
	}
	t.Run("not on an API site", func(t *testing.T) {
		site := crawler.Site{Name: "gh", Platform: "greenhouse", Board: "acme", Render: &crawler.Render{}}
		if err := site.Validate(); err == nil || !strings.Contains(err.Error(), "render: renders HTML pages; a site with source: platform reads an API") {
			t.Errorf("got %v", err)
		}
	})
}
