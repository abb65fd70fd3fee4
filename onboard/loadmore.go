package onboard

import (
	"context"
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
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
)

// This file reads a "load more" control that asks a JSON endpoint for the
// next postings: it finds the endpoint (a data-url, data-endpoint or
// data-next attribute, or a fetch in a script), asks it once, and when it
// answers an array of postings with URLs, proposes a json: source.

// endpointAttrs are the attributes load-more controls keep their URL in.
var endpointAttrs = []string{"data-url", "data-endpoint", "data-next", "data-next-url", "data-href", "data-src",
	"data-source", "data-api", "data-load-more", "data-more-url", "hx-get"}

// scriptURL finds URLs a script fetches: fetch("…"), axios.get('…'),
// $.getJSON("…"), or a string naming an api or json path.
var scriptURL = regexp.MustCompile("(?:fetch|get|getJSON|ajax|load)\\(\\s*[\"'`]([^\"'`\\s]{2,300})[\"'`]|[\"'`]((?:https?://[^\"'`\\s/]+)?/[^\"'`\\s]{0,200}(?:api|json|ajax)[^\"'`\\s]{0,200})[\"'`]")

// maxEndpoints bounds the endpoints probed for one page.
const maxEndpoints = 4

// endpoints returns the same-host URLs the page's load-more controls and
// scripts name, attributes first.
func endpoints(root *html.Node, page *url.URL) []*url.URL {
	var out []*url.URL
	seen := map[string]bool{}
	add := func(raw string) {
		raw = strings.ReplaceAll(strings.TrimSpace(raw), `\/`, `/`)
		u := resolve(page, raw)
		if u == nil || !strings.EqualFold(u.Host, page.Host) || seen[u.String()] || u.String() == page.String() || len(out) == maxEndpoints {
			return
		}
		seen[u.String()] = true
		out = append(out, u)
	}
	for _, n := range cascadia.QueryAll(root, cascadia.MustCompile("*")) {
		for _, a := range endpointAttrs {
			if v := attrOf(n, a); v != "" {
				add(v)
			}
		}
	}
	for _, s := range cascadia.QueryAll(root, cascadia.MustCompile("script:not([src])")) {
		text := nodeTextAll(s)
		for _, m := range scriptURL.FindAllStringSubmatch(text, 20) {
			add(firstNonEmpty(m[1], m[2]))
		}
	}
	return out
}

// nodeTextAll is a script's text as written (bounded).
func nodeTextAll(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil && b.Len() < 256<<10; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// jsonProposal is a json: source found behind a load-more control, with
// the postings its first page gave.
type jsonProposal struct {
	spec     crawler.JSONSource
	endpoint string
	postings []extract.Posting
	items    int
	reason   string
	conf     float64
}

// JSON keys APIs commonly give each field; the first present wins.
var jsonKeys = map[string][]string{
	"job_number":      {"job_number", "jobNumber", "job_id", "jobId", "req_id", "reqId", "requisition_id", "requisitionId", "reference", "ref", "posting_id", "postingId", "code", "number", "id", "uuid"},
	"title":           {"title", "job_title", "jobTitle", "name", "position", "positionTitle"},
	"url":             {"url", "absolute_url", "absoluteUrl", "job_url", "jobUrl", "link", "href", "detail_url", "detailUrl", "permalink", "path"},
	"locations":       {"locations", "location", "city", "office", "offices", "place"},
	"department":      {"department", "departments", "division"},
	"team":            {"team", "teams"},
	"job_family":      {"category", "categories", "job_family", "jobFamily", "family", "function"},
	"employment_type": {"employment_type", "employmentType", "type", "job_type", "jobType", "schedule"},
	"date_posted":     {"date_posted", "datePosted", "posted", "posted_at", "postedAt", "published", "published_at", "publishedAt", "created_at", "createdAt", "date"},
}

// the order fields are mapped and shown in
var jsonFieldOrder = []string{"job_number", "title", "url", "locations", "department", "team", "job_family", "employment_type", "date_posted"}

var (
	limitParams = []string{"limit", "size", "per_page", "perpage", "page_size", "pagesize", "count", "rows", "num", "n", "take", "max"}
	totalKeys   = []string{"total", "total_count", "totalCount", "count", "hits", "total_hits", "totalHits", "totalResults", "total_results"}
	nextKeys    = []string{"next", "next_url", "nextUrl", "next_page_url", "nextPageUrl"}
)

// probeJSON asks a load-more endpoint for its page and, when it answers
// postings with URLs, proposes a json: source that reads them all.
func (c *client) probeJSON(ctx context.Context, u *url.URL, opts extract.Options) (*jsonProposal, string) {
	body, _, err := c.get(ctx, u.String())
	if err != nil {
		return nil, fmt.Sprintf("%s: %v", shortURL(u), err)
	}
	doc, err := extract.DecodeJSON(body)
	if err != nil {
		return nil, fmt.Sprintf("%s does not answer JSON", shortURL(u))
	}
	path, items := postingArray(doc, "", 0)
	if len(items) == 0 {
		return nil, fmt.Sprintf("%s answers JSON without an array of postings with URLs", shortURL(u))
	}
	fields := extract.JSONFields{}
	for _, f := range jsonFieldOrder {
		for _, k := range jsonKeys[f] {
			if v, ok := items[0][k]; ok && v != nil && !slices.Contains(mapValues(fields), k) {
				if f == "job_number" && !distinctIDs(items, k) {
					continue
				}
				fields[f] = k
				break
			}
		}
	}
	if fields["job_number"] == "" || fields["title"] == "" {
		return nil, fmt.Sprintf("%s answers postings without an id or a title the crawler can read", shortURL(u))
	}
	spec := crawler.JSONSource{Items: path, Fields: fields}
	// paging: the parameter the endpoint counts in, set back to the first page
	q := u.Query()
	tmpl := *u
	style, limit := "", 0
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	raw := []string{}
	for _, k := range keys {
		v := q.Get(k)
		lk := strings.ToLower(k)
		switch {
		case slices.Contains(offsetParams, lk) && isInt(v):
			style = ats.PagingOffset
			raw = append(raw, url.QueryEscape(k)+"={offset}")
		case slices.Contains(pageParams, lk) && isInt(v):
			style = ats.PagingPage
			raw = append(raw, url.QueryEscape(k)+"={page}")
		case slices.Contains(limitParams, lk) && isInt(v):
			limit, _ = strconv.Atoi(v)
			raw = append(raw, url.QueryEscape(k)+"={limit}")
		default:
			raw = append(raw, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	tmpl.RawQuery = strings.Join(raw, "&")
	spec.URL = strings.NewReplacer("%7B", "{", "%7D", "}").Replace(tmpl.String())
	if limit == 0 {
		limit = len(items)
	}
	spec.Paging = crawler.JSONPaging{Style: style, Limit: limit}
	if m, ok := doc.(map[string]any); ok {
		for _, k := range totalKeys {
			if _, ok := extract.JSONNumber(m[k]); ok {
				spec.Paging.Total = k
				break
			}
		}
		if style == "" {
			for _, k := range nextKeys {
				if s, ok := m[k].(string); ok && s != "" {
					spec.Paging = crawler.JSONPaging{Style: ats.PagingNextURL, Next: k}
					spec.URL = u.String()
					break
				}
			}
		}
	}
	if spec.Paging.Style == "" {
		spec.Paging.Style = ats.PagingNone
		spec.Paging.Limit = 0
	}
	p := &jsonProposal{spec: spec, endpoint: u.String(), items: len(items)}
	p.conf = 0.8
	p.reason = fmt.Sprintf("a load-more control asks %s, which answers %d postings at %q", shortURL(u), len(items), firstNonEmpty(path, "the top"))
	switch spec.Paging.Style {
	case ats.PagingNone:
		p.conf = 0.5
		p.reason += "; no paging parameter found: only what it answers at once is read"
	case ats.PagingNextURL:
		p.reason += fmt.Sprintf("; each answer gives the next at %q (the postings before the first answer are not read)", spec.Paging.Next)
		p.conf = 0.6
	default:
		p.reason += fmt.Sprintf("; paged by %s from the first", spec.Paging.Style)
	}
	mapping, err := fields.Compile()
	if err != nil {
		return nil, err.Error()
	}
	for _, it := range items {
		if len(p.postings) == 5 {
			break
		}
		if post, err := mapping.Fields(it).Posting(opts); err == nil {
			p.postings = append(p.postings, post)
		}
	}
	return p, ""
}

func isInt(s string) bool { _, err := strconv.Atoi(s); return err == nil }

func mapValues(m extract.JSONFields) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// distinctIDs: every item has a different, id-like value at key.
func distinctIDs(items []map[string]any, key string) bool {
	seen := map[string]bool{}
	for _, it := range items {
		v := extract.JSONText(it[key])
		if v == "" || seen[v] || !extract.ValidJobNumber(v) {
			return false
		}
		seen[v] = true
	}
	return true
}

// postingArray finds the largest array of objects under doc (to depth 4)
// whose objects carry a URL, and its path.
func postingArray(doc any, path string, depth int) (string, []map[string]any) {
	if depth > 4 {
		return "", nil
	}
	switch v := doc.(type) {
	case []any:
		var objs []map[string]any
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				objs = append(objs, m)
			}
		}
		if len(objs) > 0 && len(objs) == len(v) && hasURLField(objs[0]) {
			return path, objs
		}
	case map[string]any:
		bestPath, best := "", []map[string]any(nil)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !jsonKey.MatchString(k) {
				continue
			}
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			if p, items := postingArray(v[k], sub, depth+1); len(items) > len(best) {
				bestPath, best = p, items
			}
		}
		return bestPath, best
	}
	return "", nil
}

var jsonKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func hasURLField(m map[string]any) bool {
	for _, k := range jsonKeys["url"] {
		if s, ok := m[k].(string); ok && (strings.HasPrefix(s, "http") || strings.HasPrefix(s, "/")) {
			return true
		}
	}
	return false
}
