package ats

import (
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
