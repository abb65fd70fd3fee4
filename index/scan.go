package index

import (
	"context"
	"errors"
	"fmt"
)

// Scanner is implemented by backends that can stream every record a query
// matches, with no page size and no cap on the depth: what `jobcrawl
// export` and GET /api/export read. Every backend of jobcrawl implements
// it (embedded, Meilisearch, Bleve).
type Scanner interface {
	// Scan calls fn for every record matching q's text and filters, until
	// fn returns an error (which Scan returns). q's Limit, Offset and
	// Facets are ignored. Without q.Sort the order is the backend's own
	// (documented by each); with it, backends that can order by it do (the
	// embedded engine does, at 4 bytes per match). Records are read a page
	// at a time: memory does not grow with the number of matches (beyond
	// what a backend documents). A record written while the scan runs may
	// be seen in its old or its new state, or, if deleted, not at all.
	Scan(ctx context.Context, q Query, fn func(Record) error) error
}

// ErrScanLimit is wrapped by the error of a Scan that cannot reach every
// match (Meilisearch's search with text is bounded by its maxTotalHits).
var ErrScanLimit = errors.New("too many matches to scan")

// ErrNoScan is returned by Scan for an index that does not implement Scanner.
var ErrNoScan = errors.New("this index backend cannot stream records")

// Scan streams the records of q from ix (see Scanner). It validates q
// first: a bad query is an error wrapping ErrBadQuery.
func Scan(ctx context.Context, ix Index, q Query, fn func(Record) error) error {
	q.Limit, q.Offset, q.Facets = 0, 0, nil
	if err := q.Validate(); err != nil {
		return err
	}
	s, ok := ix.(Scanner)
	if !ok {
		return fmt.Errorf("%w (%T)", ErrNoScan, ix)
	}
	return s.Scan(ctx, q, fn)
}
