package ats

import (
	"net/url"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// Greenhouse reads the Greenhouse job board API's list of a board's jobs
// (GET /v1/boards/{board}/jobs?content=true): {"jobs": [...], "meta":
// {"total": N}}, every job in one response, no paging and no detail request.
//
// Read: id (the job number), requisition_id (an alternate id), title,
// company_name, absolute_url (the posting's page, where one also applies),
// location.name and the offices' locations (the most specific offices of
// the hierarchy), departments (the first is the department, the most
// specific the team), first_published (else updated_at) as the posting
// date, content (HTML escaped once or twice) as the description, and custom
// metadata whose name is a known label ("Employment Type", "Job Family",
// "Salary"…).
//
// Not published: employment type, workplace type, salary and job family,
// unless the board adds them as metadata; a closing date.
type Greenhouse struct{}

// Name implements Platform.
func (Greenhouse) Name() string { return "greenhouse" }

// List implements Platform.
func (Greenhouse) List(body []byte) (Page, error) {
	v, err := decode("greenhouse", body)
	if err != nil {
		return Page{}, err
	}
	root, ok := v.(map[string]any)
	if !ok || root["jobs"] == nil {
		return Page{}, shapeErr("greenhouse", `{"jobs": [...]}`, v)
	}
	jobs, err := objects("greenhouse", "jobs", root["jobs"])
	if err != nil {
		return Page{}, err
	}
	p := Page{Total: total(root, "meta.total")}
	for _, j := range jobs {
		p.Items = append(p.Items, Item{raw: j})
	}
	return p, nil
}

// Detail implements Platform: Greenhouse's list holds everything.
func (Greenhouse) Detail(body []byte) (map[string]any, error) {
	v, err := decode("greenhouse", body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, shapeErr("greenhouse", "a job object", v)
	}
	return m, nil
}

// Posting implements Platform.
func (Greenhouse) Posting(it Item, detail map[string]any, opts extract.Options) (extract.Posting, error) {
	j := it.raw
	if detail != nil {
		j = detail
	}
	f := extract.Fields{
		JobNumber:   str(j, "id"),
		Title:       str(j, "title"),
		Company:     str(j, "company_name"),
		URL:         str(j, "absolute_url"),
		ApplyURL:    str(j, "absolute_url"),
		DatePosted:  str(j, "first_published"),
		Description: str(j, "content"),
	}
	if f.DatePosted == "" {
		f.DatePosted = str(j, "updated_at")
	}
	if req := str(j, "requisition_id"); req != "" {
		f.AltIDs = append(f.AltIDs, req)
	}

	// The board shows location.name; the offices say it in full. Take the
	// name when it names a country, else the most specific offices.
	name := str(j, "location.name")
	offices := leaves(objs(j, "offices"))
	var officeLocs []string
	for _, o := range offices {
		if l := str(o, "location"); l != "" {
			officeLocs = append(officeLocs, l)
		} else if n := str(o, "name"); n != "" {
			officeLocs = append(officeLocs, n)
		}
	}
	switch {
	case name != "" && (len(officeLocs) == 0 || hasCountry(name)):
		f.Locations = []string{name}
	case len(officeLocs) > 0:
		f.Locations = officeLocs
		if extract.ParseLocation(name).Remote {
			f.Remote = true
		}
	}

	deps := objs(j, "departments")
	if len(deps) > 0 {
		f.Department = str(deps[0], "name")
		if leaf := leaves(deps); len(leaf) > 0 {
			if t := str(leaf[0], "name"); t != f.Department {
				f.Team = t
			}
		}
	}
	for _, m := range objs(j, "metadata") {
		custom(&f, str(m, "name"), str(m, "value"))
	}
	return f.Posting(opts)
}

// leaves returns the entries of a Greenhouse hierarchy (offices,
// departments) that are no other listed entry's parent.
func leaves(list []map[string]any) []map[string]any {
	parents := map[string]bool{}
	for _, o := range list {
		if p := str(o, "parent_id"); p != "" {
			parents[p] = true
		}
	}
	var out []map[string]any
	for _, o := range list {
		if !parents[str(o, "id")] {
			out = append(out, o)
		}
	}
	return out
}

// hasCountry reports whether a location text names its country (or is remote).
func hasCountry(s string) bool {
	for _, part := range strings.Split(s, ";") {
		pl := extract.ParseLocation(part)
		if pl.Country == "" && !pl.Remote {
			return false
		}
	}
	return true
}

// The Greenhouse adapter: boards at boards.greenhouse.io/{board} (and
// job-boards., the EU hosts, the embed's ?for={board}), the API at
// boards-api.greenhouse.io, the whole board in one response.

// Title implements Adapter.
func (Greenhouse) Title() string { return "Greenhouse" }

func (Greenhouse) linkDomains() []string { return []string{"greenhouse.io"} }

// Recognize implements Adapter.
func (Greenhouse) Recognize(u *url.URL) (Board, bool) {
	host, seg := hostOf(u), segsOf(u)
	b := Board{Platform: "greenhouse"}
	switch host {
	case "boards.greenhouse.io", "job-boards.greenhouse.io", "boards.eu.greenhouse.io", "job-boards.eu.greenhouse.io",
		"boards-api.greenhouse.io":
	default:
		return Board{}, false
	}
	switch {
	case u.Query().Get("for") != "":
		b.Board = u.Query().Get("for") // the embed: /embed/job_board?for=acme
	case host == "boards-api.greenhouse.io" && seg.at(0) == "v1" && seg.at(1) == "boards":
		b.Board = seg.at(2)
	case seg.at(0) != "embed":
		b.Board = seg.at(0)
	}
	if b.Board == "" {
		return Board{}, false
	}
	return proposal(b, b.Board), true
}

// Open implements Adapter: board is the board's token.
func (g Greenhouse) Open(b Board) (Source, error) {
	board, err := tokenBoardOf(b, g.Name())
	if err != nil {
		return nil, err
	}
	base, host, err := apiBase(b, "https://boards-api.greenhouse.io")
	if err != nil {
		return nil, err
	}
	if _, err := pageSizeOf(b, g.Name(), 0, 0); err != nil {
		return nil, err
	}
	return &boardSource{name: g.Name(), pl: g, api: greenhouseAPI{base, url.QueryEscape(board)}, paging: wholeBoard,
		host: host, maxBody: singleResponseMaxBody}, nil
}

type greenhouseAPI struct{ base, board string }

func (a greenhouseAPI) list(int) *Request {
	return &Request{URL: a.base + "/v1/boards/" + a.board + "/jobs?content=true"}
}

func (greenhouseAPI) detail(Item) *Request { return nil }
