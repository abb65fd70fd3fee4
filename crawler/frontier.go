package crawler

import (
	"context"
	"hash/maphash"
	"sync"

	"github.com/jobcrawl/jobcrawl/extract/ats"
)

// kind is what a request of the run is for.
type kind uint8

const (
	kindList   kind = iota // a result page: links to postings, the next page
	kindDetail             // a posting page, extracted as HTML
	kindSource             // a request of an API, platform or sitemap source
)

func (k kind) String() string {
	return [...]string{"list", "detail", "source"}[k]
}

// task is one request of a run, waiting in the frontier or being made. It
// is small: a page of 100,000 links queues 100,000 of them.
type task struct {
	kind  kind
	start bool   // a start page: its failure fails the run
	page  int    // a result page's number, from 1
	url   string // canonical
	// cond has a posting page asked for conditionally (If-None-Match,
	// If-Modified-Since) when the index holds validators for it.
	cond bool
	req  *ats.Request // a source's request
}

// frontier is a run's requests to make: a FIFO queue with a cap, the set
// of requests made already (64-bit hashes of their keys: a URL, or a
// method, URL and body), and the count of requests taken and not yet done,
// so that the workers know when the walk is over.
type frontier struct {
	mu      sync.Mutex
	wake    *sync.Cond
	queue   []*task
	head    int
	active  int // popped, not done
	max     int // most tasks waiting at once
	seen    map[uint64]struct{}
	seed    maphash.Seed
	limit   int // most requests in all (0: none)
	taken   int // requests queued in all, for limit
	stopped bool
}

func newFrontier(maxQueue, limit int) *frontier {
	f := &frontier{max: maxQueue, limit: limit, seen: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
	f.wake = sync.NewCond(&f.mu)
	return f
}

// pushResult is what push did with a task.
type pushResult int

const (
	pushed    pushResult = iota
	seenOnce             // asked for already in this run
	overCap              // the queue is full: dropped and counted
	overLimit            // the run's page limit is reached
)

// push queues t unless its key was pushed already in this run.
func (f *frontier) push(t *task, key string) pushResult {
	h := maphash.String(f.seed, key)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.seen[h]; ok {
		return seenOnce
	}
	res := f.enqueueLocked(t)
	if res == pushed {
		f.seen[h] = struct{}{}
	}
	return res
}

// enqueueLocked queues t within the run's limit and the queue's cap. The
// caller holds f.mu.
func (f *frontier) enqueueLocked(t *task) pushResult {
	switch {
	case f.limit > 0 && f.taken >= f.limit:
		return overLimit
	case len(f.queue)-f.head >= f.max:
		return overCap
	}
	f.taken++
	f.queue = append(f.queue, t)
	f.wake.Signal()
	return pushed
}

// mark notes key as asked for without queueing anything (a page skipped
// for an unchanged card); it reports whether it was new.
func (f *frontier) mark(key string) bool {
	h := maphash.String(f.seed, key)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.seen[h]; ok {
		return false
	}
	f.seen[h] = struct{}{}
	return true
}

// force queues t even when its key was seen (a page skipped for its card,
// then linked by a card that reads differently).
func (f *frontier) force(t *task) pushResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.enqueueLocked(t)
}

// seenKey reports whether key was pushed or marked.
func (f *frontier) seenKey(key string) bool {
	h := maphash.String(f.seed, key)
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.seen[h]
	return ok
}

// pop waits for a task; false when the walk is over (nothing queued,
// nothing in progress) or ctx ended.
func (f *frontier) pop(ctx context.Context) (*task, bool) {
	stop := context.AfterFunc(ctx, func() {
		f.mu.Lock()
		f.stopped = true
		f.wake.Broadcast()
		f.mu.Unlock()
	})
	defer stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		if f.stopped {
			return nil, false
		}
		if f.head < len(f.queue) {
			t := f.queue[f.head]
			f.queue[f.head] = nil
			f.head++
			if f.head > 1024 && f.head*2 >= len(f.queue) {
				// drop the consumed front so the slice does not grow forever
				f.queue = append(f.queue[:0:0], f.queue[f.head:]...)
				f.head = 0
			}
			f.active++
			return t, true
		}
		if f.active == 0 {
			f.wake.Broadcast() // the others waiting are done too
			return nil, false
		}
		f.wake.Wait()
	}
}

// done marks a popped task finished (after it pushed what it found).
func (f *frontier) done() {
	f.mu.Lock()
	f.active--
	if f.active == 0 && f.head >= len(f.queue) {
		f.wake.Broadcast()
	}
	f.mu.Unlock()
}

// waiting is the number of tasks queued and not taken.
func (f *frontier) waiting() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queue) - f.head
}
