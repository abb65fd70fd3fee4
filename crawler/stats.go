package crawler

import (
	"maps"
	"sync"
	"time"
)

// Stats describe one run of one site. Counts of postings are by unique job
// number; counts of pages are of fetched documents.
type Stats struct {
	Site     string    `json:"name"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Seconds  float64   `json:"duration_seconds"`

	Pages      int `json:"pages"`       // result pages walked
	Details    int `json:"details"`     // posting pages fetched
	Requests   int `json:"requests"`    // HTTP requests made, retries included
	Retries    int `json:"retries"`     // of those, repeats after a failure
	Postings   int `json:"postings"`    // unique job numbers seen
	Duplicates int `json:"duplicates"`  // further copies merged into them
	SkippedURL int `json:"skipped_url"` // links not followed: seen already, off-site or disallowed by robots.txt

	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Closed    int `json:"closed"`
	Reopened  int `json:"reopened"`

	Errors   int            `json:"errors"` // requests that failed after their retries
	ByKind   map[string]int `json:"error_kinds,omitempty"`
	Rejected map[string]int `json:"rejected,omitempty"` // pages not indexed, by reason

	// Complete is true when the run walked every result page to its natural
	// end with no failure, no limit hit and no cancellation: only such a run
	// closes postings it did not see.
	Complete   bool   `json:"complete"`
	Incomplete string `json:"incomplete_reason,omitempty"`
	// Suspect is set when a complete run would have closed too many
	// postings at once; it closed none.
	Suspect string `json:"suspect,omitempty"`

	// Coverage is the share of this run's postings that have each field.
	Coverage map[string]float64 `json:"coverage,omitempty"`
}

// Failed reports whether the run should count as a failure of its site:
// requests failed for good, or the run could not finish.
func (s Stats) Failed() bool {
	return s.Errors > 0 || (!s.Complete && s.Incomplete != reasonLimit && s.Incomplete != "")
}

// counters is the live, lock-guarded form of a run's Stats.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func (c *counters) add(f func(s *Stats)) {
	c.mu.Lock()
	f(&c.s)
	c.mu.Unlock()
}

func (c *counters) errorKind(kind string) {
	c.add(func(s *Stats) {
		s.Errors++
		if s.ByKind == nil {
			s.ByKind = map[string]int{}
		}
		s.ByKind[kind]++
	})
}

func (c *counters) rejected(reason string) {
	c.add(func(s *Stats) {
		if s.Rejected == nil {
			s.Rejected = map[string]int{}
		}
		s.Rejected[reason]++
	})
}

// snapshot returns a copy safe to hand to another goroutine.
func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.ByKind = maps.Clone(s.ByKind)
	s.Rejected = maps.Clone(s.Rejected)
	s.Coverage = maps.Clone(s.Coverage)
	return s
}
