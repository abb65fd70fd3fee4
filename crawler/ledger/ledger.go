// Package ledger keeps the books of one crawl run of one site: it takes
// what the run saw, event by event (a result page walked or failed, a
// posting fetched with its content hash, a page that answered 304, one
// that is gone, one that failed and why, how the walk ended) against what
// the index held before the run, and answers what to do: write a record,
// touch it (it was seen and has not changed), and at the end the plan:
// what is new, changed, unchanged or reopened, what to close and delete,
// whether the mass-close guard held, and how the run ended.
//
// The package does no I/O and knows nothing of HTTP or colly: every
// freshness rule of the project (DESIGN.md, "De-duplication and
// freshness") is a function of its inputs, and its table tests state them.
//
// A ledger is safe for concurrent use.
package ledger

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// Failure is why a request of a run did not finish. Every failure is an
// error of the run, and none is evidence that a posting is gone: a posting
// whose fetch failed is never closed by the run.
type Failure int

// The failure classes.
const (
	// Transient: 5xx, 429, 408, a timeout or a broken connection, still
	// failing after its retries.
	Transient Failure = iota + 1
	// RedirectLoop: the page redirected back to a URL of its own chain, or
	// redirected too many times.
	RedirectLoop
	// Robots: refused by robots.txt, or robots.txt could not be read.
	Robots
	// Malformed: an answer that cannot be read: cut short, not the format
	// asked for, not shaped as expected.
	Malformed
	// TooLarge: an answer over the size cap.
	TooLarge
	// OffSite: redirected to a host the site does not allow.
	OffSite
	// Refused: another 4xx answer (401, 403, 400...).
	Refused
	// HostDown: the circuit breaker gave up on the host.
	HostDown
	// Capped: not requested because a cap of the run was reached (its
	// queue of pending requests).
	Capped
)

var failureNames = map[Failure]string{Transient: "transient", RedirectLoop: "redirect_loop", Robots: "robots",
	Malformed: "malformed", TooLarge: "too_large", OffSite: "off_site", Refused: "refused", HostDown: "host_down",
	Capped: "capped"}

func (f Failure) String() string {
	if s, ok := failureNames[f]; ok {
		return s
	}
	return fmt.Sprintf("failure(%d)", int(f))
}

// Ending is how the walk stopped, as the crawler saw it.
type Ending int

const (
	// Finished: every request the walk made was answered or given up on.
	Finished Ending = iota
	// Cancelled: the run's context was cancelled (a signal, a stop).
	Cancelled
	// TimedOut: the run hit its run_timeout.
	TimedOut
	// LeaseLost: another crawler holds the site now; this run may commit
	// nothing but what it wrote while it held it.
	LeaseLost
	// StoreFailed: the index failed under the run.
	StoreFailed
	// Aborted: the run could not start (its fetcher could not be set up).
	Aborted
)

// Outcome is how a run ended, from the books.
type Outcome string

// The outcomes.
const (
	// Complete: every result page walked to its natural end, nothing
	// failed, no limit hit, not cancelled. Only a complete run closes the
	// postings it did not see.
	Complete Outcome = "complete"
	// Incomplete: the run walked the site, but some request failed, a
	// limit was hit or a listing came up short. It closes only postings
	// whose own page said they are gone.
	Incomplete Outcome = "incomplete"
	// Failed: the run could not walk the site at all: a start page failed
	// or no result page was read. Nothing is closed but what a page said is
	// gone.
	Failed Outcome = "failed"
	// Stopped: stopped from outside (a signal, a lost lease). It closes
	// nothing it was not told is gone, and after a lost lease nothing at all.
	Stopped Outcome = "cancelled"
)

// Reasons an incomplete, failed or cancelled run gives.
const (
	ReasonCancelled   = "cancelled"
	ReasonTimeout     = "run timeout"
	ReasonLeaseLost   = "lease lost"
	ReasonStore       = "index error"
	ReasonAborted     = "could not start"
	ReasonStartFailed = "start page failed"
	ReasonNoPages     = "no result page"
	ReasonFailed      = "pages failed"
	ReasonLimit       = "page limit reached"
)

// DefaultMaxCloseShare is the largest share of a site's open postings one
// run may close; a run that would close more closes none.
const DefaultMaxCloseShare = 0.3

// Config are the rules' parameters.
type Config struct {
	// Now is when the run started: last_seen of what it saw, closed_at of
	// what it closes.
	Now time.Time
	// MaxCloseShare overrides DefaultMaxCloseShare when positive.
	MaxCloseShare float64
	// Retention, when positive, is how long a closed record is kept: a
	// complete run deletes the ones closed longer ago. 0 keeps them.
	Retention time.Duration
}

// Held is what the index held of one job before the run.
type Held struct {
	ID        string
	JobNumber string
	Closed    bool
	ClosedAt  time.Time // zero: unknown (LastSeen stands for it)
	FirstSeen time.Time
	LastSeen  time.Time
	CheckedAt time.Time // when a page of it last answered (zero: never)
	// Copies are the pages the record was read from, with what each said.
	Copies []Copy
	// Cards are the fingerprints of the result-page cards that linked to it
	// when it was last seen.
	Cards []string
}

// Copy is one page (or API entry) a job was read from: its key (a posting
// page's canonical URL) and the content hash of what it said, with the
// page's validators. A copy read again with the same hash has not changed.
type Copy struct {
	Key          string
	Hash         string
	ETag         string
	LastModified string
}

// same reports whether c is the copy at key with hash.
func (c Copy) same(key, hash string) bool { return c.Key == key && c.Hash == hash && hash != "" }

// Action is what the crawler should do with a posting it fetched.
type Action int

const (
	// Write the record: a new job, a changed one, or one reopened with a
	// change. Build it from this copy (over the held record when the job
	// has other held copies).
	Write Action = iota + 1
	// Touch the held record: seen, unchanged (reopened, if it was closed).
	Touch
	// Merge this copy into the record already written or touched in this
	// run, and write it if that changes it.
	Merge
	// Nothing to do: a copy already accounted for in this run.
	Nothing
)

func (a Action) String() string {
	return [...]string{"", "write", "touch", "merge", "nothing"}[a]
}

// job states within the run
type state uint8

const (
	unseen state = iota
	isNew
	isChanged
	isUnchanged
	isReopened
	isReopenedChanged
)

type job struct {
	held       *Held // nil: not in the index before the run
	state      state
	gone       bool // a page of it answered 404/410 or said the job is gone
	unfinished bool // a page of it failed: the run knows nothing of it
	copies     []Copy
}

func (j *job) seen() bool { return j.state != unseen }

// Ledger is the books of one run.
type Ledger struct {
	cfg Config

	mu    sync.Mutex
	jobs  map[string]*job   // by job number
	byKey map[string][]*job // page key → the held jobs read from it
	open  int               // held open jobs

	sightings   int // copies seen, of any job
	pages       int // result pages walked
	startFailed bool
	limit       bool
	short       string // a listing that came up short, why
	failures    map[Failure]int
	gone        int
}

// New starts the books of a run.
func New(cfg Config) *Ledger {
	if cfg.MaxCloseShare <= 0 {
		cfg.MaxCloseShare = DefaultMaxCloseShare
	}
	return &Ledger{cfg: cfg, jobs: map[string]*job{}, byKey: map[string][]*job{}, failures: map[Failure]int{}}
}

// Hold enters a record the index held before the run. Call it for every
// record of the site before the first event.
func (l *Ledger) Hold(h Held) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hc := h
	hc.Copies = slices.Clone(h.Copies)
	j := l.jobs[h.JobNumber]
	if j == nil {
		j = &job{}
		l.jobs[h.JobNumber] = j
	} else if j.held != nil && !j.held.Closed {
		l.open--
	}
	j.held = &hc
	if !hc.Closed {
		l.open++
	}
	for _, c := range hc.Copies {
		if c.Key != "" && !slices.Contains(l.byKey[c.Key], j) {
			l.byKey[c.Key] = append(l.byKey[c.Key], j)
		}
	}
}

// Held returns what the index held of a job number.
func (l *Ledger) Held(num string) (Held, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if j := l.jobs[num]; j != nil && j.held != nil {
		return *j.held, true
	}
	return Held{}, false
}

// HeldAt returns the job numbers held under a page key.
func (l *Ledger) HeldAt(key string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, j := range l.byKey[key] {
		out = append(out, j.held.JobNumber)
	}
	return out
}

// Validators returns the validators the index holds for the page at key,
// for a conditional request.
func (l *Ledger) Validators(key string) (etag, lastModified string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, j := range l.byKey[key] {
		for _, c := range j.held.Copies {
			if c.Key == key && (c.ETag != "" || c.LastModified != "") {
				return c.ETag, c.LastModified
			}
		}
	}
	return "", ""
}

// ResultPage records a result page walked (start: it is a start page).
func (l *Ledger) ResultPage() {
	l.mu.Lock()
	l.pages++
	l.mu.Unlock()
}

// ResultPageFailed records a result page that failed; a failed start page
// fails the run.
func (l *Ledger) ResultPageFailed(start bool, f Failure) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures[f]++
	if start {
		l.startFailed = true
	}
}

// Fetched records a copy of job num read from a page (c.Key, with the
// page's validators) whose posting has content hash c.Hash, and says what
// to do with it.
func (l *Ledger) Fetched(num string, c Copy) Action {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sightings++
	j := l.job(num)
	key, hash := c.Key, c.Hash
	copyNew := !slices.ContainsFunc(j.copies, func(o Copy) bool { return o.same(key, hash) })
	j.copies = slices.DeleteFunc(j.copies, func(o Copy) bool { return o.Key == key })
	j.copies = append(j.copies, c)
	unchanged := j.held != nil && slices.ContainsFunc(j.held.Copies, func(o Copy) bool { return o.same(key, hash) })
	switch j.state {
	case unseen:
		switch {
		case j.held == nil:
			j.state = isNew
			return Write
		case j.held.Closed && unchanged:
			j.state = isReopened
			return Touch
		case j.held.Closed:
			j.state = isReopenedChanged
			return Write
		case unchanged:
			j.state = isUnchanged
			return Touch
		}
		j.state = isChanged
		return Write
	case isUnchanged, isReopened:
		if unchanged || !copyNew {
			return Nothing
		}
		if j.state == isUnchanged {
			j.state = isChanged
		} else {
			j.state = isReopenedChanged
		}
		return Merge
	}
	if !copyNew {
		return Nothing
	}
	return Merge
}

// NotModified records that the page at key answered 304 Not Modified, or
// was skipped because its card reads as before: every job held under it is
// seen, as the index holds it. It returns the job numbers to touch (those
// not seen before in this run).
func (l *Ledger) NotModified(key string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var touch []string
	for _, j := range l.byKey[key] {
		l.sightings++
		switch j.state {
		case unseen:
			if j.held.Closed {
				j.state = isReopened
			} else {
				j.state = isUnchanged
			}
			touch = append(touch, j.held.JobNumber)
		}
		for _, c := range j.held.Copies {
			if c.Key == key && !slices.ContainsFunc(j.copies, func(o Copy) bool { return o.Key == key }) {
				j.copies = append(j.copies, c)
			}
		}
	}
	return touch
}

// SkipCard applies incremental.skip_unchanged_cards to a result-page card
// with fingerprint fp linking to the page at key: the page may be left
// unfetched when every job held under it is open, had a card with this
// fingerprint when last seen, and was checked less than refreshAfter ago.
// When it may, the jobs are seen as the index holds them (as by
// NotModified), and the ones to touch are returned.
func (l *Ledger) SkipCard(key, fp string, refreshAfter time.Duration) (touch []string, skip bool) {
	l.mu.Lock()
	jobs := l.byKey[key]
	skip = len(jobs) > 0 && fp != ""
	for _, j := range jobs {
		h := j.held
		skip = skip && !h.Closed && slices.Contains(h.Cards, fp) && !h.CheckedAt.IsZero() &&
			l.cfg.Now.Sub(h.CheckedAt) < refreshAfter
	}
	l.mu.Unlock()
	if !skip {
		return nil, false
	}
	return l.NotModified(key), true
}

// Gone records that the page at key answered 404 or 410, or said its job
// is gone: the jobs held under it are closed, unless the run sees them
// elsewhere or another page of theirs failed.
func (l *Ledger) Gone(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gone++
	for _, j := range l.byKey[key] {
		j.gone = true
	}
}

// Failed records a request that failed for good. When key is a posting
// page, the jobs held under it are unfinished: the run closes none of them.
func (l *Ledger) Failed(key string, f Failure) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures[f]++
	for _, j := range l.byKey[key] {
		j.unfinished = true
	}
}

// LimitHit records that the run stopped requesting pages at a limit.
func (l *Ledger) LimitHit() {
	l.mu.Lock()
	l.limit = true
	l.mu.Unlock()
}

// ShortListing records that a listing ended with fewer postings than it
// announced (postings moved between its pages while they were read).
func (l *Ledger) ShortListing(listed, announced int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.short == "" {
		l.short = fmt.Sprintf("listed %d of the %d postings the API announced", listed, announced)
	}
}

func (l *Ledger) job(num string) *job {
	j := l.jobs[num]
	if j == nil {
		j = &job{}
		l.jobs[num] = j
	}
	return j
}

// Copies returns the copies of job num: those read in this run, then the
// held ones this run did not read again.
func (l *Ledger) Copies(num string) []Copy {
	l.mu.Lock()
	defer l.mu.Unlock()
	j := l.jobs[num]
	if j == nil {
		return nil
	}
	out := slices.Clone(j.copies)
	if j.held != nil {
		for _, c := range j.held.Copies {
			if !slices.ContainsFunc(out, func(o Copy) bool { return o.Key == c.Key }) {
				out = append(out, c)
			}
		}
	}
	return out
}

// Counts are a run's numbers, as the books have them so far.
type Counts struct {
	Pages      int // result pages walked
	Postings   int // unique job numbers seen
	Duplicates int // further copies of them
	Gone       int // posting pages that said their job is gone
	Errors     int // requests that failed for good
	Failures   map[Failure]int
	HeldOpen   int // open postings the index held before the run
}

// Counts returns the run's numbers so far.
func (l *Ledger) Counts() Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.countsLocked()
}

func (l *Ledger) countsLocked() Counts {
	c := Counts{Pages: l.pages, Gone: l.gone, Failures: make(map[Failure]int, len(l.failures)), HeldOpen: l.open}
	for f, n := range l.failures {
		c.Failures[f] = n
		c.Errors += n
	}
	for _, j := range l.jobs {
		if j.seen() {
			c.Postings++
		}
	}
	c.Duplicates = l.sightings - c.Postings
	return c
}

// Plan is what the run decided, once it ended.
type Plan struct {
	Outcome Outcome
	// Reason says why the run is not complete ("" when it is).
	Reason string
	Counts

	New, Changed, Unchanged, Reopened int
	// Close are the ids of the records to mark closed; Delete those to
	// remove (closed longer than the retention).
	Close, Delete []string
	// Guard is set when the run would have closed more than its share of
	// the site's open postings: it closes none.
	Guard string
	// Protected counts held jobs the run did not see and did not close
	// because their page failed.
	Protected int
}

// End closes the books: how the run ended and what it commits.
func (l *Ledger) End(e Ending) Plan {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := Plan{Counts: l.countsLocked()}

	switch {
	case e == Cancelled:
		p.Outcome, p.Reason = Stopped, ReasonCancelled
	case e == TimedOut:
		p.Outcome, p.Reason = Incomplete, ReasonTimeout
	case e == LeaseLost:
		p.Outcome, p.Reason = Stopped, ReasonLeaseLost
	case e == StoreFailed:
		p.Outcome, p.Reason = Failed, ReasonStore
	case e == Aborted:
		p.Outcome, p.Reason = Failed, ReasonAborted
	case l.startFailed:
		p.Outcome, p.Reason = Failed, ReasonStartFailed
	case l.pages == 0:
		p.Outcome, p.Reason = Failed, ReasonNoPages
	case p.Errors > 0:
		p.Outcome, p.Reason = Incomplete, ReasonFailed
	case l.limit:
		p.Outcome, p.Reason = Incomplete, ReasonLimit
	case l.short != "":
		p.Outcome, p.Reason = Incomplete, l.short
	default:
		p.Outcome = Complete
	}
	complete := p.Outcome == Complete

	var closing []*job
	for _, j := range l.jobs {
		switch j.state {
		case isNew:
			p.New++
		case isChanged:
			p.Changed++
		case isUnchanged:
			p.Unchanged++
		case isReopened, isReopenedChanged:
			p.Reopened++
		}
		if j.held == nil || j.held.Closed || j.seen() {
			continue
		}
		if j.unfinished {
			p.Protected++
			continue
		}
		if e != LeaseLost && e != StoreFailed && e != Aborted && (j.gone || complete) {
			closing = append(closing, j)
		}
	}
	if len(closing) > 0 && float64(len(closing)) > l.cfg.MaxCloseShare*float64(l.open) {
		p.Guard = fmt.Sprintf("would close %d of %d open postings (over %.0f%%): closed none",
			len(closing), l.open, l.cfg.MaxCloseShare*100)
		closing = nil
	}
	for _, j := range closing {
		p.Close = append(p.Close, j.held.ID)
	}
	sort.Strings(p.Close)

	if complete && l.cfg.Retention > 0 {
		for _, j := range l.jobs {
			if j.held == nil || !j.held.Closed || j.seen() {
				continue
			}
			closedAt := j.held.ClosedAt
			if closedAt.IsZero() {
				closedAt = j.held.LastSeen
			}
			if l.cfg.Now.Sub(closedAt) > l.cfg.Retention {
				p.Delete = append(p.Delete, j.held.ID)
			}
		}
		sort.Strings(p.Delete)
	}
	return p
}
