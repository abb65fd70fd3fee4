package extract

import (
	"net/url"

	"golang.org/x/net/html"
	"slices"
	"strconv"
	"strings"
)

// extraction is the state of reading one posting: what is filled so far and
// where each field came from. Sources are consulted strongest first and
// each fills only what is still empty.
type extraction struct {
	p       Posting
	opts    Options
	base    *url.URL
	reqIDs  []string   // requisition ids: alternates, or the job number when nothing better is found
	badID   string     // the first candidate job number that did not look like one
	idNode  *html.Node // where on the page a labelled job number was read
	reqNode *html.Node // where the first requisition id was
	// why is the rule the next mark records for --explain (`label "Req #"`);
	// "" records the source's name alone.
	why string
	// marks are the fields filled so far, each with its source and rule, in
	// the order they were filled: Posting.Sources and Rules are made from
	// them when the posting is done (setMarks). A posting fills up to some
	// 20 fields, which a slice looks up faster than a map and without
	// building one per posting and card as it fills.
	marks []fieldMark
}

// fieldMark is one filled field: which source gave it, and by which rule.
type fieldMark struct {
	field string
	src   Source
	rule  string
}

func newExtraction(opts Options) *extraction {
	x := newExtractionAt(opts, pageBase(opts))
	x.marks = make([]fieldMark, 0, pageFields)
	return x
}

// pageFields is room for the fields of a posting page, which fills 15–20;
// cardFields for those of a job card, which fills up to 10.
const (
	pageFields = 24
	cardFields = 10
)

// pageBase is the page's address, parsed; nil when it has none.
func pageBase(opts Options) *url.URL {
	if u, err := url.Parse(opts.URL); err == nil && u.Scheme != "" {
		return u
	}
	return nil
}

// newExtractionAt is newExtraction with the page's address already parsed
// (nil: none), for the cards of one page. base is only read.
func newExtractionAt(opts Options, base *url.URL) *extraction {
	// a card fills a few fields; a page asks for more room (newExtraction)
	return &extraction{opts: opts, base: base, marks: make([]fieldMark, 0, cardFields)}
}

// markOf is field's mark, nil when the field is not filled.
func (x *extraction) markOf(field string) *fieldMark {
	for i := range x.marks {
		if x.marks[i].field == field {
			return &x.marks[i]
		}
	}
	return nil
}

func (x *extraction) has(field string) bool { return x.markOf(field) != nil }

// source is the source that gave field, "" when none did.
func (x *extraction) source(field string) Source {
	if m := x.markOf(field); m != nil {
		return m.src
	}
	return ""
}

// rule is the rule that gave field, "" when none did.
func (x *extraction) rule(field string) string {
	if m := x.markOf(field); m != nil {
		return m.rule
	}
	return ""
}

// mark records that src gave field, unless a source did already.
func (x *extraction) mark(field string, src Source) {
	if x.has(field) {
		return
	}
	why := x.why
	if why == "" {
		why = string(src)
	}
	x.marks = append(x.marks, fieldMark{field, src, why})
}

// remark records that src gave field by rule, in place of what gave it
// before.
func (x *extraction) remark(field string, src Source, rule string) {
	if m := x.markOf(field); m != nil {
		m.src, m.rule = src, rule
		return
	}
	x.marks = append(x.marks, fieldMark{field, src, rule})
}

// setMarks fills the posting's Sources and Rules from the marks.
func (x *extraction) setMarks() {
	x.p.Sources = make(map[string]Source, len(x.marks))
	x.p.Rules = make(map[string]string, len(x.marks))
	for _, m := range x.marks {
		x.p.Sources[m.field] = m.src
		x.p.Rules[m.field] = m.rule
	}
}

// because sets the rule the following marks record, and returns a func
// that clears it: `defer x.because("page <h1>")()`.
func (x *extraction) because(why string) func() {
	x.why = why
	return func() { x.why = "" }
}

// setText fills *dst with v from src unless the field is already filled.
func (x *extraction) setText(field string, dst *string, v string, src Source) {
	if v == "" || x.has(field) {
		return
	}
	*dst = v
	x.mark(field, src)
}

// setIDs takes the first id that looks like a job number as the job number
// and keeps the others as alternates.
func (x *extraction) setIDs(ids []string, src Source) {
	for _, id := range ids {
		switch {
		case !ValidJobNumber(id):
			if x.badID == "" {
				x.badID = id
			}
		case !x.has("job_number"):
			x.p.JobNumber = id
			x.mark("job_number", src)
		case x.source("job_number") == SourceOverride && src != SourceOverride:
			// the site's rule overrode what the page's markup says: that is
			// no alternate id, it is what the rule was written to correct
		case id != x.p.JobNumber && !slices.Contains(x.p.AltIDs, id):
			x.p.AltIDs = append(x.p.AltIDs, id)
		}
	}
}

func (x *extraction) setSalary(s Salary, src Source) {
	if x.has("salary") || s.Max <= 0 {
		return
	}
	x.p.SalaryMin, x.p.SalaryMax, x.p.SalaryCurrency, x.p.SalaryPeriod = s.Min, s.Max, s.Currency, s.Period
	x.mark("salary", src)
}

func (x *extraction) setLocations(values []string, src Source) {
	if x.has("locations") {
		return
	}
	var places []Place
	for _, v := range values {
		places = append(places, ParseLocations(v)...)
	}
	if len(places) > 0 {
		x.p.setPlaces(places)
		x.mark("locations", src)
	}
}

var titleWorkplace = mustFilter(`(?i)\((remote|hybrid)\)|[-–|,]\s*(remote|hybrid)\s*$`) // run only on titles that say remote or hybrid

// splitLocations splits one text holding several locations ("Houston, TX;
// Austin, TX", "Redmond, WA +2 more") into its parts.
func splitLocations(s string) []string {
	s = moreLocations.ReplaceAllString(s, "")
	// a line that ends in a comma goes on: "Seattle, WA,<br>USA"
	s = strings.ReplaceAll(strings.ReplaceAll(s, ",\n", ", "), "\n,", ",")
	// (ContainsAny with a non-ASCII character reads s rune by rune)
	if !strings.ContainsAny(s, ";|\n/") && !strings.Contains(s, "•") {
		// every separator holds one of these: most texts are one place
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		return []string{s}
	}
	var out []string
	for _, part := range locationSeparators.Split(s, -1) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// resolve makes u absolute against the page's URL; "" when it is not a web address.
func (x *extraction) resolve(u string) string {
	u = strings.TrimSpace(u)
	if u == "" {
		return ""
	}
	ref, err := url.Parse(u)
	if err != nil {
		return ""
	}
	if x.base != nil {
		ref = x.base.ResolveReference(ref)
	}
	if ref.Scheme != "http" && ref.Scheme != "https" {
		return ""
	}
	return ref.String()
}

// finish applies the last fallbacks and validates the posting. The caller
// makes the posting's strings its own (ownStrings) once it has them all.
func (x *extraction) finish() (Posting, error) {
	p := &x.p
	if !x.has("job_number") && len(x.reqIDs) > 0 {
		x.why = x.rule("alt_ids")
		x.setIDs(x.reqIDs, x.source("alt_ids"))
		x.why = ""
		x.idNode = x.reqNode
	}
	for _, id := range x.reqIDs {
		if id != p.JobNumber && ValidJobNumber(id) && !slices.Contains(p.AltIDs, id) {
			p.AltIDs = append(p.AltIDs, id)
		}
	}
	if p.Team == "" && p.Department != "" {
		p.Team = p.Department
		x.why = "the department (" + x.rule("department") + ")"
		x.mark("team", x.source("department"))
		x.why = ""
	}
	if p.Company == "" && x.opts.Company != "" {
		p.Company = x.opts.Company
		x.why = "the site's configured company"
		x.mark("company", SourceOverride)
		x.why = ""
	}
	if p.URL == "" && x.base != nil {
		p.URL = x.base.String()
	}
	if p.WorkplaceType == "" && p.Remote {
		p.WorkplaceType = "remote"
	}
	if p.WorkplaceType == "" {
		// "Product Manager (Remote)", "Data Engineer - Hybrid"
		if m := titleWorkplace.FindStringSubmatch(p.Title); m != nil {
			p.WorkplaceType = NormalizeWorkplaceType(m[1] + m[2])
			x.why = "the title (" + strconv.Quote(strings.TrimSpace(m[0])) + ")"
			x.mark("workplace_type", x.source("title"))
			x.why = ""
		}
	}
	if p.WorkplaceType == "remote" {
		p.Remote = true
	}
	x.setMarks()
	return x.p, x.validate()
}

func (x *extraction) validate() error {
	p := &x.p
	reject := func(reason error, detail string) error {
		return &RejectError{URL: x.opts.URL, Reason: reason, Detail: detail, Partial: *p}
	}
	switch {
	case p.JobNumber == "" && x.badID != "":
		return reject(ErrBadJobNumber, strconv.Quote(x.badID))
	case p.JobNumber == "" && p.Title != "":
		return reject(ErrNoJobNumber, "title "+strconv.Quote(p.Title))
	case p.JobNumber == "":
		return reject(ErrNoJobNumber, "")
	case !ValidJobNumber(p.JobNumber):
		return reject(ErrBadJobNumber, strconv.Quote(p.JobNumber))
	case p.Title == "":
		return reject(ErrNoTitle, "")
	}
	return nil
}

// schemaProps are the JobPosting properties each field is read from, in
// the order fromSchema tries them, for --explain.
var schemaProps = map[string][]string{
	"title": {"title", "name"}, "job_number": {"identifier"}, "alt_ids": {"identifier"},
	"company": {"hiringOrganization"}, "department": {"hiringOrganization", "department"},
	"job_family": {"occupationalCategory"}, "employment_type": {"employmentType"},
	"workplace_type": {"jobLocationType"}, "locations": {"jobLocation", "applicantLocationRequirements"},
	"date_posted": {"datePosted"}, "valid_through": {"validThrough"}, "salary": {"baseSalary", "estimatedSalary"},
	"description": {"description"}, "responsibilities": {"responsibilities"}, "benefits": {"jobBenefits"},
	"qualifications": {"qualifications", "educationRequirements", "experienceRequirements", "skills"},
	"url":            {"url"}, "apply_url": {"applyUrl", "applicationUrl", "potentialAction"},
}

// schemaRules names, for the fields src gave that have no rule yet, the
// JobPosting property they came from: `json-ld JobPosting.identifier`.
func (x *extraction) schemaRules(obj map[string]any, src Source) {
	for i := range x.marks {
		m := &x.marks[i]
		if m.src != src || m.rule != string(src) {
			continue
		}
		for _, prop := range schemaProps[m.field] {
			if _, ok := obj[prop]; ok {
				m.rule = string(src) + " JobPosting." + prop
				break
			}
		}
	}
}
