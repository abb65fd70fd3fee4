package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
)

// adoptBatch is how many records a rename moves at a time.
const adoptBatch = 500

// adoptRenamed moves the postings the index holds under a site's former
// names (sites[].renamed_from) to the site: same job numbers and history,
// the site's name and ids. A job the site already holds under its new name
// keeps that record. It says what it moved on w.
func adoptRenamed(ctx context.Context, ix index.Index, cfg *Config, sites []crawler.Site, w io.Writer) error {
	for _, s := range sites {
		for _, old := range s.RenamedFrom {
			if old == s.Name {
				continue
			}
			if _, ok := cfg.site(old); ok {
				return usagef("sites %s: renamed_from %s names a site still configured", s.Name, old)
			}
			have := map[string]bool{}
			if err := ix.Entries(ctx, s.Name, func(e index.Entry) error { have[e.ID] = true; return nil }); err != nil {
				return err
			}
			var moved, oldIDs []string
			var batch []index.Record
			flush := func() error {
				if len(batch) > 0 {
					if err := ix.Upsert(ctx, batch); err != nil {
						return err
					}
				}
				if len(oldIDs) > 0 {
					if err := ix.Delete(ctx, oldIDs); err != nil {
						return err
					}
				}
				batch, oldIDs = batch[:0], oldIDs[:0]
				return nil
			}
			// the records are gathered first: deleting while Each walks
			// would shift what it reads
			var recs []index.Record
			if err := ix.Each(ctx, old, func(r index.Record) error { recs = append(recs, r); return nil }); err != nil {
				return err
			}
			for _, r := range recs {
				oldIDs = append(oldIDs, r.ID)
				r.Site, r.ID = s.Name, index.RecordID(s.Name, r.JobNumber)
				if !have[r.ID] {
					batch = append(batch, r)
					moved = append(moved, r.ID)
				}
				if len(oldIDs) >= adoptBatch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
			if err := flush(); err != nil {
				return err
			}
			if len(recs) > 0 {
				fmt.Fprintf(w, "site %s: %d postings adopted from its former name %s\n", s.Name, len(moved), old)
			}
		}
	}
	return nil
}
