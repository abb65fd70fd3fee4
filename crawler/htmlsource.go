package crawler

import (
	"strconv"

	"github.com/andybalholm/cascadia"
	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/jobcrawl/jobcrawl/extract"
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
		r.mu.Lock()
		fresh := !r.seen[abs]
		r.mu.Unlock()
		if fresh {
			newLinks++
		}
		r.visit(abs, "detail", 0)
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
	req := e.Request
	postings, err := extract.HTML(root, extract.Options{
		URL: req.URL.String(), Now: r.start, Company: r.site.Company, Rules: r.site.Fields, Raw: e.Response.Body,
	})
	if len(postings) > 0 && postings[0].FromListing() {
		// A posting link that leads to a result page: its cards are other
		// pages' postings, read from a summary. They are crawled from their own.
		postings, err = nil, &extract.RejectError{URL: req.URL.String(), Reason: extract.ErrNoPosting, Detail: "a result page"}
	}
	if err != nil {
		r.stats.rejected(extract.Reason(err))
		r.log.Debug("page rejected", "url", req.URL.String(), "reason", err)
	}
	r.stats.add(func(s *Stats) { s.Details++ })
	for _, p := range postings {
		r.merge(p, req.Ctx.Get("url"))
	}
}
