package ats

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// Workday reads the "cxs" JSON API behind Workday career sites
// ({tenant}.wdN.myworkdayjobs.com/{site}): the list (POST
// /wday/cxs/{tenant}/{site}/jobs with {"appliedFacets": {}, "limit": 20,
// "offset": N, "searchText": ""}: {"total": N, "jobPostings": [...]}; only
// the first page's total is reliable) and each job's detail (GET
// /wday/cxs/{tenant}/{site}{externalPath}: {"jobPostingInfo": {...},
// "hiringOrganization": {...}}).
//
// Read: jobReqId (else the list's first bullet field, else the end of the
// external path) as the job number and jobPostingId as an alternate,
// title, hiringOrganization.name, externalUrl, location and
// additionalLocations (the country given apart is applied to a single
// location that lacks one), remoteType, timeType as the employment type,
// startDate (else the list's "Posted 3 Days Ago") as the posting date,
// endDate as the closing date, and jobDescription.
//
// Not published: department, team, job family (the site's facets have
// them, but only as opaque ids), salary (unless the description states
// it, which extraction does not read).
type Workday struct{}

// Name implements Platform.
func (Workday) Name() string { return "workday" }

// List implements Platform.
func (Workday) List(body []byte) (Page, error) {
	v, err := decode("workday", body)
	if err != nil {
		return Page{}, err
	}
	root, ok := v.(map[string]any)
	if !ok || root["jobPostings"] == nil {
		return Page{}, shapeErr("workday", `{"total": N, "jobPostings": [...]}`, v)
	}
	jobs, err := objects("workday", "jobPostings", root["jobPostings"])
	if err != nil {
		return Page{}, err
	}
	p := Page{Total: total(root, "total")}
	for _, j := range jobs {
		p.Items = append(p.Items, Item{Key: str(j, "externalPath"), raw: j})
	}
	return p, nil
}

// Detail implements Platform.
func (Workday) Detail(body []byte) (map[string]any, error) {
	v, err := decode("workday", body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok || obj(m, "jobPostingInfo") == nil {
		return nil, shapeErr("workday", `{"jobPostingInfo": {...}}`, v)
	}
	return m, nil
}

var (
	workdayAPIPath = regexp.MustCompile(`/wday/cxs/[^/]+/`)
	workdayCount   = regexp.MustCompile(`^\d+ Locations?$`)
)

// Posting implements Platform.
func (Workday) Posting(it Item, detail map[string]any, opts extract.Options) (extract.Posting, error) {
	info := obj(detail, "jobPostingInfo")
	list := it.raw
	f := extract.Fields{
		JobNumber:      str(info, "jobReqId"),
		Title:          str(info, "title"),
		Company:        str(detail, "hiringOrganization.name"),
		URL:            str(info, "externalUrl"),
		WorkplaceType:  str(info, "remoteType"),
		EmploymentType: str(info, "timeType"),
		DatePosted:     str(info, "startDate"),
		ValidThrough:   str(info, "endDate"),
		Description:    str(info, "jobDescription"),
	}
	if f.JobNumber == "" {
		f.JobNumber = str(list, "bulletFields[0]")
	}
	path := str(list, "externalPath")
	if f.JobNumber == "" {
		// ".../Senior-Engineer_R12345": the requisition ends the path
		from := path
		if from == "" {
			from = str(info, "externalUrl")
		}
		if i := strings.LastIndexByte(from, '_'); i >= 0 {
			f.JobNumber = from[i+1:]
		}
	}
	if id := str(info, "jobPostingId"); id != "" && id != f.JobNumber {
		f.AltIDs = append(f.AltIDs, id)
	}
	if f.Title == "" {
		f.Title = str(list, "title")
	}
	if f.DatePosted == "" {
		f.DatePosted = str(info, "postedOn")
	}
	if f.DatePosted == "" {
		f.DatePosted = str(list, "postedOn")
	}
	if f.URL == "" && path != "" && opts.URL != "" {
		// the public page: the API's address without /wday/cxs/{tenant}
		f.URL = workdayAPIPath.ReplaceAllString(strings.SplitN(opts.URL, "?", 2)[0], "/")
		if i := strings.Index(f.URL, "/job/"); i >= 0 {
			f.URL = f.URL[:i]
		}
		f.URL = strings.TrimSuffix(f.URL, "/jobs") + path
	}

	locs := append(strs(info, "location"), strs(info, "additionalLocations")...)
	if len(locs) == 0 {
		if l := str(list, "locationsText"); l != "" && !workdayCount.MatchString(l) {
			locs = []string{l}
		}
	}
	country := str(info, "country.descriptor")
	if len(locs) == 1 && country != "" {
		if pl := extract.ParseLocation(locs[0]); pl.Country == "" {
			f.Places = []extract.Place{{City: pl.City, Region: pl.Region, Country: country, Remote: pl.Remote}}
			locs = nil
		}
	}
	if len(locs) == 0 && len(f.Places) == 0 && country != "" {
		f.Places = []extract.Place{{Country: country}}
	}
	f.Locations = locs
	return f.Posting(opts)
}

// The Workday adapter: career sites at {tenant}.wdN.myworkdayjobs.com/
// [{locale}/]{site}, their cxs API at the same host under
// /wday/cxs/{tenant}/{site}, paged by a POSTed offset and limit (20 at
// most) with a total on the first page only (the other pages at once), a
// detail request per posting.

// Title implements Adapter.
func (Workday) Title() string { return "Workday" }

func (Workday) linkDomains() []string { return []string{"myworkdayjobs.com"} }

var (
	workdayHost   = regexp.MustCompile(`^([a-z0-9-]+)\.(wd\d+)\.myworkdayjobs\.com$`)
	workdayLocale = regexp.MustCompile(`^[a-z]{2}-[A-Z]{2}$`)
	workdayBoard  = regexp.MustCompile(`^(?:https?://)?([a-z0-9-]+)\.(wd\d+)(?:\.myworkdayjobs\.com)?/(?:[a-z]{2}-[A-Z]{2}/)?([A-Za-z0-9_-]+)/?$`)
	workdayShort  = regexp.MustCompile(`^([a-z0-9-]+)/([A-Za-z0-9_-]+)$`)
)

// Recognize implements Adapter: the board is TENANT.wdN/SITE.
func (Workday) Recognize(u *url.URL) (Board, bool) {
	m := workdayHost.FindStringSubmatch(hostOf(u))
	if m == nil {
		return Board{}, false
	}
	seg := segsOf(u)
	b := Board{Platform: "workday"}
	i := 0
	if workdayLocale.MatchString(seg.at(0)) {
		i = 1
	}
	site := seg.at(i)
	if seg.at(0) == "wday" && seg.at(1) == "cxs" {
		site = seg.at(3) // the API: /wday/cxs/{tenant}/{site}/…
	}
	if site == "" {
		return Board{}, false
	}
	b.Board = m[1] + "." + m[2] + "/" + site
	return proposal(b, m[1]), true
}

// Open implements Adapter: board is TENANT.wdN/SITE (or the site's URL),
// or TENANT/SITE with api_url; pages of 20 postings, the API's largest.
func (w Workday) Open(b Board) (Source, error) {
	board, err := boardOf(b, w.Name())
	if err != nil {
		return nil, err
	}
	var def, path string
	if m := workdayBoard.FindStringSubmatch(board); m != nil {
		def = "https://" + m[1] + "." + m[2] + ".myworkdayjobs.com"
		path = "/wday/cxs/" + m[1] + "/" + m[3]
	} else if m := workdayShort.FindStringSubmatch(board); m != nil && b.APIURL != "" {
		path = "/wday/cxs/" + m[1] + "/" + m[2]
	} else {
		return nil, fmt.Errorf("board: %q is not a Workday board: want TENANT.wdN/SITE (acme.wd5/External, from https://acme.wd5.myworkdayjobs.com/External), or TENANT/SITE with api_url", board)
	}
	base, host, err := apiBase(b, def)
	if err != nil {
		return nil, err
	}
	limit, err := pageSizeOf(b, w.Name(), 20, 20)
	if err != nil {
		return nil, err
	}
	return &boardSource{name: w.Name(), pl: w, api: workdayAPI{base + path, limit}, paging: fanOutFromTotal, host: host}, nil
}

type workdayAPI struct {
	site  string // the API's base and /wday/cxs/{tenant}/{site}
	limit int
}

func (a workdayAPI) list(offset int) *Request {
	return &Request{Method: MethodPost, URL: a.site + "/jobs",
		Body: fmt.Appendf(nil, `{"appliedFacets":{},"limit":%d,"offset":%d,"searchText":""}`, a.limit, offset)}
}

// detail: the external path, as the list gives it, under the site's API.
func (a workdayAPI) detail(it Item) *Request {
	if !strings.HasPrefix(it.Key, "/") {
		return nil
	}
	return &Request{URL: a.site + it.Key}
}
