package onboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
	"github.com/jobcrawl/jobcrawl/internal/htmlfast"
)

// This file proposes an HTML site from one of its result pages: the links
// to postings (links.go), the way to the next page (paging.go, or a JSON
// endpoint behind a load-more control, loadmore.go), and a few postings
// fetched and extracted to show what the block will give.

// A Choice is one decision add made, how sure it is (0 to 1) and why.
type Choice struct {
	Key        string  `json:"key"` // "job_links", "pagination", "fields.job_number", a field's coverage: "title"
	Value      string  `json:"value"`
	Confidence float64 `json:"confidence"`
	Reason     string  `json:"reason"`
}

// A Sample is one posting add fetched and extracted with the proposed
// site: what it gave per field ("" for nothing), or why it gave nothing.
type Sample struct {
	URL    string            `json:"url"`
	Fields map[string]string `json:"fields,omitempty"`
	Error  string            `json:"error,omitempty"`
}

// SampleFields are the fields a sample shows, in order.
var SampleFields = []string{"job_number", "title", "locations", "job_family", "team", "department",
	"employment_type", "date_posted", "salary", "description", "qualifications"}

// Why add found no postings on a page (NotFoundError.Reason).
const (
	ReasonNoLinks       = "no_repeated_links"
	ReasonOffSite       = "off_site"
	ReasonNotPostings   = "not_postings"
	ReasonNoJobNumber   = "no_job_number"
	ReasonNoPosting     = "no_posting"
	ReasonNoSitemapURLs = "no_sitemap_urls"
)

// NotFoundError says why add found no postings at a URL. It is an
// ErrNotRecognized.
type NotFoundError struct {
	URL    string
	Reason string // one of the Reason constants
	Detail string // what was seen, for a person
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: %v: %s", e.URL, ErrNotRecognized, e.Detail)
}

func (e *NotFoundError) Unwrap() error { return ErrNotRecognized }

// maxSamples is how many postings are fetched to check a proposal.
const maxSamples = 4

// listing is what one result page showed.
type listing struct {
	url   *url.URL
	root  *html.Node
	links []*pageLink
}

// suggestHTML proposes an HTML (or JSON) site from a page that lists
// postings. It returns a NotFoundError when the page lists none.
func (c *client) suggestHTML(ctx context.Context, pageURL string, page []byte) (Suggestion, error) {
	root, err := htmlfast.Parse(page)
	if err != nil {
		return Suggestion{}, fmt.Errorf("%s: not an HTML page: %w", pageURL, err)
	}
	base, _ := url.Parse(pageURL)
	ls := &listing{url: base, root: root, links: pageLinks(root, base)}
	groups := groupLinks(ls.links, base)
	company := siteCompany(root, base)

	var tried []string
	var offSite []string
	for _, g := range groups {
		if g.offSite {
			offSite = append(offSite, fmt.Sprintf("%d to %s", len(g.urls), g.links[0].u.Host))
			continue
		}
		if g.noise || g.listing || g.textLen < 2 || len(tried) == 3 {
			continue
		}
		sug, why, err := c.tryGroup(ctx, ls, g, company)
		if err != nil {
			return Suggestion{}, err
		}
		if why == "" {
			return sug, nil
		}
		tried = append(tried, why)
	}
	// no list of postings in the page: a load-more endpoint may hold them
	if sug, ok := c.tryJSON(ctx, ls, company, nil); ok {
		return sug, nil
	}
	e := &NotFoundError{URL: pageURL}
	switch {
	case len(tried) > 0:
		e.Reason, e.Detail = ReasonNotPostings, "the page's repeated links do not lead to postings: "+strings.Join(tried, "; ")
		if strings.Contains(tried[0], "no job number") {
			e.Reason = ReasonNoJobNumber
		}
	case len(offSite) > 0:
		e.Reason = ReasonOffSite
		e.Detail = fmt.Sprintf("the page's repeated links all lead to other sites (%s), and no platform jobcrawl knows; add that site's own careers URL", strings.Join(first(offSite, 3), ", "))
	default:
		e.Reason = ReasonNoLinks
		e.Detail = fmt.Sprintf("no platform board, and no repeated links to postings on the page (it has %d links, none repeated %d times or more in one place outside menus and footers); is it the page that lists the jobs?", len(ls.links), minGroup)
	}
	return Suggestion{}, e
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// tryGroup checks a group of links by fetching a few of its postings; why
// says why the group is not the postings ("" when it is).
func (c *client) tryGroup(ctx context.Context, ls *listing, g *linkGroup, company string) (Suggestion, string, error) {
	clear(c.pages) // only this group's samples are kept: memory stays bounded
	samples, posts, errs := c.samples(ctx, spread(g.urls, maxSamples), company, nil)
	got, listings, noNumber := 0, 0, 0
	for i := range samples {
		switch {
		case posts[i] != nil && posts[i].FromListing():
			listings++
		case posts[i] != nil:
			got++
		case errors.Is(errs[i], extract.ErrNoJobNumber):
			noNumber++
		}
	}
	var rules extract.Rules
	if got*2 < len(samples) && noNumber > 0 && noNumber+got >= len(samples)/2 {
		// postings without a job number the extraction knows: a label it
		// does not map may show one
		if r, ok := c.idLabel(ctx, samples); ok {
			rules = extract.Rules{"job_number": r}
			samples, posts, errs = c.samples(ctx, spread(g.urls, maxSamples), company, rules)
			got = 0
			for i := range samples {
				if posts[i] != nil && !posts[i].FromListing() {
					got++
				}
			}
		}
	}
	if got*2 < len(samples) || got == 0 {
		why := fmt.Sprintf("%s: %d of %d fetched were postings", g, got, len(samples))
		switch {
		case listings > 0:
			why += fmt.Sprintf(", %d were result pages", listings)
		case noNumber > 0:
			why += fmt.Sprintf(", %d had no job number (add a fields: job_number rule)", noNumber)
		}
		return Suggestion{}, why, nil
	}
	if company == "" {
		for _, p := range posts {
			if p != nil && p.Company != "" {
				company = p.Company
				break
			}
		}
	}

	sel, exact := selectorFor(ls.root, g)
	s := crawler.Site{Name: siteName(company, ls.url), Company: company, StartURLs: []string{ls.url.String()}, JobLinks: sel, Fields: rules}
	sug := Suggestion{Site: s}
	conf := 0.4*float64(got)/float64(len(samples)) + 0.2
	var reason []string
	reason = append(reason, fmt.Sprintf("%d links to %s", len(g.urls), g.pattern()))
	if g.repeated {
		conf += 0.2
		reason = append(reason, fmt.Sprintf("one per repeated <%s>", g.card))
	}
	if exact {
		conf += 0.2
		reason = append(reason, "the selector picks exactly them")
	} else {
		reason = append(reason, "no selector picks exactly them: check it")
		sug.Notes = append(sug.Notes, "job_links selects more or fewer links than the list of postings: check it")
	}
	reason = append(reason, fmt.Sprintf("%d of %d samples were postings", got, len(samples)))
	jobs := map[string]bool{}
	for _, u := range g.urls {
		jobs[u] = true
	}

	pg, pconf, preason, page2 := c.pickPaging(ctx, ls, sel, jobs)
	if page2 > 0 {
		conf = min(1, conf+0.05)
	}
	sug.Choices = append(sug.Choices, Choice{Key: "job_links", Value: sel, Confidence: round2(conf), Reason: strings.Join(reason, ", ")})
	if pg == nil {
		// no page control: a load-more endpoint, else one page
		if js, ok := c.tryJSON(ctx, ls, company, sug.Choices); ok {
			return js, "", nil
		}
		pg = &crawler.Pagination{Next: `a[rel~="next"]`}
		pconf, preason = 0.3, "no next-page control found: the listing seems to fit on one page"
		sug.Notes = append(sug.Notes, "no next-page control was found; if the site has more result pages, set pagination by hand")
	}
	sug.Site.Pagination = *pg
	sug.Choices = append(sug.Choices, Choice{Key: "pagination", Value: describePaging(*pg), Confidence: round2(pconf), Reason: preason})
	if rules != nil {
		sug.Choices = append(sug.Choices, Choice{Key: "fields.job_number", Value: "label " + strconv.Quote(rules["job_number"].Label),
			Confidence: round2(float64(got) / float64(len(samples))),
			Reason:     fmt.Sprintf("the samples show their id under %q, a label the extraction does not map", rules["job_number"].Label)})
	}
	sug.Samples = samples
	sug.Coverage = coverage(posts)
	sug.How = fmt.Sprintf("a result page (%s) with %d links to postings (%s)", ls.url, len(g.urls), g.pattern())
	return sug, "", sug.Site.Validate()
}

// pickPaging checks each way to the next page the page shows by fetching
// that page: the first that brings new postings wins. page2 is how many
// new postings it brought.
func (c *client) pickPaging(ctx context.Context, ls *listing, jobSel string, jobs map[string]bool) (*crawler.Pagination, float64, string, int) {
	sel, err := cascadia.Compile(jobSel)
	if err != nil {
		return nil, 0, "", 0
	}
	var fallback *paging
	type fetched struct {
		body  []byte
		final string
		err   error
	}
	cache := map[string]fetched{}
	for i, p := range findPaging(ls.root, ls.url, ls.links, jobs) {
		if i == 4 {
			break
		}
		if p.next == "" {
			continue
		}
		f, ok := cache[p.next]
		if !ok {
			f.body, f.final, f.err = c.get(ctx, p.next)
			cache[p.next] = f
		}
		body, final, err := f.body, f.final, f.err
		if err != nil {
			if fallback == nil {
				p := p
				p.conf *= 0.5
				p.reason += fmt.Sprintf("; page 2 could not be fetched (%v)", err)
				fallback = &p
			}
			continue
		}
		root, err := htmlfast.Parse(body)
		if err != nil {
			continue
		}
		fu, _ := url.Parse(final)
		fresh := 0
		for _, n := range cascadia.QueryAll(root, sel) {
			if u := resolve(fu, attrOf(n, "href")); u != nil && !jobs[u.String()] {
				fresh++
			}
		}
		if fresh > 0 && p.p.Next != "" {
			// the selector must lead on from page 2 too, not back
			sel := goesOn(root, fu, ls.url, append([]string{p.p.Next}, p.alts...), !p.numbered)
			if sel == "" {
				if fallback == nil {
					p := p
					p.conf *= 0.4
					p.reason += "; but on page 2 it leads back"
					fallback = &p
				}
				continue
			}
			p.p.Next = sel
		}
		if fresh > 0 {
			p.conf = min(1, p.conf+0.05)
			return &p.p, p.conf, p.reason + fmt.Sprintf("; page 2 brought %d new postings", fresh), fresh
		}
		if fallback == nil {
			p := p
			p.conf *= 0.4
			p.reason += "; but page 2 brought no new posting"
			fallback = &p
		}
	}
	if fallback != nil {
		return &fallback.p, fallback.conf, fallback.reason, 0
	}
	return nil, 0, "", 0
}

// goesOn returns the first selector whose first link on page 2 (at
// page2) leads neither back to page 1 nor to page 2 itself; none on page 2
// is fine (the last page). With saysSo, that link must say next too, as
// the one on page 1 did.
func goesOn(root *html.Node, page2, page1 *url.URL, sels []string, saysSo bool) string {
	for _, s := range sels {
		sel, err := cascadia.Compile(s)
		if err != nil {
			continue
		}
		n := cascadia.Query(root, sel)
		if n == nil {
			return s
		}
		u := resolve(page2, attrOf(n, "href"))
		if u != nil && (!saysSo || saysNext(n)) && u.String() != page1.String() && u.String() != page2.String() {
			return s
		}
	}
	return ""
}

// tryJSON probes the page's load-more endpoints; the first that answers
// postings gives a json: site.
func (c *client) tryJSON(ctx context.Context, ls *listing, company string, before []Choice) (Suggestion, bool) {
	var whys []string
	for _, u := range endpoints(ls.root, ls.url) {
		jp, why := c.probeJSON(ctx, u, extract.Options{URL: u.String(), Company: company})
		if jp == nil {
			whys = append(whys, why)
			continue
		}
		if company == "" {
			for _, p := range jp.postings {
				if p.Company != "" {
					company = p.Company
					break
				}
			}
		}
		spec := jp.spec
		s := crawler.Site{Name: siteName(company, ls.url), Company: company, Source: crawler.SourceJSON, JSON: &spec}
		sug := Suggestion{Site: s, How: fmt.Sprintf("a result page (%s) whose load-more control reads a JSON endpoint (%s)", ls.url, shortURL(u))}
		for _, ch := range before {
			if ch.Key == "job_links" {
				ch.Reason += " (on the first page only: the rest comes from the endpoint)"
				sug.Choices = append(sug.Choices, ch)
			}
		}
		sug.Choices = append(sug.Choices, Choice{Key: "json", Value: spec.URL, Confidence: round2(jp.conf), Reason: jp.reason})
		var fields []string
		for _, f := range jsonFieldOrder {
			if k := spec.Fields[f]; k != "" {
				fields = append(fields, f+"="+k)
			}
		}
		sug.Choices = append(sug.Choices, Choice{Key: "json.fields", Value: strings.Join(fields, " "), Confidence: 0.8,
			Reason: "keys named as APIs commonly name them; the postings are read from the endpoint, not their pages"})
		var posts []*extract.Posting
		for i := range jp.postings {
			p := &jp.postings[i]
			posts = append(posts, p)
			sug.Samples = append(sug.Samples, Sample{URL: p.URL, Fields: sampleFields(p)})
		}
		sug.Coverage = coverage(posts)
		sug.Notes = append(sug.Notes, "postings are read from the JSON endpoint: only the fields it gives (json.fields) are kept")
		if len(whys) > 0 {
			sug.Notes = append(sug.Notes, "other endpoints the page names: "+strings.Join(whys, "; "))
		}
		if err := sug.Site.Validate(); err != nil {
			continue
		}
		return sug, true
	}
	return Suggestion{}, false
}

func describePaging(p crawler.Pagination) string {
	switch {
	case p.Next != "":
		return "next: " + p.Next
	case p.PageParam != "":
		return "page_param: " + p.PageParam
	case p.OffsetStep > 0:
		return fmt.Sprintf("offset_param: %s, offset_step: %d", p.OffsetParam, p.OffsetStep)
	}
	return "offset_param: " + p.OffsetParam
}

// spread picks up to n items spread over s: the first, the last and
// between.
func spread(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, s[i*(len(s)-1)/(n-1)])
	}
	return out
}

// samples fetches and extracts postings; for each, what it gave or why it
// gave nothing.
func (c *client) samples(ctx context.Context, urls []string, company string, rules extract.Rules) ([]Sample, []*extract.Posting, []error) {
	if rules != nil {
		if err := rules.Compile(); err != nil {
			rules = nil
		}
	}
	out := make([]Sample, len(urls))
	posts := make([]*extract.Posting, len(urls))
	errs := make([]error, len(urls))
	for i, u := range urls {
		out[i].URL = u
		body, final := c.pages[u], u
		if body == nil {
			var err error
			if body, final, err = c.get(ctx, u); err != nil {
				out[i].Error, errs[i] = err.Error(), err
				continue
			}
			c.pages[u] = body
		}
		ps, err := extract.Parse(bytes.NewReader(body), extract.Options{URL: final, Company: company, Rules: rules, Raw: body})
		if len(ps) == 0 {
			if err == nil {
				err = extract.ErrNoPosting
			}
			out[i].Error, errs[i] = shorten(err.Error(), 200), err
			continue
		}
		p := ps[0]
		if len(ps) > 1 && !p.FromListing() {
			out[i].Error = fmt.Sprintf("%d postings on the page; the first is shown", len(ps))
		}
		if p.FromListing() {
			out[i].Error = fmt.Sprintf("a result page (%d job cards), not a posting", len(ps))
		}
		posts[i] = &p
		out[i].Fields = sampleFields(&p)
	}
	return out, posts, errs
}

// sampleFields is what a posting gave per field, as text.
func sampleFields(p *extract.Posting) map[string]string {
	m := map[string]string{
		"job_number": p.JobNumber, "title": p.Title, "locations": strings.Join(p.Locations, "; "),
		"job_family": p.JobFamily, "team": p.Team, "department": p.Department,
		"employment_type": p.EmploymentType, "date_posted": p.DatePosted,
	}
	if p.SalaryMin > 0 || p.SalaryMax > 0 {
		s := strconv.FormatFloat(p.SalaryMin, 'f', -1, 64)
		if p.SalaryMax > 0 && p.SalaryMax != p.SalaryMin {
			s += "–" + strconv.FormatFloat(p.SalaryMax, 'f', -1, 64)
		}
		m["salary"] = strings.TrimSpace(s + " " + p.SalaryCurrency + " " + p.SalaryPeriod)
	}
	if n := len([]rune(p.Description)); n > 0 {
		m["description"] = fmt.Sprintf("%d chars", n)
	}
	if n := len(p.Qualifications); n > 0 {
		m["qualifications"] = fmt.Sprintf("%d items", n)
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// coverage is each field's share of the samples that gave it, and the
// rule that gave it.
func coverage(posts []*extract.Posting) []Choice {
	var out []Choice
	n := len(posts)
	if n == 0 {
		return nil
	}
	for _, f := range SampleFields {
		had, rule, example := 0, "", ""
		for _, p := range posts {
			if p == nil {
				continue
			}
			if v := sampleFields(p)[f]; v != "" {
				had++
				if rule == "" {
					rule, example = ruleOf(p, f), v
				}
			}
		}
		ch := Choice{Key: f, Value: fmt.Sprintf("%d/%d", had, n), Confidence: round2(float64(had) / float64(n))}
		if had == 0 {
			ch.Reason = "no sample gave it"
		} else {
			ch.Reason = fmt.Sprintf("%d of %d samples, e.g. %q", had, n, shorten(example, 40))
			if rule != "" {
				ch.Reason += " from " + rule
			}
		}
		out = append(out, ch)
	}
	return out
}

func ruleOf(p *extract.Posting, field string) string {
	key := field
	if field == "salary" {
		key = "salary_min"
	}
	if r := p.Rules[key]; r != "" {
		return r
	}
	if s := p.Sources[key]; s != "" {
		return string(s)
	}
	return ""
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// siteCompany is the employer a page names in its og:site_name or
// application-name meta, or "".
func siteCompany(root *html.Node, _ *url.URL) string {
	for _, n := range cascadia.QueryAll(root, cascadia.MustCompile("meta")) {
		switch strings.ToLower(attrOf(n, "property") + attrOf(n, "name")) {
		case "og:site_name", "application-name":
			if v := strings.TrimSpace(attrOf(n, "content")); v != "" && len(v) < 80 {
				return careersWord.ReplaceAllString(v, "")
			}
		}
	}
	return ""
}

var careersWord = regexp.MustCompile(`(?i)\s*[-|:–]?\s*\b(careers?|jobs|karriere|carrières|empleo|empleos)\s*$`)

// siteName names the site after its company, else its host.
func siteName(company string, u *url.URL) string {
	if n := ats.SiteName(company); n != "" {
		return n
	}
	host := strings.TrimPrefix(u.Hostname(), "www.")
	host = strings.TrimPrefix(host, "careers.")
	host = strings.TrimPrefix(host, "jobs.")
	if i := strings.IndexByte(host, '.'); i > 0 && !ipLike(host) {
		host = host[:i]
	}
	if n := ats.SiteName(host); n != "" {
		return n
	}
	return "site"
}

func ipLike(h string) bool {
	return strings.Trim(h, "0123456789.") == ""
}

// idLabel looks in the sample pages for a label the extraction does not
// map whose value is an id, different on every page: the job number.
func (c *client) idLabel(ctx context.Context, samples []Sample) (*extract.Rule, bool) {
	type seen struct {
		written string
		values  map[string]bool
	}
	byLabel := map[string]*seen{}
	var order []string
	pages := 0
	for _, s := range samples {
		body := c.pages[s.URL]
		if body == nil {
			continue
		}
		root, err := htmlfast.Parse(body)
		if err != nil {
			continue
		}
		pages++
		for _, lv := range labelledValues(root) {
			if extract.FieldForLabel(lv[0]) != "" || !idValue.MatchString(lv[1]) || !extract.ValidJobNumber(lv[1]) {
				continue
			}
			key := strings.ToLower(lv[0])
			if byLabel[key] == nil {
				byLabel[key] = &seen{written: lv[0], values: map[string]bool{}}
				order = append(order, key)
			}
			byLabel[key].values[lv[1]] = true
		}
	}
	for _, k := range order {
		if s := byLabel[k]; len(s.values)*2 >= pages && len(s.values) >= 2 || pages == 1 && len(s.values) == 1 {
			return &extract.Rule{Label: s.written}, true
		}
	}
	return nil, false
}

// idValue is a value shaped like an id: one word holding a digit.
var idValue = regexp.MustCompile(`^[A-Za-z0-9#][A-Za-z0-9._/#-]{0,30}$`)

var digit = regexp.MustCompile(`\d`)

// labelledValues are the label/value pairs a page shows: <dt>/<dd>, a
// table row's header and cell, a bold or label element and the text after
// it. Labels lose a trailing colon.
func labelledValues(root *html.Node) [][2]string {
	var out [][2]string
	add := func(label, value string) {
		label = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(label), ":：*"))
		value = strings.TrimSpace(strings.TrimLeft(value, " :：-–"))
		if label != "" && value != "" && len(label) <= 40 && digit.MatchString(value) && len(out) < 500 {
			out = append(out, [2]string{label, value})
		}
	}
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if depth > 200 {
			return
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style:
				return
			case atom.Dt:
				if dd := nextElement(n); dd != nil && dd.DataAtom == atom.Dd {
					add(nodeText(n), nodeText(dd))
				}
			case atom.Tr:
				var cells []*html.Node
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && (c.DataAtom == atom.Th || c.DataAtom == atom.Td) {
						cells = append(cells, c)
					}
				}
				if len(cells) == 2 {
					add(nodeText(cells[0]), nodeText(cells[1]))
				}
			case atom.B, atom.Strong, atom.Label, atom.Span, atom.Em:
				if p := n.Parent; p != nil && firstElement(p) == n {
					lt, pt := nodeText(n), nodeText(p)
					if rest, ok := strings.CutPrefix(pt, lt); ok && len(lt) < len(pt) {
						add(lt, rest)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	return out
}

func nextElement(n *html.Node) *html.Node {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if s.Type == html.ElementNode {
			return s
		}
	}
	return nil
}

func firstElement(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			return nil
		}
	}
	return nil
}
