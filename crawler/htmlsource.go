package crawler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/jobcrawl/jobcrawl/crawler/fetch"
	"github.com/jobcrawl/jobcrawl/extract"
)

// This file is the HTML source: result pages whose links lead to one HTML
// page per posting.

// startSources queues the first requests of the run: the start URLs of an
// HTML site, and the first requests of its API, platform or sitemaps.
func (r *run) startSources() {
	for _, raw := range r.site.resultPages() {
		u, err := url.Parse(raw)
		if c := r.canon.URL(u); err == nil && c != "" {
			r.queue(&task{kind: kindList, start: true, page: 1, url: c}, c)
		}
	}
	r.startAPISource()
}

// truncatedPage has a page cut short tried again.
func truncatedPage(resp *fetch.Response) error {
	if resp.Status == http.StatusOK && extract.Truncated(resp.Body) {
		return fetch.Retryable("truncated", extract.ErrTruncated)
	}
	return nil
}

// doList walks a result page: its job links, then its next page.
func (r *run) doList(ctx context.Context, t *task) {
	resp, err := r.fetcher.Do(ctx, &fetch.Request{URL: t.url, HTML: true, Handle: truncatedPage, Render: r.site.renders(kindList)})
	if err != nil {
		r.failed(t, err)
		return
	}
	root := resp.Doc
	if root == nil {
		// not HTML, or too deep for colly's parser: read it with the nesting capped
		if root, err = html.Parse(bytes.NewReader(resp.Body)); err != nil || root == nil {
			r.failed(t, &fetch.Error{URL: t.url, Class: fetch.Malformed, Kind: "bad_response", Err: errors.New("not an HTML page")})
			return
		}
	}
	r.books.ResultPage()
	base, _ := url.Parse(resp.URL)
	newLinks, links := 0, 0
	for _, n := range cascadia.QueryAll(root, r.site.jobLinks) {
		href := linkOf(n)
		if href == "" {
			continue
		}
		links++
		abs := r.canon.String(base, href)
		if abs == "" {
			continue
		}
		fp := ""
		if r.site.card != nil {
			fp = cardFingerprint(n, r.site.card, abs)
		}
		if r.link(abs, fp) {
			newLinks++
		}
	}
	switch {
	case r.site.next != nil:
		for _, n := range cascadia.QueryAll(root, r.site.next) {
			if href := linkOf(n); href != "" {
				if next := r.canon.String(base, href); next != "" {
					r.queue(&task{kind: kindList, page: t.page + 1, url: next}, next)
					break
				}
			}
		}
	case r.site.Pagination.PageParam != "" && newLinks > 0:
		next := *base
		q := next.Query()
		q.Set(r.site.Pagination.PageParam, strconv.Itoa(t.page+1))
		next.RawQuery = q.Encode()
		if c := r.canon.URL(&next); c != "" {
			r.queue(&task{kind: kindList, page: t.page + 1, url: c}, c)
		}
	case r.site.Pagination.OffsetParam != "" && newLinks > 0:
		if c := r.canon.URL(nextOffset(base, r.site.Pagination, links)); c != "" {
			r.queue(&task{kind: kindList, page: t.page + 1, url: c}, c)
		}
	}
	r.log.Debug("result page", "url", t.url, "page", t.page, "new_links", newLinks)
}

// nextOffset is the result page after the one at base when pages are
// counted in postings: its offset parameter (0 when absent or not a
// number) moved on by the configured step, else by the links the page held.
func nextOffset(base *url.URL, pg Pagination, links int) *url.URL {
	next := *base
	q := next.Query()
	cur, err := strconv.Atoi(q.Get(pg.OffsetParam))
	if err != nil || cur < 0 {
		cur = 0
	}
	step := pg.OffsetStep
	if step <= 0 {
		step = links
	}
	q.Set(pg.OffsetParam, strconv.Itoa(cur+step))
	next.RawQuery = q.Encode()
	return &next
}

// link follows a posting link of a result page (fp: its card's
// fingerprint, "" without cards); it reports whether the link was new to
// the run.
func (r *run) link(abs, fp string) bool {
	skipCards := r.site.Incremental.SkipUnchangedCards && !r.c.Full && fp != ""
	if fp != "" && r.cards != nil {
		r.mu.Lock()
		r.cards[abs] = appendNew(r.cards[abs], fp)
		r.mu.Unlock()
	}
	if r.front.seenKey(abs) {
		r.mu.Lock()
		wasSkipped := r.skipped[abs]
		r.mu.Unlock()
		if wasSkipped && skipCards {
			if _, ok := r.books.SkipCard(abs, fp, time.Duration(r.site.Incremental.RefreshAfter)); !ok {
				// skipped for one card, but this one reads differently:
				// fetch the page after all
				r.mu.Lock()
				delete(r.skipped, abs)
				r.mu.Unlock()
				r.count(func(s *Stats) { s.SkippedUnchanged-- })
				r.front.force(&task{kind: kindDetail, url: abs, cond: true})
				return false
			}
		}
		r.count(func(s *Stats) { s.SkippedURL++ })
		return false
	}
	if skipCards {
		if touch, ok := r.books.SkipCard(abs, fp, time.Duration(r.site.Incremental.RefreshAfter)); ok && r.front.mark(abs) {
			r.mu.Lock()
			r.skipped[abs] = true
			r.mu.Unlock()
			r.count(func(s *Stats) { s.SkippedUnchanged++ })
			if err := r.notModified(abs, false, touch); err != nil {
				r.fatal(err)
			}
			return true
		}
	}
	return r.queue(&task{kind: kindDetail, url: abs, cond: true}, abs)
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

// doDetail fetches a posting page (conditionally when the index holds its
// validators) and merges what it yields.
func (r *run) doDetail(ctx context.Context, t *task) {
	req := &fetch.Request{URL: t.url, HTML: true, Handle: truncatedPage, Render: r.site.renders(kindDetail)}
	if t.cond && !r.c.Full {
		if etag, lastMod := r.books.Validators(t.url); etag != "" || lastMod != "" {
			req.Header = http.Header{}
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			if lastMod != "" {
				req.Header.Set("If-Modified-Since", lastMod)
			}
		}
	}
	resp, err := r.fetcher.Do(ctx, req)
	var fe *fetch.Error
	switch {
	case errors.As(err, &fe) && fe.Class == fetch.Gone:
		r.gone(t.url, fe.Kind) // the posting was taken down: not a failure of the run
		return
	case err != nil:
		r.failed(t, err)
		return
	case resp.Status == http.StatusNotModified:
		r.count(func(s *Stats) { s.NotModified++ })
		if err := r.notModified(t.url, true, r.books.NotModified(t.url)); err != nil {
			r.fatal(err)
		}
		return
	}
	r.count(func(s *Stats) { s.Details++ })
	opts := extract.Options{URL: resp.URL, Now: r.start, Company: r.site.Company, Rules: r.site.Fields, Raw: resp.Body}
	var postings []extract.Posting
	if resp.Doc != nil {
		postings, err = extract.HTML(resp.Doc, opts)
	} else {
		// colly could not parse it (nested deeper than x/net/html allows)
		// or it is not HTML: extract.Parse reads it with the nesting capped
		postings, err = extract.Parse(bytes.NewReader(resp.Body), opts)
	}
	r.readPostings(t.url, resp, postings, err)
}

// readPostings merges what a posting page yielded, or counts why it
// yielded nothing.
func (r *run) readPostings(key string, resp *fetch.Response, postings []extract.Posting, err error) {
	if errors.Is(err, extract.ErrGone) && len(postings) == 0 {
		r.gone(key, "soft 404")
		return
	}
	if len(postings) > 0 && postings[0].FromListing() {
		// A posting link that leads to a result page: its cards are other
		// pages' postings, read from a summary. They are crawled from their own.
		postings, err = nil, &extract.RejectError{URL: key, Reason: extract.ErrNoPosting, Detail: "a result page"}
	}
	if err != nil {
		r.rejected(err)
		r.log.Debug("page rejected", "url", key, "reason", err)
	}
	if err := r.postings(key, resp, postings); err != nil {
		r.fatal(err)
	}
}

// gone notes that a posting page says its job is gone (404, 410 or a soft
// 404): its job is closed even if the run is incomplete, unless the run
// sees it elsewhere.
func (r *run) gone(key, why string) {
	r.books.Gone(key)
	r.log.Debug("posting gone", "url", key, "why", why)
}

// fatal stops the run: the index failed under it.
func (r *run) fatal(err error) {
	r.mu.Lock()
	if r.storeErr == nil {
		r.storeErr = err
	}
	r.mu.Unlock()
	r.cancel()
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
