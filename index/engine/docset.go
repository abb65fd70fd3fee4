package engine

import (
	"slices"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"
)

// blockBits splits the docnum space in blocks of 65,536 documents: the unit
// a write copies. A roaring bitmap of one block is one container (at most
// 8 KB), so adding a batch of new documents to a posting list copies one
// small bitmap, not the whole list, and readers keep the old one.
const blockBits = 16

// block is the part of a docset in one block: docnums n<<blockBits …
// n<<blockBits|0xffff (bm holds the full docnums).
type block struct {
	n  uint32
	bm *roaring.Bitmap
}

// docset is a set of docnums: its blocks in ascending order, none empty.
// A docset reachable from a published view is immutable, and so are its
// bitmaps: operations return new docsets (sharing unchanged bitmaps), they
// never change their operands. Block bitmaps are plain roaring bitmaps
// (copy-on-write off), so concurrent reads touch no shared state.
type docset []block

// card is the number of docnums in s.
func (s docset) card() uint64 {
	var n uint64
	for _, b := range s {
		n += b.bm.GetCardinality()
	}
	return n
}

// find returns the index of block n in s, or -1.
func (s docset) find(n uint32) int {
	i := sort.Search(len(s), func(i int) bool { return s[i].n >= n })
	if i < len(s) && s[i].n == n {
		return i
	}
	return -1
}

// contains reports whether d is in s.
func (s docset) contains(d uint32) bool {
	i := s.find(d >> blockBits)
	return i >= 0 && s[i].bm.Contains(d)
}

// each calls fn with the docnums of s in ascending order until fn returns false.
func (s docset) each(fn func(d uint32) bool) {
	var buf [256]uint32
	for _, b := range s {
		it := b.bm.ManyIterator()
		for {
			n := it.NextMany(buf[:])
			if n == 0 {
				break
			}
			for _, d := range buf[:n] {
				if !fn(d) {
					return
				}
			}
		}
	}
}

// and is the intersection of a and b.
func and(a, b docset) docset {
	var out docset
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].n < b[j].n:
			i++
		case a[i].n > b[j].n:
			j++
		default:
			if x := roaring.And(a[i].bm, b[j].bm); !x.IsEmpty() {
				out = append(out, block{a[i].n, x})
			}
			i++
			j++
		}
	}
	return out
}

// andAll is the intersection of sets (the universe when there are none:
// callers always pass one).
func andAll(sets ...docset) docset {
	if len(sets) == 0 {
		return nil
	}
	// smallest first: every intersection is then at most that large
	slices.SortFunc(sets, func(x, y docset) int { return int(x.card()) - int(y.card()) })
	out := sets[0]
	for _, s := range sets[1:] {
		if len(out) == 0 {
			break
		}
		out = and(out, s)
	}
	return out
}

// andCard is the size of the intersection of a and b, without building it.
func andCard(a, b docset) uint64 {
	var n uint64
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].n < b[j].n:
			i++
		case a[i].n > b[j].n:
			j++
		default:
			n += a[i].bm.AndCardinality(b[j].bm)
			i++
			j++
		}
	}
	return n
}

// andNot is a without the docnums of b.
func andNot(a, b docset) docset {
	if len(b) == 0 {
		return a
	}
	var out docset
	j := 0
	for _, x := range a {
		for j < len(b) && b[j].n < x.n {
			j++
		}
		if j < len(b) && b[j].n == x.n {
			if y := roaring.AndNot(x.bm, b[j].bm); !y.IsEmpty() {
				out = append(out, block{x.n, y})
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// or is the union of sets.
func or(sets ...docset) docset {
	switch len(sets) {
	case 0:
		return nil
	case 1:
		return sets[0]
	}
	byBlock := map[uint32][]*roaring.Bitmap{}
	for _, s := range sets {
		for _, b := range s {
			byBlock[b.n] = append(byBlock[b.n], b.bm)
		}
	}
	out := make(docset, 0, len(byBlock))
	for n, bms := range byBlock {
		if len(bms) == 1 {
			out = append(out, block{n, bms[0]})
		} else {
			out = append(out, block{n, roaring.FastOr(bms...)})
		}
	}
	slices.SortFunc(out, func(x, y block) int { return int(x.n) - int(y.n) })
	return out
}

// withAdded returns s plus ds, which is sorted ascending. Only the blocks
// ds falls in are copied.
func (s docset) withAdded(ds []uint32) docset {
	if len(ds) == 0 {
		return s
	}
	out := slices.Clone(s)
	for len(ds) > 0 {
		n := ds[0] >> blockBits
		k := 1
		for k < len(ds) && ds[k]>>blockBits == n {
			k++
		}
		if i := out.find(n); i >= 0 {
			// the union in one allocation per container (a clone then adds
			// would copy the containers, then grow them again)
			out[i].bm = roaring.Or(out[i].bm, roaring.BitmapOf(ds[:k]...))
		} else {
			bm := roaring.New()
			bm.AddMany(ds[:k])
			i := sort.Search(len(out), func(i int) bool { return out[i].n > n })
			out = slices.Insert(out, i, block{n, bm})
		}
		ds = ds[k:]
	}
	return out
}

// withRemoved returns s without ds, which is sorted ascending.
func (s docset) withRemoved(ds []uint32) docset {
	if len(ds) == 0 {
		return s
	}
	out := slices.Clone(s)
	for len(ds) > 0 {
		n := ds[0] >> blockBits
		k := 1
		for k < len(ds) && ds[k]>>blockBits == n {
			k++
		}
		if i := out.find(n); i >= 0 {
			bm := out[i].bm.Clone()
			for _, d := range ds[:k] {
				bm.Remove(d)
			}
			out[i].bm = bm
		}
		ds = ds[k:]
	}
	return slices.DeleteFunc(out, func(b block) bool { return b.bm.IsEmpty() })
}

// docsetOf builds a docset of ds, sorted ascending.
func docsetOf(ds []uint32) docset { return docset(nil).withAdded(ds) }

// remapped returns s with every docnum d replaced by newNum[d]-1 (0: d is
// gone). newNum must be increasing over the docnums it keeps, as a
// compaction's renumbering is, so the result comes out in order.
func (s docset) remapped(newNum []uint32) docset {
	var out docset
	var buf []uint32
	var cur uint32
	flush := func() {
		if len(buf) > 0 {
			bm := roaring.New()
			bm.AddMany(buf)
			out = append(out, block{cur, bm})
			buf = buf[:0]
		}
	}
	s.each(func(d uint32) bool {
		if int(d) >= len(newNum) || newNum[d] == 0 {
			return true
		}
		nd := newNum[d] - 1
		if nd>>blockBits != cur {
			flush()
			cur = nd >> blockBits
		}
		buf = append(buf, nd)
		return true
	})
	flush()
	return out
}
