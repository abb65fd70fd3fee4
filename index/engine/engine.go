// Package engine is an embedded search engine for posting records, built
// the way Meilisearch and Typesense are: an inverted index of roaring
// bitmaps, a vellum FST of the vocabulary for prefix and typo-tolerant
// lookups, facet bitmaps, dense sort columns and a bbolt record store. It
// implements index.Index in pure Go with no server.
//
// # Files
//
// Open(dir) keeps two files in dir:
//
//	engine.db    the records (bbolt): the source of truth, fsynced on every
//	             write, locked by the process that has it open (see store.go)
//	engine.snap  a snapshot of the search index, so Open does not
//	             re-tokenize every record (see snapshot.go); written on Close,
//	             on Flush, and in the background after large writes (see
//	             WithSnapshotEvery); engine.snap.tmp while it is written
//
// A crash loses nothing Upsert, Touch or Delete returned for: Open brings
// an older snapshot up to date by re-indexing the records written since,
// and rebuilds a missing or unreadable one from the records.
//
// # Design
//
// Records get dense uint32 document numbers. The search index maps each
// (searchable field, word) and each (facet field, value) to a docset, a
// roaring bitmap per block of 65,536 docnums, and keeps the sort keys in
// columns indexed by docnum. An update tombstones the old docnum and
// indexes the record under a new one; compaction renumbers when tombstones
// exceed a quarter of the docnums.
//
// One writer at a time (a mutex) builds the next view with copy-on-write
// and publishes it with an atomic pointer store; searches read immutable
// views, so writing never blocks a search and a search never sees half a
// batch. The records of a page of hits are the only ones a search reads
// from the store.
//
// Search semantics: every query word must match (the last one also as a
// prefix), with typo tolerance (none under 5 letters, 1 from 5, 2 from 9;
// a Levenshtein automaton walks the vocabulary FST, see fuzzy.go);
// results are ranked by typos, then by the best attribute every word
// matches in (title first, description last), then date_posted (newest
// first), then id; filters are OR-ed within a field and AND-ed across
// fields, and compared case-insensitively; facet counts are disjunctive.
// See search.go.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"github.com/jobcrawl/jobcrawl/index"
)

// dbFile is the record store's file name in the index directory.
const dbFile = "engine.db"

// DBFile is the name of the engine's record store in its directory: an
// index is there when this file is.
const DBFile = dbFile

// ErrLocked is returned (wrapped) by Open when another process has the
// index open: the embedded engine serves one process at a time.
var ErrLocked = errors.New("index is in use by another process")

// ErrClosed is returned by the methods of a closed Engine.
var ErrClosed = errors.New("index is closed")

// Engine is the embedded search engine. It is safe for concurrent use.
type Engine struct {
	dir     string
	db      *bbolt.DB
	storeID string
	opts    options

	view         atomic.Pointer[view] // what searches read
	released     time.Time            // when the store's mapped pages were last released (residency.go)
	releasedSize int64                // the store's size then
	readSince    atomic.Int64         // bytes of mapped pages searches touched since the last release
	releasing    atomic.Bool          // a search is releasing the mapped pages
	loaded       string               // how Open made the first view: "snapshot", "snapshot+catch-up" or "rebuild"

	wmu    sync.Mutex // one writer at a time
	w      *writer    // guarded by wmu
	closed atomic.Bool

	snapMu  sync.Mutex // one snapshot write at a time
	snapSeq uint64     // guarded by snapMu: the sequence number the snapshot file holds
	snapErr error      // guarded by snapMu: the last background snapshot's failure
	saveReq chan struct{}
	stop    chan struct{}
	wg      sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

var _ index.Index = (*Engine)(nil)

// options are Open's knobs.
type options struct {
	lockWait      time.Duration
	snapshotEvery int
}

// Option configures Open.
type Option func(*options)

// WithLockWait sets how long Open waits for another process to release
// the index before failing with ErrLocked (default 3 s).
func WithLockWait(d time.Duration) Option { return func(o *options) { o.lockWait = d } }

// WithSnapshotEvery sets after how many changed records (upserted, touched
// or deleted) a snapshot is written in the background: the larger of n and
// a quarter of the index (default 50,000), so writing snapshots costs a
// bounded share of indexing. Whatever is not in the snapshot is re-indexed
// from the store on Open: a snapshot only saves time.
func WithSnapshotEvery(n int) Option { return func(o *options) { o.snapshotEvery = n } }

// Open opens the index in dir, creating dir and the index when missing. It
// fails with an error wrapping ErrLocked when another process has it open.
// A missing, stale or unreadable snapshot is rebuilt from the records.
func Open(dir string, opts ...Option) (*Engine, error) {
	o := options{lockWait: 3 * time.Second, snapshotEvery: 50_000}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create index dir: %w", err)
	}
	path := filepath.Join(dir, dbFile)
	db, err := bbolt.Open(path, 0o644, &bbolt.Options{Timeout: o.lockWait})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("open index %s: %w (a running jobcrawl daemon or crawl?)", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	storeID, err := initStore(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	e := &Engine{dir: dir, db: db, storeID: storeID, opts: o, saveReq: make(chan struct{}, 1), stop: make(chan struct{})}
	save, err := e.load()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	e.wg.Add(1)
	go e.saver()
	if save {
		e.requestSnapshot()
	}
	return e, nil
}

// load makes the first view: the snapshot's, brought up to date, or one
// rebuilt from the store. It reports whether a new snapshot is worth writing.
func (e *Engine) load() (save bool, err error) {
	var seq uint64
	if err := e.db.View(func(tx *bbolt.Tx) error { seq = readSeq(tx); return nil }); err != nil {
		return false, err
	}
	v, storeID, err := readSnapshot(e.dir)
	if err == nil && storeID == e.storeID && v.seq <= seq {
		if e.w, err = writerOf(v); err != nil {
			return false, err
		}
		e.view.Store(v)
		e.snapSeq = v.seq
		if v.seq == seq {
			e.loaded = "snapshot"
			return false, nil
		}
		e.loaded = "snapshot+catch-up"
		return true, e.catchUp(v.seq)
	}
	// no usable snapshot (none, another store's, newer than the store, or corrupt)
	e.loaded = "rebuild"
	e.w = newWriter()
	e.view.Store(&view{seq: seq})
	return seq > 0, e.rebuild()
}

// requestSnapshot asks the background saver for a snapshot of the current view.
func (e *Engine) requestSnapshot() {
	select {
	case e.saveReq <- struct{}{}:
	default: // one is pending: it will take the newest view
	}
}

// saver writes snapshots in the background, from immutable views, so that
// neither writes nor searches wait for them.
func (e *Engine) saver() {
	defer e.wg.Done()
	for {
		select {
		case <-e.stop:
			return
		case <-e.saveReq:
			e.snapMu.Lock()
			e.snapErr = e.saveLocked()
			e.snapMu.Unlock()
		}
	}
}

// saveLocked writes a snapshot of the current view unless the file holds it.
func (e *Engine) saveLocked() error {
	v := e.view.Load()
	if v.seq == e.snapSeq {
		if _, err := os.Stat(filepath.Join(e.dir, snapFile)); err == nil {
			return nil
		}
	}
	if err := writeSnapshot(e.dir, e.storeID, v); err != nil {
		return err
	}
	e.snapSeq = v.seq
	return nil
}

// Flush writes a snapshot of the index now, so that the next Open reads it
// instead of re-indexing what changed since the last one. Records are
// durable without it: every write is committed to the store first.
func (e *Engine) Flush(ctx context.Context) error {
	if e.closed.Load() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	e.snapMu.Lock()
	defer e.snapMu.Unlock()
	return e.saveLocked()
}

// afterWrite runs under wmu once a write is published: compaction when
// tombstones pile up, a background snapshot after many changes.
func (e *Engine) afterWrite() {
	v := e.view.Load()
	live := uint32(v.live.card())
	if dead := v.ndocs - live; dead >= compactMinDead && dead > v.ndocs/4 {
		// a compaction that fails (it cannot, short of a bug in building
		// an FST) leaves the view as it was: tombstones cost only memory
		_ = e.compact()
	}
	if e.w.sinceSnapshot >= max(e.opts.snapshotEvery, int(live/4)) {
		e.w.sinceSnapshot = 0
		e.requestSnapshot()
	}
}

// Close implements index.Index: it waits for a write in progress, writes
// a snapshot when the index changed since the last one, and releases the
// files. It is safe to call more than once.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		e.wmu.Lock()
		e.closed.Store(true)
		e.wmu.Unlock()
		close(e.stop)
		e.wg.Wait()
		e.snapMu.Lock()
		err := e.saveLocked()
		e.snapMu.Unlock()
		e.closeErr = errors.Join(err, e.db.Close())
	})
	return e.closeErr
}

// Stats implements index.Index.
func (e *Engine) Stats(ctx context.Context) (index.Stats, error) {
	if e.closed.Load() {
		return index.Stats{}, ErrClosed
	}
	st := index.Stats{Documents: int64(e.view.Load().live.card())}
	for _, name := range []string{dbFile, snapFile} {
		if fi, err := os.Stat(filepath.Join(e.dir, name)); err == nil {
			st.SizeBytes += fi.Size()
		} else if !errors.Is(err, fs.ErrNotExist) {
			return st, err
		}
	}
	return st, nil
}

// Get implements index.Index.
func (e *Engine) Get(ctx context.Context, id string) (index.Record, error) {
	if e.closed.Load() {
		return index.Record{}, ErrClosed
	}
	var r index.Record
	var ok bool
	err := e.db.View(func(tx *bbolt.Tx) error {
		var err error
		r, _, ok, err = readRecord(tx, id)
		return err
	})
	if err != nil {
		return index.Record{}, err
	}
	if !ok {
		return index.Record{}, fmt.Errorf("%w: %s", index.ErrNotFound, id)
	}
	return r, nil
}

// eachPage is how many records Each and Entries read per store transaction:
// no transaction stays open while fn runs (fn may write to the index).
const eachPage = 256

// Each implements index.Index.
func (e *Engine) Each(ctx context.Context, site string, fn func(index.Record) error) error {
	return e.eachOfSite(ctx, site, true, func(id string, r *index.Record, _ *books) error { return fn(*r) })
}

// Entries implements index.Index: it reads the bookkeeping only, never a
// record's text.
func (e *Engine) Entries(ctx context.Context, site string, fn func(index.Entry) error) error {
	return e.eachOfSite(ctx, site, false, func(id string, _ *index.Record, b *books) error { return fn(b.entry(id)) })
}

// eachOfSite calls fn for each record of site (its full record when
// withRecord), reading them from the store a page at a time. The site's
// documents come from the current view; a record deleted since is skipped.
func (e *Engine) eachOfSite(ctx context.Context, site string, withRecord bool, fn func(id string, r *index.Record, b *books) error) error {
	if e.closed.Load() {
		return ErrClosed
	}
	v := e.view.Load()
	fx := &v.facets[facetSite]
	vid, ok := fx.dict.get([]byte(foldValue(site)))
	if !ok {
		return nil
	}
	docs := and(fx.value(vid).docs, v.live)
	type item struct {
		id string
		r  index.Record
		b  books
	}
	ids := make([]string, 0, eachPage)
	page := make([]item, 0, eachPage)
	flush := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		page = page[:0]
		err := e.db.View(func(tx *bbolt.Tx) error {
			bks := tx.Bucket(bucketBooks)
			for _, id := range ids {
				it := item{id: id}
				if withRecord {
					r, _, ok, err := readRecord(tx, id)
					if err != nil {
						return err
					}
					if !ok || r.Site != site {
						continue
					}
					it.r = r
				} else {
					raw := bks.Get([]byte(id))
					if raw == nil {
						continue
					}
					b, err := decodeBooks(raw)
					if err != nil {
						return fmt.Errorf("decode bookkeeping of %s: %w", id, err)
					}
					if b.Site != site {
						continue
					}
					it.b = b
				}
				page = append(page, it)
			}
			return nil
		})
		if err != nil {
			return err
		}
		ids = ids[:0]
		for i := range page {
			if err := fn(page[i].id, &page[i].r, &page[i].b); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	docs.each(func(d uint32) bool {
		ids = append(ids, v.ids.at(d))
		if len(ids) == eachPage {
			err = flush()
		}
		return err == nil
	})
	if err == nil && len(ids) > 0 {
		err = flush()
	}
	return err
}
