package crawler

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
)

// This file pages through the boards of applicant-tracking platforms
// (platform: greenhouse, board: acme): which requests each platform's
// public API answers, and how its pages follow each other. Reading the
// responses is package ats's.

// platformSource walks one board of one platform.
type platformSource struct {
	pl    ats.Platform
	name  string
	board string // the board's identifier (Workday: its site; Eightfold: the employer's domain)
	base  string // the API's base URL, without a trailing slash
	host  string
	limit int    // page size, for the platforms that page
	path  string // Workday: /wday/cxs/{tenant}/{site}
}

// singleResponseMaxBody is the default max_body_size of the platforms
// that answer a whole board at once.
const singleResponseMaxBody = 64 << 20

// platformLimits are each paging platform's default and largest page size.
var platformLimits = map[string][2]int{
	"lever":           {100, 1000},
	"smartrecruiters": {100, 100},
	"workday":         {20, 20},
	"eightfold":       {10, 10},
	"eightfold-v2":    {10, 100},
}

var (
	boardToken    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	workdayBoard  = regexp.MustCompile(`^(?:https?://)?([a-z0-9-]+)\.(wd\d+)(?:\.myworkdayjobs\.com)?/(?:[a-z]{2}-[A-Z]{2}/)?([A-Za-z0-9_-]+)/?$`)
	workdayShort  = regexp.MustCompile(`^([a-z0-9-]+)/([A-Za-z0-9_-]+)$`)
	domainPattern = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
)

// eightfoldHosts are employers whose Eightfold site is on their own host.
var eightfoldHosts = map[string]string{"microsoft.com": "https://apply.careers.microsoft.com"}

// newPlatformSource checks a platform site's settings (platform, board,
// api_url, page_size). Errors name the key at fault.
func newPlatformSource(s *Site) (*platformSource, error) {
	if !isPlatform(s.Platform) {
		return nil, fmt.Errorf("platform: %q is not one of %s", s.Platform, platformList())
	}
	ps := &platformSource{name: s.Platform, board: strings.TrimSpace(s.Board)}
	ps.pl, _ = ats.ByName(s.Platform)
	if ps.board == "" {
		return nil, fmt.Errorf("board: missing (the board's identifier on %s; jobcrawl add URL finds it)", s.Platform)
	}
	var base string
	switch s.Platform {
	case "greenhouse", "lever", "ashby", "smartrecruiters":
		if !boardToken.MatchString(ps.board) {
			return nil, fmt.Errorf("board: %q is not a board name (letters, digits, '.', '_' and '-')", ps.board)
		}
		base = map[string]string{"greenhouse": "https://boards-api.greenhouse.io", "lever": "https://api.lever.co",
			"ashby": "https://api.ashbyhq.com", "smartrecruiters": "https://api.smartrecruiters.com"}[s.Platform]
	case "workday":
		if m := workdayBoard.FindStringSubmatch(ps.board); m != nil {
			base = "https://" + m[1] + "." + m[2] + ".myworkdayjobs.com"
			ps.path = "/wday/cxs/" + m[1] + "/" + m[3]
		} else if m := workdayShort.FindStringSubmatch(ps.board); m != nil && s.APIURL != "" {
			ps.path = "/wday/cxs/" + m[1] + "/" + m[2]
		} else {
			return nil, fmt.Errorf("board: %q is not a Workday board: want TENANT.wdN/SITE (acme.wd5/External, from https://acme.wd5.myworkdayjobs.com/External), or TENANT/SITE with api_url", ps.board)
		}
	case "eightfold", "eightfold-v2":
		ps.board = strings.ToLower(ps.board)
		if !domainPattern.MatchString(ps.board) {
			return nil, fmt.Errorf("board: %q is not the employer's domain Eightfold knows it by (microsoft.com)", s.Board)
		}
		base = eightfoldHosts[ps.board]
		if base == "" {
			base = "https://" + strings.SplitN(ps.board, ".", 2)[0] + ".eightfold.ai"
		}
	}
	if s.APIURL != "" {
		u, err := url.Parse(s.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("api_url: %q is not an http(s) URL", s.APIURL)
		}
		base = s.APIURL
	}
	ps.base = strings.TrimRight(base, "/")
	u, _ := url.Parse(ps.base)
	ps.host = u.Hostname()

	lim, pages := platformLimits[s.Platform]
	switch {
	case s.PageSize < 0:
		return nil, fmt.Errorf("page_size: %d is negative", s.PageSize)
	case s.PageSize > 0 && !pages:
		return nil, fmt.Errorf("page_size: %s answers a board in one response", s.Platform)
	case s.PageSize > lim[1]:
		return nil, fmt.Errorf("page_size: %d is over %s's largest page, %d", s.PageSize, s.Platform, lim[1])
	case s.PageSize > 0:
		ps.limit = s.PageSize
	default:
		ps.limit = lim[0]
	}
	if (s.Platform == "greenhouse" || s.Platform == "ashby") && s.Limits.MaxBodySize == 0 {
		// the whole board, descriptions included, in one response: tens of MB for the largest
		s.Limits.MaxBodySize = singleResponseMaxBody
	}
	if s.Platform == "eightfold" && ps.limit != 10 {
		return nil, fmt.Errorf("page_size: eightfold's search pages hold 10 postings, whatever one asks")
	}
	return ps, nil
}

// listCall is the request of the list page at offset.
func (ps *platformSource) listCall(page, offset int) *apiCall {
	c := &apiCall{method: http.MethodGet, page: page, offset: offset}
	b, q := ps.base, url.QueryEscape(ps.board)
	switch ps.name {
	case "greenhouse":
		c.url = b + "/v1/boards/" + q + "/jobs?content=true"
	case "lever":
		c.url = b + "/v0/postings/" + q + "?mode=json&skip=" + strconv.Itoa(offset) + "&limit=" + strconv.Itoa(ps.limit)
	case "ashby":
		c.url = b + "/posting-api/job-board/" + q + "?includeCompensation=true"
	case "smartrecruiters":
		c.url = b + "/v1/companies/" + q + "/postings?offset=" + strconv.Itoa(offset) + "&limit=" + strconv.Itoa(ps.limit)
	case "workday":
		c.method, c.url = http.MethodPost, b+ps.path+"/jobs"
		c.body = []byte(fmt.Sprintf(`{"appliedFacets":{},"limit":%d,"offset":%d,"searchText":""}`, ps.limit, offset))
	case "eightfold":
		c.url = b + "/api/pcsx/search?domain=" + q + "&query=&location=&start=" + strconv.Itoa(offset) + "&sort_by=timestamp"
	case "eightfold-v2":
		c.url = b + "/api/apply/v2/jobs?domain=" + q + "&start=" + strconv.Itoa(offset) + "&num=" + strconv.Itoa(ps.limit)
	}
	return c
}

// detailCall is the detail request of a listed posting, or nil for the
// platforms whose list says everything.
func (ps *platformSource) detailCall(it ats.Item) *apiCall {
	if it.Key == "" {
		return nil
	}
	b, q, key := ps.base, url.QueryEscape(ps.board), url.PathEscape(it.Key)
	c := &apiCall{method: http.MethodGet, detail: true, item: it}
	switch ps.name {
	case "smartrecruiters":
		c.url = b + "/v1/companies/" + q + "/postings/" + key
	case "workday":
		if !strings.HasPrefix(it.Key, "/") {
			return nil
		}
		c.url = b + ps.path + it.Key // the external path, as the API gives it
	case "eightfold":
		c.url = b + "/api/pcsx/position_details?position_id=" + url.QueryEscape(it.Key) + "&domain=" + q + "&hl=en"
	case "eightfold-v2":
		c.url = b + "/api/apply/v2/jobs/" + key + "?domain=" + q
	default:
		return nil
	}
	return c
}

func (ps *platformSource) first() []*apiCall { return []*apiCall{ps.listCall(0, 0)} }

func (ps *platformSource) list(c *apiCall, body []byte, opts extract.Options) (apiPage, error) {
	pg, err := ps.pl.List(body)
	if err != nil {
		return apiPage{total: -1}, err
	}
	page := apiPage{items: len(pg.Items), total: pg.Total}
	for _, it := range pg.Items {
		if d := ps.detailCall(it); d != nil {
			page.next = append(page.next, d)
			continue
		}
		p, err := ps.pl.Posting(it, nil, opts)
		if err != nil {
			page.rejected = append(page.rejected, err)
			continue
		}
		page.postings = append(page.postings, p)
	}

	n := len(pg.Items)
	sig := ""
	if n > 0 {
		sig = strconv.Itoa(n) + " " + pg.Items[0].Key + " " + pg.Items[n-1].Key
	}
	if c.prev != "" && sig == c.prev {
		return page, fmt.Errorf("%s: page %d repeats the page before it (%s)", ps.name, c.page+1, c.url)
	}
	switch ps.name {
	case "greenhouse", "ashby":
		// the whole board in one response
	case "lever":
		// no total: the next page while pages come full
		if n >= ps.limit {
			next := ps.listCall(c.page+1, c.offset+n)
			next.prev = sig
			page.next = append(page.next, next)
		}
	default:
		switch {
		case c.fanned || n == 0:
		case c.page == 0 && pg.Total >= 0:
			// The first page says how many there are: ask for the others at
			// once, a step of the page's real size (Workday gives the total
			// on its first page only).
			for k := 1; k*n < pg.Total; k++ {
				next := ps.listCall(k, k*n)
				next.fanned = true
				page.next = append(page.next, next)
			}
		default:
			next := ps.listCall(c.page+1, c.offset+n)
			next.prev = sig
			page.next = append(page.next, next)
		}
	}
	return page, nil
}

func (ps *platformSource) detail(c *apiCall, body []byte, opts extract.Options) (extract.Posting, error) {
	rec, err := ps.pl.Detail(body)
	if err != nil {
		return extract.Posting{}, err
	}
	it, _ := c.item.(ats.Item)
	return ps.pl.Posting(it, rec, opts)
}
