package embedded

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/engine"
)

var _ index.Scanner = (*Index)(nil)

// ErrNeedsIndex is returned by ScanDir for a query with text or a sort,
// which only the search index answers: Open the index and Scan it.
var ErrNeedsIndex = engine.ErrNeedsIndex

// ScanDir streams the records of the index in dir that q's filters keep,
// in id order, from the record store alone, without loading the search
// index: memory stays at one page of records whatever the size of the
// index (the way `jobcrawl export` reads a query without text or sort).
// It fails with ErrNeedsIndex for a query with text or a sort, and for a
// data directory that holds only an earlier jobcrawl's index (Open moves
// it first); with ErrLocked while another process has the index open.
func ScanDir(ctx context.Context, dir string, q index.Query, fn func(index.Record) error) error {
	if !exists(filepath.Join(dir, engine.DBFile)) {
		if exists(filepath.Join(dir, legacyDir)) {
			return ErrNeedsIndex
		}
		return errors.New("no index in " + dir)
	}
	return engine.ScanStore(ctx, dir, q, fn)
}
