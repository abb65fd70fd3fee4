package meili

import (
	"context"
	"fmt"

	"github.com/meilisearch/meilisearch-go"

	"github.com/jobcrawl/jobcrawl/index"
)

var _ index.Scanner = (*Index)(nil)

// Scan implements index.Scanner.
//
// Without text it pages through the documents API (POST
// /indexes/{uid}/documents/fetch) with the filters, BatchSize documents a
// page by offset: that API is not bound by maxTotalHits, so every match is
// reached, in Meilisearch's internal document order, or in q.Sort's order
// (the documents API sorts since Meilisearch v1.16; an older server
// refuses the request).
//
// With text it must go through search, which never reaches past the
// index's pagination.maxTotalHits (Config.MaxTotalHits, 10,000 by
// default): it pages through the search (relevance order, or q.Sort),
// BatchSize hits a page, when the query matches fewer than that many
// records, and fails before returning any record, with an error wrapping
// index.ErrScanLimit, when it matches as many or more (Meilisearch then
// cannot say how many, nor return the rest). Narrow the query with
// filters, export without text, or raise the limit (meilisearch
// index.meilisearch.max_total_hits in the configuration).
func (ix *Index) Scan(ctx context.Context, q index.Query, fn func(index.Record) error) error {
	if err := q.Validate(); err != nil {
		return err
	}
	filter, err := Filter(q.Filters)
	if err != nil {
		return err
	}
	var sort []string
	for _, s := range q.Sort {
		dir := ":asc"
		if s.Desc {
			dir = ":desc"
		}
		sort = append(sort, sortField[s.Field]+dir)
	}
	emit := func(hits []meilisearch.Hit) error {
		for _, h := range hits {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, err := decodeHit(h)
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	text := queryText(q.Text)
	if text == "" {
		for offset := 0; ; {
			var res meilisearch.DocumentsResult
			if err := ix.do(ctx, "list documents", func(ctx context.Context) error {
				res = meilisearch.DocumentsResult{}
				dq := &meilisearch.DocumentsQuery{Offset: int64(offset), Limit: int64(ix.cfg.BatchSize), Sort: sort}
				if filter != "" {
					dq.Filter = filter
				}
				return ix.index().GetDocuments(ctx, dq, &res)
			}); err != nil {
				return err
			}
			if err := emit(res.Results); err != nil {
				return err
			}
			offset += len(res.Results)
			if len(res.Results) == 0 || int64(offset) >= res.Total {
				return nil
			}
		}
	}
	perPage := int64(min(ix.cfg.BatchSize, ix.cfg.MaxTotalHits))
	for page := int64(1); ; page++ {
		req, err := ix.searchRequest(text, q.Filters, nil, perPage, page)
		if err != nil {
			return err
		}
		req.Sort = sort
		var resp *meilisearch.SearchResponse
		if err := ix.do(ctx, "search", func(ctx context.Context) error {
			var err error
			resp, err = ix.index().Search(ctx, text, req)
			return err
		}); err != nil {
			return err
		}
		if page == 1 && resp.TotalHits >= int64(ix.cfg.MaxTotalHits) {
			return fmt.Errorf("%w: the query's text matches at least %d postings, and Meilisearch's search reaches no further "+
				"than its pagination.maxTotalHits (%d): add filters, export without text (every match of the filters is reached), "+
				"or raise index.meilisearch.max_total_hits", index.ErrScanLimit, resp.TotalHits, ix.cfg.MaxTotalHits)
		}
		if err := emit(resp.Hits); err != nil {
			return err
		}
		if len(resp.Hits) == 0 || page*perPage >= resp.TotalHits {
			return nil
		}
	}
}
