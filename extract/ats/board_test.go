package ats_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
)

// fakeBoard answers as one platform's public API does, from the fixtures
// (the same paths, paging parameters and envelopes as the crawler's fake
// boards), without a server: the walk hands it the Request.
type fakeBoard struct {
	platform string
	items    []json.RawMessage          // the whole board, in order
	details  map[string]json.RawMessage // detail responses by id or path
	envelope map[string]json.RawMessage // the list response's other keys
	ignore   bool                       // answer every list page as the first
	noTotal  bool                       // announce no total
}

var boardFixtures = map[string][2]string{
	"greenhouse":      {"greenhouse_jobs.json", "greenhouse_details.json"},
	"lever":           {"lever_postings.json", ""},
	"ashby":           {"ashby_jobs.json", ""},
	"smartrecruiters": {"smartrecruiters_postings.json", "smartrecruiters_details.json"},
	"workday":         {"workday_jobs.json", "workday_details.json"},
	"eightfold":       {"eightfold_search.json", "eightfold_details.json"},
	"eightfold-v2":    {"eightfold_v2_jobs.json", "eightfold_v2_details.json"},
}

func newFakeBoard(tb testing.TB, platform string) *fakeBoard {
	tb.Helper()
	fx := boardFixtures[platform]
	b := &fakeBoard{platform: platform, envelope: map[string]json.RawMessage{}}
	raw := read(tb, fx[0])
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	switch platform {
	case "lever":
		must(json.Unmarshal(raw, &b.items))
	case "eightfold":
		var env struct {
			Data map[string]json.RawMessage `json:"data"`
		}
		must(json.Unmarshal(raw, &env))
		must(json.Unmarshal(env.Data["positions"], &b.items))
	default:
		key := map[string]string{"greenhouse": "jobs", "ashby": "jobs", "smartrecruiters": "content",
			"workday": "jobPostings", "eightfold-v2": "positions"}[platform]
		must(json.Unmarshal(raw, &b.envelope))
		must(json.Unmarshal(b.envelope[key], &b.items))
	}
	if fx[1] != "" {
		must(json.Unmarshal(read(tb, fx[1]), &b.details))
	}
	return b
}

func (b *fakeBoard) page(offset, limit int) []json.RawMessage {
	if b.ignore {
		offset = 0
	}
	if offset >= len(b.items) {
		return []json.RawMessage{}
	}
	return b.items[offset:min(offset+limit, len(b.items))]
}

func (b *fakeBoard) total() any {
	if b.noTotal {
		return nil
	}
	return len(b.items)
}

func (b *fakeBoard) answer(r *ats.Request) ([]byte, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	atoi := func(name string, def int) int {
		if v, err := strconv.Atoi(q.Get(name)); err == nil {
			return v
		}
		return def
	}
	withItems := func(key string, items []json.RawMessage, extra map[string]any) ([]byte, error) {
		env := map[string]any{}
		for k, v := range b.envelope {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		env[key] = items
		return json.Marshal(env)
	}
	detail := func(key string) ([]byte, error) {
		if d, ok := b.details[key]; ok {
			return d, nil
		}
		return nil, errNotFound
	}
	if r.Method != ats.MethodGet && b.platform != "workday" {
		return nil, fmt.Errorf("method %s", r.Method)
	}
	switch b.platform {
	case "greenhouse":
		const prefix = "/v1/boards/vaulttec/jobs"
		switch {
		case u.Path == prefix:
			return withItems("jobs", b.items, map[string]any{"meta": map[string]any{"total": b.total()}})
		case strings.HasPrefix(u.Path, prefix+"/") && q.Get("pay_transparency") == "true":
			return detail(strings.TrimPrefix(u.Path, prefix+"/"))
		}
	case "lever":
		if u.Path == "/v0/postings/leverdemo" && q.Get("mode") == "json" {
			return json.Marshal(b.page(atoi("skip", 0), atoi("limit", 1<<30)))
		}
	case "ashby":
		if u.Path == "/posting-api/job-board/ashby" {
			return withItems("jobs", b.items, nil)
		}
	case "smartrecruiters":
		const prefix = "/v1/companies/BoschGroup/postings"
		switch {
		case u.Path == prefix:
			off, lim := atoi("offset", 0), min(atoi("limit", 10), 100)
			return withItems("content", b.page(off, lim), map[string]any{"offset": off, "limit": lim, "totalFound": b.total()})
		case strings.HasPrefix(u.Path, prefix+"/"):
			return detail(strings.TrimPrefix(u.Path, prefix+"/"))
		}
	case "workday":
		const prefix = "/wday/cxs/autodesk/Ext"
		switch {
		case r.Method == ats.MethodPost && u.Path == prefix+"/jobs":
			var req struct {
				Limit, Offset int
				SearchText    *string
				AppliedFacets map[string]any
			}
			if err := json.Unmarshal(r.Body, &req); err != nil || req.AppliedFacets == nil || req.SearchText == nil || req.Limit > 20 {
				return nil, fmt.Errorf("bad request %s", r.Body)
			}
			if r.Header["Content-Type"] != "application/json" {
				return nil, fmt.Errorf("content type %q", r.Header["Content-Type"])
			}
			total := b.total()
			if req.Offset > 0 && !b.ignore {
				total = 0 // as Workday does: the total comes with the first page only
			}
			return withItems("jobPostings", b.page(req.Offset, req.Limit), map[string]any{"total": total})
		case r.Method == ats.MethodGet && strings.HasPrefix(u.Path, prefix+"/job/"):
			return detail(strings.TrimPrefix(u.Path, prefix))
		}
	case "eightfold":
		if q.Get("domain") != "microsoft.com" {
			return nil, fmt.Errorf("domain %q", q.Get("domain"))
		}
		switch u.Path {
		case "/api/pcsx/search":
			return json.Marshal(map[string]any{"status": 200, "error": map[string]string{"message": ""},
				"data": map[string]any{"positions": b.page(atoi("start", 0), 10), "count": b.total()}})
		case "/api/pcsx/position_details":
			return detail(q.Get("position_id"))
		}
	case "eightfold-v2":
		if q.Get("domain") != "eaton.com" {
			return nil, fmt.Errorf("domain %q", q.Get("domain"))
		}
		switch {
		case u.Path == "/api/apply/v2/jobs":
			return withItems("positions", b.page(atoi("start", 0), atoi("num", 10)), map[string]any{"count": b.total()})
		case strings.HasPrefix(u.Path, "/api/apply/v2/jobs/"):
			return detail(strings.TrimPrefix(u.Path, "/api/apply/v2/jobs/"))
		}
	}
	return nil, errNotFound
}

// walkCases are the boards of the walks: the settings, and what a walk of
// the whole board asks for and finds.
var walkCases = []struct {
	platform, board string
	pageSize        int
	fanOut          bool     // the first page asks for all the others
	lists           []string // the list pages asked for: their URLs (Workday: bodies)
	postings        int
}{
	{"greenhouse", "vaulttec", 0, false, []string{
		"https://boards-api.greenhouse.io/v1/boards/vaulttec/jobs"}, 7},
	{"lever", "leverdemo", 2, false, []string{
		"https://api.lever.co/v0/postings/leverdemo?mode=json&skip=0&limit=2",
		"https://api.lever.co/v0/postings/leverdemo?mode=json&skip=2&limit=2",
		"https://api.lever.co/v0/postings/leverdemo?mode=json&skip=4&limit=2",
		"https://api.lever.co/v0/postings/leverdemo?mode=json&skip=6&limit=2"}, 7},
	{"ashby", "ashby", 0, false, []string{
		"https://api.ashbyhq.com/posting-api/job-board/ashby?includeCompensation=true"}, 4},
	{"smartrecruiters", "BoschGroup", 3, true, []string{
		"https://api.smartrecruiters.com/v1/companies/BoschGroup/postings?offset=0&limit=3",
		"https://api.smartrecruiters.com/v1/companies/BoschGroup/postings?offset=3&limit=3",
		"https://api.smartrecruiters.com/v1/companies/BoschGroup/postings?offset=6&limit=3"}, 7},
	{"workday", "autodesk.wd1/Ext", 3, true, []string{
		`{"appliedFacets":{},"limit":3,"offset":0,"searchText":""}`,
		`{"appliedFacets":{},"limit":3,"offset":3,"searchText":""}`,
		`{"appliedFacets":{},"limit":3,"offset":6,"searchText":""}`}, 7},
	{"eightfold", "microsoft.com", 0, true, []string{
		"https://apply.careers.microsoft.com/api/pcsx/search?domain=microsoft.com&query=&location=&start=0&sort_by=timestamp",
		"https://apply.careers.microsoft.com/api/pcsx/search?domain=microsoft.com&query=&location=&start=10&sort_by=timestamp",
		"https://apply.careers.microsoft.com/api/pcsx/search?domain=microsoft.com&query=&location=&start=20&sort_by=timestamp"}, 23},
	{"eightfold-v2", "eaton.com", 1, true, []string{
		"https://eaton.eightfold.ai/api/apply/v2/jobs?domain=eaton.com&start=0&num=1",
		"https://eaton.eightfold.ai/api/apply/v2/jobs?domain=eaton.com&start=1&num=1",
		"https://eaton.eightfold.ai/api/apply/v2/jobs?domain=eaton.com&start=2&num=1",
		"https://eaton.eightfold.ai/api/apply/v2/jobs?domain=eaton.com&start=3&num=1"}, 4},
}

func openBoard(tb testing.TB, b ats.Board) ats.Source {
	tb.Helper()
	src, err := ats.OpenBoard(b)
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// TestBoardWalks walks each platform's fixture board, paged, as the
// crawler would: the list pages each platform asks for, its detail
// requests, and the postings, which are those of the golden files.
func TestBoardWalks(t *testing.T) {
	for _, wc := range walkCases {
		t.Run(wc.platform, func(t *testing.T) {
			fb := newFakeBoard(t, wc.platform)
			src := openBoard(t, ats.Board{Platform: wc.platform, Board: wc.board, PageSize: wc.pageSize})
			w := walk(t, src, fb.answer, extract.Options{Now: now, Company: "Fallback Co"})
			if len(w.errs) > 0 || w.gone > 0 {
				t.Fatalf("errors %v, %d not found", w.errs, w.gone)
			}

			// the list pages: their requests, and how they were asked for
			var lists []string
			for _, r := range w.ofKind(ats.KindList) {
				if r.Header["Accept"] != "application/json" {
					t.Errorf("%s: Accept %q", r.URL, r.Header["Accept"])
				}
				if wc.platform == "workday" {
					lists = append(lists, string(r.Body))
					if r.Method != ats.MethodPost || r.URL != "https://autodesk.wd1.myworkdayjobs.com/wday/cxs/autodesk/Ext/jobs" {
						t.Errorf("list request %s %s", r.Method, r.URL)
					}
					continue
				}
				lists = append(lists, r.URL)
				if r.Method != ats.MethodGet || len(r.Body) != 0 {
					t.Errorf("list request %s %s %s", r.Method, r.URL, r.Body)
				}
			}
			slices.Sort(lists)
			want := slices.Clone(wc.lists)
			slices.Sort(want)
			if !slices.Equal(lists, want) {
				t.Errorf("list pages:\n got %q\nwant %q", lists, want)
			}
			if w.pages != len(wc.lists) {
				t.Errorf("%d results counted as pages, want %d", w.pages, len(wc.lists))
			}
			if len(w.first) != 1 {
				t.Fatalf("%d first results", len(w.first))
			}
			var fromFirst int
			for _, n := range w.first[0].Next {
				if n.Kind == ats.KindList {
					fromFirst++
				}
			}
			if wc.fanOut && fromFirst != len(wc.lists)-1 || !wc.fanOut && fromFirst > 1 {
				t.Errorf("the first page asks for %d list pages (fan out %v, %d pages)", fromFirst, wc.fanOut, len(wc.lists))
			}

			// details: one per posting, for the platforms that have them
			details := w.ofKind(ats.KindDetail)
			if fb.details != nil && len(details) != wc.postings || fb.details == nil && len(details) != 0 {
				t.Errorf("%d detail requests, want one per posting (%d) where the platform has them", len(details), wc.postings)
			}
			for _, d := range details {
				if d.Method != ats.MethodGet || len(d.Body) != 0 || d.Header["Accept"] != "application/json" {
					t.Errorf("detail request %s %s %q", d.Method, d.URL, d.Header)
				}
			}

			// the postings: the golden file's, whatever the paging
			wantTotal := wc.postings
			if wc.platform == "lever" {
				wantTotal = -1 // Lever announces none
			}
			if w.listed != wc.postings || w.total != wantTotal {
				t.Errorf("listed %d of a total of %d; want %d of %d", w.listed, w.total, wc.postings, wantTotal)
			}
			var g golden
			if err := json.Unmarshal(read(t, strings.TrimSuffix(boardFixtures[wc.platform][0], ".json")+".golden.json"), &g); err != nil {
				t.Fatal(err)
			}
			if len(w.postings) != wc.postings || len(w.rejected) != len(g.Rejected) {
				t.Errorf("%d postings, %d rejected; want %d, %d", len(w.postings), len(w.rejected), wc.postings, len(g.Rejected))
			}
			got, wantP := byJobNumber(w.postings), byJobNumber(g.Postings)
			if got != wantP {
				t.Errorf("postings differ from the golden file's:\n got %s\nwant %s", got, wantP)
			}
		})
	}
}

// byJobNumber renders postings sorted by job number, as JSON.
func byJobNumber(ps []extract.Posting) string {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b extract.Posting) int { return strings.Compare(a.JobNumber, b.JobNumber) })
	b, _ := json.Marshal(ps)
	return string(b)
}

// TestBoardFirstRequests checks each platform's first request with its
// default settings and with api_url.
func TestBoardFirstRequests(t *testing.T) {
	cases := []struct {
		board               ats.Board
		method, url, body   string
		hosts               string
		maxBody             int64
		accept, contentType string
	}{
		{ats.Board{Platform: "greenhouse", Board: "acme"}, "GET", "https://boards-api.greenhouse.io/v1/boards/acme/jobs", "",
			"boards-api.greenhouse.io", 64 << 20, "application/json", ""},
		{ats.Board{Platform: "greenhouse", Board: " acme "}, "GET", "https://boards-api.greenhouse.io/v1/boards/acme/jobs", "",
			"boards-api.greenhouse.io", 64 << 20, "application/json", ""},
		{ats.Board{Platform: "lever", Board: "acme"}, "GET", "https://api.lever.co/v0/postings/acme?mode=json&skip=0&limit=100", "",
			"api.lever.co", 0, "application/json", ""},
		{ats.Board{Platform: "lever", Board: "acme", APIURL: "https://api.eu.lever.co/", PageSize: 1000}, "GET",
			"https://api.eu.lever.co/v0/postings/acme?mode=json&skip=0&limit=1000", "", "api.eu.lever.co", 0, "application/json", ""},
		{ats.Board{Platform: "ashby", Board: "acme"}, "GET", "https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true", "",
			"api.ashbyhq.com", 64 << 20, "application/json", ""},
		{ats.Board{Platform: "smartrecruiters", Board: "BoschGroup"}, "GET",
			"https://api.smartrecruiters.com/v1/companies/BoschGroup/postings?offset=0&limit=100", "", "api.smartrecruiters.com", 0, "application/json", ""},
		{ats.Board{Platform: "workday", Board: "acme.wd5/External"}, "POST", "https://acme.wd5.myworkdayjobs.com/wday/cxs/acme/External/jobs",
			`{"appliedFacets":{},"limit":20,"offset":0,"searchText":""}`, "acme.wd5.myworkdayjobs.com", 0, "application/json", "application/json"},
		{ats.Board{Platform: "workday", Board: "https://acme.wd5.myworkdayjobs.com/en-US/External/"}, "POST",
			"https://acme.wd5.myworkdayjobs.com/wday/cxs/acme/External/jobs",
			`{"appliedFacets":{},"limit":20,"offset":0,"searchText":""}`, "acme.wd5.myworkdayjobs.com", 0, "application/json", "application/json"},
		{ats.Board{Platform: "workday", Board: "acme/External", APIURL: "http://127.0.0.1:8080", PageSize: 5}, "POST",
			"http://127.0.0.1:8080/wday/cxs/acme/External/jobs",
			`{"appliedFacets":{},"limit":5,"offset":0,"searchText":""}`, "127.0.0.1:8080", 0, "application/json", "application/json"},
		{ats.Board{Platform: "eightfold", Board: "Microsoft.com"}, "GET",
			"https://apply.careers.microsoft.com/api/pcsx/search?domain=microsoft.com&query=&location=&start=0&sort_by=timestamp", "",
			"apply.careers.microsoft.com", 0, "application/json", ""},
		{ats.Board{Platform: "eightfold", Board: "eaton.com"}, "GET",
			"https://eaton.eightfold.ai/api/pcsx/search?domain=eaton.com&query=&location=&start=0&sort_by=timestamp", "",
			"eaton.eightfold.ai", 0, "application/json", ""},
		{ats.Board{Platform: "eightfold-v2", Board: "eaton.com"}, "GET", "https://eaton.eightfold.ai/api/apply/v2/jobs?domain=eaton.com&start=0&num=10", "",
			"eaton.eightfold.ai", 0, "application/json", ""},
		{ats.Board{Platform: "eightfold-v2", Board: "eaton.com", APIURL: "https://careers.eaton.com", PageSize: 100}, "GET",
			"https://careers.eaton.com/api/apply/v2/jobs?domain=eaton.com&start=0&num=100", "", "careers.eaton.com", 0, "application/json", ""},
	}
	for _, c := range cases {
		t.Run(c.board.Platform+" "+c.board.Board, func(t *testing.T) {
			src := openBoard(t, c.board)
			first := src.First()
			if len(first) != 1 {
				t.Fatalf("%d first requests", len(first))
			}
			r := first[0]
			if r.Method != c.method || r.URL != c.url || string(r.Body) != c.body || r.Kind != ats.KindList || r.Page() != 0 {
				t.Errorf("got %s %s %s (%v, page %d), want %s %s %s", r.Method, r.URL, r.Body, r.Kind, r.Page(), c.method, c.url, c.body)
			}
			if r.Header["Accept"] != c.accept || r.Header["Content-Type"] != c.contentType {
				t.Errorf("headers %q", r.Header)
			}
			if got := strings.Join(src.Hosts(), " "); got != c.hosts {
				t.Errorf("hosts %q, want %q", got, c.hosts)
			}
			if got := src.DefaultMaxBodySize(); got != c.maxBody {
				t.Errorf("default max body size %d, want %d", got, c.maxBody)
			}
		})
	}
}

// TestBoardDetailRequests checks the detail requests each platform asks
// for its first listed posting.
func TestBoardDetailRequests(t *testing.T) {
	cases := []struct {
		platform, board, detail string
	}{
		{"smartrecruiters", "BoschGroup", "https://api.smartrecruiters.com/v1/companies/BoschGroup/postings/744000012345601"},
		{"workday", "autodesk.wd1/Ext", "https://autodesk.wd1.myworkdayjobs.com/wday/cxs/autodesk/Ext/job/Montreal-QC-CAN/Senior-Industry-Strategy-Manager---Content-Creation_24WD81528"},
		{"eightfold", "microsoft.com", "https://apply.careers.microsoft.com/api/pcsx/position_details?position_id=1970393556873874&domain=microsoft.com&hl=en"},
		{"eightfold-v2", "eaton.com", "https://eaton.eightfold.ai/api/apply/v2/jobs/618519792883?domain=eaton.com"},
	}
	for _, c := range cases {
		t.Run(c.platform, func(t *testing.T) {
			src := openBoard(t, ats.Board{Platform: c.platform, Board: c.board})
			r := src.First()[0]
			res, err := src.Read(r, read(t, boardFixtures[c.platform][0]), extract.Options{URL: r.URL, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Postings) != 0 || len(res.Next) == 0 {
				t.Fatalf("%d postings, %d next: want details asked for and no posting yet", len(res.Postings), len(res.Next))
			}
			d := res.Next[0]
			if d.Kind != ats.KindDetail || d.Method != ats.MethodGet || d.URL != c.detail {
				t.Errorf("got %v %s %s, want a detail GET %s", d.Kind, d.Method, d.URL, c.detail)
			}
		})
	}
}

// TestBoardPaging checks how pages follow each other when the API does not
// answer as it should.
func TestBoardPaging(t *testing.T) {
	t.Run("sequential: a page repeating the one before it is refused", func(t *testing.T) {
		fb := newFakeBoard(t, "lever")
		fb.ignore = true
		w := walk(t, openBoard(t, ats.Board{Platform: "lever", Board: "leverdemo", PageSize: 2}), fb.answer, extract.Options{Now: now})
		const want = "lever: page 2 repeats the page before it (https://api.lever.co/v0/postings/leverdemo?mode=json&skip=2&limit=2)"
		if len(w.errs) != 1 || w.errs[0].Error() != want || w.pages != 1 {
			t.Errorf("errors %v, pages %d; want %q after page 1", w.errs, w.pages, want)
		}
	})
	t.Run("sequential while full: a short page is the last", func(t *testing.T) {
		fb := newFakeBoard(t, "lever")
		w := walk(t, openBoard(t, ats.Board{Platform: "lever", Board: "leverdemo", PageSize: 7}), fb.answer, extract.Options{Now: now})
		if w.pages != 2 || len(w.postings) != 7 {
			t.Errorf("pages %d, postings %d; want a full page, then an empty one, 7 postings", w.pages, len(w.postings))
		}
		w = walk(t, openBoard(t, ats.Board{Platform: "lever", Board: "leverdemo", PageSize: 8}), fb.answer, extract.Options{Now: now})
		if w.pages != 1 || len(w.postings) != 7 {
			t.Errorf("pages %d, postings %d; want one short page, 7 postings", w.pages, len(w.postings))
		}
	})
	t.Run("fan out: no total, the next page while pages come", func(t *testing.T) {
		fb := newFakeBoard(t, "smartrecruiters")
		fb.noTotal = true
		w := walk(t, openBoard(t, ats.Board{Platform: "smartrecruiters", Board: "BoschGroup", PageSize: 3}), fb.answer, extract.Options{Now: now})
		if len(w.errs) != 0 || w.pages != 4 || len(w.postings) != 7 || w.total != -1 {
			t.Errorf("errors %v, pages %d, postings %d, total %d; want 3 pages and an empty one, 7 postings, no total",
				w.errs, w.pages, len(w.postings), w.total)
		}
		for _, res := range w.results {
			var lists int
			for _, n := range res.Next {
				if n.Kind == ats.KindList {
					lists++
				}
			}
			if lists > 1 {
				t.Errorf("a page asks for %d list pages, want one at a time", lists)
			}
		}
	})
	t.Run("fan out: no total, a repeated page is refused", func(t *testing.T) {
		fb := newFakeBoard(t, "smartrecruiters")
		fb.noTotal, fb.ignore = true, true
		w := walk(t, openBoard(t, ats.Board{Platform: "smartrecruiters", Board: "BoschGroup", PageSize: 3}), fb.answer, extract.Options{Now: now})
		if len(w.errs) != 1 || !strings.Contains(w.errs[0].Error(), "smartrecruiters: page 2 repeats the page before it") {
			t.Errorf("errors %v; want page 2 refused", w.errs)
		}
	})
	t.Run("fan out: pages asked for at once that repeat the first are refused", func(t *testing.T) {
		fb := newFakeBoard(t, "workday")
		fb.ignore = true
		w := walk(t, openBoard(t, ats.Board{Platform: "workday", Board: "autodesk.wd1/Ext", PageSize: 3}), fb.answer, extract.Options{Now: now})
		if len(w.errs) != 2 {
			t.Errorf("errors %v; want pages 2 and 3 refused", w.errs)
		}
		for _, err := range w.errs {
			if !strings.Contains(err.Error(), "repeats the page before it") {
				t.Errorf("error %v", err)
			}
		}
	})
	t.Run("fan out: the step is the first page's real size", func(t *testing.T) {
		// eightfold asks for 10 and gets what the API gives; the others follow suit
		src := openBoard(t, ats.Board{Platform: "smartrecruiters", Board: "BoschGroup", PageSize: 100})
		fb := newFakeBoard(t, "smartrecruiters")
		capped := func(r *ats.Request) ([]byte, error) {
			u, _ := url.Parse(r.URL)
			if u.Path == "/v1/companies/BoschGroup/postings" {
				q := u.Query()
				q.Set("limit", "2")
				u.RawQuery = q.Encode()
				r2 := *r
				r2.URL = u.String()
				return fb.answer(&r2)
			}
			return fb.answer(r)
		}
		w := walk(t, src, capped, extract.Options{Now: now})
		if w.pages != 4 || len(w.postings) != 7 {
			t.Errorf("pages %d, postings %d; want 4 pages of 2, 7 postings", w.pages, len(w.postings))
		}
		if got := len(w.first[0].Next); got != 2+3 {
			t.Errorf("the first page asks for %d requests, want 2 details and 3 pages", got)
		}
	})
	t.Run("the total counts on the first page only", func(t *testing.T) {
		fb := newFakeBoard(t, "workday")
		src := openBoard(t, ats.Board{Platform: "workday", Board: "autodesk.wd1/Ext", PageSize: 3})
		w := walk(t, src, fb.answer, extract.Options{Now: now})
		for _, r := range w.ofKind(ats.KindList) {
			want := -1 // Workday says 0 on the pages after the first
			if r.Page() == 0 {
				want = 7
			}
			if got := w.results[r.Key()].Total; got != want {
				t.Errorf("page %d: total %d, want %d", r.Page(), got, want)
			}
		}
	})
	t.Run("an empty board", func(t *testing.T) {
		for _, wc := range walkCases {
			fb := newFakeBoard(t, wc.platform)
			fb.items = []json.RawMessage{}
			w := walk(t, openBoard(t, ats.Board{Platform: wc.platform, Board: wc.board, PageSize: wc.pageSize}), fb.answer, extract.Options{Now: now})
			if len(w.errs) != 0 || w.pages != 1 || len(w.postings) != 0 || w.total > 0 {
				t.Errorf("%s: errors %v, pages %d, postings %d, total %d; want one empty page", wc.platform, w.errs, w.pages, len(w.postings), w.total)
			}
		}
	})
}

// TestBoardMalformed: an answer the platform cannot read is an error of
// the Read, never an empty page.
func TestBoardMalformed(t *testing.T) {
	for _, wc := range walkCases {
		t.Run(wc.platform, func(t *testing.T) {
			src := openBoard(t, ats.Board{Platform: wc.platform, Board: wc.board, PageSize: wc.pageSize})
			r := src.First()[0]
			html := []byte(`<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head></html>`)
			if _, err := src.Read(r, html, extract.Options{}); !errors.Is(err, extract.ErrBadJSON) {
				t.Errorf("an HTML page: %v, want ErrBadJSON", err)
			}
			if _, err := src.Read(r, []byte(`{"error": "nope"}`), extract.Options{}); !errors.Is(err, ats.ErrShape) {
				t.Errorf("a JSON error: %v, want ErrShape", err)
			}
			fb := newFakeBoard(t, wc.platform)
			res, err := src.Read(r, mustAnswer(t, fb, r), extract.Options{URL: r.URL, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range res.Next {
				if d.Kind != ats.KindDetail {
					continue
				}
				if _, err := src.Read(d, []byte(`{"unexpected": true}`), extract.Options{URL: d.URL}); !errors.Is(err, ats.ErrShape) {
					t.Errorf("a detail of the wrong shape: %v, want ErrShape", err)
				}
				break
			}
		})
	}
}

func mustAnswer(tb testing.TB, fb *fakeBoard, r *ats.Request) []byte {
	tb.Helper()
	b, err := fb.answer(r)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestOpenBoardErrors: the settings' errors name the key at fault.
func TestOpenBoardErrors(t *testing.T) {
	cases := []struct {
		board ats.Board
		say   string
	}{
		{ats.Board{Platform: "taleo", Board: "acme"}, `platform: "taleo" is not one of greenhouse, lever, ashby, smartrecruiters, workday, eightfold, eightfold-v2`},
		{ats.Board{Platform: "sitemap", Board: "acme"}, `platform: "sitemap" is not one of`},
		{ats.Board{Platform: "greenhouse"}, "board: missing (the board's identifier on greenhouse; jobcrawl add URL finds it)"},
		{ats.Board{Platform: "lever", Board: "  "}, "board: missing"},
		{ats.Board{Platform: "lever", Board: "acme corp"}, `board: "acme corp" is not a board name (letters, digits, '.', '_' and '-')`},
		{ats.Board{Platform: "workday", Board: "acme"}, `board: "acme" is not a Workday board: want TENANT.wdN/SITE`},
		{ats.Board{Platform: "workday", Board: "acme/External"}, `board: "acme/External" is not a Workday board`},
		{ats.Board{Platform: "eightfold", Board: "Microsoft"}, `board: "Microsoft" is not the employer's domain Eightfold knows it by (microsoft.com)`},
		{ats.Board{Platform: "eightfold-v2", Board: "eaton"}, `board: "eaton" is not the employer's domain`},
		{ats.Board{Platform: "workday", Board: "acme.wd5/External", PageSize: 50}, "page_size: 50 is over workday's largest page, 20"},
		{ats.Board{Platform: "greenhouse", Board: "acme", PageSize: 10}, "page_size: greenhouse answers a board in one response"},
		{ats.Board{Platform: "ashby", Board: "acme", PageSize: 10}, "page_size: ashby answers a board in one response"},
		{ats.Board{Platform: "lever", Board: "acme", PageSize: -1}, "page_size: -1 is negative"},
		{ats.Board{Platform: "lever", Board: "acme", PageSize: 1001}, "page_size: 1001 is over lever's largest page, 1000"},
		{ats.Board{Platform: "smartrecruiters", Board: "acme", PageSize: 101}, "page_size: 101 is over smartrecruiters's largest page, 100"},
		{ats.Board{Platform: "eightfold", Board: "microsoft.com", PageSize: 5}, "page_size: eightfold's search pages hold 10 postings, whatever one asks"},
		{ats.Board{Platform: "eightfold-v2", Board: "eaton.com", PageSize: 101}, "page_size: 101 is over eightfold-v2's largest page, 100"},
		{ats.Board{Platform: "lever", Board: "acme", APIURL: "api.lever.co"}, `api_url: "api.lever.co" is not an http(s) URL`},
		{ats.Board{Platform: "eightfold", Board: "microsoft.com", APIURL: "ftp://x.example"}, `api_url: "ftp://x.example" is not an http(s) URL`},
	}
	for _, c := range cases {
		t.Run(c.say, func(t *testing.T) {
			_, err := ats.OpenBoard(c.board)
			if err == nil || !strings.HasPrefix(err.Error(), c.say) {
				t.Errorf("error %v, want it to start %q", err, c.say)
			}
		})
	}
}
