package crawler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
)

// fakeBoard answers as one platform's public API does, from the fixtures
// of package ats (boards modelled on the platforms' documented and
// recorded responses): the same paths, the same paging parameters, the
// same envelopes. Tests empty it, or have it answer one request with a
// malformed body.
type fakeBoard struct {
	platform string
	items    []json.RawMessage          // the whole board, in order
	details  map[string]json.RawMessage // detail responses by id or path
	envelope map[string]json.RawMessage // the list response's other keys

	delay   time.Duration // before each answer
	inflate int           // added to the totals the board announces

	mu        sync.Mutex
	empty     bool
	malformed func(r *http.Request) bool
	listHits  int
	detailHit int
	inFlight  atomic.Int32
	maxFlight atomic.Int32
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

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "extract", "ats", "testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func newFakeBoard(tb testing.TB, platform string) (*fakeBoard, *httptest.Server) {
	tb.Helper()
	fx := boardFixtures[platform]
	b := &fakeBoard{platform: platform, envelope: map[string]json.RawMessage{}}
	raw := readFixture(tb, fx[0])
	var key string
	switch platform {
	case "lever":
		if err := json.Unmarshal(raw, &b.items); err != nil {
			tb.Fatal(err)
		}
	case "eightfold":
		var env struct {
			Data map[string]json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(env.Data["positions"], &b.items); err != nil {
			tb.Fatal(err)
		}
	default:
		key = map[string]string{"greenhouse": "jobs", "ashby": "jobs", "smartrecruiters": "content",
			"workday": "jobPostings", "eightfold-v2": "positions"}[platform]
		if err := json.Unmarshal(raw, &b.envelope); err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(b.envelope[key], &b.items); err != nil {
			tb.Fatal(err)
		}
	}
	if fx[1] != "" {
		if err := json.Unmarshal(readFixture(tb, fx[1]), &b.details); err != nil {
			tb.Fatal(err)
		}
	}
	srv := httptest.NewServer(b)
	tb.Cleanup(srv.Close)
	return b, srv
}

func (b *fakeBoard) setEmpty(v bool) { b.mu.Lock(); b.empty = v; b.mu.Unlock() }

func (b *fakeBoard) setMalformed(f func(r *http.Request) bool) {
	b.mu.Lock()
	b.malformed = f
	b.mu.Unlock()
}

// page returns the board's items from offset, at most limit of them.
func (b *fakeBoard) page(offset, limit int) []json.RawMessage {
	if b.empty {
		return []json.RawMessage{}
	}
	if offset >= len(b.items) {
		return []json.RawMessage{}
	}
	return b.items[offset:min(offset+limit, len(b.items))]
}

func (b *fakeBoard) total() int {
	if b.empty {
		return 0
	}
	return len(b.items) + b.inflate
}

func (b *fakeBoard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := b.inFlight.Add(1)
	defer b.inFlight.Add(-1)
	for {
		m := b.maxFlight.Load()
		if n <= m || b.maxFlight.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(b.delay)
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.URL.Path == "/robots.txt" {
		http.NotFound(w, r)
		return
	}
	if b.malformed != nil && b.malformed(r) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>Maintenance</h1></body></html>`)
		return
	}
	q := r.URL.Query()
	atoi := func(name string, def int) int {
		if v, err := strconv.Atoi(q.Get(name)); err == nil {
			return v
		}
		return def
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	reply := func(v any) { json.NewEncoder(w).Encode(v) }
	withItems := func(key string, items []json.RawMessage, extra map[string]any) {
		env := map[string]any{}
		for k, v := range b.envelope {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		env[key] = items
		reply(env)
	}
	detail := func(key string) {
		d, ok := b.details[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b.detailHit++
		w.Write(d)
	}
	switch b.platform {
	case "greenhouse":
		const prefix = "/v1/boards/vaulttec/jobs"
		switch {
		case r.URL.Path == prefix:
			b.listHits++
			withItems("jobs", b.page(0, len(b.items)), map[string]any{"meta": map[string]int{"total": b.total()}})
		case strings.HasPrefix(r.URL.Path, prefix+"/") && q.Get("pay_transparency") == "true":
			detail(strings.TrimPrefix(r.URL.Path, prefix+"/"))
		default:
			http.NotFound(w, r)
		}
	case "lever":
		if r.URL.Path != "/v0/postings/leverdemo" || q.Get("mode") != "json" {
			http.NotFound(w, r)
			return
		}
		b.listHits++
		reply(b.page(atoi("skip", 0), atoi("limit", 1<<30)))
	case "ashby":
		if r.URL.Path != "/posting-api/job-board/ashby" {
			http.NotFound(w, r)
			return
		}
		b.listHits++
		withItems("jobs", b.page(0, len(b.items)), nil)
	case "smartrecruiters":
		const prefix = "/v1/companies/BoschGroup/postings"
		switch {
		case r.URL.Path == prefix:
			b.listHits++
			off, lim := atoi("offset", 0), min(atoi("limit", 10), 100)
			withItems("content", b.page(off, lim), map[string]any{"offset": off, "limit": lim, "totalFound": b.total()})
		case strings.HasPrefix(r.URL.Path, prefix+"/"):
			detail(strings.TrimPrefix(r.URL.Path, prefix+"/"))
		default:
			http.NotFound(w, r)
		}
	case "workday":
		const prefix = "/wday/cxs/autodesk/Ext"
		switch {
		case r.Method == http.MethodPost && r.URL.Path == prefix+"/jobs":
			var req struct {
				Limit, Offset int
				SearchText    string
				AppliedFacets map[string]any
			}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AppliedFacets == nil || req.Limit > 20 {
				w.WriteHeader(http.StatusBadRequest)
				reply(map[string]string{"errorCode": "HTTP_400", "message": "Bad request"})
				return
			}
			b.listHits++
			total := b.total()
			if req.Offset > 0 {
				total = 0 // as Workday does: the total comes with the first page only
			}
			withItems("jobPostings", b.page(req.Offset, req.Limit), map[string]any{"total": total})
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, prefix+"/job/"):
			detail(strings.TrimPrefix(r.URL.Path, prefix))
		default:
			http.NotFound(w, r)
		}
	case "eightfold":
		if q.Get("domain") != "microsoft.com" {
			w.WriteHeader(http.StatusBadRequest)
			reply(map[string]any{"status": 400, "error": map[string]string{"message": "domain missing"}})
			return
		}
		switch r.URL.Path {
		case "/api/pcsx/search":
			b.listHits++
			reply(map[string]any{"status": 200, "error": map[string]string{"message": ""},
				"data": map[string]any{"positions": b.page(atoi("start", 0), 10), "count": b.total()}})
		case "/api/pcsx/position_details":
			detail(q.Get("position_id"))
		default:
			http.NotFound(w, r)
		}
	case "eightfold-v2":
		switch {
		case q.Get("domain") != "eaton.com":
			http.NotFound(w, r)
		case r.URL.Path == "/api/apply/v2/jobs":
			b.listHits++
			withItems("positions", b.page(atoi("start", 0), atoi("num", 10)), map[string]any{"count": b.total()})
		case strings.HasPrefix(r.URL.Path, "/api/apply/v2/jobs/"):
			detail(strings.TrimPrefix(r.URL.Path, "/api/apply/v2/jobs/"))
		default:
			http.NotFound(w, r)
		}
	}
}

// platformCases are the boards of the tests: the site for the fake
// board, the page size that makes it page, and what a full run finds.
var platformCases = []struct {
	platform, board string
	pageSize        int
	pages           int      // list pages of a full board
	postings        int      // unique postings the board shows
	bare            string   // a posting without the optional fields
	sample          []string // job number, title, first location of one posting
}{
	{"greenhouse", "vaulttec", 0, 1, 7, "4013200006", []string{"4012345006", "Senior Backend Engineer, Payments", "San Francisco, CA, United States"}},
	{"lever", "leverdemo", 2, 4, 7, "f00dfeed-0000-4000-8000-000000000001", []string{"0d9b5c0f-9d3e-4c8e-a4d6-2b1b8f3c6a10", "Account Executive, Mid-Market", "Remote, Canada"}},
	{"ashby", "ashby", 0, 1, 4, "e1e2e3e4-aaaa-4bbb-8ccc-dddddddddddd", []string{"57ecd675-e7ad-4fad-8b4a-29c62d07e645", "FP&A Manager", "Houston, Texas, United States"}},
	{"smartrecruiters", "BoschGroup", 3, 3, 7, "744000012345606", []string{"744000012345601", "Software Engineer (m/f/div.) Embedded Linux", "Stuttgart, BW, Germany"}},
	{"workday", "autodesk.wd1/Ext", 3, 3, 7, "25WD90005", []string{"24WD81528", "Senior Industry Strategy Manager - Content Creation", "Montreal, Quebec, Canada"}},
	{"eightfold", "microsoft.com", 0, 3, 23, "1970393556860009", []string{"200012004", "Software Engineer II", "Redmond, WA, United States"}},
	{"eightfold-v2", "eaton.com", 1, 4, 4, "R41003", []string{"R41001", "Electrical Engineer", "Pittsburgh, Pennsylvania, United States"}},
}

func platformSite(tb testing.TB, platform, board, apiURL string, pageSize int) *crawler.Site {
	tb.Helper()
	s := &crawler.Site{Name: "acme", Company: "Acme", Platform: platform, Board: board, APIURL: apiURL, PageSize: pageSize,
		Limits: crawler.Limits{Parallelism: 4, MaxRetries: 1}}
	if err := s.Validate(); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestPlatforms(t *testing.T) {
	for _, pc := range platformCases {
		t.Run(pc.platform, func(t *testing.T) {
			b, srv := newFakeBoard(t, pc.platform)
			site := platformSite(t, pc.platform, pc.board, srv.URL, pc.pageSize)
			ix := openIndex(t)
			c := &crawler.Crawler{Index: ix}

			// a full board, over its pages
			st, err := c.Run(context.Background(), site, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Complete || st.Errors != 0 {
				t.Fatalf("run not complete: %+v", st)
			}
			if st.Pages != pc.pages || b.listHits != pc.pages {
				t.Errorf("list pages: %d read, %d served; want %d", st.Pages, b.listHits, pc.pages)
			}
			if st.Postings != pc.postings || st.New != pc.postings {
				t.Errorf("postings %d, new %d; want %d", st.Postings, st.New, pc.postings)
			}
			if b.details != nil && (st.Details != pc.postings || b.detailHit != pc.postings) {
				t.Errorf("details: %d read, %d served; want one per posting, %d", st.Details, b.detailHit, pc.postings)
			}
			res := searchAll(t, ix)
			if res.Total != pc.postings {
				t.Errorf("records: %d, want %d", res.Total, pc.postings)
			}
			rec, err := ix.Get(context.Background(), index.RecordID("acme", pc.sample[0]))
			if err != nil {
				t.Fatalf("posting %s: %v", pc.sample[0], err)
			}
			if rec.Title != pc.sample[1] || len(rec.Locations) == 0 || rec.Locations[0] != pc.sample[2] || rec.Status != index.StatusOpen {
				t.Errorf("posting %s: %q %v %s; want %q [%s …] open", pc.sample[0], rec.Title, rec.Locations, rec.Status, pc.sample[1], pc.sample[2])
			}
			if rec.Company == "" || rec.URL == "" {
				t.Errorf("posting %s: company %q, url %q", pc.sample[0], rec.Company, rec.URL)
			}
			// the posting without the optional fields is there, with what it has
			bare, err := ix.Get(context.Background(), index.RecordID("acme", pc.bare))
			if err != nil || bare.Title == "" {
				t.Errorf("the posting without optional fields (%s): %+v, %v", pc.bare, bare.Posting, err)
			}
			if st.Coverage["job_number"] != 1 || st.Coverage["title"] != 1 {
				t.Errorf("coverage: %v", st.Coverage)
			}

			// a page that cannot be read: a clear error, nothing read from it, nothing closed
			bad := 0
			b.setMalformed(func(r *http.Request) bool {
				if bad > 0 {
					return false
				}
				// the last list page (the only one of a one-response board)
				last := false
				switch pc.platform {
				case "greenhouse", "ashby":
					last = true
				case "lever":
					last = r.URL.Query().Get("skip") == "6"
				case "smartrecruiters":
					last = r.URL.Query().Get("offset") == "6" && !strings.Contains(r.URL.Path, "/postings/")
				case "workday":
					last = r.Method == http.MethodPost && r.ContentLength > 0 && peekOffset(r) == 6
				case "eightfold":
					last = r.URL.Path == "/api/pcsx/search" && r.URL.Query().Get("start") == "20"
				case "eightfold-v2":
					last = r.URL.Path == "/api/apply/v2/jobs" && r.URL.Query().Get("start") == "3"
				}
				if last {
					bad++
				}
				return last
			})
			st, err = c.Run(context.Background(), site, nil)
			if err != nil {
				t.Fatal(err)
			}
			if bad != 1 {
				t.Errorf("malformed page served %d times, want 1", bad)
			}
			if st.Complete || st.Errors == 0 || st.ByKind["bad_response"] == 0 || st.Closed != 0 {
				t.Errorf("after a malformed page: complete %v, errors %d %v, closed %d; want incomplete, a bad_response error, none closed",
					st.Complete, st.Errors, st.ByKind, st.Closed)
			}
			if st.New != 0 || st.Updated != 0 {
				t.Errorf("new %d, updated %d: nothing should change", st.New, st.Updated)
			}
			if res := searchAll(t, ix); res.Total != pc.postings {
				t.Errorf("open records after the failed run: %d, want %d", res.Total, pc.postings)
			}
			b.setMalformed(nil)

			// an empty board: a complete run that finds nothing. Against
			// the index of a full one it would close every posting, which
			// the mass-close guard refuses.
			b.setEmpty(true)
			st, err = c.Run(context.Background(), site, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Complete || st.Postings != 0 || st.Closed != 0 || st.Suspect == "" {
				t.Errorf("empty board: complete %v, postings %d, closed %d, suspect %q", st.Complete, st.Postings, st.Closed, st.Suspect)
			}
			fresh := openIndex(t)
			st, err = (&crawler.Crawler{Index: fresh}).Run(context.Background(), site, nil)
			if err != nil || !st.Complete || st.Postings != 0 || st.Errors != 0 {
				t.Errorf("empty board into a new index: %+v, %v", st, err)
			}
		})
	}
}

// peekOffset reads a Workday list request's offset, leaving its body to read again.
func peekOffset(r *http.Request) int {
	var req struct{ Offset int }
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	if json.Unmarshal(b, &req) != nil {
		return -1
	}
	return req.Offset
}

func TestPlatformPoliteness(t *testing.T) {
	for _, par := range []int{1, 3} {
		t.Run(fmt.Sprintf("parallelism %d", par), func(t *testing.T) {
			b, srv := newFakeBoard(t, "smartrecruiters")
			b.delay = 20 * time.Millisecond
			site := platformSite(t, "smartrecruiters", "BoschGroup", srv.URL, 3)
			site.Limits.Parallelism = par
			st, err := (&crawler.Crawler{Index: openIndex(t)}).Run(context.Background(), site, nil)
			if err != nil || !st.Complete {
				t.Fatalf("%+v, %v", st, err)
			}
			// the board's API host gets the site's limit rule, as every host does
			if got := int(b.maxFlight.Load()); got > par || (par > 1 && got < 2) {
				t.Errorf("at most %d requests in flight at once, want %d", got, par)
			}
		})
	}
}

func TestPlatformListedFewerThanAnnounced(t *testing.T) {
	b, srv := newFakeBoard(t, "smartrecruiters")
	site := platformSite(t, "smartrecruiters", "BoschGroup", srv.URL, 3)
	ix := openIndex(t)
	c := &crawler.Crawler{Index: ix}
	if st, err := c.Run(context.Background(), site, nil); err != nil || !st.Complete {
		t.Fatalf("%+v, %v", st, err)
	}
	// A posting goes, but the board still counts it: the pages skip one,
	// so the run cannot tell a closed posting from one it missed.
	b.items = b.items[1:]
	b.inflate = 1
	st, err := c.Run(context.Background(), site, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Complete || !strings.Contains(st.Incomplete, "listed 6 of the 7 postings") || st.Closed != 0 {
		t.Errorf("complete %v (%q), closed %d: want an incomplete run that closes nothing", st.Complete, st.Incomplete, st.Closed)
	}
}
