package crawler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
)

// fakeAPI is a careers JSON API that pages the ways APIs do, over jobs
// with a duplicate (a job listed twice, as listings do).
type fakeAPI struct {
	jobs []map[string]any

	mu       sync.Mutex
	hits     map[string]int
	ignore   bool            // answer every page as the first (an API that ignores its paging parameter)
	cut      map[string]bool // request URIs answered once cut short
	gone     map[string]bool // refs whose detail answers 404
	inFlight int
	maxIn    int
}

func newFakeAPI(tb testing.TB, n int) (*fakeAPI, *httptest.Server) {
	a := &fakeAPI{hits: map[string]int{}, cut: map[string]bool{}, gone: map[string]bool{}}
	for i := range n {
		a.jobs = append(a.jobs, map[string]any{
			"ref":    fmt.Sprintf("R-%04d", 1000+i),
			"name":   fmt.Sprintf("Engineer %d", i),
			"office": map[string]any{"city": "Paris", "country": "FR"},
			"family": []any{map[string]any{"label": "Engineering"}},
			"posted": 1761580800 + i*3600,
			"html":   "&lt;p&gt;Job &lt;b&gt;" + strconv.Itoa(i) + "&lt;/b&gt;&lt;/p&gt;",
		})
	}
	a.jobs = append(a.jobs, a.jobs[2]) // a duplicate, listed again at the end
	srv := httptest.NewServer(a)
	tb.Cleanup(srv.Close)
	return a, srv
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.hits[r.URL.Path]++
	a.inFlight++
	a.maxIn = max(a.maxIn, a.inFlight)
	ignore := a.ignore
	cut := a.cut[r.URL.RequestURI()]
	delete(a.cut, r.URL.RequestURI())
	a.mu.Unlock()
	if cut {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"meta": {"total": 11}, "data": {"jobs": [{"ref": "R-1000", "name": "Engi`)
		return
	}
	defer func() { a.mu.Lock(); a.inFlight--; a.mu.Unlock() }()

	q := r.URL.Query()
	num := func(s string, def int) int {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
		return def
	}
	slice := func(off, lim int) []map[string]any {
		if ignore {
			off = 0
		}
		if off >= len(a.jobs) {
			return []map[string]any{}
		}
		return a.jobs[off:min(off+lim, len(a.jobs))]
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	switch r.URL.Path {
	case "/v2/offset": // {meta: {total}, data: {jobs}}, limit capped at 4
		lim := min(num(q.Get("limit"), 4), 4)
		enc.Encode(map[string]any{"meta": map[string]any{"total": len(a.jobs)},
			"data": map[string]any{"jobs": slice(num(q.Get("offset"), 0), lim)}})
	case "/v2/sequential": // a bare array, no total
		enc.Encode(slice(num(q.Get("from"), 0), num(q.Get("size"), 3)))
	case "/v2/pages": // pages from 1
		p := num(q.Get("p"), 1)
		enc.Encode(map[string]any{"results": slice((p-1)*3, 3)})
	case "/v2/cursor":
		off := num(q.Get("after"), 0)
		next := ""
		if off+3 < len(a.jobs) {
			next = strconv.Itoa(off + 3)
		}
		enc.Encode(map[string]any{"items": slice(off, 3), "paging": map[string]any{"next": next}})
	case "/v2/links":
		off := num(q.Get("o"), 0)
		body := map[string]any{"items": slice(off, 3)}
		if off+3 < len(a.jobs) {
			body["links"] = map[string]any{"next": "/v2/links?o=" + strconv.Itoa(off+3)}
		}
		enc.Encode(body)
	case "/v2/search": // POST {"from": N, "size": M}
		var req struct{ From, Size int }
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || json.Unmarshal(b, &req) != nil || req.Size == 0 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		enc.Encode(map[string]any{"hits": map[string]any{"total": len(a.jobs), "hits": slice(req.From, req.Size)}})
	case "/v2/summaries": // the list lacks the description: a detail per job
		var out []map[string]any
		for _, j := range slice(0, len(a.jobs)) {
			out = append(out, map[string]any{"ref": j["ref"], "name": j["name"]})
		}
		enc.Encode(map[string]any{"jobs": out})
	default:
		if ref, ok := strings.CutPrefix(r.URL.Path, "/v2/job/"); ok && !a.gone[ref] {
			for _, j := range a.jobs {
				if j["ref"] == ref {
					enc.Encode(map[string]any{"job": j})
					return
				}
			}
		}
		http.NotFound(w, r)
	}
}

var apiFields = map[string]string{"job_number": "ref", "title": "name", "locations": "office",
	"job_family": "family[0]", "date_posted": "posted", "description": "html"}

func jsonSite(tb testing.TB, js crawler.JSONSource) *crawler.Site {
	tb.Helper()
	if js.Fields == nil {
		js.Fields = apiFields
	}
	s := &crawler.Site{Name: "api", Company: "Contoso", Source: "json", JSON: &js,
		Limits: crawler.Limits{Parallelism: 2, MaxRetries: 1}}
	if err := s.Validate(); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestJSONSource(t *testing.T) {
	const jobs = 10 // and one duplicate: 11 listed
	intp := func(n int) *int { return &n }
	cases := []struct {
		name  string
		src   func(base string) crawler.JSONSource
		pages int
	}{
		{"offset with a total, limit capped by the API", func(base string) crawler.JSONSource {
			return crawler.JSONSource{URL: base + "/v2/offset?offset={offset}&limit={limit}", Items: "data.jobs",
				Paging: crawler.JSONPaging{Style: "offset", Limit: 10, Total: "meta.total"}}
		}, 3},
		{"offset without a total", func(base string) crawler.JSONSource {
			return crawler.JSONSource{URL: base + "/v2/sequential?from={offset}&size={limit}",
				Paging: crawler.JSONPaging{Style: "offset", Limit: 3}}
		}, 5}, // 3+3+3+2, then an empty page
		{"page numbers", func(base string) crawler.JSONSource {
			return crawler.JSONSource{URL: base + "/v2/pages?p={page}", Items: "results",
				Paging: crawler.JSONPaging{Style: "page", Start: intp(1)}}
		}, 5},
		{"cursor", func(base string) crawler.JSONSource {
			return crawler.JSONSource{URL: base + "/v2/cursor?after={cursor}", Items: "items",
				Paging: crawler.JSONPaging{Style: "cursor", Next: "paging.next"}}
		}, 4},
		{"next URL", func(base string) crawler.JSONSource {
			return crawler.JSONSource{URL: base + "/v2/links?o=0", Items: "items",
				Paging: crawler.JSONPaging{Style: "next_url", Next: "links.next"}}
		}, 4},
		{"POST body", func(base string) crawler.JSONSource {
			return crawler.JSONSource{URL: base + "/v2/search", Method: "POST", Body: `{"from": {offset}, "size": {limit}}`,
				Items: "hits.hits", Paging: crawler.JSONPaging{Style: "offset", Limit: 5, Total: "hits.total"}}
		}, 3},
		{"detail per posting", func(base string) crawler.JSONSource {
			return crawler.JSONSource{URL: base + "/v2/summaries", Items: "jobs", DetailURL: base + "/v2/job/{ref}",
				DetailItem: "job"}
		}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api, srv := newFakeAPI(t, jobs)
			site := jsonSite(t, tc.src(srv.URL))
			ix := openIndex(t)
			st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), site, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Complete || st.Errors != 0 {
				t.Fatalf("not complete: %+v", st)
			}
			dups := 1
			if strings.Contains(tc.name, "detail") {
				// the duplicate's detail is the same request: made once
				dups = 0
				if st.Details != jobs || api.hits["/v2/job/R-1002"] != 1 || st.SkippedURL != 1 {
					t.Errorf("details %d (want %d), R-1002 fetched %d times, skipped %d", st.Details, jobs, api.hits["/v2/job/R-1002"], st.SkippedURL)
				}
			}
			if st.Postings != jobs || st.Duplicates != dups || st.Pages != tc.pages {
				t.Errorf("postings %d, duplicates %d, pages %d; want %d, %d, %d", st.Postings, st.Duplicates, st.Pages, jobs, dups, tc.pages)
			}
			rec, err := ix.Get(context.Background(), index.RecordID("api", "R-1004"))
			if err != nil {
				t.Fatal(err)
			}
			if rec.Title != "Engineer 4" || fmt.Sprint(rec.Locations) != "[Paris, France]" || rec.JobFamily != "Engineering" ||
				rec.DatePosted != "2025-10-27" || rec.Description != "Job 4" || rec.Company != "Contoso" {
				t.Errorf("R-1004: %q %v %q %q %q %q", rec.Title, rec.Locations, rec.JobFamily, rec.DatePosted, rec.Description, rec.Company)
			}
		})
	}
}

func TestJSONSourceFailures(t *testing.T) {
	t.Run("an API that ignores its paging parameter", func(t *testing.T) {
		api, srv := newFakeAPI(t, 10)
		api.ignore = true
		site := jsonSite(t, crawler.JSONSource{URL: srv.URL + "/v2/sequential?from={offset}&size={limit}",
			Paging: crawler.JSONPaging{Style: "offset", Limit: 3}})
		st, err := (&crawler.Crawler{Index: openIndex(t)}).Run(context.Background(), site, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.Complete || st.ByKind["bad_response"] != 1 || st.Pages != 1 {
			t.Errorf("complete %v, errors %v, pages %d: want the repeat detected on page 2", st.Complete, st.ByKind, st.Pages)
		}
	})
	t.Run("items not where the config says", func(t *testing.T) {
		_, srv := newFakeAPI(t, 10)
		site := jsonSite(t, crawler.JSONSource{URL: srv.URL + "/v2/offset?offset={offset}&limit={limit}", Items: "data.postings",
			Paging: crawler.JSONPaging{Style: "offset", Total: "meta.total"}})
		ix := openIndex(t)
		st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), site, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.Complete || st.Errors != 1 || st.Postings != 0 {
			t.Errorf("complete %v, errors %d, postings %d: want an incomplete run with one error", st.Complete, st.Errors, st.Postings)
		}
	})
	t.Run("a response cut short is retried", func(t *testing.T) {
		api, srv := newFakeAPI(t, 10)
		api.cut["/v2/offset?offset=4&limit=4"] = true
		site := jsonSite(t, crawler.JSONSource{URL: srv.URL + "/v2/offset?offset={offset}&limit={limit}", Items: "data.jobs",
			Paging: crawler.JSONPaging{Style: "offset", Limit: 4, Total: "meta.total"}})
		st, err := (&crawler.Crawler{Index: openIndex(t)}).Run(context.Background(), site, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Complete || st.Retries != 1 || st.Postings != 10 {
			t.Errorf("complete %v, retries %d, postings %d: want the cut page retried and the run complete", st.Complete, st.Retries, st.Postings)
		}
	})
	t.Run("a detail taken down since the list", func(t *testing.T) {
		api, srv := newFakeAPI(t, 10)
		api.gone["R-1007"] = true
		site := jsonSite(t, crawler.JSONSource{URL: srv.URL + "/v2/summaries", Items: "jobs", DetailURL: srv.URL + "/v2/job/{ref}", DetailItem: "job"})
		ix := openIndex(t)
		st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), site, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Complete || st.Errors != 0 || st.Postings != 9 {
			t.Errorf("complete %v, errors %d, postings %d: a 404 detail is a posting gone, not a failure", st.Complete, st.Errors, st.Postings)
		}
		if _, err := ix.Get(context.Background(), index.RecordID("api", "R-1007")); err == nil {
			t.Error("the posting whose detail is gone was indexed")
		}
	})
	t.Run("a page limit", func(t *testing.T) {
		_, srv := newFakeAPI(t, 10)
		site := jsonSite(t, crawler.JSONSource{URL: srv.URL + "/v2/sequential?from={offset}&size={limit}",
			Paging: crawler.JSONPaging{Style: "offset", Limit: 3}})
		site.Limits.MaxPages = 2
		st, err := (&crawler.Crawler{Index: openIndex(t)}).Run(context.Background(), site, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.Complete || st.Incomplete != "page limit reached" || st.Pages != 2 {
			t.Errorf("complete %v (%s), pages %d", st.Complete, st.Incomplete, st.Pages)
		}
	})
}

func TestSourceConfigErrors(t *testing.T) {
	base := func() crawler.Site {
		return crawler.Site{Name: "x", Source: "json", JSON: &crawler.JSONSource{URL: "https://api.example.com/jobs",
			Fields: map[string]string{"job_number": "id", "title": "title"}}}
	}
	cases := []struct {
		say    string
		modify func(s *crawler.Site)
	}{
		{"json: missing", func(s *crawler.Site) { s.JSON = nil }},
		{"json.url", func(s *crawler.Site) { s.JSON.URL = "/jobs" }},
		{"json.method", func(s *crawler.Site) { s.JSON.Method = "PUT" }},
		{"json.body: a GET", func(s *crawler.Site) { s.JSON.Method = "GET"; s.JSON.Body = "{}" }},
		{"json.body: not JSON", func(s *crawler.Site) { s.JSON.Body = `{"from": {offset}` }},
		{"json.paging.style: offset needs {offset}", func(s *crawler.Site) { s.JSON.Paging.Style = "offset" }},
		{"json.paging.style: \"pages\"", func(s *crawler.Site) { s.JSON.Paging.Style = "pages" }},
		{"json.paging.next: missing", func(s *crawler.Site) { s.JSON.Paging.Style = "next_url" }},
		{"json.fields.title: missing", func(s *crawler.Site) { delete(s.JSON.Fields, "title") }},
		{"json.fields.colour: unknown field", func(s *crawler.Site) { s.JSON.Fields["colour"] = "c" }},
		{"json.items", func(s *crawler.Site) { s.JSON.Items = "a[" }},
		{"json.detail_item: set without detail_url", func(s *crawler.Site) { s.JSON.DetailItem = "job" }},
		{"source: \"rss\"", func(s *crawler.Site) { s.Source = "rss" }},
		{"json: set, but the site's source is html", func(s *crawler.Site) {
			s.Source, s.StartURLs, s.Pagination.Next, s.JobLinks = "", []string{"https://x.example/jobs"}, "a.next", "a.job"
		}},
		{"platform: \"taleo\"", func(s *crawler.Site) { s.Source, s.JSON, s.Platform = "", nil, "taleo" }},
		{"board: missing", func(s *crawler.Site) { s.Source, s.JSON, s.Platform = "", nil, "greenhouse" }},
		{"board: \"acme\" is not a Workday board", func(s *crawler.Site) { s.Source, s.JSON, s.Platform, s.Board = "", nil, "workday", "acme" }},
		{"board: \"Microsoft\" is not the employer's domain", func(s *crawler.Site) {
			s.Source, s.JSON, s.Platform, s.Board = "", nil, "eightfold", "Microsoft"
		}},
		{"page_size: 50 is over workday's largest page, 20", func(s *crawler.Site) {
			s.Source, s.JSON, s.Platform, s.Board, s.PageSize = "", nil, "workday", "acme.wd5/External", 50
		}},
		{"page_size: greenhouse answers a board in one response", func(s *crawler.Site) {
			s.Source, s.JSON, s.Platform, s.Board, s.PageSize = "", nil, "greenhouse", "acme", 10
		}},
		{"api_url", func(s *crawler.Site) {
			s.Source, s.JSON, s.Platform, s.Board, s.APIURL = "", nil, "lever", "acme", "api.lever.co"
		}},
		{"board: only for platform sites", func(s *crawler.Site) { s.Board = "acme" }},
		{"sitemap.urls: at least one", func(s *crawler.Site) { s.Source, s.JSON = "sitemap", nil }},
		{"sitemap.match", func(s *crawler.Site) {
			s.Source, s.JSON, s.Sitemap = "sitemap", nil, &crawler.SitemapSource{URLs: []string{"https://x.example/s.xml"}, Match: "("}
		}},
		{"discover: sitemap goes beside result pages", func(s *crawler.Site) { s.Discover = "sitemap" }},
	}
	for _, c := range cases {
		t.Run(c.say, func(t *testing.T) {
			s := base()
			s.JSON.Fields = map[string]string{"job_number": "id", "title": "title"}
			c.modify(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), c.say) {
				t.Errorf("error %v, want it to say %q", err, c.say)
			}
		})
	}
	// and the valid ones
	for _, s := range []crawler.Site{
		{Name: "gh", Platform: "greenhouse", Board: "acme"},
		{Name: "wd", Platform: "workday", Board: "https://acme.wd5.myworkdayjobs.com/en-US/External"},
		{Name: "ef", Platform: "eightfold", Board: "microsoft.com"},
		{Name: "sm", Source: "sitemap", StartURLs: []string{"https://careers.example.com/"}},
		{Name: "hs", StartURLs: []string{"https://careers.example.com/jobs"}, Pagination: crawler.Pagination{Next: "a.next"},
			JobLinks: "a.job", Discover: "sitemap", Sitemap: &crawler.SitemapSource{Match: "/job/"}},
	} {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}
