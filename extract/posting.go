// Package extract turns one fetched careers document into structured job
// postings. It knows HTML and schema.org, not HTTP: the crawler fetches, this
// package reads what was fetched.
package extract

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"
)

// Posting is one job as a careers page describes it. Field names are the
// record's snake_case names; the crawler adds the run-level fields (id, site,
// first_seen…) when it turns a posting into an index record.
type Posting struct {
	JobNumber      string   `json:"job_number"`
	AltIDs         []string `json:"alt_ids,omitempty"`
	Title          string   `json:"title"`
	Company        string   `json:"company,omitempty"`
	URL            string   `json:"url,omitempty"`
	URLs           []string `json:"urls,omitempty"`
	ApplyURL       string   `json:"apply_url,omitempty"`
	Locations      []string `json:"locations,omitempty"`
	Cities         []string `json:"cities,omitempty"`
	Regions        []string `json:"regions,omitempty"`
	Countries      []string `json:"countries,omitempty"`
	Remote         bool     `json:"remote"`
	WorkplaceType  string   `json:"workplace_type,omitempty"`
	EmploymentType string   `json:"employment_type,omitempty"`
	JobFamily      string   `json:"job_family,omitempty"`
	Team           string   `json:"team,omitempty"`
	Department     string   `json:"department,omitempty"`
	SalaryMin      float64  `json:"salary_min,omitempty"`
	SalaryMax      float64  `json:"salary_max,omitempty"`
	SalaryCurrency string   `json:"salary_currency,omitempty"`
	SalaryPeriod   string   `json:"salary_period,omitempty"`
	DatePosted     string   `json:"date_posted,omitempty"`
	ValidThrough   string   `json:"valid_through,omitempty"`
	Description    string   `json:"description,omitempty"`
	Qualifications []string `json:"qualifications,omitempty"`
	// Responsibilities and Benefits are the posting's other lists, read like
	// its qualifications: from JSON-LD (responsibilities, jobBenefits) or
	// from the items under a heading on the page (see sections.go).
	Responsibilities []string `json:"responsibilities,omitempty"`
	Benefits         []string `json:"benefits,omitempty"`

	// Sources says which source gave each field (field name → source), for
	// `jobcrawl extract --explain`. It is not part of the record.
	Sources map[string]Source `json:"-"`
	// Rules says, for each field Sources names, which rule of that source
	// gave it: `label "Req #"`, `heading "Requirements" (h3)`, `json-ld
	// JobPosting.identifier`, `override selector ".job-id"`, `page <h1>`,
	// `url path segment`… Not part of the record either.
	Rules map[string]string `json:"-"`
}

// ownStrings makes the postings' strings their own. A tree's strings are
// cut from the page (internal/htmlfast shares one copy of the page among all
// of them, and JSON-LD values are cut from their block): without this, a
// posting kept for a while, in a write batch, would keep its whole page
// alive. The short strings are copied into one buffer of their size (the
// postings of one page, its cards, share it); a long one (a description)
// gets its own, so that a short string kept by the caller (a job number in
// a map) does not keep the description alive with it.
func ownStrings(ps []Posting) {
	n := 0
	for i := range ps {
		ps[i].eachString(func(s *string) {
			if len(*s) < ownAlone {
				n += len(*s)
			}
		})
	}
	buf := make([]byte, 0, n) // never grown below: every short string stays in it
	for i := range ps {
		ps[i].eachString(func(s *string) {
			switch {
			case len(*s) == 0:
			case len(*s) >= ownAlone:
				*s = strings.Clone(*s)
			default:
				start := len(buf)
				buf = append(buf, *s...)
				*s = unsafe.String(&buf[start], len(*s))
			}
		})
	}
}

// ownAlone is how long a string is to be copied on its own by ownStrings.
const ownAlone = 256

// own is ownStrings for one posting.
func (p *Posting) own() { ownStrings(unsafe.Slice(p, 1)) }

// eachString calls f with every string of p's record fields (Sources and
// Rules are not the record's, and hold no text of the page).
func (p *Posting) eachString(f func(*string)) {
	for _, s := range []*string{&p.JobNumber, &p.Title, &p.Company, &p.URL, &p.ApplyURL, &p.WorkplaceType,
		&p.EmploymentType, &p.JobFamily, &p.Team, &p.Department, &p.SalaryCurrency, &p.SalaryPeriod,
		&p.DatePosted, &p.ValidThrough, &p.Description} {
		f(s)
	}
	for _, l := range [][]string{p.AltIDs, p.URLs, p.Locations, p.Cities, p.Regions, p.Countries,
		p.Qualifications, p.Responsibilities, p.Benefits} {
		for i := range l {
			f(&l[i])
		}
	}
}

// FromListing reports whether p was read from a job card on a result page
// rather than from the posting's own page: it holds what the card shows
// (title, company, location, date…), not the description.
func (p Posting) FromListing() bool { return p.Sources["job_number"] == SourceCard }

// Source names where a field's value came from.
type Source string

// The sources, in the order they are consulted.
const (
	SourceOverride  Source = "override"
	SourceJSONLD    Source = "json-ld"
	SourceMicrodata Source = "microdata"
	SourceRDFa      Source = "rdfa"
	SourceLabel     Source = "label"
	SourcePage      Source = "page" // title, canonical link, meta tags, description block
	SourceURL       Source = "url"
	SourceJSON      Source = "json"
	SourceCard      Source = "card" // a job card on a result page
)

// Options tell extraction about the document it reads.
type Options struct {
	// URL is the address the document was fetched from; relative links and
	// the job number fallback use it.
	URL string
	// Now is the reference for relative dates ("3 days ago"); the zero value
	// means time.Now.
	Now time.Time
	// Company is used when the page does not name the hiring organisation.
	Company string
	// Rules are per-site overrides: they win over every automatic source.
	Rules Rules
	// Raw is the document's bytes as fetched, when the caller has them. It is
	// used to tell a truncated page from a complete one; it is not parsed.
	Raw []byte
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Sentinel reasons a document or a posting is rejected. Test with errors.Is;
// a *RejectError carries the reason and the page's URL.
var (
	// ErrNoJobNumber: the document describes a job but no job number was found.
	ErrNoJobNumber = errors.New("no job number")
	// ErrNoTitle: the posting has no title.
	ErrNoTitle = errors.New("no title")
	// ErrBadJobNumber: what was found does not look like a job number (a date, a sentence…).
	ErrBadJobNumber = errors.New("job number does not look like one")
	// ErrTruncated: the document stops before its end (no closing </html>).
	ErrTruncated = errors.New("truncated document")
	// ErrBadJSONLD: a JSON-LD block that announces a JobPosting does not parse.
	ErrBadJSONLD = errors.New("malformed JSON-LD")
	// ErrNoPosting: the document holds no job posting at all.
	ErrNoPosting = errors.New("no job posting found")
	// ErrTooLarge: the document is larger than the size limit.
	ErrTooLarge = errors.New("document too large")
	// ErrGone: the page says the job is no longer available (a "soft 404").
	ErrGone = errors.New("posting no longer available")
)

// Reasons lists the rejection sentinels, for counting rejections by reason.
var Reasons = []error{ErrNoJobNumber, ErrNoTitle, ErrBadJobNumber, ErrTruncated, ErrBadJSONLD, ErrNoPosting, ErrTooLarge, ErrGone}

// Reason returns the short name of the sentinel err wraps ("no job number"),
// or "other".
func Reason(err error) string {
	for _, r := range Reasons {
		if errors.Is(err, r) {
			return r.Error()
		}
	}
	return "other"
}

// RejectError says why a document or one posting in it was not accepted.
type RejectError struct {
	URL     string
	Reason  error   // one of the sentinels above
	Detail  string  // what was seen, when it helps ("\"2024-01-03\"")
	Partial Posting // what was extracted before the posting was rejected
}

func (e *RejectError) Error() string {
	msg := e.Reason.Error()
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	if e.URL != "" {
		return fmt.Sprintf("%s: %s", e.URL, msg)
	}
	return msg
}

func (e *RejectError) Unwrap() error { return e.Reason }
