// Package embedded is the default index backend: the search engine of
// index/engine on local disk, inside jobcrawl's data directory, needing no
// server. A data directory written by an earlier jobcrawl (a Bleve index in
// index.bleve) is moved into the engine the first time it is opened.
package embedded

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/bleveidx"
	"github.com/jobcrawl/jobcrawl/index/engine"
)

// Index is the embedded index.
type Index = engine.Engine

// ErrLocked is returned by Open when another process holds the index: the
// embedded index serves one process at a time.
var ErrLocked = engine.ErrLocked

var _ index.Index = (*Index)(nil)

// legacyDir is where jobcrawl's earlier releases kept their Bleve index.
const legacyDir = "index.bleve"

// migrateBatch is how many records go to the engine at a time when an old
// index is moved.
const migrateBatch = 500

// Open opens the index in dir (created when missing).
func Open(dir string) (*Index, error) {
	fresh := !exists(filepath.Join(dir, engine.DBFile))
	ix, err := engine.Open(dir)
	if err != nil {
		return nil, err
	}
	if fresh && exists(filepath.Join(dir, legacyDir)) {
		if err := migrate(ix, dir); err != nil {
			ix.Close()
			os.Remove(filepath.Join(dir, engine.DBFile))
			return nil, err
		}
	}
	return ix, nil
}

// Exists reports whether dir holds an embedded index (of this release or
// an earlier one), so that a reader can say "nothing crawled yet" instead of
// creating an empty one.
func Exists(dir string) bool {
	return exists(filepath.Join(dir, engine.DBFile)) || exists(filepath.Join(dir, legacyDir))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// migrate moves every record of the Bleve index in dir/index.bleve into
// ix, then renames the old index out of the way (index.bleve.migrated),
// where it can be deleted.
func migrate(ix *Index, dir string) error {
	old, err := bleveidx.Open(dir)
	if err != nil {
		return fmt.Errorf("move the index of an earlier jobcrawl (%s) into the new engine: %w", legacyDir, err)
	}
	ctx := context.Background()
	batch := make([]index.Record, 0, migrateBatch)
	flush := func() error {
		if err := ix.Upsert(ctx, batch); err != nil {
			return err
		}
		batch = batch[:0]
		return nil
	}
	err = old.All(ctx, func(r index.Record) error {
		batch = append(batch, r)
		if len(batch) == migrateBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if cerr := old.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = ix.Flush(ctx)
	}
	if err == nil {
		err = os.Rename(filepath.Join(dir, legacyDir), filepath.Join(dir, legacyDir+".migrated"))
	}
	if err != nil {
		return fmt.Errorf("move the index of an earlier jobcrawl (%s) into the new engine: %w", legacyDir, err)
	}
	return nil
}
