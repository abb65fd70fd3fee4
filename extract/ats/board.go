package ats

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// This file is the walk of a platform's board that every platform shares:
// the platform says which requests its API answers (a boardAPI) and which
// paging policy it follows (a boardPaging); the walk reads the answers
// with the platform's Platform and follows the pages.

// A boardAPI builds one board's requests on one platform.
type boardAPI interface {
	// list is the list page at offset: its method, URL and body.
	list(offset int) *Request
	// detail is a listed posting's detail request (method and URL), or nil
	// when the list says everything.
	detail(it Item) *Request
}

// A boardPaging is a platform's paging policy: the list pages to ask for
// after page r (n postings on it, total announced or -1, sig its
// signature); list(page, offset) builds a list page.
type boardPaging func(r *Request, n, total int, sig string, list func(page, offset int) *Request) []*Request

// wholeBoard: the whole board in one response.
func wholeBoard(*Request, int, int, string, func(int, int) *Request) []*Request { return nil }

// sequentialWhileFull: no total, the next page while pages come full of
// limit postings.
func sequentialWhileFull(limit int) boardPaging {
	return func(r *Request, n, _ int, sig string, list func(page, offset int) *Request) []*Request {
		return whileFull(r, n, limit, sig, func() *Request { return list(r.page+1, r.offset+n) })
	}
}

// fanOutFromTotal: the other pages at once from the first page's total.
func fanOutFromTotal(r *Request, n, total int, sig string, list func(page, offset int) *Request) []*Request {
	return fanOut(r, n, total, sig,
		func(k int) *Request { return list(k, k*n) },
		func() *Request { return list(r.page+1, r.offset+n) })
}

// boardSource walks one board of one platform.
type boardSource struct {
	name    string
	pl      Platform
	api     boardAPI
	paging  boardPaging
	host    string
	maxBody int64
}

var _ Source = (*boardSource)(nil)

// singleResponseMaxBody is the default max body size of the platforms that
// answer a whole board at once: descriptions included, tens of MB for the
// largest boards.
const singleResponseMaxBody = 64 << 20

func (s *boardSource) Hosts() []string { return []string{s.host} }

func (s *boardSource) DefaultMaxBodySize() int64 { return s.maxBody }

func (s *boardSource) First() []*Request { return []*Request{s.listPage(0, 0)} }

// listPage is the request of list page page, at offset.
func (s *boardSource) listPage(page, offset int) *Request {
	r := s.api.list(offset)
	if r.Method == "" {
		r.Method = MethodGet
	}
	r.Kind, r.page, r.offset = KindList, page, offset
	r.Header = withHeaders(KindList, len(r.Body) > 0, nil)
	return r
}

func (s *boardSource) Read(r *Request, body []byte, opts extract.Options) (Result, error) {
	if r.Kind == KindDetail {
		return s.readDetail(r, body, opts)
	}
	pg, err := s.pl.List(body)
	if err != nil {
		return Result{Total: -1}, err
	}
	res := Result{List: true, Listed: len(pg.Items), Total: firstTotal(r, pg.Total)}
	for _, it := range pg.Items {
		if d := s.api.detail(it); d != nil {
			if d.Method == "" {
				d.Method = MethodGet
			}
			d.Kind, d.item = KindDetail, it
			d.Header = withHeaders(KindDetail, false, nil)
			res.Next = append(res.Next, d)
			continue
		}
		p, err := s.pl.Posting(it, nil, opts)
		if err != nil {
			res.Rejected = append(res.Rejected, err)
			continue
		}
		res.Postings = append(res.Postings, p)
	}
	n, sig := len(pg.Items), ""
	if n > 0 {
		sig = strconv.Itoa(n) + " " + pg.Items[0].Key + " " + pg.Items[n-1].Key
	}
	if repeats(r, sig) {
		return Result{Total: -1}, fmt.Errorf("%s: page %d repeats the page before it (%s)", s.name, r.page+1, r.URL)
	}
	res.Next = append(res.Next, s.paging(r, n, pg.Total, sig, s.listPage)...)
	return res, nil
}

func (s *boardSource) readDetail(r *Request, body []byte, opts extract.Options) (Result, error) {
	res := Result{Total: -1}
	rec, err := s.pl.Detail(body)
	if err != nil {
		return res, err
	}
	it, _ := r.item.(Item)
	p, err := s.pl.Posting(it, rec, opts)
	if err != nil {
		return rejected(res, err)
	}
	res.Postings = []extract.Posting{p}
	return res, nil
}

// rejected puts a refused posting in res; any other error is returned.
func rejected(res Result, err error) (Result, error) {
	var rej *extract.RejectError
	if errors.As(err, &rej) {
		res.Rejected = []error{err}
		return res, nil
	}
	return res, err
}

// The settings of a board, checked as each platform's Open needs them.
// Errors name the key at fault, as config.yaml spells it.

var boardToken = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// boardOf is the board setting, trimmed.
func boardOf(b Board, platform string) (string, error) {
	id := strings.TrimSpace(b.Board)
	if id == "" {
		return "", fmt.Errorf("board: missing (the board's identifier on %s; jobcrawl add URL finds it)", platform)
	}
	return id, nil
}

// tokenBoardOf is a board named by a token (greenhouse: acme).
func tokenBoardOf(b Board, platform string) (string, error) {
	id, err := boardOf(b, platform)
	if err != nil {
		return "", err
	}
	if !boardToken.MatchString(id) {
		return "", fmt.Errorf("board: %q is not a board name (letters, digits, '.', '_' and '-')", id)
	}
	return id, nil
}

// apiBase is the API's base URL, without a trailing slash: api_url when
// set, else def; and its host (with its port, when it names one).
func apiBase(b Board, def string) (base, host string, err error) {
	base = def
	if b.APIURL != "" {
		u, err := url.Parse(b.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", "", fmt.Errorf("api_url: %q is not an http(s) URL", b.APIURL)
		}
		base = b.APIURL
	}
	base = strings.TrimRight(base, "/")
	u, _ := url.Parse(base)
	return base, u.Host, nil
}

// pageSizeOf is the page size to ask for: page_size, else def; a
// platform that answers a board in one response has max 0.
func pageSizeOf(b Board, platform string, def, max int) (int, error) {
	switch {
	case b.PageSize < 0:
		return 0, fmt.Errorf("page_size: %d is negative", b.PageSize)
	case b.PageSize > 0 && max == 0:
		return 0, fmt.Errorf("page_size: %s answers a board in one response", platform)
	case b.PageSize > max:
		return 0, fmt.Errorf("page_size: %d is over %s's largest page, %d", b.PageSize, platform, max)
	case b.PageSize > 0:
		return b.PageSize, nil
	}
	return def, nil
}
