package bleveidx

import (
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"

	"github.com/jobcrawl/jobcrawl/index"
)

var _ index.Scanner = (*Index)(nil)

// Scan implements index.Scanner: the query of Search, paged eachPageSize
// records at a time with search-after on the sort keys (q.Sort, else id
// order) then the id, so the depth costs nothing and pages never overlap.
func (ix *Index) Scan(ctx context.Context, q index.Query, fn func(index.Record) error) error {
	if err := q.Validate(); err != nil {
		return err
	}
	var order []string
	for _, s := range q.Sort {
		key := sortKeys[s.Field]
		if s.Desc {
			key = "-" + key
		}
		order = append(order, key)
	}
	order = append(order, "_id")
	var after []string
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		req := bleve.NewSearchRequestOptions(buildQuery(q), eachPageSize, 0, false)
		req.Fields = []string{sourceField}
		req.SortBy(order)
		if after != nil {
			req.SetSearchAfter(after)
		}
		res, err := ix.idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		for _, h := range res.Hits {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, err := decode(h.Fields)
			if err != nil {
				return fmt.Errorf("record %s: %w", h.ID, err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(res.Hits) < eachPageSize {
			return nil
		}
		after = slices.Clone(res.Hits[len(res.Hits)-1].Sort)
	}
}
