package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/jobcrawl/jobcrawl/crawler/fetch"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
)

// This file runs the sources that are not HTML result pages: a careers
// JSON API, a platform's board or sitemaps (entries of the ats registry).
// Their requests go through the run's frontier and fetcher like every
// page; what they read goes through the same books and store.

// sourceWalk is one run's walk of its site's source.
type sourceWalk struct {
	src    ats.Source
	main   bool // the site's own source: its first requests are start pages
	public bool // a platform's documented API: robots.txt does not govern it

	mu      sync.Mutex
	pending int // list pages and sitemaps queued and not read yet
	listed  int // postings the list pages listed
	total   int // postings the first page announced, -1 unknown
}

// startAPISource queues the source's first requests.
func (r *run) startAPISource() {
	s := r.site.src
	if s.src == nil {
		return
	}
	r.src = &sourceWalk{src: s.src, main: s.main, public: s.public, total: -1}
	for _, req := range s.src.First() {
		r.queueSource(req, s.main)
	}
}

// queueSource queues one of the source's requests.
func (r *run) queueSource(req *ats.Request, start bool) {
	if req.Kind == ats.KindPage {
		// a posting page a sitemap lists: fetched and read as HTML
		if c := r.canon.String(nil, req.URL); c != "" {
			r.queue(&task{kind: kindDetail, url: c, cond: true}, c)
		}
		return
	}
	t := &task{kind: kindSource, start: start, url: req.URL, req: req}
	list := t.listLike()
	if list {
		r.src.mu.Lock()
		r.src.pending++
		r.src.mu.Unlock()
	}
	if !r.queue(t, req.Key()) && list {
		r.listDone(0, false)
	}
}

// listLike reports whether a source request is a list page or a sitemap,
// which count as result pages.
func (t *task) listLike() bool {
	return t.kind == kindSource && t.req != nil && (t.req.Kind == ats.KindList || t.req.Kind == ats.KindSitemap)
}

// doSource makes one of the source's requests and reads its answer.
func (r *run) doSource(ctx context.Context, t *task) {
	req := t.req
	fr := &fetch.Request{Method: req.Method, URL: req.URL, Body: req.Body, NoRobots: r.src.public,
		Header: http.Header{}}
	for k, v := range req.Header {
		fr.Header.Set(k, v)
	}
	var (
		res     ats.Result
		readErr error
		ctype   string
	)
	fr.Handle = func(resp *fetch.Response) error {
		ctype = strings.ToLower(resp.Header.Get("Content-Type"))
		opts := extract.Options{URL: resp.URL, Now: r.start, Company: r.site.Company}
		var err error
		res, err = r.src.src.Read(req, resp.Body, opts)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			return fetch.Retryable("truncated", err) // a response cut short
		}
		readErr = err
		return err
	}
	_, err := r.fetcher.Do(ctx, fr)
	var fe *fetch.Error
	switch {
	case readErr != nil:
		// Nothing of an answer that cannot be read is kept, and the run is
		// not complete: it closes nothing.
		if errors.Is(readErr, extract.ErrBadJSON) && strings.Contains(ctype, "html") {
			readErr = fmt.Errorf("%w (the server answered with an HTML page, %s)", readErr, ctype)
		}
		r.failed(t, &fetch.Error{URL: req.URL, Class: fetch.Malformed, Kind: "bad_response", Err: readErr})
	case errors.As(err, &fe) && fe.Class == fetch.Gone && req.Kind == ats.KindDetail:
		r.gone(req.URL, fe.Kind) // taken down between the list and its detail: not a failure
	case err != nil:
		r.failed(t, err)
	}
	if err != nil {
		if t.listLike() {
			r.listDone(0, false)
		}
		return
	}

	if req.Kind == ats.KindDetail {
		r.count(func(s *Stats) { s.Details++ })
	}
	if res.List {
		r.books.ResultPage()
	}
	if err := r.postings("", nil, res.Postings); err != nil {
		r.fatal(err)
	}
	for _, rej := range res.Rejected {
		r.rejected(rej)
		r.log.Debug("posting rejected", "url", req.URL, "reason", rej)
	}
	for _, n := range res.Next {
		r.queueSource(n, false) // before this page counts as read, so pending stays above zero
	}
	r.log.Debug("source page", "url", req.URL, "kind", req.Kind.String(), "page", req.Page(), "listed", res.Listed, "total", res.Total)
	if t.listLike() {
		r.src.mu.Lock()
		if res.Total >= 0 {
			r.src.total = res.Total
		}
		r.src.mu.Unlock()
		r.listDone(res.Listed, true)
	}
}

// listDone counts a list page read (ok) or given up on, and at the last
// one checks the listing against what the API announced.
func (r *run) listDone(listed int, ok bool) {
	w := r.src
	w.mu.Lock()
	w.pending--
	w.listed += listed
	done, n, total := w.pending == 0, w.listed, w.total
	w.mu.Unlock()
	if ok && done && total >= 0 && n < total {
		// Postings moved between pages while they were read (or the API
		// pages wrongly): some were not seen, so none may be closed.
		r.log.Warn("incomplete listing", "listed", n, "total", total)
		r.books.ShortListing(n, total)
	}
}
