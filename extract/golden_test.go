package extract_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
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

// goldenOptions is what a page's optional NAME.options.json sidecar holds:
// the address it is read from, the site's company and field rules.
type goldenOptions struct {
	URL     string        `json:"url"`
	Company string        `json:"company"`
	Rules   extract.Rules `json:"rules"`
}

func extractFile(tb testing.TB, path string) golden {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	return extractReader(tb, f, optionsFor(tb, path))
}

// optionsFor reads the page's sidecar, if any; without one the page is
// read as if fetched from https://careers.example.com/jobs/NAME.
func optionsFor(tb testing.TB, path string) extract.Options {
	tb.Helper()
	name := strings.TrimSuffix(filepath.Base(path), ".html")
	opts := extract.Options{URL: "https://careers.example.com/jobs/" + name, Now: crawlTime}
	b, err := os.ReadFile(strings.TrimSuffix(path, ".html") + ".options.json")
	if errors.Is(err, os.ErrNotExist) {
		return opts
	}
	if err != nil {
		tb.Fatal(err)
	}
	var o goldenOptions
	if err := json.Unmarshal(b, &o); err != nil {
		tb.Fatalf("%s.options.json: %v", name, err)
	}
	if err := o.Rules.Compile(); err != nil {
		tb.Fatalf("%s.options.json: rules: %v", name, err)
	}
	if o.URL != "" {
		opts.URL = o.URL
	}
	opts.Company, opts.Rules = o.Company, o.Rules
	return opts
}

func extractReader(tb testing.TB, r io.Reader, opts extract.Options) golden {
	tb.Helper()
	ps, err := extract.Parse(r, opts)
	g := golden{Postings: ps}
	for _, p := range ps {
		g.Sources = append(g.Sources, p.Sources)
	}
	if err != nil {
		g.Error = err.Error()
	}
	return g
}

// generated are hostile documents built by the test rather than kept in
// testdata: their golden files are testdata/NAME.golden.json all the same.
var generated = map[string]func() io.Reader{
	// 50 MB of postings: read up to the size limit, then refused, not read whole
	"generated_50mb": func() io.Reader {
		return &countingReader{r: &repeatReader{head: "<!DOCTYPE html><html><body><h1>Huge</h1>", body: "<p>Job #: 12345 filler text</p>\n", size: 50 << 20}}
	},
	// 10,000 nested elements around the posting's facts
	"generated_nested_10000": func() io.Reader {
		const depth = 10000
		return strings.NewReader("<!DOCTYPE html><html><head><title>Deep Nesting Engineer | Contoso Careers</title></head><body><h1>Deep Nesting Engineer</h1>" +
			strings.Repeat("<div>", depth) + "<p>Job #: 424242</p><p>Location: Austin, TX</p>" + strings.Repeat("</div>", depth) +
			"</body></html>")
	},
	// the same, as a page that never closes its elements
	"generated_unclosed_10000": func() io.Reader {
		return strings.NewReader("<html><body><h1>Unclosed Engineer</h1>" + strings.Repeat("<span><b>", 5000) +
			"Job #: 515151 Location: Remote - US" + "</body></html>")
	},
}

// repeatReader produces head, then body repeated up to size bytes, without
// holding them.
type repeatReader struct {
	head, body string
	size, off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.off < r.size {
		var src string
		if r.off < len(r.head) {
			src = r.head[r.off:]
		} else {
			src = r.body[(r.off-len(r.head))%len(r.body):]
		}
		k := copy(p[n:], src[:min(len(src), r.size-r.off)])
		n += k
		r.off += k
	}
	return n, nil
}

// countingReader counts what was read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestGolden extracts every testdata/*.html, and the generated documents,
// and compares with their .golden.json. Run with -update to rewrite them,
// then read the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden pages: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			checkGolden(t, strings.TrimSuffix(path, ".html")+".golden.json", extractFile(t, path))
		})
	}
	names := make([]string, 0, len(generated))
	for name := range generated {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			opts := extract.Options{URL: "https://careers.example.com/jobs/" + name, Now: crawlTime}
			checkGolden(t, filepath.Join("testdata", name+".golden.json"), extractReader(t, generated[name](), opts))
		})
	}
}

func checkGolden(t *testing.T, goldenPath string, got golden) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
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
		t.Errorf("extraction differs from %s:\n got %s\nwant %s", goldenPath, b, want)
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
