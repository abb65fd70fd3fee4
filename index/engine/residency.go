package engine

import (
	"time"

	"go.etcd.io/bbolt"
)

// The record store is a bbolt file, which bbolt reads through a shared
// memory map. A write makes bbolt read back the pages it rewrites — with
// records of several kilobytes, the record written just before — so over
// a crawl every page of the file is faulted into the mapping once and
// counted in the process's resident memory, although nothing needs it
// again: the records are read only for a page of hits. After its writes
// the engine tells the kernel it does not need the mapped pages
// (MADV_DONTNEED on a shared file mapping drops them from the process,
// not from the file or the page cache: a later read faults them back), so
// the process's memory does not grow with the size of the store.

// Searches fault pages in too: each hit read is at least a page of the
// file, anywhere in it, so a steady flow of searches on a read-only index
// would end with the whole file resident. Searches count the pages they
// read, and the search that passes readRelease releases the mapping (see
// releaseRead).

// Releasing costs the next writes their faults on the pages they need again
// (the books' tree): the pages are released when the store has grown by
// releaseGrowth since the last time, or releaseEvery has passed.
const (
	releaseGrowth = 4 << 20
	releaseEvery  = 5 * time.Second
	readRelease   = 16 << 20
	pageSize      = 4096
	pagesPerHit   = 4
)

// releaseMapped releases the store's mapped pages when it is time. The
// caller holds the write lock, so bbolt does not remap the file meanwhile.
func (e *Engine) releaseMapped() {
	var size int64
	if err := e.db.View(func(tx *bbolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return
	}
	if size-e.releasedSize < releaseGrowth && time.Since(e.released) < releaseEvery {
		return
	}
	e.released, e.releasedSize = time.Now(), size
	dontNeed(e.db.Info().Data, size)
}

// releaseRead counts the pages a search read (a hit's record is reached
// through the id's book and the record's tree: about pagesPerHit pages)
// and releases the store's mapped pages once readRelease bytes were
// read since the last release. It runs inside the search's read
// transaction, which keeps bbolt from remapping the file meanwhile.
func (e *Engine) releaseRead(tx *bbolt.Tx, hits int) {
	if e.readSince.Add(int64(hits)*pagesPerHit*pageSize) < readRelease || !e.releasing.CompareAndSwap(false, true) {
		return
	}
	defer e.releasing.Store(false)
	e.readSince.Store(0)
	dontNeed(e.db.Info().Data, tx.Size())
}
