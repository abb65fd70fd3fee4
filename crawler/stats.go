package crawler

import (
	"time"

	"github.com/jobcrawl/jobcrawl/crawler/ledger"
)

// Stats describe one run of one site. Counts of postings are by unique job
// number; counts of pages are of fetched documents.
type Stats struct {
	Site     string    `json:"name"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Seconds  float64   `json:"duration_seconds"`

	Pages       int `json:"pages"`        // result pages walked
	Details     int `json:"details"`      // posting pages downloaded (200)
	NotModified int `json:"not_modified"` // posting pages that answered 304 Not Modified
	// SkippedUnchanged counts posting pages not requested because their
	// result-page card read as before (incremental.skip_unchanged_cards).
	SkippedUnchanged int `json:"skipped_unchanged"`
	Gone             int `json:"gone"`             // posting pages that answered 404 or 410, or said the job is gone
	Requests         int `json:"requests"`         // HTTP requests sent: retries, redirects and robots.txt included
	Retries          int `json:"retries"`          // of those, repeats after a failure
	HostPauses       int `json:"host_pauses"`      // times the circuit breaker paused a host (or gave up on it)
	Postings         int `json:"postings"`         // unique job numbers seen
	Duplicates       int `json:"duplicates"`       // further copies of them
	SkippedURL       int `json:"skipped_url"`      // links not followed: seen already in this run
	Queued           int `json:"queued,omitempty"` // requests waiting when the numbers were taken (progress)
	// Expected is how many postings the run expects to see, for progress:
	// the total the site's API announced, else the open postings the index
	// held (0: unknown). ExpectedStated tells the first from the second.
	Expected       int  `json:"expected,omitempty"`
	ExpectedStated bool `json:"expected_stated,omitempty"`
	QueueFull      int  `json:"queue_full,omitempty"` // requests dropped because limits.max_queue was reached

	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Closed    int `json:"closed"`
	Reopened  int `json:"reopened"`
	Deleted   int `json:"deleted"` // closed records past the retention, removed

	// Errors counts the pages given up on (after their retries), ByKind
	// the same by reason: http_503, timeout, connection, truncated,
	// too_large, host_down, redirect_off_site, robots...
	Errors   int            `json:"errors"`
	ByKind   map[string]int `json:"error_kinds,omitempty"`
	Rejected map[string]int `json:"rejected,omitempty"` // pages not indexed, by reason

	// Outcome is how the run ended: complete, incomplete (a request
	// failed, a limit was hit), failed (a start page failed or no result
	// page was read, or the index failed) or cancelled.
	Outcome string `json:"outcome"`
	// Complete is true when the run walked every result page to its natural
	// end with no failure, no limit hit and no cancellation: only such a run
	// closes postings it did not see.
	Complete   bool   `json:"complete"`
	Incomplete string `json:"incomplete_reason,omitempty"`
	// Protected counts postings the run did not see and did not close
	// because their page failed.
	Protected int `json:"protected,omitempty"`
	// Suspect is set when a complete run would have closed too many
	// postings at once; it closed none.
	Suspect string `json:"suspect,omitempty"`

	// Coverage is the share of this run's postings that have each field.
	Coverage map[string]float64 `json:"coverage,omitempty"`
}

// Failed reports whether the run should count as a failure of its site:
// requests failed for good, or the run could not finish.
func (s Stats) Failed() bool {
	return s.Errors > 0 || s.Outcome == string(ledger.Failed) ||
		(!s.Complete && s.Incomplete != ledger.ReasonLimit && s.Incomplete != "")
}
