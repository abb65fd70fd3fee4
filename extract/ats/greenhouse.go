package ats

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// Greenhouse reads the Greenhouse job board API: the list of a board's jobs
// (GET /v1/boards/{board}/jobs): {"jobs": [...], "meta": {"total": N}},
// every job in one response, no paging; then each job's record (GET
// /v1/boards/{board}/jobs/{id}?pay_transparency=true), the only answer
// that holds the job's pay ranges (pay_input_ranges), besides its content,
// departments and offices. The list alone (as ?content=true answers it)
// reads too, without salary.
//
// Read: id (the job number), requisition_id (an alternate id), title,
// company_name, absolute_url (the posting's page, where one also applies),
// location.name and the offices' locations (the most specific offices of
// the hierarchy), departments (the first is the department, the most
// specific the team), first_published (else updated_at) as the posting
// date, content (HTML escaped once or twice) as the description, and custom
// metadata whose name is a known label ("Employment Type", "Job Family",
// "Salary"…), and the pay range of pay transparency (see payRange).
//
// Not published: employment type, workplace type and job family, unless
// the board adds them as metadata; a closing date.
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
		p.Items = append(p.Items, Item{Key: str(j, "id"), raw: j})
	}
	return p, nil
}

// Detail implements Platform: a job's record, as GET
// /v1/boards/{board}/jobs/{id}?pay_transparency=true answers it.
func (Greenhouse) Detail(body []byte) (map[string]any, error) {
	v, err := decode("greenhouse", body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok || m["id"] == nil {
		return nil, shapeErr("greenhouse", `a job object ({"id": ..., "title": ...})`, v)
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
	if sal, ok := payRange(objs(j, "pay_input_ranges"), f.Locations); ok {
		f.Salary, f.SalaryText = sal, ""
	}
	return f.Posting(opts)
}

// payRange reads the pay ranges of pay transparency: [{"min_cents",
// "max_cents", "currency_type", "title", "blurb"}], amounts in cents. A
// job may state several (one per zone or office, "Toronto, ON", "Zone
// A"): the first whose title or blurb names the city of one of the job's
// locations, else the first that states an amount. The period is what the
// title or blurb says ("per year", "hourly"); none said, Fields.Posting
// infers it from the amount as for every source.
func payRange(ranges []map[string]any, locations []string) (extract.Salary, bool) {
	var usable []map[string]any
	for _, r := range ranges {
		lo, okLo := num(r, "min_cents")
		hi, okHi := num(r, "max_cents")
		if (okLo && lo > 0) || (okHi && hi > 0) {
			usable = append(usable, r)
		}
	}
	if len(usable) == 0 {
		return extract.Salary{}, false
	}
	pick := usable[0]
	if len(usable) > 1 {
	find:
		for _, loc := range locations {
			city := strings.ToLower(extract.ParseLocation(loc).City)
			if city == "" {
				continue
			}
			for _, r := range usable {
				if strings.Contains(strings.ToLower(str(r, "title")+" "+str(r, "blurb")), city) {
					pick = r
					break find
				}
			}
		}
	}
	lo, _ := num(pick, "min_cents")
	hi, _ := num(pick, "max_cents")
	return extract.Salary{
		Min:      lo / 100,
		Max:      hi / 100,
		Currency: strings.ToUpper(strings.TrimSpace(str(pick, "currency_type"))),
		Period:   payPeriod(str(pick, "title") + " " + str(pick, "blurb")),
	}, true
}

// payPeriods are the words a pay range's title or blurb states its period in.
var payPeriods = []struct {
	re     *regexp.Regexp
	period string
}{
	{regexp.MustCompile(`(?i)\bhourly\b|\b(per|an|/)\s*(hour|hr)\b`), "HOUR"},
	{regexp.MustCompile(`(?i)\bdaily\b|\b(per|a|/)\s*day\b`), "DAY"},
	{regexp.MustCompile(`(?i)\bweekly\b|\b(per|a|/)\s*(week|wk)\b`), "WEEK"},
	{regexp.MustCompile(`(?i)\bmonthly\b|\b(per|a|/)\s*(month|mo)\b`), "MONTH"},
	{regexp.MustCompile(`(?i)\b(annual|annually|yearly|annualized)\b|\b(per|a|/)\s*(year|yr|annum)\b`), "YEAR"},
}

// payPeriod is the period text states, or "".
func payPeriod(text string) string {
	for _, p := range payPeriods {
		if p.re.MatchString(text) {
			return p.period
		}
	}
	return ""
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
// boards-api.greenhouse.io, the whole board's list in one response, then
// one request per job for its record with pay transparency.

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

// list asks for the list without content: each job's record, asked for
// anyway for its pay ranges, holds the content, so the list stays small.
func (a greenhouseAPI) list(int) *Request {
	return &Request{URL: a.base + "/v1/boards/" + a.board + "/jobs"}
}

// detail asks for a job's record with its pay ranges: Greenhouse states
// them only there (pay_transparency=true, documented on this request only).
func (a greenhouseAPI) detail(it Item) *Request {
	if it.Key == "" {
		return nil
	}
	return &Request{URL: a.base + "/v1/boards/" + a.board + "/jobs/" + url.PathEscape(it.Key) + "?pay_transparency=true"}
}
