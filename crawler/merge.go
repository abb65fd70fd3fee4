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

// store writes the run's records, closes what is gone or what a complete
// run did not see, and deletes what was closed longer than the retention.
//
// Every record the run saw is written: a changed one (new content hash)
// whole, an unchanged one because last_seen, its validators and card
// fingerprints moved. Bleve has no partial update, so for the embedded
// index both cost one re-index of the document: about as much CPU as
// extracting the page, and far less than downloading it.
func (r *run) store(ctx context.Context) error {
	now := r.start
	complete := r.stats.snapshot().Incomplete == ""
	seen := make([]string, 0, len(r.sighted))
	for num := range r.sighted {
		seen = append(seen, num)
	}
	sort.Strings(seen)

	// Write what was not written during the walk, or changed since.
	if err := r.stopWriter(); err != nil {
		return err
	}
	recs := make([]index.Record, 0, len(seen))
	var nNew, nUpdated, nUnchanged, nReopened int
	r.mu.Lock()
	for _, num := range seen {
		old, known := r.existing[num]
		var hash string
		if m := r.jobs[num]; m != nil && m.written != "" && !m.dirty && len(r.unchanged[num]) == 0 {
			hash = m.written // written during the walk, as it stands
		} else {
			rec := r.record(num)
			if m != nil && m.written != "" && len(m.p.Description) == 0 {
				r.restore = append(r.restore, len(recs))
			}
			hash = rec.ContentHash
			recs = append(recs, rec)
		}
		switch {
		case !known:
			nNew++
		case old.Status == index.StatusClosed:
			nReopened++
		case old.ContentHash != hash:
			nUpdated++
		default:
			nUnchanged++
		}
	}
	cov := r.coverage()
	r.mu.Unlock()
	if err := r.restoreReleased(ctx, recs); err != nil {
		return err
	}

	// What to close: a posting whose page is gone, always; one not seen,
	// only after a complete run. Either way not suspiciously many at once.
	var toClose []string
	open := 0
	for num, old := range r.existing {
		if old.Status == index.StatusClosed {
			continue
		}
		open++
		if !r.sighted[num] && (r.gone[num] || complete) {
			toClose = append(toClose, num)
		}
	}
	sort.Strings(toClose)
	maxShare := r.c.MaxCloseShare
	if maxShare <= 0 {
		maxShare = DefaultMaxCloseShare
	}
	if len(toClose) > 0 && float64(len(toClose)) > maxShare*float64(open) {
		suspect := fmt.Sprintf("would close %d of %d open postings (over %.0f%%): closed none", len(toClose), open, maxShare*100)
		r.stats.add(func(s *Stats) { s.Suspect = suspect })
		r.log.Warn("mass close refused", "would_close", len(toClose), "open", open, "max_share", maxShare)
		toClose = nil
	}
	for _, num := range toClose {
		rec := r.existing[num]
		rec.Status, rec.ClosedAt = index.StatusClosed, &now
		recs = append(recs, rec)
	}

	// What to delete: records closed longer than the retention, after a
	// complete run only (an incomplete one deletes nothing).
	var toDelete []string
	if complete && r.c.ClosedRetention > 0 {
		for num, old := range r.existing {
			closedAt := old.LastSeen
			if old.ClosedAt != nil {
				closedAt = *old.ClosedAt
			}
			if old.Status == index.StatusClosed && !r.sighted[num] && now.Sub(closedAt) > r.c.ClosedRetention {
				toDelete = append(toDelete, old.ID)
			}
		}
		sort.Strings(toDelete)
	}

	for i := 0; i < len(recs); i += r.c.BatchSize {
		batch := recs[i:min(i+r.c.BatchSize, len(recs))]
		r.log.Debug("writing records", "from", i, "n", len(batch))
		if err := r.c.Index.Upsert(ctx, batch); err != nil {
			return fmt.Errorf("write records of %s: %w", r.site.Name, err)
		}
	}
	for i := 0; i < len(toDelete); i += r.c.BatchSize {
		if err := r.c.Index.Delete(ctx, toDelete[i:min(i+r.c.BatchSize, len(toDelete))]); err != nil {
			return fmt.Errorf("delete closed records of %s: %w", r.site.Name, err)
		}
	}
	r.stats.add(func(s *Stats) {
		s.New, s.Updated, s.Unchanged, s.Reopened, s.Closed = nNew, nUpdated, nUnchanged, nReopened, len(toClose)
		s.Deleted, s.Postings = len(toDelete), len(seen)
		s.Coverage = cov
	})
	return nil
}

// record builds job num's record as the run has it so far: its merged
// posting (completed from what the index holds when some of its pages
// answered 304 or were skipped), validators, card fingerprints and dates.
// The caller holds r.mu.
func (r *run) record(num string) index.Record {
	now := r.start
	old, known := r.existing[num]
	rec := index.Record{ID: index.RecordID(r.site.Name, num), Site: r.site.Name, FirstSeen: now, LastSeen: now,
		Status: index.StatusOpen, CheckedAt: old.CheckedAt}
	if known {
		rec.FirstSeen = old.FirstSeen
	}
	if m := r.jobs[num]; m != nil {
		rec.Posting = m.p
		if known && len(r.unchanged[num]) > 0 {
			// some of its pages answered 304 or were skipped: what the
			// index holds stands for them
			mergePosting(&rec.Posting, old.Posting)
		}
		rec.ContentHash = ContentHash(rec.Posting)
	} else {
		// every page of it answered 304 or was skipped: it reads as held
		rec.Posting = old.Posting
		rec.URLs = appendNew(slices.Clone(old.URLs), r.unchanged[num]...)
		rec.ContentHash = old.ContentHash
	}
	// the order copies arrived in is the network's: keep the list in a fixed one
	rec.URLs = slices.Clone(rec.URLs)
	slices.Sort(rec.URLs)
	rec.Fetch = r.validators(rec.URLs, old.Fetch)
	if r.site.Incremental.SkipUnchangedCards {
		rec.Cards = r.cardsOf(rec.URLs)
	}
	if r.checked[num] {
		rec.CheckedAt = &now
	}
	return rec
}

// validators are the record's Fetch entries after the run: a page's from
// its 200 this run (none if it sent none), else what the index held.
func (r *run) validators(urls []string, held []index.Fetch) []index.Fetch {
	var out []index.Fetch
	for _, u := range urls {
		f, ok := r.fetched[u]
		if !ok {
			i := slices.IndexFunc(held, func(f index.Fetch) bool { return f.URL == u })
			if i < 0 {
				continue
			}
			f = held[i]
		}
		if f.ETag != "" || f.LastModified != "" {
			out = append(out, f)
		}
	}
	return out
}

// cardsOf are the fingerprints of the cards that linked to urls this run.
func (r *run) cardsOf(urls []string) []string {
	var out []string
	for _, u := range urls {
		out = appendNew(out, r.cards[u]...)
	}
	sort.Strings(out)
	return out
}

// coverage is the share of the run's postings that have each field. The
// caller holds r.mu.
func (r *run) coverage() map[string]float64 {
	if len(r.jobs) == 0 {
		return nil
	}
	counts := make([]int, len(CoverageFields))
	for _, m := range r.jobs {
		// a written job's text was released from memory: its mask remembers it
		mask := m.mask | coverageMask(m.p)
		for i := range CoverageFields {
			if mask&(1<<i) != 0 {
				counts[i]++
			}
		}
	}
	out := make(map[string]float64, len(CoverageFields))
	for i, f := range CoverageFields {
		out[f] = float64(counts[i]) / float64(len(r.jobs))
	}
	return out
}

// coverageMask has bit i set when p has CoverageFields[i].
func coverageMask(p extract.Posting) uint32 {
	var mask uint32
	for i, has := range []bool{p.JobNumber != "", p.Title != "", p.Company != "", len(p.Locations) > 0,
		len(p.Countries) > 0, p.JobFamily != "", p.Team != "", p.Department != "", p.EmploymentType != "",
		p.WorkplaceType != "", p.DatePosted != "", p.ValidThrough != "", p.SalaryMax > 0, p.Description != "",
		len(p.Qualifications) > 0, p.ApplyURL != ""} {
		if has {
			mask |= 1 << i
		}
	}
	return mask
}

// CoverageFields are the fields the coverage report covers, in display order.
var CoverageFields = []string{"job_number", "title", "company", "locations", "countries", "job_family", "team",
	"department", "employment_type", "workplace_type", "date_posted", "valid_through", "salary", "description",
	"qualifications", "apply_url"}
