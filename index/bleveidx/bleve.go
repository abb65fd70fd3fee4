// Package bleveidx is the embedded index of jobcrawl's first releases: a
// Bleve index on local disk. It is no longer the default (index/embedded,
// built on index/engine, is): it stays as the "before" column of the index
// benchmark, and so that index/embedded can move an old data directory's
// records into the new engine.
package bleveidx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/character"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search/query"
	"go.etcd.io/bbolt"

	"github.com/jobcrawl/jobcrawl/index"
)

// schemaVersion changes whenever the mapping below does; an index built
// with another version is rebuilt from its stored records on Open.
const schemaVersion = "1"

const (
	sourceField  = "_record"    // the record's JSON, stored, not indexed
	titleSort    = "title_sort" // the title lowercased, for sorting
	internalKey  = "jobcrawl_schema"
	dirName      = "index.bleve"
	eachPageSize = 1000
	writeBatch   = 100
	floorSegment = 200
)

// Index is the embedded Bleve index.
type Index struct {
	path string
	idx  bleve.Index

	closeOnce sync.Once
	closeErr  error
}

var _ index.Index = (*Index)(nil)

// ErrLocked is returned by Open when another process holds the index: the
// embedded index serves one process at a time.
var ErrLocked = errors.New("index is in use by another process")

// lockWait is how long Open waits for another process to release the index.
const lockWait = 3 * time.Second

// Open opens the index in dir (created when missing). The index lives in
// dir/index.bleve.
func Open(dir string) (*Index, error) {
	path := filepath.Join(dir, dirName)
	runtime := map[string]any{"bolt_timeout": lockWait.String(),
		// Bleve's default treats every segment under 2,000 documents as one
		// size and merges them over and over as a crawl writes its batches
		// of 100; a floor of a batch or two lets the tiers do their work
		// (a third less CPU for a 2,000-posting crawl, same index).
		"scorchMergePlanOptions": map[string]any{"FloorSegmentSize": floorSegment}}
	idx, err := bleve.OpenUsing(path, runtime)
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("open index %s: %w (a running jobcrawl daemon or crawl?)", path, ErrLocked)
	}
	switch {
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		idx, err = bleve.NewUsing(path, newMapping(), scorch.Name, scorch.Name, runtime)
		if err != nil {
			return nil, fmt.Errorf("create index %s: %w", path, err)
		}
		if err := idx.SetInternal([]byte(internalKey), []byte(schemaVersion)); err != nil {
			idx.Close()
			return nil, fmt.Errorf("create index %s: %w", path, err)
		}
	case err != nil:
		return nil, fmt.Errorf("open index %s: %w", path, err)
	default:
		v, err := idx.GetInternal([]byte(internalKey))
		if err != nil {
			idx.Close()
			return nil, fmt.Errorf("open index %s: %w", path, err)
		}
		if string(v) != schemaVersion {
			idx.Close()
			return nil, fmt.Errorf("open index %s: built by another jobcrawl version (schema %q, want %q); move it away and crawl again",
				path, v, schemaVersion)
		}
	}
	return &Index{path: path, idx: idx}, nil
}

// textAnalyzer is the analyser of every searchable field: words of letters
// and digits, lowercased, English stop words dropped, plurals folded
// ("engineers" finds "engineer"). It costs about half of Bleve's "en"
// analyser (Unicode word segmentation, Porter stemming), which matters
// because descriptions are most of what a crawl indexes.
const textAnalyzer = "jobcrawl_text"

const wordTokenizer = "jobcrawl_word"

func init() {
	registry.RegisterTokenizer(wordTokenizer, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return character.NewCharacterTokenizer(func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }), nil
	})
}

// newMapping is the document schema: keyword fields for facets and filters,
// analysed text for search, numbers for sorting, and the record as stored JSON.
func newMapping() mapping.IndexMapping {
	keywordField := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store, f.IncludeInAll, f.IncludeTermVectors, f.DocValues = false, false, false, true
		return f
	}
	textField := func(name string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Name, f.Analyzer = name, textAnalyzer
		f.Store, f.IncludeInAll, f.IncludeTermVectors, f.DocValues = false, false, false, false
		return f
	}
	numberField := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store, f.IncludeInAll, f.DocValues = false, false, true
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	for _, name := range index.FacetFields {
		doc.AddFieldMappingsAt(name, keywordField())
	}
	// searchable fields: analysed text under <name>_text, beside the keyword
	// form that facets use
	for _, name := range index.SearchableFields {
		if p, ok := doc.Properties[name]; ok {
			p.AddFieldMapping(textField(name + "_text"))
		} else {
			doc.AddFieldMappingsAt(name, textField(name+"_text"))
		}
	}
	for _, name := range []string{"date_posted_ts", "first_seen_ts", "last_seen_ts", "salary_min", "salary_max"} {
		doc.AddFieldMappingsAt(name, numberField())
	}
	doc.AddFieldMappingsAt(titleSort, keywordField())
	src := bleve.NewTextFieldMapping()
	src.Analyzer, src.Index, src.Store, src.IncludeInAll, src.IncludeTermVectors, src.DocValues =
		keyword.Name, false, true, false, false, false
	doc.AddFieldMappingsAt(sourceField, src)

	m := bleve.NewIndexMapping()
	err := m.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     wordTokenizer,
		"token_filters": []any{lowercase.Name, en.StopName, en.PluralStemmerName},
	})
	if err != nil {
		panic(err) // names registered by this package and Bleve: cannot fail
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = textAnalyzer
	m.StoreDynamic, m.IndexDynamic, m.DocValuesDynamic = false, false, false
	return m
}

// document is what Bleve indexes for a record.
func document(r index.Record) (map[string]any, error) {
	src, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	d := map[string]any{
		"site": r.Site, "company": r.Company, "locations": r.Locations, "cities": r.Cities, "regions": r.Regions,
		"countries": r.Countries, "job_family": r.JobFamily, "team": r.Team, "department": r.Department,
		"employment_type": r.EmploymentType, "workplace_type": r.WorkplaceType, "status": r.Status,
		"remote": strconv.FormatBool(r.Remote), "salary_currency": r.SalaryCurrency, "salary_period": r.SalaryPeriod,
		"job_number": r.JobNumber, "title": r.Title, "description": r.Description, "qualifications": qualificationsText(r),
		titleSort: strings.ToLower(r.Title), "first_seen_ts": float64(r.FirstSeenTS), "last_seen_ts": float64(r.LastSeenTS),
		sourceField: string(src),
	}
	if r.DatePostedTS != 0 {
		d["date_posted_ts"] = float64(r.DatePostedTS)
	}
	if r.SalaryMax != 0 {
		d["salary_min"], d["salary_max"] = r.SalaryMin, r.SalaryMax
	}
	return d, nil
}

// qualificationsText is what the qualifications field indexes: the
// qualifications and the other lists (index.ListFields).
func qualificationsText(r index.Record) []string {
	if len(r.Responsibilities)+len(r.Benefits) == 0 {
		return r.Qualifications
	}
	out := make([]string, 0, len(r.Qualifications)+len(r.Responsibilities)+len(r.Benefits))
	return append(append(append(out, r.Qualifications...), r.Responsibilities...), r.Benefits...)
}

// Upsert implements index.Index.
func (ix *Index) Upsert(ctx context.Context, recs []index.Record) error {
	if len(recs) == 0 {
		return nil
	}
	// Bleve analyses a whole batch in memory before writing it: small
	// batches keep the peak low (a posting's tokens take ~100 KB).
	for len(recs) > writeBatch {
		if err := ix.Upsert(ctx, recs[:writeBatch]); err != nil {
			return err
		}
		recs = recs[writeBatch:]
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b := ix.idx.NewBatch()
	for i := range recs {
		r := recs[i]
		r.Normalize()
		d, err := document(r)
		if err != nil {
			return fmt.Errorf("encode %s: %w", r.ID, err)
		}
		if err := b.Index(r.ID, d); err != nil {
			return fmt.Errorf("index %s: %w", r.ID, err)
		}
	}
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("write batch of %d: %w", len(recs), err)
	}
	return nil
}

// Delete implements index.Index.
func (ix *Index) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b := ix.idx.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	return ix.idx.Batch(b)
}

// Get implements index.Index.
func (ix *Index) Get(ctx context.Context, id string) (index.Record, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{id}), 1, 0, false)
	req.Fields = []string{sourceField}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return index.Record{}, err
	}
	if len(res.Hits) == 0 {
		return index.Record{}, fmt.Errorf("%w: %s", index.ErrNotFound, id)
	}
	return decode(res.Hits[0].Fields)
}

func decode(fields map[string]any) (index.Record, error) {
	var r index.Record
	s, ok := fields[sourceField].(string)
	if !ok {
		return r, errors.New("stored record missing")
	}
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return r, fmt.Errorf("decode stored record: %w", err)
	}
	return r, nil
}

// textFields are the analysed fields free text matches, with their boosts.
var textFields = []struct {
	name  string
	boost float64
}{
	{"title_text", 5}, {"job_family_text", 2}, {"team_text", 2}, {"company_text", 2}, {"department_text", 1.5},
	{"locations_text", 1.5}, {"qualifications_text", 1}, {"description_text", 1},
}

// buildQuery turns the query model into Bleve's: every word of the text must
// match some searchable field; filters are exact terms, OR-ed within a
// field and AND-ed across fields.
func buildQuery(q index.Query) query.Query {
	var must []query.Query
	for _, w := range strings.Fields(q.Text) {
		alts := make([]query.Query, 0, len(textFields)+1)
		for _, f := range textFields {
			m := bleve.NewMatchQuery(w)
			m.SetField(f.name)
			m.SetBoost(f.boost)
			alts = append(alts, m)
		}
		id := bleve.NewTermQuery(w) // a job number typed as it is
		id.SetField("job_number")
		id.SetBoost(10)
		alts = append(alts, id)
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	for _, f := range q.Filters {
		alts := make([]query.Query, 0, len(f.Values))
		for _, v := range f.Values {
			t := bleve.NewTermQuery(v)
			t.SetField(f.Field)
			alts = append(alts, t)
		}
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	if len(must) == 0 {
		return bleve.NewMatchAllQuery()
	}
	return bleve.NewConjunctionQuery(must...)
}

// sortKeys maps the schema's sort fields to the indexed ones.
var sortKeys = map[string]string{"date_posted": "date_posted_ts", "first_seen": "first_seen_ts",
	"last_seen": "last_seen_ts", "title": titleSort, "salary_min": "salary_min", "salary_max": "salary_max"}

// Search implements index.Index.
func (ix *Index) Search(ctx context.Context, q index.Query) (index.Result, error) {
	if err := q.Validate(); err != nil {
		return index.Result{}, err
	}
	req := bleve.NewSearchRequestOptions(buildQuery(q), q.Limit, q.Offset, false)
	req.Fields = []string{sourceField}
	var order []string
	for _, s := range q.Sort {
		key := sortKeys[s.Field]
		if s.Desc {
			key = "-" + key
		}
		order = append(order, key)
	}
	if len(order) == 0 {
		if strings.TrimSpace(q.Text) != "" {
			order = append(order, "-_score")
		}
		order = append(order, "-date_posted_ts")
	}
	req.SortBy(append(order, "_id"))
	for _, f := range q.Facets {
		req.AddFacet(f, bleve.NewFacetRequest(f, q.FacetSize))
	}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return index.Result{}, fmt.Errorf("search: %w", err)
	}
	out := index.Result{Total: int(res.Total), Hits: make([]index.Record, 0, len(res.Hits)), Facets: map[string]map[string]int{}}
	for _, h := range res.Hits {
		r, err := decode(h.Fields)
		if err != nil {
			return index.Result{}, fmt.Errorf("hit %s: %w", h.ID, err)
		}
		out.Hits = append(out.Hits, r)
	}
	for _, f := range q.Facets {
		counts := map[string]int{}
		if fr := res.Facets[f]; fr != nil {
			for _, t := range fr.Terms.Terms() {
				counts[t.Term] = t.Count
			}
		}
		out.Facets[f] = counts
	}
	return out, nil
}

// Each implements index.Index, paging through the site's records in id order.
func (ix *Index) Each(ctx context.Context, site string, fn func(index.Record) error) error {
	var after []string
	for {
		t := bleve.NewTermQuery(site)
		t.SetField("site")
		req := bleve.NewSearchRequestOptions(t, eachPageSize, 0, false)
		req.Fields = []string{sourceField}
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SetSearchAfter(after)
		}
		res, err := ix.idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("list site %s: %w", site, err)
		}
		for _, h := range res.Hits {
			r, err := decode(h.Fields)
			if err != nil {
				return fmt.Errorf("record %s: %w", h.ID, err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(res.Hits) < eachPageSize {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// All calls fn for every record of the index, whatever its site, in id
// order, until fn returns an error.
func (ix *Index) All(ctx context.Context, fn func(index.Record) error) error {
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), eachPageSize, 0, false)
		req.Fields = []string{sourceField}
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SetSearchAfter(after)
		}
		res, err := ix.idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("list records: %w", err)
		}
		for _, h := range res.Hits {
			r, err := decode(h.Fields)
			if err != nil {
				return fmt.Errorf("record %s: %w", h.ID, err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(res.Hits) < eachPageSize {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// Stats implements index.Index.
func (ix *Index) Stats(ctx context.Context) (index.Stats, error) {
	n, err := ix.idx.DocCount()
	if err != nil {
		return index.Stats{}, err
	}
	var size int64
	filepath.WalkDir(ix.path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	return index.Stats{Documents: int64(n), SizeBytes: size}, nil
}

// Close implements index.Index.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() { ix.closeErr = ix.idx.Close() })
	return ix.closeErr
}

// Entries implements index.Index. Bleve keeps the bookkeeping inside the
// stored record, so every record of the site is read whole.
func (ix *Index) Entries(ctx context.Context, site string, fn func(index.Entry) error) error {
	return ix.Each(ctx, site, func(r index.Record) error { return fn(index.EntryOf(r)) })
}

// Touch implements index.Index. Bleve has no partial update: a touched
// record is read, changed and indexed again whole (the cost the "before"
// column of the index benchmark shows).
func (ix *Index) Touch(ctx context.Context, touches []index.Touch) error {
	for len(touches) > 0 {
		n := min(len(touches), writeBatch)
		ids := make([]string, n)
		byID := make(map[string]index.Touch, n)
		for i, t := range touches[:n] {
			ids[i] = t.ID
			byID[t.ID] = t
		}
		req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), n, 0, false)
		req.Fields = []string{sourceField}
		res, err := ix.idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("touch: read records: %w", err)
		}
		recs := make([]index.Record, 0, len(res.Hits))
		for _, h := range res.Hits {
			r, err := decode(h.Fields)
			if err != nil {
				return fmt.Errorf("touch %s: %w", h.ID, err)
			}
			byID[h.ID].Apply(&r)
			recs = append(recs, r)
		}
		if err := ix.Upsert(ctx, recs); err != nil {
			return fmt.Errorf("touch: %w", err)
		}
		touches = touches[n:]
	}
	return nil
}
