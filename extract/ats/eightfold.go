package ats

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/jobcrawl/jobcrawl/extract"
)

// Eightfold reads the search API of Eightfold career sites (Microsoft's
// apply.careers.microsoft.com, {tenant}.eightfold.ai): the list (GET
// /api/pcsx/search?domain={domain}&query=&location=&start=N: {"status":
// 200, "data": {"count": N, "positions": [...]}}, ten a page) and each
// position's detail (GET /api/pcsx/position_details?position_id={id}&
// domain={domain}&hl=en: {"data": {...}}), which alone carries the
// description.
//
// Read: displayJobId (else atsJobId, else id) as the job number and the
// position id as an alternate, name (the title), standardizedLocations
// (else locations), workLocationOption, department, postedTs (Unix
// seconds), publicUrl (else positionUrl), and from the detail
// jobDescription.
//
// Not published: salary (US postings state it in the description's text,
// which is not parsed), employment type, team apart from the department,
// a closing date, the company's name (the site's company is used).
type Eightfold struct{}

// Name implements Platform.
func (Eightfold) Name() string { return "eightfold" }

// List implements Platform.
func (Eightfold) List(body []byte) (Page, error) {
	v, err := decode("eightfold", body)
	if err != nil {
		return Page{}, err
	}
	root, _ := v.(map[string]any)
	data := obj(root, "data")
	if data == nil || data["positions"] == nil {
		if msg := str(root, "error.message"); msg != "" {
			return Page{}, shapeErr("eightfold", `{"data": {"positions": [...]}} (the API said "`+msg+`")`, v)
		}
		return Page{}, shapeErr("eightfold", `{"data": {"count": N, "positions": [...]}}`, v)
	}
	positions, err := objects("eightfold", "data.positions", data["positions"])
	if err != nil {
		return Page{}, err
	}
	p := Page{Total: total(data, "count")}
	for _, o := range positions {
		p.Items = append(p.Items, Item{Key: str(o, "id"), raw: o})
	}
	return p, nil
}

// Detail implements Platform.
func (Eightfold) Detail(body []byte) (map[string]any, error) {
	v, err := decode("eightfold", body)
	if err != nil {
		return nil, err
	}
	root, _ := v.(map[string]any)
	data := obj(root, "data")
	if data == nil || data["id"] == nil {
		return nil, shapeErr("eightfold", `{"data": {"id": …, "jobDescription": …}}`, v)
	}
	return data, nil
}

// Posting implements Platform.
func (Eightfold) Posting(it Item, detail map[string]any, opts extract.Options) (extract.Posting, error) {
	return eightfoldPosting(it.raw, detail, opts, eightfoldNames{
		displayID: "displayJobId", atsID: "atsJobId", locations: "locations", std: "standardizedLocations",
		workplace: "workLocationOption", posted: "postedTs", url: "publicUrl", path: "positionUrl",
		description: "jobDescription", department: "department",
	})
}

// EightfoldV2 reads the older interface some Eightfold tenants still run:
// GET /api/apply/v2/jobs?domain={domain}&start=N&num=10 ({"count": N,
// "positions": [...]}) and GET /api/apply/v2/jobs/{id}?domain={domain}
// (one position, with its job_description). It reads the same fields as
// Eightfold under their older names (display_job_id, ats_job_id, location
// and locations, work_location_option, department or business_unit,
// t_create, canonicalPositionUrl, job_description), and sees no more.
type EightfoldV2 struct{}

// Name implements Platform.
func (EightfoldV2) Name() string { return "eightfold-v2" }

// List implements Platform.
func (EightfoldV2) List(body []byte) (Page, error) {
	v, err := decode("eightfold-v2", body)
	if err != nil {
		return Page{}, err
	}
	root, ok := v.(map[string]any)
	if !ok || root["positions"] == nil {
		return Page{}, shapeErr("eightfold-v2", `{"count": N, "positions": [...]}`, v)
	}
	positions, err := objects("eightfold-v2", "positions", root["positions"])
	if err != nil {
		return Page{}, err
	}
	p := Page{Total: total(root, "count")}
	for _, o := range positions {
		p.Items = append(p.Items, Item{Key: str(o, "id"), raw: o})
	}
	return p, nil
}

// Detail implements Platform.
func (EightfoldV2) Detail(body []byte) (map[string]any, error) {
	v, err := decode("eightfold-v2", body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if ok && obj(m, "data") != nil {
		m = obj(m, "data")
	}
	if !ok || m["id"] == nil {
		return nil, shapeErr("eightfold-v2", "a position object with an id", v)
	}
	return m, nil
}

// Posting implements Platform.
func (EightfoldV2) Posting(it Item, detail map[string]any, opts extract.Options) (extract.Posting, error) {
	return eightfoldPosting(it.raw, detail, opts, eightfoldNames{
		displayID: "display_job_id", atsID: "ats_job_id", locations: "locations", single: "location",
		workplace: "work_location_option", posted: "t_create", url: "canonicalPositionUrl",
		description: "job_description", department: "department", unit: "business_unit",
	})
}

type eightfoldNames struct {
	displayID, atsID, locations, std, single, workplace, posted, url, path, description, department, unit string
}

func eightfoldPosting(list, detail map[string]any, opts extract.Options, n eightfoldNames) (extract.Posting, error) {
	recs := []map[string]any{detail, list}
	get := func(key string) string {
		if key == "" {
			return ""
		}
		for _, r := range recs {
			if s := str(r, key); s != "" {
				return s
			}
		}
		return ""
	}
	all := func(key string) []string {
		if key == "" {
			return nil
		}
		for _, r := range recs {
			if s := strs(r, key); len(s) > 0 {
				return s
			}
		}
		return nil
	}
	id := get("id")
	f := extract.Fields{
		JobNumber:     get(n.displayID),
		Title:         get("name"),
		WorkplaceType: get(n.workplace),
		Department:    get(n.department),
		DatePosted:    get(n.posted),
		Description:   get(n.description),
		URL:           get(n.url),
	}
	if f.JobNumber == "" {
		f.JobNumber = get(n.atsID)
	}
	if f.JobNumber == "" {
		f.JobNumber = id
	} else if id != "" && id != f.JobNumber {
		f.AltIDs = []string{id}
	}
	if f.Department == "" {
		f.Department = get(n.unit)
	}
	if f.URL == "" {
		f.URL = get(n.path)
	}
	if f.URL == "" && id != "" {
		f.URL = "/careers/job/" + id
	}
	f.Locations = all(n.std)
	if len(f.Locations) == 0 {
		f.Locations = all(n.locations)
	}
	if len(f.Locations) == 0 {
		f.Locations = all(n.single)
	}
	return f.Posting(opts)
}

// The Eightfold adapters: career sites at {tenant}.eightfold.ai, or on the
// employer's own host (Microsoft's apply.careers.microsoft.com), known to
// Eightfold by the employer's domain (the board: microsoft.com). Eightfold
// pages by a start offset, with a total (the other pages at once), and
// has a detail request per position. EightfoldV2 is the older interface
// of the same sites; Recognize proposes Eightfold, with a note on when to
// use EightfoldV2.

// Title implements Adapter.
func (Eightfold) Title() string { return "Eightfold" }

// Title implements Adapter.
func (EightfoldV2) Title() string { return "Eightfold" }

func (Eightfold) linkDomains() []string { return []string{"eightfold.ai"} }

var (
	eightfoldHost   = regexp.MustCompile(`^([a-z0-9-]+)\.eightfold\.ai$`)
	eightfoldDomain = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
	// on a page: Eightfold named, and the domain its requests pass
	eightfoldMark     = regexp.MustCompile(`(?i)eightfold`)
	eightfoldPageArgs = regexp.MustCompile(`[?&;"']domain["']?\s*[=:]\s*["']?([a-z0-9-]+(?:\.[a-z0-9-]+)+)`)
)

// eightfoldOwnHosts are employers whose Eightfold site is on their own
// host: the API's address by domain.
var eightfoldOwnHosts = map[string]string{"microsoft.com": "https://apply.careers.microsoft.com"}

// eightfoldService are eightfold.ai hosts of Eightfold itself, not of an employer.
var eightfoldService = map[string]bool{"www": true, "app": true, "api": true, "static": true, "cdn": true, "login": true, "status": true}

const eightfoldV2Note = `if a run fails with 403 "PCSX is not enabled", the tenant runs Eightfold's older interface: use platform: eightfold-v2`

// Recognize implements Adapter: Microsoft's career hosts, and
// {tenant}.eightfold.ai (the board the URL's domain=, else a guess:
// {tenant}.com).
func (Eightfold) Recognize(u *url.URL) (Board, bool) {
	host := hostOf(u)
	b := Board{Platform: "eightfold"}
	switch host {
	case "apply.careers.microsoft.com", "jobs.careers.microsoft.com", "careers.microsoft.com":
		b.Board = "microsoft.com"
		if host != "apply.careers.microsoft.com" {
			b.APIURL = "https://apply.careers.microsoft.com"
		}
	default:
		m := eightfoldHost.FindStringSubmatch(host)
		if m == nil || eightfoldService[m[1]] {
			return Board{}, false
		}
		b.Board = u.Query().Get("domain")
		if b.Board == "" {
			b.Board = m[1] + ".com"
		}
	}
	b = proposal(b, strings.SplitN(b.Board, ".", 2)[0])
	if u.Query().Get("domain") == "" && b.Board != "microsoft.com" {
		b.Notes = append(b.Notes, fmt.Sprintf("board is the employer's domain as Eightfold knows it; %s is a guess from the host: "+
			"check it against the domain= of the careers page's requests", b.Board))
	}
	b.Notes = append(b.Notes, eightfoldV2Note)
	return b, true
}

// RecognizePage implements PageRecognizer: a page that names Eightfold
// and passes a domain to its requests is an Eightfold site on the
// employer's host, its API there.
func (Eightfold) RecognizePage(pageURL *url.URL, body []byte) (Board, bool) {
	if !eightfoldMark.Match(body) {
		return Board{}, false
	}
	m := eightfoldPageArgs.FindSubmatch(body)
	if m == nil {
		return Board{}, false
	}
	b := Board{Platform: "eightfold", Board: strings.ToLower(string(m[1])), APIURL: pageURL.Scheme + "://" + pageURL.Host}
	b = proposal(b, strings.SplitN(b.Board, ".", 2)[0])
	b.How = fmt.Sprintf("the page (%s) is an Eightfold career site", pageURL)
	b.Notes = []string{eightfoldV2Note}
	return b, true
}

// Recognize implements Adapter: EightfoldV2's sites are Eightfold's, which
// recognises them.
func (EightfoldV2) Recognize(*url.URL) (Board, bool) { return Board{}, false }

// Open implements Adapter: board is the employer's domain; pages of 10
// positions, all the search API gives.
func (e Eightfold) Open(b Board) (Source, error) {
	domain, base, host, err := eightfoldBoard(b, e.Name())
	if err != nil {
		return nil, err
	}
	limit, err := pageSizeOf(b, e.Name(), 10, 10)
	if err != nil {
		return nil, err
	}
	if limit != 10 {
		return nil, fmt.Errorf("page_size: eightfold's search pages hold 10 postings, whatever one asks")
	}
	return &boardSource{name: e.Name(), pl: e, api: eightfoldAPI{base, url.QueryEscape(domain)}, paging: fanOutFromTotal, host: host}, nil
}

// Open implements Adapter: board is the employer's domain; pages of 10
// positions, up to 100.
func (e EightfoldV2) Open(b Board) (Source, error) {
	domain, base, host, err := eightfoldBoard(b, e.Name())
	if err != nil {
		return nil, err
	}
	limit, err := pageSizeOf(b, e.Name(), 10, 100)
	if err != nil {
		return nil, err
	}
	return &boardSource{name: e.Name(), pl: e, api: eightfoldV2API{base, url.QueryEscape(domain), limit}, paging: fanOutFromTotal, host: host}, nil
}

// eightfoldBoard checks an Eightfold board (the employer's domain) and
// finds its API: api_url, else the employer's own host, else the
// {tenant}.eightfold.ai of the domain's first label.
func eightfoldBoard(b Board, platform string) (domain, base, host string, err error) {
	if domain, err = boardOf(b, platform); err != nil {
		return "", "", "", err
	}
	domain = strings.ToLower(domain)
	if !eightfoldDomain.MatchString(domain) {
		return "", "", "", fmt.Errorf("board: %q is not the employer's domain Eightfold knows it by (microsoft.com)", b.Board)
	}
	def := eightfoldOwnHosts[domain]
	if def == "" {
		def = "https://" + strings.SplitN(domain, ".", 2)[0] + ".eightfold.ai"
	}
	base, host, err = apiBase(b, def)
	return domain, base, host, err
}

type eightfoldAPI struct{ base, domain string }

func (a eightfoldAPI) list(offset int) *Request {
	return &Request{URL: a.base + "/api/pcsx/search?domain=" + a.domain + "&query=&location=&start=" + strconv.Itoa(offset) + "&sort_by=timestamp"}
}

func (a eightfoldAPI) detail(it Item) *Request {
	if it.Key == "" {
		return nil
	}
	return &Request{URL: a.base + "/api/pcsx/position_details?position_id=" + url.QueryEscape(it.Key) + "&domain=" + a.domain + "&hl=en"}
}

type eightfoldV2API struct {
	base, domain string
	limit        int
}

func (a eightfoldV2API) list(offset int) *Request {
	return &Request{URL: a.base + "/api/apply/v2/jobs?domain=" + a.domain + "&start=" + strconv.Itoa(offset) + "&num=" + strconv.Itoa(a.limit)}
}

func (a eightfoldV2API) detail(it Item) *Request {
	if it.Key == "" {
		return nil
	}
	return &Request{URL: a.base + "/api/apply/v2/jobs/" + url.PathEscape(it.Key) + "?domain=" + a.domain}
}
