package ats

import (
	"crypto/sha256"
	"encoding/hex"
	"net/textproto"
	"strconv"

	"github.com/jobcrawl/jobcrawl/extract"
)

// This file is what a Source and the crawler say to each other: the
// requests a source asks for (data: package ats makes none), what it reads
// from their answers, and the paging helpers the sources share.

// Kind says what a Request asks for, and so how its answer is read.
type Kind int

const (
	// KindList is a page of a board's or an API's list of postings.
	KindList Kind = iota + 1
	// KindDetail is one listed posting's detail record. An answer of 404
	// or 410 is a posting taken down since the list, not a failure.
	KindDetail
	// KindSitemap is a sitemap or a sitemap index.
	KindSitemap
	// KindPage is a posting's HTML page a sitemap lists: the crawler
	// canonicalises, fetches and extracts it as HTML; no Source reads it.
	KindPage
)

// String is the kind's name: list, detail, sitemap or page.
func (k Kind) String() string {
	switch k {
	case KindList:
		return "list"
	case KindDetail:
		return "detail"
	case KindSitemap:
		return "sitemap"
	case KindPage:
		return "page"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// HTTP methods a Request uses.
const (
	MethodGet  = "GET"
	MethodPost = "POST"
)

// Accept headers the sources send.
const (
	acceptJSON = "application/json"
	acceptXML  = "application/xml, text/xml;q=0.9, */*;q=0.5"
)

// A Request is one HTTP request a Source asks the crawler's fetch layer to
// make. It is data: package ats makes no request. The state of the walk it
// belongs to (which page, at which offset or cursor, the listed posting a
// detail completes) travels in its unexported fields, so one Source
// serves any number of walks at once; hand the Request back to the Source
// that made it, with its answer, to Read.
type Request struct {
	Method string // MethodGet or MethodPost
	URL    string
	Body   []byte // a POST's JSON body
	// Header holds the headers to send, keys in canonical form: Accept,
	// Content-Type with a body, and a JSON source's configured headers
	// with their ${ENV} references expanded (secrets: never log them).
	// Nil for KindPage, which the crawler fetches as any HTML page.
	Header map[string]string
	Kind   Kind

	page   int    // the list page's index, 0 for the first
	offset int    // the offset, page number or skip the page asked for
	cursor string // the cursor it was asked with
	prev   string // the previous page's signature, to refuse a repeat
	fanned bool   // requested from the first page's total: asks for no next page
	item   any    // a detail's listed posting (an Item, or a JSON object)
}

// Page is a list request's page index, 0 for the first (for logs).
func (r *Request) Page() int { return r.page }

// Key identifies the request within a walk: its method, URL and, for a
// request with a body, a hash of the body. Two requests with one key ask
// for the same answer (a posting listed twice has one detail request).
func (r *Request) Key() string {
	m := r.Method
	if m == "" {
		m = MethodGet
	}
	key := m + " " + r.URL
	if len(r.Body) > 0 {
		sum := sha256.Sum256(r.Body)
		key += " " + hex.EncodeToString(sum[:8])
	}
	return key
}

// Result is what the answer to one Request holds.
type Result struct {
	// List: the request was a list page or a sitemap (the crawler counts
	// it as a result page).
	List bool
	// Listed counts the postings a list page listed, before details and
	// rejections (a sitemap: the posting URLs it gave).
	Listed int
	// Total is the number of postings the API says it holds in all, as the
	// first list page states it; -1 unknown, and on every other answer.
	// A complete walk that listed fewer saw a board that moved under it.
	Total int
	// Postings read from the answer.
	Postings []extract.Posting
	// Rejected are the postings of the answer that were refused, each
	// error normally an *extract.RejectError.
	Rejected []error
	// Next are the requests the answer asks for: further list pages, the
	// listed postings' details, a sitemap index's sitemaps, the posting
	// pages of a sitemap.
	Next []*Request
}

// A Source walks one board, API or set of sitemaps. Implementations hold
// configuration only and are safe for concurrent use.
type Source interface {
	// First are the requests a walk starts with.
	First() []*Request
	// Read reads the answer to one of the source's requests. An error is
	// an answer the source cannot read (not JSON, not shaped as the API
	// answers, a page repeating the one before it): nothing of it is to be
	// kept, and the walk is not complete. A detail whose posting is
	// refused is no error: the refusal is in Result.Rejected.
	Read(r *Request, body []byte, opts extract.Options) (Result, error)
	// Hosts are the hosts the source's requests go to, host[:port] as its
	// URLs write them (the crawler allows requests to these only, besides
	// the site's own). A sitemap index's sitemaps and the posting pages of
	// a sitemap on other hosts are not among them.
	Hosts() []string
	// DefaultMaxBodySize is the largest answer to accept when the site
	// sets no limit of its own: 0 for the crawler's default, more for an
	// API that answers a whole board at once.
	DefaultMaxBodySize() int64
}

// withHeaders returns the default headers of a request of kind with a body
// or not, then configured ones (their keys made canonical) over them.
func withHeaders(kind Kind, body bool, configured map[string]string) map[string]string {
	h := map[string]string{"Accept": acceptJSON}
	if kind == KindSitemap {
		h["Accept"] = acceptXML
	}
	if body {
		h["Content-Type"] = "application/json"
	}
	for k, v := range configured {
		h[textproto.CanonicalMIMEHeaderKey(k)] = v
	}
	return h
}

// firstTotal is a list page's total as a Result states it: the first
// page's, -1 on the others.
func firstTotal(r *Request, total int) int {
	if r.page != 0 || total < 0 {
		return -1
	}
	return total
}

// repeats reports whether a list page, by its signature (how many
// postings, the first's and the last's identity), is the page it was asked
// after: an API that does not read its paging parameter answers the same
// page forever.
func repeats(r *Request, sig string) bool { return r.prev != "" && sig == r.prev }

// The paging policies list sources choose from. Each decides, from the list
// page r just read (n postings, total announced or -1, sig its signature),
// which list pages to ask for next.

// fanOut: when the first page announces a total, every other page is asked
// for at once (at(k) builds page k, at a step of the first page's real
// size, should the API cap the size asked for), and those pages ask for no
// more; without a total, after() builds the next page, asked for while
// pages come with postings. A page asked for at once still carries the
// first page's signature: an API that ignores its paging answers page 0
// again, and is refused.
func fanOut(r *Request, n, total int, sig string, at func(k int) *Request, after func() *Request) []*Request {
	switch {
	case r.fanned || n == 0:
		return nil
	case r.page == 0 && total >= 0:
		var out []*Request
		for k := 1; k*n < total; k++ {
			next := at(k)
			next.page, next.fanned, next.prev = k, true, sig
			out = append(out, next)
		}
		return out
	}
	next := after()
	next.page, next.prev = r.page+1, sig
	return []*Request{next}
}

// whileFull: no total, so the next page while pages come full.
func whileFull(r *Request, n, limit int, sig string, after func() *Request) []*Request {
	if n < limit || n == 0 {
		return nil
	}
	next := after()
	next.page, next.prev = r.page+1, sig
	return []*Request{next}
}
