package engine

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/blevesearch/vellum"
)

// dictEntry is a key of a dict and its id.
type dictEntry struct {
	key string
	id  uint32
}

// dict maps keys (the words of the vocabulary, or the folded values of a
// facet) to dense ids, for readers: an FST of the keys known when it was
// last built, for exact, prefix and Levenshtein lookups, and a small sorted
// side list of the keys added since, so a new document's words are
// searchable at once. The FST is rebuilt, by merging, when the side list
// outgrows a share of it (see maxSide). A dict is immutable: withAdded
// returns a new one. The writer keeps its own Go map of the same keys for
// the lookups indexing does word by word.
type dict struct {
	fst     *vellum.FST // nil when empty
	fstData []byte      // what fst reads; written as is to snapshots
	nfst    int         // keys in fst
	side    []dictEntry // sorted by key; none in fst
}

// maxSide is the side list's length that triggers a rebuild of an FST of n
// keys: rebuilding costs O(n), so letting the list grow with n keeps the
// cost per added key constant, and the list stays small enough to scan.
func maxSide(n int) int { return 1024 + n/8 }

// size is the number of keys.
func (d *dict) size() int {
	if d == nil {
		return 0
	}
	return d.nfst + len(d.side)
}

// get returns the id of key.
func (d *dict) get(key []byte) (uint32, bool) {
	if d == nil {
		return 0, false
	}
	if d.fst != nil {
		if v, ok, err := d.fst.Get(key); err == nil && ok {
			return uint32(v), true
		}
	}
	i := sort.Search(len(d.side), func(i int) bool { return d.side[i].key >= string(key) })
	if i < len(d.side) && d.side[i].key == string(key) {
		return d.side[i].id, true
	}
	return 0, false
}

// prefixEnd is the first key after every key starting with p (nil: none).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// prefix calls fn with every key starting with p, until fn returns false.
// FST keys come first, then side keys; fn's key is only valid during the call.
func (d *dict) prefix(p []byte, fn func(key []byte, id uint32) bool) error {
	if d == nil {
		return nil
	}
	end := prefixEnd(p)
	if d.fst != nil {
		it, err := d.fst.Iterator(p, end)
		for err == nil {
			k, v := it.Current()
			if !fn(k, uint32(v)) {
				return nil
			}
			err = it.Next()
		}
		if !errors.Is(err, vellum.ErrIteratorDone) {
			return fmt.Errorf("prefix %q: %w", p, err)
		}
	}
	i := sort.Search(len(d.side), func(i int) bool { return d.side[i].key >= string(p) })
	for ; i < len(d.side) && strings.HasPrefix(d.side[i].key, string(p)); i++ {
		if !fn([]byte(d.side[i].key), d.side[i].id) {
			return nil
		}
	}
	return nil
}

// fuzzy calls fn with every key the Levenshtein automaton accepts and its
// distance, until fn returns false.
func (d *dict) fuzzy(a *levAutomaton, fn func(key []byte, id uint32, dist int) bool) error {
	if d == nil {
		return nil
	}
	if d.fst != nil {
		it, err := d.fst.Search(a, nil, nil)
		for err == nil {
			k, v := it.Current()
			if dist, ok := levDistance(a, k); ok && !fn(k, uint32(v), dist) {
				return nil
			}
			err = it.Next()
		}
		if !errors.Is(err, vellum.ErrIteratorDone) {
			return fmt.Errorf("fuzzy search: %w", err)
		}
	}
	for _, e := range d.side {
		a.reset()
		if dist, ok := levDistance(a, e.key); ok && !fn([]byte(e.key), e.id, dist) {
			return nil
		}
	}
	return nil
}

// each calls fn with every key in key order, until fn returns false.
func (d *dict) each(fn func(key []byte, id uint32) bool) error {
	if d == nil {
		return nil
	}
	side := d.side
	emitSideBefore := func(k []byte) bool { // side keys before k (all when k is nil)
		for len(side) > 0 && (k == nil || side[0].key < string(k)) {
			if !fn([]byte(side[0].key), side[0].id) {
				return false
			}
			side = side[1:]
		}
		return true
	}
	if d.fst != nil {
		it, err := d.fst.Iterator(nil, nil)
		for err == nil {
			k, v := it.Current()
			if !emitSideBefore(k) || !fn(k, uint32(v)) {
				return nil
			}
			err = it.Next()
		}
		if !errors.Is(err, vellum.ErrIteratorDone) {
			return fmt.Errorf("iterate dictionary: %w", err)
		}
	}
	emitSideBefore(nil)
	return nil
}

// withAdded returns d with add, which holds keys d does not, in any order
// (sorted in place).
func (d *dict) withAdded(add []dictEntry) (*dict, error) {
	if len(add) == 0 {
		return d, nil
	}
	slices.SortFunc(add, func(a, b dictEntry) int { return strings.Compare(a.key, b.key) })
	nd := &dict{}
	if d != nil {
		*nd = *d
	}
	nd.side = mergeEntries(nd.side, add)
	if len(nd.side) > maxSide(nd.nfst) {
		return nd.rebuilt()
	}
	return nd, nil
}

// mergeEntries merges two sorted lists into a new one.
func mergeEntries(a, b []dictEntry) []dictEntry {
	out := make([]dictEntry, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].key < b[0].key {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// rebuilt returns d with every key in one FST and an empty side list.
func (d *dict) rebuilt() (*dict, error) {
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		return nil, fmt.Errorf("build dictionary: %w", err)
	}
	n := 0
	var insertErr error
	err = d.each(func(k []byte, id uint32) bool {
		insertErr = b.Insert(k, uint64(id))
		n++
		return insertErr == nil
	})
	if err == nil {
		err = insertErr
	}
	if err == nil {
		err = b.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("build dictionary: %w", err)
	}
	return loadDict(buf.Bytes(), n)
}

// loadDict returns the dict of an FST's bytes holding n keys.
func loadDict(data []byte, n int) (*dict, error) {
	if n == 0 {
		return &dict{}, nil
	}
	fst, err := vellum.Load(data)
	if err != nil {
		return nil, fmt.Errorf("load dictionary: %w", err)
	}
	return &dict{fst: fst, fstData: data, nfst: n}, nil
}

// compiled returns the FST bytes and key count of a dict holding all of
// d's keys (d's own when its side list is empty).
func (d *dict) compiled() ([]byte, int, error) {
	if d == nil {
		return nil, 0, nil
	}
	if len(d.side) == 0 {
		return d.fstData, d.nfst, nil
	}
	nd, err := d.rebuilt()
	if err != nil {
		return nil, 0, err
	}
	return nd.fstData, nd.nfst, nil
}
