package onboard

import (
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// testSite is a plain careers site served by httptest, in one of the
// shapes real sites take: result pages whose postings sit in a table, in
// divs, in a list or in articles; the next page by a rel=next link, a
// link that says next (in words or an arrow), counted pages or offsets in
// the query or the path, or a "load more" button that reads JSON; posting
// pages that label their facts in a dl, a table or bold paragraphs. It
// knows its ground truth.
type testSite struct {
	shape
	jobs []testJob
	srv  *httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

type shape struct {
	name      string
	jobs      int
	perPage   int
	container string // table, divs, list, articles
	paging    string // rel-next, next-word, arrow, page-param, offset, path, load-more
	labels    string // dl, table, bold
	url       string // path-id (/jobs/4312), query (/careers/opening?jobId=R10234), slug-id, slug (no id)
	idLabel   string // the label before the job number; "" for none at all
	lang      string // en, de, fr
	noise     bool   // navigation, filters, footer, social links, featured and similar jobs
}

type testJob struct {
	Number, Title, Location, Dept, Type, Posted, slug string
}

var (
	titlesEN = []string{"Software Engineer", "Data Analyst", "Product Manager", "Account Executive", "UX Designer",
		"Site Reliability Engineer", "Financial Controller", "Customer Success Manager", "Recruiter", "Security Engineer"}
	titlesDE = []string{"Softwareentwickler", "Datenanalyst", "Produktmanagerin", "Vertriebsleiter", "Buchhalterin",
		"Systemadministrator", "Projektleiterin", "Werkstudent Marketing", "Elektroniker", "Einkäufer"}
	titlesFR = []string{"Ingénieur logiciel", "Analyste de données", "Chef de produit", "Commercial terrain",
		"Comptable", "Technicien support", "Chargée de recrutement", "Juriste", "Acheteur", "Designer produit"}
	levels   = []string{"Senior", "Junior", "Lead", "Principal", "Staff", "Associate"}
	niveaux  = []string{"senior", "junior", "confirmé", "principal", "expert", "stagiaire"}
	cities   = []string{"Berlin, Germany", "Paris, France", "London, United Kingdom", "Austin, TX", "Madrid, Spain", "Toronto, Canada"}
	depts    = []string{"Engineering", "Finance", "Sales", "Design", "Operations"}
	letters  = "abcdefghjkmnpqrstuvwxyz"
	slugWord = []string{"alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "tango", "victor", "zulu"}
)

func newTestSite(tb testing.TB, sh shape) *testSite {
	tb.Helper()
	s := &testSite{shape: sh, hits: map[string]int{}}
	rng := rand.New(rand.NewPCG(uint64(len(sh.name)), 7))
	used := map[string]bool{}
	for i := range sh.jobs {
		j := testJob{Location: cities[i%len(cities)], Dept: depts[i%len(depts)], Type: "Full-time",
			Posted: fmt.Sprintf("2025-%02d-%02d", 1+i%9, 1+i%27)}
		switch sh.lang {
		case "de":
			j.Title = titlesDE[i%len(titlesDE)] + " (m/w/d) " + levels[i/len(titlesDE)%len(levels)]
		case "fr":
			j.Title = titlesFR[i%len(titlesFR)] + " " + niveaux[i/len(titlesFR)%len(niveaux)]
		default:
			j.Title = levels[i/len(titlesEN)%len(levels)] + " " + titlesEN[i%len(titlesEN)]
		}
		for j.Number == "" || used[j.Number] {
			switch sh.url {
			case "query":
				j.Number = fmt.Sprintf("R%05d", 10000+rng.IntN(89999))
			case "slug":
				j.Number = fmt.Sprintf("FR-2025-%04d", 1+rng.IntN(9998))
			default:
				j.Number = strconv.Itoa(1000 + rng.IntN(8999))
			}
		}
		used[j.Number] = true
		w := strings.ToLower(strings.Fields(j.Title)[0])
		j.slug = fmt.Sprintf("%s-%s-%c%c", slugWord[i%len(slugWord)], asciiOnly(w), letters[i%len(letters)], letters[(i/len(letters))%len(letters)])
		s.jobs = append(s.jobs, j)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	return s
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, s)
}

// startURL is the first result page.
func (s *testSite) startURL() string {
	switch s.paging {
	case "path":
		return s.srv.URL + "/jobs/"
	case "offset":
		return s.srv.URL + "/search"
	}
	return s.srv.URL + "/careers"
}

func (s *testSite) jobPath(j testJob) string {
	switch s.url {
	case "query":
		return "/careers/opening?jobId=" + j.Number
	case "slug-id":
		return "/positions/" + j.slug + "-" + j.Number
	case "slug":
		return "/offres/" + j.slug
	}
	return "/jobs/" + j.Number
}

func (s *testSite) pages() int { return (len(s.jobs) + s.perPage - 1) / s.perPage }

func (s *testSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.mu.Unlock()
	p := r.URL.Path
	switch {
	case p == "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	case p == "/api/jobs" && s.paging == "load-more":
		s.serveAPI(w, r)
	case p == "/careers" || p == "/search" || p == "/jobs/" || strings.HasPrefix(p, "/jobs/page/"):
		s.serveList(w, r)
	default:
		for _, j := range s.jobs {
			jp := s.jobPath(j)
			if path, q, _ := strings.Cut(jp, "?"); path == p && (q == "" || q == r.URL.RawQuery) {
				s.servePosting(w, j)
				return
			}
		}
		if strings.HasPrefix(p, "/teams/") || strings.HasPrefix(p, "/legal/") || p == "/" || p == "/about" {
			fmt.Fprint(w, `<!DOCTYPE html><html><head><title>About</title></head><body><h1>About us</h1><p>We make things.</p></body></html>`)
			return
		}
		http.NotFound(w, r)
	}
}

// page returns the result page a request asks for, from 1.
func (s *testSite) page(r *http.Request) int {
	q := r.URL.Query()
	n := 1
	switch s.paging {
	case "offset":
		off, _ := strconv.Atoi(q.Get("start"))
		n = off/s.perPage + 1
	case "path":
		if rest, ok := strings.CutPrefix(r.URL.Path, "/jobs/page/"); ok {
			n, _ = strconv.Atoi(strings.Trim(rest, "/"))
		}
	default:
		for _, k := range []string{"page", "pg", "seite", "p"} {
			if v := q.Get(k); v != "" {
				n, _ = strconv.Atoi(v)
			}
		}
	}
	return max(n, 1)
}

// pageURL is the address of result page n.
func (s *testSite) pageURL(n int) string {
	switch s.paging {
	case "offset":
		return fmt.Sprintf("/search?start=%d", (n-1)*s.perPage)
	case "path":
		if n == 1 {
			return "/jobs/"
		}
		return fmt.Sprintf("/jobs/page/%d/", n)
	case "rel-next":
		return fmt.Sprintf("/careers?pg=%d", n)
	case "next-word":
		return fmt.Sprintf("/careers?seite=%d", n)
	case "arrow":
		return fmt.Sprintf("/careers?p=%d", n)
	}
	return fmt.Sprintf("/careers?page=%d", n)
}

func (s *testSite) chrome(title string) (string, string) {
	var head, foot strings.Builder
	fmt.Fprintf(&head, `<!DOCTYPE html><html lang=%q><head><meta charset="utf-8"><title>%s</title>
<meta property="og:site_name" content="Acme Careers"></head><body>
<header class="site-header"><a href="/" class="logo">Acme</a>
<nav class="main-nav"><ul><li><a href="/about">About</a></li><li><a href="/careers">Jobs</a></li>`, s.lang, html.EscapeString(title))
	if s.noise {
		for _, t := range []string{"engineering", "sales", "design", "operations", "finance"} {
			fmt.Fprintf(&head, `<li><a href="/teams/%s">Team %s</a></li>`, t, t)
		}
	}
	head.WriteString("</ul></nav></header>\n")
	foot.WriteString(`<footer class="site-footer"><ul>`)
	if s.noise {
		for _, t := range []string{"privacy", "terms", "cookies", "imprint", "accessibility"} {
			fmt.Fprintf(&foot, `<li><a href="/legal/%s">%s notice</a></li>`, t, t)
		}
		for _, h := range []string{"https://social-one.example/acme", "https://social-two.example/acme", "https://social-three.example/company/acme", "https://video.example/@acme"} {
			fmt.Fprintf(&foot, `<li class="social"><a href="%s">Follow us</a></li>`, h)
		}
	}
	foot.WriteString("</ul></footer></body></html>\n")
	return head.String(), foot.String()
}

func (s *testSite) serveList(w http.ResponseWriter, r *http.Request) {
	n := s.page(r)
	if s.paging == "load-more" {
		n = 1
	}
	from, to := (n-1)*s.perPage, min(n*s.perPage, len(s.jobs))
	if from >= len(s.jobs) {
		from, to = len(s.jobs), len(s.jobs)
	}
	head, foot := s.chrome("Open positions")
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(`<main id="content"><h1>Open positions</h1>`)
	if s.noise {
		b.WriteString(`<div class="filters"><h2>Filter</h2><ul>`)
		for _, d := range depts {
			fmt.Fprintf(&b, `<li><a href="/careers?dept=%s">%s</a></li>`, strings.ToLower(d), d)
		}
		b.WriteString(`</ul></div><aside class="featured"><h2>Featured</h2><ul>`)
		for _, j := range s.jobs[len(s.jobs)-3:] {
			fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, html.EscapeString(s.jobPath(j)), html.EscapeString(j.Title))
		}
		b.WriteString(`</ul></aside>`)
	}
	jobs := s.jobs[from:to]
	link := func(j testJob, class string) string {
		return fmt.Sprintf(`<a%s href="%s">%s</a>`, class, html.EscapeString(s.jobPath(j)), html.EscapeString(j.Title))
	}
	switch s.container {
	case "table":
		b.WriteString(`<table class="results"><thead><tr><th>Title</th><th>Location</th><th>Posted</th></tr></thead><tbody>`)
		for i, j := range jobs {
			fmt.Fprintf(&b, `<tr class="%s"><td>%s</td><td>%s</td><td>%s</td></tr>`, []string{"odd", "even"}[i%2], link(j, ""), j.Location, j.Posted)
		}
		b.WriteString(`</tbody></table>`)
	case "divs":
		b.WriteString(`<div class="job-grid">`)
		for i, j := range jobs {
			fmt.Fprintf(&b, `<div class="job-card card-%d"><h3 class="job-card__title">%s</h3><div class="meta">%s · %s</div>
<a class="more" href="%s">Details</a></div>`, i, link(j, ""), j.Location, j.Dept, html.EscapeString(s.jobPath(j)))
		}
		b.WriteString(`</div>`)
	case "list":
		b.WriteString(`<ul class="openings">`)
		for _, j := range jobs {
			fmt.Fprintf(&b, `<li>%s <span class="loc">%s</span></li>`, link(j, ` class="opening"`), j.Location)
		}
		b.WriteString(`</ul>`)
	case "articles":
		b.WriteString(`<section id="offres">`)
		for _, j := range jobs {
			fmt.Fprintf(&b, `<article class="offre"><h2>%s</h2><p>%s</p></article>`, link(j, ""), j.Location)
		}
		b.WriteString(`</section>`)
	}
	b.WriteString(s.pager(n))
	b.WriteString("</main>")
	b.WriteString(foot)
	fmt.Fprint(w, b.String())
}

// pager is the next-page control of result page n.
func (s *testSite) pager(n int) string {
	last := s.pages()
	var b strings.Builder
	switch s.paging {
	case "rel-next":
		if n < last {
			fmt.Fprintf(&b, `<p><a rel="next" href="%s">Next</a></p>`, s.pageURL(n+1))
		}
	case "next-word":
		b.WriteString(`<div class="pager">`)
		for i := 1; i <= last; i++ {
			fmt.Fprintf(&b, `<a class="pager-link" href="%s">%d</a> `, s.pageURL(i), i)
		}
		if n < last {
			fmt.Fprintf(&b, `<a class="pager-link" href="%s">Weiter</a>`, s.pageURL(n+1))
		}
		b.WriteString(`</div>`)
	case "arrow":
		b.WriteString(`<ul class="pager">`)
		if n > 1 {
			fmt.Fprintf(&b, `<li><a class="pager__link" href="%s">‹</a></li>`, s.pageURL(n-1))
		}
		if n < last {
			fmt.Fprintf(&b, `<li><a class="pager__link" href="%s">›</a></li>`, s.pageURL(n+1))
		}
		b.WriteString(`</ul>`)
	case "page-param", "offset":
		b.WriteString(`<nav class="pagination">`)
		for i := 1; i <= last; i++ {
			fmt.Fprintf(&b, `<a href="%s">%d</a> `, s.pageURL(i), i)
		}
		b.WriteString(`</nav>`)
	case "path":
		b.WriteString(`<div class="pages">`)
		for i := 1; i <= last; i++ {
			if i == n {
				fmt.Fprintf(&b, `<span class="current">%d</span>`, i)
			} else {
				fmt.Fprintf(&b, `<a href="%s">%d</a>`, s.pageURL(i), i)
			}
		}
		b.WriteString(`</div>`)
	case "load-more":
		fmt.Fprintf(&b, `<button class="load-more" data-url="/api/jobs?offset=%d&amp;limit=%d">Load more</button>
<script>document.querySelector('.load-more').addEventListener('click', e => fetch(e.target.dataset.url));</script>`, s.perPage, s.perPage)
	}
	return b.String()
}

func (s *testSite) serveAPI(w http.ResponseWriter, r *http.Request) {
	off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 50 {
		limit = 10
	}
	type item struct {
		ID       string `json:"id"`
		Title    string `json:"title"`
		URL      string `json:"url"`
		Location string `json:"location"`
		Dept     string `json:"department"`
	}
	out := struct {
		Total int    `json:"total"`
		Jobs  []item `json:"jobs"`
	}{Total: len(s.jobs), Jobs: []item{}}
	for i := off; i < min(off+limit, len(s.jobs)); i++ {
		j := s.jobs[i]
		out.Jobs = append(out.Jobs, item{j.Number, j.Title, s.jobPath(j), j.Location, j.Dept})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// labelsFor are the labels a posting page prints, in the site's language.
func (s *testSite) labelsFor() (loc, dept, typ, posted string) {
	switch s.lang {
	case "de":
		return "Standort", "Abteilung", "Anstellungsart", "Veröffentlicht"
	case "fr":
		return "Lieu", "Département", "Type de contrat", "Date de publication"
	}
	return "Location", "Department", "Employment type", "Posted"
}

func (s *testSite) servePosting(w http.ResponseWriter, j testJob) {
	head, foot := s.chrome(j.Title + " | Acme Careers")
	loc, dept, typ, posted := s.labelsFor()
	var facts [][2]string
	if s.idLabel != "" {
		facts = append(facts, [2]string{s.idLabel, j.Number})
	}
	facts = append(facts, [2]string{loc, j.Location}, [2]string{dept, j.Dept}, [2]string{typ, j.Type}, [2]string{posted, j.Posted})
	var b strings.Builder
	b.WriteString(head)
	fmt.Fprintf(&b, `<main><article class="job"><h1>%s</h1>`, html.EscapeString(j.Title))
	switch s.labels {
	case "dl":
		b.WriteString(`<dl class="facts">`)
		for _, f := range facts {
			fmt.Fprintf(&b, `<dt>%s</dt><dd>%s</dd>`, html.EscapeString(f[0]), html.EscapeString(f[1]))
		}
		b.WriteString(`</dl>`)
	case "table":
		b.WriteString(`<table class="details"><tbody>`)
		for _, f := range facts {
			fmt.Fprintf(&b, `<tr><th>%s</th><td>%s</td></tr>`, html.EscapeString(f[0]), html.EscapeString(f[1]))
		}
		b.WriteString(`</tbody></table>`)
	case "bold":
		for _, f := range facts {
			fmt.Fprintf(&b, `<p><strong>%s:</strong> %s</p>`, html.EscapeString(f[0]), html.EscapeString(f[1]))
		}
	}
	fmt.Fprintf(&b, `<div class="job-description"><p>As %s you will work with a friendly team on products used by millions of people.
You will plan, build and ship, and help the people around you grow.</p>
<h3>Requirements</h3><ul><li>Three years of relevant experience</li><li>Clear written communication</li></ul></div>
<a class="apply" href="/private/apply/%s">Apply</a></article>`, html.EscapeString(j.Title), j.Number)
	if s.noise {
		b.WriteString(`<aside class="similar"><h2>Similar jobs</h2><ul>`)
		for _, o := range s.jobs[:3] {
			fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, html.EscapeString(s.jobPath(o)), html.EscapeString(o.Title))
		}
		b.WriteString(`</ul></aside>`)
	}
	b.WriteString("</main>")
	b.WriteString(foot)
	fmt.Fprint(w, b.String())
}
