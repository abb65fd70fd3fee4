package engine

import (
	"slices"
	"sort"
)

// view is a read-only state of the whole search index at one sequence
// number: what every search runs on. The writer builds the next view from
// the current one, copying what it changes (docsets block by block,
// columns chunk by chunk, small slices whole) and sharing the rest, then
// publishes it with one atomic store; a search loads the pointer once and
// sees every write before it and nothing of the writes after.
//
// Documents are numbered densely from 0 in the order they were written
// (docnums). An update gives a record a new docnum and tombstones the old
// one (it leaves live), so a write never re-numbers; compaction does, when
// tombstones pile up (see compact.go).
type view struct {
	seq   uint64 // the store's sequence number this view reflects
	ndocs uint32 // docnums handed out: 0 … ndocs-1
	live  docset // docnums of current records
	ids   column[string]

	// full text: the vocabulary (word → term id) and, per term, a docset
	// per searchable field the word occurs in
	vocab  *dict
	nterms uint32
	terms  column[string]     // term id → word
	posts  column[*termPosts] // term id → postings

	facets [nFacets]facetIndex

	// sort columns, indexed by docnum (0 or "": no value)
	datePosted, firstSeen, lastSeen column[int64]
	salaryMin, salaryMax            column[float64]
	title                           column[string] // lowercased
	days                            dayIndex       // date_posted → docs, for sorting by date without reading every match
}

// termPosts are the postings of one term: a docset per searchable field it
// occurs in (bit f of fields set: sets holds field f's, in field order).
// Immutable once published.
type termPosts struct {
	fields uint8
	sets   []docset
}

// field returns the docset of field f (nil when the term is not in it).
func (tp *termPosts) field(f int) docset {
	if tp == nil || tp.fields&(1<<f) == 0 {
		return nil
	}
	return tp.sets[bitsBelow(tp.fields, f)]
}

// with returns a copy of tp with field f's docset replaced by s.
func (tp *termPosts) with(f int, s docset) *termPosts {
	out := &termPosts{}
	if tp != nil {
		out.fields, out.sets = tp.fields, slices.Clone(tp.sets)
	}
	i := bitsBelow(out.fields, f)
	if out.fields&(1<<f) != 0 {
		out.sets[i] = s
	} else {
		out.fields |= 1 << f
		out.sets = slices.Insert(out.sets, i, s)
	}
	return out
}

// bitsBelow counts the bits of m below bit f.
func bitsBelow(m uint8, f int) int {
	n := 0
	for i := range f {
		if m&(1<<i) != 0 {
			n++
		}
	}
	return n
}

// facetIndex is one facet field: its values (folded value → value id in
// dict, value id → value) and each document's values.
type facetIndex struct {
	dict    *dict
	nvalues uint32
	values  column[*facetValue]
	one     column[uint32]   // single-valued fields: docnum → value id + 1 (0: none)
	many    column[[]uint32] // multi-valued fields: docnum → value ids, distinct
}

// facetValue is one value of a facet: its spelling as first indexed (the
// folded form is foldValue(display)) and the docs holding it. The docs of
// tombstoned records stay until compaction; searches intersect with live.
type facetValue struct {
	display string
	docs    docset
}

// value returns value id's value (nil past the end).
func (fx *facetIndex) value(id uint32) *facetValue {
	if id >= fx.nvalues {
		return nil
	}
	return fx.values.at(id)
}

// docValues calls fn with the value ids of docnum d.
func (fx *facetIndex) docValues(multi bool, d uint32, fn func(id uint32)) {
	if multi {
		for _, id := range fx.many.at(d) {
			fn(id)
		}
	} else if id := fx.one.at(d); id != 0 {
		fn(id - 1)
	}
}

// dayIndex groups docnums by date_posted (Unix seconds of a day; 0: none),
// so a sort by date walks days newest first and stops once the page is
// full, instead of reading the date of every match.
type dayIndex struct {
	keys []int64 // ascending, distinct
	sets []docset
}

// withAdded returns the index with docs added under their keys (docs sorted
// ascending per key).
func (di dayIndex) withAdded(add map[int64][]uint32) dayIndex {
	if len(add) == 0 {
		return di
	}
	out := dayIndex{keys: slices.Clone(di.keys), sets: slices.Clone(di.sets)}
	for k, ds := range add {
		i := sort.Search(len(out.keys), func(i int) bool { return out.keys[i] >= k })
		if i == len(out.keys) || out.keys[i] != k {
			out.keys = slices.Insert(out.keys, i, k)
			out.sets = slices.Insert(out.sets, i, docset(nil))
		}
		out.sets[i] = out.sets[i].withAdded(ds)
	}
	return out
}
