package onboard

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file finds, on a result page, the links that lead to postings: by
// the page's structure, not by its words. Links are grouped by the tags of
// their ancestors and the shape of their URL (the same path with a varying
// segment or query value); the group that repeats most, in repeated
// sibling containers, outside navigation, headers and footers, is the
// likeliest. A CSS selector is then built that selects that group exactly.

// maxLinks bounds the links a page is read for (a page with more is
// read up to there).
const maxLinks = 5000

// minGroup is how many distinct postings make a group of links a list.
const minGroup = 3

// pageLink is one <a href> of a page.
type pageLink struct {
	n     *html.Node
	href  string // as written
	abs   string // resolved, without its fragment
	u     *url.URL
	text  string
	chain string // the tags of its ancestors, innermost first
	shape string // the URL's shape: host, path with its varying segments starred, query keys
	noise bool   // inside navigation, a header, a footer, an aside...
}

// linkGroup is links sharing a chain and a shape.
type linkGroup struct {
	key     string
	links   []*pageLink
	urls    []string // distinct, in page order
	offSite bool
	// repeated: the links sit in distinct sibling containers of one tag
	repeated bool
	card     string // the tag of those containers ("tr", "li", "div")
	noise    bool
	listing  bool // the links lead back to the page's own path (filters, sorting)
	textLen  int  // median length of the links' text
	score    float64
}

func (g *linkGroup) String() string {
	return fmt.Sprintf("%d links to %s", len(g.urls), g.pattern())
}

// pattern is the group's URL shape as a user reads it: /jobs/{id}.
func (g *linkGroup) pattern() string {
	_, rest, _ := strings.Cut(g.links[0].shape, " ")
	return rest
}

// pageLinks returns the page's links with an http(s) target.
func pageLinks(root *html.Node, base *url.URL) []*pageLink {
	var out []*pageLink
	for _, n := range cascadia.QueryAll(root, anchorSel) {
		if len(out) == maxLinks {
			break
		}
		href := strings.TrimSpace(attrOf(n, "href"))
		if href == "" || strings.HasPrefix(href, "#") {
			continue
		}
		ref, err := url.Parse(href)
		if err != nil {
			continue
		}
		u := base.ResolveReference(ref)
		if u.Scheme != "http" && u.Scheme != "https" {
			continue
		}
		u.Fragment, u.RawFragment = "", ""
		l := &pageLink{n: n, href: href, abs: u.String(), u: u, text: nodeText(n)}
		l.chain, l.noise = chainOf(n)
		l.shape = urlShape(u)
		out = append(out, l)
	}
	return out
}

var anchorSel = cascadia.MustCompile("a[href]")

// noiseTags and noiseRoles mark the parts of a page that are not its
// content; noiseWords, the class or id names sites give them.
var (
	noiseTags  = map[atom.Atom]bool{atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true}
	noiseRoles = map[string]bool{"navigation": true, "banner": true, "contentinfo": true, "complementary": true, "menu": true, "menubar": true}
	noiseWords = regexp.MustCompile(`(?i)(^|[-_\s])(nav|navbar|navigation|menu|footer|header|masthead|breadcrumbs?|pagination|pager|paging|sidebar|social|share|sharing|related|similar|recommended|cookie|skip)([-_\s]|$)`)
)

// chainOf returns the tags from n's parent up to <body>, and whether one
// of them is navigation, a header, a footer or an aside.
func chainOf(n *html.Node) (string, bool) {
	var b strings.Builder
	noise := false
	for p := n.Parent; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body && p.DataAtom != atom.Html; p = p.Parent {
		b.WriteString(p.Data)
		b.WriteByte(' ')
		if noiseTags[p.DataAtom] || noiseRoles[attrOf(p, "role")] ||
			noiseWords.MatchString(attrOf(p, "class")) || noiseWords.MatchString(attrOf(p, "id")) {
			noise = true
		}
	}
	return b.String(), noise
}

// classChain is the tags, ids and classes from n up to <body>, those
// with digits left out (they name one item, not a kind).
func classChain(n *html.Node) string {
	var b strings.Builder
	for p := n; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body && p.DataAtom != atom.Html; p = p.Parent {
		b.WriteString(p.Data)
		if id := attrOf(p, "id"); cssName.MatchString(id) && !strings.ContainsFunc(id, unicode.IsDigit) {
			b.WriteString("#" + id)
		}
		cls := strings.Fields(attrOf(p, "class"))
		sort.Strings(cls)
		for _, c := range cls {
			if cssName.MatchString(c) && !strings.ContainsFunc(c, unicode.IsDigit) {
				b.WriteString("." + c)
			}
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// urlShape is a URL with what varies between postings starred: its last
// path segment and any segment holding a digit; query values are dropped,
// their keys kept.
func urlShape(u *url.URL) string {
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	for i, s := range segs {
		if s != "" && (i == len(segs)-1 || strings.ContainsFunc(s, unicode.IsDigit)) {
			segs[i] = "{id}"
		}
	}
	keys := make([]string, 0, len(u.Query()))
	for k := range u.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	shape := strings.ToLower(u.Host) + " /" + strings.Join(segs, "/")
	if len(keys) > 0 {
		shape += "?" + strings.Join(keys, "&")
	}
	return shape
}

// groupLinks groups a page's links and scores each group: the likeliest
// list of postings first. Groups of fewer than minGroup distinct URLs are
// left out.
func groupLinks(links []*pageLink, page *url.URL) []*linkGroup {
	byKey := map[string]*linkGroup{}
	var order []*linkGroup
	for _, l := range links {
		key := l.chain + "|" + l.shape
		g := byKey[key]
		if g == nil {
			g = &linkGroup{key: key}
			byKey[key] = g
			order = append(order, g)
		}
		g.links = append(g.links, l)
	}
	// links with the same tags around them may still be in different
	// lists (featured jobs beside the results): split a group by the
	// classes of what holds its cards, from the list up
	var split []*linkGroup
	for _, g := range order {
		if len(g.links) < minGroup {
			continue
		}
		cards := cardsOf(g.links)
		bySig := map[string]*linkGroup{}
		for i, l := range g.links {
			holder := l.n.Parent
			if cards[i] != nil {
				holder = cards[i].Parent
			}
			sig := classChain(holder)
			sg := bySig[sig]
			if sg == nil {
				sg = &linkGroup{key: g.key + "|" + sig}
				bySig[sig] = sg
				split = append(split, sg)
			}
			sg.links = append(sg.links, l)
		}
	}
	var out []*linkGroup
	for _, g := range split {
		seen := map[string]bool{}
		noisy, texts := 0, []int{}
		for _, l := range g.links {
			if !seen[l.abs] {
				seen[l.abs] = true
				g.urls = append(g.urls, l.abs)
			}
			if l.noise {
				noisy++
			}
			texts = append(texts, len([]rune(l.text)))
		}
		if len(g.urls) < minGroup {
			continue
		}
		sort.Ints(texts)
		g.textLen = texts[len(texts)/2]
		l0 := g.links[0]
		g.offSite = !strings.EqualFold(l0.u.Host, page.Host)
		g.noise = noisy*2 > len(g.links)
		g.listing = l0.u.EscapedPath() == page.EscapedPath() || strings.TrimSuffix(l0.u.EscapedPath(), "/") == strings.TrimSuffix(page.EscapedPath(), "/")
		g.repeated, g.card = repeatedCards(g)
		g.score = float64(len(g.urls))
		if g.repeated {
			g.score *= 2
		}
		if g.noise {
			g.score *= 0.1
		}
		if g.listing {
			g.score *= 0.2
		}
		switch {
		case g.textLen < 4: // numbers, arrows, icons
			g.score *= 0.2
		case g.textLen >= 10:
			g.score *= 1.5
		}
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

// repeatedCards reports whether a group's links each sit in their own
// container, the containers being siblings of one tag (rows of a table,
// items of a list, cards in a grid), and that tag.
func repeatedCards(g *linkGroup) (bool, string) {
	cards := map[*html.Node]bool{}
	parents := map[*html.Node]int{}
	tags := map[string]int{}
	for _, c := range cardsOf(g.links) {
		if c != nil && !cards[c] {
			cards[c] = true
			parents[c.Parent]++
			tags[c.Data]++
		}
	}
	if len(cards) < minGroup {
		return false, ""
	}
	best, tag := 0, ""
	for t, n := range tags {
		if n > best || n == best && t < tag {
			best, tag = n, t
		}
	}
	most := 0
	for _, n := range parents {
		most = max(most, n)
	}
	return most*10 >= len(cards)*8 && best*10 >= len(cards)*8, tag
}

// cardsOf returns each link's card: the largest element around it that
// holds no link of the group to another URL (nil when its parent already
// does).
func cardsOf(links []*pageLink) []*html.Node {
	// the one URL under each ancestor, or "" once it holds two
	under := map[*html.Node]string{}
	for _, l := range links {
		for p := l.n.Parent; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body; p = p.Parent {
			if u, ok := under[p]; !ok {
				under[p] = l.abs
			} else if u != l.abs {
				under[p] = ""
			}
		}
	}
	out := make([]*html.Node, len(links))
	for i, l := range links {
		for p := l.n.Parent; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body; p = p.Parent {
			if under[p] == "" {
				break
			}
			out[i] = p
		}
	}
	return out
}

func contains(ancestor, n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == ancestor {
			return true
		}
	}
	return false
}

// selectorFor builds the shortest CSS selector it can that selects the
// group's links and no other link of the page, and reports whether it is
// exact (else it is the closest found).
func selectorFor(root *html.Node, g *linkGroup) (string, bool) {
	want := map[*html.Node]bool{}
	for _, l := range g.links {
		want[l.n] = true
	}
	var cands []string
	anchors := []string{"a"}
	for _, c := range commonClasses(g.links, 0) {
		anchors = append(anchors, "a."+c)
	}
	if p := hrefPrefix(g); p != "" {
		anchors = append(anchors, fmt.Sprintf(`a[href*=%q]`, p))
	}
	cands = append(cands, anchors[1:]...)
	// ancestors, nearest first: tag and shared classes, or a shared id
	var levels [][]string
	for k := 1; k <= 8; k++ {
		parts := ancestorParts(g.links, k)
		if parts == nil {
			break
		}
		levels = append(levels, parts)
	}
	for _, parts := range levels {
		for _, p := range parts {
			for _, a := range anchors {
				cands = append(cands, p+" "+a)
			}
		}
	}
	for i, outer := range levels {
		for _, inner := range levels[:i] {
			for _, o := range outer {
				for _, in := range inner {
					for _, a := range anchors {
						cands = append(cands, o+" "+in+" "+a)
					}
				}
			}
		}
	}
	bestSel, bestF := "", -1.0
	for _, c := range cands {
		sel, err := cascadia.Compile(c)
		if err != nil {
			continue
		}
		got := cascadia.QueryAll(root, sel)
		hit := 0
		for _, n := range got {
			if want[n] {
				hit++
			}
		}
		if hit == len(want) && len(got) == hit {
			return c, true
		}
		if len(got) > 0 {
			prec, rec := float64(hit)/float64(len(got)), float64(hit)/float64(len(want))
			if f := 2 * prec * rec / (prec + rec + 1e-9); f > bestF {
				bestSel, bestF = c, f
			}
		}
	}
	return bestSel, false
}

// cssName is a class or id usable in a selector as it is.
var cssName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// commonClasses are the classes every link's k-th ancestor (0: the link)
// has, those with digits left out (ids of one card).
func commonClasses(links []*pageLink, k int) []string {
	var common []string
	for i, l := range links {
		n := ancestor(l.n, k)
		if n == nil {
			return nil
		}
		var cls []string
		for _, c := range strings.Fields(attrOf(n, "class")) {
			if cssName.MatchString(c) && !strings.ContainsFunc(c, unicode.IsDigit) {
				cls = append(cls, c)
			}
		}
		if i == 0 {
			common = cls
			continue
		}
		common = slices.DeleteFunc(common, func(c string) bool { return !slices.Contains(cls, c) })
	}
	return common
}

func ancestor(n *html.Node, k int) *html.Node {
	for ; k > 0 && n != nil; k-- {
		n = n.Parent
	}
	if n == nil || n.Type != html.ElementNode || n.DataAtom == atom.Html {
		return nil
	}
	return n
}

// ancestorParts are the ways to name the links' k-th ancestors: their
// shared id, their tag with each shared class, their tag.
func ancestorParts(links []*pageLink, k int) []string {
	first := ancestor(links[0].n, k)
	if first == nil {
		return nil
	}
	for _, l := range links[1:] {
		if a := ancestor(l.n, k); a == nil || a.Data != first.Data {
			return nil
		}
	}
	var parts []string
	if id := attrOf(first, "id"); id != "" && cssName.MatchString(id) {
		same := true
		for _, l := range links {
			if attrOf(ancestor(l.n, k), "id") != id {
				same = false
			}
		}
		if same {
			parts = append(parts, "#"+id)
		}
	}
	for _, c := range commonClasses(links, k) {
		parts = append(parts, first.Data+"."+c)
	}
	return append(parts, first.Data)
}

// hrefPrefix is the literal start of the group's path every link's href
// holds as written ("/jobs/"), or "".
func hrefPrefix(g *linkGroup) string {
	u := g.links[0].u
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	shape := strings.Split(strings.TrimPrefix(g.pattern(), "/"), "/")
	var lit []string
	for i, s := range shape {
		if strings.HasPrefix(s, "{id}") || i >= len(segs) {
			break
		}
		lit = append(lit, segs[i])
	}
	if len(lit) == 0 {
		return ""
	}
	p := "/" + strings.Join(lit, "/") + "/"
	for _, l := range g.links {
		if !strings.Contains(l.href, p) {
			return ""
		}
	}
	return p
}

// nodeText is an element's text, whitespace folded.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if depth > 64 || b.Len() > 400 {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return strings.Join(strings.Fields(b.String()), " ")
}

func attrOf(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
