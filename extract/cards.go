package extract

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file reads result pages: a list of job cards, each a link to a
// posting with its title and a few facts (company, location, date). No
// selector is needed: a card is found from its posting's id, in a link's
// URL or a data attribute, and it is the largest element around that id
// that holds no other posting's.

// minCards is how many cards make a result page; one link to a posting
// (an "apply" link, a "next job" link) does not.
const minCards = 2

// card is one posting on a result page.
type card struct {
	id    string
	root  *html.Node   // the element holding the card and nothing of another
	links []*html.Node // its links to the posting
	href  string       // the first of them, absolute when the page's URL is known
}

var (
	// jobWord is a path segment that says what follows is a posting:
	// "/jobs/…", "/job-details/…", "/careers/…".
	jobWord = mustFilter(`(?i)(^|[-_.])(jobs?|careers?|positions?|vacanc(y|ies)|openings?|postings?|requisitions?|reqs?|stellen(angebote?)?|offres?|empleos?|vagas?|vacatures?|opportunit(y|ies))([-_.]|$)`)
	// jobWordID is a segment that is such a word and the id: "job-007-927-304".
	jobWordID = mustFilter(`(?i)^(?:jobs?|positions?|vacancy|posting|req|requisition)[-_]([A-Za-z0-9][A-Za-z0-9-]*\d[A-Za-z0-9-]*)$`)
	// slugID is a slug ending in the id: "executive-assistant-at-amazon-3943870863",
	// "Senior-Strategy-Manager_24WD81528".
	slugID = regexp.MustCompile(`_([A-Za-z0-9]*\d{4,}[A-Za-z0-9]*)$|-((?:[A-Za-z]{1,5}-?)?\d{5,})$`)
	// pageExt is a file extension some sites give their posting pages.
	pageExt = mustFilter(`(?i)\.(html?|aspx?|php|jsp|cfm)$`)
)

// jobStems are parts one of which every match of jobWord and jobWordID
// holds: a segment with none of them is not tried against them.
var jobStems = []string{"job", "career", "position", "vacanc", "opening", "posting", "req", "stellen", "offre",
	"empleo", "vaga", "vacature", "opportunit"}

func hasJobStem(seg string) bool {
	for _, w := range jobStems {
		if containsFold(seg, w) {
			return true
		}
	}
	return false
}

// trailingID is the id a slug ends in, or "".
func trailingID(seg string) string {
	m := slugID.FindStringSubmatch(seg)
	if m == nil {
		return ""
	}
	return firstNonEmpty(m[1], m[2])
}

// jobIDAttrs are the data attributes result pages keep a posting's id in.
var jobIDAttrs = []string{"data-job-id", "data-jobid", "data-job-posting-id", "data-posting-id", "data-requisition-id",
	"data-req-id", "data-jk", "data-entity-urn", "data-job"}

// jobIDAttr returns the job id n's data attributes hold, or "": for an URN
// ("urn:li:jobPosting:3943870863") its last part, when it names a job.
func jobIDAttr(n *html.Node) string {
	if len(n.Attr) == 0 {
		return ""
	}
	for _, key := range jobIDAttrs {
		v := strings.TrimSpace(attr(n, key))
		if v == "" {
			continue
		}
		if i := strings.LastIndexByte(v, ':'); i >= 0 {
			if !strings.Contains(strings.ToLower(v[:i]), "job") {
				continue
			}
			v = v[i+1:]
		}
		if ValidJobNumber(v) {
			return v
		}
	}
	return ""
}

// jobIDFromLink finds a posting's id in a link: a query parameter named
// like one, or a path segment after a word that says "job" ("/jobs/322695",
// "/job-details/89567-some-title-job", "/jobs/view/some-title-3943870863",
// "/job-007-927-304.html"). Links that do not lead to a posting give "".
func jobIDFromLink(u *url.URL) string {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	jobPath := false
	id := ""
	for _, seg := range segs {
		seg = pageExt.ReplaceAllString(seg, "")
		wordy := hasJobStem(seg)
		var m []string
		if wordy {
			m = jobWordID.FindStringSubmatch(seg)
		}
		if m != nil && ValidJobNumber(m[1]) {
			id, jobPath = m[1], true
			continue
		}
		if jobPath {
			switch {
			case urlIDPath.MatchString(seg) && ValidJobNumber(seg):
				id = seg
			case urlIDLead.MatchString(seg):
				id = urlIDLead.FindStringSubmatch(seg)[1]
			case slugID.MatchString(seg):
				id = trailingID(seg)
			}
		}
		if wordy && jobWord.MatchString(seg) {
			jobPath = true
		}
	}
	if id != "" {
		return id
	}
	for _, kv := range queryPairs(u) {
		if !urlIDParam.MatchString(kv[0]) || (strings.EqualFold(kv[0], "id") && !jobPath) {
			continue
		}
		if ValidJobNumber(kv[1]) {
			return kv[1]
		}
	}
	return ""
}

// cards finds the job cards of a result page, in page order.
func (sc *scan) cards(base *url.URL) []card {
	if len(sc.links) < minCards {
		return nil
	}
	type candidate struct {
		n    *html.Node
		id   string
		href string
	}
	var cands []candidate
	for _, n := range sc.links {
		if id := jobIDAttr(n); id != "" {
			cands = append(cands, candidate{n: n, id: id})
		}
		if n.DataAtom != atom.A {
			continue
		}
		href := strings.TrimSpace(attr(n, "href"))
		if href == "" || href[0] == '#' {
			continue // the page itself
		}
		u, err := url.Parse(href)
		if err != nil || u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
			continue
		}
		if base != nil {
			u = base.ResolveReference(u)
			if u.Host == base.Host && u.Path == base.Path && u.RawQuery == base.RawQuery {
				continue
			}
		}
		if id := jobIDFromLink(u); id != "" {
			cands = append(cands, candidate{n: n, id: id, href: u.String()})
		}
	}
	if len(cands) < minCards {
		return nil
	}

	// Mark every ancestor with the one id below it, or with conflict when
	// it holds several: a card is the highest ancestor holding one id.
	const conflict = "\x00"
	owner := map[*html.Node]string{}
	for _, c := range cands {
		for a := c.n; a != nil && a.DataAtom != atom.Body; a = a.Parent {
			o, seen := owner[a]
			if seen && (o == c.id || o == conflict) {
				break // so is every ancestor above: marked on the way up before
			}
			if seen {
				owner[a] = conflict
			} else {
				owner[a] = c.id
			}
		}
	}
	// cards in the order their first link or id appears on the page
	var out []card
	index := map[string]int{}
	for _, c := range cands {
		root := c.n
		for root.Parent != nil && root.Parent.DataAtom != atom.Body && owner[root.Parent] == c.id {
			root = root.Parent
		}
		i, ok := index[c.id]
		if !ok {
			i = len(out)
			index[c.id] = i
			out = append(out, card{id: c.id, root: root})
		}
		k := &out[i]
		if root != k.root && contains(root, k.root) {
			k.root = root // an id attribute on an inner element, a link around the card
		}
		if c.href != "" {
			k.links = append(k.links, c.n)
			if k.href == "" {
				k.href = c.href
			}
		}
	}
	if len(out) < minCards {
		return nil
	}
	return out
}

// readInCard reports whether the page's job number was read (where) inside
// a card: one card's "Req ID: 123" taken for the page's. A card that holds
// the page's heading is the page's own posting (its apply link or save
// button carries its id), not one of a list.
func readInCard(cards []card, where *html.Node, headings []*html.Node) bool {
	if where == nil {
		return false
	}
	for _, c := range cards {
		if !contains(c.root, where) {
			continue
		}
		for _, h := range headings {
			if contains(c.root, h) {
				return false
			}
		}
		return true
	}
	return false
}

// cardPostings reads one posting from each card. Cards without a title
// are rejected; the error joins their reasons.
func cardPostings(cards []card, opts Options) ([]Posting, error) {
	var out []Posting
	var errs []error
	for _, c := range cards {
		x := newExtraction(opts)
		x.fromCard(c)
		p, err := x.finish()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

var (
	titleClass    = regexp.MustCompile(`(?i)(^|[-_\s])(job-?)?(title|name|position)([-_\s]|$)`)
	companyClass  = regexp.MustCompile(`(?i)(^|[-_\s])(company|companies|employer|organi[sz]ation|hiring-?org|firm)([-_\s]|name|$)`)
	locationClass = regexp.MustCompile(`(?i)location|(^|[-_\s])(loc|city|place|address|region)([-_\s]|$)`)
	dateClass     = regexp.MustCompile(`(?i)date|posted|(^|[-_\s])(time|ago|age)([-_\s]|$)`)
	typeClass     = regexp.MustCompile(`(?i)employment|schedule|job-?type|(^|[-_\s])(type|hours)([-_\s]|$)`)
	companyHref   = mustFilter(`(?i)/(company|companies|employer|employers|employer-profile|organi[sz]ations?|firma|unternehmen|entreprise|empresa)(/|-|$)|[?&](company|employer)(_?id)?=`)
)

// leaf is a piece of a card's text: an element and its text.
type leaf struct {
	n    *html.Node
	text string
}

// fromCard fills the posting of one card.
func (x *extraction) fromCard(c card) {
	p := &x.p
	x.setIDs([]string{c.id}, SourceCard)
	if u := x.resolve(c.href); u != "" {
		x.setText("url", &p.URL, u, SourceCard)
	} else if c.href != "" && x.base == nil {
		x.setText("url", &p.URL, c.href, SourceCard) // a file read with no address: keep the link as written
	}

	used := map[string]bool{} // texts a header or label assigned already
	// a table row: the header names the columns
	if cols := columnFields(c.root); cols != nil {
		labels := map[string]labelValue{}
		i := 0
		for td := c.root.FirstChild; td != nil; td = td.NextSibling {
			if td.Type != html.ElementNode || (td.DataAtom != atom.Td && td.DataAtom != atom.Th) {
				continue
			}
			if i < len(cols) && cols[i] != "" {
				if v := cleanString(nodeText(td)); v != "" {
					labels[cols[i]] = labelValue{label: cols[i], values: []string{v}, rule: "card column " + cols[i]}
					used[v] = true
				}
			}
			i++
		}
		x.applyLabels(labels, SourceCard)
	}

	inLink := func(n *html.Node) bool {
		for _, l := range c.links {
			if contains(l, n) {
				return true
			}
		}
		return false
	}
	var (
		linkHeading, hintTitle, firstHeading, linkText string
		company, hintCompany, hintLocation, hintType   string
		datetime, hintDate                             string
		leaves                                         []leaf
	)
	var visit func(n *html.Node, d int)
	visit = func(n *html.Node, d int) {
		if d > maxDepth {
			return
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type == html.TextNode && strings.TrimSpace(ch.Data) != "" && n.Type == html.ElementNode {
				if len(leaves) == 0 || leaves[len(leaves)-1].n != n {
					leaves = append(leaves, leaf{n: n})
				}
			}
			if ch.Type != html.ElementNode || skipped(ch.DataAtom) {
				continue
			}
			class := attr(ch, "class")
			switch {
			case heading(ch.DataAtom) && linkHeading == "" && inLink(ch):
				linkHeading = cleanString(nodeText(ch))
			case heading(ch.DataAtom) && firstHeading == "":
				firstHeading = cleanString(nodeText(ch))
			}
			if class != "" {
				switch {
				// each kind of hint: the first whose text can be one
				case companyClass.MatchString(class):
					if hintCompany == "" {
						hintCompany = cleanString(nodeText(ch))
					}
				case locationClass.MatchString(class):
					if hintLocation == "" {
						hintLocation = strings.TrimSpace(nodeText(ch))
					}
				case dateClass.MatchString(class):
					if t := cleanString(nodeText(ch)); hintDate == "" && ParseDate(t, x.opts.now()) != "" {
						hintDate = t
					}
				case typeClass.MatchString(class):
					if t := cleanString(nodeText(ch)); hintType == "" && isEmploymentType(t) {
						hintType = t
					}
				case titleClass.MatchString(class) && !strings.Contains(strings.ToLower(class), "subtitle"):
					if hintTitle == "" {
						hintTitle = cleanString(nodeText(ch))
					}
				}
			}
			switch ch.DataAtom {
			case atom.Time:
				if datetime == "" {
					datetime = attr(ch, "datetime")
				}
			case atom.A:
				if company == "" && companyHref.MatchString(attr(ch, "href")) {
					company = cleanString(nodeText(ch))
				}
				if linkText == "" && inLink(ch) {
					linkText = cleanString(nodeText(ch))
					if linkText == "" {
						linkText = cleanString(attr(ch, "title"))
					}
				}
			}
			visit(ch, d+1)
		}
	}
	visit(c.root, 0)

	// labelled facts inside the card: "Location: Austin, TX", <dt>Location</dt><dd>…
	labels := map[string]labelValue{}
	for i := range leaves {
		leaves[i].text = nodeText(leaves[i].n)
	}
	for i, l := range leaves {
		t := cleanString(l.text)
		if field, norm, ok := labelOf(t); ok && i+1 < len(leaves) {
			if _, dup := labels[field]; !dup {
				labels[field] = labelValue{label: norm, values: []string{leaves[i+1].text}, rule: "card " + labelRule(t)}
				used[cleanString(leaves[i+1].text)] = true
			}
			continue
		}
		for _, pair := range splitLabelled(t) {
			if _, dup := labels[labelField[pair.label]]; !dup {
				labels[labelField[pair.label]] = pair
				used[t] = true
			}
		}
	}

	src := SourceCard
	x.setText("title", &p.Title, firstNonEmpty(linkHeading, hintTitle), src)
	x.setText("company", &p.Company, firstNonEmpty(company, hintCompany), src)
	if hintLocation != "" {
		x.setLocations([]string{hintLocation}, src)
	}
	x.setText("date_posted", &p.DatePosted, ParseDate(datetime, x.opts.now()), src)
	x.setText("date_posted", &p.DatePosted, ParseDate(hintDate, x.opts.now()), src)
	if kind, ok := employmentType(hintType); ok {
		x.setText("employment_type", &p.EmploymentType, kind, src)
	}
	x.applyLabels(labels, src)
	x.setText("title", &p.Title, firstNonEmpty(linkText, firstHeading), src)

	// what is left, by what the text looks like
	for _, l := range leaves {
		t := cleanString(l.text)
		if t == "" || used[t] || inLink(l.n) || t == p.Title || t == p.Company || len(t) > 160 {
			continue
		}
		if _, _, isLabel := labelOf(t); isLabel {
			continue
		}
		switch {
		case !x.has("date_posted") && len(t) <= 40 && ParseDate(t, x.opts.now()) != "":
			x.setText("date_posted", &p.DatePosted, ParseDate(t, x.opts.now()), src)
		case !x.has("employment_type") && len(t) <= 40 && isEmploymentType(t):
			kind, _ := employmentType(t)
			x.setText("employment_type", &p.EmploymentType, kind, src)
		case !x.has("locations") && looksLikeLocation(l.text):
			x.setLocations([]string{l.text}, src)
		}
	}
}

// isEmploymentType reports whether all of s names an employment type
// ("Full Time", "Contract"), not a sentence that mentions one.
func isEmploymentType(s string) bool {
	_, ok := employmentType(s)
	return ok && len(strings.Fields(s)) <= 4
}

// looksLikeLocation reports whether s reads as locations: each part names
// a country, a US state or Canadian province, or remote work.
func looksLikeLocation(s string) bool {
	parts := splitLocations(s)
	if len(parts) == 0 || len(s) > 200 {
		return false
	}
	for _, part := range parts {
		pl := ParseLocation(part)
		if pl.Country == "" && !pl.Remote {
			return false
		}
	}
	return true
}

// columnFields returns, for a table row, the field each cell holds as its
// table's header row names it: the header in the row's own table, or in a
// table just before it (result lists that keep a fixed header apart).
func columnFields(tr *html.Node) []string {
	if tr.DataAtom != atom.Tr {
		return nil
	}
	var table *html.Node
	for p := tr.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.Table {
			table = p
			break
		}
	}
	if table == nil {
		return nil
	}
	hdr := headerRow(table)
	if hdr == nil {
		prev := table.PrevSibling
		for prev != nil && prev.Type != html.ElementNode {
			prev = prev.PrevSibling
		}
		if prev != nil && prev.DataAtom == atom.Table {
			hdr = headerRow(prev)
		}
	}
	if hdr == nil || hdr == tr {
		return nil
	}
	var cols []string
	found := false
	for th := hdr.FirstChild; th != nil; th = th.NextSibling {
		if th.Type != html.ElementNode {
			continue
		}
		field, _, _ := labelOf(nodeText(th))
		if field == "alt_ids" {
			field = "job_number"
		}
		found = found || field != ""
		cols = append(cols, field)
	}
	if !found {
		return nil
	}
	return cols
}

// headerRow returns the first row of table made of <th> cells only.
func headerRow(table *html.Node) *html.Node {
	var rows []*html.Node
	for c := table.FirstChild; c != nil; c = c.NextSibling {
		switch c.DataAtom {
		case atom.Tr:
			rows = append(rows, c)
		case atom.Thead, atom.Tbody:
			for r := c.FirstChild; r != nil; r = r.NextSibling {
				if r.DataAtom == atom.Tr {
					rows = append(rows, r)
				}
			}
		}
		if len(rows) > 0 {
			break
		}
	}
	for _, r := range rows[:min(len(rows), 1)] {
		cells, ths := 0, 0
		for c := r.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				cells++
				if c.DataAtom == atom.Th {
					ths++
				}
			}
		}
		if cells >= 2 && ths == cells {
			return r
		}
	}
	return nil
}
