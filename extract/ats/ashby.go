package ats

import (
	"net/url"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// Ashby reads Ashby's public job posting API (GET
// /posting-api/job-board/{board}?includeCompensation=true): {"apiVersion":
// "1", "jobs": [...]}, every job in one response, no paging, no detail
// request. Jobs with isListed false are not on the board and are skipped.
//
// Read: id (the job number, a UUID), title, department, team,
// employmentType, location and secondaryLocations (with their postal
// addresses when given), isRemote and workplaceType, publishedAt, jobUrl and
// applyUrl, descriptionHtml (else descriptionPlain), and the salary
// component of the compensation (its first tier), else the compensation's
// salary summary text.
//
// Not published: a requisition number, a job family, a closing date, the
// company's name (the site's company is used).
type Ashby struct{}

// Name implements Platform.
func (Ashby) Name() string { return "ashby" }

// List implements Platform.
func (Ashby) List(body []byte) (Page, error) {
	v, err := decode("ashby", body)
	if err != nil {
		return Page{}, err
	}
	root, ok := v.(map[string]any)
	if !ok || root["jobs"] == nil {
		return Page{}, shapeErr("ashby", `{"apiVersion": "1", "jobs": [...]}`, v)
	}
	jobs, err := objects("ashby", "jobs", root["jobs"])
	if err != nil {
		return Page{}, err
	}
	p := Page{Total: -1}
	for _, j := range jobs {
		if l, ok := j["isListed"].(bool); ok && !l {
			p.Skipped++
			continue
		}
		p.Items = append(p.Items, Item{Key: str(j, "id"), raw: j})
	}
	p.Total = len(p.Items)
	return p, nil
}

// Detail implements Platform: Ashby's list holds everything.
func (Ashby) Detail(body []byte) (map[string]any, error) {
	v, err := decode("ashby", body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, shapeErr("ashby", "a job object", v)
	}
	return m, nil
}

// Posting implements Platform.
func (Ashby) Posting(it Item, detail map[string]any, opts extract.Options) (extract.Posting, error) {
	j := it.raw
	if detail != nil {
		j = detail
	}
	f := extract.Fields{
		JobNumber:      str(j, "id"),
		Title:          str(j, "title"),
		URL:            str(j, "jobUrl"),
		ApplyURL:       str(j, "applyUrl"),
		Department:     str(j, "department"),
		Team:           str(j, "team"),
		EmploymentType: str(j, "employmentType"),
		WorkplaceType:  str(j, "workplaceType"),
		DatePosted:     str(j, "publishedAt"),
		Description:    str(j, "descriptionHtml"),
	}
	if f.Description == "" {
		f.Description = str(j, "descriptionPlain")
	}
	remote := boolAt(j, "isRemote")
	if f.WorkplaceType == "" && remote {
		f.WorkplaceType = "remote"
	}

	// the primary location, then the secondary ones: by address when the
	// address says more than the name
	addLoc := func(name string, addr map[string]any) {
		if pl, ok := extract.PlaceFromJSON(addr); ok && (pl.City != "" || extract.ParseLocation(name).City == "") {
			pl.Remote = pl.Remote || extract.ParseLocation(name).Remote
			f.Places = append(f.Places, pl)
			return
		}
		if name != "" {
			f.Locations = append(f.Locations, name)
		}
	}
	addLoc(str(j, "location"), obj(j, "address"))
	for _, s := range objs(j, "secondaryLocations") {
		addLoc(str(s, "location"), obj(s, "address"))
	}

	comp := obj(j, "compensation")
	for _, c := range objs(comp, "summaryComponents") {
		if strings.EqualFold(str(c, "compensationType"), "Salary") {
			f.Salary = ashbySalary(c)
			break
		}
	}
	if f.Salary.Max == 0 {
	tiers:
		for _, t := range objs(comp, "compensationTiers") {
			for _, c := range objs(t, "components") {
				if strings.EqualFold(str(c, "compensationType"), "Salary") {
					f.Salary = ashbySalary(c)
					break tiers
				}
			}
		}
	}
	if f.Salary.Max == 0 {
		f.SalaryText = str(comp, "scrapeableCompensationSalarySummary")
	}
	return f.Posting(opts)
}

func ashbySalary(c map[string]any) extract.Salary {
	s := extract.SalaryFromJSON(c)
	s.Currency = str(c, "currencyCode")
	s.Period = str(c, "interval")
	return s
}

// The Ashby adapter: boards at jobs.ashbyhq.com/{board}, the API at
// api.ashbyhq.com/posting-api/job-board/{board}, the whole board in one
// response.

// Title implements Adapter.
func (Ashby) Title() string { return "Ashby" }

func (Ashby) linkDomains() []string { return []string{"ashbyhq.com"} }

// Recognize implements Adapter.
func (Ashby) Recognize(u *url.URL) (Board, bool) {
	host, seg := hostOf(u), segsOf(u)
	b := Board{Platform: "ashby"}
	switch host {
	case "jobs.ashbyhq.com":
		b.Board = seg.at(0)
	case "api.ashbyhq.com":
		if seg.at(0) == "posting-api" && seg.at(1) == "job-board" {
			b.Board = seg.at(2)
		}
	default:
		return Board{}, false
	}
	if b.Board == "" {
		return Board{}, false
	}
	return proposal(b, b.Board), true
}

// Open implements Adapter: board is the board's token.
func (a Ashby) Open(b Board) (Source, error) {
	board, err := tokenBoardOf(b, a.Name())
	if err != nil {
		return nil, err
	}
	base, host, err := apiBase(b, "https://api.ashbyhq.com")
	if err != nil {
		return nil, err
	}
	if _, err := pageSizeOf(b, a.Name(), 0, 0); err != nil {
		return nil, err
	}
	return &boardSource{name: a.Name(), pl: a, api: ashbyAPI{base, url.QueryEscape(board)}, paging: wholeBoard,
		host: host, maxBody: singleResponseMaxBody}, nil
}

type ashbyAPI struct{ base, board string }

func (a ashbyAPI) list(int) *Request {
	return &Request{URL: a.base + "/posting-api/job-board/" + a.board + "?includeCompensation=true"}
}

func (ashbyAPI) detail(Item) *Request { return nil }
