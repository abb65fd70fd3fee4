package ats

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// Lever reads Lever's postings API (GET /v0/postings/{site}?mode=json&
// skip=N&limit=M): a bare array of postings, paged with skip and limit, no
// total and no detail request (the list carries the whole posting).
//
// Read: id (the job number, a UUID), text (the title), categories
// (location and allLocations, team, department, commitment as the
// employment type), country (an ISO code, applied to a single location
// that lacks one), workplaceType, createdAt (milliseconds) as the posting
// date, hostedUrl and applyUrl, salaryRange (min, max, currency, interval)
// or salaryDescription, and the description: description, then each of
// the lists (requirements, benefits…) under its heading, then additional.
// The items of lists headed like qualifications ("Requirements", "What
// you'll bring") are the qualifications.
//
// Not published: a job family (categories.level is a seniority), a
// requisition number, a closing date; Lever has no company name in the
// postings, so the site's company is used.
type Lever struct{}

// Name implements Platform.
func (Lever) Name() string { return "lever" }

// List implements Platform.
func (Lever) List(body []byte) (Page, error) {
	v, err := decode("lever", body)
	if err != nil {
		return Page{}, err
	}
	if m, ok := v.(map[string]any); ok && m["ok"] != nil {
		// {"ok": false, "error": "Document not found"}
		return Page{}, shapeErr("lever", "an array of postings (the API said "+str(m, "error")+")", v)
	}
	postings, err := objects("lever", "the response", v)
	if err != nil {
		return Page{}, err
	}
	p := Page{Total: -1}
	for _, o := range postings {
		p.Items = append(p.Items, Item{Key: str(o, "id"), raw: o})
	}
	return p, nil
}

// Detail implements Platform: GET /v0/postings/{site}/{id} answers one posting.
func (Lever) Detail(body []byte) (map[string]any, error) {
	v, err := decode("lever", body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok || m["id"] == nil {
		return nil, shapeErr("lever", "a posting object", v)
	}
	return m, nil
}

var leverQualHeading = regexp.MustCompile(`(?i)qualif|requirement|what you('ll| will)? (need|bring)|who you are|looking for|you (have|bring)|must[- ]haves?|skills|experience`)

// Posting implements Platform.
func (Lever) Posting(it Item, detail map[string]any, opts extract.Options) (extract.Posting, error) {
	j := it.raw
	if detail != nil {
		j = detail
	}
	f := extract.Fields{
		JobNumber:      str(j, "id"),
		Title:          str(j, "text"),
		URL:            str(j, "hostedUrl"),
		ApplyURL:       str(j, "applyUrl"),
		Team:           str(j, "categories.team"),
		Department:     str(j, "categories.department"),
		EmploymentType: str(j, "categories.commitment"),
		WorkplaceType:  str(j, "workplaceType"),
		DatePosted:     str(j, "createdAt"),
		Salary:         extract.SalaryFromJSON(obj(j, "salaryRange")),
		SalaryText:     str(j, "salaryDescriptionPlain"),
	}
	if f.SalaryText == "" {
		f.SalaryText = str(j, "salaryDescription")
	}
	f.Locations = strs(j, "categories.allLocations")
	if len(f.Locations) == 0 {
		f.Locations = strs(j, "categories.location")
	}
	if cc := str(j, "country"); cc != "" && len(f.Locations) <= 1 {
		pl := extract.Place{Country: cc}
		if len(f.Locations) == 1 {
			parsed := extract.ParseLocation(f.Locations[0])
			if parsed.Country == "" {
				pl = extract.Place{City: parsed.City, Region: parsed.Region, Country: cc, Remote: parsed.Remote}
				f.Locations = nil
				f.Places = []extract.Place{pl}
			}
		} else {
			f.Places = []extract.Place{pl}
		}
	}

	var desc []string
	if d := str(j, "description"); d != "" {
		desc = append(desc, d)
	} else {
		desc = append(desc, str(j, "descriptionPlain"))
	}
	for _, l := range objs(j, "lists") {
		heading, content := str(l, "text"), str(l, "content")
		desc = append(desc, section(heading, "<ul>"+content+"</ul>"))
		if leverQualHeading.MatchString(heading) {
			f.Qualifications = append(f.Qualifications, "<ul>"+content+"</ul>")
		}
	}
	if a := str(j, "additional"); a != "" {
		desc = append(desc, a)
	} else {
		desc = append(desc, str(j, "additionalPlain"))
	}
	f.Description = strings.Join(desc, "\n")
	return f.Posting(opts)
}

// The Lever adapter: boards at jobs.lever.co/{site} (jobs.eu.lever.co for
// the EU instance, whose API is api.eu.lever.co), the API at
// api.lever.co/v0/postings/{site}, paged with skip and limit and no total:
// the next page while pages come full.

// Title implements Adapter.
func (Lever) Title() string { return "Lever" }

func (Lever) linkDomains() []string { return []string{"lever.co"} }

// Recognize implements Adapter.
func (Lever) Recognize(u *url.URL) (Board, bool) {
	host, seg := hostOf(u), segsOf(u)
	b := Board{Platform: "lever"}
	switch host {
	case "jobs.lever.co", "jobs.eu.lever.co":
		b.Board = seg.at(0)
	case "api.lever.co", "api.eu.lever.co":
		if seg.at(0) == "v0" && seg.at(1) == "postings" {
			b.Board = seg.at(2)
		}
	default:
		return Board{}, false
	}
	if strings.Contains(host, ".eu.") {
		b.APIURL = "https://api.eu.lever.co"
	}
	if b.Board == "" {
		return Board{}, false
	}
	return proposal(b, b.Board), true
}

// Open implements Adapter: board is the site's token; pages of 100
// postings, up to 1000.
func (l Lever) Open(b Board) (Source, error) {
	board, err := tokenBoardOf(b, l.Name())
	if err != nil {
		return nil, err
	}
	base, host, err := apiBase(b, "https://api.lever.co")
	if err != nil {
		return nil, err
	}
	limit, err := pageSizeOf(b, l.Name(), 100, 1000)
	if err != nil {
		return nil, err
	}
	return &boardSource{name: l.Name(), pl: l, api: leverAPI{base, url.QueryEscape(board), limit},
		paging: sequentialWhileFull(limit), host: host}, nil
}

type leverAPI struct {
	base, board string
	limit       int
}

func (a leverAPI) list(offset int) *Request {
	return &Request{URL: a.base + "/v0/postings/" + a.board + "?mode=json&skip=" + strconv.Itoa(offset) + "&limit=" + strconv.Itoa(a.limit)}
}

// detail: the list carries the whole posting.
func (leverAPI) detail(Item) *Request { return nil }
