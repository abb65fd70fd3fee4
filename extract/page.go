package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/jobcrawl/jobcrawl/internal/htmlfast"
)

// MaxDocumentSize is the largest document Parse reads; larger ones are
// rejected with ErrTooLarge without being read whole.
const MaxDocumentSize = 8 << 20

// Parse reads an HTML document from r (at most MaxDocumentSize bytes) and
// extracts its postings, for callers that have bytes rather than a parsed
// document (the extract command, tests).
func Parse(r io.Reader, opts Options) ([]Posting, error) {
	var buf bytes.Buffer
	if l, ok := r.(interface{ Len() int }); ok { // a bytes.Reader, strings.Reader…: read it in one go
		// room for the read that finds the end too: ReadFrom asks for
		// MinRead free bytes before every read, and would otherwise copy
		// the page into a buffer twice its size for that last one
		buf.Grow(min(l.Len(), MaxDocumentSize) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, MaxDocumentSize+1)); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	if len(raw) > MaxDocumentSize {
		return nil, &RejectError{URL: opts.URL, Reason: ErrTooLarge, Detail: "over 8 MiB"}
	}
	root, err := htmlfast.ParseOwned(raw) // raw is Parse's own copy, never written again
	if err != nil {
		// x/net/html refuses a document nested deeper than 512 elements (a
		// page that never closes its <div>s): read it with its nesting capped.
		if root, err = html.Parse(bytes.NewReader(capNesting(raw, nestingCap))); err != nil {
			return nil, &RejectError{URL: opts.URL, Reason: ErrNoPosting, Detail: err.Error()}
		}
	}
	opts.Raw = raw
	return HTML(root, opts)
}

// nestingCap is how deep capNesting lets elements nest: well under the
// parser's 512, since elements whose end tag is optional are not counted.
const nestingCap = 200

// capNesting rewrites raw so that no element opens deeper than limit: the
// start and end tags of deeper elements are dropped, their text kept. The
// nesting is counted from the tags as written, which is close enough to what
// the parser builds for this one purpose.
func capNesting(raw []byte, limit int) []byte {
	z := html.NewTokenizer(bytes.NewReader(raw))
	out := bytes.NewBuffer(make([]byte, 0, len(raw)))
	var open []atom.Atom
	dropped := map[atom.Atom]int{}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out.Bytes()
		case html.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if uncounted(a) {
				break
			}
			if len(open) >= limit {
				dropped[a]++
				continue
			}
			open = append(open, a)
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if dropped[a] > 0 {
				dropped[a]--
				continue
			}
			for i := len(open) - 1; i >= 0; i-- {
				if open[i] == a {
					open = open[:i]
					break
				}
			}
		}
		out.Write(z.Raw())
	}
}

// uncounted elements are void, or closed by the parser without an end tag.
func uncounted(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input, atom.Link, atom.Meta,
		atom.Source, atom.Track, atom.Wbr, atom.P, atom.Li, atom.Dt, atom.Dd, atom.Option, atom.Optgroup, atom.Tr,
		atom.Td, atom.Th, atom.Tbody, atom.Thead, atom.Tfoot, atom.Colgroup, atom.Html, atom.Head, atom.Body, 0:
		return true
	}
	return false
}

// HTML extracts the postings of one parsed HTML document (root is the
// document node, or any node holding the page): one from a posting's page;
// several when the page lists JobPostings in JSON-LD or microdata, or is a
// result page of job cards (see cards.go; such postings say FromListing).
// It reads the tree the fetch layer already parsed and never parses the
// page again.
//
// Sources, strongest first: the per-site rules in opts, schema.org JSON-LD,
// microdata and RDFa, the labelled text of classic careers pages ("Job #",
// "Locations"…), then the page itself (h1, title, canonical link, apply
// link, description block, URL).
//
// A posting without a job number or title is not returned: the error, a
// *RejectError, says why and holds what was read. A truncated document, a
// JobPosting block that does not parse and a page that says its job is
// gone are rejected as a whole.
//
// The postings' strings are their own: none keeps the page's memory alive.
func HTML(root *html.Node, opts Options) ([]Posting, error) {
	ps, err := readPage(root, opts)
	ownStrings(ps)
	return ps, err
}

func readPage(root *html.Node, opts Options) ([]Posting, error) {
	if len(opts.Raw) > 0 && Truncated(opts.Raw) {
		return nil, &RejectError{URL: opts.URL, Reason: ErrTruncated, Detail: "no closing </html>"}
	}
	if root == nil {
		return nil, &RejectError{URL: opts.URL, Reason: ErrNoPosting, Detail: "empty document"}
	}
	sc := scanPage(root)

	objs, ldErr := sc.jobPostings()
	objs = append(objs, sc.itemPostings()...)

	if len(objs) > 1 {
		// a listing of JobPostings: one posting each, from its own object
		var out []Posting
		var errs []error
		for _, o := range objs {
			x := newExtraction(opts)
			x.fromSchema(o.obj, o.src)
			x.schemaRules(o.obj, o.src)
			p, err := x.finish()
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, p)
		}
		return out, errors.Join(errs...)
	}

	x := newExtraction(opts)
	if len(objs) == 0 && ldErr == nil && len(opts.Rules) == 0 {
		// A page with no structured posting and no site rules that holds
		// job cards under a heading that calls it a result page is one: its
		// reading as a single posting below would only be thrown away.
		if cards := sc.cards(x.base); len(cards) >= minCards && listingTitle.MatchString(sc.pageHeading()) {
			if t, _ := pageTitle(sc, ""); !saysGone(t) && !sc.saysGone() {
				return cardPostings(cards, opts)
			}
		}
	}
	x.applyRules(root, sc)
	for _, o := range objs {
		x.fromSchema(o.obj, o.src)
		x.schemaRules(o.obj, o.src)
	}
	if ldErr != nil && len(objs) == 0 {
		// the page's only JobPosting is in a block that does not parse
		return nil, &RejectError{URL: opts.URL, Reason: ErrBadJSONLD, Detail: ldErr.Error()}
	}
	x.fromLabels(sc)
	x.fromPage(sc)
	if x.soft404(sc) {
		x.setMarks()
		return nil, &RejectError{URL: opts.URL, Reason: ErrGone, Detail: "the page says so", Partial: x.p}
	}
	own := x.structured() // before finish adds the site's company
	p, err := x.finish()
	if own {
		if err != nil {
			return nil, err
		}
		return []Posting{p}, nil
	}
	// A page with no structured posting may be a result page: several job
	// cards, and at most a stray label of one of them, or of the preview of
	// one (two-pane search pages), read as the page's own.
	if cards := sc.cards(x.base); len(cards) >= minCards &&
		(err != nil || readInCard(cards, x.idNode, sc.h1) || listingTitle.MatchString(sc.pageHeading())) {
		return cardPostings(cards, opts)
	}
	if err != nil {
		return nil, err
	}
	return []Posting{p}, nil
}

// listingTitle is how a result page titles itself: "46 jobs in India",
// "Search results", "Jobs at Contoso", "Offres d'emploi".
var listingTitle = mustFilter(`(?i)^\W*[\d,.]+\+?\s+(\w+\s+)?(jobs?|results?|positions?|openings?|vacancies|postings?|offres?|stellen(angebote)?|empleos?)\b|\b(search results|job search|search jobs|(jobs|careers|openings|vacancies|positions) (in|at|for|near)\b)|^\W*(jobs|careers|open positions|current openings|job openings|stellenangebote|offres d'emploi)\W*$`)

// pageHeading is the page's h1, else its <title> without the site's name
// ("Senior Engineer | Careers at Contoso" is about the engineer).
func (sc *scan) pageHeading() string {
	for _, h := range sc.h1 {
		if t := cleanString(nodeText(h)); t != "" {
			return t
		}
	}
	return strings.TrimSpace(titleSuffix.ReplaceAllString(sc.title, ""))
}

// Truncated reports whether a document that opens <html> lacks its closing
// tag near the end: a page cut off in transfer. Fragments (no <html>) are
// never called truncated.
func Truncated(raw []byte) bool {
	head := raw[:min(len(raw), 4096)]
	if !hasTag(head, "<html", func(rest []byte) bool {
		return len(rest) > 0 && (rest[0] == '>' || asciiSpace[rest[0]])
	}) {
		return false
	}
	// </html> is looked for from the end, where it is
	tail := raw[max(0, len(raw)-4096):]
	for i := len(tail); ; {
		i = bytes.LastIndexByte(tail[:i], '<')
		if i < 0 {
			return true
		}
		if rest := tail[i:]; hasPrefixFold(rest, "</html") {
			rest = bytes.TrimLeft(rest[len("</html"):], " \t\r\n\f")
			if len(rest) > 0 && rest[0] == '>' {
				return false
			}
		}
	}
}

// hasTag reports whether b holds tag (lowercase), in any case, followed by
// what ok accepts.
func hasTag(b []byte, tag string, ok func(rest []byte) bool) bool {
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			return false
		}
		b = b[i:]
		if hasPrefixFold(b, tag) && ok(b[len(tag):]) {
			return true
		}
		b = b[1:]
	}
}

// hasPrefixFold reports whether b starts with prefix (lowercase ASCII), ignoring ASCII case.
func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		if lowerByte(b[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// scan is what one walk of the DOM collects for the sources.
type scan struct {
	root      *html.Node
	ldBlocks  []string
	items     []*html.Node // microdata itemscope / RDFa typeof roots of a JobPosting
	h1        []*html.Node
	title     string
	metas     map[string]string
	canonical string
	h2        *html.Node   // the first h2, the title of a fragment that has no h1
	desc      []*html.Node // elements whose class or id says they hold the description
	segs      []segment
	// links are the <a href> and the elements with a job id in a data
	// attribute (data-job-id…) outside <head>, <nav> and <footer>, in page order.
	links []*html.Node
	// cardList is what cards found, once asked (cardsRead)
	cardList  []card
	cardsRead bool
}

// descClass is read by hand for ASCII by descClassASCII (descSuffixes):
// change both.
var descClass = mustFilter(`(?i)(^|\s)[\w-]*((job|position|posting|vacancy)[-_]?)?(description|job[-_]?details|posting[-_]?body|job[-_]?body|jd[-_]?(content|body|info))($|\s)`)

func scanPage(root *html.Node) *scan {
	sc := &scan{root: root, metas: map[string]string{}}
	// a posting page gives some 60–70 segments: room for them up front
	// spares the slice's regrowths (a segment holds pointers, so each copy
	// is scanned by the collector too)
	sb := segmentBuilder{segs: make([]segment, 0, 64)}
	sc.walk(root, &sb, 0, false, false)
	sb.flush()
	sc.segs = sb.segs
	return sc
}

// walk visits every node once. quiet is set inside <head>, <nav> and
// <footer>: their scripts and metadata count, their text does not.
func (sc *scan) walk(n *html.Node, sb *segmentBuilder, depth int, inItem, quiet bool) {
	if depth > maxDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		if !quiet {
			sb.text(n)
		}
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script:
			if t := strings.ToLower(strings.TrimSpace(attr(n, "type"))); t == "application/ld+json" && n.FirstChild != nil {
				sc.ldBlocks = append(sc.ldBlocks, n.FirstChild.Data)
			}
			return
		case atom.Title:
			if sc.title == "" && n.FirstChild != nil {
				sc.title = cleanString(n.FirstChild.Data)
			}
			return
		case atom.Meta:
			key := strings.ToLower(attr(n, "property"))
			if key == "" {
				key = strings.ToLower(attr(n, "name"))
			}
			if key != "" && sc.metas[key] == "" {
				sc.metas[key] = cleanString(attr(n, "content"))
			}
		case atom.Link:
			if strings.EqualFold(attr(n, "rel"), "canonical") && sc.canonical == "" {
				sc.canonical = attr(n, "href")
			}
		case atom.H1:
			sc.h1 = append(sc.h1, n)
		case atom.H2:
			if sc.h2 == nil && !quiet {
				sc.h2 = n
			}
		case atom.Head, atom.Nav, atom.Footer:
			// navigation and footers hold links and legal text, never the posting
			quiet = true
		}
		// the attributes asked about below, in one look at them (the first
		// of a name counts, as for attr)
		var class, id, typeOf, itemType string
		var seen uint8
		var itemScope, href, data bool
		for _, a := range n.Attr {
			switch a.Key {
			case "class":
				if seen&1 == 0 {
					class, seen = a.Val, seen|1
				}
			case "id":
				if seen&2 == 0 {
					id, seen = a.Val, seen|2
				}
			case "typeof":
				if seen&4 == 0 {
					typeOf, seen = a.Val, seen|4
				}
			case "itemtype":
				if seen&8 == 0 {
					itemType, seen = a.Val, seen|8
				}
			case "itemscope":
				itemScope = true
			case "href":
				href = true
			default:
				data = data || strings.HasPrefix(a.Key, "data-")
			}
		}
		if !inItem && (itemScope && strings.Contains(itemType, "JobPosting") || strings.Contains(typeOf, "JobPosting")) {
			sc.items = append(sc.items, n)
			inItem = true
		}
		if !quiet && (n.DataAtom == atom.A && href || data && jobIDAttr(n) != "") {
			sc.links = append(sc.links, n)
		}
		if len(sc.desc) < 4 && !quiet && n.DataAtom != atom.Body && (descLike(class) || descLike(id)) {
			sc.desc = append(sc.desc, n)
		}
		if skipped(n.DataAtom) && n.DataAtom != atom.Head {
			return
		}
		if quiet {
			break
		}
		if block(n.DataAtom) {
			sb.flush()
			sb.open(n)
			sc.children(n, sb, depth, inItem, quiet)
			sb.flush()
			sb.close()
			return
		}
		sb.boundary = true
		leads := sb.startsLine()
		if leads {
			sb.leadStart(n)
		}
		sc.children(n, sb, depth, inItem, quiet)
		if leads {
			sb.leadEnd(n)
		}
		sb.boundary = true
		return
	case html.CommentNode, html.DoctypeNode:
		return
	}
	sc.children(n, sb, depth, inItem, quiet)
}

func (sc *scan) children(n *html.Node, sb *segmentBuilder, depth int, inItem, quiet bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		sc.walk(c, sb, depth+1, inItem, quiet)
	}
}

// descLike reports whether a class or id names the description block. The
// words are looked for before the expression runs: most elements have a
// class, few have one of these.
func descLike(s string) bool {
	if len(s) < 2 || !descWord(s) {
		return false
	}
	if m, ok := descClassASCII(s); ok {
		return m
	}
	return descClass.MatchString(s)
}

// descClassASCII is descClass for ASCII text (ok false for other text:
// under (?i) \w takes two non-ASCII letters). The expression's leading
// [\w-]* takes any optional job/position prefix, so it matches a class
// name (between white space, as \s: \t \n \f \r and space) made of word
// characters and hyphens that ends with one of descSuffixes.
func descClassASCII(s string) (match, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false, false
		}
	}
	for i := 0; i < len(s); {
		for i < len(s) && isRegexpSpace(s[i]) {
			i++
		}
		j := i
		word := true
		for j < len(s) && !isRegexpSpace(s[j]) {
			word = word && (isWordByte(s[j]) || s[j] == '-')
			j++
		}
		if word && j > i {
			for _, suf := range descSuffixes {
				if j-i >= len(suf) && equalFoldASCII(s[j-len(suf):j], suf) {
					return true, true
				}
			}
		}
		i = j
	}
	return false, true
}

// descSuffixes are the names descClass ends a class name with.
var descSuffixes = func() []string {
	out := []string{"description"}
	for _, pair := range [][2]string{{"job", "details"}, {"posting", "body"}, {"job", "body"}, {"jd", "content"}, {"jd", "body"}, {"jd", "info"}} {
		for _, sep := range []string{"", "-", "_"} {
			out = append(out, pair[0]+sep+pair[1])
		}
	}
	return out
}()

// descWord reports whether s holds "descr", "detail", "body" or "jd",
// ignoring ASCII case, in one pass over s.
func descWord(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		switch rest := s[i:]; lowerByte(s[i]) {
		case 'd':
			if len(rest) >= 5 && hasPrefixFoldString(rest, "descr") || len(rest) >= 6 && hasPrefixFoldString(rest, "detail") {
				return true
			}
		case 'b':
			if len(rest) >= 4 && hasPrefixFoldString(rest, "body") {
				return true
			}
		case 'j':
			if lowerByte(rest[1]) == 'd' {
				return true
			}
		}
	}
	return false
}

// containsFold reports whether s holds sub (lowercase ASCII), ignoring ASCII case.
// It is asked of every line of a page ("cookie", "no longer"), so it looks
// only where sub's first byte is, in either case, found with
// strings.IndexByte.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	c, up := sub[0], sub[0]
	if 'a' <= c && c <= 'z' {
		up = c - ('a' - 'A')
	}
	last := len(s) - len(sub) // the last place sub can start
	lo, hi := -1, -1          // the next c and up at or after i; -1: to find
	for i := 0; i <= last; {
		if lo < i {
			lo = indexByteFrom(s, i, c)
		}
		if hi < i {
			hi = indexByteFrom(s, i, up)
		}
		i = min(lo, hi)
		if i > last {
			return false
		}
		if hasPrefixFoldString(s[i:], sub) {
			return true
		}
		i++
	}
	return false
}

// segmentBuilder turns the walk's text into segments: one per block line.
type segmentBuilder struct {
	segs     []segment
	w        lineWriter
	blocks   []*html.Node // the open block elements
	lead     *html.Node   // the inline element the current line started with
	leadAt   int          // the line length when the lead element ended (-1: open)
	boundary bool         // an inline element started or ended since the last text
}

func (b *segmentBuilder) open(n *html.Node) { b.blocks = append(b.blocks, n) }
func (b *segmentBuilder) close()            { b.blocks = b.blocks[:len(b.blocks)-1] }
func (b *segmentBuilder) startsLine() bool  { return len(b.w.cur) == 0 && b.lead == nil }
func (b *segmentBuilder) leadStart(n *html.Node) {
	b.lead, b.leadAt = n, -1
}
func (b *segmentBuilder) leadEnd(n *html.Node) {
	if b.lead == n {
		b.leadAt = len(b.w.cur)
		if b.leadAt == 0 {
			b.lead = nil // an empty icon or anchor: the next element may lead
		}
	}
}

func (b *segmentBuilder) text(n *html.Node) {
	// Two inline elements side by side ("<span>322695</span><span>1072519</span>")
	// are two values: keep them apart.
	if b.boundary && len(b.w.cur) > 0 && !b.w.space && isWordRune(lastRuneBytes(b.w.cur)) &&
		isWordRune(firstRune(n.Data)) {
		b.w.space = true
	}
	b.boundary = false
	b.w.textSpaced(n.Data)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// headingLead reports whether s starts with a bold section heading followed
// by more text, and returns that text. A label ("Location:") is no heading.
func headingLead(s *segment) (string, bool) {
	if s.leadAtom != atom.Strong && s.leadAtom != atom.B || len(s.lead) == len(s.text) || len(s.lead) > maxSectionHeading {
		return "", false
	}
	if headingKindOf(s.lead) == kindNone {
		return "", false
	}
	if _, _, ok := labelOf(s.lead); ok {
		return "", false
	}
	rest := strings.TrimLeft(s.text[len(s.lead):], " :：-–")
	return rest, rest != ""
}

func (b *segmentBuilder) flush() {
	if len(b.w.cur) > 0 {
		s := segment{text: string(b.w.cur)}
		if b.lead != nil && b.leadAt > 0 && b.leadAt <= len(s.text) {
			s.lead = s.text[:b.leadAt]
			s.leadAtom = b.lead.DataAtom
		}
		if len(b.blocks) > 0 {
			s.node = b.blocks[len(b.blocks)-1]
		} else {
			s.node = &html.Node{Type: html.ElementNode}
		}
		if rest, ok := headingLead(&s); ok {
			// "<p><strong>Requirements:</strong> 5+ years of Go</p>": the
			// heading is a line of its own, so the text after it is not run
			// into it (in the description, in search snippets)
			b.segs = append(b.segs, segment{text: s.lead, lead: s.lead, leadAtom: s.leadAtom, node: s.node})
			s = segment{text: rest, node: s.node}
		}
		b.segs = append(b.segs, s)
	}
	b.w.cur = b.w.cur[:0]
	b.w.space = false
	b.lead = nil
}

type schemaObj struct {
	obj map[string]any
	src Source
}

// jobPostings decodes the page's JSON-LD blocks and returns every JobPosting
// in them (top level, in arrays, in @graph, or under mainEntity). err
// reports a block that names a JobPosting but does not parse.
func (sc *scan) jobPostings() ([]schemaObj, error) {
	var out []schemaObj
	var bad error
	for _, block := range sc.ldBlocks {
		v, err := decodeLD(block)
		if err != nil {
			if strings.Contains(block, "JobPosting") && bad == nil {
				bad = err
			}
			continue
		}
		collectPostings(v, &out, 0)
	}
	return out, bad
}

func collectPostings(v any, out *[]schemaObj, depth int) {
	if depth > 8 {
		return
	}
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			collectPostings(e, out, depth+1)
		}
	case map[string]any:
		if isType(v, "JobPosting") {
			*out = append(*out, schemaObj{v, SourceJSONLD})
			return
		}
		for _, key := range []string{"@graph", "mainEntity", "itemListElement", "item"} {
			if e, ok := v[key]; ok {
				collectPostings(e, out, depth+1)
			}
		}
	}
}

// decodeLD decodes one JSON-LD block, forgiving what sites commonly get
// wrong: HTML comment or CDATA wrappers, raw line breaks inside strings, and
// trailing commas.
func decodeLD(block string) (any, error) {
	s := strings.TrimSpace(block)
	s = strings.TrimPrefix(s, "<!--")
	s = strings.TrimSuffix(s, "-->")
	s = strings.TrimPrefix(strings.TrimSpace(s), "//<![CDATA[")
	s = strings.TrimSuffix(strings.TrimSpace(s), "//]]>")
	if v, ok := decodeJSONFast(s); ok {
		return v, nil // well-formed: the same value encoding/json gives, at a fraction of its cost
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	err := dec.Decode(&v)
	if err == nil {
		return v, nil
	}
	repaired := repairJSON(s)
	dec = json.NewDecoder(strings.NewReader(repaired))
	dec.UseNumber()
	if err2 := dec.Decode(&v); err2 == nil {
		return v, nil
	}
	return nil, err
}

var trailingComma = regexp.MustCompile(`,\s*([}\]])`)

// repairJSON escapes control characters inside strings and drops trailing commas.
func repairJSON(s string) string {
	var b strings.Builder
	in, esc := false, false
	for _, r := range s {
		switch {
		case esc:
			esc = false
		case r == '\\' && in:
			esc = true
		case r == '"':
			in = !in
		case in && r == '\n':
			b.WriteString(`\n`)
			continue
		case in && r < 0x20:
			b.WriteString(" ")
			continue
		}
		b.WriteRune(r)
	}
	return trailingComma.ReplaceAllString(b.String(), "$1")
}
