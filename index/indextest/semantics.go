package indextest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// SemanticsFixture returns the records of the query-semantics suite: five
// postings of one site, one of them with a misspelt title, with and
// without salaries, teams and currencies.
func SemanticsFixture() []index.Record {
	seen := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	mk := func(num, title, family, team, loc, posted string, salary float64, desc string) index.Record {
		r := index.Record{
			ID: index.RecordID("acme", num), Site: "acme", Status: index.StatusOpen, FirstSeen: seen, LastSeen: seen,
			ContentHash: "h-" + num,
			Posting: extract.Posting{JobNumber: num, Title: title, Company: "Acme", URL: "https://jobs.example/acme/" + num,
				Locations: []string{loc}, JobFamily: family, Team: team, DatePosted: posted, Description: desc},
		}
		if salary > 0 {
			r.SalaryMin, r.SalaryMax, r.SalaryCurrency, r.SalaryPeriod = salary, salary*1.2, "USD", "year"
		}
		return r
	}
	return []index.Record{
		mk("s1", "Store Manager", "Retail", "Stores", "Houston, TX", "2026-10-01", 50000,
			"About the store\nYou will lead a team of twelve. The role reports to the regional director."),
		mk("s2", "Store Manger", "Retail", "  ", "Seattle, WA", "2026-10-05", 70000,
			"Run our busiest store. Hiring and scheduling are part of the job."),
		mk("s3", "Frontend Developer", "Engineering", "Web", "Houston, TX", "2026-09-01", 0,
			"Build the frontend of our platform in TypeScript. You care about accessibility & <performance>."),
		mk("s4", "Platform Engineering Lead", "Engineering", "Web", "Seattle, WA", "2026-10-10", 150000,
			"Lead the platform engineering team. Kubernetes experience required."),
		mk("s5", "Data Analyst", "Data", "", "Austin, TX", "2026-08-01", 0,
			"Analyse the sales data of our retail business and report to the store manager."),
	}
}

// Semantics runs the query-semantics suite: the rules of matching,
// ranking, filtering, facet counting, sorting and highlighting that the
// README promises and that every backend must keep alike.
func Semantics(t *testing.T, open Opener) {
	ctx := context.Background()
	ix := open(t)
	t.Cleanup(func() { ix.Close() })
	if err := ix.Upsert(ctx, SemanticsFixture()); err != nil {
		t.Fatalf("upsert fixture: %v", err)
	}
	id := func(num string) string { return index.RecordID("acme", num) }
	search := func(t *testing.T, q index.Query) index.Result {
		t.Helper()
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		return res
	}
	match := func(t *testing.T, text string, want ...string) {
		t.Helper()
		res := search(t, index.Query{Text: text, Limit: 50})
		var w []string
		for _, n := range want {
			w = append(w, id(n))
		}
		if got := sortedIDs(res); !slices.Equal(got, sorted(w)) || res.Total != len(w) {
			t.Errorf("q=%q: got %d %v, want %v", text, res.Total, got, sorted(w))
		}
	}

	t.Run("every word must match, also words joined by punctuation", func(t *testing.T) {
		match(t, "store manager", "s1", "s2", "s5")
		match(t, "frontend zzzz")
		match(t, "frontend-zzzz")
		match(t, "frontend-developer", "s3")
		match(t, "FRONTEND/Developer", "s3")
		match(t, "zzzz")
	})
	t.Run("the last word matches as a prefix, unless a space ends the query", func(t *testing.T) {
		match(t, "front", "s3")
		match(t, "front ")
		match(t, "front developer") // only the last word is a prefix
		match(t, "develop", "s3")
		match(t, "kuber", "s4")
	})
	t.Run("typos: one from 5 letters, two from 9, none under 5", func(t *testing.T) {
		match(t, "kubernets", "s4")        // one typo
		match(t, "kubrnetse", "s4")        // two typos, 9 letters
		match(t, "enginering", "s3", "s4") // one typo in a 10-letter word (job family and title)
		match(t, "mnagr store")            // two typos in 5 letters
		match(t, "wanager store")          // a typo on the first letter counts as two
		match(t, "dta analyst")            // no typo under 5 letters
		match(t, "analsyt", "s5")          // a swap of two letters is one typo
		match(t, "data analyts", "s5")     // in a later word too
	})
	t.Run("exact matches rank before typos, title before description", func(t *testing.T) {
		res := search(t, index.Query{Text: "manager"})
		if got, want := ids(res), []string{id("s1"), id("s5"), id("s2")}; !slices.Equal(got, want) {
			t.Errorf("q=manager: got %v, want %v (exact in title, exact in description, one typo)", got, want)
		}
	})
	t.Run("facet values filter whatever their case and show as written", func(t *testing.T) {
		res := search(t, index.Query{Filters: []index.Filter{{Field: "job_family", Values: []string{"retail"}}},
			Facets: []string{"job_family", "locations"}})
		if got, want := sortedIDs(res), sorted([]string{id("s1"), id("s2")}); !slices.Equal(got, want) {
			t.Errorf("job_family=retail: got %v, want %v", got, want)
		}
		if _, ok := res.Facets["job_family"]["Retail"]; !ok {
			t.Errorf("facet values are shown as written: got %v", res.Facets["job_family"])
		}
		res = search(t, index.Query{Filters: []index.Filter{{Field: "locations", Values: []string{"HOUSTON, tx"}}}})
		if got, want := sortedIDs(res), sorted([]string{id("s1"), id("s3")}); !slices.Equal(got, want) {
			t.Errorf("locations=HOUSTON, tx: got %v, want %v", got, want)
		}
	})
	t.Run("a facet's counts ignore that facet's own filter", func(t *testing.T) {
		res := search(t, index.Query{Filters: []index.Filter{{Field: "locations", Values: []string{"Houston, TX"}}},
			Facets: []string{"locations", "job_family"}})
		wantFacets(t, res, "locations", map[string]int{"Houston, TX": 2, "Seattle, WA": 2, "Austin, TX": 1})
		wantFacets(t, res, "job_family", map[string]int{"Retail": 1, "Engineering": 1})
		if res.Total != 2 {
			t.Errorf("total %d, want 2", res.Total)
		}
		res = search(t, index.Query{Filters: []index.Filter{
			{Field: "locations", Values: []string{"Houston, TX"}}, {Field: "job_family", Values: []string{"Engineering"}}},
			Facets: []string{"locations", "job_family"}})
		wantFacets(t, res, "locations", map[string]int{"Houston, TX": 1, "Seattle, WA": 1})
		wantFacets(t, res, "job_family", map[string]int{"Retail": 1, "Engineering": 1})
		if got := ids(res); !slices.Equal(got, []string{id("s3")}) {
			t.Errorf("hits %v, want [%s]", got, id("s3"))
		}
		res = search(t, index.Query{Text: "store", Filters: []index.Filter{{Field: "locations", Values: []string{"Seattle, WA"}}},
			Facets: []string{"locations"}})
		wantFacets(t, res, "locations", map[string]int{"Houston, TX": 1, "Seattle, WA": 1, "Austin, TX": 1})
		if res.Total != 1 {
			t.Errorf("q=store, Seattle: total %d, want 1", res.Total)
		}
	})
	t.Run("empty values are never buckets", func(t *testing.T) {
		res := search(t, index.Query{Facets: []string{"salary_currency", "team"}})
		wantFacets(t, res, "salary_currency", map[string]int{"USD": 3})
		wantFacets(t, res, "team", map[string]int{"Stores": 1, "Web": 2})
	})
	t.Run("sort by date posted, salary and relevance", func(t *testing.T) {
		order := func(q index.Query, want ...string) {
			t.Helper()
			q.Limit = 50
			res := search(t, q)
			var w []string
			for _, n := range want {
				w = append(w, id(n))
			}
			if got := ids(res); !slices.Equal(got[:min(len(got), len(w))], w) {
				t.Errorf("%+v: got %v, want %v first", q, got, w)
			}
		}
		order(index.Query{Sort: []index.Sort{{Field: "date_posted", Desc: true}}}, "s4", "s2", "s1", "s3", "s5")
		order(index.Query{Sort: []index.Sort{{Field: "date_posted"}}}, "s5", "s3", "s1", "s2", "s4")
		order(index.Query{Text: "store", Sort: []index.Sort{{Field: "date_posted", Desc: true}}}, "s2", "s1", "s5")
		// postings without a salary come after those with one, either way
		order(index.Query{Sort: []index.Sort{{Field: "salary_min", Desc: true}}}, "s4", "s2", "s1")
		order(index.Query{Sort: []index.Sort{{Field: "salary_min"}}}, "s1", "s2", "s4")
		order(index.Query{Sort: []index.Sort{{Field: "salary_max", Desc: true}}}, "s4", "s2", "s1")
		order(index.Query{Text: "platform"}, "s4", "s3") // in the title before in the description
	})
	t.Run("hits carry a highlighted snippet of the description", func(t *testing.T) {
		res := search(t, index.Query{Text: "kubernetes"})
		if len(res.Hits) != 1 || res.Hits[0].Snippet != "<mark>Kubernetes</mark> experience required." {
			t.Errorf("snippet: %q", snippets(res))
		}
		res = search(t, index.Query{Text: "accesibility"})
		want := "You care about <mark>accessibility</mark> &amp; &lt;performance&gt;."
		if len(res.Hits) != 1 || res.Hits[0].Snippet != want {
			t.Errorf("snippet with a typo and markup:\n got %q\nwant %q", snippets(res), want)
		}
		res = search(t, index.Query{Text: "regional"})
		if len(res.Hits) != 1 || !strings.HasPrefix(res.Hits[0].Snippet, "The role reports to the <mark>regional</mark>") {
			t.Errorf("a snippet starts at its sentence: %q", snippets(res))
		}
		res = search(t, index.Query{Text: "developer"})
		if len(res.Hits) != 1 || res.Hits[0].Snippet != "" {
			t.Errorf("a title match has no snippet: %q", snippets(res))
		}
		res = search(t, index.Query{Limit: 50})
		if s := snippets(res); strings.Join(s, "") != "" {
			t.Errorf("no text, no snippets: %q", s)
		}
		r, err := ix.Get(ctx, id("s4"))
		if err != nil || r.Snippet != "" {
			t.Errorf("a stored record has no snippet: %q, %v", r.Snippet, err)
		}
	})
}

func wantFacets(t *testing.T, res index.Result, facet string, want map[string]int) {
	t.Helper()
	if fmt.Sprint(res.Facets[facet]) != fmt.Sprint(want) {
		t.Errorf("facet %s: got %v, want %v", facet, res.Facets[facet], want)
	}
}

func snippets(res index.Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Snippet)
	}
	return out
}
