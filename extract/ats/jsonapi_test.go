package ats_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
)

// fakeAPI is a careers JSON API that pages the ways APIs do, over jobs
// with a duplicate (a job listed twice, as listings do).
type fakeAPI struct {
	jobs   []map[string]any
	ignore bool            // answer every page as the first
	gone   map[string]bool // refs whose detail answers 404

	mu   sync.Mutex
	hits map[string]int // by path
}

func newFakeAPI(n int) *fakeAPI {
	a := &fakeAPI{hits: map[string]int{}, gone: map[string]bool{}}
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
	return a
}

func (a *fakeAPI) answer(r *ats.Request) ([]byte, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.hits[u.Path]++
	a.mu.Unlock()
	q := u.Query()
	num := func(s string, def int) int {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
		return def
	}
	slice := func(off, lim int) []map[string]any {
		if a.ignore {
			off = 0
		}
		if off >= len(a.jobs) {
			return []map[string]any{}
		}
		return a.jobs[off:min(off+lim, len(a.jobs))]
	}
	if u.Path != "/v2/search" && r.Method != ats.MethodGet {
		return nil, fmt.Errorf("method %s", r.Method)
	}
	switch u.Path {
	case "/v2/offset": // {meta: {total}, data: {jobs}}, limit capped at 4
		lim := min(num(q.Get("limit"), 4), 4)
		return json.Marshal(map[string]any{"meta": map[string]any{"total": len(a.jobs)},
			"data": map[string]any{"jobs": slice(num(q.Get("offset"), 0), lim)}})
	case "/v2/sequential": // a bare array, no total
		return json.Marshal(slice(num(q.Get("from"), 0), num(q.Get("size"), 3)))
	case "/v2/pages": // pages from 1
		p := num(q.Get("p"), 1)
		return json.Marshal(map[string]any{"results": slice((p-1)*3, 3)})
	case "/v2/cursor":
		off := num(q.Get("after"), 0)
		next := ""
		if off+3 < len(a.jobs) {
			next = strconv.Itoa(off + 3)
		}
		return json.Marshal(map[string]any{"items": slice(off, 3), "paging": map[string]any{"next": next}})
	case "/v2/links":
		off := num(q.Get("o"), 0)
		body := map[string]any{"items": slice(off, 3)}
		if off+3 < len(a.jobs) {
			body["links"] = map[string]any{"next": "/v2/links?o=" + strconv.Itoa(off+3)}
		}
		return json.Marshal(body)
	case "/v2/search": // POST {"from": N, "size": M}
		var req struct{ From, Size int }
		if r.Method != ats.MethodPost || json.Unmarshal(r.Body, &req) != nil || req.Size == 0 || r.Header["Content-Type"] != "application/json" {
			return nil, fmt.Errorf("bad request %s %s", r.Method, r.Body)
		}
		return json.Marshal(map[string]any{"hits": map[string]any{"total": len(a.jobs), "hits": slice(req.From, req.Size)}})
	case "/v2/summaries": // the list lacks the description: a detail per job
		var out []map[string]any
		for _, j := range slice(0, len(a.jobs)) {
			out = append(out, map[string]any{"ref": j["ref"], "name": j["name"]})
		}
		return json.Marshal(map[string]any{"jobs": out})
	}
	if ref, ok := strings.CutPrefix(u.Path, "/v2/job/"); ok && !a.gone[ref] {
		for _, j := range a.jobs {
			if j["ref"] == ref {
				return json.Marshal(map[string]any{"job": j})
			}
		}
	}
	return nil, errNotFound
}

var apiFields = extract.JSONFields{"job_number": "ref", "title": "name", "locations": "office",
	"job_family": "family[0]", "date_posted": "posted", "description": "html"}

const apiBase = "https://api.contoso.example"

func openJSON(tb testing.TB, spec ats.JSONSpec) ats.Source {
	tb.Helper()
	if spec.Fields == nil {
		spec.Fields = apiFields
	}
	a, ok := ats.Lookup("json")
	if !ok {
		tb.Fatal("no json entry")
	}
	src, err := a.Open(ats.Board{JSON: &spec})
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

func TestJSONSource(t *testing.T) {
	const jobs = 10 // and one duplicate: 11 listed
	intp := func(n int) *int { return &n }
	cases := []struct {
		name  string
		spec  ats.JSONSpec
		pages int
		lists []string // the list pages' URLs (or bodies), in page order
	}{
		{"offset with a total, limit capped by the API", ats.JSONSpec{URL: apiBase + "/v2/offset?offset={offset}&limit={limit}", Items: "data.jobs",
			Paging: ats.JSONPaging{Style: "offset", Limit: 10, Total: "meta.total"}}, 3,
			[]string{"/v2/offset?offset=0&limit=10", "/v2/offset?offset=4&limit=10", "/v2/offset?offset=8&limit=10"}},
		{"offset without a total", ats.JSONSpec{URL: apiBase + "/v2/sequential?from={offset}&size={limit}",
			Paging: ats.JSONPaging{Style: "offset", Limit: 3}}, 5, // 3+3+3+2, then an empty page
			[]string{"/v2/sequential?from=0&size=3", "/v2/sequential?from=3&size=3", "/v2/sequential?from=6&size=3", "/v2/sequential?from=9&size=3", "/v2/sequential?from=11&size=3"}},
		{"page numbers", ats.JSONSpec{URL: apiBase + "/v2/pages?p={page}", Items: "results",
			Paging: ats.JSONPaging{Style: "page", Start: intp(1)}}, 5,
			[]string{"/v2/pages?p=1", "/v2/pages?p=2", "/v2/pages?p=3", "/v2/pages?p=4", "/v2/pages?p=5"}},
		{"cursor", ats.JSONSpec{URL: apiBase + "/v2/cursor?after={cursor}", Items: "items",
			Paging: ats.JSONPaging{Style: "cursor", Next: "paging.next"}}, 4,
			[]string{"/v2/cursor?after=", "/v2/cursor?after=3", "/v2/cursor?after=6", "/v2/cursor?after=9"}},
		{"next URL", ats.JSONSpec{URL: apiBase + "/v2/links?o=0", Items: "items",
			Paging: ats.JSONPaging{Style: "next_url", Next: "links.next"}}, 4,
			[]string{"/v2/links?o=0", "/v2/links?o=3", "/v2/links?o=6", "/v2/links?o=9"}},
		{"POST body", ats.JSONSpec{URL: apiBase + "/v2/search", Method: "post", Body: `{"from": {offset}, "size": {limit}}`,
			Items: "hits.hits", Paging: ats.JSONPaging{Style: "offset", Limit: 5, Total: "hits.total"}}, 3,
			[]string{`{"from": 0, "size": 5}`, `{"from": 5, "size": 5}`, `{"from": 10, "size": 5}`}},
		{"detail per posting", ats.JSONSpec{URL: apiBase + "/v2/summaries", Items: "jobs", DetailURL: apiBase + "/v2/job/{ref}",
			DetailItem: "job"}, 1, []string{"/v2/summaries"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(jobs)
			w := walk(t, openJSON(t, tc.spec), api.answer, extract.Options{Now: now, Company: "Contoso"})
			if len(w.errs) != 0 || w.gone != 0 {
				t.Fatalf("errors %v, %d not found", w.errs, w.gone)
			}
			var lists []string
			for _, r := range w.ofKind(ats.KindList) {
				if len(r.Body) > 0 {
					lists = append(lists, string(r.Body))
				} else {
					lists = append(lists, strings.TrimPrefix(r.URL, apiBase))
				}
			}
			if fmt.Sprint(sortedCopy(lists)) != fmt.Sprint(sortedCopy(tc.lists)) {
				t.Errorf("list pages:\n got %q\nwant %q", lists, tc.lists)
			}
			if w.pages != tc.pages || w.listed != jobs+1 {
				t.Errorf("pages %d, listed %d; want %d, %d", w.pages, w.listed, tc.pages, jobs+1)
			}
			if strings.Contains(tc.name, "detail") {
				// the duplicate's detail is the same request: made once
				if n := len(w.ofKind(ats.KindDetail)); n != jobs || w.skipped != 1 || api.hits["/v2/job/R-1002"] != 1 {
					t.Errorf("details %d (want %d), skipped %d (want 1), R-1002 fetched %d times", n, jobs, w.skipped, api.hits["/v2/job/R-1002"])
				}
			}
			if got := w.jobNumbers(); len(got) != jobs {
				t.Errorf("job numbers %v, want %d", got, jobs)
			}
			var rec extract.Posting
			for _, p := range w.postings {
				if p.JobNumber == "R-1004" {
					rec = p
				}
			}
			if rec.Title != "Engineer 4" || fmt.Sprint(rec.Locations) != "[Paris, France]" || rec.JobFamily != "Engineering" ||
				rec.DatePosted != "2025-10-27" || rec.Description != "Job 4" || rec.Company != "Contoso" {
				t.Errorf("R-1004: %q %v %q %q %q %q", rec.Title, rec.Locations, rec.JobFamily, rec.DatePosted, rec.Description, rec.Company)
			}
		})
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestJSONSourceRequests(t *testing.T) {
	t.Setenv("ACME_TOKEN", "s3cret")
	src := openJSON(t, ats.JSONSpec{URL: apiBase + "/v2/search?q={cursor}", Body: `{"after": "{cursor}", "size": {limit}}`,
		Headers: map[string]string{"authorization": "Bearer ${ACME_TOKEN}", "X-Price": "$5 or $ACME_TOKEN", "accept": "application/vnd.api+json"},
		Items:   "items", Paging: ats.JSONPaging{Style: "cursor", Next: "next"}, DetailURL: "https://details.contoso.example/jobs/{ref}?t={name}"})
	first := src.First()
	if len(first) != 1 {
		t.Fatalf("%d first requests", len(first))
	}
	r := first[0]
	if r.Method != ats.MethodPost || r.URL != apiBase+"/v2/search?q=" || string(r.Body) != `{"after": "", "size": 100}` || r.Kind != ats.KindList {
		t.Errorf("first: %s %s %s %v", r.Method, r.URL, r.Body, r.Kind)
	}
	wantHeader := map[string]string{"Accept": "application/vnd.api+json", "Content-Type": "application/json",
		"Authorization": "Bearer s3cret", "X-Price": "$5 or s3cret"}
	if fmt.Sprint(r.Header) != fmt.Sprint(wantHeader) {
		t.Errorf("headers %v, want %v", r.Header, wantHeader)
	}
	if got := strings.Join(src.Hosts(), " "); got != "api.contoso.example details.contoso.example" {
		t.Errorf("hosts %q", got)
	}
	if src.DefaultMaxBodySize() != 0 {
		t.Errorf("max body %d", src.DefaultMaxBodySize())
	}

	// the next cursor, escaped for the URL and for the JSON body; a detail per posting
	body := []byte(`{"items": [{"ref": "R-1", "name": "A b"}, {"name": "no ref"}], "next": "a b\"c"}`)
	res, err := src.Read(r, body, extract.Options{URL: r.URL})
	if err != nil {
		t.Fatal(err)
	}
	// the posting without a ref has no detail URL: it is read from the
	// list, and refused, lacking a job number
	if len(res.Postings) != 0 || len(res.Rejected) != 1 || !errors.Is(res.Rejected[0], extract.ErrNoJobNumber) {
		t.Errorf("rejected %v, want the posting without a job number", res.Rejected)
	}
	var details, lists []*ats.Request
	for _, n := range res.Next {
		switch n.Kind {
		case ats.KindDetail:
			details = append(details, n)
		case ats.KindList:
			lists = append(lists, n)
		}
	}
	if len(details) != 1 || details[0].URL != "https://details.contoso.example/jobs/R-1?t=A%20b" || details[0].Method != ats.MethodGet ||
		details[0].Header["Authorization"] != "Bearer s3cret" || details[0].Header["Content-Type"] != "" || len(details[0].Body) != 0 {
		t.Errorf("details %+v", details)
	}
	if len(lists) != 1 || lists[0].URL != apiBase+"/v2/search?q=a+b%22c" || string(lists[0].Body) != `{"after": "a b\"c", "size": 100}` || lists[0].Page() != 1 {
		t.Errorf("next page %+v", lists)
	}
	if res.Total != -1 || res.Listed != 2 || !res.List {
		t.Errorf("total %d, listed %d, list %v", res.Total, res.Listed, res.List)
	}

	// a detail: the detail record completes the listed posting
	res, err = src.Read(details[0], []byte(`{"ref": "R-1", "html": "<p>Hello</p>"}`), extract.Options{URL: details[0].URL})
	if err != nil || len(res.Postings) != 1 || res.Postings[0].Title != "A b" || res.Postings[0].Description != "Hello" || res.List {
		t.Errorf("detail: %+v, %v", res, err)
	}
	// a detail without a title (nor one listed) is a refusal, not an error
	lone := openJSON(t, ats.JSONSpec{URL: apiBase + "/v2/summaries", Items: "jobs", DetailURL: "{links.self}",
		DetailFields: extract.JSONFields{"job_number": "id", "title": "title"}})
	res, err = lone.Read(lone.First()[0], []byte(`{"jobs": [{"links": {"self": "https://other.example/j/1?x=%2F"}}]}`), extract.Options{})
	if err != nil || len(res.Next) != 1 || res.Next[0].URL != "https://other.example/j/1?x=%2F" {
		t.Fatalf("a lone placeholder: %+v, %v", res.Next, err)
	}
	d := res.Next[0]
	res, err = lone.Read(d, []byte(`{"id": "J-1"}`), extract.Options{})
	if err != nil || len(res.Rejected) != 1 || !errors.Is(res.Rejected[0], extract.ErrNoTitle) || len(res.Postings) != 0 {
		t.Errorf("a detail without a title: %+v, %v", res, err)
	}
	if _, err := lone.Read(d, []byte(`[1]`), extract.Options{}); err == nil || err.Error() != "detail: the posting is not an object" {
		t.Errorf("a detail that is no object: %v", err)
	}
}

func TestJSONSourceFailures(t *testing.T) {
	t.Run("an API that ignores its paging parameter", func(t *testing.T) {
		api := newFakeAPI(10)
		api.ignore = true
		w := walk(t, openJSON(t, ats.JSONSpec{URL: apiBase + "/v2/sequential?from={offset}&size={limit}",
			Paging: ats.JSONPaging{Style: "offset", Limit: 3}}), api.answer, extract.Options{})
		const want = "page 2 (" + apiBase + "/v2/sequential?from=3&size=3) repeats the page before it: does the API read its paging parameter?"
		if len(w.errs) != 1 || w.errs[0].Error() != want || w.pages != 1 {
			t.Errorf("errors %v, pages %d; want %q", w.errs, w.pages, want)
		}
	})
	t.Run("an API that ignores its paging parameter, with a total", func(t *testing.T) {
		api := newFakeAPI(10)
		api.ignore = true
		w := walk(t, openJSON(t, ats.JSONSpec{URL: apiBase + "/v2/offset?offset={offset}&limit={limit}", Items: "data.jobs",
			Paging: ats.JSONPaging{Style: "offset", Limit: 4, Total: "meta.total"}}), api.answer, extract.Options{})
		if len(w.errs) != 2 || w.pages != 1 {
			t.Errorf("errors %v, pages %d; want the two pages asked for at once refused", w.errs, w.pages)
		}
	})
	t.Run("items not where the config says", func(t *testing.T) {
		api := newFakeAPI(10)
		w := walk(t, openJSON(t, ats.JSONSpec{URL: apiBase + "/v2/offset?offset={offset}&limit={limit}", Items: "data.postings",
			Paging: ats.JSONPaging{Style: "offset", Total: "meta.total"}}), api.answer, extract.Options{})
		if len(w.errs) != 1 || w.errs[0].Error() != `items: no "data.postings" in the response` || len(w.postings) != 0 {
			t.Errorf("errors %v, postings %d", w.errs, len(w.postings))
		}
	})
	t.Run("items not an array", func(t *testing.T) {
		src := openJSON(t, ats.JSONSpec{URL: apiBase + "/v2/x", Items: "data"})
		_, err := src.Read(src.First()[0], []byte(`{"data": {"a": 1}}`), extract.Options{})
		if err == nil || err.Error() != `items: "data" is not an array in the response` {
			t.Errorf("error %v", err)
		}
		_, err = src.Read(src.First()[0], []byte(`{"data": [1]}`), extract.Options{})
		if err == nil || err.Error() != `items: "data"[0] is not an object` {
			t.Errorf("error %v", err)
		}
		_, err = src.Read(src.First()[0], []byte(`<html>`), extract.Options{})
		if !errors.Is(err, extract.ErrBadJSON) {
			t.Errorf("error %v, want ErrBadJSON", err)
		}
	})
	t.Run("a detail taken down since the list", func(t *testing.T) {
		api := newFakeAPI(10)
		api.gone["R-1007"] = true
		w := walk(t, openJSON(t, ats.JSONSpec{URL: apiBase + "/v2/summaries", Items: "jobs", DetailURL: apiBase + "/v2/job/{ref}", DetailItem: "job"}),
			api.answer, extract.Options{})
		if len(w.errs) != 0 || w.gone != 1 || len(w.jobNumbers()) != 9 {
			t.Errorf("errors %v, gone %d, postings %v", w.errs, w.gone, w.jobNumbers())
		}
	})
	t.Run("a detail of the wrong shape", func(t *testing.T) {
		src := openJSON(t, ats.JSONSpec{URL: apiBase + "/v2/summaries", Items: "jobs", DetailURL: apiBase + "/v2/job/{ref}", DetailItem: "job"})
		res, err := src.Read(src.First()[0], []byte(`{"jobs": [{"ref": "R-1"}]}`), extract.Options{})
		if err != nil || len(res.Next) != 1 {
			t.Fatal(res, err)
		}
		d := res.Next[0]
		if _, err := src.Read(d, []byte(`{"data": {}}`), extract.Options{}); err == nil || err.Error() != `detail_item: no "job" in the response` {
			t.Errorf("error %v", err)
		}
		if _, err := src.Read(d, []byte(`{"job": [1]}`), extract.Options{}); err == nil || err.Error() != "detail: the posting is not an object" {
			t.Errorf("error %v", err)
		}
	})
	t.Run("a next URL that is none", func(t *testing.T) {
		src := openJSON(t, ats.JSONSpec{URL: apiBase + "/v2/links", Items: "items", Paging: ats.JSONPaging{Style: "next_url", Next: "next"}})
		_, err := src.Read(src.First()[0], []byte(`{"items": [{"ref": "R-1", "name": "x"}], "next": "http://[::1"}`), extract.Options{})
		if err == nil || !strings.HasPrefix(err.Error(), "paging.next: ") {
			t.Errorf("error %v", err)
		}
	})
}

// TestJSONSpecErrors: the spec's errors name the key at fault, below json.
func TestJSONSpecErrors(t *testing.T) {
	base := func() *ats.JSONSpec {
		return &ats.JSONSpec{URL: "https://api.example.com/jobs", Fields: extract.JSONFields{"job_number": "id", "title": "title"}}
	}
	cases := []struct {
		say    string
		modify func(s *ats.JSONSpec) *ats.JSONSpec
	}{
		{"json: missing (the request, items and fields of the API)", func(s *ats.JSONSpec) *ats.JSONSpec { return nil }},
		{`json.url: "/jobs" is not an http(s) URL`, func(s *ats.JSONSpec) *ats.JSONSpec { s.URL = "/jobs"; return s }},
		{`json.method: "PUT" is not GET or POST`, func(s *ats.JSONSpec) *ats.JSONSpec { s.Method = "PUT"; return s }},
		{"json.body: a GET request has no body (set method: POST)", func(s *ats.JSONSpec) *ats.JSONSpec { s.Method = "GET"; s.Body = "{}"; return s }},
		{`json.body: not JSON once its placeholders are filled: {"from": 0`, func(s *ats.JSONSpec) *ats.JSONSpec { s.Body = `{"from": {offset}`; return s }},
		{"json.paging.limit: -1 is negative", func(s *ats.JSONSpec) *ats.JSONSpec { s.Paging.Limit = -1; return s }},
		{"json.paging.style: offset needs {offset} in url or body", func(s *ats.JSONSpec) *ats.JSONSpec { s.Paging.Style = "offset"; return s }},
		{"json.paging.style: page needs {page} in url or body", func(s *ats.JSONSpec) *ats.JSONSpec { s.Paging.Style = "page"; return s }},
		{"json.paging.style: cursor needs {cursor} in url or body", func(s *ats.JSONSpec) *ats.JSONSpec { s.Paging.Style = "cursor"; return s }},
		{"json.paging.next: missing (the path to the next page's cursor)", func(s *ats.JSONSpec) *ats.JSONSpec {
			s.URL += "?c={cursor}"
			s.Paging.Style = "cursor"
			return s
		}},
		{`json.paging.style: "pages" is not none, offset, page, cursor or next_url`, func(s *ats.JSONSpec) *ats.JSONSpec { s.Paging.Style = "pages"; return s }},
		{"json.paging.next: missing (the path to the next page's URL)", func(s *ats.JSONSpec) *ats.JSONSpec { s.Paging.Style = "next_url"; return s }},
		{"json.paging.total: ", func(s *ats.JSONSpec) *ats.JSONSpec { s.Paging.Total = "a["; return s }},
		{"json.paging.next: ", func(s *ats.JSONSpec) *ats.JSONSpec { s.Paging.Style, s.Paging.Next = "next_url", "a["; return s }},
		{"json.items: ", func(s *ats.JSONSpec) *ats.JSONSpec { s.Items = "a["; return s }},
		{"json.fields: missing (at least job_number and title: paths into one posting)", func(s *ats.JSONSpec) *ats.JSONSpec { s.Fields = nil; return s }},
		{"json.fields.title: missing", func(s *ats.JSONSpec) *ats.JSONSpec { delete(s.Fields, "title"); return s }},
		{"json.fields.colour: unknown field", func(s *ats.JSONSpec) *ats.JSONSpec { s.Fields["colour"] = "c"; return s }},
		{"json.fields.title: empty path", func(s *ats.JSONSpec) *ats.JSONSpec { s.Fields["title"] = " "; return s }},
		{"json.detail_fields: set without detail_url", func(s *ats.JSONSpec) *ats.JSONSpec {
			s.DetailFields = extract.JSONFields{"title": "t"}
			return s
		}},
		{"json.detail_fields.colour: unknown field", func(s *ats.JSONSpec) *ats.JSONSpec {
			s.DetailURL, s.DetailFields = "https://api.example.com/jobs/{id}", extract.JSONFields{"colour": "t"}
			return s
		}},
		{`json.detail_url: "/jobs/{id}" is not an http(s) URL`, func(s *ats.JSONSpec) *ats.JSONSpec { s.DetailURL = "/jobs/{id}"; return s }},
		{"json.detail_url: ", func(s *ats.JSONSpec) *ats.JSONSpec { s.DetailURL = "https://api.example.com/jobs/{a[}"; return s }},
		{"json.detail_item: set without detail_url", func(s *ats.JSONSpec) *ats.JSONSpec { s.DetailItem = "job"; return s }},
		{"json.detail_item: ", func(s *ats.JSONSpec) *ats.JSONSpec {
			s.DetailURL, s.DetailItem = "https://api.example.com/jobs/{id}", "a["
			return s
		}},
	}
	a, _ := ats.Lookup("json")
	for _, c := range cases {
		t.Run(c.say, func(t *testing.T) {
			_, err := a.Open(ats.Board{JSON: c.modify(base())})
			if err == nil || !strings.HasPrefix(err.Error(), c.say) {
				t.Errorf("error %v, want it to start %q", err, c.say)
			}
		})
	}
	// and valid ones: title only in the detail, a lone placeholder, POST by its body
	for name, s := range map[string]*ats.JSONSpec{
		"title in the detail": {URL: "https://api.example.com/jobs", Fields: extract.JSONFields{"job_number": "id"},
			DetailURL: "https://api.example.com/jobs/{id}", DetailFields: extract.JSONFields{"title": "title"}},
		"a lone placeholder": {URL: "https://api.example.com/jobs", Fields: extract.JSONFields{"job_number": "id", "title": "t"}, DetailURL: " {links.self} "},
		"a body":             {URL: "https://api.example.com/jobs", Body: `{"page": {page}}`, Paging: ats.JSONPaging{Style: "page"}, Fields: extract.JSONFields{"job_number": "id", "title": "t"}},
	} {
		src, err := a.Open(ats.Board{JSON: s})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name == "a body" {
			r := src.First()[0]
			if r.Method != ats.MethodPost || string(r.Body) != `{"page": 1}` {
				t.Errorf("%s: %s %s", name, r.Method, r.Body)
			}
		}
	}
}
