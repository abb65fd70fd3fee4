// Package index defines the searchable store of posting records: the Record
// schema every backend indexes, the query model (text, filters, facets,
// sort, paging) and the Index interface its backends implement (embedded
// Bleve in index/embedded, Meilisearch in index/meili).
package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
)

// Status values of a record.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Record is one job of one site: the extracted posting plus what the
// crawler knows across runs. Its JSON form is the document every backend
// stores; field names are identical in all of them.
type Record struct {
	ID   string `json:"id"`
	Site string `json:"site"`
	extract.Posting

	FirstSeen   time.Time  `json:"first_seen"`
	LastSeen    time.Time  `json:"last_seen"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	ContentHash string     `json:"content_hash,omitempty"`
	Status      string     `json:"status"`

	// Crawl bookkeeping: written by the crawler, read back by its next run
	// (whichever crawler instance makes it), neither searched nor faceted.
	//
	// Fetch holds the HTTP validators of the posting pages the record was
	// read from, so a re-crawl asks for them conditionally.
	Fetch []Fetch `json:"fetch,omitempty"`
	// Cards are fingerprints of the result-page cards that linked to the
	// posting when it was last seen (text and link), so a re-crawl may skip
	// its page while they read the same.
	Cards []string `json:"cards,omitempty"`
	// CheckedAt is when a posting page of the record was last fetched or
	// answered 304 Not Modified.
	CheckedAt *time.Time `json:"checked_at,omitempty"`

	// Snippet is set on search hits only, never stored: a short excerpt of
	// the description around the words that matched the query, whole
	// sentences where they fit, HTML-escaped, with each matching word
	// wrapped in <mark>…</mark>. Empty when the query has no text or the
	// description holds none of its words.
	Snippet string `json:"snippet,omitempty"`

	// Unix seconds beside the ISO dates, for backends that filter and sort
	// on numbers (Meilisearch). Set by Normalize.
	DatePostedTS int64 `json:"date_posted_ts,omitempty"`
	FirstSeenTS  int64 `json:"first_seen_ts,omitempty"`
	LastSeenTS   int64 `json:"last_seen_ts,omitempty"`
}

// Fetch is what one page (or API entry) a record was read from said when
// it was last read: its validators, for conditional requests
// (If-None-Match, If-Modified-Since), and the content hash of the posting
// it gave, so that a re-crawl can tell an unchanged copy from a changed one.
type Fetch struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Hash         string `json:"hash,omitempty"`
}

// Entry is a record's crawl bookkeeping without its text: what a crawl run
// reads of the records it holds to tell new, changed, unchanged and gone
// postings apart.
type Entry struct {
	ID          string
	JobNumber   string
	ContentHash string
	Status      string
	FirstSeen   time.Time
	LastSeen    time.Time
	ClosedAt    *time.Time
	CheckedAt   *time.Time
	Fetch       []Fetch
	Cards       []string
}

// EntryOf is the bookkeeping of a record.
func EntryOf(r Record) Entry {
	return Entry{ID: r.ID, JobNumber: r.JobNumber, ContentHash: r.ContentHash, Status: r.Status, FirstSeen: r.FirstSeen,
		LastSeen: r.LastSeen, ClosedAt: r.ClosedAt, CheckedAt: r.CheckedAt, Fetch: r.Fetch, Cards: r.Cards}
}

// Touch changes the bookkeeping of a record whose content did not change:
// a sighting (last_seen, checked_at, validators, cards), a close or a
// reopen. Backends apply it without re-indexing the record's text. Zero
// fields are left as they are.
type Touch struct {
	ID        string
	LastSeen  time.Time  // zero: unchanged
	CheckedAt *time.Time // nil: unchanged
	Fetch     []Fetch    // nil: unchanged
	Cards     []string   // nil: unchanged
	// Status, when set, changes the status: closed with ClosedAt (when
	// nil, the touch's LastSeen or now), open clearing closed_at.
	Status   string
	ClosedAt *time.Time
}

// Apply applies the touch to r.
func (t Touch) Apply(r *Record) {
	if !t.LastSeen.IsZero() {
		r.LastSeen = t.LastSeen
	}
	if t.CheckedAt != nil {
		at := *t.CheckedAt
		r.CheckedAt = &at
	}
	if t.Fetch != nil {
		r.Fetch = slices.Clone(t.Fetch)
	}
	if t.Cards != nil {
		r.Cards = slices.Clone(t.Cards)
	}
	switch t.Status {
	case StatusOpen:
		r.Status, r.ClosedAt = StatusOpen, nil
	case StatusClosed:
		at := time.Now().UTC()
		switch {
		case t.ClosedAt != nil:
			at = *t.ClosedAt
		case !t.LastSeen.IsZero():
			at = t.LastSeen
		}
		r.Status, r.ClosedAt = StatusClosed, &at
	}
	r.Normalize()
}

// Public is the record as jobcrawl shows it (the HTTP API, search --json):
// without the crawl bookkeeping (validators, card fingerprints, content
// hash, check time) and the numeric copies of the dates that only
// backends use.
func (r Record) Public() Record {
	r.Fetch, r.Cards, r.CheckedAt, r.ContentHash = nil, nil, nil, ""
	r.DatePostedTS, r.FirstSeenTS, r.LastSeenTS = 0, 0, 0
	return r
}

// Public is the result with its hits as Record.Public shows them.
func (res Result) Public() Result {
	hits := make([]Record, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = h.Public()
	}
	res.Hits = hits
	return res
}

// Normalize fills the derived fields (timestamps) before a record is
// stored, and clears what is never stored (Snippet).
func (r *Record) Normalize() {
	r.Snippet = ""
	r.DatePostedTS = 0
	if t, err := time.Parse(time.DateOnly, r.DatePosted); err == nil {
		r.DatePostedTS = t.Unix()
	}
	r.FirstSeenTS = unixOrZero(r.FirstSeen)
	r.LastSeenTS = unixOrZero(r.LastSeen)
	if r.Status == "" {
		r.Status = StatusOpen
	}
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// maxIDLen is Meilisearch's limit on a document id, in bytes.
const maxIDLen = 511

// RecordID derives a record's id from its site and job number: stable
// across runs, unique per (site, job number), and made only of
// a-z A-Z 0-9 - _ (so valid for every backend), at most 511 bytes. A job
// number that needs no escaping reads as itself ("contoso_322695"); any
// other gets a hash of the original appended ("contoso_R_12_7f3a…"), so "R.12"
// and "R/12" never collide. Site names hold no '_', so the first '_' always
// ends the site.
func RecordID(site, jobNumber string) string {
	var b strings.Builder
	changed := false
	write := func(s string) {
		for _, r := range s {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
				b.WriteRune(r)
			} else {
				b.WriteByte('_')
				changed = true
			}
		}
	}
	write(site)
	b.WriteByte('_')
	write(jobNumber)
	id := b.String()
	if changed || len(id) > maxIDLen {
		sum := sha256.Sum256([]byte(site + "\x00" + jobNumber))
		id = id[:min(len(id), maxIDLen-17)] + "_" + hex.EncodeToString(sum[:8])
	}
	return id
}

// Field kinds of the schema.
var (
	// SearchableFields are matched by free text, in ranking order.
	SearchableFields = []string{"title", "company", "job_family", "team", "department", "locations", "description", "qualifications"}
	// ListFields are the posting's other lists, searched as part of
	// qualifications, at its rank: the embedded engine reads them into its
	// qualifications field (it keeps a term's fields in one byte), Bleve
	// likewise, Meilisearch lists them right after it.
	ListFields = []string{"responsibilities", "benefits"}
	// FacetFields can be filtered on by equality and counted as facets.
	FacetFields = []string{"site", "company", "locations", "cities", "regions", "countries", "job_family", "team",
		"department", "employment_type", "workplace_type", "status", "remote", "salary_currency", "salary_period", "job_number"}
	// SortFields can order results.
	SortFields = []string{"date_posted", "title", "first_seen", "last_seen", "salary_min", "salary_max"}
)

// IsFacet reports whether field can be filtered and counted.
func IsFacet(field string) bool { return slices.Contains(FacetFields, field) }

// IsSortable reports whether results can be sorted by field.
func IsSortable(field string) bool { return slices.Contains(SortFields, field) }

// Query is a search: free text, filters, facets to count, sort and page.
type Query struct {
	Text    string
	Filters []Filter // AND-ed
	Facets  []string
	Sort    []Sort
	Limit   int // 0: DefaultLimit
	Offset  int
	// FacetSize is how many values of each facet to count (0: DefaultFacetSize).
	FacetSize int
}

// Filter keeps records whose Field equals one of Values (OR within a field).
type Filter struct {
	Field  string
	Values []string
}

// Sort orders results by Field.
type Sort struct {
	Field string
	Desc  bool
}

// Defaults and bounds of a query.
const (
	DefaultLimit     = 20
	MaxLimit         = 1000
	DefaultFacetSize = 100
)

// ErrBadQuery is wrapped by Validate's errors.
var ErrBadQuery = errors.New("bad query")

// Validate checks the query's fields against the schema and fills defaults.
func (q *Query) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadQuery, fmt.Sprintf(format, args...))
	}
	for _, f := range q.Filters {
		if !IsFacet(f.Field) {
			return bad("cannot filter on %q (filterable: %s)", f.Field, strings.Join(FacetFields, ", "))
		}
		if len(f.Values) == 0 {
			return bad("filter on %q has no value", f.Field)
		}
	}
	for _, f := range q.Facets {
		if !IsFacet(f) {
			return bad("%q is not a facet (facets: %s)", f, strings.Join(FacetFields, ", "))
		}
	}
	for _, s := range q.Sort {
		if !IsSortable(s.Field) {
			return bad("cannot sort by %q (sortable: %s)", s.Field, strings.Join(SortFields, ", "))
		}
	}
	switch {
	case q.Limit < 0:
		return bad("limit %d is negative", q.Limit)
	case q.Limit > MaxLimit:
		return bad("limit %d is over the maximum of %d", q.Limit, MaxLimit)
	case q.Offset < 0:
		return bad("offset %d is negative", q.Offset)
	case q.FacetSize < 0:
		return bad("facet size %d is negative", q.FacetSize)
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.FacetSize == 0 {
		q.FacetSize = DefaultFacetSize
	}
	return nil
}

// Result is one page of hits, the number of records matching, and the
// facet counts over all matching records.
type Result struct {
	Total  int                       `json:"total"`
	Hits   []Record                  `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
}

// Stats describes an index.
type Stats struct {
	Documents int64 `json:"documents"`
	SizeBytes int64 `json:"size_bytes"` // on disk, when the backend knows
}

// ErrNotFound is returned by Get for an unknown id.
var ErrNotFound = errors.New("record not found")

// Index is a searchable store of records. Implementations are safe for
// concurrent use.
type Index interface {
	// Upsert adds or replaces records by id. Callers batch; a backend may
	// split a batch further.
	Upsert(ctx context.Context, recs []Record) error
	// Get returns the record with id, or ErrNotFound.
	Get(ctx context.Context, id string) (Record, error)
	// Search runs q, which must be valid (see Query.Validate).
	Search(ctx context.Context, q Query) (Result, error)
	// Each calls fn for every record of site, in no particular order, until
	// fn returns an error.
	Each(ctx context.Context, site string, fn func(Record) error) error
	// Entries calls fn with the bookkeeping of every record of site, in no
	// particular order, until fn returns an error. It reads no text.
	Entries(ctx context.Context, site string, fn func(Entry) error) error
	// Touch changes the bookkeeping of records without re-indexing their
	// text (see Touch); unknown ids are ignored.
	Touch(ctx context.Context, touches []Touch) error
	// Delete removes records by id; unknown ids are ignored.
	Delete(ctx context.Context, ids []string) error
	// Stats reports the number of records and the size of the index.
	Stats(ctx context.Context) (Stats, error)
	// Close releases the index; it is safe to call more than once.
	Close() error
}

// ParseFilters reads filters written "field=value" or "field:value" (the
// first '=' or ':' after the field name separates; the value may hold
// either). Values of one field are OR-ed, in the order given.
func ParseFilters(specs []string) ([]Filter, error) {
	var out []Filter
	pos := map[string]int{}
	for _, spec := range specs {
		i := strings.IndexAny(spec, "=:")
		if i <= 0 {
			return nil, fmt.Errorf("%w: filter %q: want field=value", ErrBadQuery, spec)
		}
		field, value := strings.TrimSpace(spec[:i]), spec[i+1:]
		if !IsFacet(field) {
			return nil, fmt.Errorf("%w: cannot filter on %q (filterable: %s)", ErrBadQuery, field, strings.Join(FacetFields, ", "))
		}
		if value == "" {
			return nil, fmt.Errorf("%w: filter %q has no value", ErrBadQuery, spec)
		}
		if j, ok := pos[field]; ok {
			out[j].Values = append(out[j].Values, value)
			continue
		}
		pos[field] = len(out)
		out = append(out, Filter{Field: field, Values: []string{value}})
	}
	return out, nil
}

// ParseSort reads "field", "field:asc" or "field:desc" ("-field" also means descending).
func ParseSort(spec string) (Sort, error) {
	field, dir, _ := strings.Cut(spec, ":")
	s := Sort{Field: strings.TrimSpace(field)}
	if strings.HasPrefix(s.Field, "-") {
		s.Field, s.Desc = s.Field[1:], true
	}
	switch strings.ToLower(dir) {
	case "", "asc":
	case "desc":
		s.Desc = true
	default:
		return s, fmt.Errorf("%w: sort %q: direction must be asc or desc", ErrBadQuery, spec)
	}
	if !IsSortable(s.Field) {
		return s, fmt.Errorf("%w: cannot sort by %q (sortable: %s)", ErrBadQuery, s.Field, strings.Join(SortFields, ", "))
	}
	return s, nil
}

// ByCount returns the keys of counts (facet values, say), the most
// frequent first, ties in key order.
func ByCount(counts map[string]int) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	return keys
}

// HasFilter reports whether q filters on field.
func (q *Query) HasFilter(field string) bool {
	for _, f := range q.Filters {
		if f.Field == field {
			return true
		}
	}
	return false
}
