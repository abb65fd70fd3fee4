package extract_test

import (
	"bytes"
	"os"
	"testing"

	"golang.org/x/net/html"

	"github.com/jobcrawl/jobcrawl/extract"
)

// BenchmarkExtract measures extraction of a typical careers page (41 KB:
// navigation, JSON-LD, labelled facts, a long description, similar jobs,
// footer) against parsing the same page with x/net/html alone, the one
// parse extraction needs. The figure that matters is the ratio of
// parse+extract to parse.
//
//	go test ./extract -run '^$' -bench Extract -benchmem
func BenchmarkExtract(b *testing.B) {
	raw, err := os.ReadFile("testdata/careers_typical.html")
	if err != nil {
		b.Fatal(err)
	}
	opts := extract.Options{URL: "https://careers.contoso.example/jobs/JR-2026-04417/senior-software-engineer-ledger", Now: crawlTime}

	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := html.Parse(bytes.NewReader(raw)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse+extract", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if ps, err := extract.Parse(bytes.NewReader(raw), opts); err != nil || len(ps) != 1 {
				b.Fatal(ps, err)
			}
		}
	})
	// what the crawler pays: colly has parsed the page already
	b.Run("extract", func(b *testing.B) {
		root, err := html.Parse(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		opts := opts
		opts.Raw = raw
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if ps, err := extract.HTML(root, opts); err != nil || len(ps) != 1 {
				b.Fatal(ps, err)
			}
		}
	})
	// the same page without its JSON-LD: every field from labels and the page
	noLD := withoutJSONLD(raw)
	b.Run("extract-labels-only", func(b *testing.B) {
		root, err := html.Parse(bytes.NewReader(noLD))
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(noLD)))
		b.ReportAllocs()
		for b.Loop() {
			if ps, err := extract.HTML(root, opts); err != nil || len(ps) != 1 {
				b.Fatal(ps, err)
			}
		}
	})
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
