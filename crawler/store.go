package crawler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/jobcrawl/jobcrawl/index"
)

// store writes a run's records and touches to the index while the site
// is walked, a batch at a time, in the order the run made them. The run
// then holds no record longer than it waits for its batch: what it keeps
// of a job across the walk is the ledger's compact entry. A job read again
// later in the walk (another copy) is read back: from the batch still
// waiting or being written, else from the index.
//
// One goroutine writes; the queue between the run and it holds one batch,
// so a slow index slows the walk rather than filling memory.
type store struct {
	log   *slog.Logger
	ix    index.Index
	site  string
	batch int

	mu       sync.Mutex
	recs     []index.Record         // the batch being filled
	inBatch  map[string]int         // job number → its place in recs
	touches  []index.Touch          // touches being gathered
	pending  map[string]*pendingRec // job number → the newest record not yet confirmed written
	version  uint64
	err      error // the first write that failed
	ops      chan op
	finished chan struct{}
}

type pendingRec struct {
	rec     index.Record
	version uint64
}

// op is one write the writer goroutine makes.
type op struct {
	recs     []index.Record
	versions []uint64
	touches  []index.Touch
}

func newStore(log *slog.Logger, ix index.Index, site string, batch int) *store {
	return &store{log: log, ix: ix, site: site, batch: batch, pending: map[string]*pendingRec{}}
}

// start starts the writer; ctx bounds its writes.
func (s *store) start(ctx context.Context) {
	s.ops = make(chan op, 1)
	s.finished = make(chan struct{})
	go func() {
		defer close(s.finished)
		for o := range s.ops {
			if s.failed() != nil {
				continue // drain: the run reports the first failure
			}
			var err error
			s.log.Debug("writing records", "records", len(o.recs), "touches", len(o.touches))
			if len(o.recs) > 0 {
				if err = s.ix.Upsert(ctx, o.recs); err != nil {
					err = fmt.Errorf("write records of %s: %w", s.site, err)
				}
			}
			if err == nil && len(o.touches) > 0 {
				if err = s.ix.Touch(ctx, o.touches); err != nil {
					err = fmt.Errorf("touch records of %s: %w", s.site, err)
				}
			}
			s.mu.Lock()
			if err != nil && s.err == nil {
				s.err = err
			}
			for i, r := range o.recs {
				if p := s.pending[r.JobNumber]; p != nil && p.version == o.versions[i] {
					delete(s.pending, r.JobNumber) // written: the index has it now
				}
			}
			s.mu.Unlock()
		}
	}()
}

func (s *store) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// write queues a record.
func (s *store) write(rec index.Record) error {
	return s.add(func() bool {
		s.version++
		s.pending[rec.JobNumber] = &pendingRec{rec: rec, version: s.version}
		if i, ok := s.inBatch[rec.JobNumber]; ok {
			s.recs[i] = rec // a later copy of a job in the same batch: one write
		} else {
			if s.inBatch == nil {
				s.inBatch = map[string]int{}
			}
			s.inBatch[rec.JobNumber] = len(s.recs)
			s.recs = append(s.recs, rec)
		}
		return len(s.recs) >= s.batch
	})
}

// touch queues a touch.
func (s *store) touch(t index.Touch) error {
	return s.add(func() bool {
		s.touches = append(s.touches, t)
		return len(s.touches) >= s.batch
	})
}

// add runs gather under the lock and, when it reports a full batch, hands
// what is gathered to the writer (outside the lock: the hand-over waits
// while the writer is busy). It fails once a write has failed.
func (s *store) add(gather func() (full bool)) error {
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return err
	}
	var o op
	full := gather()
	if full {
		o = s.takeLocked()
	}
	s.mu.Unlock()
	if full {
		s.send(o)
	}
	return nil
}

// takeLocked takes what is gathered as one op. The caller holds s.mu.
func (s *store) takeLocked() op {
	o := op{recs: s.recs, touches: s.touches, versions: make([]uint64, len(s.recs))}
	for i, r := range s.recs {
		o.versions[i] = s.pending[r.JobNumber].version
	}
	s.recs, s.touches, s.inBatch = nil, nil, nil
	return o
}

func (s *store) send(o op) {
	if len(o.recs) > 0 || len(o.touches) > 0 {
		s.ops <- o
	}
}

// current is job num's record as it stands: the newest one written in this
// run and not yet confirmed, else the index's.
func (s *store) current(ctx context.Context, num, id string) (index.Record, error) {
	s.mu.Lock()
	if p := s.pending[num]; p != nil {
		rec := p.rec
		s.mu.Unlock()
		return rec, nil
	}
	s.mu.Unlock()
	rec, err := s.ix.Get(context.WithoutCancel(ctx), id)
	if err != nil {
		return index.Record{}, fmt.Errorf("read back %s: %w", id, err)
	}
	return rec, nil
}

// stop writes what is left and waits for the writer; it returns the first
// failure.
func (s *store) stop() error {
	if s.ops == nil {
		return s.failed()
	}
	s.mu.Lock()
	o := s.takeLocked()
	s.mu.Unlock()
	s.send(o)
	close(s.ops)
	<-s.finished
	s.ops = nil
	return s.failed()
}
