package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/engine"
)

// ErrShrunk is wrapped by the error of a Rebuild that refused to switch to
// an index holding more than ShrinkLimit fewer records than the live one.
var ErrShrunk = errors.New("the rebuilt index is too small")

// ShrinkLimit is the share of the live index's records a rebuilt index may
// lack and still go live (unless RebuildOptions.AllowShrink).
const ShrinkLimit = 0.10

// rebuildDir is where Rebuild builds the new index, inside the index's
// directory (so that renaming its files into place is atomic).
const rebuildDir = "engine.rebuild"

// snapFile is the engine's snapshot file (see the engine's package doc).
const snapFile = "engine.snap"

// rebuildPage is how many records Rebuild reads and writes at a time.
const rebuildPage = 1000

// lockWait is how long Rebuild waits for another process to release the
// index before it fails with ErrLocked.
var lockWait = 3 * time.Second

// RebuildOptions are Rebuild's knobs. The zero value rebuilds with the
// defaults.
type RebuildOptions struct {
	// AllowShrink switches to the rebuilt index even when it holds more
	// than ShrinkLimit fewer records than the live one.
	AllowShrink bool
	// Fence, when set, is called right before the switch; when it fails,
	// nothing is switched, the new index is deleted and its error returned.
	Fence func(ctx context.Context) error
	// Progress, when set, is called as the copy goes, with the records
	// copied so far and how many the live index holds.
	Progress func(copied, total int64)
}

// RebuildReport says what a Rebuild did.
type RebuildReport struct {
	Dir       string   // the index's directory
	Leftovers []string // what earlier rebuilds that did not finish left, deleted
	Copied    int64    // records copied
	OldCount  int64    // records in the index before
	NewCount  int64    // records in the rebuilt index
	Duration  time.Duration
}

// Test hooks: copyHook sees (and may change) each page before it is
// written; crashAt, when it returns an error at a step of the switch
// ("new index built", "store switched", "snapshot switched"), makes Rebuild
// stop there as a crash would, leaving the files as they are.
var (
	copyHook func([]index.Record) []index.Record
	crashAt  func(step string) error
)

// Rebuild builds the embedded index in dir afresh from its records, beside
// it (in dir/engine.rebuild), and switches to the new one. It needs the
// index to itself: while a daemon or a crawl has it open, it fails at once
// with an error wrapping ErrLocked, and no other process can open it until
// it returns. The copy reads the records a page at a time, so memory stays
// bounded. A new index holding more than ShrinkLimit fewer records than
// the live one is refused (ErrShrunk) unless AllowShrink.
//
// The switch renames the new record store over the live one (one atomic
// rename: a crash leaves either the old or the new store in place, each
// complete), then the new snapshot over the old (a store meeting another
// store's snapshot ignores it and re-indexes its records on Open, so a
// crash between the two costs time, not records). What a crash or an
// interruption leaves in dir/engine.rebuild is deleted by the next Rebuild.
func Rebuild(ctx context.Context, dir string, opts RebuildOptions) (rep RebuildReport, err error) {
	start := time.Now()
	rep.Dir = dir
	if !Exists(dir) {
		return rep, fmt.Errorf("rebuild: there is no index in %s", dir)
	}
	var live *Index
	if exists(filepath.Join(dir, engine.DBFile)) {
		live, err = engine.Open(dir, engine.WithLockWait(lockWait))
	} else {
		live, err = Open(dir) // an earlier jobcrawl's index: moved first
	}
	if err != nil {
		return rep, fmt.Errorf("rebuild the index in %s: %w", dir, err)
	}
	defer func() {
		if live != nil {
			if cerr := live.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("rebuild the index in %s: close it: %w", dir, cerr)
			}
		}
	}()
	// only now that the index is ours: an earlier rebuild's leftovers
	tmp := filepath.Join(dir, rebuildDir)
	if _, err := os.Lstat(tmp); err == nil {
		if err := os.RemoveAll(tmp); err != nil {
			return rep, fmt.Errorf("rebuild: delete what an earlier rebuild left: %w", err)
		}
		rep.Leftovers = append(rep.Leftovers, tmp)
	}
	// a snapshot of the live index now, so that closing it after the
	// switch writes none over the new one's
	if err := live.Flush(ctx); err != nil {
		return rep, fmt.Errorf("rebuild: %w", err)
	}
	st, err := live.Stats(ctx)
	if err != nil {
		return rep, fmt.Errorf("rebuild: %w", err)
	}
	rep.OldCount = st.Documents

	crashed := false
	nw, err := engine.Open(tmp)
	if err != nil {
		return rep, fmt.Errorf("rebuild: create the new index: %w", err)
	}
	defer func() {
		if nw != nil {
			nw.Close()
		}
		if err != nil && !crashed {
			os.RemoveAll(tmp)
		}
	}()
	if rep.Copied, err = copyRecords(ctx, live, nw, rep.OldCount, opts.Progress); err != nil {
		return rep, fmt.Errorf("rebuild: copy: %w", err)
	}
	if err := nw.Flush(ctx); err != nil {
		return rep, fmt.Errorf("rebuild: %w", err)
	}
	if st, err = nw.Stats(ctx); err != nil {
		return rep, fmt.Errorf("rebuild: %w", err)
	}
	rep.NewCount = st.Documents
	err = nw.Close()
	nw = nil
	if err != nil {
		return rep, fmt.Errorf("rebuild: close the new index: %w", err)
	}
	if !opts.AllowShrink && float64(rep.NewCount) < (1-ShrinkLimit)*float64(rep.OldCount) {
		return rep, fmt.Errorf("rebuild the index in %s: %w: it holds %d records, the live index %d (%.0f%% fewer, more than %.0f%%); the live index is unchanged",
			dir, ErrShrunk, rep.NewCount, rep.OldCount, 100*(1-float64(rep.NewCount)/float64(rep.OldCount)), 100*ShrinkLimit)
	}
	if opts.Fence != nil {
		if err := opts.Fence(ctx); err != nil {
			return rep, fmt.Errorf("rebuild the index in %s: not switched: %w", dir, err)
		}
	}
	crash := func(step string) bool {
		if crashAt != nil && crashAt(step) != nil {
			crashed = true
			return true
		}
		return false
	}
	if crash("new index built") {
		return rep, errors.New("rebuild: crashed with the new index built")
	}

	// The switch. The live store stays open (and locked) while the new one
	// is renamed over it, so that no other process opens the old one
	// meanwhile; a system that refuses to rename over an open file gets
	// it closed first.
	newDB, liveDB := filepath.Join(tmp, engine.DBFile), filepath.Join(dir, engine.DBFile)
	if err := os.Rename(newDB, liveDB); err != nil {
		cerr := live.Close()
		live = nil
		if cerr != nil {
			return rep, fmt.Errorf("rebuild: close the live index: %w", cerr)
		}
		if err := os.Rename(newDB, liveDB); err != nil {
			return rep, fmt.Errorf("rebuild: switch to the new index: %w", err)
		}
	}
	if crash("store switched") {
		return rep, errors.New("rebuild: crashed with the store switched")
	}
	if live != nil {
		cerr := live.Close()
		live = nil
		if cerr != nil {
			return rep, fmt.Errorf("rebuild: switched, but closing the old index failed: %w", cerr)
		}
	}
	if err := os.Rename(filepath.Join(tmp, snapFile), filepath.Join(dir, snapFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return rep, fmt.Errorf("rebuild: switched, but the new snapshot could not be moved (the next start re-indexes): %w", err)
	}
	if crash("snapshot switched") {
		return rep, errors.New("rebuild: crashed with the snapshot switched")
	}
	syncDir(dir)
	if err := os.RemoveAll(tmp); err != nil {
		return rep, fmt.Errorf("rebuild: switched, but %s could not be deleted (the next rebuild deletes it): %w", tmp, err)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// copyRecords copies every record of src into dst, a page at a time: it
// pages through all of src's records (an empty query, in its stable order:
// nothing else writes to it meanwhile), so every record is reached
// whatever its site's spelling.
func copyRecords(ctx context.Context, src, dst *Index, total int64, progress func(copied, total int64)) (int64, error) {
	var copied int64
	for offset := 0; ; offset += rebuildPage {
		res, err := src.Search(ctx, index.Query{Limit: rebuildPage, Offset: offset})
		if err != nil {
			return copied, err
		}
		recs := res.Hits
		if copyHook != nil {
			recs = copyHook(recs)
		}
		if err := dst.Upsert(ctx, recs); err != nil {
			return copied, err
		}
		copied += int64(len(recs))
		if progress != nil {
			progress(copied, max(total, copied))
		}
		if len(res.Hits) < rebuildPage {
			return copied, nil
		}
	}
}

// syncDir makes the renames in dir durable where the system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
