package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/jobcrawl/jobcrawl/index"
)

var _ index.Scanner = (*Engine)(nil)

// scanPage is how many records Scan reads per store transaction: no
// transaction stays open while fn runs (fn may write to a slow client,
// or to the index).
const scanPage = 256

// matchSet is the set of live docnums matching q's text and filters, as
// search computes it.
func (v *view) matchSet(q *index.Query) (docset, error) {
	tm, err := v.matchText(q.Text)
	if err != nil {
		return nil, err
	}
	var parts []docset
	if tm != nil {
		parts = append(parts, tm.parts...)
	}
	parts = append(parts, v.live)
	for _, f := range q.Filters {
		parts = append(parts, v.filterSet(f))
	}
	return andAll(parts...), nil
}

// Scan implements index.Scanner on the search index: the matches of q's
// text (with the same typo and prefix rules as Search) and filters are
// computed as a bitmap on the current view, then their records are read
// from the store scanPage at a time. Without a sort they come in docnum
// order (about the order they were last written); with one, in its order
// then by id, which costs a slice of 4 bytes per match. Memory is the
// bitmap, that slice, and one page of records. A record changed after the
// scan began comes in its new state; one deleted since is skipped.
func (e *Engine) Scan(ctx context.Context, q index.Query, fn func(index.Record) error) error {
	if err := q.Validate(); err != nil {
		return err
	}
	if e.closed.Load() {
		return ErrClosed
	}
	v := e.view.Load()
	match, err := v.matchSet(&q)
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	ids := make([]string, 0, scanPage)
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		page, err := e.readPage(ctx, ids)
		ids = ids[:0]
		if err != nil {
			return err
		}
		for i := range page {
			if err := fn(page[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if len(q.Sort) > 0 {
		keys := make([]sortKey, len(q.Sort))
		for i, s := range q.Sort {
			keys[i] = sortKey{slices.Index(sortFields, s.Field), s.Desc}
		}
		docs := make([]uint32, 0, match.card())
		match.each(func(d uint32) bool { docs = append(docs, d); return true })
		slices.SortFunc(docs, func(a, b uint32) int { return v.compare(keys, a, b) })
		for _, d := range docs {
			ids = append(ids, v.ids.at(d))
			if len(ids) == scanPage {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	}
	match.each(func(d uint32) bool {
		ids = append(ids, v.ids.at(d))
		if len(ids) == scanPage {
			err = flush()
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// readPage reads the records of ids in one store transaction, skipping
// those deleted since, and then lets the kernel drop the store's mapped
// pages (see residency.go), so a scan of the whole store does not leave it
// resident.
func (e *Engine) readPage(ctx context.Context, ids []string) ([]index.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if e.closed.Load() {
		return nil, ErrClosed
	}
	page := make([]index.Record, 0, len(ids))
	err := e.db.View(func(tx *bbolt.Tx) error {
		for _, id := range ids {
			r, _, ok, err := readRecord(tx, id)
			if err != nil {
				return err
			}
			if ok {
				page = append(page, r)
			}
		}
		// A scan reads records all over the store, and the kernel maps the
		// pages around each one it faults in: released every page, the
		// mapping stays at about one page of records.
		dontNeed(e.db.Info().Data, tx.Size())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	return page, nil
}

// ErrNeedsIndex is returned by ScanStore for a query it cannot answer from
// the store alone: one with text or a sort.
var ErrNeedsIndex = errors.New("query needs the search index")

// storeRelease is how many bytes of records ScanStore reads between two
// releases of the store's mapped pages. It is small: the kernel maps the
// pages around every page faulted in (fault-around, 64 KB), so reading
// records in id order, all over the file, maps many times what it reads
// (16 MB between releases peaked at 140 MB of mapped file).
const storeRelease = 1 << 20

// ScanStore streams the records of the index in dir that q's filters keep
// (compared as Search compares them: each value of the field, trimmed,
// whatever its case), reading the record store only: it never loads the
// search index, so its memory is one page of records whatever the size of
// the index. Records come in id order. It cannot answer a query with text
// or a sort (ErrNeedsIndex: open the index and use Scan). It opens the
// store read-only, so it fails with ErrLocked while another process has
// the index open, and it reads nothing from dir when dir holds no store.
func ScanStore(ctx context.Context, dir string, q index.Query, fn func(index.Record) error, opts ...Option) error {
	if err := q.Validate(); err != nil {
		return err
	}
	if words := queryWords(q.Text); len(words) > 0 || len(q.Sort) > 0 {
		return ErrNeedsIndex
	}
	o := options{lockWait: 3 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	path := filepath.Join(dir, dbFile)
	db, err := bbolt.Open(path, 0o644, &bbolt.Options{ReadOnly: true, Timeout: o.lockWait})
	if errors.Is(err, bbolt.ErrTimeout) {
		return fmt.Errorf("open index %s: %w (a running jobcrawl daemon or crawl?)", path, ErrLocked)
	}
	if err != nil {
		return fmt.Errorf("open index %s: %w", path, err)
	}
	defer db.Close()
	// the filters as sets of folded values, per facet field
	type clause struct {
		field int
		want  map[string]bool
	}
	clauses := make([]clause, 0, len(q.Filters))
	for _, f := range q.Filters {
		c := clause{field: facetNum(f.Field), want: map[string]bool{}}
		for _, v := range f.Values {
			if folded := foldValue(v); folded != "" { // as filterSet: an empty value matches nothing
				c.want[folded] = true
			}
		}
		clauses = append(clauses, c)
	}
	keep := func(r *index.Record) bool {
		for _, c := range clauses {
			hit := false
			facetFields[c.field].values(r, func(s string) {
				if !hit && s != "" && c.want[foldValue(s)] {
					hit = true
				}
			})
			if !hit {
				return false
			}
		}
		return true
	}
	var after []byte // the last id read
	var read int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page := make([]index.Record, 0, scanPage)
		done := false
		err := db.View(func(tx *bbolt.Tx) error {
			bks, recs := tx.Bucket(bucketBooks), tx.Bucket(bucketRecords)
			if bks == nil || recs == nil {
				done = true
				return nil
			}
			c := bks.Cursor()
			var k, bv []byte
			if after == nil {
				k, bv = c.First()
			} else if k, bv = c.Seek(after); k != nil && string(k) == string(after) {
				k, bv = c.Next()
			}
			n := 0
			for ; k != nil && n < scanPage; k, bv = c.Next() {
				n++
				after = append(after[:0], k...)
				raw := recs.Get(booksKey(bv))
				if raw == nil {
					continue
				}
				read += int64(len(raw) + len(bv))
				var r index.Record
				if err := decodeContent(raw, &r); err != nil {
					return fmt.Errorf("decode record %s: %w", k, err)
				}
				b, err := decodeBooks(bv)
				if err != nil {
					return fmt.Errorf("decode bookkeeping of %s: %w", k, err)
				}
				b.apply(&r)
				if keep(&r) {
					page = append(page, r)
				}
			}
			done = k == nil
			if read >= storeRelease {
				read = 0
				dontNeed(db.Info().Data, tx.Size())
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("scan %s: %w", path, err)
		}
		for i := range page {
			if err := fn(page[i]); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
}
