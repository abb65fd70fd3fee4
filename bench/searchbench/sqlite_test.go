package main

import (
	"context"
	"maps"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// openFixture returns an SQLite index in a temp dir holding four postings.
func openFixture(tb testing.TB) *SQLite {
	tb.Helper()
	ix, err := OpenSQLite(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	rec := func(num, title, fam, emp, date string, countries ...string) index.Record {
		return index.Record{ID: index.RecordID("acme", num), Site: "acme", Status: index.StatusOpen, Posting: extract.Posting{
			JobNumber: num, Title: title, Company: "Acme", JobFamily: fam, EmploymentType: emp, DatePosted: date,
			Countries: countries, Locations: countries, Description: "We build " + title + " tooling."}}
	}
	recs := []index.Record{
		rec("1", "Kubernetes Engineer", "Engineering", "full_time", "2026-01-03", "Canada", "United States"),
		rec("2", "Data Engineer", "Engineering", "part_time", "2026-01-01", "Germany"),
		rec("3", "Sales Manager", "Sales", "full_time", "2026-01-02", "United States"),
		rec("4", "Data Analyst", "Data", "full_time", "2026-01-04", "Canada", "Canada"), // a repeated value counts once
	}
	if err := ix.Upsert(context.Background(), recs); err != nil {
		tb.Fatal(err)
	}
	return ix
}

func TestSQLiteSearch(t *testing.T) {
	ix := openFixture(t)
	tests := []struct {
		name      string
		q         index.Query
		total     int
		facets    map[string]map[string]int
		firstHits []string // job numbers, in order
	}{
		{name: "no text counts every record",
			q:     index.Query{Facets: []string{"job_family", "countries"}},
			total: 4,
			facets: map[string]map[string]int{
				"job_family": {"Engineering": 2, "Sales": 1, "Data": 1},
				"countries":  {"Canada": 2, "United States": 2, "Germany": 1},
			},
			firstHits: []string{"4", "1", "3", "2"}},
		{name: "filters ignore case, OR within a field, AND across",
			q:     index.Query{Filters: []index.Filter{{Field: "countries", Values: []string{"canada", "GERMANY"}}, {Field: "employment_type", Values: []string{"full_time"}}}},
			total: 2, firstHits: []string{"4", "1"}},
		{name: "facet counts are disjunctive",
			q: index.Query{Filters: []index.Filter{{Field: "job_family", Values: []string{"Engineering"}}, {Field: "countries", Values: []string{"Canada"}}},
				Facets: []string{"job_family", "countries", "employment_type"}},
			total: 1,
			facets: map[string]map[string]int{
				"job_family":      {"Engineering": 1, "Data": 1},                   // countries=Canada only
				"countries":       {"Canada": 1, "United States": 1, "Germany": 1}, // job_family=Engineering only
				"employment_type": {"full_time": 1},                                // both filters
			}},
		{name: "every word must match, the last as a prefix",
			q: index.Query{Text: "data eng"}, total: 1, firstHits: []string{"2"}},
		{name: "no prefix after a separator",
			q: index.Query{Text: "data eng "}, total: 0},
		{name: "no typo tolerance",
			q: index.Query{Text: "kubernets"}, total: 0},
		{name: "text and filter",
			q: index.Query{Text: "engineer", Filters: []index.Filter{{Field: "countries", Values: []string{"united states"}}}}, total: 1, firstHits: []string{"1"}},
		{name: "sort by date ascending",
			q: index.Query{Text: "data", Sort: []index.Sort{{Field: "date_posted"}}}, total: 2, firstHits: []string{"2", "4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != tt.total {
				t.Errorf("total %d, want %d", res.Total, tt.total)
			}
			for f, want := range tt.facets {
				if got := res.Facets[f]; !maps.Equal(got, want) {
					t.Errorf("facet %s: got %v, want %v", f, got, want)
				}
			}
			for i, want := range tt.firstHits {
				if i >= len(res.Hits) {
					t.Fatalf("%d hits, want at least %d", len(res.Hits), len(tt.firstHits))
				}
				if got := res.Hits[i].JobNumber; got != want {
					t.Errorf("hit %d: got %q, want %q", i, got, want)
				}
			}
		})
	}
}

func TestSQLiteUpsertReplaces(t *testing.T) {
	ix := openFixture(t)
	ctx := context.Background()
	r := index.Record{ID: index.RecordID("acme", "2"), Site: "acme", Posting: extract.Posting{JobNumber: "2", Title: "Payroll Specialist",
		JobFamily: "Finance", Countries: []string{"France"}}}
	if err := ix.Upsert(ctx, []index.Record{r}); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, index.Query{Facets: []string{"countries"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (map[string]int{"Canada": 2, "United States": 2, "France": 1}); res.Total != 4 || !maps.Equal(res.Facets["countries"], want) {
		t.Errorf("got total %d, countries %v; want 4, %v", res.Total, res.Facets["countries"], want)
	}
	for text, want := range map[string]int{"payroll": 1, "data engineer": 0} {
		res, err := ix.Search(ctx, index.Query{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want {
			t.Errorf("%q: total %d, want %d", text, res.Total, want)
		}
	}
}

func TestFTSMatch(t *testing.T) {
	for text, want := range map[string]string{
		"":             "",
		"  ":           "",
		"Data eng":     `"data" "eng"*`,
		"data eng ":    `"data" "eng"`,
		"c++ AND or":   `"c" "and" "or"*`,
		`say "quoted"`: `"say" "quoted"`,
		"São Paulo":    `"são" "paulo"*`,
	} {
		if got := ftsMatch(text); got != want {
			t.Errorf("ftsMatch(%q) = %q, want %q", text, got, want)
		}
	}
}
