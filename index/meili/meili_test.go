package meili_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/indextest"
	"github.com/jobcrawl/jobcrawl/index/meili"
	"github.com/jobcrawl/jobcrawl/index/meili/meilitest"
)

var ctx = context.Background()

// find returns the requests with method and path.
func find(reqs []meilitest.Request, method, path string) []meilitest.Request {
	var out []meilitest.Request
	for _, r := range reqs {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func decode(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("body %s: %v", b, err)
	}
	return m
}

// noSecret fails if err's message holds one of the secrets.
func noSecret(tb testing.TB, err error, secrets ...string) {
	tb.Helper()
	for _, s := range secrets {
		if err != nil && strings.Contains(err.Error(), s) {
			tb.Errorf("error reveals a key: %v", err)
		}
	}
}

func mustContain(tb testing.TB, err error, parts ...string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			tb.Errorf("error %q does not say %q", err, p)
		}
	}
}

func TestRequestsOfAFirstWrite(t *testing.T) {
	srv, ix := newFake(t, meilitest.Options{Key: testKey}, meili.Config{APIKey: testKey})
	recs := indextest.Fixture()[:2]
	if err := ix.Upsert(ctx, recs); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	for _, r := range reqs {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
			t.Errorf("%s %s: Authorization %q, want Bearer and the key", r.Method, r.Path, got)
		}
		if len(r.Body) > 0 && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: Content-Type %q", r.Method, r.Path, r.Header.Get("Content-Type"))
		}
	}
	// the order of what matters: look, create, wait, settings, wait, documents, wait
	var calls []string
	for _, r := range reqs {
		if !strings.HasPrefix(r.Path, "/tasks/") {
			calls = append(calls, r.Method+" "+r.Path)
		}
	}
	want := []string{"GET /indexes/jobs", "POST /indexes", "GET /indexes/jobs/settings", "PATCH /indexes/jobs/settings",
		"POST /indexes/jobs/documents"}
	if !slices.Equal(calls, want) {
		t.Errorf("calls: got %q, want %q", calls, want)
	}
	for _, uid := range []string{"0", "1", "2"} {
		if len(find(reqs, http.MethodGet, "/tasks/"+uid)) < 2 {
			t.Errorf("task %s was not polled until it finished", uid)
		}
	}

	create := decode(t, find(reqs, http.MethodPost, "/indexes")[0].Body)
	if create["uid"] != "jobs" || create["primaryKey"] != "id" {
		t.Errorf("create index body: %v", create)
	}

	patch := decode(t, find(reqs, http.MethodPatch, "/indexes/jobs/settings")[0].Body)
	strs := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		return out
	}
	if got, want := strs(patch["searchableAttributes"]), append(append(slices.Clone(index.SearchableFields), index.ListFields...), "job_number"); !slices.Equal(got, want) {
		t.Errorf("searchableAttributes: got %q, want %q", got, want)
	}
	if got, want := strs(patch["filterableAttributes"]), append(slices.Clone(index.FacetFields), "date_posted_ts", "first_seen_ts", "last_seen_ts", "written_ms"); !slices.Equal(got, want) {
		t.Errorf("filterableAttributes: got %q, want %q", got, want)
	}
	if got, want := strs(patch["sortableAttributes"]), []string{"date_posted_ts", "first_seen_ts", "last_seen_ts", "title", "salary_min", "salary_max"}; !slices.Equal(got, want) {
		t.Errorf("sortableAttributes: got %q, want %q", got, want)
	}
	if got := strs(patch["rankingRules"]); got[0] != "sort" || got[len(got)-1] != "date_posted_ts:desc" {
		t.Errorf("rankingRules: got %q", got)
	}
	if got := fmt.Sprint(patch["faceting"], patch["pagination"]); got != "map[maxValuesPerFacet:100 sortFacetValuesBy:map[*:count]] map[maxTotalHits:10000]" {
		t.Errorf("faceting, pagination: got %s", got)
	}

	add := find(reqs, http.MethodPost, "/indexes/jobs/documents")[0]
	if add.Query.Get("primaryKey") != "id" {
		t.Errorf("add documents query: %v", add.Query)
	}
	var docs []map[string]any
	if err := json.Unmarshal(add.Body, &docs); err != nil || len(docs) != 2 {
		t.Fatalf("add documents body: %v %s", err, add.Body)
	}
	if docs[0]["id"] != recs[0].ID || docs[0]["site"] != "contoso" || docs[0]["date_posted_ts"] != float64(1790812800) ||
		docs[0]["first_seen_ts"] != float64(recs[0].FirstSeen.Unix()) {
		t.Errorf("document sent: %v", docs[0])
	}
	if got := srv.Documents("jobs"); len(got) != 2 {
		t.Errorf("stored %d documents, want 2", len(got))
	}
}

func TestSettingsKeptInSync(t *testing.T) {
	srv, ix := newFake(t, meilitest.Options{}, meili.Config{})
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	reopen := func(cfg meili.Config) *meili.Index {
		cfg.URL, cfg.Index, cfg.PollInterval = srv.URL, "jobs", time.Millisecond
		ix, err := meili.Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}

	t.Run("in sync: nothing sent", func(t *testing.T) {
		srv.ResetRequests()
		if err := reopen(meili.Config{}).Upsert(ctx, indextest.Fixture()[:1]); err != nil {
			t.Fatal(err)
		}
		if n := len(find(srv.Requests(), http.MethodPatch, "/indexes/jobs/settings")) + len(find(srv.Requests(), http.MethodPost, "/indexes")); n != 0 {
			t.Errorf("%d settings or index requests, want none", n)
		}
	})
	t.Run("changed config: settings updated", func(t *testing.T) {
		srv.ResetRequests()
		if err := reopen(meili.Config{MaxValuesPerFacet: 7, MaxTotalHits: 500}).Upsert(ctx, indextest.Fixture()[:1]); err != nil {
			t.Fatal(err)
		}
		if n := len(find(srv.Requests(), http.MethodPatch, "/indexes/jobs/settings")); n != 1 {
			t.Errorf("%d settings updates, want 1", n)
		}
		if got := fmt.Sprint(srv.Settings("jobs")["faceting"], srv.Settings("jobs")["pagination"]); got != "map[maxValuesPerFacet:7 sortFacetValuesBy:map[*:count]] map[maxTotalHits:500]" {
			t.Errorf("server settings: %s", got)
		}
	})
	t.Run("concurrent writers set up once", func(t *testing.T) {
		srv2, ix := newFake(t, meilitest.Options{}, meili.Config{})
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				if err := ix.Upsert(ctx, indextest.Fixture()[i:i+1]); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := len(find(srv2.Requests(), http.MethodPost, "/indexes")); n != 1 {
			t.Errorf("index created %d times, want once", n)
		}
		if n := len(srv2.Documents("jobs")); n != 4 {
			t.Errorf("%d documents, want 4", n)
		}
	})
}

func TestExistingIndexPrimaryKey(t *testing.T) {
	t.Run("none yet: set to id", func(t *testing.T) {
		srv, ix := newFake(t, meilitest.Options{}, meili.Config{})
		srv.CreateIndex("jobs", "")
		if err := ix.Upsert(ctx, indextest.Fixture()[:1]); err != nil {
			t.Fatal(err)
		}
		up := find(srv.Requests(), http.MethodPatch, "/indexes/jobs")
		if len(up) != 1 || decode(t, up[0].Body)["primaryKey"] != "id" {
			t.Errorf("primary key update: %v", up)
		}
	})
	t.Run("another one: refused", func(t *testing.T) {
		srv, ix := newFake(t, meilitest.Options{}, meili.Config{})
		srv.CreateIndex("jobs", "uuid")
		err := ix.Upsert(ctx, indextest.Fixture()[:1])
		mustContain(t, err, `primary key "uuid"`, "another index name")
	})
}

func TestSearchRequest(t *testing.T) {
	srv, ix := newFake(t, meilitest.Options{}, meili.Config{})
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	q := index.Query{Text: "engineer", Filters: []index.Filter{{Field: "site", Values: []string{"contoso", "fabrikam"}},
		{Field: "remote", Values: []string{"false"}}}, Facets: []string{"countries"},
		Sort: []index.Sort{{Field: "date_posted", Desc: true}, {Field: "title"}}, Limit: 3, Offset: 1}
	res, err := ix.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	reqs := find(srv.Requests(), http.MethodPost, "/indexes/jobs/search")
	if len(reqs) != 1 {
		t.Fatalf("%d search requests", len(reqs))
	}
	body := decode(t, reqs[0].Body)
	want := map[string]any{
		"q":                "engineer",
		"filter":           `(site = "contoso" OR site = "fabrikam") AND (remote = "false")`,
		"facets":           []any{"countries"},
		"sort":             []any{"date_posted_ts:desc", "title:asc"},
		"matchingStrategy": "all",
		"hitsPerPage":      float64(4), // offset 1, limit 3: the first page of 4 holds them
		"page":             float64(1),
	}
	for k, v := range want {
		if fmt.Sprint(body[k]) != fmt.Sprint(v) {
			t.Errorf("%s: got %v, want %v", k, body[k], v)
		}
	}
	// offset/limit would make Meilisearch estimate the total
	for _, k := range []string{"offset", "limit"} {
		if _, ok := body[k]; ok {
			t.Errorf("search sent %s: totals would be estimates", k)
		}
	}
	// engineers, newest first: A-7 (10-12), 1004 (10-10), 1001 (10-01), 1005 (08-15)
	var got []string
	for _, h := range res.Hits {
		got = append(got, h.JobNumber)
	}
	if !slices.Equal(got, []string{"1004", "1001", "1005"}) || res.Total != 4 {
		t.Errorf("hits %v, total %d; want [1004 1001 1005] of 4", got, res.Total)
	}
	if res.Facets["countries"]["United States"] != 2 || res.Facets["countries"]["France"] != 1 {
		t.Errorf("facets: %v", res.Facets)
	}
}

// TestDisjunctiveFacetsMultiSearch: a facet that is also filtered on is
// counted by a query of its own without its filter, in the same
// multi-search request as the main query; a query whose facets are not
// filtered on stays a plain search. The query text goes as its words.
func TestDisjunctiveFacetsMultiSearch(t *testing.T) {
	srv, ix := newFake(t, meilitest.Options{}, meili.Config{})
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	q := index.Query{Text: `"sales" -engineer`, Filters: []index.Filter{{Field: "site", Values: []string{"contoso"}},
		{Field: "job_family", Values: []string{"Sales"}}}, Facets: []string{"job_family", "countries", "site"}}
	res, err := ix.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(find(srv.Requests(), http.MethodPost, "/indexes/jobs/search")); n != 0 {
		t.Errorf("%d plain searches beside the multi-search", n)
	}
	reqs := find(srv.Requests(), http.MethodPost, "/multi-search")
	if len(reqs) != 1 {
		t.Fatalf("%d multi-search requests, want 1", len(reqs))
	}
	var body struct {
		Queries []map[string]any `json:"queries"`
	}
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	want := []struct{ filter, facets, hitsPerPage string }{
		{`(site = "contoso") AND (job_family = "Sales")`, "[countries]", "20"},
		{`(site = "contoso")`, "[job_family]", "0"},
		{`(job_family = "Sales")`, "[site]", "0"},
	}
	if len(body.Queries) != len(want) {
		t.Fatalf("%d queries, want %d: %v", len(body.Queries), len(want), body.Queries)
	}
	for i, w := range want {
		got := body.Queries[i]
		if got["indexUid"] != "jobs" || got["q"] != "sales engineer" || fmt.Sprint(got["filter"]) != w.filter ||
			fmt.Sprint(got["facets"]) != w.facets || fmt.Sprint(got["hitsPerPage"]) != w.hitsPerPage {
			t.Errorf("query %d: %v; want filter %s, facets %s, hitsPerPage %s", i, got, w.filter, w.facets, w.hitsPerPage)
		}
	}
	// contoso's sales engineer (1004); job_family counted over contoso's
	// "sales engineer" matches, site over all sales engineers
	if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].JobNumber != "1004" {
		t.Errorf("hits %v of %d", res.Hits, res.Total)
	}
	if fmt.Sprint(res.Facets["job_family"]) != "map[Sales:1]" || fmt.Sprint(res.Facets["site"]) != "map[contoso:1]" ||
		fmt.Sprint(res.Facets["countries"]) != "map[United States:1]" {
		t.Errorf("facets %v", res.Facets)
	}

	srv.ResetRequests()
	if _, err := ix.Search(ctx, index.Query{Filters: []index.Filter{{Field: "site", Values: []string{"contoso"}}},
		Facets: []string{"countries"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(find(srv.Requests(), http.MethodPost, "/multi-search")); n != 0 {
		t.Errorf("%d multi-searches when no facet is filtered on", n)
	}
}

func TestPagesMatchOneList(t *testing.T) {
	_, ix := newFake(t, meilitest.Options{}, meili.Config{})
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	sortBy := []index.Sort{{Field: "date_posted", Desc: true}}
	all, err := ix.Search(ctx, index.Query{Sort: sortBy, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for offset := 0; offset <= 9; offset++ {
		for limit := 1; limit <= 9; limit++ {
			res, err := ix.Search(ctx, index.Query{Sort: sortBy, Limit: limit, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			want := all.Hits[min(offset, len(all.Hits)):min(offset+limit, len(all.Hits))]
			if len(res.Hits) != len(want) || res.Total != len(all.Hits) {
				t.Fatalf("offset %d limit %d: %d hits of %d, want %d of %d", offset, limit, len(res.Hits), res.Total, len(want), len(all.Hits))
			}
			for i := range want {
				if res.Hits[i].ID != want[i].ID {
					t.Errorf("offset %d limit %d: hit %d is %s, want %s", offset, limit, i, res.Hits[i].ID, want[i].ID)
				}
			}
		}
	}
}

func TestTotalBeyondMaxTotalHits(t *testing.T) {
	srv, ix := newFake(t, meilitest.Options{}, meili.Config{MaxTotalHits: 5})
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, index.Query{Limit: 2, Offset: 6})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 5 || len(res.Hits) != 0 {
		t.Errorf("beyond maxTotalHits: total %d, %d hits; want 5, none", res.Total, len(res.Hits))
	}
	reqs := find(srv.Requests(), http.MethodPost, "/indexes/jobs/search")
	if body := decode(t, reqs[len(reqs)-1].Body); body["hitsPerPage"] != float64(0) {
		t.Errorf("beyond maxTotalHits: hitsPerPage %v, want 0", body["hitsPerPage"])
	}
}

func TestFacetSize(t *testing.T) {
	_, ix := newFake(t, meilitest.Options{}, meili.Config{})
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, index.Query{Facets: []string{"countries"}, FacetSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	// United States 4, then France and Germany 2 each: the tie goes by name
	if got := fmt.Sprint(res.Facets["countries"]); got != "map[France:2 United States:4]" {
		t.Errorf("top 2 countries: got %s", got)
	}
}

func TestEachPages(t *testing.T) {
	srv, ix := newFake(t, meilitest.Options{}, meili.Config{BatchSize: 2})
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	var got []string
	if err := ix.Each(ctx, "contoso", func(r index.Record) error { got = append(got, r.JobNumber); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Errorf("each contoso: got %v, want 5 records", got)
	}
	var offsets []string
	for _, r := range find(srv.Requests(), http.MethodPost, "/indexes/jobs/documents/fetch") {
		body := decode(t, r.Body)
		if body["filter"] != `(site = "contoso")` || body["limit"] != float64(2) {
			t.Errorf("fetch body: %v", body)
		}
		offsets = append(offsets, fmt.Sprint(body["offset"]))
	}
	if !slices.Equal(offsets, []string{"<nil>", "2", "4"}) {
		t.Errorf("fetch offsets: got %v, want first page then 2, 4", offsets)
	}
}

func TestDeleteAndStatsRequests(t *testing.T) {
	srv, ix := newFake(t, meilitest.Options{}, meili.Config{})
	recs := indextest.Fixture()
	if err := ix.Upsert(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, []string{recs[0].ID, recs[1].ID}); err != nil {
		t.Fatal(err)
	}
	del := find(srv.Requests(), http.MethodPost, "/indexes/jobs/documents/delete-batch")
	if len(del) != 1 || string(del[0].Body) != fmt.Sprintf(`[%q,%q]`, recs[0].ID, recs[1].ID) {
		t.Errorf("delete request: %v", del)
	}
	st, err := ix.Stats(ctx)
	if err != nil || st.Documents != int64(len(recs)-2) || st.SizeBytes <= 0 {
		t.Errorf("stats: %+v, %v", st, err)
	}
	if len(find(srv.Requests(), http.MethodGet, "/indexes/jobs/stats")) != 1 {
		t.Error("stats did not read /indexes/jobs/stats")
	}
	if r, err := ix.Get(ctx, recs[2].ID); err != nil || r.Title != recs[2].Title {
		t.Errorf("get %s: %+v, %v", recs[2].ID, r, err)
	}
	if len(find(srv.Requests(), http.MethodGet, "/indexes/jobs/documents/"+recs[2].ID)) != 1 {
		t.Errorf("get did not read /indexes/jobs/documents/%s", recs[2].ID)
	}
	if _, err := ix.Get(ctx, recs[0].ID); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("get a deleted id: got %v, want ErrNotFound", err)
	}
	if _, err := ix.Get(ctx, "bad/../id"); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("get an impossible id: got %v, want ErrNotFound", err)
	}
	if n := len(find(srv.Requests(), http.MethodGet, "/indexes/jobs/documents/bad/../id")); n != 0 {
		t.Error("an impossible id reached the server")
	}
	if err := ix.Close(); err != nil {
		t.Error(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestRecordIDsAreValidMeilisearchIDs(t *testing.T) {
	srv, ix := newFake(t, meilitest.Options{}, meili.Config{})
	nums := []string{"322695", "R.12", "R/12", "A B", `quote"d`, "tab\tx", "../../etc", "Île-12", "東京-7", "x?y=1#z",
		strings.Repeat("9", 600), strings.Repeat("é", 300), ""}
	var recs []index.Record
	for _, n := range nums {
		id := index.RecordID("acme-co", n)
		if !meilitest.ValidDocumentID(id) {
			t.Errorf("RecordID(acme-co, %q) = %q: not a valid Meilisearch id", n, id)
		}
		recs = append(recs, index.Record{ID: id, Site: "acme-co", Posting: indextest.Fixture()[0].Posting})
	}
	if err := ix.Upsert(ctx, recs); err != nil {
		t.Fatalf("the server refused a record id: %v", err)
	}
	for _, r := range recs {
		if _, err := ix.Get(ctx, r.ID); err != nil {
			t.Errorf("get %s: %v", r.ID, err)
		}
	}
	if n := len(srv.Documents("jobs")); n != len(nums) {
		t.Errorf("%d documents for %d job numbers: ids collided", n, len(nums))
	}
}

// FuzzRecordID checks that every job number gives a valid, stable
// Meilisearch id, different for different job numbers.
func FuzzRecordID(f *testing.F) {
	for _, s := range []string{"322695", "R.12", "R/12", "", "x y", strings.Repeat("z", 600)} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ida, idb := index.RecordID("contoso", a), index.RecordID("contoso", b)
		if !meilitest.ValidDocumentID(ida) {
			t.Fatalf("RecordID(%q) = %q is not a valid Meilisearch id", a, ida)
		}
		if ida != index.RecordID("contoso", a) {
			t.Fatalf("RecordID(%q) is not stable", a)
		}
		if a != b && ida == idb {
			t.Fatalf("RecordID(%q) = RecordID(%q) = %q", a, b, ida)
		}
	})
}

func TestOpenRefusesBadConfig(t *testing.T) {
	for _, cfg := range []meili.Config{
		{URL: "", Index: "jobs"},
		{URL: "127.0.0.1:7700", Index: "jobs"},
		{URL: "ftp://x/", Index: "jobs"},
		{URL: "http://127.0.0.1:7700", Index: ""},
		{URL: "http://127.0.0.1:7700", Index: "jobs/x"},
		{URL: "http://127.0.0.1:7700", Index: "jobs", BatchSize: -1},
	} {
		if _, err := meili.Open(cfg); err == nil {
			t.Errorf("Open(%+v): got no error", cfg)
		}
	}
	_, err := meili.Open(meili.Config{URL: "ftp://user:s3cret-pw@x/", Index: "jobs"})
	noSecret(t, err, "s3cret-pw")
}

// --- the errors a user meets ---

func TestMissingKey401(t *testing.T) {
	_, ix := newFake(t, meilitest.Options{Key: testKey}, meili.Config{KeySource: "$MEILI_MASTER_KEY"})
	err := ix.Upsert(ctx, indextest.Fixture())
	if !errors.Is(err, meili.ErrUnauthorized) {
		t.Fatalf("got %v, want ErrUnauthorized", err)
	}
	mustContain(t, err, "HTTP 401", "missing_authorization_header", "$MEILI_MASTER_KEY")
	_, err = ix.Search(ctx, index.Query{})
	if !errors.Is(err, meili.ErrUnauthorized) {
		t.Errorf("search: got %v, want ErrUnauthorized", err)
	}
}

func TestWrongKey403(t *testing.T) {
	const wrong = "wrong-key-77aa1b"
	srv, ix := newFake(t, meilitest.Options{Key: testKey}, meili.Config{APIKey: wrong, KeySource: "$MEILI_MASTER_KEY"})
	for name, op := range map[string]func() error{
		"upsert": func() error { return ix.Upsert(ctx, indextest.Fixture()) },
		"search": func() error { _, err := ix.Search(ctx, index.Query{Text: wrong}); return err },
		"get":    func() error { _, err := ix.Get(ctx, "contoso_1"); return err },
		"stats":  func() error { _, err := ix.Stats(ctx); return err },
	} {
		err := op()
		if !errors.Is(err, meili.ErrUnauthorized) {
			t.Errorf("%s: got %v, want ErrUnauthorized", name, err)
			continue
		}
		mustContain(t, err, "HTTP 403", "invalid_api_key", "$MEILI_MASTER_KEY")
		noSecret(t, err, wrong, testKey)
	}
	if got := srv.Requests()[0].Header.Get("Authorization"); got != "Bearer "+wrong {
		t.Errorf("Authorization: got %q", got)
	}
}

func TestSearchOnlyKey(t *testing.T) {
	srv, writer := newFake(t, meilitest.Options{Key: testKey, SearchKey: "search-key-1"}, meili.Config{APIKey: testKey})
	if err := writer.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	reader, err := meili.Open(meili.Config{URL: srv.URL, Index: "jobs", APIKey: "search-key-1"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := reader.Search(ctx, index.Query{Text: "engineer", Facets: []string{"site"}})
	if err != nil || res.Total != 4 {
		t.Errorf("search with a search-only key: %d hits, %v", res.Total, err)
	}
	if err := reader.Upsert(ctx, indextest.Fixture()[:1]); !errors.Is(err, meili.ErrUnauthorized) {
		t.Errorf("write with a search-only key: got %v, want ErrUnauthorized", err)
	}
}

func TestIndexMissing404(t *testing.T) {
	_, ix := newFake(t, meilitest.Options{}, meili.Config{Index: "jobs_eu"})
	_, err := ix.Search(ctx, index.Query{Text: "engineer"})
	if !errors.Is(err, meili.ErrIndexMissing) {
		t.Fatalf("search: got %v, want ErrIndexMissing", err)
	}
	mustContain(t, err, `"jobs_eu"`, "jobcrawl crawl")
	if _, err := ix.Stats(ctx); !errors.Is(err, meili.ErrIndexMissing) {
		t.Errorf("stats: got %v, want ErrIndexMissing", err)
	}
	_, err = ix.Get(ctx, "contoso_1")
	if !errors.Is(err, index.ErrNotFound) || !errors.Is(err, meili.ErrIndexMissing) {
		t.Errorf("get: got %v, want ErrNotFound and ErrIndexMissing", err)
	}
	// a write creates it
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(ctx, index.Query{}); err != nil {
		t.Errorf("search after the first write: %v", err)
	}
}

func TestPayloadTooLarge413SplitsTheBatch(t *testing.T) {
	recs := indextest.Fixture()
	one, _ := json.Marshal(recs[0])
	// room for about three records a request
	srv, ix := newFake(t, meilitest.Options{MaxPayload: int64(3*len(one) + 100)}, meili.Config{BatchSize: 100})
	if err := ix.Upsert(ctx, recs); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range find(srv.Requests(), http.MethodPost, "/indexes/jobs/documents") {
		var docs []json.RawMessage
		json.Unmarshal(r.Body, &docs)
		sizes = append(sizes, len(docs))
	}
	// 8 refused, then halves: 4 refused, 2, 2, then 4 refused, 2, 2
	if want := []int{8, 4, 2, 2, 4, 2, 2}; !slices.Equal(sizes, want) {
		t.Errorf("batches sent: got %v, want %v", sizes, want)
	}
	if n := len(srv.Documents("jobs")); n != len(recs) {
		t.Errorf("%d documents stored, want %d", n, len(recs))
	}

	t.Run("one record too large", func(t *testing.T) {
		big := recs[0]
		big.ID = index.RecordID("contoso", "huge")
		big.Description = strings.Repeat("x", 4*len(one))
		err := ix.Upsert(ctx, []index.Record{recs[1], big})
		if !errors.Is(err, meili.ErrPayloadTooLarge) {
			t.Fatalf("got %v, want ErrPayloadTooLarge", err)
		}
		mustContain(t, err, big.ID, "HTTP 413", "payload_too_large")
	})
}

func TestOverloaded503(t *testing.T) {
	const backoff = 20 * time.Millisecond
	srv, ix := newFake(t, meilitest.Options{}, meili.Config{MaxRetries: 3, RetryBackoff: backoff})
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}

	t.Run("retried with back-off", func(t *testing.T) {
		srv.ResetRequests()
		srv.Overload(2)
		res, err := ix.Search(ctx, index.Query{Text: "engineer"})
		if err != nil || res.Total != 4 {
			t.Fatalf("search after two 503s: %d hits, %v", res.Total, err)
		}
		reqs := find(srv.Requests(), http.MethodPost, "/indexes/jobs/search")
		if len(reqs) != 3 {
			t.Fatalf("%d search requests, want 3", len(reqs))
		}
		if gap := reqs[1].At.Sub(reqs[0].At); gap < backoff {
			t.Errorf("first retry after %s, want at least %s", gap, backoff)
		}
		if gap := reqs[2].At.Sub(reqs[1].At); gap < 2*backoff {
			t.Errorf("second retry after %s, want at least %s (doubled)", gap, 2*backoff)
		}
	})
	t.Run("writes and task waits too", func(t *testing.T) {
		srv.Overload(1)
		if err := ix.Upsert(ctx, indextest.Fixture()[:1]); err != nil {
			t.Fatalf("upsert after a 503: %v", err)
		}
	})
	t.Run("gives up", func(t *testing.T) {
		srv.ResetRequests()
		srv.Overload(100)
		_, err := ix.Search(ctx, index.Query{})
		if !errors.Is(err, meili.ErrOverloaded) {
			t.Fatalf("got %v, want ErrOverloaded", err)
		}
		mustContain(t, err, "HTTP 503", "gave up after 4 attempts")
		if n := len(srv.Requests()); n != 4 {
			t.Errorf("%d requests, want 4 (1 + 3 retries)", n)
		}
		srv.Overload(0)
	})
	t.Run("no retries configured", func(t *testing.T) {
		srv2, ix := newFake(t, meilitest.Options{}, meili.Config{})
		srv2.Overload(1)
		if _, err := ix.Search(ctx, index.Query{}); !errors.Is(err, meili.ErrOverloaded) || len(srv2.Requests()) != 1 {
			t.Errorf("got %v after %d requests, want ErrOverloaded after 1", err, len(srv2.Requests()))
		}
	})
}

func TestFailedTask(t *testing.T) {
	_, ix := newFake(t, meilitest.Options{}, meili.Config{})
	bad := indextest.Fixture()[0]
	bad.ID = "not a valid id!"
	err := ix.Upsert(ctx, []index.Record{indextest.Fixture()[1], bad})
	var te *meili.TaskError
	if !errors.As(err, &te) || !errors.Is(err, meili.ErrTaskFailed) {
		t.Fatalf("got %v, want a *TaskError", err)
	}
	if te.Type != "documentAdditionOrUpdate" || te.Code != "invalid_document_id" || te.UID != 2 || te.Status != "failed" {
		t.Errorf("task error: %+v", te)
	}
	mustContain(t, err, "task 2 (documentAdditionOrUpdate) failed", "invalid_document_id")
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ix, err := meili.Open(meili.Config{URL: "http://" + addr, Index: "jobs", APIKey: testKey, MaxRetries: 3, RetryBackoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = ix.Search(ctx, index.Query{})
	if !errors.Is(err, meili.ErrUnreachable) {
		t.Fatalf("got %v, want ErrUnreachable", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %s: a refused connection must not be retried", time.Since(start))
	}
	mustContain(t, err, addr, "refused")
	noSecret(t, err, testKey)
	if err := ix.Upsert(ctx, indextest.Fixture()); !errors.Is(err, meili.ErrUnreachable) {
		t.Errorf("upsert: got %v, want ErrUnreachable", err)
	}
}

func TestRequestTimeout(t *testing.T) {
	done := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer hang.Close()
	defer close(done)
	ix, err := meili.Open(meili.Config{URL: hang.URL, Index: "jobs", Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ix.Search(ctx, index.Query{})
	if !errors.Is(err, meili.ErrUnreachable) {
		t.Fatalf("got %v, want ErrUnreachable", err)
	}
	mustContain(t, err, "did not answer within 100ms")
}

func TestContextDeadlineWhileWaitingForATask(t *testing.T) {
	srv, ix := newFake(t, meilitest.Options{}, meili.Config{})
	if err := ix.Upsert(ctx, indextest.Fixture()[:1]); err != nil {
		t.Fatal(err)
	}
	srv.Stall(true)
	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := ix.Upsert(dctx, indextest.Fixture()[1:])
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %s", d)
	}
	mustContain(t, err, "wait for task 3 (documentAdditionOrUpdate)", "may still finish")
	if n := len(find(srv.Requests(), http.MethodGet, "/tasks/3")); n < 2 {
		t.Errorf("task polled %d times", n)
	}

	t.Run("canceled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		if err := ix.Delete(cctx, []string{"contoso_1001"}); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
	t.Run("task timeout", func(t *testing.T) {
		srv2, ix := newFake(t, meilitest.Options{}, meili.Config{TaskTimeout: 50 * time.Millisecond})
		srv2.Stall(true)
		err := ix.Upsert(ctx, indextest.Fixture()) // waits for the index creation
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
		mustContain(t, err, "task 0 (indexCreation)", "not finished after 50ms")
	})
}
