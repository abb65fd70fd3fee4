package crawler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// mergePosting folds copy b of a job into a: lists are united (a's order
// first), and fields a lacks are taken from b.
func mergePosting(a *extract.Posting, b extract.Posting) {
	a.AltIDs = appendNew(a.AltIDs, b.AltIDs...)
	a.URLs = appendNew(a.URLs, b.URLs...)
	a.Locations = appendNew(a.Locations, b.Locations...)
	a.Cities = appendNew(a.Cities, b.Cities...)
	a.Regions = appendNew(a.Regions, b.Regions...)
	a.Countries = appendNew(a.Countries, b.Countries...)
	a.Remote = a.Remote || b.Remote
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&a.Title, b.Title)
	fill(&a.Company, b.Company)
	fill(&a.URL, b.URL)
	fill(&a.ApplyURL, b.ApplyURL)
	fill(&a.WorkplaceType, b.WorkplaceType)
	fill(&a.EmploymentType, b.EmploymentType)
	fill(&a.JobFamily, b.JobFamily)
	fill(&a.Team, b.Team)
	fill(&a.Department, b.Department)
	fill(&a.DatePosted, b.DatePosted)
	fill(&a.ValidThrough, b.ValidThrough)
	fill(&a.Description, b.Description)
	if a.SalaryMax == 0 && b.SalaryMax != 0 {
		a.SalaryMin, a.SalaryMax, a.SalaryCurrency, a.SalaryPeriod = b.SalaryMin, b.SalaryMax, b.SalaryCurrency, b.SalaryPeriod
	}
	if len(a.Qualifications) == 0 {
		a.Qualifications = b.Qualifications
	}
}

func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// ContentHash fingerprints what a posting says, so a re-crawl can tell a
// changed posting from an unchanged one. The URLs it was found under and
// the order its copies arrived in do not count.
func ContentHash(p extract.Posting) string {
	p.URL, p.URLs, p.Sources = "", nil, nil
	for _, l := range []*[]string{&p.AltIDs, &p.Locations, &p.Cities, &p.Regions, &p.Countries} {
		*l = slices.Clone(*l)
		sort.Strings(*l)
	}
	b, _ := json.Marshal(p) // strings, numbers and bools only: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// store writes the run's records and closes what a complete run did not see.
func (r *run) store(ctx context.Context) error {
	now := r.start
	final := r.stats.snapshot()
	complete := final.Incomplete == ""

	recs := make([]index.Record, 0, len(r.jobs))
	var nNew, nUpdated, nUnchanged, nReopened int
	for num, m := range r.jobs {
		rec := index.Record{
			ID: index.RecordID(r.site.Name, num), Site: r.site.Name, Posting: m.p,
			FirstSeen: now, LastSeen: now, ContentHash: ContentHash(m.p), Status: index.StatusOpen,
		}
		old, known := r.existing[num]
		switch {
		case !known:
			nNew++
		case old.status == index.StatusClosed:
			rec.FirstSeen = old.firstSeen
			nReopened++
		case old.hash != rec.ContentHash:
			rec.FirstSeen = old.firstSeen
			nUpdated++
		default:
			rec.FirstSeen = old.firstSeen
			nUnchanged++
		}
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })

	// What to close: a posting whose page is gone, always; one not seen,
	// only after a complete run, and only when that is not suspiciously many.
	var toClose []string
	open := 0
	for num, old := range r.existing {
		if old.status == index.StatusClosed {
			continue
		}
		open++
		if _, seen := r.jobs[num]; seen {
			continue
		}
		if r.gone[num] || complete {
			toClose = append(toClose, num)
		}
	}
	maxShare := r.c.MaxCloseShare
	if maxShare <= 0 {
		maxShare = DefaultMaxCloseShare
	}
	if open > 0 && len(toClose) > 0 && float64(len(toClose)) > maxShare*float64(open) {
		suspect := fmt.Sprintf("would close %d of %d open postings (over %.0f%%): closed none", len(toClose), open, maxShare*100)
		r.stats.add(func(s *Stats) { s.Suspect = suspect })
		r.log.Warn("mass close refused", "would_close", len(toClose), "open", open)
		toClose = slices.DeleteFunc(toClose, func(num string) bool { return !r.gone[num] })
	}
	for _, num := range toClose {
		rec, err := r.c.Index.Get(ctx, r.existing[num].id)
		if err != nil {
			return fmt.Errorf("read %s to close it: %w", r.existing[num].id, err)
		}
		closedAt := now
		rec.Status, rec.ClosedAt = index.StatusClosed, &closedAt
		recs = append(recs, rec)
	}

	for i := 0; i < len(recs); i += r.c.BatchSize {
		if err := r.c.Index.Upsert(ctx, recs[i:min(i+r.c.BatchSize, len(recs))]); err != nil {
			return fmt.Errorf("write records of %s: %w", r.site.Name, err)
		}
	}
	cov := coverage(r.jobs)
	r.stats.add(func(s *Stats) {
		s.New, s.Updated, s.Unchanged, s.Reopened, s.Closed = nNew, nUpdated, nUnchanged, nReopened, len(toClose)
		s.Coverage = cov
	})
	return nil
}

// coverage is the share of postings that have each field.
func coverage(jobs map[string]*merged) map[string]float64 {
	if len(jobs) == 0 {
		return nil
	}
	counts := map[string]int{}
	for _, m := range jobs {
		p := m.p
		for field, has := range map[string]bool{
			"job_number": p.JobNumber != "", "title": p.Title != "", "company": p.Company != "",
			"locations": len(p.Locations) > 0, "countries": len(p.Countries) > 0, "job_family": p.JobFamily != "",
			"team": p.Team != "", "department": p.Department != "", "employment_type": p.EmploymentType != "",
			"workplace_type": p.WorkplaceType != "", "date_posted": p.DatePosted != "",
			"valid_through": p.ValidThrough != "", "salary": p.SalaryMax > 0, "description": p.Description != "",
			"qualifications": len(p.Qualifications) > 0, "apply_url": p.ApplyURL != "",
		} {
			if has {
				counts[field]++
			}
		}
	}
	out := make(map[string]float64, len(counts))
	for _, f := range CoverageFields {
		out[f] = float64(counts[f]) / float64(len(jobs))
	}
	return out
}

// CoverageFields are the fields the coverage report covers, in display order.
var CoverageFields = []string{"job_number", "title", "company", "locations", "countries", "job_family", "team",
	"department", "employment_type", "workplace_type", "date_posted", "valid_through", "salary", "description",
	"qualifications", "apply_url"}
