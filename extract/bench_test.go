package extract_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/internal/htmlfast"
)

// benchPages is the spread BenchmarkExtract measures. careers_typical.html
// is a 41 KB careers page (navigation, JSON-LD, labelled facts, a long
// description, similar jobs, footer); "typical-labels-only" is the same page
// without its JSON-LD, so every field comes from labels and the page. The
// pages in testdata/bench_pages were captured once from the synthetic
// careers site ../shared/jobsite (go run . -jobs 60 -style mixed -seed 1,
// default -today), its address replaced by https://jobs.contoso.example:
// two JSON-LD postings (the block at the end of <body>, and in <head>), two
// plain postings (labelled facts in a <dl>, no structured data) and the first
// result page (20 job cards).
var benchPages = []struct {
	name, file, url string
	postings        int
	noLD            bool
}{
	{"typical", "testdata/careers_typical.html", "https://careers.contoso.example/jobs/JR-2026-04417/senior-software-engineer-ledger", 1, false},
	{"typical-labels-only", "testdata/careers_typical.html", "https://careers.contoso.example/jobs/JR-2026-04417/senior-software-engineer-ledger", 1, true},
	{"jobsite-jsonld-body", "testdata/bench_pages/bench_jsonld_body.html", "https://jobs.contoso.example/careers/job/711666/lead-technical-account-manager-onboarding", 1, false},
	{"jobsite-jsonld-head", "testdata/bench_pages/bench_jsonld_head.html", "https://jobs.contoso.example/careers/job/154041/staff-hr-business-partner", 1, false},
	{"jobsite-plain-paris", "testdata/bench_pages/bench_plain_dl.html", "https://jobs.contoso.example/careers/job/461184/lead-account-executive", 1, false},
	{"jobsite-plain-tokyo", "testdata/bench_pages/bench_plain_dl2.html", "https://jobs.contoso.example/careers/job/724074/principal-content-designer", 1, false},
	{"jobsite-listing", "testdata/bench_pages/bench_listing.html", "https://jobs.contoso.example/careers/search?pg=1", 20, false},
}

// BenchmarkExtract measures extraction against parsing the same page with
// x/net/html alone, the one parse extraction needs, on each page of
// benchPages. Every iteration, in rotating order, each timed on its own:
// parses the page with html.Parse; parses it with internal/htmlfast (the
// same tree, built faster: what the crawler's fetch layer and
// extract.Parse use); parses and extracts it (extract.Parse); and extracts
// from the tree html.Parse built (extract.HTML). Interleaving them, rather
// than running them as separate benchmarks, lets machine noise hit all four
// alike. Reported:
//
//	ratio          extract.Parse / html.Parse: a page's extraction from its
//	               bytes against one x/net/html parse, the figure that
//	               matters, ≤ 1.30
//	crawl-ratio    (htmlfast.Parse + extract.HTML) / html.Parse: what a
//	               crawl pays per page, ratio's parts timed apart
//	tree-ratio     (html.Parse + extract.HTML) / html.Parse: extraction on
//	               a tree x/net/html built
//	fast-parse     htmlfast.Parse / html.Parse
//	parse-ns       one html.Parse
//	extract-ns     one extract.HTML on a parsed tree
//
// ns/op and allocs/op are those of a whole iteration (all four).
//
//	go test ./extract -run '^$' -bench Extract -benchmem
func BenchmarkExtract(b *testing.B) {
	for _, pg := range benchPages {
		raw, err := os.ReadFile(pg.file)
		if err != nil {
			b.Fatal(err)
		}
		if pg.noLD {
			raw = withoutJSONLD(raw)
		}
		opts := extract.Options{URL: pg.url, Now: crawlTime}
		b.Run(pg.name, func(b *testing.B) {
			var parse, fast, full, onTree time.Duration
			n := 0
			var root *html.Node
			steps := []func(){
				func() {
					t := time.Now()
					r, err := html.Parse(bytes.NewReader(raw))
					parse += time.Since(t)
					if err != nil {
						b.Fatal(err)
					}
					root = r
				},
				func() {
					t := time.Now()
					_, err := htmlfast.Parse(raw)
					fast += time.Since(t)
					if err != nil {
						b.Fatal(err)
					}
				},
				func() {
					t := time.Now()
					ps, err := extract.Parse(bytes.NewReader(raw), opts)
					full += time.Since(t)
					if err != nil || len(ps) != pg.postings {
						b.Fatalf("got %d postings, want %d: %v", len(ps), pg.postings, err)
					}
				},
			}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				for i := range steps {
					steps[(i+n)%len(steps)]()
				}
				o := opts
				o.Raw = raw
				t := time.Now()
				ps, err := extract.HTML(root, o)
				onTree += time.Since(t)
				if err != nil || len(ps) != pg.postings {
					b.Fatalf("extract.HTML: got %d postings, want %d: %v", len(ps), pg.postings, err)
				}
				n++
			}
			if n == 0 || parse == 0 {
				return
			}
			b.ReportMetric(float64(full)/float64(parse), "ratio")
			b.ReportMetric(float64(fast+onTree)/float64(parse), "crawl-ratio")
			b.ReportMetric(float64(parse+onTree)/float64(parse), "tree-ratio")
			b.ReportMetric(float64(fast)/float64(parse), "fast-parse")
			b.ReportMetric(float64(parse.Nanoseconds())/float64(n), "parse-ns")
			b.ReportMetric(float64(onTree.Nanoseconds())/float64(n), "extract-ns")
		})
	}
}

// withoutJSONLD drops the page's JSON-LD blocks.
func withoutJSONLD(raw []byte) []byte {
	out := raw
	for {
		i := bytes.Index(out, []byte(`<script type="application/ld+json">`))
		if i < 0 {
			return out
		}
		j := bytes.Index(out[i:], []byte(`</script>`))
		out = append(append([]byte{}, out[:i]...), out[i+j+len(`</script>`):]...)
	}
}

// TestTypicalPage checks what the benchmark page yields, so that the
// benchmark measures a successful extraction: with its JSON-LD and without.
func TestTypicalPage(t *testing.T) {
	raw, err := os.ReadFile("testdata/careers_typical.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 38<<10 || len(raw) > 44<<10 {
		t.Errorf("the typical page is %d bytes, want about 40 KB", len(raw))
	}
	for name, page := range map[string][]byte{"json-ld": raw, "labels": withoutJSONLD(raw)} {
		t.Run(name, func(t *testing.T) {
			ps, err := extract.Parse(bytes.NewReader(page), extract.Options{URL: "https://careers.contoso.example/jobs/JR-2026-04417/x", Now: crawlTime})
			if err != nil || len(ps) != 1 {
				t.Fatalf("got %d postings, %v", len(ps), err)
			}
			p := ps[0]
			checks := []struct{ field, got, want string }{
				{"job_number", p.JobNumber, "JR-2026-04417"},
				{"title", p.Title, "Senior Software Engineer, Ledger"},
				{"company", p.Company, "Contoso"},
				{"locations", join(p.Locations), "Austin, TX, United States; Seattle, WA, United States"},
				{"apply_url", p.ApplyURL, "https://careers.contoso.example/apply/JR-2026-04417?source=careers-site"},
				{"employment_type", p.EmploymentType, "full_time"},
				{"job_family", p.JobFamily, "Software Engineering"},
				{"date_posted", p.DatePosted, "2026-11-18"},
				{"qualifications", p.Qualifications[0], "6+ years of professional software engineering experience, with at least 3 building backend services"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
				}
			}
			// without JSON-LD the pay is only in a sentence of the description,
			// which extraction does not read pay from
			if wantMin := map[string]float64{"json-ld": 165000, "labels": 0}[name]; p.SalaryMin != wantMin {
				t.Errorf("salary: got %v–%v, want from %v", p.SalaryMin, p.SalaryMax, wantMin)
			}
		})
	}
}

// TestBenchPages checks what the jobsite pages of the benchmark yield
// (against the site's truth file at capture time), so that it measures
// successful extractions.
func TestBenchPages(t *testing.T) {
	want := map[string]struct{ number, title, locations, family string }{
		"jobsite-jsonld-body": {"711666", "Lead Technical Account Manager, Onboarding", "Remote, Ireland; Remote, Japan", "Customer Success"},
		"jobsite-jsonld-head": {"154041", "Staff HR Business Partner", "Houston, TX, United States; Tokyo, Japan", "Human Resources"},
		"jobsite-plain-paris": {"461184", "Lead Account Executive", "Paris, Île-de-France, France", "Sales"},
		"jobsite-plain-tokyo": {"724074", "Principal Content Designer", "Tokyo, Japan; Amsterdam, North Holland, Netherlands", "Design"},
	}
	for _, pg := range benchPages {
		w, ok := want[pg.name]
		if !ok {
			continue
		}
		t.Run(pg.name, func(t *testing.T) {
			f, err := os.Open(pg.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ps, err := extract.Parse(f, extract.Options{URL: pg.url, Now: crawlTime})
			if err != nil || len(ps) != 1 {
				t.Fatalf("got %d postings, %v", len(ps), err)
			}
			p := ps[0]
			for _, c := range []struct{ field, got, want string }{
				{"job_number", p.JobNumber, w.number},
				{"title", p.Title, w.title},
				{"locations", join(p.Locations), w.locations},
				{"job_family", p.JobFamily, w.family},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
				}
			}
		})
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += "; "
		}
		out += v
	}
	return out
}
