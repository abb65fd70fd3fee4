package crawler

import (
	"context"
	"fmt"
	"sync"

	"github.com/jobcrawl/jobcrawl/index"
)

// Records are written while the site is walked, a batch at a time, rather
// than all at the end: the run then holds a few kilobytes per job (its
// lists, for merging later copies) instead of every description, so a
// site of tens of thousands of postings crawls in bounded memory, and a
// run that is killed has written most of what it found.
//
// A job whose record was written and whose later copy changes it is written
// again. A written job's description and qualifications are dropped from
// memory; should a later copy lack them, they are read back from the index
// (restoreReleased).

// writer is the run's background writer.
type writer struct {
	batches chan []index.Record
	done    sync.WaitGroup
	err     error // the first write that failed; set by the writer goroutine only
}

// startWriter starts the goroutine that writes the batches merge hands over.
func (r *run) startWriter(ctx context.Context) {
	w := &writer{batches: make(chan []index.Record, 1)}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		for batch := range w.batches {
			if w.err != nil {
				continue // drain: the run reports the first failure
			}
			if err := r.c.Index.Upsert(ctx, batch); err != nil {
				w.err = fmt.Errorf("write records of %s: %w", r.site.Name, err)
			}
		}
	}()
	r.w = w
}

// stopWriter waits for the writes in flight and returns the first error.
func (r *run) stopWriter() error {
	if r.w == nil {
		return nil
	}
	close(r.w.batches)
	r.w.done.Wait()
	err := r.w.err
	r.w = nil
	return err
}

// queue notes that job num's record should be written. When enough are
// waiting, it builds their records and returns them for the writer; the
// caller holds r.mu and sends the batch after releasing it.
func (r *run) queue(num string, m *merged) []index.Record {
	if r.w == nil || len(r.unchanged[num]) > 0 {
		return nil // written at the end, completed from what the index holds
	}
	if !m.queued {
		m.queued = true
		r.pending = append(r.pending, num)
	}
	if len(r.pending) < r.c.BatchSize {
		return nil
	}
	batch := make([]index.Record, 0, len(r.pending))
	for _, n := range r.pending {
		pm := r.jobs[n]
		if pm.written != "" && pm.p.Description == "" {
			// a later copy changed a written record but lacks its text:
			// leave it to the end, which reads the text back
			pm.queued = false
			continue
		}
		rec := r.record(n)
		batch = append(batch, rec)
		pm.written, pm.dirty, pm.queued = rec.ContentHash, false, false
		pm.mask = coverageMask(pm.p)
		// release what only the record needs
		pm.p.Description, pm.p.Qualifications = "", nil
	}
	r.pending = r.pending[:0]
	return batch
}

// send hands a batch to the writer.
func (r *run) send(batch []index.Record) {
	if len(batch) > 0 {
		r.w.batches <- batch
	}
}

// restoreReleased completes the records at r.restore, whose description and
// qualifications were dropped from memory once written, from the index.
func (r *run) restoreReleased(ctx context.Context, recs []index.Record) error {
	for _, i := range r.restore {
		held, err := r.c.Index.Get(ctx, recs[i].ID)
		if err != nil {
			return fmt.Errorf("read back %s: %w", recs[i].ID, err)
		}
		if recs[i].Description == "" {
			recs[i].Description = held.Description
		}
		if len(recs[i].Qualifications) == 0 {
			recs[i].Qualifications = held.Qualifications
		}
		recs[i].ContentHash = ContentHash(recs[i].Posting)
	}
	r.restore = nil
	return nil
}
