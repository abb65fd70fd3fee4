package ats

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// SmartRecruiters reads SmartRecruiters' public Posting API: the list (GET
// /v1/companies/{company}/postings?offset=N&limit=M: {"offset", "limit",
// "totalFound", "content": [...]}) and each posting's detail (GET
// /v1/companies/{company}/postings/{id}), which alone carries the job ad.
//
// Read: id (the job number), refNumber (an alternate id), name (the title),
// company.name, location (city, region, country code, remote and hybrid
// flags), department.label, function.label as the job family,
// typeOfEmployment.label, releasedDate, custom fields whose label is a
// known one, and from the detail postingUrl, applyUrl and the job ad's
// sections (company description, job description, qualifications,
// additional information) as the description, the qualifications
// section's items as the qualifications.
//
// Not published: salary (unless a custom field carries it), a team, a
// closing date.
type SmartRecruiters struct{}

// Name implements Platform.
func (SmartRecruiters) Name() string { return "smartrecruiters" }

// List implements Platform.
func (SmartRecruiters) List(body []byte) (Page, error) {
	v, err := decode("smartrecruiters", body)
	if err != nil {
		return Page{}, err
	}
	root, ok := v.(map[string]any)
	if !ok || root["content"] == nil {
		return Page{}, shapeErr("smartrecruiters", `{"totalFound": N, "content": [...]}`, v)
	}
	content, err := objects("smartrecruiters", "content", root["content"])
	if err != nil {
		return Page{}, err
	}
	p := Page{Total: total(root, "totalFound")}
	for _, o := range content {
		p.Items = append(p.Items, Item{Key: str(o, "id"), raw: o})
	}
	return p, nil
}

// Detail implements Platform.
func (SmartRecruiters) Detail(body []byte) (map[string]any, error) {
	v, err := decode("smartrecruiters", body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok || m["id"] == nil {
		return nil, shapeErr("smartrecruiters", "a posting object with an id", v)
	}
	return m, nil
}

var srSections = []string{"companyDescription", "jobDescription", "qualifications", "additionalInformation"}

// Posting implements Platform.
func (SmartRecruiters) Posting(it Item, detail map[string]any, opts extract.Options) (extract.Posting, error) {
	recs := []map[string]any{detail, it.raw}
	get := func(path string) string {
		for _, r := range recs {
			if s := str(r, path); s != "" {
				return s
			}
		}
		return ""
	}
	f := extract.Fields{
		JobNumber:      get("id"),
		Title:          get("name"),
		Company:        get("company.name"),
		URL:            get("postingUrl"),
		ApplyURL:       get("applyUrl"),
		Department:     get("department.label"),
		JobFamily:      get("function.label"),
		EmploymentType: get("typeOfEmployment.label"),
		DatePosted:     get("releasedDate"),
	}
	if ref := get("refNumber"); ref != "" {
		f.AltIDs = []string{ref}
	}
	if f.URL == "" {
		if company := get("company.identifier"); company != "" && f.JobNumber != "" {
			f.URL = "https://jobs.smartrecruiters.com/" + company + "/" + f.JobNumber
		}
	}
	var loc map[string]any
	for _, r := range recs {
		if loc = obj(r, "location"); loc != nil {
			break
		}
	}
	if pl, ok := extract.PlaceFromJSON(loc); ok {
		f.Places = []extract.Place{pl}
	} else if full := str(loc, "fullLocation"); full != "" {
		f.Locations = []string{full}
	}
	switch {
	case boolAt(loc, "hybrid"):
		f.WorkplaceType = "hybrid"
	case boolAt(loc, "remote"):
		f.WorkplaceType = "remote"
	}
	for _, r := range recs {
		for _, c := range objs(r, "customField") {
			custom(&f, str(c, "fieldLabel"), str(c, "valueLabel"))
		}
	}

	var desc []string
	for _, name := range srSections {
		s := obj(detail, "jobAd.sections."+name)
		desc = append(desc, section(str(s, "title"), str(s, "text")))
		if name == "qualifications" && str(s, "text") != "" {
			f.Qualifications = append(f.Qualifications, str(s, "text"))
		}
	}
	f.Description = strings.TrimSpace(strings.Join(desc, "\n"))
	return f.Posting(opts)
}

// The SmartRecruiters adapter: boards at careers.smartrecruiters.com/
// {company} and postings at jobs.smartrecruiters.com/{company}/{id}, the
// API at api.smartrecruiters.com/v1/companies/{company}/postings, paged
// with offset and limit and a total (the other pages at once), a detail
// request per posting.

// Title implements Adapter.
func (SmartRecruiters) Title() string { return "SmartRecruiters" }

func (SmartRecruiters) linkDomains() []string { return []string{"smartrecruiters.com"} }

// Recognize implements Adapter.
func (SmartRecruiters) Recognize(u *url.URL) (Board, bool) {
	host, seg := hostOf(u), segsOf(u)
	b := Board{Platform: "smartrecruiters"}
	switch host {
	case "careers.smartrecruiters.com", "jobs.smartrecruiters.com":
		b.Board = seg.at(0)
	case "api.smartrecruiters.com":
		if seg.at(0) == "v1" && seg.at(1) == "companies" {
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

// Open implements Adapter: board is the company's identifier; pages of
// 100 postings, the API's largest.
func (sr SmartRecruiters) Open(b Board) (Source, error) {
	board, err := tokenBoardOf(b, sr.Name())
	if err != nil {
		return nil, err
	}
	base, host, err := apiBase(b, "https://api.smartrecruiters.com")
	if err != nil {
		return nil, err
	}
	limit, err := pageSizeOf(b, sr.Name(), 100, 100)
	if err != nil {
		return nil, err
	}
	return &boardSource{name: sr.Name(), pl: sr, api: smartRecruitersAPI{base, url.QueryEscape(board), limit},
		paging: fanOutFromTotal, host: host}, nil
}

type smartRecruitersAPI struct {
	base, board string
	limit       int
}

func (a smartRecruitersAPI) list(offset int) *Request {
	return &Request{URL: a.base + "/v1/companies/" + a.board + "/postings?offset=" + strconv.Itoa(offset) + "&limit=" + strconv.Itoa(a.limit)}
}

func (a smartRecruitersAPI) detail(it Item) *Request {
	if it.Key == "" {
		return nil
	}
	return &Request{URL: a.base + "/v1/companies/" + a.board + "/postings/" + url.PathEscape(it.Key)}
}
