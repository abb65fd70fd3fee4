package ats_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
)

// TestCorpusAPIResponses reads the API responses of ../shared/corpus (real
// or documented responses, with the fields MANIFEST.jsonl says they state)
// with the adapter of their platform. The HTML documents of the corpus are
// extract's corpus test.
func TestCorpusAPIResponses(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	f, err := os.Open(filepath.Join(dir, "MANIFEST.jsonl"))
	if err != nil {
		t.Skipf("the shared corpus is absent (%v): this test needs ../shared/corpus beside the project", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	platforms := map[string]ats.Platform{"greenhouse": ats.Greenhouse{}}
	n := 0
	for sc.Scan() {
		var e struct {
			File, Format string
			Expected     map[string]any
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("MANIFEST.jsonl: %v", err)
		}
		if !strings.HasSuffix(e.File, ".json") {
			continue
		}
		n++
		t.Run(filepath.Base(e.File), func(t *testing.T) {
			p, ok := platforms[e.Format]
			if !ok {
				t.Skipf("%s is %s output, the format of an aggregator, not a careers API jobcrawl reads", e.File, e.Format)
			}
			body, err := os.ReadFile(filepath.Join(dir, e.File))
			if err != nil {
				t.Fatal(err)
			}
			page, err := p.List(body)
			if err != nil {
				t.Fatal(err)
			}
			var got []extract.Posting
			for _, it := range page.Items {
				post, err := p.Posting(it, nil, extract.Options{URL: "https://boards-api.greenhouse.io/v1/boards/vaulttec/jobs"})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, post)
			}
			var wantIDs []string
			for _, id := range e.Expected["job_ids"].([]any) {
				wantIDs = append(wantIDs, fmt.Sprint(id))
			}
			var gotIDs []string
			for _, p := range got {
				gotIDs = append(gotIDs, p.JobNumber)
			}
			if !slices.Equal(gotIDs, wantIDs) {
				t.Fatalf("job numbers: got %v, want %v", gotIDs, wantIDs)
			}
			if total, ok := e.Expected["meta_total"].(float64); ok && page.Total != int(total) {
				t.Errorf("total: got %d, want %v", page.Total, total)
			}
			first, want := got[0], e.Expected["first"].(map[string]any)
			checks := []struct{ field, got, want string }{
				{"title", first.Title, fmt.Sprint(want["title"])},
				{"apply_url", first.ApplyURL, fmt.Sprint(want["apply_url"])},
				{"date_posted", first.DatePosted, fmt.Sprint(want["updated_at"])[:10]},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
				}
			}
			if req := fmt.Sprint(want["requisition_id"]); !slices.Contains(first.AltIDs, req) {
				t.Errorf("alt_ids %v should hold the requisition id %s", first.AltIDs, req)
			}
			// The board gives a location's display name ("NYC") and, with
			// content=true, its offices' addresses: the adapter prefers the
			// addresses, which normalise ("New York, NY, United States").
			wantLoc := fmt.Sprint(want["locations"].([]any)[0])
			if offices, ok := want["offices"].([]any); ok {
				wantLoc = fmt.Sprint(offices[len(offices)-1].(map[string]any)["location"])
			}
			if !slices.Contains(first.Locations, wantLoc) {
				t.Errorf("locations %v should hold %q", first.Locations, wantLoc)
			}
			if deps, ok := want["departments"].([]any); ok && first.Department != fmt.Sprint(deps[0]) {
				t.Errorf("department: got %q, want %q", first.Department, deps[0])
			}
		})
	}
	if n == 0 {
		t.Fatal("MANIFEST.jsonl lists no API response")
	}
}
