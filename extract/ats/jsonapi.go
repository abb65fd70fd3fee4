package ats

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// JSONAPI is the generic JSON source (source: json): a careers API
// described in config.yaml by its request, its paging, where its postings
// are in a response and where each field is in a posting (a JSONSpec).
type JSONAPI struct{}

// JSONSpec describes a careers JSON API (config.yaml's json: block): the
// request for a page of postings, how pages follow each other, where the
// postings are in a response and where each field is in a posting.
// Placeholders in URL and Body are filled per page: {offset}, {limit},
// {page}, {cursor}. Header values may name environment variables,
// "Bearer ${ACME_TOKEN}", expanded in each request.
type JSONSpec struct {
	URL     string            `yaml:"url" json:"url"`
	Method  string            `yaml:"method" json:"method,omitempty"` // GET (default) or POST
	Body    string            `yaml:"body" json:"body,omitempty"`     // a POST's JSON body
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
	Paging  JSONPaging        `yaml:"paging" json:"paging"`
	// Items is the path to the array of postings in a response ("data.jobs");
	// "" means the response is the array.
	Items string `yaml:"items" json:"items,omitempty"`
	// Fields maps record fields to paths in one posting.
	Fields extract.JSONFields `yaml:"fields" json:"fields"`
	// DetailURL, when set, is requested for every posting of a list and its
	// response completes the posting: {path} placeholders are read from the
	// listed posting ("https://api.example.com/jobs/{id}").
	DetailURL string `yaml:"detail_url" json:"detail_url,omitempty"`
	// DetailItem is the path to the posting in a detail response ("" the
	// response itself).
	DetailItem string `yaml:"detail_item" json:"detail_item,omitempty"`
	// DetailFields, when set, are the paths in the detail record; fields a
	// detail does not give are read from the list's posting with Fields.
	DetailFields extract.JSONFields `yaml:"detail_fields" json:"detail_fields,omitempty"`
}

// JSONPaging says how a JSON API's pages follow each other.
type JSONPaging struct {
	// Style: "none" (one request, the default), "offset" ({offset} counts
	// postings), "page" ({page} counts pages), "cursor" (each response
	// gives the next page's {cursor} at Next) or "next_url" (each response
	// gives the next page's URL at Next).
	Style string `yaml:"style" json:"style,omitempty"`
	// Limit is the page size put in {limit} (default 100).
	Limit int `yaml:"limit" json:"limit,omitempty"`
	// Start is the first {offset} (default 0) or {page} (default 1).
	Start *int `yaml:"start" json:"start,omitempty"`
	// Total is the path to the number of postings the API holds in all;
	// with it, the pages after the first are requested at once.
	Total string `yaml:"total" json:"total,omitempty"`
	// Next is the path to the next cursor or URL.
	Next string `yaml:"next" json:"next,omitempty"`
}

// Paging styles of a JSON source.
const (
	PagingNone    = "none"
	PagingOffset  = "offset"
	PagingPage    = "page"
	PagingCursor  = "cursor"
	PagingNextURL = "next_url"
)

// DefaultJSONLimit is a JSON source's page size when the spec sets none.
const DefaultJSONLimit = 100

// Name implements Adapter.
func (JSONAPI) Name() string { return "json" }

// Title implements Adapter.
func (JSONAPI) Title() string { return "JSON API" }

// Recognize implements Adapter: a careers API is described, not recognised.
func (JSONAPI) Recognize(*url.URL) (Board, bool) { return Board{}, false }

// Open implements Adapter: b.JSON is the API's description. Errors name the
// key at fault below json ("json.paging.style: …").
func (JSONAPI) Open(b Board) (Source, error) {
	if b.JSON == nil {
		return nil, errors.New("json: missing (the request, items and fields of the API)")
	}
	js, err := newJSONSource(b.JSON)
	if err != nil {
		return nil, fmt.Errorf("json.%w", err)
	}
	return js, nil
}

type jsonSource struct {
	cfg          *JSONSpec
	method       string
	style        string
	limit, start int
	items        extract.JSONPath
	total, next  *extract.JSONPath
	fields       *extract.JSONMapping
	detailFields *extract.JSONMapping // nil: fields
	detailItem   extract.JSONPath
	header       map[string]string // configured, keys canonical, ${ENV} not yet expanded
}

var _ Source = (*jsonSource)(nil)

// newJSONSource checks a JSON source's configuration. Errors name the key
// at fault, below json.
func newJSONSource(cfg *JSONSpec) (*jsonSource, error) {
	js := &jsonSource{cfg: cfg, style: cfg.Paging.Style, limit: cfg.Paging.Limit, header: map[string]string{}}
	if _, ok := validHTTPURL(cfg.URL); !ok {
		return nil, fmt.Errorf("url: %q is not an http(s) URL", cfg.URL)
	}
	js.method = strings.ToUpper(cfg.Method)
	switch js.method {
	case "":
		js.method = MethodGet
		if cfg.Body != "" {
			js.method = MethodPost
		}
	case MethodGet:
		if cfg.Body != "" {
			return nil, fmt.Errorf("body: a GET request has no body (set method: POST)")
		}
	case MethodPost:
	default:
		return nil, fmt.Errorf("method: %q is not GET or POST", cfg.Method)
	}
	if cfg.Body != "" {
		probe := strings.NewReplacer("{offset}", "0", "{limit}", "1", "{page}", "1", "{cursor}", "").Replace(cfg.Body)
		if !json.Valid([]byte(probe)) {
			return nil, fmt.Errorf("body: not JSON once its placeholders are filled: %s", probe)
		}
	}
	for k, v := range cfg.Headers {
		js.header[textproto.CanonicalMIMEHeaderKey(k)] = v
	}

	uses := func(name string) bool {
		return strings.Contains(cfg.URL, "{"+name+"}") || strings.Contains(cfg.Body, "{"+name+"}")
	}
	if js.style == "" {
		js.style = PagingNone
	}
	if js.limit < 0 {
		return nil, fmt.Errorf("paging.limit: %d is negative", js.limit)
	}
	if js.limit == 0 {
		js.limit = DefaultJSONLimit
	}
	switch js.style {
	case PagingNone:
	case PagingOffset:
		if !uses("offset") {
			return nil, fmt.Errorf("paging.style: offset needs {offset} in url or body")
		}
	case PagingPage:
		if !uses("page") {
			return nil, fmt.Errorf("paging.style: page needs {page} in url or body")
		}
		js.start = 1
	case PagingCursor:
		if !uses("cursor") {
			return nil, fmt.Errorf("paging.style: cursor needs {cursor} in url or body")
		}
		if cfg.Paging.Next == "" {
			return nil, fmt.Errorf("paging.next: missing (the path to the next page's cursor)")
		}
	case PagingNextURL:
		if cfg.Paging.Next == "" {
			return nil, fmt.Errorf("paging.next: missing (the path to the next page's URL)")
		}
	default:
		return nil, fmt.Errorf("paging.style: %q is not none, offset, page, cursor or next_url", js.style)
	}
	if cfg.Paging.Start != nil {
		js.start = *cfg.Paging.Start
	}
	var err error
	if cfg.Paging.Total != "" {
		p, err := extract.ParseJSONPath(cfg.Paging.Total)
		if err != nil {
			return nil, fmt.Errorf("paging.total: %v", err)
		}
		js.total = &p
	}
	if cfg.Paging.Next != "" {
		p, err := extract.ParseJSONPath(cfg.Paging.Next)
		if err != nil {
			return nil, fmt.Errorf("paging.next: %v", err)
		}
		js.next = &p
	}
	if js.items, err = extract.ParseJSONPath(cfg.Items); err != nil {
		return nil, fmt.Errorf("items: %v", err)
	}
	if len(cfg.Fields) == 0 {
		return nil, fmt.Errorf("fields: missing (at least job_number and title: paths into one posting)")
	}
	if js.fields, err = cfg.Fields.Compile(); err != nil {
		return nil, fmt.Errorf("fields.%w", err)
	}
	if len(cfg.DetailFields) > 0 {
		if cfg.DetailURL == "" {
			return nil, fmt.Errorf("detail_fields: set without detail_url")
		}
		if js.detailFields, err = cfg.DetailFields.Compile(); err != nil {
			return nil, fmt.Errorf("detail_fields.%w", err)
		}
	}
	for _, f := range []string{"job_number", "title"} {
		if !js.fields.Has(f) && (js.detailFields == nil || !js.detailFields.Has(f)) {
			return nil, fmt.Errorf("fields.%s: missing", f)
		}
	}
	if cfg.DetailURL != "" {
		if _, ok := validHTTPURL(cfg.DetailURL); !ok && !isLonePlaceholder(cfg.DetailURL) {
			return nil, fmt.Errorf("detail_url: %q is not an http(s) URL", cfg.DetailURL)
		}
		for _, m := range placeholder.FindAllString(cfg.DetailURL, -1) {
			if _, err := extract.ParseJSONPath(m[1 : len(m)-1]); err != nil {
				return nil, fmt.Errorf("detail_url: %v", err)
			}
		}
		if js.detailItem, err = extract.ParseJSONPath(cfg.DetailItem); err != nil {
			return nil, fmt.Errorf("detail_item: %v", err)
		}
	} else if cfg.DetailItem != "" {
		return nil, fmt.Errorf("detail_item: set without detail_url")
	}
	return js, nil
}

// placeholder is a {name} or {path} in a URL template.
var placeholder = regexp.MustCompile(`\{[^{}"\s]+\}`)

// validHTTPURL reports whether raw, its placeholders filled, is an
// absolute http(s) URL.
func validHTTPURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(placeholder.ReplaceAllString(raw, "0"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return u, true
}

// isLonePlaceholder: the template is one placeholder (the posting holds
// its detail's whole URL).
func isLonePlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	return placeholder.MatchString(s) && placeholder.FindString(s) == s
}

// Hosts implements Source: the API's hosts (the detail URL's too, when it
// names one).
func (js *jsonSource) Hosts() []string {
	var out []string
	for _, raw := range []string{js.cfg.URL, js.cfg.DetailURL} {
		if u, ok := validHTTPURL(raw); ok {
			out = append(out, u.Host)
		}
	}
	return out
}

func (js *jsonSource) DefaultMaxBodySize() int64 { return 0 }

func (js *jsonSource) First() []*Request {
	r := &Request{offset: js.start}
	js.fill(r)
	return []*Request{r}
}

// fill sets a list request from the templates and its paging state.
func (js *jsonSource) fill(r *Request) {
	vals := map[string]string{"{offset}": strconv.Itoa(r.offset), "{page}": strconv.Itoa(r.offset),
		"{limit}": strconv.Itoa(js.limit)}
	urlRepl := []string{"{cursor}", url.QueryEscape(r.cursor)}
	bodyCursor, _ := json.Marshal(r.cursor)
	bodyRepl := []string{"{cursor}", string(bodyCursor[1 : len(bodyCursor)-1])}
	for k, v := range vals {
		urlRepl = append(urlRepl, k, v)
		bodyRepl = append(bodyRepl, k, v)
	}
	if r.URL == "" {
		r.URL = strings.NewReplacer(urlRepl...).Replace(js.cfg.URL)
	}
	r.Method, r.Kind = js.method, KindList
	if js.cfg.Body != "" {
		r.Body = []byte(strings.NewReplacer(bodyRepl...).Replace(js.cfg.Body))
	}
	r.Header = withHeaders(KindList, len(r.Body) > 0, js.expandedHeader())
}

// expandedHeader is the configured headers, ${NAME} read from the
// environment now: secrets stay out of config.yaml.
func (js *jsonSource) expandedHeader() map[string]string {
	h := make(map[string]string, len(js.header))
	for k, v := range js.header {
		h[k] = os.Expand(v, envOnly)
	}
	return h
}

// envOnly expands ${NAME} from the environment and leaves any other $ alone.
func envOnly(name string) string {
	if !envName.MatchString(name) {
		return "$" + name
	}
	return os.Getenv(name)
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (js *jsonSource) Read(r *Request, body []byte, opts extract.Options) (Result, error) {
	if r.Kind == KindDetail {
		return js.readDetail(r, body, opts)
	}
	doc, err := extract.DecodeJSON(body)
	if err != nil {
		return Result{Total: -1}, err
	}
	items, err := js.itemsOf(doc)
	if err != nil {
		return Result{Total: -1}, err
	}
	res := Result{List: true, Total: -1}
	res.Listed = len(items)
	total := -1
	if js.total != nil {
		if n, ok := extract.JSONNumber(js.total.First(doc)); ok && n >= 0 {
			total = int(n)
		}
	}
	res.Total = firstTotal(r, total)
	for _, it := range items {
		if js.cfg.DetailURL != "" {
			if d := js.detailRequest(r, it); d != nil {
				res.Next = append(res.Next, d)
				continue
			}
		}
		p, err := js.fields.Fields(it).Posting(opts)
		if err != nil {
			res.Rejected = append(res.Rejected, err)
			continue
		}
		res.Postings = append(res.Postings, p)
	}
	sig := ""
	if len(items) > 0 {
		first, last := js.fields.Fields(items[0]), js.fields.Fields(items[len(items)-1])
		sig = fmt.Sprintf("%d %s %s %s %s", len(items), first.JobNumber, first.Title, last.JobNumber, last.Title)
	}
	if repeats(r, sig) {
		return Result{Total: -1}, fmt.Errorf("page %d (%s) repeats the page before it: does the API read its paging parameter?", r.page+1, r.URL)
	}
	next, err := js.nextPages(r, doc, len(items), total, sig)
	if err != nil {
		return Result{Total: -1}, err
	}
	res.Next = append(res.Next, next...)
	return res, nil
}

// itemsOf returns the postings of a list response.
func (js *jsonSource) itemsOf(doc any) ([]map[string]any, error) {
	var found []any
	if js.items.IsZero() {
		found = []any{doc}
	} else {
		found = js.items.Values(doc)
		if len(found) == 0 {
			return nil, fmt.Errorf("items: no %q in the response", js.items)
		}
	}
	var out []map[string]any
	for _, v := range found {
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("items: %q is not an array in the response", js.items)
		}
		for i, e := range arr {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("items: %q[%d] is not an object", js.items, i)
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// nextPages are the pages a list page asks for next.
func (js *jsonSource) nextPages(r *Request, doc any, n, total int, sig string) ([]*Request, error) {
	at := func(offset int) *Request {
		next := &Request{offset: offset}
		js.fill(next)
		return next
	}
	switch js.style {
	case PagingOffset:
		return fanOut(r, n, total, sig,
			func(k int) *Request { return at(js.start + k*n) },
			func() *Request { return at(r.offset + n) }), nil
	case PagingPage:
		return fanOut(r, n, total, sig,
			func(k int) *Request { return at(js.start + k) },
			func() *Request { return at(r.offset + 1) }), nil
	case PagingCursor:
		cur := js.next.Text(doc)
		if cur == "" || cur == r.cursor || n == 0 {
			return nil, nil
		}
		next := &Request{page: r.page + 1, cursor: cur, prev: sig}
		js.fill(next)
		return []*Request{next}, nil
	case PagingNextURL:
		raw := js.next.Text(doc)
		if raw == "" || n == 0 {
			return nil, nil
		}
		base, _ := url.Parse(r.URL)
		ref, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("paging.next: %q is not a URL", raw)
		}
		next := &Request{page: r.page + 1, URL: base.ResolveReference(ref).String(), prev: sig}
		js.fill(next)
		return []*Request{next}, nil
	}
	return nil, nil
}

// detailRequest is the detail request of a listed posting, or nil when the
// posting lacks a value the detail URL needs. The URL resolves against the
// list page's.
func (js *jsonSource) detailRequest(r *Request, item map[string]any) *Request {
	tmpl := js.cfg.DetailURL
	missing := false
	lone := isLonePlaceholder(tmpl)
	filled := placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		v := extract.MustJSONPath(m[1 : len(m)-1]).Text(item)
		if v == "" {
			missing = true
		}
		if lone {
			return v
		}
		return url.PathEscape(v)
	})
	if missing {
		return nil
	}
	base, _ := url.Parse(r.URL)
	ref, err := url.Parse(filled)
	if err != nil {
		return nil
	}
	return &Request{Method: MethodGet, URL: base.ResolveReference(ref).String(), Kind: KindDetail, item: item,
		Header: withHeaders(KindDetail, false, js.expandedHeader())}
}

func (js *jsonSource) readDetail(r *Request, body []byte, opts extract.Options) (Result, error) {
	res := Result{Total: -1}
	doc, err := extract.DecodeJSON(body)
	if err != nil {
		return res, err
	}
	rec := doc
	if !js.detailItem.IsZero() {
		if rec = js.detailItem.First(doc); rec == nil {
			return res, fmt.Errorf("detail_item: no %q in the response", js.detailItem)
		}
	}
	if _, ok := rec.(map[string]any); !ok {
		return res, fmt.Errorf("detail: the posting is not an object")
	}
	var f extract.Fields
	if js.detailFields != nil {
		f = js.detailFields.Fields(rec).Or(js.fields.Fields(r.item))
	} else {
		f = js.fields.Fields(rec, r.item)
	}
	p, err := f.Posting(opts)
	if err != nil {
		return rejected(res, err)
	}
	res.Postings = []extract.Posting{p}
	return res, nil
}
