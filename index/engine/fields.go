package engine

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/jobcrawl/jobcrawl/index"
)

// textFields are the searchable fields, in attribute-rank order (title
// first, description last): index.SearchableFields, each with how to read
// it from a record. init checks the two lists agree.
var textFields = []textField{
	{"title", func(r *index.Record, emit func(string)) { emit(r.Title) }},
	{"company", func(r *index.Record, emit func(string)) { emit(r.Company) }},
	{"job_family", func(r *index.Record, emit func(string)) { emit(r.JobFamily) }},
	{"team", func(r *index.Record, emit func(string)) { emit(r.Team) }},
	{"department", func(r *index.Record, emit func(string)) { emit(r.Department) }},
	{"locations", func(r *index.Record, emit func(string)) { eachString(r.Locations, emit) }},
	{"description", func(r *index.Record, emit func(string)) { emit(r.Description) }},
	{"qualifications", func(r *index.Record, emit func(string)) {
		// with the other lists (index.ListFields): eight fields fit a byte
		eachString(r.Qualifications, emit)
		eachString(r.Responsibilities, emit)
		eachString(r.Benefits, emit)
	}},
}

type textField struct {
	name string
	text func(r *index.Record, emit func(string))
}

// nText is the number of searchable fields; a term's fields fit a byte.
const nText = 8

// facetFields are the fields filters and facet counts use: index.FacetFields,
// each with how to read its values from a record. Multi-valued fields keep
// a list of value ids per document, the others one.
var facetFields = []facetField{
	{"site", false, func(r *index.Record, emit func(string)) { emit(r.Site) }},
	{"company", false, func(r *index.Record, emit func(string)) { emit(r.Company) }},
	{"locations", true, func(r *index.Record, emit func(string)) { eachString(r.Locations, emit) }},
	{"cities", true, func(r *index.Record, emit func(string)) { eachString(r.Cities, emit) }},
	{"regions", true, func(r *index.Record, emit func(string)) { eachString(r.Regions, emit) }},
	{"countries", true, func(r *index.Record, emit func(string)) { eachString(r.Countries, emit) }},
	{"job_family", false, func(r *index.Record, emit func(string)) { emit(r.JobFamily) }},
	{"team", false, func(r *index.Record, emit func(string)) { emit(r.Team) }},
	{"department", false, func(r *index.Record, emit func(string)) { emit(r.Department) }},
	{"employment_type", false, func(r *index.Record, emit func(string)) { emit(r.EmploymentType) }},
	{"workplace_type", false, func(r *index.Record, emit func(string)) { emit(r.WorkplaceType) }},
	{"status", false, func(r *index.Record, emit func(string)) { emit(r.Status) }},
	{"remote", false, func(r *index.Record, emit func(string)) { emit(strconv.FormatBool(r.Remote)) }},
	{"salary_currency", false, func(r *index.Record, emit func(string)) { emit(r.SalaryCurrency) }},
	{"salary_period", false, func(r *index.Record, emit func(string)) { emit(r.SalaryPeriod) }},
	{"job_number", false, func(r *index.Record, emit func(string)) { emit(r.JobNumber) }},
}

type facetField struct {
	name   string
	multi  bool
	values func(r *index.Record, emit func(string))
}

const nFacets = 16

// Facet numbers the engine itself needs.
var (
	facetSite      = facetNum("site")
	facetStatus    = facetNum("status")
	facetJobNumber = facetNum("job_number")
)

// facetNum is the position of a facet field in facetFields, or -1.
func facetNum(name string) int {
	return slices.IndexFunc(facetFields, func(f facetField) bool { return f.name == name })
}

// Sort keys: index.SortFields, kept as columns of the view.
const (
	sortDatePosted = iota
	sortTitle
	sortFirstSeen
	sortLastSeen
	sortSalaryMin
	sortSalaryMax
)

var sortFields = []string{"date_posted", "title", "first_seen", "last_seen", "salary_min", "salary_max"}

func eachString(ss []string, emit func(string)) {
	for _, s := range ss {
		emit(s)
	}
}

// The engine's schema must be the one index declares: a field added there
// and not here would be silently unsearchable.
func init() {
	check := func(kind string, want []string, got func(i int) string, n int) {
		if len(want) != n {
			panic(fmt.Sprintf("engine: %d %s fields, index declares %d", n, kind, len(want)))
		}
		for i, w := range want {
			if got(i) != w {
				panic(fmt.Sprintf("engine: %s field %d is %q, index declares %q", kind, i, got(i), w))
			}
		}
	}
	check("searchable", index.SearchableFields, func(i int) string { return textFields[i].name }, len(textFields))
	check("facet", index.FacetFields, func(i int) string { return facetFields[i].name }, len(facetFields))
	check("sort", index.SortFields, func(i int) string { return sortFields[i] }, len(sortFields))
	if len(textFields) != nText || len(facetFields) != nFacets {
		panic("engine: nText or nFacets out of date")
	}
}
