package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/jobcrawl/jobcrawl/index"
)

// writer is the state only the writer reads (under Engine.wmu): Go maps
// for the lookups indexing does once per word and per value, which the
// views' dicts would make slow. Everything in it can be rebuilt from a view.
type writer struct {
	docs   map[string]uint32          // id → docnum of the current records
	terms  map[string]*termState      // word → term
	values [nFacets]map[string]uint32 // folded value → value id, per facet
	gen    uint64                     // the last write's generation (see column)

	sinceSnapshot int // records changed since the last snapshot was asked for
}

func newWriter() *writer {
	w := &writer{docs: map[string]uint32{}, terms: map[string]*termState{}}
	for i := range w.values {
		w.values[i] = map[string]uint32{}
	}
	return w
}

// writerOf rebuilds the writer's maps from a view (after loading a
// snapshot or compacting).
func writerOf(v *view) (*writer, error) {
	w := newWriter()
	v.live.each(func(d uint32) bool {
		w.docs[v.ids.at(d)] = d
		return true
	})
	for id := range v.nterms {
		w.terms[v.terms.at(id)] = &termState{id: id}
	}
	for f := range v.facets {
		fx := &v.facets[f]
		for id := range fx.nvalues {
			w.values[f][foldValue(fx.values.at(id).display)] = id
		}
	}
	return w, nil
}

// termState is the writer's entry of a term: its id, and the postings a
// batch adds to it, staged where one map lookup per word finds them.
type termState struct {
	id   uint32
	gen  uint64   // the batch pend belongs to
	pend []uint64 // docnum << 3 | field, ascending
}

// batch stages one write: the next view, built from the current one with
// copy-on-write, and what the writer's maps will learn once the store has
// committed. A batch that fails is dropped whole: nothing it did is
// reachable from the published view or the writer's maps.
type batch struct {
	v   *view
	gen uint64
	w   *writer

	docs      map[string]int64      // id → new docnum, -1: deleted (over w.docs)
	terms     map[string]*termState // new terms
	newTerms  []dictEntry
	touched   []*termState // terms with postings to add
	values    [nFacets]map[string]uint32
	newValues [nFacets][]dictEntry

	facetAdds [nFacets]map[uint32][]uint32
	moves     map[uint32][2]uint32 // docnum → status value ids + 1 {before the batch, after}
	liveAdd   []uint32
	liveDel   []uint32
	dayAdds   map[int64][]uint32

	changed int    // records changed
	tok     []byte // tokenizer scratch
	vals    []uint32
}

// newBatch starts a write over the current view, at sequence number seq.
func (e *Engine) newBatch(seq uint64) *batch {
	v := *e.view.Load() // a shallow copy: its parts are copied as the batch changes them
	v.seq = seq
	e.w.gen++
	b := &batch{v: &v, gen: e.w.gen, w: e.w, docs: map[string]int64{}, terms: map[string]*termState{},
		moves: map[uint32][2]uint32{}, dayAdds: map[int64][]uint32{}}
	for i := range b.values {
		b.values[i] = map[string]uint32{}
		b.facetAdds[i] = map[uint32][]uint32{}
	}
	return b
}

// docnum returns the current docnum of id.
func (b *batch) docnum(id string) (uint32, bool) {
	if d, ok := b.docs[id]; ok {
		return uint32(d), d >= 0
	}
	d, ok := b.w.docs[id]
	return d, ok
}

// term returns the state of word, adding it to the vocabulary when new,
// with its staged postings reset for this batch.
func (b *batch) term(word []byte) *termState {
	ts, ok := b.w.terms[string(word)]
	if !ok {
		if ts, ok = b.terms[string(word)]; !ok {
			id := b.v.nterms
			b.v.nterms++
			s := string(word)
			ts = &termState{id: id}
			b.terms[s] = ts
			b.newTerms = append(b.newTerms, dictEntry{s, id})
			b.v.terms.set(b.gen, id, s)
		}
	}
	if ts.gen != b.gen {
		ts.gen, ts.pend = b.gen, ts.pend[:0]
		b.touched = append(b.touched, ts)
	}
	return ts
}

// valueID returns the id of a facet value, adding it when new.
func (b *batch) valueID(f int, folded, display string) uint32 {
	if id, ok := b.w.values[f][folded]; ok {
		return id
	}
	if id, ok := b.values[f][folded]; ok {
		return id
	}
	fx := &b.v.facets[f]
	id := fx.nvalues
	fx.nvalues++
	b.values[f][folded] = id
	b.newValues[f] = append(b.newValues[f], dictEntry{folded, id})
	fx.values.set(b.gen, id, &facetValue{display: display})
	return id
}

// add indexes r (normalized) under a new docnum, tombstoning the docnum
// of the record it replaces.
func (b *batch) add(r *index.Record) {
	if old, ok := b.docnum(r.ID); ok {
		b.liveDel = append(b.liveDel, old)
	}
	v := b.v
	d := v.ndocs
	v.ndocs++
	b.docs[r.ID] = int64(d)
	b.liveAdd = append(b.liveAdd, d)
	b.changed++
	v.ids.set(b.gen, d, r.ID)

	for f, tf := range textFields {
		p := uint64(d)<<3 | uint64(f)
		tf.text(r, func(s string) {
			b.tok = tokenize(s, b.tok, func(w []byte) {
				// fields are read one after the other: a word seen again
				// in this field of this document ends the pending list
				if ts := b.term(w); len(ts.pend) == 0 || ts.pend[len(ts.pend)-1] != p {
					ts.pend = append(ts.pend, p)
				}
			})
		})
	}

	for f, ff := range facetFields {
		b.vals = b.vals[:0]
		ff.values(r, func(s string) {
			display := strings.TrimSpace(s)
			folded := foldValue(display)
			if folded == "" {
				return // no value, no bucket
			}
			id := b.valueID(f, folded, display)
			if !slices.Contains(b.vals, id) {
				b.vals = append(b.vals, id)
				b.facetAdds[f][id] = append(b.facetAdds[f][id], d)
			}
		})
		fx := &v.facets[f]
		switch {
		case ff.multi:
			var ids []uint32
			if len(b.vals) > 0 {
				ids = slices.Clone(b.vals)
			}
			fx.many.set(b.gen, d, ids)
		case len(b.vals) > 0:
			fx.one.set(b.gen, d, b.vals[0]+1)
		default:
			fx.one.set(b.gen, d, 0)
		}
	}

	v.datePosted.set(b.gen, d, r.DatePostedTS)
	v.firstSeen.set(b.gen, d, r.FirstSeenTS)
	v.lastSeen.set(b.gen, d, r.LastSeenTS)
	v.salaryMin.set(b.gen, d, r.SalaryMin)
	v.salaryMax.set(b.gen, d, r.SalaryMax)
	v.title.set(b.gen, d, strings.ToLower(r.Title))
	b.dayAdds[r.DatePostedTS] = append(b.dayAdds[r.DatePostedTS], d)
}

// remove tombstones the record id; it reports whether there was one.
func (b *batch) remove(id string) bool {
	d, ok := b.docnum(id)
	if ok {
		b.liveDel = append(b.liveDel, d)
		b.docs[id] = -1
		b.changed++
	}
	return ok
}

// touch moves docnum d's last_seen sort key and status facet to r's, a
// touched record: no text is read or indexed.
func (b *batch) touch(d uint32, r *index.Record) {
	b.changed++
	if b.v.lastSeen.at(d) != r.LastSeenTS {
		b.v.lastSeen.set(b.gen, d, r.LastSeenTS)
	}
	fx := &b.v.facets[facetStatus]
	var now uint32
	if folded := foldValue(r.Status); folded != "" {
		now = b.valueID(facetStatus, folded, strings.TrimSpace(r.Status)) + 1
	}
	before := fx.one.at(d)
	if before == now {
		return
	}
	mv, ok := b.moves[d]
	if !ok {
		mv[0] = before
	}
	mv[1] = now
	b.moves[d] = mv
	fx.one.set(b.gen, d, now)
}

// apply builds the batch's docsets and dictionaries into b.v.
func (b *batch) apply() error {
	v := b.v
	var err error
	if v.vocab, err = v.vocab.withAdded(b.newTerms); err != nil {
		return err
	}
	var byField [nText][]uint32
	for _, ts := range b.touched {
		for f := range byField {
			byField[f] = byField[f][:0]
		}
		for _, p := range ts.pend {
			byField[p&7] = append(byField[p&7], uint32(p>>3))
		}
		var tp *termPosts
		if int(ts.id>>chunkBits) < len(v.posts.chunks) {
			tp = v.posts.at(ts.id)
		}
		for f, ds := range byField {
			if len(ds) > 0 {
				tp = tp.with(f, tp.field(f).withAdded(ds))
			}
		}
		v.posts.set(b.gen, ts.id, tp)
		if cap(ts.pend) > 1024 { // do not keep a large buffer per term
			ts.pend = nil
		}
	}

	for f := range v.facets {
		fx := &v.facets[f]
		if fx.dict, err = fx.dict.withAdded(b.newValues[f]); err != nil {
			return err
		}
		for id, ds := range b.facetAdds[f] {
			fv := fx.values.at(id)
			fx.values.set(b.gen, id, &facetValue{display: fv.display, docs: fv.docs.withAdded(ds)})
		}
	}
	if len(b.moves) > 0 {
		fx := &v.facets[facetStatus]
		adds, dels := map[uint32][]uint32{}, map[uint32][]uint32{}
		for d, mv := range b.moves {
			if mv[0] == mv[1] {
				continue
			}
			if mv[0] != 0 {
				dels[mv[0]-1] = append(dels[mv[0]-1], d)
			}
			if mv[1] != 0 {
				adds[mv[1]-1] = append(adds[mv[1]-1], d)
			}
		}
		for id, ds := range dels {
			slices.Sort(ds)
			fv := fx.values.at(id)
			fx.values.set(b.gen, id, &facetValue{display: fv.display, docs: fv.docs.withRemoved(ds)})
		}
		for id, ds := range adds {
			slices.Sort(ds)
			fv := fx.values.at(id)
			fx.values.set(b.gen, id, &facetValue{display: fv.display, docs: fv.docs.withAdded(ds)})
		}
	}

	slices.Sort(b.liveDel)
	v.live = v.live.withAdded(b.liveAdd).withRemoved(b.liveDel)
	v.days = v.days.withAdded(b.dayAdds)
	return nil
}

// commit merges what the batch learnt into the writer's maps, once the
// store has committed it.
func (b *batch) commit() {
	w := b.w
	for id, d := range b.docs {
		if d < 0 {
			delete(w.docs, id)
		} else {
			w.docs[id] = uint32(d)
		}
	}
	for s, ts := range b.terms {
		w.terms[s] = ts
	}
	for f := range b.values {
		for s, id := range b.values[f] {
			w.values[f][s] = id
		}
	}
	w.sinceSnapshot += b.changed
}

// write runs one write: stage fills the batch and writes the store inside
// one bbolt transaction; the batch's view is published once it committed.
func (e *Engine) write(ctx context.Context, stage func(tx *bbolt.Tx, b *batch) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	if e.closed.Load() {
		return ErrClosed
	}
	var b *batch
	err := e.db.Update(func(tx *bbolt.Tx) error {
		b = e.newBatch(readSeq(tx) + 1)
		if err := stage(tx, b); err != nil {
			return err
		}
		if b.changed == 0 {
			return errNothing
		}
		if err := putSeq(tx, b.v.seq); err != nil {
			return err
		}
		return b.apply()
	})
	if errors.Is(err, errNothing) {
		return nil
	}
	if err != nil {
		return err
	}
	b.commit()
	e.view.Store(b.v)
	e.afterWrite()
	e.releaseMapped()
	return nil
}

// errNothing rolls back a write that changed nothing.
var errNothing = errors.New("nothing to write")

// Upsert implements index.Index: the records are in the store (fsynced)
// and searchable when it returns. A batch is one transaction: a search sees
// all of it or none of it.
func (e *Engine) Upsert(ctx context.Context, recs []index.Record) error {
	if len(recs) == 0 {
		return nil
	}
	for i := range recs {
		if recs[i].ID == "" {
			return fmt.Errorf("upsert: record %d has no id", i)
		}
	}
	err := e.write(ctx, func(tx *bbolt.Tx, b *batch) error {
		for i := range recs {
			r := recs[i]
			r.Normalize()
			if err := putRecord(tx, b.v.seq, &r); err != nil {
				return err
			}
			b.add(&r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("upsert %d records: %w", len(recs), err)
	}
	return nil
}

// Delete implements index.Index.
func (e *Engine) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	err := e.write(ctx, func(tx *bbolt.Tx, b *batch) error {
		for _, id := range ids {
			if b.remove(id) {
				if err := deleteRecord(tx, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete %d records: %w", len(ids), err)
	}
	return nil
}

// Touch implements index.Index: it rewrites the records' bookkeeping in the
// store and moves their last_seen sort key and status facet in the index;
// no text is read, tokenized or indexed.
func (e *Engine) Touch(ctx context.Context, touches []index.Touch) error {
	if len(touches) == 0 {
		return nil
	}
	err := e.write(ctx, func(tx *bbolt.Tx, b *batch) error {
		bks := tx.Bucket(bucketBooks)
		for _, t := range touches {
			d, ok := b.docnum(t.ID)
			if !ok {
				continue
			}
			raw := bks.Get([]byte(t.ID))
			if raw == nil {
				continue
			}
			bk, err := decodeBooks(raw)
			if err != nil {
				return fmt.Errorf("decode bookkeeping of %s: %w", t.ID, err)
			}
			var r index.Record
			bk.apply(&r)
			t.Apply(&r)
			bk = booksOf(&r)
			val, err := encodeBooks(b.v.seq, binary.BigEndian.Uint64(booksKey(raw)), &bk)
			if err != nil {
				return fmt.Errorf("encode bookkeeping of %s: %w", t.ID, err)
			}
			if err := bks.Put([]byte(t.ID), val); err != nil {
				return err
			}
			b.touch(d, &r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("touch %d records: %w", len(touches), err)
	}
	return nil
}
