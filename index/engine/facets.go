package engine

import (
	"slices"
	"strings"
)

// facetCounts counts the values of facet f over set: the size most
// frequent ones (ties in value order), each under its display spelling.
// Values no record of set holds are left out: there are no empty buckets.
//
// Two ways to count, whichever reads less: with many matches and few
// values, intersect each value's docset with set, counting without
// building the intersection (a few popcounts per block); otherwise read
// each match's value ids from the facet's column.
func (v *view) facetCounts(f int, set docset, size int) map[string]int {
	out := map[string]int{}
	n := set.card()
	if n == 0 {
		return out
	}
	fx := &v.facets[f]
	type count struct {
		fv *facetValue
		n  uint64
	}
	var counts []count
	multi := facetFields[f].multi
	switch {
	case n >= 4096 && n >= 8*uint64(fx.nvalues):
		for id := range fx.nvalues {
			fv := fx.values.at(id)
			if c := andCard(fv.docs, set); c > 0 {
				counts = append(counts, count{fv, c})
			}
		}
	case fx.nvalues <= 1<<16:
		byID := make([]uint32, fx.nvalues)
		set.each(func(d uint32) bool {
			fx.docValues(multi, d, func(id uint32) { byID[id]++ })
			return true
		})
		for id, c := range byID {
			if c > 0 {
				counts = append(counts, count{fx.values.at(uint32(id)), uint64(c)})
			}
		}
	default: // many values (job_number): a map the size of the matches
		byID := map[uint32]uint64{}
		set.each(func(d uint32) bool {
			fx.docValues(multi, d, func(id uint32) { byID[id]++ })
			return true
		})
		for id, c := range byID {
			counts = append(counts, count{fx.values.at(id), c})
		}
	}
	slices.SortFunc(counts, func(a, b count) int {
		if a.n != b.n {
			if a.n > b.n {
				return -1
			}
			return 1
		}
		return strings.Compare(a.fv.display, b.fv.display)
	})
	for _, c := range counts[:min(len(counts), size)] {
		out[c.fv.display] = int(c.n)
	}
	return out
}
