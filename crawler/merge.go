package crawler

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math"
	"slices"

	"github.com/jobcrawl/jobcrawl/extract"
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
	if len(a.Responsibilities) == 0 {
		a.Responsibilities = b.Responsibilities
	}
	if len(a.Benefits) == 0 {
		a.Benefits = b.Benefits
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
// the order its copies arrived in (of its lists' values) do not count.
// Every field is written to the hash with its length before it, so no two
// postings share a stream; TestContentHashCoversEveryField keeps the list
// whole.
func ContentHash(p extract.Posting) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	str := func(s string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		io.WriteString(h, s)
	}
	list := func(l []string) {
		if !slices.IsSorted(l) {
			l = slices.Clone(l)
			slices.Sort(l)
		}
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(l)))])
		for _, s := range l {
			str(s)
		}
	}
	num := func(f float64) { h.Write(binary.BigEndian.AppendUint64(n[:0], math.Float64bits(f))) }
	for _, s := range []string{p.JobNumber, p.Title, p.Company, p.ApplyURL, p.WorkplaceType, p.EmploymentType,
		p.JobFamily, p.Team, p.Department, p.SalaryCurrency, p.SalaryPeriod, p.DatePosted, p.ValidThrough, p.Description} {
		str(s)
	}
	for _, l := range [][]string{p.AltIDs, p.Locations, p.Cities, p.Regions, p.Countries} {
		list(l)
	}
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(p.Qualifications)))]) // in their order: it is the page's
	for _, q := range p.Qualifications {
		str(q)
	}
	// the later lists, in their order too; written only when there are
	// some, so the hash of a posting without them is what it always was
	for tag, l := range [][]string{1: p.Responsibilities, 2: p.Benefits} {
		if len(l) == 0 {
			continue
		}
		h.Write([]byte{0xff, byte(tag)})
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(l)))])
		for _, s := range l {
			str(s)
		}
	}
	num(p.SalaryMin)
	num(p.SalaryMax)
	if p.Remote {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	var sum [32]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// coverageMask has bit i set when p has CoverageFields[i].
func coverageMask(p extract.Posting) uint32 {
	var mask uint32
	for i, has := range []bool{p.JobNumber != "", p.Title != "", p.Company != "", len(p.Locations) > 0,
		len(p.Countries) > 0, p.JobFamily != "", p.Team != "", p.Department != "", p.EmploymentType != "",
		p.WorkplaceType != "", p.DatePosted != "", p.ValidThrough != "", p.SalaryMax > 0, p.Description != "",
		len(p.Qualifications) > 0, p.ApplyURL != "", len(p.Responsibilities) > 0, len(p.Benefits) > 0} {
		if has {
			mask |= 1 << i
		}
	}
	return mask
}

// CoverageFields are the fields the coverage report covers, in display order.
var CoverageFields = []string{"job_number", "title", "company", "locations", "countries", "job_family", "team",
	"department", "employment_type", "workplace_type", "date_posted", "valid_through", "salary", "description",
	"qualifications", "apply_url", "responsibilities", "benefits"}

// Coverage counts, over postings added one by one, the share that has
// each of CoverageFields (for a site's postings in the index, say).
type Coverage struct {
	n      int
	counts [32]int
}

// Add counts p.
func (c *Coverage) Add(p extract.Posting) { c.addMask(coverageMask(p)) }

// addMask counts a posting with the fields mask has (see coverageMask).
func (c *Coverage) addMask(mask uint32) {
	c.n++
	for i := range CoverageFields {
		if mask&(1<<i) != 0 {
			c.counts[i]++
		}
	}
}

// Shares is the share of the postings added that have each field (nil
// when none was added).
func (c *Coverage) Shares() map[string]float64 {
	if c.n == 0 {
		return nil
	}
	out := make(map[string]float64, len(CoverageFields))
	for i, f := range CoverageFields {
		out[f] = float64(c.counts[i]) / float64(c.n)
	}
	return out
}
