package extract_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract"
)

// sectionPage wraps body in a posting page with a job number, so that the
// page is read as a posting.
func sectionPage(body string) string {
	return `<!DOCTYPE html><html><head><title>Engineer | Contoso Careers</title></head><body><main>
<h1>Engineer</h1><p>Job ID: 12345</p><div class="job-description">` + body + `</div></main></body></html>`
}

func parseOne(tb testing.TB, doc string, opts extract.Options) extract.Posting {
	tb.Helper()
	if opts.URL == "" {
		opts.URL = "https://careers.example.com/jobs/12345"
	}
	ps, err := extract.Parse(strings.NewReader(doc), opts)
	if err != nil || len(ps) != 1 {
		tb.Fatalf("got %d postings, error %v", len(ps), err)
	}
	return ps[0]
}

// TestSections: the lists under every common heading form, in several
// languages, with exact items.
func TestSections(t *testing.T) {
	cases := []struct {
		name             string
		body             string
		qual, resp, bens []string
		rule             string // of qualifications, when stated
	}{
		{
			name: "h3 headings with colons, any case",
			body: `<p>We build ledgers.</p><h3>WHAT YOU'LL DO:</h3><ul><li>Build services</li><li>Run them</li></ul>
<h3>Requirements:</h3><ul><li>Go</li><li>SQL</li></ul><h3>Perks</h3><ul><li>Stock</li></ul><h3>About us</h3><p>We are Contoso.</p>`,
			qual: []string{"Go", "SQL"}, resp: []string{"Build services", "Run them"}, bens: []string{"Stock"},
			rule: `heading "Requirements:" (h3)`,
		},
		{
			name: "bold paragraphs and <b>, a curly apostrophe",
			body: `<p><strong>What you’ll need</strong></p><ul><li>5+ years of Go</li></ul>
<p><b>Nice to have:</b></p><ul><li>Kafka</li></ul><p><strong>Why join us?</strong></p><ul><li>Remote days</li><li>Bonus</li></ul>`,
			qual: []string{"5+ years of Go", "Kafka"}, bens: []string{"Remote days", "Bonus"},
			rule: `heading "What you’ll need" (p bold)`,
		},
		{
			name: "list captions in a span and a p",
			body: `<div><span>Your role</span><ul><li>Own the roadmap</li></ul></div>
<div><p>Who you are</p><ol><li>Curious</li><li>Kind</li></ol></div>`,
			qual: []string{"Curious", "Kind"}, resp: []string{"Own the roadmap"},
		},
		{
			name: "heading and one item on one line, bold lead",
			body: `<p><strong>Requirements:</strong> a degree in nursing</p><p><strong>Benefits:</strong> Medical, dental</p>`,
			qual: []string{"a degree in nursing"}, bens: []string{"Medical, dental"},
		},
		{
			name: "inline bullets in one paragraph",
			body: `<p>We sell. Who We Are Looking For : • Leader - 10+ years. • Coach - builds teams. • Voice of the customer. At Contoso we care.</p>`,
			qual: []string{"Leader - 10+ years.", "Coach - builds teams.", "Voice of the customer."},
		},
		{
			name: "bulleted lines, no list markup",
			body: `<h2>Key accountabilities</h2><p>• Plan the shift</p><p>- Coach the team</p><p>Reports to the site manager.</p>`,
			resp: []string{"Plan the shift", "Coach the team"},
		},
		{
			name: "paragraphs of a section without a list",
			body: `<h2>The impact you'll be making</h2><p>You lead the team.</p><p>You grow the market.</p><h2>Overview</h2><p>Other text.</p>`,
			resp: []string{"You lead the team.", "You grow the market."},
		},
		{
			name: "a sub-heading inside a section does not end it",
			body: `<h2>Qualifications</h2><h4>Technical</h4><ul><li>Go</li></ul><h4>People</h4><ul><li>Mentoring</li></ul><h2>Benefits</h2><ul><li>Lunch</li></ul>`,
			qual: []string{"Go", "Mentoring"}, bens: []string{"Lunch"},
		},
		{
			name: "loose headings only when no qualification heading",
			body: `<h3>Skills</h3><ul><li>Excel</li></ul><h3>Education</h3><ul><li>A degree</li></ul>`,
			qual: []string{"Excel", "A degree"},
		},
		{
			name: "loose headings lose to a qualification heading",
			body: `<h3>Skills</h3><ul><li>Excel</li></ul><h3>Basic qualifications</h3><ul><li>A degree</li></ul>`,
			qual: []string{"A degree"},
		},
		{
			name: "German",
			body: `<h2>Ihre Aufgaben:</h2><ul><li>Kunden beraten</li></ul><h2>Ihr Profil</h2><ul><li>Ausbildung als Kaufmann</li><li>Deutsch fließend</li></ul><h2>Wir bieten</h2><ul><li>30 Tage Urlaub</li></ul>`,
			qual: []string{"Ausbildung als Kaufmann", "Deutsch fließend"}, resp: []string{"Kunden beraten"}, bens: []string{"30 Tage Urlaub"},
		},
		{
			name: "French, accents and case",
			body: `<p><strong>VOS MISSIONS</strong></p><ul><li>Piloter le projet</li></ul><p><strong>Profil recherché :</strong></p><ul><li>Bac+5</li></ul><p><strong>Avantages</strong></p><ul><li>Télétravail</li></ul>`,
			qual: []string{"Bac+5"}, resp: []string{"Piloter le projet"}, bens: []string{"Télétravail"},
		},
		{
			name: "Spanish",
			body: `<h3>Responsabilidades</h3><ul><li>Gestionar clientes</li></ul><h3>Requisitos</h3><ul><li>Inglés avanzado</li></ul><h3>Beneficios</h3><ul><li>Seguro médico</li></ul>`,
			qual: []string{"Inglés avanzado"}, resp: []string{"Gestionar clientes"}, bens: []string{"Seguro médico"},
		},
		{
			name: "Dutch",
			body: `<h3>Wat ga je doen?</h3><ul><li>Klanten helpen</li></ul><h3>Functie-eisen</h3><ul><li>HBO-niveau</li></ul><h3>Wat wij bieden</h3><ul><li>Een leaseauto</li></ul>`,
			qual: []string{"HBO-niveau"}, resp: []string{"Klanten helpen"}, bens: []string{"Een leaseauto"},
		},
		{
			name: "Portuguese",
			body: `<h3>Atribuições</h3><ul><li>Atender clientes</li></ul><h3>Qualificações</h3><ul><li>Ensino superior</li></ul><h3>Benefícios</h3><ul><li>Vale-refeição</li></ul>`,
			qual: []string{"Ensino superior"}, resp: []string{"Atender clientes"}, bens: []string{"Vale-refeição"},
		},
		{
			name: "Italian",
			body: `<h3>Responsabilità</h3><ul><li>Gestire il team</li></ul><h3>Requisiti</h3><ul><li>Laurea</li></ul><h3>Cosa offriamo</h3><ul><li>Buoni pasto</li></ul>`,
			qual: []string{"Laurea"}, resp: []string{"Gestire il team"}, bens: []string{"Buoni pasto"},
		},
		{
			name: "prose that contains a heading word is no heading",
			body: `<p>Our requirements are simple and our benefits generous.</p><ul><li>Not an item</li></ul>`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parseOne(t, sectionPage(c.body), extract.Options{})
			for _, f := range []struct {
				field     string
				got, want []string
			}{{"qualifications", p.Qualifications, c.qual}, {"responsibilities", p.Responsibilities, c.resp}, {"benefits", p.Benefits, c.bens}} {
				if !slices.Equal(f.got, f.want) {
					t.Errorf("%s: got %q, want %q", f.field, f.got, f.want)
				}
			}
			if c.rule != "" && p.Rules["qualifications"] != c.rule {
				t.Errorf("qualifications rule: got %q, want %q", p.Rules["qualifications"], c.rule)
			}
		})
	}
}

// TestSectionCaps: a section gives at most 100 items of at most 1,000
// characters each.
func TestSectionCaps(t *testing.T) {
	var b strings.Builder
	b.WriteString("<h2>Requirements</h2><ul>")
	for i := range 150 {
		fmt.Fprintf(&b, "<li>Item %d</li>", i)
	}
	b.WriteString("<li>" + strings.Repeat("é", 3000) + "</li></ul>")
	p := parseOne(t, sectionPage(b.String()), extract.Options{})
	if len(p.Qualifications) != 100 || p.Qualifications[99] != "Item 99" {
		t.Fatalf("got %d items, last %q; want 100, the last \"Item 99\"", len(p.Qualifications), p.Qualifications[len(p.Qualifications)-1])
	}
	b.Reset()
	b.WriteString("<h2>Requirements</h2><ul><li>" + strings.Repeat("é", 3000) + "</li></ul>")
	p = parseOne(t, sectionPage(b.String()), extract.Options{})
	if n := len([]rune(p.Qualifications[0])); n != 1000 || !strings.HasSuffix(p.Qualifications[0], "…") {
		t.Errorf("a 3,000-character item: got %d characters, want 1,000 ending in …", n)
	}
}

// TestSectionsFromJSONLD: the JSON-LD properties, as lists, HTML strings
// and flattened strings.
func TestSectionsFromJSONLD(t *testing.T) {
	doc := `<html><head><script type="application/ld+json">{"@type":"JobPosting","title":"Engineer","identifier":"J-100",
"responsibilities":"Design and write specifications for in-house customers Build tools according to specifications",
"jobBenefits":"<ul><li>Medical</li><li>Dental</li></ul>",
"skills":["Go","SQL"],"experienceRequirements":"3 years of experience with Python"}</script></head><body></body></html>`
	p := parseOne(t, doc, extract.Options{})
	for _, f := range []struct {
		field     string
		got, want []string
	}{
		{"responsibilities", p.Responsibilities, []string{"Design and write specifications for in-house customers", "Build tools according to specifications"}},
		{"benefits", p.Benefits, []string{"Medical", "Dental"}},
		{"qualifications", p.Qualifications, []string{"3 years of experience with Python", "Go", "SQL"}},
	} {
		if !slices.Equal(f.got, f.want) {
			t.Errorf("%s: got %q, want %q", f.field, f.got, f.want)
		}
	}
	if got, want := p.Rules["benefits"], "json-ld JobPosting.jobBenefits"; got != want {
		t.Errorf("benefits rule: got %q, want %q", got, want)
	}
	if got, want := p.Rules["job_number"], "json-ld JobPosting.identifier"; got != want {
		t.Errorf("job_number rule: got %q, want %q", got, want)
	}
}

// TestDescriptionCleanup: the description keeps the posting's text and
// loses the page's furniture.
func TestDescriptionCleanup(t *testing.T) {
	doc := `<!DOCTYPE html><html><head><title>Data Engineer | Contoso Careers</title></head><body>
<main><div class="job-details">
<h2>Data Engineer</h2>
<p><a href="/search">Back to search results</a></p>
<p>Share</p><p>Share on LinkedIn</p><p>Tweet</p><p>Email a friend</p>
<p>We use cookies to improve your experience. Accept all cookies</p>
<h2>About the role</h2>
<p><strong>Responsibilities</strong>You will build pipelines.</p>
<h3>Empty heading</h3>
<h3>Requirements</h3>
<ul><li>Python</li></ul>
<p>.LinkedInTitle { font-size: 18px; color: #2D2D2D; } Apply before Friday.</p>
<p><a href="/apply/1">Apply now</a></p><p>Postuler</p>
<p>Prev Job</p><p>Next Job</p>
<p>Job ID: 777123</p>
</div></main></body></html>`
	p := parseOne(t, doc, extract.Options{URL: "https://careers.contoso.example/jobs/777123"})
	want := "About the role\nResponsibilities\nYou will build pipelines.\nRequirements\nPython\nApply before Friday.\nJob ID: 777123"
	if p.Description != want {
		t.Errorf("description:\ngot  %q\nwant %q", p.Description, want)
	}
	if !slices.Equal(p.Qualifications, []string{"Python"}) || !slices.Equal(p.Responsibilities, []string{"You will build pipelines."}) {
		t.Errorf("lists: got %q and %q", p.Qualifications, p.Responsibilities)
	}
}

// TestAltIDsAfterLabels: several numbers after any job-number label are
// kept, the first as the job number, and label words map to their fields.
func TestAltIDsAfterLabels(t *testing.T) {
	cases := []struct {
		label, line string
		num         string
		alt         []string
	}{
		{"Job #", "Job # 322695 1072519", "322695", []string{"1072519"}},
		{"Requisition ID", "Requisition ID: 4455 7788", "4455", []string{"7788"}},
		{"Req #", "Req # R-1001 R-1002 R-1003", "R-1001", []string{"R-1002", "R-1003"}},
		{"Req. No.", "Req. No.: 88001 88002", "88001", []string{"88002"}},
		{"Job Req ID", "Job Req ID: 5001 5002", "5001", []string{"5002"}},
		{"Posting number", "Posting number: 9901 9902", "9901", []string{"9902"}},
		{"Vacancy number", "Vacancy number: 31337 31338", "31337", []string{"31338"}},
		{"Reference", "Reference: 2024-77 2024-78", "2024-77", []string{"2024-78"}},
	}
	for _, c := range cases {
		t.Run(c.label, func(t *testing.T) {
			doc := `<html><head><title>Nurse</title></head><body><main><h1>Nurse</h1><p>` + c.line + `</p>
<p>Location(s): Lyon, France</p><p>Category: Nursing</p><p>Department: Surgery</p></main></body></html>`
			p := parseOne(t, doc, extract.Options{URL: "https://careers.example.com/jobs/x"})
			if p.JobNumber != c.num || !slices.Equal(p.AltIDs, c.alt) {
				t.Errorf("got %q %q, want %q %q", p.JobNumber, p.AltIDs, c.num, c.alt)
			}
			if strings.Join(p.Locations, ";") != "Lyon, France" || p.JobFamily != "Nursing" || p.Department != "Surgery" {
				t.Errorf("labels: got locations %q, job family %q, department %q", p.Locations, p.JobFamily, p.Department)
			}
			if !strings.HasPrefix(p.Rules["job_number"], `label "`) {
				t.Errorf("job_number rule: got %q", p.Rules["job_number"])
			}
		})
	}
}
