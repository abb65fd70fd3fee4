package engine

import (
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/jobcrawl/jobcrawl/index"
)

// rebuildBatch is how many records a rebuild or a catch-up indexes per
// batch: it bounds the memory a batch's staging takes.
const rebuildBatch = 5000

// replayer feeds records read from the store to batches of rebuildBatch,
// publishing each (Open has not returned: nobody reads them yet, but the
// next batch starts from the published view).
type replayer struct {
	e   *Engine
	seq uint64
	b   *batch
}

func (p *replayer) batch() *batch {
	if p.b == nil {
		p.b = p.e.newBatch(p.seq)
	}
	return p.b
}

// flush publishes the current batch, if any.
func (p *replayer) flush(force bool) error {
	if p.b == nil || !force && p.b.changed < rebuildBatch {
		return nil
	}
	if err := p.b.apply(); err != nil {
		return err
	}
	p.b.commit()
	p.e.view.Store(p.b.v)
	p.b = nil
	return nil
}

// readStored decodes a record's content (raw: its records value) with its
// bookkeeping.
func readStored(tx *bbolt.Tx, raw []byte) (index.Record, error) {
	var r index.Record
	if err := decodeContent(raw, &r); err != nil {
		return r, fmt.Errorf("decode record: %w", err)
	}
	id := []byte(r.ID)
	bk := tx.Bucket(bucketBooks).Get(id)
	b, err := decodeBooks(bk)
	if err != nil {
		return r, fmt.Errorf("decode bookkeeping of %s: %w", id, err)
	}
	b.apply(&r)
	return r, nil
}

// rebuild indexes every record of the store into the current (empty) view.
func (e *Engine) rebuild() error {
	return e.db.View(func(tx *bbolt.Tx) error {
		p := &replayer{e: e, seq: readSeq(tx)}
		c := tx.Bucket(bucketRecords).Cursor()
		for k, raw := c.First(); k != nil; k, raw = c.Next() {
			r, err := readStored(tx, raw)
			if err != nil {
				return fmt.Errorf("rebuild: %w", err)
			}
			p.batch().add(&r)
			if err := p.flush(false); err != nil {
				return err
			}
		}
		if err := p.flush(true); err != nil {
			return err
		}
		if v := e.view.Load(); v.seq != p.seq { // an empty store
			nv := *v
			nv.seq = p.seq
			e.view.Store(&nv)
		}
		return nil
	})
}

// catchUp brings a view loaded from a snapshot at sequence number from up
// to date with the store: every record written or touched after from is
// indexed again (its bookkeeping-only changes included), every record the
// view holds and the store no longer does is removed.
func (e *Engine) catchUp(from uint64) error {
	return e.db.View(func(tx *bbolt.Tx) error {
		p := &replayer{e: e, seq: readSeq(tx)}
		recs, bks := tx.Bucket(bucketRecords), tx.Bucket(bucketBooks)
		c := bks.Cursor()
		for k, bk := c.First(); k != nil; k, bk = c.Next() {
			if booksSeq(bk) <= from {
				continue
			}
			raw := recs.Get(booksKey(bk))
			if raw == nil {
				continue
			}
			r, err := readStored(tx, raw)
			if err != nil {
				return fmt.Errorf("catch up: %w", err)
			}
			p.batch().add(&r)
			if err := p.flush(false); err != nil {
				return err
			}
		}
		if err := p.flush(true); err != nil {
			return err
		}
		for id := range e.w.docs {
			if bks.Get([]byte(id)) == nil {
				p.batch().remove(id)
			}
		}
		if err := p.flush(true); err != nil {
			return err
		}
		if v := e.view.Load(); v.seq != p.seq {
			nv := *v
			nv.seq = p.seq
			e.view.Store(&nv)
		}
		v := e.view.Load()
		if dead := v.ndocs - uint32(v.live.card()); dead >= compactMinDead && dead > v.ndocs/4 {
			return e.compact()
		}
		return nil
	})
}
