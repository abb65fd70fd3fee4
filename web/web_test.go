package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
	"github.com/jobcrawl/jobcrawl/web"
)

// env is a daemon in miniature: a careers site on loopback crawled once by
// a real scheduler into a real index, plus a few hand-made records, served
// by the web server under test.
type env struct {
	ix    index.Index
	sched *daemon.Scheduler
	site  *demosite.Site
	url   string
}

// Records beside the crawled site's.
var (
	xssID    = index.RecordID("acme", "XSS-1")
	closedID = index.RecordID("acme", "OLD-1")
	oddID    = index.RecordID("acme", "ODD-1")
	oddTeam  = `R&D "Core" OR (Labs) AND [x] \ TO`
)

// xssDescription is a posting text that holds markup: it must show as text.
const xssDescription = "Help us keep the site safe.\n" +
	`<script>window.pwned = 1</script>` + "\n" +
	`<img src="/nope.png" onerror="window.imgPwned = 1"> and <b>bold claims</b>.`

func extraRecords() []index.Record {
	seen := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	mk := func(num, title, team, status, posted string) index.Record {
		return index.Record{ID: index.RecordID("acme", num), Site: "acme", Status: status, FirstSeen: seen, LastSeen: seen,
			ContentHash: "h" + num, Posting: extract.Posting{JobNumber: num, Title: title, Company: "Acme Corp",
				URL: "https://jobs.acme.example/" + num, Locations: []string{"Lyon, France"}, Countries: []string{"France"},
				JobFamily: "Security", Team: team, DatePosted: posted, EmploymentType: "full_time", WorkplaceType: "hybrid",
				Description: "A role at Acme."}}
	}
	xss := mk("XSS-1", `Security Engineer <i>now</i>`, "Red Team", index.StatusOpen, "2026-11-05")
	xss.Description = xssDescription
	xss.URL = "javascript:alert(1)"
	xss.Qualifications = []string{`<script>window.qualPwned = 1</script>`}
	return []index.Record{xss, mk("OLD-1", "Closed Role", "Blue Team", index.StatusClosed, "2026-01-01"),
		mk("ODD-1", "Odd Team Analyst", oddTeam, index.StatusOpen, "2026-10-03")}
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	site := demosite.New(demosite.Options{Jobs: 45, PerPage: 10, Seed: 21})
	siteSrv := httptest.NewServer(site.Handler())
	tb.Cleanup(siteSrv.Close)
	cfg := crawler.Site{Name: "contoso", Company: site.Company, StartURLs: []string{demosite.StartURL(siteSrv.URL)},
		Pagination: crawler.Pagination{Next: "a[rel=next]"}, JobLinks: "a.job-title", Limits: crawler.Limits{Parallelism: 4}}

	ix, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	sched := daemon.New(&crawler.Crawler{Index: ix}, nil)
	if err := sched.Start(daemon.Config{Sites: []crawler.Site{cfg}}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sched.Stop(ctx)
	})
	if err := sched.RunNow("contoso"); err != nil {
		tb.Fatal(err)
	}
	waitFor(tb, "the first crawl", func() bool { st, _ := sched.Site("contoso"); return st.Runs == 1 })
	if st, _ := sched.Site("contoso"); st.LastRun.Outcome != daemon.OutcomeOK {
		tb.Fatalf("first crawl: %+v", st.LastRun)
	}
	if err := ix.Upsert(context.Background(), extraRecords()); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(web.New(ix, sched, nil))
	tb.Cleanup(srv.Close)
	return &env{ix: ix, sched: sched, site: site, url: srv.URL}
}

func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type response struct {
	status int
	header http.Header
	body   string
	url    string
}

func do(tb testing.TB, method, u string, header ...string) response {
	tb.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b), u}
}

func get(tb testing.TB, u string) response { tb.Helper(); return do(tb, http.MethodGet, u) }

func decode[T any](tb testing.TB, r response) T {
	tb.Helper()
	var v T
	want := "application/json"
	if r.status >= 400 && !strings.HasSuffix(r.url, "/healthz") { // /healthz's 503 is its report, not an error
		want = "application/problem+json" // every API error is an RFC 9457 problem
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
		tb.Errorf("Content-Type %q, want %s", ct, want)
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		tb.Fatalf("decode %T: %v\n%s", v, err, r.body)
	}
	return v
}

type searchResult struct {
	Total  int                       `json:"total"`
	Hits   []index.Record            `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
}

func search(tb testing.TB, e *env, params string) searchResult {
	tb.Helper()
	r := get(tb, e.url+"/api/search?"+params)
	if r.status != http.StatusOK {
		tb.Fatalf("search %s: status %d: %s", params, r.status, r.body)
	}
	return decode[searchResult](tb, r)
}

func TestAPI(t *testing.T) {
	e := newEnv(t)
	truth := e.site.Truth()
	contoso := len(truth.JobNumbers)

	t.Run("search: open postings by default, the CLI's JSON shape", func(t *testing.T) {
		r := get(t, e.url+"/api/search")
		var shape map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r.body), &shape); err != nil || len(shape) != 3 ||
			shape["total"] == nil || shape["hits"] == nil || shape["facets"] == nil {
			t.Errorf("keys of the response: %v (%v), want total, hits, facets", slices.Collect(mapKeys(shape)), err)
		}
		res := decode[searchResult](t, r)
		if res.Total != contoso+2 || len(res.Hits) != index.DefaultLimit {
			t.Errorf("total %d, hits %d; want %d open postings, %d hits", res.Total, len(res.Hits), contoso+2, index.DefaultLimit)
		}
		for _, h := range res.Hits {
			if h.Status != index.StatusOpen {
				t.Errorf("hit %s is %s", h.ID, h.Status)
			}
		}
	})

	t.Run("search: filter, facet, OR within a field", func(t *testing.T) {
		res := search(t, e, "filter=site:contoso&filter=job_family:Sales&filter=job_family=Design&facet=job_family&facet=countries&limit=100")
		want := truth.Facets["job_family"]["Sales"] + truth.Facets["job_family"]["Design"]
		if res.Total != want || len(res.Hits) != want {
			t.Errorf("Sales or Design: total %d, hits %d, want %d", res.Total, len(res.Hits), want)
		}
		// facet counts are disjunctive: job_family's ignore the job_family
		// filter, so the other families still show how many they hold
		if got := res.Facets["job_family"]; got["Sales"] != truth.Facets["job_family"]["Sales"] ||
			got["Design"] != truth.Facets["job_family"]["Design"] || len(got) != len(truth.Facets["job_family"]) {
			t.Errorf("job_family facet: %v, want %v", got, truth.Facets["job_family"])
		}
		if res.Facets["countries"] == nil {
			t.Error("no countries facet")
		}
	})

	t.Run("search: text, sort and paging", func(t *testing.T) {
		all := search(t, e, "sort=date_posted:desc&limit=100")
		for i := 1; i < len(all.Hits); i++ {
			if all.Hits[i-1].DatePosted < all.Hits[i].DatePosted {
				t.Fatalf("not newest first at %d: %s before %s", i, all.Hits[i-1].DatePosted, all.Hits[i].DatePosted)
			}
		}
		page2 := search(t, e, "sort=date_posted:desc&limit=5&offset=5")
		if len(page2.Hits) != 5 || page2.Hits[0].ID != all.Hits[5].ID {
			t.Errorf("offset 5: got %d hits starting at %v, want the 6th hit %s", len(page2.Hits), page2.Hits, all.Hits[5].ID)
		}
		job := e.site.Jobs[3]
		res := search(t, e, "q="+job.Number)
		if res.Total != 1 || res.Hits[0].Title != job.Title {
			t.Errorf("q=%s: %+v", job.Number, res)
		}
	})

	t.Run("search: status filter and all", func(t *testing.T) {
		if res := search(t, e, "filter=status:closed"); res.Total != 1 || res.Hits[0].ID != closedID {
			t.Errorf("closed: %+v", res)
		}
		if res := search(t, e, "all=true&filter=site:acme"); res.Total != 3 {
			t.Errorf("all=true: total %d, want 3", res.Total)
		}
	})

	t.Run("search: filter values reach the index as values", func(t *testing.T) {
		res := search(t, e, "filter="+url.QueryEscape("team:"+oddTeam))
		if res.Total != 1 || res.Hits[0].ID != oddID {
			t.Errorf("filter on %q: %+v", oddTeam, res)
		}
		if res := search(t, e, "filter="+url.QueryEscape(`team:x" OR site:"contoso`)); res.Total != 0 {
			t.Errorf("a filter value written as query syntax matched %d postings", res.Total)
		}
		if res := search(t, e, "q="+url.QueryEscape(`title:* OR "`)); res.Total != 0 {
			t.Errorf("query syntax in q matched %d postings", res.Total)
		}
	})

	t.Run("search: bad requests", func(t *testing.T) {
		cases := []struct{ params, say string }{
			{"qq=engineer", `unknown parameter "qq"`},
			{"filter=description:python", `cannot filter on "description"`},
			{"filter=nocolon", "want field=value"},
			{"filter=team:", "has no value"},
			{"facet=salary", `"salary" is not a facet`},
			{"sort=title:sideways", "asc or desc"},
			{"sort=description", `cannot sort by "description"`},
			{"limit=5000", "over the maximum of 100"},
			{"limit=101", "over the maximum of 100"},
			{"limit=abc", "not a number"},
			{"limit=0", "at least 1"},
			{"offset=-1", "negative"},
			{"offset=20000", "over the maximum"},
			{"all=maybe", "not true or false"},
			{"limit=1&limit=2", "given 2 times"},
			{"q=" + strings.Repeat("x", 501), "longer than"},
		}
		for _, c := range cases {
			t.Run(c.params[:min(len(c.params), 30)], func(t *testing.T) {
				r := get(t, e.url+"/api/search?"+c.params)
				msg := decode[struct{ Error string }](t, r).Error
				if r.status != http.StatusBadRequest || !strings.Contains(msg, c.say) {
					t.Errorf("got %d %q, want 400 saying %q", r.status, msg, c.say)
				}
			})
		}
	})

	t.Run("postings", func(t *testing.T) {
		job := e.site.Jobs[0]
		id := index.RecordID("contoso", job.Number)
		r := get(t, e.url+"/api/postings/"+id)
		if rec := decode[index.Record](t, r); r.status != http.StatusOK || rec.ID != id || rec.Title != job.Title {
			t.Errorf("got %d %+v", r.status, rec)
		}
		for _, bad := range []string{"contoso_0", "a%20b", "%22%3E%3Cscript%3E", strings.Repeat("x", 600)} {
			r := get(t, e.url+"/api/postings/"+bad)
			if msg := decode[struct{ Error string }](t, r).Error; r.status != http.StatusNotFound || !strings.Contains(msg, "no posting") {
				t.Errorf("%s: got %d %q, want 404", bad, r.status, msg)
			}
		}
	})

	t.Run("sites", func(t *testing.T) {
		r := get(t, e.url+"/api/sites")
		sites := decode[struct{ Sites []map[string]any }](t, r).Sites
		if r.status != http.StatusOK || len(sites) != 1 {
			t.Fatalf("got %d %v", r.status, sites)
		}
		s := sites[0]
		last, _ := s["last_run"].(map[string]any)
		counts, _ := last["counts"].(map[string]any)
		if s["name"] != "contoso" || s["state"] != "idle" || s["next_run"] != nil || s["last_success"] == nil ||
			last["outcome"] != "ok" || last["started"] == nil || last["finished"] == nil || counts["postings"] != float64(contoso) {
			t.Errorf("site: %v", s)
		}
		// coverage: every posting of the demo site has a job number and a
		// title; the share is the site's, and the last run's
		cov, _ := s["coverage"].(map[string]any)
		runCov, _ := counts["coverage"].(map[string]any)
		if cov["job_number"] != 1.0 || cov["title"] != 1.0 || runCov["title"] != 1.0 {
			t.Errorf("coverage: site %v, last run %v: want job_number and title at 1", cov, runCov)
		}
		one := get(t, e.url+"/api/sites/contoso")
		if h := decode[daemon.SiteStatus](t, one); len(h.History) != 1 || h.History[0].Trigger != daemon.TriggerManual {
			t.Errorf("one site's history: %+v", h.History)
		}
		if r := get(t, e.url+"/api/sites/nope"); r.status != http.StatusNotFound {
			t.Errorf("unknown site: %d", r.status)
		}
	})

	t.Run("run: 404, 405, 403 cross-origin", func(t *testing.T) {
		if r := do(t, http.MethodPost, e.url+"/api/sites/nope/run"); r.status != http.StatusNotFound ||
			!strings.Contains(decode[struct{ Error string }](t, r).Error, "no site") {
			t.Errorf("unknown site: %d %s", r.status, r.body)
		}
		if r := get(t, e.url+"/api/sites/contoso/run"); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
			t.Errorf("GET run: %d, Allow %q", r.status, r.header.Get("Allow"))
		}
		if r := do(t, http.MethodPost, e.url+"/api/search"); r.status != http.StatusMethodNotAllowed {
			t.Errorf("POST search: %d", r.status)
		}
		r := do(t, http.MethodPost, e.url+"/api/sites/contoso/run", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if r.status != http.StatusForbidden || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") ||
			!strings.Contains(string(r.body), `"error": "cross-origin request refused`) {
			t.Errorf("cross-origin POST: %d %s %s, want 403 with the JSON error", r.status, r.header.Get("Content-Type"), r.body)
		}
		if st, _ := e.sched.Site("contoso"); st.State != daemon.StateIdle {
			t.Errorf("a cross-origin request started a run: %s", st.State)
		}
	})

	t.Run("run: 202, then 409 while it runs", func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		path := "/careers?page=2"
		e.site.Hook(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(entered) })
			select {
			case <-release:
				e.site.Hook(path, nil)
				e.site.Handler().ServeHTTP(w, r)
			case <-r.Context().Done():
			}
		}))
		defer func() {
			select {
			case <-release:
			default:
				close(release)
			}
		}()
		r := do(t, http.MethodPost, e.url+"/api/sites/contoso/run")
		if st := decode[daemon.SiteStatus](t, r); r.status != http.StatusAccepted || st.Name != "contoso" || st.State == daemon.StateIdle {
			t.Fatalf("POST run: %d %s", r.status, r.body)
		}
		<-entered
		r = do(t, http.MethodPost, e.url+"/api/sites/contoso/run")
		if msg := decode[struct{ Error string }](t, r).Error; r.status != http.StatusConflict || !strings.Contains(msg, "in progress") {
			t.Errorf("second POST: %d %q, want 409", r.status, msg)
		}
		if sites := decode[struct{ Sites []daemon.SiteStatus }](t, get(t, e.url+"/api/sites")).Sites; sites[0].State != daemon.StateRunning ||
			sites[0].Current == nil || sites[0].Current.Trigger != daemon.TriggerManual {
			t.Errorf("while running: %+v", sites[0])
		}
		close(release)
		waitFor(t, "the second run", func() bool { st, _ := e.sched.Site("contoso"); return st.Runs == 2 })
	})

	t.Run("healthz", func(t *testing.T) {
		r := get(t, e.url+"/healthz")
		h := decode[health](t, r)
		if r.status != http.StatusOK || h.Status != "ok" || h.Documents != contoso+3 ||
			h.Components["index"] != "ok" || h.Components["scheduler"] != "ok" {
			t.Errorf("got %d %+v", r.status, h)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		r := get(t, e.url+"/metrics")
		if ct := r.header.Get("Content-Type"); r.status != http.StatusOK || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
			t.Fatalf("got %d, Content-Type %q", r.status, ct)
		}
		m := parseMetrics(t, r.body)
		runs, _ := e.sched.Site("contoso")
		want := map[string]float64{
			`jobcrawl_runs_total{site="contoso",outcome="ok"}`:               float64(runs.Runs),
			`jobcrawl_runs_total{site="contoso",outcome="failed"}`:           0,
			`jobcrawl_postings_total{site="contoso",outcome="new"}`:          float64(contoso),
			`jobcrawl_postings_total{site="contoso",outcome="closed"}`:       0,
			`jobcrawl_runs_skipped_total{site="contoso"}`:                    0,
			`jobcrawl_site_running{site="contoso"}`:                          0,
			`jobcrawl_run_duration_seconds_count{site="contoso"}`:            float64(runs.Runs),
			`jobcrawl_run_duration_seconds_bucket{site="contoso",le="+Inf"}`: float64(runs.Runs),
			`jobcrawl_last_success_timestamp_seconds{site="contoso"}`:        float64(runs.LastSuccess.UnixMilli()) / 1000,
			`jobcrawl_index_documents`:                                       float64(contoso + 3),
		}
		for k, v := range want {
			if got, ok := m.samples[k]; !ok || got != v {
				t.Errorf("%s: got %v (present %v), want %v", k, got, ok, v)
			}
		}
		if p := m.samples[`jobcrawl_pages_fetched_total{site="contoso"}`]; p < float64(2*(e.site.Pages()+contoso)) {
			t.Errorf("pages fetched by two runs: %v, want at least %d", p, 2*(e.site.Pages()+contoso))
		}
		if m.samples[`jobcrawl_index_size_bytes`] <= 0 {
			t.Error("index size missing")
		}
		// the runs' pages were parsed by the fast parser (the counter is the
		// process's: other tests add to it)
		if p := m.samples[`jobcrawl_pages_parsed_total{parser="fast"}`]; p < float64(e.site.Pages()) {
			t.Errorf("pages parsed by the fast parser: %v, want at least %d", p, e.site.Pages())
		}
		if _, ok := m.samples[`jobcrawl_pages_parsed_total{parser="x_net_html"}`]; !ok {
			t.Error(`jobcrawl_pages_parsed_total{parser="x_net_html"} missing`)
		}
		for _, name := range []string{"jobcrawl_pages_fetched_total", "jobcrawl_postings_total", "jobcrawl_errors_total",
			"jobcrawl_run_duration_seconds", "jobcrawl_last_success_timestamp_seconds", "jobcrawl_index_size_bytes"} {
			if m.types[name] == "" || m.help[name] == "" {
				t.Errorf("%s: no TYPE or HELP line", name)
			}
		}
		// histogram buckets are cumulative
		prev := -1.0
		for _, le := range daemon.DurationBuckets {
			v := m.samples[fmt.Sprintf(`jobcrawl_run_duration_seconds_bucket{site="contoso",le="%s"}`, strconv.FormatFloat(le, 'f', -1, 64))]
			if v < prev {
				t.Errorf("bucket le=%v: %v after %v", le, v, prev)
			}
			prev = v
		}
	})

	t.Run("unknown paths", func(t *testing.T) {
		if r := get(t, e.url+"/api/nope"); r.status != http.StatusNotFound || !strings.Contains(r.body, `"error"`) {
			t.Errorf("/api/nope: %d %s", r.status, r.body)
		}
		if r := get(t, e.url+"/nope"); r.status != http.StatusNotFound || !strings.Contains(r.body, "Not found") {
			t.Errorf("/nope: %d", r.status)
		}
		if r := get(t, e.url+"/static/"); r.status != http.StatusNotFound {
			t.Errorf("/static/ lists the directory: %d", r.status)
		}
		if r := get(t, e.url+"/static/style.css"); r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
			t.Errorf("style.css: %d %s", r.status, r.header.Get("Content-Type"))
		}
	})
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// metrics is a parsed Prometheus text exposition.
type metrics struct {
	samples     map[string]float64 // name{labels} as written → value
	types, help map[string]string
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (\S+)$`)
	helpLine   = regexp.MustCompile(`^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$`)
	typeLine   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$`)
)

// parseMetrics checks the format line by line: HELP and TYPE before a
// family's samples, each family once, sample names of their family, values
// that parse.
func parseMetrics(tb testing.TB, text string) metrics {
	tb.Helper()
	m := metrics{samples: map[string]float64{}, types: map[string]string{}, help: map[string]string{}}
	if !strings.HasSuffix(text, "\n") {
		tb.Error("the exposition does not end with a newline")
	}
	family := ""
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case helpLine.MatchString(line):
			g := helpLine.FindStringSubmatch(line)
			if _, dup := m.help[g[1]]; dup {
				tb.Errorf("line %d: second HELP for %s", i+1, g[1])
			}
			m.help[g[1]], family = g[2], g[1]
		case typeLine.MatchString(line):
			g := typeLine.FindStringSubmatch(line)
			if g[1] != family {
				tb.Errorf("line %d: TYPE of %s after HELP of %s", i+1, g[1], family)
			}
			m.types[g[1]] = g[2]
		case sampleLine.MatchString(line):
			g := sampleLine.FindStringSubmatch(line)
			name := g[1]
			if name != family && !(m.types[family] == "histogram" && slices.Contains([]string{family + "_bucket", family + "_sum", family + "_count"}, name)) {
				tb.Errorf("line %d: sample %s outside its family (%s)", i+1, name, family)
			}
			v, err := strconv.ParseFloat(g[3], 64)
			if err != nil {
				tb.Errorf("line %d: value %q: %v", i+1, g[3], err)
			}
			m.samples[name+g[2]] = v
		default:
			tb.Errorf("line %d is not in the text format: %q", i+1, line)
		}
	}
	return m
}

func TestSearchPageHTML(t *testing.T) {
	e := newEnv(t)
	truth := e.site.Truth()

	t.Run("facets keep their other values when one is chosen", func(t *testing.T) {
		r := get(t, e.url+"/?f=site:contoso&f=job_family:Sales")
		if r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
		if !strings.Contains(r.body, fmt.Sprintf(`data-total="%d"`, truth.Facets["job_family"]["Sales"])) {
			t.Errorf("the count shown is not %d", truth.Facets["job_family"]["Sales"])
		}
		for fam, n := range truth.Facets["job_family"] {
			checked := ""
			if fam == "Sales" {
				checked = " checked"
			}
			want := fmt.Sprintf(`value="job_family:%s"%s><span class="v">%s</span><span class="n">%d</span>`, fam, checked, fam, n)
			if !strings.Contains(r.body, want) {
				t.Errorf("facet value %s: want %s", fam, want)
			}
		}
		if !strings.Contains(r.body, `href="/?f=site%3Acontoso"`) {
			t.Error("no chip removing the job family filter")
		}
		// without JavaScript the facets are a form with a submit button
		if !strings.Contains(r.body, `<form id="search" class="page" action="/" method="get">`) ||
			!strings.Contains(r.body, `<button class="apply" type="submit">Apply filters</button>`) {
			t.Error("the facets do not work without JavaScript")
		}
	})

	t.Run("bad filter", func(t *testing.T) {
		r := get(t, e.url+"/?f=description:x")
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "cannot filter on &#34;description&#34;") {
			t.Errorf("got %d", r.status)
		}
	})

	t.Run("crawled markup is text", func(t *testing.T) {
		for _, u := range []string{"/postings/" + xssID, "/?q=safe"} {
			r := get(t, e.url+u)
			if r.status != http.StatusOK {
				t.Fatalf("%s: status %d", u, r.status)
			}
			for _, bad := range []string{"<script>window", "<img src=\"/nope", "<i>now", "javascript:alert"} {
				if strings.Contains(r.body, bad) {
					t.Errorf("%s holds %q unescaped", u, bad)
				}
			}
			if !strings.Contains(r.body, "&lt;script&gt;window.pwned = 1&lt;/script&gt;") && u != "/?q=safe" {
				t.Errorf("%s: the description's markup is not shown as text", u)
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("%s: Content-Security-Policy %q", u, csp)
			}
		}
		if r := get(t, e.url+"/postings/nope_1"); r.status != http.StatusNotFound {
			t.Errorf("unknown posting page: %d", r.status)
		}
	})
}

// health is the body of GET /healthz.
type health struct {
	Status     string
	Components map[string]string
	Documents  int
}

// liteEnv is a server over an index of generated postings (and the
// hand-made ones), with a scheduler of no sites: for the tests that need no
// crawl. wrap, when set, wraps the index the server sees.
type liteEnv struct {
	ix    index.Index
	sched *daemon.Scheduler
	url   string
}

func newLiteEnv(tb testing.TB, limits web.SearchLimits, wrap func(index.Index) index.Index) *liteEnv {
	tb.Helper()
	ix, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	if err := ix.Upsert(context.Background(), append(indextest.NewGenerator(7).Next(60), extraRecords()...)); err != nil {
		tb.Fatal(err)
	}
	sched := daemon.New(&crawler.Crawler{Index: ix}, nil)
	if err := sched.Start(daemon.Config{}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sched.Stop(context.Background()) })
	var served index.Index = ix
	if wrap != nil {
		served = wrap(ix)
	}
	srv := httptest.NewServer(web.New(served, sched, nil, web.WithSearchLimits(limits)))
	tb.Cleanup(srv.Close)
	return &liteEnv{ix: ix, sched: sched, url: srv.URL}
}

// longRun reports whether body repeats more than echo characters of a run
// of c (what a test sent, 100 KB of it).
func longRun(body string, c byte) bool {
	return strings.Contains(body, strings.Repeat(string(c), 41))
}

func TestBadInput(t *testing.T) {
	e := newLiteEnv(t, web.SearchLimits{}, nil)
	long := strings.Repeat("x", 100<<10)

	t.Run("invalid UTF-8: 400", func(t *testing.T) {
		for _, u := range []string{
			"/api/search?q=%ff",
			"/api/search?q=caf%C3",
			"/api/search?filter=team:%ff",
			"/api/search?filter=%ff%fe:x",
			"/api/search?facet=%ff",
			"/api/search?sort=%ff",
			"/api/search?limit=1%ff",
			"/api/search?%ff=1",
			"/api/postings/%ff",
			"/api/postings/acme_%C0%80",
			"/api/sites/%ff",
		} {
			r := get(t, e.url+u)
			if msg := decode[struct{ Error string }](t, r).Error; r.status != http.StatusBadRequest || !strings.Contains(msg, "UTF-8") {
				t.Errorf("%s: got %d %q, want 400 saying UTF-8", u, r.status, msg)
			}
		}
		r := do(t, http.MethodPost, e.url+"/api/sites/%ff/run")
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "UTF-8") {
			t.Errorf("POST run of %%ff: got %d %s", r.status, r.body)
		}
		for _, u := range []string{"/?q=%ff", "/?f=team:%ff", "/?sort=%ff", "/postings/%ff"} {
			if r := get(t, e.url+u); r.status != http.StatusBadRequest || strings.Contains(r.body, "\xff") {
				t.Errorf("page %s: got %d, want 400 without the byte", u, r.status)
			}
		}
	})

	t.Run("malformed query string: 400", func(t *testing.T) {
		r := get(t, e.url+"/api/search?q=%zz")
		if r.status != http.StatusBadRequest {
			t.Errorf("got %d %s, want 400", r.status, r.body)
		}
	})

	t.Run("a 100 KB id or name is not echoed", func(t *testing.T) {
		cases := []struct {
			method, path string
			status       int
		}{
			{http.MethodGet, "/api/postings/" + long, http.StatusNotFound},
			{http.MethodGet, "/api/postings/acme_" + strings.Repeat("x", 500), http.StatusNotFound},
			{http.MethodGet, "/api/sites/" + long, http.StatusNotFound},
			{http.MethodPost, "/api/sites/" + long + "/run", http.StatusNotFound},
			{http.MethodGet, "/api/" + long, http.StatusNotFound},
			{http.MethodPost, "/api/postings/" + long, http.StatusMethodNotAllowed},
			{http.MethodGet, "/postings/" + long, http.StatusNotFound},
		}
		for _, c := range cases {
			r := do(t, c.method, e.url+c.path)
			if r.status != c.status || len(r.body) > 400 && strings.HasPrefix(c.path, "/api/") || longRun(r.body, 'x') {
				t.Errorf("%s %s…: got %d, %d bytes: %.200s; want %d, short", c.method, c.path[:20], r.status, len(r.body), r.body, c.status)
			}
			if strings.HasPrefix(c.path, "/api/") && !strings.Contains(r.body, "…") {
				t.Errorf("%s %s…: %s, want the start of the value and …", c.method, c.path[:20], r.body)
			}
		}
	})

	t.Run("overlong parameters: 400, short", func(t *testing.T) {
		for _, params := range []string{"q=" + long, "q=" + strings.Repeat("x", 501), "filter=team:" + long, "filter=" + long,
			"filter=" + long + ":x", "facet=" + long, "sort=" + long, "limit=" + long, "offset=" + long, "all=" + long, long + "=1"} {
			r := get(t, e.url+"/api/search?"+params)
			msg := decode[struct{ Error string }](t, r).Error
			// the message comes twice (detail, and error for older clients)
			if r.status != http.StatusBadRequest || len(r.body) > 900 || longRun(r.body, 'x') {
				t.Errorf("%.20s…: got %d, %d bytes: %.300s; want 400, short", params, r.status, len(r.body), msg)
			}
		}
		for _, params := range []string{"q=" + long, "f=team:" + long, "f=" + long, "page=" + long} {
			r := get(t, e.url+"/?"+params)
			if r.status != http.StatusBadRequest || longRun(r.body, 'x') {
				t.Errorf("page %.20s…: got %d, %d bytes; want 400 without the value", params, r.status, len(r.body))
			}
		}
	})

	t.Run("limit over search.max_limit: 400 saying the maximum", func(t *testing.T) {
		small := newLiteEnv(t, web.SearchLimits{MaxLimit: 10}, nil)
		r := get(t, small.url+"/api/search?limit=11")
		if msg := decode[struct{ Error string }](t, r).Error; r.status != http.StatusBadRequest || !strings.Contains(msg, "maximum of 10") {
			t.Errorf("limit=11: got %d %q, want 400 saying the maximum of 10", r.status, msg)
		}
		if res := decode[searchResult](t, get(t, small.url+"/api/search?limit=10")); len(res.Hits) != 10 {
			t.Errorf("limit=10: %d hits, want 10", len(res.Hits))
		}
		if res := decode[searchResult](t, get(t, small.url+"/api/search")); len(res.Hits) != 10 || res.Total <= 10 {
			t.Errorf("no limit: %d hits of %d, want the maximum, 10", len(res.Hits), res.Total)
		}
		// the page shows pages of at most max_limit hits
		if r := get(t, small.url+"/"); r.status != http.StatusOK || strings.Count(r.body, `<li class="hit">`) != 10 {
			t.Errorf("page: %d, %d hits, want 10", r.status, strings.Count(r.body, `<li class="hit">`))
		}
	})
}

func TestSearchStream(t *testing.T) {
	e := newLiteEnv(t, web.SearchLimits{}, nil)
	r := get(t, e.url+"/api/search?q=engineer&facet=team&limit=100&filter=site:contoso")
	q := index.Query{Text: "engineer", Facets: []string{"team"}, Limit: 100, Filters: []index.Filter{
		{Field: "site", Values: []string{"contoso"}}, {Field: "status", Values: []string{"open"}}}}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	want, err := e.ix.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want.Public())
	var got, wantAny any
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("the streamed body is not JSON: %v\n%.500s", err, r.body)
	}
	json.Unmarshal(wantJSON, &wantAny)
	if r.status != http.StatusOK || len(want.Hits) == 0 || !reflect.DeepEqual(got, wantAny) {
		t.Errorf("got %d %.300s, want %.300s", r.status, r.body, wantJSON)
	}
	for _, internal := range []string{`"fetch"`, `"cards"`, `"content_hash"`, `"checked_at"`, `_ts"`} {
		if strings.Contains(r.body, internal) {
			t.Errorf("the API shows the bookkeeping field %s", internal)
		}
	}
	if r := get(t, e.url+"/api/search?q=zzzzqqq"); r.status != http.StatusOK || !strings.Contains(r.body, `"hits":[`+"\n]") {
		t.Errorf("no hits: got %d %s, want an empty list", r.status, r.body)
	}
}

// failingIndex fails Stats with an error that names the backend's server.
type failingIndex struct{ index.Index }

const secretURL = "http://meili.internal:7700"

func (failingIndex) Stats(context.Context) (index.Stats, error) {
	return index.Stats{}, fmt.Errorf("stats: Get %q: dial tcp 10.0.0.7:7700: connection refused", secretURL+"/indexes/jobs/stats")
}

func TestHealthz(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		e := newLiteEnv(t, web.SearchLimits{}, nil)
		r := get(t, e.url+"/healthz")
		if h := decode[health](t, r); r.status != http.StatusOK || h.Status != "ok" ||
			!maps.Equal(h.Components, map[string]string{"index": "ok", "scheduler": "ok"}) {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("failing index: 503, no error text", func(t *testing.T) {
		e := newLiteEnv(t, web.SearchLimits{}, func(ix index.Index) index.Index { return failingIndex{ix} })
		r := get(t, e.url+"/healthz")
		h := decode[health](t, r)
		if r.status != http.StatusServiceUnavailable || h.Status != "failing" || h.Components["index"] != "failing" ||
			h.Components["scheduler"] != "ok" {
			t.Errorf("got %d %s", r.status, r.body)
		}
		for _, leak := range []string{"meili", "7700", "10.0.0.7", "dial", "refused", "stats"} {
			if strings.Contains(r.body, leak) {
				t.Errorf("the body says %q: %s", leak, r.body)
			}
		}
	})
	t.Run("stopped scheduler: 503", func(t *testing.T) {
		e := newLiteEnv(t, web.SearchLimits{}, nil)
		e.sched.Stop(context.Background())
		r := get(t, e.url+"/healthz")
		if h := decode[health](t, r); r.status != http.StatusServiceUnavailable || h.Components["scheduler"] != "failing" ||
			h.Components["index"] != "ok" {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
}

// blockingIndex holds every search until release is closed, and says on
// entered when one starts.
type blockingIndex struct {
	index.Index
	entered chan struct{}
	release chan struct{}
}

func (b *blockingIndex) Search(ctx context.Context, q index.Query) (index.Result, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return index.Result{}, ctx.Err()
	}
	return b.Index.Search(ctx, q)
}

// fetch is get for other goroutines: it returns its error.
func fetch(u string) (response, error) {
	resp, err := http.Get(u)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b), u}, err
}

func TestSearchCap(t *testing.T) {
	const running, queue = 2, 3
	blk := &blockingIndex{entered: make(chan struct{}, 100), release: make(chan struct{})}
	e := newLiteEnv(t, web.SearchLimits{MaxConcurrent: running, Queue: queue, QueueTimeout: time.Hour},
		func(ix index.Index) index.Index { blk.Index = ix; return blk })
	released := false
	defer func() {
		if !released {
			close(blk.release)
		}
	}()
	metric := func(name string) float64 {
		t.Helper()
		return parseMetrics(t, get(t, e.url+"/metrics").body).samples[name]
	}

	results := make(chan response, running+queue)
	errs := make(chan error, running+queue)
	send := func(u string) {
		go func() {
			r, err := fetch(u)
			if err != nil {
				errs <- err
				return
			}
			results <- r
		}()
	}
	for i := range running {
		send(fmt.Sprintf("%s/api/search?q=engineer&offset=%d", e.url, i))
	}
	for range running {
		<-blk.entered
	}
	send(e.url + "/?q=analyst") // the page queues like the API
	for range queue - 1 {
		send(e.url + "/api/search?facet=team")
	}
	waitFor(t, "the queue to fill", func() bool { return metric("jobcrawl_search_queued") == queue })
	if got := metric("jobcrawl_search_in_flight"); got != running {
		t.Errorf("in flight: %v, want %d", got, running)
	}

	r := get(t, e.url+"/api/search?q=one+too+many")
	if msg := decode[struct{ Error string }](t, r).Error; r.status != http.StatusServiceUnavailable || msg == "" {
		t.Errorf("beyond the queue: got %d %q, want 503", r.status, msg)
	}
	if ra := r.header.Get("Retry-After"); ra != "3600" {
		t.Errorf("Retry-After %q, want 3600 (the queue timeout, in seconds)", ra)
	}
	if r := get(t, e.url+"/?q=page"); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" ||
		!strings.Contains(r.body, "Too many searches") {
		t.Errorf("the page beyond the queue: got %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	// what does not search is not held up
	if r := get(t, e.url+"/api/postings/"+xssID); r.status != http.StatusOK {
		t.Errorf("a posting while searches wait: %d", r.status)
	}
	if got := metric(`jobcrawl_search_rejected_total{reason="queue_full"}`); got != 2 {
		t.Errorf("rejected (queue full): %v, want 2", got)
	}

	close(blk.release)
	released = true
	for range running + queue {
		select {
		case r := <-results:
			if r.status != http.StatusOK {
				t.Errorf("a held search: got %d %.200s, want 200", r.status, r.body)
			}
		case err := <-errs:
			t.Error(err)
		}
	}
	if r := get(t, e.url+"/api/search"); r.status != http.StatusOK {
		t.Errorf("after the load: %d", r.status)
	}
	if got := metric("jobcrawl_search_in_flight") + metric("jobcrawl_search_queued"); got != 0 {
		t.Errorf("in flight and queued after the load: %v, want 0", got)
	}
}

func TestSearchQueueTimeout(t *testing.T) {
	blk := &blockingIndex{entered: make(chan struct{}, 100), release: make(chan struct{})}
	e := newLiteEnv(t, web.SearchLimits{MaxConcurrent: 1, Queue: 1, QueueTimeout: time.Millisecond},
		func(ix index.Index) index.Index { blk.Index = ix; return blk })
	done := make(chan response, 1)
	go func() { r, _ := fetch(e.url + "/api/search"); done <- r }()
	<-blk.entered
	// the slot is held until release: waiting for it can only time out
	r := get(t, e.url+"/api/search")
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "1" {
		t.Errorf("got %d, Retry-After %q, want 503, 1", r.status, r.header.Get("Retry-After"))
	}
	close(blk.release)
	if r := <-done; r.status != http.StatusOK {
		t.Errorf("the held search: %d", r.status)
	}
	m := parseMetrics(t, get(t, e.url+"/metrics").body)
	if got := m.samples[`jobcrawl_search_rejected_total{reason="queue_timeout"}`]; got != 1 {
		t.Errorf("rejected (timeout): %v, want 1", got)
	}
}

func TestSnippet(t *testing.T) {
	const marked = `Build &lt;reliable&gt; <mark>pipelines</mark> &amp; more`
	cases := []struct {
		name, snippet, want, notWant string
	}{
		{"backend snippet shown as HTML", marked, `<p class="snippet">` + marked + `</p>`, ""},
		{"other markup shown as text", `<b>x</b> <mark>y</mark>`, `&lt;b&gt;x&lt;/b&gt; &lt;mark&gt;y&lt;/mark&gt;`, "<b>x"},
		{"no snippet: the description", "", `<p class="snippet">A role at Acme.</p>`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newLiteEnv(t, web.SearchLimits{}, func(ix index.Index) index.Index { return snippetIndex{ix, c.snippet} })
			r := get(t, e.url+"/?q=odd")
			if r.status != http.StatusOK || !strings.Contains(r.body, c.want) || c.notWant != "" && strings.Contains(r.body, c.notWant) {
				t.Errorf("got %d, want %s in\n%s", r.status, c.want, r.body)
			}
		})
	}
}

// snippetIndex sets every hit's snippet.
type snippetIndex struct {
	index.Index
	snippet string
}

func (s snippetIndex) Search(ctx context.Context, q index.Query) (index.Result, error) {
	res, err := s.Index.Search(ctx, q)
	for i := range res.Hits {
		res.Hits[i].Snippet = s.snippet
	}
	return res, err
}
