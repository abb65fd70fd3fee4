package extract_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
)

var update = flag.Bool("update", false, "rewrite the golden files from what extraction gives now")

// crawlTime is the reference time of every golden extraction.
var crawlTime = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// golden is what a golden file holds: the postings a page yields, where each
// field came from, and the error, if any.
type golden struct {
	Postings []extract.Posting           `json:"postings"`
	Sources  []map[string]extract.Source `json:"sources"`
	Error    string                      `json:"error,omitempty"`
}

func extractFile(tb testing.TB, path string) golden {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	name := strings.TrimSuffix(filepath.Base(path), ".html")
	ps, err := extract.Parse(f, extract.Options{URL: "https://careers.example.com/jobs/" + name, Now: crawlTime})
	g := golden{Postings: ps}
	for _, p := range ps {
		g.Sources = append(g.Sources, p.Sources)
	}
	if err != nil {
		g.Error = err.Error()
	}
	return g
}

// TestGolden extracts every testdata/*.html and compares with its
// .golden.json. Run with -update to rewrite them, then read the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden pages: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			got := extractFile(t, path)
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			goldenPath := strings.TrimSuffix(path, ".html") + ".golden.json"
			if *update {
				if err := os.WriteFile(goldenPath, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test ./extract -update to create it)", err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("extraction of %s differs from %s:\n got %s\nwant %s", path, goldenPath, b, want)
			}
		})
	}
}

// TestMicrosoftLayout checks the labelled layout the project started from,
// independently of the golden files: "Job # 322695 1072519 Locations United
// States, Houston (TX) Job families Sales Teams Sales".
func TestMicrosoftLayout(t *testing.T) {
	for _, name := range []string{"microsoft_322695.html", "microsoft_322695_oneline.html"} {
		t.Run(name, func(t *testing.T) {
			g := extractFile(t, filepath.Join("testdata", name))
			if g.Error != "" || len(g.Postings) != 1 {
				t.Fatalf("got %d postings, error %q", len(g.Postings), g.Error)
			}
			p := g.Postings[0]
			checks := []struct{ field, got, want string }{
				{"job_number", p.JobNumber, "322695"},
				{"title", p.Title, "Account Executive - Energy"},
				{"locations", strings.Join(p.Locations, "; "), "Houston, TX, United States"},
				{"countries", strings.Join(p.Countries, "; "), "United States"},
				{"job_family", p.JobFamily, "Sales"},
				{"team", p.Team, "Sales"},
				{"alt_ids", strings.Join(p.AltIDs, " "), "1072519"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
				}
			}
			if p.Sources["job_number"] != extract.SourceLabel {
				t.Errorf("job_number source: got %q, want label", p.Sources["job_number"])
			}
		})
	}
}

func TestRejections(t *testing.T) {
	cases := []struct {
		name, html string
		want       error
	}{
		{"no job number", `<html><body><h1>Barista</h1><p>Make coffee.</p></body></html>`, extract.ErrNoJobNumber},
		{"no title", `<html><head><script type="application/ld+json">{"@type":"JobPosting","identifier":"A-1234"}</script></head><body></body></html>`, extract.ErrNoTitle},
		{"a date is not a job number", `<html><body><h1>Barista</h1><dl><dt>Job ID</dt><dd>2026-11-03</dd></dl></body></html>`, extract.ErrBadJobNumber},
		{"a sentence is not a job number", `<html><body><h1>Barista</h1><p>Job number: to be announced soon</p></body></html>`, extract.ErrBadJobNumber},
		{"truncated", `<!DOCTYPE html><html><head><title>Barista</title></head><body><h1>Barista</h1><dl><dt>Job #</dt><dd>12345</dd>`, extract.ErrTruncated},
		{"broken JSON-LD", `<html><head><script type="application/ld+json">{"@type":"JobPosting","title":"Barista","identifier":"12345",</script></head><body></body></html>`, extract.ErrBadJSONLD},
		{"soft 404", `<html><head><title>Job not found</title></head><body><h1>Sorry, this job is no longer available</h1></body></html>`, extract.ErrGone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps, err := extract.Parse(strings.NewReader(c.html), extract.Options{URL: "https://careers.example.com/jobs/x"})
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v (postings %+v), want %v", err, ps, c.want)
			}
			if len(ps) != 0 {
				t.Errorf("a rejected page gave postings: %+v", ps)
			}
			var re *extract.RejectError
			if !errors.As(err, &re) || re.URL != "https://careers.example.com/jobs/x" {
				t.Errorf("error %v should be a *RejectError naming the URL", err)
			}
		})
	}
}

func TestJSONLDShapes(t *testing.T) {
	page := func(ld string) string {
		return `<html><head><script type="application/ld+json">` + ld + `</script></head><body></body></html>`
	}
	cases := []struct {
		name, html string
		check      func(t *testing.T, p extract.Posting)
	}{
		{"graph, PropertyValue, several places", page(`{"@context":"https://schema.org","@graph":[{"@type":"WebPage","name":"x"},
			{"@type":"JobPosting","title":"Nurse","identifier":{"@type":"PropertyValue","name":"Req","value":"R-778"},
			"hiringOrganization":{"@type":"Organization","name":"Fabrikam"},
			"jobLocation":[{"@type":"Place","address":{"@type":"PostalAddress","addressLocality":"Austin","addressRegion":"TX","addressCountry":"US"}},
			{"@type":"Place","address":{"addressLocality":"Lyon","addressCountry":{"@type":"Country","name":"FR"}}}]}]}`),
			func(t *testing.T, p extract.Posting) {
				if p.JobNumber != "R-778" || p.Company != "Fabrikam" ||
					!slices.Equal(p.Locations, []string{"Austin, TX, United States", "Lyon, France"}) {
					t.Errorf("got %+v", p)
				}
			}},
		{"array of blocks, identifier string", page(`[{"@type":"Organization","name":"x"},{"@type":["JobPosting"],"title":"Cook","identifier":"C-1"}]`),
			func(t *testing.T, p extract.Posting) {
				if p.JobNumber != "C-1" || p.Title != "Cook" {
					t.Errorf("got %+v", p)
				}
			}},
		{"wrong types", page(`{"@type":"JobPosting","title":"Porter","identifier":123456,"jobLocation":"Paris","baseSalary":"45000","employmentType":["PART_TIME"]}`),
			func(t *testing.T, p extract.Posting) {
				if p.JobNumber != "123456" || !slices.Equal(p.Locations, []string{"Paris"}) || p.SalaryMin != 45000 ||
					p.EmploymentType != "part_time" {
					t.Errorf("got %+v", p)
				}
			}},
		{"telecommute", page(`{"@type":"JobPosting","title":"Writer","identifier":"W9","jobLocationType":"TELECOMMUTE","applicantLocationRequirements":{"@type":"Country","name":"USA"}}`),
			func(t *testing.T, p extract.Posting) {
				if !p.Remote || p.WorkplaceType != "remote" || !slices.Equal(p.Locations, []string{"Remote, United States"}) {
					t.Errorf("got %+v", p)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps, err := extract.Parse(strings.NewReader(c.html), extract.Options{URL: "https://x.example/j"})
			if err != nil || len(ps) != 1 {
				t.Fatalf("got %v, %v", ps, err)
			}
			c.check(t, ps[0])
		})
	}
}
