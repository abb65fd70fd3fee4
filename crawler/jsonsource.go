package crawler

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// This file is the generic JSON source (source: json): a careers API
// described in config.yaml by its request, its paging, where its postings
// are and where each field is in a posting.

// Paging styles of a JSON source.
const (
	pagingNone    = "none"
	pagingOffset  = "offset"
	pagingPage    = "page"
	pagingCursor  = "cursor"
	pagingNextURL = "next_url"
)

// defaultJSONLimit is a JSON source's page size when the config sets none.
const defaultJSONLimit = 100

type jsonSource struct {
	cfg          *JSONSource
	method       string
	style        string
	limit, start int
	items        extract.JSONPath
	total, next  *extract.JSONPath
	fields       *extract.JSONMapping
	detailFields *extract.JSONMapping // nil: fields
	detailItem   extract.JSONPath
	header       http.Header
}

// newJSONSource checks a JSON source's configuration. Errors name the key
// at fault, below json.
func newJSONSource(cfg *JSONSource) (*jsonSource, error) {
	js := &jsonSource{cfg: cfg, style: cfg.Paging.Style, limit: cfg.Paging.Limit, header: http.Header{}}
	if _, ok := validHTTPURL(cfg.URL); !ok {
		return nil, fmt.Errorf("url: %q is not an http(s) URL", cfg.URL)
	}
	js.method = strings.ToUpper(cfg.Method)
	switch js.method {
	case "":
		js.method = http.MethodGet
		if cfg.Body != "" {
			js.method = http.MethodPost
		}
	case http.MethodGet:
		if cfg.Body != "" {
			return nil, fmt.Errorf("body: a GET request has no body (set method: POST)")
		}
	case http.MethodPost:
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
		js.header.Set(k, v)
	}

	uses := func(name string) bool {
		return strings.Contains(cfg.URL, "{"+name+"}") || strings.Contains(cfg.Body, "{"+name+"}")
	}
	if js.style == "" {
		js.style = pagingNone
	}
	if js.limit < 0 {
		return nil, fmt.Errorf("paging.limit: %d is negative", js.limit)
	}
	if js.limit == 0 {
		js.limit = defaultJSONLimit
	}
	switch js.style {
	case pagingNone:
	case pagingOffset:
		if !uses("offset") {
			return nil, fmt.Errorf("paging.style: offset needs {offset} in url or body")
		}
	case pagingPage:
		if !uses("page") {
			return nil, fmt.Errorf("paging.style: page needs {page} in url or body")
		}
		js.start = 1
	case pagingCursor:
		if !uses("cursor") {
			return nil, fmt.Errorf("paging.style: cursor needs {cursor} in url or body")
		}
		if cfg.Paging.Next == "" {
			return nil, fmt.Errorf("paging.next: missing (the path to the next page's cursor)")
		}
	case pagingNextURL:
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

func isLonePlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	return placeholder.MatchString(s) && placeholder.FindString(s) == s
}

// hosts are the API's hosts (the detail URL's too, when it names one).
func (js *jsonSource) hosts() []string {
	var out []string
	for _, raw := range []string{js.cfg.URL, js.cfg.DetailURL} {
		if u, ok := validHTTPURL(raw); ok {
			out = append(out, u.Hostname())
		}
	}
	return out
}

func (js *jsonSource) first() []*apiCall {
	c := &apiCall{offset: js.start}
	js.fill(c)
	return []*apiCall{c}
}

// fill sets the call's request from the templates and its paging state.
func (js *jsonSource) fill(c *apiCall) {
	vals := map[string]string{"{offset}": strconv.Itoa(c.offset), "{page}": strconv.Itoa(c.offset),
		"{limit}": strconv.Itoa(js.limit)}
	urlRepl := []string{"{cursor}", url.QueryEscape(c.cursor)}
	bodyCursor, _ := json.Marshal(c.cursor)
	bodyRepl := []string{"{cursor}", string(bodyCursor[1 : len(bodyCursor)-1])}
	for k, v := range vals {
		urlRepl = append(urlRepl, k, v)
		bodyRepl = append(bodyRepl, k, v)
	}
	if c.url == "" {
		c.url = strings.NewReplacer(urlRepl...).Replace(js.cfg.URL)
	}
	c.method = js.method
	if js.cfg.Body != "" {
		c.body = []byte(strings.NewReplacer(bodyRepl...).Replace(js.cfg.Body))
	}
	c.header = js.header.Clone()
	for k, vs := range c.header {
		for i, v := range vs {
			vs[i] = os.Expand(v, envOnly) // "Bearer ${ACME_TOKEN}": secrets stay out of config.yaml
		}
		c.header[k] = vs
	}
}

// envOnly expands ${NAME} from the environment and leaves any other $ alone.
func envOnly(name string) string {
	if !envName.MatchString(name) {
		return "$" + name
	}
	return os.Getenv(name)
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (js *jsonSource) list(c *apiCall, body []byte, opts extract.Options) (apiPage, error) {
	page := apiPage{total: -1}
	doc, err := extract.DecodeJSON(body)
	if err != nil {
		return page, err
	}
	items, err := js.itemsOf(doc)
	if err != nil {
		return page, err
	}
	page.items = len(items)
	if js.total != nil {
		if n, ok := extract.JSONNumber(js.total.First(doc)); ok && n >= 0 {
			page.total = int(n)
		}
	}
	sig := ""
	for _, it := range items {
		if js.cfg.DetailURL != "" {
			if d := js.detailCall(c, it); d != nil {
				page.next = append(page.next, d)
				continue
			}
		}
		p, err := js.fields.Fields(it).Posting(opts)
		if err != nil {
			page.rejected = append(page.rejected, err)
			continue
		}
		page.postings = append(page.postings, p)
	}
	if len(items) > 0 {
		first, last := js.fields.Fields(items[0]), js.fields.Fields(items[len(items)-1])
		sig = fmt.Sprintf("%d %s %s %s %s", len(items), first.JobNumber, first.Title, last.JobNumber, last.Title)
	}
	if c.prev != "" && sig == c.prev {
		return page, fmt.Errorf("page %d (%s) repeats the page before it: does the API read its paging parameter?", c.page+1, c.url)
	}
	next, err := js.nextCalls(c, doc, len(items), page.total, sig)
	page.next = append(page.next, next...)
	return page, err
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

// nextCalls are the pages a list page asks for next.
func (js *jsonSource) nextCalls(c *apiCall, doc any, n, total int, sig string) ([]*apiCall, error) {
	mk := func(offset int, fanned bool) *apiCall {
		nc := &apiCall{page: c.page + 1, offset: offset, prev: sig, fanned: fanned}
		js.fill(nc)
		return nc
	}
	var out []*apiCall
	switch js.style {
	case pagingOffset, pagingPage:
		if c.fanned || n == 0 {
			return nil, nil
		}
		if c.page == 0 && total >= 0 {
			// The first page says how many there are: ask for the others at
			// once. The step is the page's real size, should the API cap the
			// requested limit.
			if total <= n {
				return nil, nil
			}
			pages := (total + n - 1) / n
			for k := 1; k < pages; k++ {
				if js.style == pagingOffset {
					out = append(out, mk(js.start+k*n, true))
				} else {
					out = append(out, mk(js.start+k, true))
				}
				out[len(out)-1].page = k
			}
			return out, nil
		}
		if js.style == pagingOffset {
			return []*apiCall{mk(c.offset+n, false)}, nil
		}
		return []*apiCall{mk(c.offset+1, false)}, nil
	case pagingCursor:
		cur := js.next.Text(doc)
		if cur == "" || cur == c.cursor || n == 0 {
			return nil, nil
		}
		nc := &apiCall{page: c.page + 1, cursor: cur, prev: sig}
		js.fill(nc)
		return []*apiCall{nc}, nil
	case pagingNextURL:
		raw := js.next.Text(doc)
		if raw == "" || n == 0 {
			return nil, nil
		}
		base, _ := url.Parse(c.url)
		ref, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("paging.next: %q is not a URL", raw)
		}
		nc := &apiCall{page: c.page + 1, url: base.ResolveReference(ref).String(), prev: sig}
		js.fill(nc)
		return []*apiCall{nc}, nil
	}
	return nil, nil
}

// detailCall is the detail request of a listed posting, or nil when the
// posting lacks a value the detail URL needs.
func (js *jsonSource) detailCall(c *apiCall, item map[string]any) *apiCall {
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
	base, _ := url.Parse(c.url)
	ref, err := url.Parse(filled)
	if err != nil {
		return nil
	}
	d := &apiCall{detail: true, url: base.ResolveReference(ref).String(), item: item, header: js.header.Clone()}
	for _, vs := range d.header {
		for i, v := range vs {
			vs[i] = os.Expand(v, envOnly)
		}
	}
	return d
}

func (js *jsonSource) detail(c *apiCall, body []byte, opts extract.Options) (extract.Posting, error) {
	doc, err := extract.DecodeJSON(body)
	if err != nil {
		return extract.Posting{}, err
	}
	rec := doc
	if !js.detailItem.IsZero() {
		if rec = js.detailItem.First(doc); rec == nil {
			return extract.Posting{}, fmt.Errorf("detail_item: no %q in the response", js.detailItem)
		}
	}
	if _, ok := rec.(map[string]any); !ok {
		return extract.Posting{}, fmt.Errorf("detail: the posting is not an object")
	}
	var f extract.Fields
	if js.detailFields != nil {
		f = js.detailFields.Fields(rec).Or(js.fields.Fields(c.item))
	} else {
		f = js.fields.Fields(rec, c.item)
	}
	return f.Posting(opts)
}
