package onboard

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/jobcrawl/jobcrawl/crawler"
)

// This file finds a result page's next-page control and maps it onto the
// pagination the crawler knows: a selector of the next page's link
// (pagination.next), a query parameter counting pages (page_param) or
// postings (offset_param).

// paging is one way to the next result page.
type paging struct {
	p    crawler.Pagination
	alts []string // other selectors of the same next link, should p.Next fail on page 2
	next string   // the URL of the page after the start page
	// numbered: p.Next picks a page number after the current one, not a
	// link that says next
	numbered bool
	conf     float64 // before it is checked on that page
	reason   string
}

// nextWords are what next-page controls say, in the languages careers
// sites are most often written in; arrows say it in all of them.
var nextWords = []string{"next", "next page", "more", "older", "suivant", "suivante", "page suivante", "weiter",
	"nächste", "nächste seite", "vor", "siguiente", "página siguiente", "próxima", "próximo", "seguinte",
	"successivo", "successiva", "avanti", "volgende", "nästa", "neste", "næste", "następna", "dalej",
	"další", "következő", "sonraki", "次へ", "次", "下一页", "下页", "다음", "далее", "вперед", "вперёд", "следующая"}

// arrows are the glyphs an arrow-only next control shows.
const arrows = "›»→>⟩❯▶►⇒⟶⇨➔➜➞▸"

// nextClass is a class, id or icon name that says "next" or "forward".
var nextClass = regexp.MustCompile(`(?i)(^|[-_\s])(next|forward|fwd|chevron-right|arrow-right|angle-right|caret-right|right-arrow|icon-right)([-_\s]|$)`)

// lastClass is a control to the last page, which arrows also show.
var lastClass = regexp.MustCompile(`(?i)(^|[-_\s])(last|end|final)([-_\s]|$)`)

// saysNext reports whether a link's text, label or class says it leads to
// the next page.
func saysNext(n *html.Node) bool {
	text := strings.ToLower(strings.Trim(nodeText(n), " :.·|"))
	label := strings.ToLower(strings.TrimSpace(attrOf(n, "aria-label") + " " + attrOf(n, "title")))
	if lastClass.MatchString(attrOf(n, "class")) || strings.Count(text, "»") > 1 || strings.Count(text, "›") > 1 {
		return false
	}
	if text != "" && strings.Trim(text, arrows+" ") == "" {
		return true // arrows only
	}
	for _, w := range nextWords {
		if text == w || strings.HasPrefix(text, w+" ") || strings.HasSuffix(text, " "+w) ||
			label == w || strings.HasPrefix(label, w+" ") || strings.HasSuffix(label, " "+w) {
			return true
		}
	}
	if nextClass.MatchString(attrOf(n, "class")) || nextClass.MatchString(attrOf(n, "id")) {
		return true
	}
	if text == "" {
		// an icon: <a><i class="icon-chevron-right"></i></a>
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (nextClass.MatchString(attrOf(c, "class")) || nextClass.MatchString(attrOf(c, "data-icon"))) {
				return true
			}
		}
	}
	return false
}

// pageParams are query parameters that count pages; offsetParams count
// postings. Names only break ties: the values decide.
var (
	pageParams   = []string{"page", "p", "pg", "pagenum", "page_num", "pagenumber", "pageno", "currentpage", "seite", "pagina"}
	offsetParams = []string{"offset", "start", "from", "skip", "first", "startrow", "begin", "startindex"}
)

// findPaging returns the ways to the next result page the page shows,
// best first. jobs are the postings' URLs (not pages).
func findPaging(root *html.Node, page *url.URL, links []*pageLink, jobs map[string]bool) []paging {
	var out []paging
	samePlace := func(u *url.URL) bool {
		return strings.EqualFold(u.Host, page.Host) && !jobs[u.String()] && u.String() != page.String()
	}
	// rel=next, on a link of the head or an anchor
	for _, sel := range []string{`a[rel~="next"]`, `link[rel~="next"]`} {
		n := cascadia.Query(root, cascadia.MustCompile(sel))
		if n == nil {
			continue
		}
		if u := resolve(page, attrOf(n, "href")); u != nil && samePlace(u) {
			out = append(out, paging{p: crawler.Pagination{Next: sel}, next: u.String(), conf: 0.95,
				reason: fmt.Sprintf("the page marks its next page with rel=next (%s)", shortURL(u))})
			break
		}
	}
	// a link that says "next", in words, arrows or its class
	for _, l := range links {
		if !samePlace(l.u) || !saysNext(l.n) {
			continue
		}
		if sels := selectorsOfOne(root, l.n); len(sels) > 0 {
			out = append(out, paging{p: crawler.Pagination{Next: sels[0]}, alts: sels[1:], next: l.abs, conf: 0.85,
				reason: fmt.Sprintf("a link that reads as next page (%q) leads to %s", shorten(firstNonEmpty(l.text, attrOf(l.n, "aria-label"), attrOf(l.n, "class")), 24), shortURL(l.u))})
			break
		}
	}
	out = append(out, countedPaging(root, page, links, samePlace)...)
	return out
}

// countedPaging reads the links to the same listing that differ from the
// page in one numeric query parameter (?page=2, ?start=20) or path
// segment (/page/2/).
func countedPaging(root *html.Node, page *url.URL, links []*pageLink, samePlace func(*url.URL) bool) []paging {
	pageQ := page.Query()
	values := map[string][]int{} // parameter → values seen
	var pathPaged []*pageLink    // links whose path differs from the page's in one number
	for _, l := range links {
		if !samePlace(l.u) {
			continue
		}
		if l.u.EscapedPath() == page.EscapedPath() {
			q := l.u.Query()
			var changed []string
			for k := range q {
				if q.Get(k) != pageQ.Get(k) {
					changed = append(changed, k)
				}
			}
			for k := range pageQ {
				if _, ok := q[k]; !ok {
					changed = append(changed, k)
				}
			}
			if len(changed) != 1 {
				continue
			}
			k := changed[0]
			if v, err := strconv.Atoi(q.Get(k)); err == nil && v >= 0 && v < 1_000_000 && len(values[k]) < 1000 {
				values[k] = append(values[k], v)
			}
			continue
		}
		if pathNumber(page, l.u) >= 0 {
			pathPaged = append(pathPaged, l)
		}
	}
	var out []paging
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(values[keys[i]]) > len(values[keys[j]]) })
	for _, k := range keys {
		vs := values[k]
		if v, err := strconv.Atoi(pageQ.Get(k)); err == nil {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		vs = slices.Compact(vs)
		step := 0
		for _, v := range vs {
			if v > 0 {
				step = gcd(step, v)
			}
		}
		lname := strings.ToLower(k)
		isPage := slices.Contains(pageParams, lname)
		isOffset := slices.Contains(offsetParams, lname)
		zeroBased := slices.Contains(vs, 0)
		cur, err := strconv.Atoi(pageQ.Get(k))
		if err != nil {
			cur = -1 // the start page names none
		}
		p := paging{}
		switch {
		case step >= 5 || (isOffset && step > 1):
			p.p = crawler.Pagination{OffsetParam: k, OffsetStep: step}
			p.conf = 0.8
			p.reason = fmt.Sprintf("links to the same listing count %s= in steps of %d (%s)", k, step, joinInts(vs, 6))
			p.next = withParam(page, k, max(cur, 0)+step)
		case step == 1 && zeroBased:
			// pages counted from 0: the start page is 0, the next 1
			p.p = crawler.Pagination{OffsetParam: k, OffsetStep: 1}
			p.conf = 0.75
			p.reason = fmt.Sprintf("links to the same listing count %s= from 0 (%s)", k, joinInts(vs, 6))
			p.next = withParam(page, k, max(cur, 0)+1)
		case step == 1 || isPage && step > 0:
			p.p = crawler.Pagination{PageParam: k}
			p.conf = 0.8
			p.reason = fmt.Sprintf("links to the same listing count pages in %s= (%s)", k, joinInts(vs, 6))
			p.next = withParam(page, k, max(cur, 1)+1)
		default:
			continue
		}
		if !isPage && !isOffset {
			p.conf -= 0.1
		}
		out = append(out, p)
	}
	// /page/2/: the link after the one marked current, as the crawler
	// follows only links
	if len(pathPaged) > 0 {
		if sel, next, ok := afterCurrent(root, page, pathPaged); ok {
			out = append(out, paging{p: crawler.Pagination{Next: sel}, next: next, conf: 0.7, numbered: true,
				reason: fmt.Sprintf("numbered result pages in the path (%s): the link after the current page's", shortURL(pathPaged[0].u))})
		}
	}
	return out
}

// withParam is the page's URL with a query parameter set to n.
func withParam(page *url.URL, key string, n int) string {
	u := *page
	q := u.Query()
	q.Set(key, strconv.Itoa(n))
	u.RawQuery = q.Encode()
	return u.String()
}

// pathNumber is the number a link's path holds where the page's path
// holds another or nothing (/jobs/page/2/ against /jobs/), or -1.
func pathNumber(page, u *url.URL) int {
	ps := strings.Split(strings.Trim(page.EscapedPath(), "/"), "/")
	us := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if len(ps) == 1 && ps[0] == "" {
		ps = nil
	}
	// /jobs → /jobs/page/2 or /jobs/2
	if len(us) > len(ps) && len(us) <= len(ps)+2 && slices.Equal(us[:len(ps)], ps) {
		if n, err := strconv.Atoi(us[len(us)-1]); err == nil {
			return n
		}
	}
	// /jobs/page/2 → /jobs/page/3
	if len(us) == len(ps) && len(us) > 0 && slices.Equal(us[:len(us)-1], ps[:len(ps)-1]) {
		if n, err := strconv.Atoi(us[len(us)-1]); err == nil {
			if _, err := strconv.Atoi(ps[len(ps)-1]); err == nil {
				return n
			}
		}
	}
	return -1
}

// afterCurrent finds the pager's mark of the current page and builds a
// selector of the link that follows it: [aria-current=page] + a,
// li.active + li a.
func afterCurrent(root *html.Node, page *url.URL, paged []*pageLink) (string, string, bool) {
	// the lowest-numbered page after the current one is the next
	var want *pageLink
	for _, l := range paged {
		if want == nil || pathNumber(page, l.u) < pathNumber(page, want.u) {
			want = l
		}
	}
	// the current page's mark: aria-current, or a class saying so, on the
	// element before the next page's (or before its enclosing item)
	for _, n := range []*html.Node{want.n, want.n.Parent} {
		if n == nil {
			continue
		}
		prev := n.PrevSibling
		for prev != nil && prev.Type != html.ElementNode {
			prev = prev.PrevSibling
		}
		if prev == nil {
			continue
		}
		inner := ""
		if n != want.n {
			inner = " a"
		}
		var cands []string
		if attrOf(prev, "aria-current") != "" {
			cands = append(cands, fmt.Sprintf(`[aria-current] + %s%s`, n.Data, inner))
		}
		for _, c := range strings.Fields(attrOf(prev, "class")) {
			if cssName.MatchString(c) {
				cands = append(cands, fmt.Sprintf("%s.%s + %s%s", prev.Data, c, n.Data, inner))
			}
		}
		for _, c := range cands {
			sel, err := cascadia.Compile(c)
			if err != nil {
				continue
			}
			if m := cascadia.Query(root, sel); m != nil && (m == want.n || contains(m, want.n)) {
				return c, want.abs, true
			}
		}
	}
	return "", "", false
}

// selectorsOfOne builds the selectors whose first match on the page is
// n, simplest first.
func selectorsOfOne(root *html.Node, n *html.Node) []string {
	var cands []string
	if v := attrOf(n, "rel"); v != "" && cssName.MatchString(v) {
		cands = append(cands, fmt.Sprintf(`a[rel~=%q]`, v))
	}
	if v := attrOf(n, "aria-label"); v != "" && len(v) < 60 {
		cands = append(cands, fmt.Sprintf(`a[aria-label=%q]`, v))
	}
	for _, c := range strings.Fields(attrOf(n, "class")) {
		if cssName.MatchString(c) {
			cands = append(cands, "a."+c)
		}
	}
	if id := attrOf(n, "id"); id != "" && cssName.MatchString(id) {
		cands = append(cands, "a#"+id)
	}
	if v := attrOf(n, "title"); v != "" && len(v) < 60 {
		cands = append(cands, fmt.Sprintf(`a[title=%q]`, v))
	}
	if p := n.Parent; p != nil && p.Type == html.ElementNode {
		for _, c := range strings.Fields(attrOf(p, "class")) {
			if cssName.MatchString(c) {
				cands = append(cands, p.Data+"."+c+" > a")
			}
		}
	}
	if t := nodeText(n); t != "" && len(t) < 30 && !strings.ContainsAny(t, `"\`) {
		cands = append(cands, fmt.Sprintf(`a:contains(%q)`, t))
	}
	var out []string
	for _, c := range cands {
		sel, err := cascadia.Compile(c)
		if err != nil || slices.Contains(out, c) {
			continue
		}
		if cascadia.Query(root, sel) == n {
			out = append(out, c)
		}
	}
	return out
}

func resolve(base *url.URL, href string) *url.URL {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") {
		return nil
	}
	ref, err := url.Parse(href)
	if err != nil {
		return nil
	}
	u := base.ResolveReference(ref)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	u.Fragment, u.RawFragment = "", ""
	return u
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func joinInts(vs []int, max int) string {
	var s []string
	for i, v := range vs {
		if i == max {
			s = append(s, "…")
			break
		}
		s = append(s, strconv.Itoa(v))
	}
	return strings.Join(s, ", ")
}

// shortURL is a URL's path and query, for a reason line.
func shortURL(u *url.URL) string {
	s := u.EscapedPath()
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return shorten(s, 80)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
