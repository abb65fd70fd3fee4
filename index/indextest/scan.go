package indextest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/index"
)

// ScanQueries are the queries RunScan checks Scan against Search with.
func ScanQueries() []index.Query {
	open := index.Filter{Field: "status", Values: []string{index.StatusOpen}}
	return []index.Query{
		{},
		{Filters: []index.Filter{open}},
		{Filters: []index.Filter{{Field: "countries", Values: []string{"Canada", "United States"}},
			{Field: "employment_type", Values: []string{"full_time"}}, open}},
		{Text: "engineer"},
		{Text: "senior engineer", Filters: []index.Filter{{Field: "site", Values: []string{"contoso"}}}},
		{Filters: []index.Filter{open}, Sort: []index.Sort{{Field: "date_posted", Desc: true}}},
		{Text: "analyst", Sort: []index.Sort{{Field: "title"}}},
		{Filters: []index.Filter{{Field: "site", Values: []string{"nowhere"}}}},
	}
}

// RunScan checks the backend's index.Scanner: for each of ScanQueries,
// Scan yields each record Search finds once (and nothing else), with the
// same fields, in the order of the query's sort when it has one; an
// error of fn stops the scan and is returned; a cancelled context stops
// it. n generated postings are indexed (some closed).
func RunScan(t *testing.T, open Opener, n int) {
	ctx := context.Background()
	ix := open(t)
	t.Cleanup(func() { ix.Close() })
	recs := NewGenerator(7).Next(n)
	for i := range recs {
		if i%7 == 0 {
			recs[i].Status = index.StatusClosed
			at := recs[i].LastSeen
			recs[i].ClosedAt = &at
		}
	}
	for i := 0; i < len(recs); i += 500 {
		if err := ix.Upsert(ctx, recs[i:min(i+500, len(recs))]); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := ix.(index.Scanner); !ok {
		t.Fatalf("%T does not implement index.Scanner", ix)
	}
	for _, q := range ScanQueries() {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			// every hit of Search, page by page
			want := map[string]index.Record{}
			var total int
			for off := 0; ; off += index.MaxLimit {
				sq := q
				sq.Limit, sq.Offset = index.MaxLimit, off
				res, err := ix.Search(ctx, sq)
				if err != nil {
					t.Fatal(err)
				}
				total = res.Total
				for _, h := range res.Hits {
					h.Snippet = ""
					want[h.ID] = h.Public()
				}
				if len(res.Hits) < index.MaxLimit {
					break
				}
			}
			if len(want) != total {
				t.Fatalf("search paged %d records of %d", len(want), total)
			}
			if nowhere := len(q.Filters) > 0 && q.Filters[0].Values[0] == "nowhere"; (total == 0) != nowhere {
				t.Fatalf("search finds %d records: the query tests nothing", total)
			}
			var got []index.Record
			seen := map[string]bool{}
			err := index.Scan(ctx, ix, q, func(r index.Record) error {
				if seen[r.ID] {
					return fmt.Errorf("record %s twice", r.ID)
				}
				seen[r.ID] = true
				got = append(got, r)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("scan: %d records, search: %d", len(got), len(want))
			}
			for _, r := range got {
				w, ok := want[r.ID]
				if !ok {
					t.Errorf("scan: %s, which search does not find", r.ID)
					continue
				}
				if p := r.Public(); !reflect.DeepEqual(p, w) {
					t.Errorf("scan: %s differs from search's hit\n%+v\n%+v", r.ID, p, w)
				}
			}
			if len(q.Sort) > 0 {
				for i := 1; i < len(got); i++ {
					if c := compareBy(q.Sort[0], got[i-1], got[i]); c > 0 {
						t.Fatalf("scan out of %s order at %d: %v then %v", q.Sort[0].Field, i, sortValue(q.Sort[0].Field, got[i-1]), sortValue(q.Sort[0].Field, got[i]))
					}
				}
			}
		})
	}

	stop := errors.New("stop")
	calls := 0
	err := index.Scan(ctx, ix, index.Query{}, func(index.Record) error {
		calls++
		if calls == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 5 {
		t.Errorf("fn's error: scan returned %v after %d calls", err, calls)
	}
	cctx, cancel := context.WithCancel(ctx)
	calls = 0
	err = index.Scan(cctx, ix, index.Query{}, func(index.Record) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls >= n {
		t.Errorf("cancelled scan: %v after %d of %d records", err, calls, n)
	}
	if err := index.Scan(ctx, ix, index.Query{Filters: []index.Filter{{Field: "title", Values: []string{"x"}}}},
		func(index.Record) error { return nil }); !errors.Is(err, index.ErrBadQuery) {
		t.Errorf("filter on a field that is not a facet: %v", err)
	}
}

func sortValue(field string, r index.Record) any {
	switch field {
	case "date_posted":
		return r.DatePosted
	case "title":
		return strings.ToLower(r.Title)
	case "first_seen":
		return r.FirstSeen.Unix()
	case "last_seen":
		return r.LastSeen.Unix()
	case "salary_min":
		return r.SalaryMin
	case "salary_max":
		return r.SalaryMax
	}
	return nil
}

// compareBy orders a and b by s, records without a value last.
func compareBy(s index.Sort, a, b index.Record) int {
	va, vb := sortValue(s.Field, a), sortValue(s.Field, b)
	zero := func(v any) bool { return v == "" || v == int64(0) || v == 0.0 }
	switch {
	case zero(va) && zero(vb):
		return 0
	case zero(va):
		return 1
	case zero(vb):
		return -1
	}
	var c int
	switch x := va.(type) {
	case string:
		c = strings.Compare(x, vb.(string))
	case int64:
		c = cmpOrdered(x, vb.(int64))
	case float64:
		c = cmpOrdered(x, vb.(float64))
	}
	if s.Desc {
		c = -c
	}
	return c
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
