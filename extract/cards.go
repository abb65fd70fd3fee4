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
	// web is set when href is a web address that resolving gives back as
	// it is (a plain root path made absolute): it need not be parsed again.
	web bool
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

// jobStemsByFirst holds jobStems by their first letter, both cases.
var jobStemsByFirst = func() (t [256][]string) {
	for _, w := range jobStems {
		t[w[0]] = append(t[w[0]], w)
		t[w[0]-'a'+'A'] = append(t[w[0]-'a'+'A'], w)
	}
	return t
}()

// hasJobStem reports whether seg holds one of jobStems, ASCII case ignored.
// It reads seg once, comparing only where a stem's first letter is.
func hasJobStem(seg string) bool {
	for i := 0; i < len(seg); i++ {
		for _, w := range jobStemsByFirst[seg[i]] {
			if len(seg)-i >= len(w) && hasPrefixFoldString(seg[i:], w) {
				return true
			}
		}
	}
	return false
}

// jobWords are the words jobWord finds, in lower case.
var jobWords = map[string]bool{"job": true, "jobs": true, "career": true, "careers": true, "position": true,
	"positions": true, "vacancy": true, "vacancies": true, "opening": true, "openings": true, "posting": true,
	"postings": true, "requisition": true, "requisitions": true, "req": true, "reqs": true, "stellen": true,
	"stellenangebot": true, "stellenangebote": true, "offre": true, "offres": true, "empleo": true, "empleos": true,
	"vaga": true, "vagas": true, "vacature": true, "vacatures": true, "opportunity": true, "opportunities": true}

// isJobWord is jobWord.MatchString(seg). Its words hold no separator
// (- _ .), so in ASCII text a match is one of them making a whole
// separated part: looked up part by part, lowered on the stack. Other text
// goes to the expression, which folds case beyond ASCII.
func isJobWord(seg string) bool {
	if !isASCII(seg) {
		return jobWord.MatchString(seg)
	}
	var buf [16]byte
	for rest, more := seg, true; more; {
		var part string
		i := strings.IndexAny(rest, "-_.")
		if more = i >= 0; more {
			part, rest = rest[:i], rest[i+1:]
		} else {
			part = rest
		}
		if len(part) <= len(buf) && jobWords[string(lowerASCII(buf[:0], part))] {
			return true
		}
	}
	return false
}

// isURLIDPath is urlIDPath.MatchString(s), read in one pass: up to five
// letters and a - or _, four digits or more, and a - or _ and letters or
// digits ("R-12345", "322695", "JR-2026-X7"); or a lower-case UUID.
func isURLIDPath(s string) bool {
	if isLowerUUID(s) {
		return true
	}
	i := 0
	for i < len(s) && isLetterASCII(s[i]) {
		i++
	}
	if i > 5 {
		return false
	}
	if i > 0 && i < len(s) && (s[i] == '-' || s[i] == '_') {
		i++
	}
	j := i
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j++
	}
	switch {
	case j-i < 4:
		return false
	case j == len(s):
		return true
	case s[j] != '-' && s[j] != '_' || j+1 == len(s):
		return false
	}
	for _, c := range []byte(s[j+1:]) {
		if !isAlnumASCII(c) {
			return false
		}
	}
	return true
}

// isLowerUUID reports whether s is a UUID in lower-case hex.
func isLowerUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

func isLetterASCII(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

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
// ("urn:li:jobPosting:3943870863") its last part, when it names a job. It
// runs for every element of a page: one without a data attribute, nearly
// every one, is told in one look at its attributes.
func jobIDAttr(n *html.Node) string {
	if !hasDataAttr(n) {
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

// hasDataAttr reports whether n has a data-* attribute, as every one of
// jobIDAttrs is.
func hasDataAttr(n *html.Node) bool {
	for _, a := range n.Attr {
		if strings.HasPrefix(a.Key, "data-") {
			return true
		}
	}
	return false
}

// jobIDFromLink finds a posting's id in a link: a query parameter named
// like one, or a path segment after a word that says "job" ("/jobs/322695",
// "/job-details/89567-some-title-job", "/jobs/view/some-title-3943870863",
// "/job-007-927-304.html"). Links that do not lead to a posting give "".
// It runs for every link of every page, so it walks the path in place and
// tries the expressions only on segments that can match them: a path
// without a job word holds no id, and an id needs a digit.
func jobIDFromLink(u *url.URL) string {
	jobPath := false
	id := ""
	if path := strings.Trim(u.Path, "/"); hasJobStem(path) { // a stem holds no '/': else no segment has one
		for rest, more := path, true; more; {
			var seg string
			seg, rest, more = strings.Cut(rest, "/")
			if strings.IndexByte(seg, '.') >= 0 { // every extension starts with one
				seg = pageExt.ReplaceAllString(seg, "")
			}
			wordy := hasJobStem(seg)
			if wordy && strings.ContainsAny(seg, "-_") && hasDigitRun(seg, 1) { // as every match of jobWordID
				if m := jobWordID.FindStringSubmatch(seg); m != nil && ValidJobNumber(m[1]) {
					id, jobPath = m[1], true
					continue
				}
			}
			if jobPath && hasDigitRun(seg, 1) {
				switch {
				case isURLIDPath(seg) && ValidJobNumber(seg):
					id = seg
				case urlIDLead.MatchString(seg):
					id = urlIDLead.FindStringSubmatch(seg)[1]
				default:
					if t := trailingID(seg); t != "" {
						id = t
					}
				}
			}
			if wordy && isJobWord(seg) {
				jobPath = true
			}
		}
	}
	if id != "" || u.RawQuery == "" {
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
	if !sc.cardsRead {
		sc.cardList, sc.cardsRead = sc.findCards(base), true
	}
	return sc.cardList
}

func (sc *scan) findCards(base *url.URL) []card {
	if len(sc.links) < minCards {
		return nil
	}
	type candidate struct {
		n    *html.Node
		id   string
		href string
		web  bool
	}
	var cands []candidate
	links := newLinkResolver(base)
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
		l, ok := links.resolve(href)
		if !ok || links.isPage(l) {
			continue
		}
		if id := jobIDFromLink(l.u); id != "" {
			cands = append(cands, candidate{n: n, id: id, href: links.address(l), web: links.isWeb(l)})
		}
	}
	if len(cands) < minCards {
		return nil
	}

	// Mark every ancestor with the one id below it, or with conflict when
	// it holds several: a card is the highest ancestor holding one id.
	const conflict = "\x00"
	owner := make(map[*html.Node]string, 4*len(cands))
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
	out := make([]card, 0, len(cands))
	index := make(map[string]int, len(cands))
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
				k.href, k.web = c.href, c.web
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
	hints := classHints{}
	base := pageBase(opts)
	for _, c := range cards {
		x := newExtractionAt(opts, base)
		x.fromCard(c, hints)
		p, err := x.finish()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if out == nil {
			out = make([]Posting, 0, len(cards)) // a Posting is large: grown once, not copied over and over
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
	n     *html.Node
	text  string
	known bool   // text was read while visiting the card
	clean string // text, cleaned
	label bool   // whether clean is all a label ("Location:")
}

// fromCard fills the posting of one card; hints are those of the classes
// the page's cards were found to use so far.
func (x *extraction) fromCard(c card, hints classHints) {
	p := &x.p
	x.setIDs([]string{c.id}, SourceCard)
	if c.web {
		x.setText("url", &p.URL, c.href, SourceCard) // what resolving it would give
	} else if u := x.resolve(c.href); u != "" {
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
		datetime                                       string
		dateHints                                      []*html.Node         // read only when <time> gives no date
		leaves                                         = make([]leaf, 0, 8) // a card has a few
	)
	// visit reads n's children; text is n's text when it was read already
	// (known), which its leaf then keeps rather than reading it again.
	var visit func(n *html.Node, d int, text string, known bool)
	visit = func(n *html.Node, d int, text string, known bool) {
		if d > maxDepth {
			return
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type == html.TextNode && strings.TrimSpace(ch.Data) != "" && n.Type == html.ElementNode {
				if len(leaves) == 0 || leaves[len(leaves)-1].n != n {
					leaves = append(leaves, leaf{n: n, text: text, known: known})
				}
			}
			if ch.Type != html.ElementNode || skipped(ch.DataAtom) {
				continue
			}
			// ch's text, read at most once whatever asks for it
			var chText string
			chKnown := false
			textOf := func() string {
				if !chKnown {
					chText, chKnown = nodeText(ch), true
				}
				return chText
			}
			class := attr(ch, "class")
			switch {
			case heading(ch.DataAtom) && linkHeading == "" && inLink(ch):
				linkHeading = cleanString(textOf())
			case heading(ch.DataAtom) && firstHeading == "":
				firstHeading = cleanString(textOf())
			}
			if class != "" {
				// each kind of hint: the first whose text can be one
				switch hints.of(class) {
				case classCompany:
					if hintCompany == "" {
						hintCompany = cleanString(textOf())
					}
				case classLocation:
					if hintLocation == "" {
						hintLocation = strings.TrimSpace(textOf())
					}
				case classDate:
					dateHints = append(dateHints, ch)
				case classType:
					if hintType == "" {
						if t := cleanString(textOf()); isEmploymentType(t) {
							hintType = t
						}
					}
				case classTitle:
					if hintTitle == "" {
						hintTitle = cleanString(textOf())
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
					company = cleanString(textOf())
				}
				if linkText == "" && inLink(ch) {
					linkText = cleanString(textOf())
					if linkText == "" {
						linkText = cleanString(attr(ch, "title"))
					}
				}
			}
			visit(ch, d+1, chText, chKnown)
		}
	}
	visit(c.root, 0, "", false)

	// labelled facts inside the card: "Location: Austin, TX", <dt>Location</dt><dd>…
	labels := map[string]labelValue{}
	for i := range leaves {
		if !leaves[i].known {
			leaves[i].text = nodeText(leaves[i].n)
		}
	}
	for i, l := range leaves {
		t := cleanString(l.text)
		field, norm, ok := labelOf(t)
		leaves[i].clean, leaves[i].label = t, ok
		if ok && i+1 < len(leaves) {
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
	if !x.has("date_posted") {
		// the <time>'s date, else the first date an element classed as one reads
		d := ParseDate(datetime, x.opts.now())
		for _, n := range dateHints {
			if d != "" {
				break
			}
			d = ParseDate(cleanString(nodeText(n)), x.opts.now())
		}
		x.setText("date_posted", &p.DatePosted, d, src)
	}
	if kind, ok := employmentType(hintType); ok {
		x.setText("employment_type", &p.EmploymentType, kind, src)
	}
	x.applyLabels(labels, src)
	x.setText("title", &p.Title, firstNonEmpty(linkText, firstHeading), src)

	// what is left, by what the text looks like
	for _, l := range leaves {
		t := l.clean
		if t == "" || used[t] || inLink(l.n) || t == p.Title || t == p.Company || len(t) > 160 || l.label {
			continue
		}
		if !x.has("date_posted") && len(t) <= 40 {
			if d := ParseDate(t, x.opts.now()); d != "" {
				x.setText("date_posted", &p.DatePosted, d, src)
				continue
			}
		}
		switch {
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
