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

// releaseEvery is how often at most the mapped pages are released.
const releaseEvery = 20 * time.Millisecond

// releaseMapped releases the store's mapped pages when releaseEvery has
// passed since the last time. The caller holds the write lock, so bbolt
// does not remap the file meanwhile.
func (e *Engine) releaseMapped() {
	if time.Since(e.released) < releaseEvery {
		return
	}
	e.released = time.Now()
	var size int64
	if err := e.db.View(func(tx *bbolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return
	}
	dontNeed(e.db.Info().Data, size)
}
