package ats

import (
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
