package ats_test

import (
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
)

// errNotFound is a fake API's 404.
var errNotFound = errors.New("404 not found")

// answerFunc is a fake API: the body it answers a request with, or
// errNotFound.
type answerFunc func(r *ats.Request) ([]byte, error)

// walked is what a walk through a source saw.
type walked struct {
	mu       sync.Mutex
	requests []*ats.Request // made, in no fixed order
	skipped  int            // asked for again (same Key), not made
	results  map[string]ats.Result
	first    []ats.Result // the results of the walk's first requests
	postings []extract.Posting
	rejected []error
	errs     []error
	listed   int
	total    int
	pages    int
	gone     int // answers of 404
}

// ofKind returns the requests of kind made, sorted by URL then body.
func (w *walked) ofKind(k ats.Kind) []*ats.Request {
	var out []*ats.Request
	for _, r := range w.requests {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// jobNumbers are the postings' job numbers, sorted and unique.
func (w *walked) jobNumbers() []string {
	var out []string
	for _, p := range w.postings {
		out = append(out, p.JobNumber)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// walk walks src as the crawler does: every request once (by Key), the
// answers read concurrently, what they ask for next requested in turn,
// KindPage requests recorded and not fetched.
func walk(tb testing.TB, src ats.Source, answer answerFunc, opts extract.Options) *walked {
	tb.Helper()
	w := &walked{results: map[string]ats.Result{}, total: -1}
	seen := map[string]bool{}
	var wg sync.WaitGroup
	var do func(r *ats.Request, first bool)
	do = func(r *ats.Request, first bool) {
		w.mu.Lock()
		if seen[r.Key()] {
			w.skipped++
			w.mu.Unlock()
			return
		}
		seen[r.Key()] = true
		w.requests = append(w.requests, r)
		w.mu.Unlock()
		if r.Kind == ats.KindPage {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, err := answer(r)
			if errors.Is(err, errNotFound) {
				w.mu.Lock()
				w.gone++
				w.mu.Unlock()
				return
			}
			if err != nil {
				tb.Errorf("%s %s: %v", r.Method, r.URL, err)
				return
			}
			o := opts
			o.URL = r.URL
			res, err := src.Read(r, body, o)
			w.mu.Lock()
			if err != nil {
				w.errs = append(w.errs, err)
				w.mu.Unlock()
				return
			}
			w.results[r.Key()] = res
			if first {
				w.first = append(w.first, res)
			}
			if res.List {
				w.pages++
			}
			w.listed += res.Listed
			if res.Total >= 0 {
				w.total = res.Total
			}
			w.postings = append(w.postings, res.Postings...)
			w.rejected = append(w.rejected, res.Rejected...)
			w.mu.Unlock()
			for _, n := range res.Next {
				do(n, false)
			}
		}()
	}
	for _, r := range src.First() {
		do(r, true)
	}
	wg.Wait()
	return w
}
