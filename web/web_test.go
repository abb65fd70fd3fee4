package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	return response{resp.StatusCode, resp.Header, string(b)}
}

func get(tb testing.TB, u string) response { tb.Helper(); return do(tb, http.MethodGet, u) }

func decode[T any](tb testing.TB, r response) T {
	tb.Helper()
	var v T
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("Content-Type %q, want application/json", ct)
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
			{"limit=5000", "over the maximum of 1000"},
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
		if r.status != http.StatusForbidden {
			t.Errorf("cross-origin POST: %d, want 403", r.status)
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
		h := decode[struct {
			Status    string
			Documents int
		}](t, r)
		if r.status != http.StatusOK || h.Status != "ok" || h.Documents != contoso+3 {
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
