package crawler

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler/fetch"
	"github.com/jobcrawl/jobcrawl/crawler/ledger"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// run is the state of one run of one site.
type run struct {
	c       *Crawler
	site    *Site
	log     *slog.Logger
	start   time.Time
	ctx     context.Context // the run's: ends at cancellation or run_timeout
	cancel  context.CancelFunc
	canon   *Canonicalizer
	fetcher *fetch.Fetcher
	front   *frontier
	books   *ledger.Ledger
	store   *store
	src     *sourceWalk // the site's API, platform or sitemap source, if any

	end      ledger.Ending
	storeErr error // the index failed: the run stops committing

	mu       sync.Mutex
	counters Stats               // fetch-side counts; the ledger has the rest
	coverage map[string]uint32   // job number → coverageMask of what the run read of it
	cards    map[string][]string // posting page → fingerprints of the cards linking to it this run (skip_unchanged_cards only)
	skipped  map[string]bool     // posting pages skipped for their card, not requested (yet)

	// jobLocks make the books' decision on a copy of a job and the write
	// it calls for one step: a second copy must find the first's record.
	jobLocks [64]sync.Mutex
}

func newRun(c *Crawler, site *Site, start time.Time) *run {
	maxQueue := site.Limits.MaxQueue
	if maxQueue <= 0 {
		maxQueue = DefaultMaxQueue
	}
	maxShare := c.MaxCloseShare
	r := &run{
		c: c, site: site, log: c.Logger.With("site", site.Name), start: start,
		canon: NewCanonicalizer(site.StripParams...),
		front: newFrontier(maxQueue, site.Limits.MaxPages),
		books: ledger.New(ledger.Config{Now: start, MaxCloseShare: maxShare, Retention: c.ClosedRetention}),
		end:   ledger.Finished, coverage: map[string]uint32{}, skipped: map[string]bool{},
	}
	if site.Incremental.SkipUnchangedCards {
		r.cards = map[string][]string{}
	}
	r.store = newStore(r.log, c.Index, site.Name, c.BatchSize)
	r.counters.Site, r.counters.Started = site.Name, start
	return r
}

// hold enters what the index holds of the site into the books: each
// record's bookkeeping, no text.
func (r *run) hold(ctx context.Context) error {
	err := r.c.Index.Entries(ctx, r.site.Name, func(e index.Entry) error {
		r.books.Hold(heldOf(e))
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the index's records of %s: %w", r.site.Name, err)
	}
	return nil
}

// heldOf is the ledger's view of an entry. Its copies are the pages it was
// read from with their validators and content hashes; a record written
// before copies had hashes gets none, so its first sighting rewrites it.
func heldOf(e index.Entry) ledger.Held {
	h := ledger.Held{ID: e.ID, JobNumber: e.JobNumber, Closed: e.Status == index.StatusClosed, FirstSeen: e.FirstSeen,
		LastSeen: e.LastSeen, Cards: e.Cards}
	if e.ClosedAt != nil {
		h.ClosedAt = *e.ClosedAt
	}
	if e.CheckedAt != nil {
		h.CheckedAt = *e.CheckedAt
	}
	for _, f := range e.Fetch {
		if f.URL != "" {
			h.Copies = append(h.Copies, ledger.Copy{Key: f.URL, Hash: f.Hash, ETag: f.ETag, LastModified: f.LastModified})
		}
	}
	return h
}

// count changes the fetch-side counters.
func (r *run) count(f func(s *Stats)) {
	r.mu.Lock()
	f(&r.counters)
	r.mu.Unlock()
}

// rejected counts a page or posting not indexed, by reason.
func (r *run) rejected(err error) {
	reason := extract.Reason(err)
	r.count(func(s *Stats) {
		if s.Rejected == nil {
			s.Rejected = map[string]int{}
		}
		s.Rejected[reason]++
	})
}

// onRedirect refuses a redirect to a posting page the run asks for
// anyway: its job is read there.
func (r *run) onRedirect(to *url.URL) error {
	if c := r.canon.URL(to); c != "" && r.front.seenKey(c) {
		return fetch.ErrSeen
	}
	return nil
}

// snapshot is the run's numbers so far, for progress.
func (r *run) snapshot() Stats {
	c := r.books.Counts()
	r.mu.Lock()
	s := r.counters
	s.ByKind = maps.Clone(s.ByKind)
	s.Rejected = maps.Clone(s.Rejected)
	r.mu.Unlock()
	s.Pages, s.Postings, s.Duplicates, s.Gone, s.Errors = c.Pages, c.Postings, c.Duplicates, c.Gone, c.Errors
	s.Queued = r.front.waiting()
	s.Expected = c.HeldOpen
	if r.src != nil {
		r.src.mu.Lock()
		if r.src.total >= 0 {
			s.Expected, s.ExpectedStated = r.src.total, true
		}
		r.src.mu.Unlock()
	}
	return s
}

// stats are the run's final numbers.
func (r *run) stats(p ledger.Plan) Stats {
	s := r.snapshot()
	s.New, s.Updated, s.Unchanged, s.Reopened = p.New, p.Changed, p.Unchanged, p.Reopened
	s.Closed, s.Deleted, s.Suspect = len(p.Close), len(p.Delete), p.Guard
	s.Outcome = string(p.Outcome)
	s.Complete = p.Outcome == ledger.Complete
	s.Incomplete = p.Reason
	s.Protected = p.Protected
	s.Finished = r.c.Now()
	if s.Finished.Before(s.Started) {
		s.Finished = s.Started
	}
	s.Seconds = s.Finished.Sub(s.Started).Seconds()
	s.Coverage = r.coverageShares()
	return s
}

// coverageShares is the share of the run's fetched postings that have each field.
func (r *run) coverageShares() map[string]float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var c Coverage
	for _, mask := range r.coverage {
		c.addMask(mask)
	}
	return c.Shares()
}

// queue adds a request to the frontier unless it was asked for already,
// counting what the frontier refuses.
func (r *run) queue(t *task, key string) bool {
	switch r.front.push(t, key) {
	case pushed:
		return true
	case seenOnce:
		r.count(func(s *Stats) { s.SkippedURL++ })
	case overLimit:
		r.books.LimitHit()
	case overCap:
		r.books.Failed(t.url, ledger.Capped)
		r.count(func(s *Stats) {
			s.QueueFull++
			if s.ByKind == nil {
				s.ByKind = map[string]int{}
			}
			s.ByKind["queue_full"]++
		})
		r.log.Warn("request queue full: request dropped", "url", t.url, "max_queue", r.front.max)
	}
	return false
}

// postings merges what a page gave into the books and the store: each
// posting is written, touched or merged as the ledger says.
func (r *run) postings(key string, resp *fetch.Response, postings []extract.Posting) error {
	var v validators
	if resp != nil && resp.Header != nil {
		v = validators{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}
	}
	for _, p := range postings {
		if err := r.posting(key, v, p); err != nil {
			return err
		}
	}
	return nil
}

// lockJob holds job num's stripe of jobLocks until the returned func is
// called: between the books' decision on a copy and the write it calls
// for, no other copy of the job is decided, so a copy that the books say
// to merge always finds the first copy's record, pending or written.
func (r *run) lockJob(num string) (unlock func()) {
	m := &r.jobLocks[maphash.String(jobSeed, num)%uint64(len(r.jobLocks))]
	m.Lock()
	return m.Unlock
}

// validators are what a server said of a page for conditional requests.
type validators struct{ etag, lastModified string }

// posting folds one copy of a job, read from the page at key, into the run.
func (r *run) posting(key string, v validators, p extract.Posting) error {
	p.Sources = nil
	if key != "" {
		p.URLs = appendNew(p.URLs, key) // the page it was read from
	}
	if p.URL != "" {
		p.URLs = appendNew(p.URLs, p.URL)
	}
	if key == "" {
		key = copyKey(p)
	}
	hash := ContentHash(p)
	cp := ledger.Copy{Key: key, Hash: hash, ETag: v.etag, LastModified: v.lastModified}
	num := p.JobNumber
	r.mu.Lock()
	r.coverage[num] |= coverageMask(p)
	r.mu.Unlock()

	now := r.start
	unlock := r.lockJob(num)
	defer unlock()
	switch r.books.Fetched(num, cp) {
	case ledger.Write:
		rec := index.Record{ID: index.RecordID(r.site.Name, num), Site: r.site.Name, Posting: p, FirstSeen: now,
			LastSeen: now, Status: index.StatusOpen, CheckedAt: &now}
		recHash := hash // the record is this copy, unless merged below
		held, known := r.books.Held(num)
		if known {
			rec.FirstSeen = held.FirstSeen
			if len(held.Copies) > 1 || (len(held.Copies) == 1 && held.Copies[0].Key != key) {
				// other pages of the job, read before: what the index holds
				// stands for them, this page's fields first
				old, err := r.store.current(r.ctx, num, rec.ID)
				if err != nil {
					return err
				}
				mergePosting(&rec.Posting, old.Posting)
				recHash = ""
			}
		}
		r.finishRecord(&rec, num, recHash)
		return r.store.write(rec)
	case ledger.Merge:
		rec, err := r.store.current(r.ctx, num, index.RecordID(r.site.Name, num))
		if err != nil {
			return err
		}
		mergePosting(&rec.Posting, p)
		rec.LastSeen, rec.Status, rec.ClosedAt, rec.CheckedAt = now, index.StatusOpen, nil, &now
		r.finishRecord(&rec, num, "")
		return r.store.write(rec)
	case ledger.Touch:
		held, _ := r.books.Held(num)
		t := index.Touch{ID: held.ID, LastSeen: now, CheckedAt: &now}
		if held.Closed {
			t.Status = index.StatusOpen
		}
		if fetches := r.fetches(num); !sameFetches(fetches, held.Copies) {
			t.Fetch = fetches
		}
		if cards := r.cardsOf(num); cards != nil && !slices.Equal(cards, held.Cards) {
			t.Cards = cards
		}
		return r.store.touch(t)
	}
	return nil
}

// notModified sees the jobs held under a page that answered 304 (checked
// is true) or was skipped for an unchanged card (false): unchanged, as
// the index holds them.
func (r *run) notModified(key string, checked bool, touch []string) error {
	now := r.start
	for _, num := range touch {
		held, _ := r.books.Held(num)
		t := index.Touch{ID: held.ID, LastSeen: now}
		if checked {
			t.CheckedAt = &now
		}
		if held.Closed {
			t.Status = index.StatusOpen
		}
		if cards := r.cardsOf(num); cards != nil && !slices.Equal(cards, held.Cards) {
			t.Cards = cards
		}
		if err := r.store.touch(t); err != nil {
			return err
		}
	}
	return nil
}

// finishRecord sets a record's bookkeeping: its pages' validators and
// content hashes, its cards, its URLs in a fixed order, its hash (hash,
// when the caller knows it already).
func (r *run) finishRecord(rec *index.Record, num, hash string) {
	rec.URLs = slices.Clone(rec.URLs)
	slices.Sort(rec.URLs)
	rec.Fetch = r.fetches(num)
	rec.Cards = r.cardsOf(num)
	if hash == "" {
		hash = ContentHash(rec.Posting)
	}
	rec.ContentHash = hash
}

// fetches are the Fetch entries of job num: every copy the books know of
// (read this run, or held), with its validators and content hash.
func (r *run) fetches(num string) []index.Fetch {
	copies := r.books.Copies(num)
	out := make([]index.Fetch, 0, len(copies))
	for _, c := range copies {
		out = append(out, index.Fetch{URL: c.Key, Hash: c.Hash, ETag: c.ETag, LastModified: c.LastModified})
	}
	slices.SortFunc(out, func(a, b index.Fetch) int { return strings.Compare(a.URL, b.URL) })
	return out
}

func sameFetches(fs []index.Fetch, copies []ledger.Copy) bool {
	if len(fs) != len(copies) {
		return false
	}
	for _, f := range fs {
		if !slices.ContainsFunc(copies, func(c ledger.Copy) bool {
			return c.Key == f.URL && c.Hash == f.Hash && c.ETag == f.ETag && c.LastModified == f.LastModified
		}) {
			return false
		}
	}
	return true
}

// cardsOf are the fingerprints of the cards that linked to job num's pages
// this run, sorted; nil when cards are not kept.
func (r *run) cardsOf(num string) []string {
	if r.cards == nil {
		return nil
	}
	out := []string{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.books.Copies(num) {
		out = appendNew(out, r.cards[c.Key]...)
	}
	slices.Sort(out)
	return out
}

// jobSeed hashes job numbers to their lock.
var jobSeed = maphash.MakeSeed()

// copyKey names a posting read from an API, which has no page of its own:
// its URL, else its job number.
func copyKey(p extract.Posting) string {
	if p.URL != "" {
		return p.URL
	}
	return "job:" + p.JobNumber
}
