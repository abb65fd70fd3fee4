// Package indextest is the conformance suite every index backend passes:
// the behaviours the crawler, the CLI and the HTTP API rely on, written once
// and run against each backend.
package indextest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// Opener returns a new, empty index for one test. The suite closes it.
type Opener func(tb testing.TB) index.Index

// Fixture returns the records the suite indexes: eight postings of two
// sites with overlapping facet values, one value holding quotes, OR, AND,
// brackets and a backslash.
func Fixture() []index.Record {
	day := func(s string) string { return s }
	seen := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	mk := func(site, num, title, family, team string, locs []string, countries []string, posted, emp, wp string) index.Record {
		return index.Record{
			ID: index.RecordID(site, num), Site: site, Status: index.StatusOpen, FirstSeen: seen, LastSeen: seen,
			ContentHash: "h-" + num,
			Posting: extract.Posting{JobNumber: num, Title: title, Company: map[string]string{"contoso": "Contoso", "fabrikam": "Fabrikam"}[site],
				URL: "https://careers.example/" + site + "/" + num, Locations: locs, Countries: countries, JobFamily: family,
				Team: team, DatePosted: day(posted), EmploymentType: emp, WorkplaceType: wp,
				Description: "We build " + title + " things. " + team + " team."},
		}
	}
	return []index.Record{
		mk("contoso", "1001", "Senior Software Engineer", "Software Engineering", "Cloud", []string{"Houston, TX, United States"}, []string{"United States"}, "2026-10-01", "full_time", "onsite"),
		mk("contoso", "1002", "Data Scientist", "Data Science", "Applied AI", []string{"Berlin, Germany", "Houston, TX, United States"}, []string{"Germany", "United States"}, "2026-10-05", "full_time", "hybrid"),
		mk("contoso", "1003", "Account Executive", "Sales", "Enterprise Sales", []string{"London, England, United Kingdom"}, []string{"United Kingdom"}, "2026-09-20", "full_time", "onsite"),
		mk("contoso", "1004", "Sales Engineer", "Sales", "Partner Sales", []string{"Remote, United States"}, []string{"United States"}, "2026-10-10", "contract", "remote"),
		mk("contoso", "1005", "Software Engineer Intern", "Software Engineering", "Developer Tools", []string{"Berlin, Germany"}, []string{"Germany"}, "2026-08-15", "internship", "onsite"),
		mk("fabrikam", "A-7", "Backend Engineer", "Software Engineering", `R&D "Core" OR (Labs) AND [x] \ TO`, []string{"Paris, Île-de-France, France"}, []string{"France"}, "2026-10-12", "full_time", "hybrid"),
		mk("fabrikam", "A-8", "Product Designer", "Design", "Product Design", []string{"Paris, Île-de-France, France"}, []string{"France"}, "2026-07-01", "part_time", "onsite"),
		mk("fabrikam", "A-9", "Sales Manager", "Sales", "Enterprise Sales", []string{"Houston, TX, United States"}, []string{"United States"}, "2026-10-20", "full_time", "onsite"),
	}
}

// Run runs the whole suite against the backend open returns.
func Run(t *testing.T, open Opener) {
	ctx := context.Background()
	load := func(t *testing.T) index.Index {
		t.Helper()
		ix := open(t)
		t.Cleanup(func() { ix.Close() })
		if err := ix.Upsert(ctx, Fixture()); err != nil {
			t.Fatalf("upsert fixture: %v", err)
		}
		return ix
	}
	search := func(t *testing.T, ix index.Index, q index.Query) index.Result {
		t.Helper()
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		return res
	}

	t.Run("upsert and get", func(t *testing.T) {
		ix := load(t)
		want := Fixture()[1]
		got, err := ix.Get(ctx, want.ID)
		if err != nil {
			t.Fatalf("get %s: %v", want.ID, err)
		}
		if got.JobNumber != want.JobNumber || got.Title != want.Title || !slices.Equal(got.Locations, want.Locations) ||
			!got.FirstSeen.Equal(want.FirstSeen) || got.Status != index.StatusOpen || got.DatePosted != want.DatePosted {
			t.Errorf("got %+v, want %+v", got, want)
		}
		if _, err := ix.Get(ctx, "nope_0"); !errors.Is(err, index.ErrNotFound) {
			t.Errorf("get unknown id: got %v, want ErrNotFound", err)
		}
		st, err := ix.Stats(ctx)
		if err != nil || st.Documents != int64(len(Fixture())) {
			t.Errorf("stats: got %+v, %v; want %d documents", st, err, len(Fixture()))
		}
	})

	t.Run("update replaces the record", func(t *testing.T) {
		ix := load(t)
		r := Fixture()[0]
		r.Title, r.ContentHash, r.Team = "Principal Software Engineer", "h-changed", "Identity"
		if err := ix.Upsert(ctx, []index.Record{r}); err != nil {
			t.Fatal(err)
		}
		got, err := ix.Get(ctx, r.ID)
		if err != nil || got.Title != r.Title || got.ContentHash != "h-changed" {
			t.Fatalf("got %+v, %v; want the new title", got, err)
		}
		res := search(t, ix, index.Query{Facets: []string{"team"}})
		if res.Total != len(Fixture()) {
			t.Errorf("total after update: got %d, want %d (an update must not add a record)", res.Total, len(Fixture()))
		}
		if res.Facets["team"]["Cloud"] != 0 || res.Facets["team"]["Identity"] != 1 {
			t.Errorf("team facet after update: got %v", res.Facets["team"])
		}
		if got := ids(search(t, ix, index.Query{Text: "principal"})); !slices.Equal(got, []string{r.ID}) {
			t.Errorf("text search for the new title: got %v", got)
		}
	})

	t.Run("facet counts", func(t *testing.T) {
		ix := load(t)
		res := search(t, ix, index.Query{Facets: []string{"job_family", "countries", "locations", "site", "employment_type"}})
		want := map[string]map[string]int{
			"job_family":      {"Software Engineering": 3, "Data Science": 1, "Sales": 3, "Design": 1},
			"countries":       {"United States": 4, "Germany": 2, "United Kingdom": 1, "France": 2},
			"site":            {"contoso": 5, "fabrikam": 3},
			"employment_type": {"full_time": 5, "contract": 1, "internship": 1, "part_time": 1},
		}
		for f, w := range want {
			if fmt.Sprint(res.Facets[f]) != fmt.Sprint(w) {
				t.Errorf("facet %s: got %v, want %v", f, res.Facets[f], w)
			}
		}
		if n := res.Facets["locations"]["Houston, TX, United States"]; n != 3 {
			t.Errorf("locations facet Houston: got %d, want 3", n)
		}
	})

	t.Run("OR within a field, AND across fields", func(t *testing.T) {
		ix := load(t)
		res := search(t, ix, index.Query{Filters: []index.Filter{
			{Field: "job_family", Values: []string{"Sales", "Data Science"}},
			{Field: "countries", Values: []string{"United States"}},
		}, Facets: []string{"job_family"}})
		want := []string{index.RecordID("contoso", "1002"), index.RecordID("contoso", "1004"), index.RecordID("fabrikam", "A-9")}
		if got := sortedIDs(res); !slices.Equal(got, sorted(want)) {
			t.Errorf("got %v, want %v", got, sorted(want))
		}
		if res.Total != 3 || res.Facets["job_family"]["Sales"] != 2 || res.Facets["job_family"]["Data Science"] != 1 {
			t.Errorf("total %d, facets %v", res.Total, res.Facets)
		}
	})

	t.Run("text and filter", func(t *testing.T) {
		ix := load(t)
		res := search(t, ix, index.Query{Text: "engineer", Filters: []index.Filter{{Field: "site", Values: []string{"contoso"}}}})
		want := sorted([]string{index.RecordID("contoso", "1001"), index.RecordID("contoso", "1004"), index.RecordID("contoso", "1005")})
		if got := sortedIDs(res); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if res := search(t, ix, index.Query{Text: "software engineer"}); res.Total != 3 {
			t.Errorf("two words must both match: got %d hits %v", res.Total, ids(res))
		}
		if res := search(t, ix, index.Query{Text: "zzzzunknown"}); res.Total != 0 || len(res.Hits) != 0 {
			t.Errorf("no match: got %d", res.Total)
		}
	})

	t.Run("sort by date", func(t *testing.T) {
		ix := load(t)
		res := search(t, ix, index.Query{Sort: []index.Sort{{Field: "date_posted", Desc: true}}, Limit: 3})
		var dates []string
		for _, h := range res.Hits {
			dates = append(dates, h.DatePosted)
		}
		if want := []string{"2026-10-20", "2026-10-12", "2026-10-10"}; !slices.Equal(dates, want) {
			t.Errorf("newest first: got %v, want %v", dates, want)
		}
		res = search(t, ix, index.Query{Sort: []index.Sort{{Field: "date_posted"}}, Limit: 1})
		if len(res.Hits) != 1 || res.Hits[0].DatePosted != "2026-07-01" {
			t.Errorf("oldest first: got %v", ids(res))
		}
		res = search(t, ix, index.Query{Sort: []index.Sort{{Field: "title"}}, Limit: 2})
		if got := titles(res); !slices.Equal(got, []string{"Account Executive", "Backend Engineer"}) {
			t.Errorf("by title: got %v", got)
		}
	})

	t.Run("pagination", func(t *testing.T) {
		ix := load(t)
		var all []string
		for off := 0; off < 10; off += 3 {
			res := search(t, ix, index.Query{Sort: []index.Sort{{Field: "date_posted", Desc: true}}, Limit: 3, Offset: off})
			if res.Total != len(Fixture()) {
				t.Errorf("offset %d: total %d, want %d", off, res.Total, len(Fixture()))
			}
			all = append(all, ids(res)...)
		}
		if len(all) != len(Fixture()) {
			t.Fatalf("pages gave %d hits, want %d: %v", len(all), len(Fixture()), all)
		}
		seen := map[string]bool{}
		for _, id := range all {
			if seen[id] {
				t.Errorf("%s on two pages", id)
			}
			seen[id] = true
		}
	})

	t.Run("a value with quotes and operators matches literally", func(t *testing.T) {
		ix := load(t)
		team := Fixture()[5].Team
		res := search(t, ix, index.Query{Filters: []index.Filter{{Field: "team", Values: []string{team}}}, Facets: []string{"team"}})
		if got := ids(res); !slices.Equal(got, []string{Fixture()[5].ID}) {
			t.Errorf("filter on %q: got %v", team, got)
		}
		if res.Facets["team"][team] != 1 {
			t.Errorf("facet value %q: got %v", team, res.Facets["team"])
		}
		// a value that would widen the filter if it were not escaped
		for _, v := range []string{`Sales" OR team = "Cloud`, `Sales OR 1=1`, `\`, `"`} {
			res := search(t, ix, index.Query{Filters: []index.Filter{{Field: "team", Values: []string{v}}}})
			if res.Total != 0 {
				t.Errorf("filter on %q: got %d hits %v, want none", v, res.Total, ids(res))
			}
		}
	})

	t.Run("each and delete", func(t *testing.T) {
		ix := load(t)
		var got []string
		err := ix.Each(ctx, "fabrikam", func(r index.Record) error { got = append(got, r.JobNumber); return nil })
		sort.Strings(got)
		if err != nil || !slices.Equal(got, []string{"A-7", "A-8", "A-9"}) {
			t.Errorf("each fabrikam: got %v, %v", got, err)
		}
		if err := ix.Delete(ctx, []string{Fixture()[6].ID, "unknown_1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Get(ctx, Fixture()[6].ID); !errors.Is(err, index.ErrNotFound) {
			t.Errorf("get deleted: got %v, want ErrNotFound", err)
		}
		stop := errors.New("stop")
		n := 0
		if err := ix.Each(ctx, "contoso", func(index.Record) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
			t.Errorf("each must stop at fn's error: got %v after %d", err, n)
		}
	})

	t.Run("closed records stay searchable by status", func(t *testing.T) {
		ix := load(t)
		r := Fixture()[2]
		r.Status = index.StatusClosed
		closed := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		r.ClosedAt = &closed
		if err := ix.Upsert(ctx, []index.Record{r}); err != nil {
			t.Fatal(err)
		}
		res := search(t, ix, index.Query{Filters: []index.Filter{{Field: "status", Values: []string{index.StatusClosed}}}, Facets: []string{"status"}})
		if got := ids(res); !slices.Equal(got, []string{r.ID}) {
			t.Errorf("status:closed: got %v", got)
		}
		if res.Hits[0].ClosedAt == nil || !res.Hits[0].ClosedAt.Equal(closed) {
			t.Errorf("closed_at: got %v", res.Hits[0].ClosedAt)
		}
	})

	t.Run("entries are the bookkeeping of a site's records", func(t *testing.T) {
		ix := load(t)
		r := Fixture()[0]
		checked := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
		r.Fetch = []index.Fetch{{URL: r.URL, ETag: `"v1"`, Hash: "c1"}}
		r.Cards, r.CheckedAt = []string{"fp1"}, &checked
		if err := ix.Upsert(ctx, []index.Record{r}); err != nil {
			t.Fatal(err)
		}
		got := map[string]index.Entry{}
		if err := ix.Entries(ctx, "contoso", func(e index.Entry) error { got[e.ID] = e; return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 {
			t.Fatalf("entries of contoso: got %d, want 5", len(got))
		}
		e := got[r.ID]
		if e.JobNumber != r.JobNumber || e.ContentHash != r.ContentHash || e.Status != index.StatusOpen ||
			!e.FirstSeen.Equal(r.FirstSeen) || !e.LastSeen.Equal(r.LastSeen) || e.CheckedAt == nil || !e.CheckedAt.Equal(checked) ||
			len(e.Fetch) != 1 || e.Fetch[0] != r.Fetch[0] || !slices.Equal(e.Cards, r.Cards) {
			t.Errorf("entry: got %+v", e)
		}
		stop := errors.New("stop")
		if err := ix.Entries(ctx, "contoso", func(index.Entry) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("entries must stop at fn's error: got %v", err)
		}
	})

	t.Run("touch moves bookkeeping, closes and reopens, and keeps the content", func(t *testing.T) {
		ix := load(t)
		a, b := Fixture()[0], Fixture()[1]
		later := a.LastSeen.Add(48 * time.Hour)
		fetch := []index.Fetch{{URL: a.URL, ETag: `"v2"`, LastModified: "Tue, 03 Nov 2026 10:00:00 GMT", Hash: "c2"}}
		err := ix.Touch(ctx, []index.Touch{
			{ID: a.ID, LastSeen: later, CheckedAt: &later, Fetch: fetch, Cards: []string{"fp2"}},
			{ID: b.ID, LastSeen: later, Status: index.StatusClosed},
			{ID: "contoso_unknown", LastSeen: later},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := ix.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastSeen.Equal(later) || !got.FirstSeen.Equal(a.FirstSeen) || got.CheckedAt == nil || !got.CheckedAt.Equal(later) ||
			len(got.Fetch) != 1 || got.Fetch[0] != fetch[0] || !slices.Equal(got.Cards, []string{"fp2"}) ||
			got.Title != a.Title || got.Description != a.Description || got.ContentHash != a.ContentHash || got.Status != index.StatusOpen {
			t.Errorf("touched record: got %+v", got)
		}
		if _, err := ix.Get(ctx, "contoso_unknown"); !errors.Is(err, index.ErrNotFound) {
			t.Errorf("a touch of an unknown id must not create it: got %v", err)
		}
		// the touched values are what search sorts and filters on
		res := search(t, ix, index.Query{Sort: []index.Sort{{Field: "last_seen", Desc: true}}, Limit: 2,
			Filters: []index.Filter{{Field: "site", Values: []string{"contoso"}}}})
		if got := sorted(ids(res)); !slices.Equal(got, sorted([]string{a.ID, b.ID})) {
			t.Errorf("sort by last_seen after touch: got %v, want %s and %s first", ids(res), a.ID, b.ID)
		}
		res = search(t, ix, index.Query{Filters: []index.Filter{{Field: "status", Values: []string{index.StatusClosed}}}})
		if got := ids(res); !slices.Equal(got, []string{b.ID}) {
			t.Errorf("status:closed after a close touch: got %v, want [%s]", got, b.ID)
		}
		closed, err := ix.Get(ctx, b.ID)
		if err != nil || closed.ClosedAt == nil || !closed.ClosedAt.Equal(later) || closed.Title != b.Title {
			t.Errorf("closed record: %v, %+v", err, closed)
		}
		if err := ix.Touch(ctx, []index.Touch{{ID: b.ID, LastSeen: later.Add(time.Hour), Status: index.StatusOpen}}); err != nil {
			t.Fatal(err)
		}
		reopened, err := ix.Get(ctx, b.ID)
		if err != nil || reopened.Status != index.StatusOpen || reopened.ClosedAt != nil {
			t.Errorf("reopened record: %v, status %s, closed at %v", err, reopened.Status, reopened.ClosedAt)
		}
		res = search(t, ix, index.Query{Text: "scientist"})
		if got := ids(res); !slices.Equal(got, []string{b.ID}) {
			t.Errorf("text search after touches: got %v, want [%s]", got, b.ID)
		}
	})

	t.Run("invalid queries are refused", func(t *testing.T) {
		ix := load(t)
		for _, q := range []index.Query{
			{Filters: []index.Filter{{Field: "description", Values: []string{"x"}}}},
			{Facets: []string{"nope"}},
			{Sort: []index.Sort{{Field: "description"}}},
			{Limit: index.MaxLimit + 1},
			{Offset: -1},
		} {
			if _, err := ix.Search(ctx, q); !errors.Is(err, index.ErrBadQuery) {
				t.Errorf("query %+v: got %v, want ErrBadQuery", q, err)
			}
		}
	})
}

func ids(res index.Result) []string {
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func titles(res index.Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Title)
	}
	return out
}

func sortedIDs(res index.Result) []string { return sorted(ids(res)) }

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
