package crawler

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// This file is the HTML source: result pages whose links lead to one HTML
// page per posting.

// onList follows a result page's job links and its next page.
func (r *run) onList(e *colly.HTMLElement, root *html.Node) {
	r.stats.add(func(s *Stats) { s.Pages++ })
	base := e.Request.URL
	newLinks := 0
	for _, n := range cascadia.QueryAll(root, r.site.jobLinks) {
		href := linkOf(n)
		if href == "" {
			continue
		}
		abs := r.canon.String(base, href)
		if abs == "" {
			continue
		}
		fp := ""
		if r.site.card != nil {
			fp = cardFingerprint(n, r.site.card, abs)
		}
		r.mu.Lock()
		fresh := !r.seen[abs]
		if fp != "" {
			r.cards[abs] = appendNew(r.cards[abs], fp)
		}
		r.mu.Unlock()
		if fresh {
			newLinks++
		}
		switch r.decideCard(abs, fp) {
		case cardSkip:
		case cardRefetch:
			r.request(abs, "detail", 0)
		default:
			r.visit(abs, "detail", 0)
		}
	}
	page, _ := e.Request.Ctx.GetAny("page").(int)
	switch {
	case r.site.next != nil:
		for _, n := range cascadia.QueryAll(root, r.site.next) {
			if href := linkOf(n); href != "" {
				if next := r.canon.String(base, href); next != "" {
					r.visit(next, "list", page+1)
					break
				}
			}
		}
	case r.site.Pagination.PageParam != "" && newLinks > 0:
		next := *base
		q := next.Query()
		q.Set(r.site.Pagination.PageParam, strconv.Itoa(page+1))
		next.RawQuery = q.Encode()
		r.visit(next.String(), "list", page+1)
	}
	r.log.Debug("result page", "url", e.Request.URL.String(), "page", page, "new_links", newLinks)
}

// linkOf is the href a matched element stands for: its own, its first
// descendant link's, or its enclosing link's.
func linkOf(n *html.Node) string {
	if n.DataAtom == atom.A || n.DataAtom == atom.Link {
		for _, a := range n.Attr {
			if a.Key == "href" {
				return a.Val
			}
		}
	}
	if a := cascadia.Query(n, anchor); a != nil {
		return linkOf(a)
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.A {
			return linkOf(p)
		}
	}
	return ""
}

var anchor = cascadia.MustCompile("a[href]")

// onDetail extracts a posting page and merges what it yields.
func (r *run) onDetail(e *colly.HTMLElement, root *html.Node) {
	postings, err := extract.HTML(root, r.extractOptions(e.Request, e.Response))
	r.onPostings(e.Request, e.Response, postings, err)
}

func (r *run) extractOptions(req *colly.Request, resp *colly.Response) extract.Options {
	return extract.Options{URL: req.URL.String(), Now: r.start, Company: r.site.Company, Rules: r.site.Fields, Raw: resp.Body}
}

// onDeepPage reads a posting page colly could not parse because it nests
// elements deeper than the HTML parser allows: extract.Parse reads such a
// page with its nesting capped.
func (r *run) onDeepPage(resp *colly.Response) {
	postings, err := extract.Parse(bytes.NewReader(resp.Body), r.extractOptions(resp.Request, resp))
	r.onPostings(resp.Request, resp, postings, err)
}

// onPostings merges what a posting page yielded, or counts why it yielded nothing.
func (r *run) onPostings(req *colly.Request, resp *colly.Response, postings []extract.Posting, err error) {
	canonical := req.Ctx.Get("url")
	r.stats.add(func(s *Stats) { s.Details++ })
	if errors.Is(err, extract.ErrGone) && len(postings) == 0 {
		r.markGone(canonical, "soft 404")
		return
	}
	if len(postings) > 0 && postings[0].FromListing() {
		// A posting link that leads to a result page: its cards are other
		// pages' postings, read from a summary. They are crawled from their own.
		postings, err = nil, &extract.RejectError{URL: req.URL.String(), Reason: extract.ErrNoPosting, Detail: "a result page"}
	}
	if err != nil {
		r.stats.rejected(extract.Reason(err))
		r.log.Debug("page rejected", "url", req.URL.String(), "reason", err)
	}
	if len(postings) == 0 {
		return
	}
	h := resp.Headers
	r.mu.Lock()
	r.fetched[canonical] = index.Fetch{URL: canonical, ETag: h.Get("ETag"), LastModified: h.Get("Last-Modified")}
	for _, p := range postings {
		r.checked[p.JobNumber] = true
	}
	r.mu.Unlock()
	for _, p := range postings {
		r.merge(p, canonical)
	}
}

// What to do with the posting page a result-page card links to.
const (
	cardFetch   = iota // request it (unless requested already)
	cardSkip           // its job is known and the card reads as before: skip it
	cardRefetch        // skipped earlier in the run, but this card is new: request it after all
)

// decideCard applies incremental.skip_unchanged_cards to a card linking to
// abs with fingerprint fp. A page is skipped only when every job the index
// read from it is open, was checked within incremental.refresh_after, and
// had a card with this fingerprint when last seen.
func (r *run) decideCard(abs, fp string) int {
	if !r.site.Incremental.SkipUnchangedCards || r.c.Full || fp == "" {
		return cardFetch
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	nums := r.byURL[abs]
	known := len(nums) > 0
	for _, num := range nums {
		rec := r.existing[num]
		known = known && rec.Status != index.StatusClosed && slices.Contains(rec.Cards, fp) &&
			rec.CheckedAt != nil && r.start.Sub(*rec.CheckedAt) < time.Duration(r.site.Incremental.RefreshAfter)
	}
	switch {
	case r.skipped[abs] && !known:
		// another card for the page, one it did not have: fetch it after all
		delete(r.skipped, abs)
		r.requested++
		for _, num := range nums {
			r.unchanged[num] = slices.DeleteFunc(r.unchanged[num], func(u string) bool { return u == abs })
			if len(r.unchanged[num]) == 0 {
				delete(r.unchanged, num)
				if r.jobs[num] == nil {
					delete(r.sighted, num)
					r.stats.add(func(s *Stats) { s.Postings-- })
				}
			}
		}
		r.stats.add(func(s *Stats) { s.SkippedUnchanged-- })
		return cardRefetch
	case r.seen[abs] || !known:
		return cardFetch
	}
	r.seen[abs] = true
	r.skipped[abs] = true
	for _, num := range nums {
		r.sight(num)
		r.unchanged[num] = appendNew(r.unchanged[num], abs)
	}
	r.stats.add(func(s *Stats) { s.SkippedUnchanged++ })
	return cardSkip
}

// cardFingerprint identifies what a result page says of one job: the text
// of the card around its link (the closest element matching card, else the
// link itself), whitespace folded, and the link's canonical URL.
func cardFingerprint(link *html.Node, card cascadia.Sel, abs string) string {
	n := link
	for p := link; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && card.Match(p) {
			n = p
			break
		}
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	sum := sha256.Sum256([]byte(strings.Join(strings.Fields(b.String()), " ") + "\x00" + abs))
	return hex.EncodeToString(sum[:8])
}
