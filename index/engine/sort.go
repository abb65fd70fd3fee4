package engine

import (
	"cmp"
	"slices"
	"strings"
)

// sortKey is one key of an order: a sort column and its direction.
type sortKey struct {
	field int // sortDatePosted …
	desc  bool
}

// newestFirst is the order without a sort: date_posted descending (then id).
var newestFirst = []sortKey{{sortDatePosted, true}}

// compareMissingLast orders x and y, the zero value (no value) last in
// either direction, as Meilisearch does.
func compareMissingLast[T cmp.Ordered](x, y T, desc bool) int {
	var zero T
	switch {
	case x == y:
		return 0
	case x == zero:
		return 1
	case y == zero:
		return -1
	}
	if desc {
		return cmp.Compare(y, x)
	}
	return cmp.Compare(x, y)
}

// compare orders docnums a and b by keys, then by id: a total order, so
// pages never overlap.
func (v *view) compare(keys []sortKey, a, b uint32) int {
	for _, k := range keys {
		var c int
		switch k.field {
		case sortDatePosted:
			c = compareMissingLast(v.datePosted.at(a), v.datePosted.at(b), k.desc)
		case sortTitle:
			c = compareMissingLast(v.title.at(a), v.title.at(b), k.desc)
		case sortFirstSeen:
			c = compareMissingLast(v.firstSeen.at(a), v.firstSeen.at(b), k.desc)
		case sortLastSeen:
			c = compareMissingLast(v.lastSeen.at(a), v.lastSeen.at(b), k.desc)
		case sortSalaryMin:
			c = compareMissingLast(v.salaryMin.at(a), v.salaryMin.at(b), k.desc)
		case sortSalaryMax:
			c = compareMissingLast(v.salaryMax.at(a), v.salaryMax.at(b), k.desc)
		}
		if c != 0 {
			return c
		}
	}
	return strings.Compare(v.ids.at(a), v.ids.at(b))
}

// dayWalkMin is the smallest set topK sorts by date walking the day index
// rather than reading every member's date.
const dayWalkMin = 1024

// topK returns the first k docnums of set in the order of keys (then id),
// in order. It never sorts the whole set: it walks the day index when the
// order starts with date_posted and the set is large, and otherwise keeps
// the best k in a heap.
func (v *view) topK(set docset, k int, keys []sortKey) []uint32 {
	n := set.card()
	if k <= 0 || n == 0 {
		return nil
	}
	if keys[0].field == sortDatePosted && n >= dayWalkMin && n > 4*uint64(len(v.days.keys)) {
		return v.topKByDay(set, k, keys[0].desc, keys[1:])
	}
	var h topHeap
	h.init(k, func(a, b uint32) int { return v.compare(keys, a, b) })
	set.each(func(d uint32) bool { h.offer(d); return true })
	return h.sorted()
}

// topKByDay is topK for an order by date_posted then rest: it intersects
// set with one day at a time, newest (or oldest) first, and stops when k
// are found. Records without a date come last.
func (v *view) topKByDay(set docset, k int, desc bool, rest []sortKey) []uint32 {
	days := v.days
	order := make([]int, 0, len(days.keys))
	for i := range days.keys {
		if days.keys[i] != 0 {
			order = append(order, i)
		}
	}
	if desc {
		slices.Reverse(order)
	}
	if i := slices.Index(days.keys, 0); i >= 0 {
		order = append(order, i)
	}
	out := make([]uint32, 0, k)
	var h topHeap
	for _, i := range order {
		x := and(set, days.sets[i])
		if len(x) == 0 {
			continue
		}
		h.init(k-len(out), func(a, b uint32) int { return v.compare(rest, a, b) })
		x.each(func(d uint32) bool { h.offer(d); return true })
		out = append(out, h.sorted()...)
		if len(out) >= k {
			break
		}
	}
	return out
}

// topHeap keeps the k best docnums offered: a max-heap on the order, its
// root the worst kept, so most offers cost one comparison.
type topHeap struct {
	k   int
	cmp func(a, b uint32) int
	h   []uint32
}

func (t *topHeap) init(k int, cmp func(a, b uint32) int) {
	t.k, t.cmp, t.h = k, cmp, t.h[:0]
}

func (t *topHeap) offer(d uint32) {
	if t.k <= 0 {
		return
	}
	if len(t.h) < t.k {
		t.h = append(t.h, d)
		// sift up
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if t.cmp(t.h[i], t.h[p]) <= 0 {
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return
	}
	if t.cmp(d, t.h[0]) >= 0 {
		return
	}
	t.h[0] = d
	// sift down
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.h) && t.cmp(t.h[l], t.h[m]) > 0 {
			m = l
		}
		if r < len(t.h) && t.cmp(t.h[r], t.h[m]) > 0 {
			m = r
		}
		if m == i {
			return
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// sorted returns the kept docnums in order (a new slice).
func (t *topHeap) sorted() []uint32 {
	out := slices.Clone(t.h)
	slices.SortFunc(out, t.cmp)
	return out
}
