package extract

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var (
	moreLocations      = mustFilter(`(?i)\s*\+\s*\d+\s*(more|others?|locations?)\b.*$`)
	locationSeparators = regexp.MustCompile(`\s*(;|\||\n|\s/\s|\s•\s)\s*`)
)

// fromLabels fills what is still empty from the page's labelled text.
func (x *extraction) fromLabels(sc *scan) {
	labels := findLabels(sc.segs)
	x.applyLabels(labels, SourceLabel)
}

func (x *extraction) applyLabels(labels map[string]labelValue, src Source) {
	p := &x.p
	for field, lv := range labels {
		if field != "job_number" && field != "alt_ids" && x.has(field) {
			continue // a stronger source gave it: no need to read this one
		}
		first := lv.values[0]
		x.why = lv.rule
		switch field {
		case "job_number":
			var ids []string
			for _, v := range lv.values {
				for _, id := range splitIDs(v) {
					if ValidJobNumber(id) {
						ids = append(ids, id)
					}
				}
			}
			if len(ids) == 0 && x.badID == "" {
				x.badID = first // "to be announced", a date…: said, but not a job number
			}
			had := x.has("job_number")
			x.setIDs(ids, src)
			if !had && x.has("job_number") {
				x.idNode = lv.node
			}
		case "alt_ids":
			for _, v := range lv.values {
				for _, id := range splitIDs(v) {
					if ValidJobNumber(id) {
						x.reqIDs = append(x.reqIDs, id)
					}
				}
			}
			if x.reqNode == nil {
				x.reqNode = lv.node
			}
			x.mark("alt_ids", src)
		case "title":
			x.setText(field, &p.Title, first, src)
		case "locations":
			x.setLocations(lv.values, src)
		case "job_family":
			x.setText(field, &p.JobFamily, first, src)
		case "team":
			x.setText(field, &p.Team, first, src)
		case "department":
			x.setText(field, &p.Department, first, src)
		case "employment_type":
			if kind, ok := employmentType(first); ok {
				x.setText(field, &p.EmploymentType, kind, src)
			} else if lv.label != "type" { // "Type: Engineering" says nothing of employment
				x.setText(field, &p.EmploymentType, NormalizeEmploymentType(first), src)
			}
		case "workplace_type":
			x.setText(field, &p.WorkplaceType, NormalizeWorkplaceType(first), src)
		case "date_posted":
			x.setText(field, &p.DatePosted, ParseDate(first, x.opts.now()), src)
		case "valid_through":
			x.setText(field, &p.ValidThrough, ParseDate(first, x.opts.now()), src)
		case "salary":
			if s, ok := ParseSalary(strings.Join(lv.values, " ")); ok {
				x.setSalary(s, src)
			}
		case "company":
			x.setText(field, &p.Company, first, src)
		}
	}
	x.why = ""
}

// careersSuffix is what a site's name adds to the company's: "Contoso Careers".
var careersSuffix = mustFilter(`(?i)\s*[-|:]?\s*\b(careers?|jobs|job board|career site|karriere)\s*$`)

// titleSuffix is what sites append to a <title>: " | Contoso Careers", " - Jobs at Contoso".
var titleSuffix = regexp.MustCompile(`\s+[|–—·-]\s+[^|–—·]*$`)

// fromPage fills what is left from the page itself: its h1 or title, the
// canonical link, the company the site's name gives, the description block
// and its qualifications, the apply link, and a job number in the URL.
func (x *extraction) fromPage(sc *scan) {
	p := &x.p
	if !x.has("title") {
		t, why := pageTitle(sc, p.Company)
		x.why = why
		x.setText("title", &p.Title, t, SourcePage)
		x.why = ""
	}
	if c := x.resolve(sc.canonical); c != "" && x.sameSite(c) {
		if !x.has("url") || p.URL == x.opts.URL {
			p.URL = c
			x.remark("url", SourcePage, "page canonical link")
		}
	}
	// the page's other address for itself: og:url often differs from the canonical link
	if og := x.resolve(sc.metas["og:url"]); og != "" && og != p.URL && x.sameSite(og) && idFromURL(og) != "" {
		p.URLs = append(p.URLs, og)
	}
	// the site's name is a guess at the company: the configured one is better
	if !x.has("company") && x.opts.Company == "" {
		name := careersSuffix.ReplaceAllString(sc.metas["og:site_name"], "")
		x.why = "page og:site_name"
		x.setText("company", &p.Company, strings.TrimSpace(name), SourcePage)
	}
	if !x.has("company") && x.opts.Company == "" {
		// "Customer Success Manager | Wingtip Careers": the site's name, when it says it is a careers site
		if suffix := titleSuffix.FindString(sc.title); suffix != "" && careersSuffix.MatchString(suffix) {
			name := strings.Trim(careersSuffix.ReplaceAllString(suffix, ""), " |–—·-")
			x.why = "page <title> suffix"
			x.setText("company", &p.Company, strings.TrimSpace(name), SourcePage)
		}
	}
	if !x.has("company") && x.opts.Company == "" {
		// "Contoso is an equal opportunity employer."
		x.why = "page equal-opportunity statement"
		x.setText("company", &p.Company, sc.eeoCompany(), SourcePage)
	}
	x.why = ""
	descNode := sc.descNode()
	if !x.has("description") {
		var d string
		region := descNode
		if region == nil {
			region = mainNode(sc)
		}
		if region == nil && x.source("job_number") == SourceLabel {
			// no block says it holds the posting, but the page labels a
			// job number: the page is the posting
			region = bodyOf(sc.root)
		}
		if region != nil {
			if block(region.DataAtom) {
				d = cleanDescription(sc.regionLines(region), p.Title)
			} else {
				d = cleanDescription(textLines(nodeText(region)), p.Title)
			}
			x.why = "page " + regionRule(region)
			if region.DataAtom == atom.Body && len(d) < 200 {
				d = "" // a page that holds its facts and little else has no description
			}
		}
		if d == "" {
			d, x.why = sc.metas["og:description"], "page og:description"
		}
		if d == "" {
			d, x.why = sc.metas["description"], "page meta description"
		}
		x.setText("description", &p.Description, d, SourcePage)
		x.why = ""
	}
	x.applySections(sc.pageSections(), SourcePage)
	if !x.has("apply_url") {
		u, why := x.applyLink(sc)
		x.why = why
		x.setText("apply_url", &p.ApplyURL, u, SourcePage)
		x.why = ""
	}
	// A job number from the URL alone needs the page to look like a
	// posting: a field read from its markup, or a description of some length.
	if !x.has("job_number") && len(x.reqIDs) == 0 && (x.evidence() > 0 || len(p.Description) >= 300) {
		if id, why := idFromURLRule(x.opts.URL); id != "" {
			x.why = why
			x.setIDs([]string{id}, SourceURL)
		} else if id, why := idFromURLRule(p.URL); id != "" {
			x.why = why
			x.setIDs([]string{id}, SourceURL)
		}
		x.why = ""
	}
}

var (
	// applyText is what an apply button says.
	// applyFirst (line_screen.go) lists the first words of applyText: change both
	applyText = mustFilter(`(?i)^\W*(apply|apply now|apply (for|to) (this|the) (job|position|role|vacancy)|apply online|apply here|easy apply|quick apply|start (your )?application|submit (your )?application|bewerben|jetzt bewerben|online bewerben|postuler|postuler maintenant|candidater|candidatar(se)?|postularme|solliciteer|申请职位|立即申请|申请|応募する|応募)\W*$`)
	// applyAttr is a class, id or tracking name that says "apply".
	applyAttr = mustFilter(`(?i)(^|[-_\s])apply([-_\s]|$)|apply-?(button|btn|link|now)|(button|btn)-?apply|bewerb`)
)

// applyLink is the address of the page's apply button or link: a link that
// says "Apply" (or "Bewerben", "Postuler"…), else one whose class or id does.
// A link to the page itself (an anchor, a script) does not count.
func (x *extraction) applyLink(sc *scan) (string, string) {
	byAttr, why := "", ""
	for _, n := range sc.links {
		if n.DataAtom != atom.A {
			continue
		}
		href := strings.TrimSpace(attr(n, "href"))
		if href == "" || strings.HasPrefix(href, "#") {
			continue
		}
		// what the link says first: resolving every link of a page costs more
		t := shortText(n, 60)
		byText := applyFirst.mayMatch(t) && applyText.MatchString(t)
		if !byText && (byAttr != "" || !(applyAttr.MatchString(attr(n, "class")) || applyAttr.MatchString(attr(n, "id")) ||
			applyAttr.MatchString(attr(n, "data-automation-id")) || applyAttr.MatchString(attr(n, "aria-label")))) {
			continue
		}
		u := x.resolve(href)
		if u == "" || u == x.opts.URL {
			continue
		}
		if byText {
			return u, "page apply link " + strconv.Quote(t)
		}
		byAttr, why = u, "page apply link "+regionRule(n)
	}
	return byAttr, why
}

// shortText is the text of n, cut after about max bytes: enough to read a
// button's label without rendering a large subtree.
func shortText(n *html.Node, max int) string {
	var b strings.Builder
	var visit func(n *html.Node, d int)
	visit = func(n *html.Node, d int) {
		for c := n.FirstChild; c != nil && b.Len() <= max && d < 32; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
				b.WriteByte(' ')
			case c.Type == html.ElementNode && !skipped(c.DataAtom):
				visit(c, d+1)
			}
		}
	}
	visit(n, 0)
	return cleanString(b.String())
}

// evidence counts the fields read from the page's markup (structured data,
// labels, rules), as opposed to guessed from its title or URL.
func (x *extraction) evidence() int {
	n := 0
	for _, m := range x.marks {
		if m.src != SourcePage && m.src != SourceURL && m.field != "title" && m.field != "company" {
			n++
		}
	}
	return n
}

// gonePhrase is what a careers site says on the page of a job it took down.
var gonePhrase = mustFilter(`(?i)(no longer (available|accepting|open|active)|job (not found|has expired|is closed|has been (filled|closed|removed))|position (has been filled|is (no longer|closed))|posting (has expired|is closed|not found)|page (not found|does not exist)|expired job|^\W*404\b|\berror\W*404\b|\b404\W*(error|not found|page))`)

// soft404 reports whether the page, lacking structured data, says the job is gone.
func (x *extraction) soft404(sc *scan) bool {
	if x.structured() {
		return false
	}
	return saysGone(x.p.Title) || sc.saysGone()
}

// saysGone reports whether the page's <title> or one of its first short
// lines says the job or page is gone.
func (sc *scan) saysGone() bool {
	if saysGone(sc.title) {
		return true
	}
	for i, s := range sc.segs {
		if i >= 12 {
			break
		}
		if len(s.text) < 200 && saysGone(s.text) {
			return true
		}
	}
	return false
}

// goneWords are words one of which every match of gonePhrase holds: a text
// with none of them is not tried against the expression.
var goneWords = []string{"no longer", "not found", "expired", "closed", "filled", "removed", "does not exist", "404"}

// saysGone reports whether s says a job or page is gone.
func saysGone(s string) bool {
	for _, w := range goneWords {
		if containsFold(s, w) {
			return gonePhrase.MatchString(s)
		}
	}
	return false
}

// structured reports whether any field came from structured data or rules.
func (x *extraction) structured() bool {
	for _, m := range x.marks {
		if src := m.src; src == SourceJSONLD || src == SourceMicrodata || src == SourceRDFa || src == SourceOverride {
			return true
		}
	}
	return false
}

// sameSite reports whether u is on the host of the page (a canonical link
// to another site is not trusted as the posting's URL).
func (x *extraction) sameSite(u string) bool {
	if x.base == nil {
		return true
	}
	v, err := url.Parse(u)
	return err == nil && strings.EqualFold(v.Hostname(), x.base.Hostname())
}

// pageTitle is the posting's title as the page shows it: the h1 in the
// main content, else the first h1 that is not the company's name, else
// og:title, else <title> without the site's suffix, else the first h2 of a
// fragment, else what follows the navigation of a page copied as text. The
// second result names the rule, for --explain.
func pageTitle(sc *scan, company string) (string, string) {
	var candidates []string
	for _, h := range sc.h1 {
		if t := cleanString(nodeText(h)); t != "" && !strings.EqualFold(t, company) && len(t) < 300 {
			if inMain(h) {
				return t, "page <h1>"
			}
			candidates = append(candidates, t)
		}
	}
	if len(candidates) > 0 {
		return candidates[0], "page <h1>"
	}
	for _, k := range []string{"og:title", "twitter:title"} {
		if t := sc.metas[k]; t != "" {
			return t, "page " + k
		}
	}
	if sc.title != "" {
		return strings.TrimSpace(titleSuffix.ReplaceAllString(sc.title, "")), "page <title>"
	}
	if sc.h2 != nil {
		// a fragment of a page: its first heading
		if t := cleanString(nodeText(sc.h2)); len(t) < 300 {
			return t, "page first <h2>"
		}
	}
	if len(sc.segs) > 0 {
		if t := titleAfterChrome(sc.segs[0].text); t != "" {
			return t, "page text after its navigation"
		}
	}
	return "", ""
}

func inMain(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.Main || p.DataAtom == atom.Article || attr(p, "role") == "main" {
			return true
		}
	}
	return false
}

// descNode returns the first description element with substantial text.
func (sc *scan) descNode() *html.Node {
	for _, n := range sc.desc {
		if textAtLeast(n, 80) {
			return n
		}
	}
	return nil
}

// textAtLeast reports whether n holds at least min bytes of text, without
// rendering more of it than that.
func textAtLeast(n *html.Node, min int) bool {
	total := 0
	var visit func(n *html.Node, d int) bool
	visit = func(n *html.Node, d int) bool {
		for c := n.FirstChild; c != nil && d < maxDepth; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				total += len(strings.TrimSpace(c.Data))
			case c.Type == html.ElementNode && !skipped(c.DataAtom):
				visit(c, d+1)
			}
			if total >= min {
				return true
			}
		}
		return total >= min
	}
	return visit(n, 0)
}

// mainNode is the page's main content: <main>, <article> or role=main.
func mainNode(sc *scan) *html.Node {
	for _, s := range sc.segs {
		for p := s.node; p != nil; p = p.Parent {
			if p.DataAtom == atom.Article || p.DataAtom == atom.Main || attr(p, "role") == "main" {
				return p
			}
		}
	}
	return nil
}

var (
	urlIDParam = regexp.MustCompile(`(?i)^(gh_jid|jobid|job_id|jid|jobreqid|reqid|req_id|requisitionid|postingid|vacancyid|id)$`)
	urlIDPath  = regexp.MustCompile(`^(?:[A-Za-z]{1,5}[-_]?)?\d{4,}(?:[-_][A-Za-z0-9]+)?$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	urlIDLead  = regexp.MustCompile(`^(\d{4,})[-_]`)
)

// queryPairs returns u's query parameters in the order they are written
// (url.Values is a map: with two id-like parameters, which one wins would
// change from run to run).
func queryPairs(u *url.URL) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(u.RawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 == nil && err2 == nil && k != "" {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// idFromURL finds a job number in a posting's URL: a query parameter named
// like one (?gh_jid=, ?jobId=), else the last path segment that is one
// ("/job/322695/slug", "/jobs/R-12345", a UUID), else a number leading a
// slug ("/jobs/322695-sales-manager").
func idFromURL(raw string) string {
	id, _ := idFromURLRule(raw)
	return id
}

// idFromURLRule is idFromURL, and which part of the URL gave the id.
func idFromURLRule(raw string) (string, string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", ""
	}
	for _, kv := range queryPairs(u) {
		if urlIDParam.MatchString(kv[0]) && ValidJobNumber(kv[1]) {
			return kv[1], "url query parameter " + kv[0]
		}
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if urlIDPath.MatchString(segs[i]) && ValidJobNumber(segs[i]) {
			return segs[i], "url path segment"
		}
	}
	for i := len(segs) - 1; i >= 0; i-- {
		if m := urlIDLead.FindStringSubmatch(segs[i]); m != nil {
			return m[1], "url path segment (number before its slug)"
		}
	}
	// a slug ending in the id: "/job/Senior-Manager_24WD81528", "/jobs/view/sales-lead-3943870863"
	if n := len(segs); n > 0 {
		if id := trailingID(segs[n-1]); id != "" && ValidJobNumber(id) {
			return id, "url path segment (id ending its slug)"
		}
	}
	return "", ""
}
