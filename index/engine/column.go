package engine

import "slices"

// chunkBits sizes the chunks of a column: 1,024 values. A write copies the
// chunks it changes (a Touch of a record copies one chunk of last_seen),
// never the whole column.
const (
	chunkBits = 10
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

// chunk is a run of chunkSize values of a column. gen is the write that
// made it: that write, and only it, may change it in place.
type chunk[T any] struct {
	gen uint64
	v   [chunkSize]T
}

// column is a dense array of values indexed by docnum (or by term or
// value id): sort keys, ids, per-document facet values. Columns reachable
// from a published view are immutable; a write copies the chunk list and
// the chunks it changes (see set).
type column[T any] struct {
	gen    uint64 // the write that made chunks (the slice, not the chunks)
	chunks []*chunk[T]
}

// at returns the value at i; i must be below the length the view knows.
func (c *column[T]) at(i uint32) T {
	return c.chunks[i>>chunkBits].v[i&chunkMask]
}

// set stores v at i on behalf of write gen, copying what it shares with
// published views first, and growing the column as needed.
func (c *column[T]) set(gen uint64, i uint32, v T) {
	if c.gen != gen {
		c.chunks = slices.Clone(c.chunks)
		c.gen = gen
	}
	ci := int(i >> chunkBits)
	for ci >= len(c.chunks) {
		c.chunks = append(c.chunks, &chunk[T]{gen: gen})
	}
	ch := c.chunks[ci]
	if ch.gen != gen {
		cp := *ch
		cp.gen = gen
		ch = &cp
		c.chunks[ci] = ch
	}
	ch.v[i&chunkMask] = v
}
