package engine

import (
	"unicode/utf8"

	"github.com/blevesearch/vellum"
)

// levAutomaton accepts the words within k typos of a query word: the
// Levenshtein distance with a swap of two adjacent letters counted as one
// typo (optimal string alignment), letter by letter (runes), over the
// UTF-8 bytes an FST walk feeds it. It is a vellum.Automaton: searching the
// vocabulary FST with it visits only the branches that can still match.
//
// It is the language of vellum/levenshtein's DFA (the tests check them
// against each other), computed lazily: building vellum's DFA for a query
// word costs 0.1 ms at one typo and 1.2 ms at two, per word and query,
// because it materialises 256 transitions per state up front; this one
// computes the dynamic-programming row of each FST node the walk reaches,
// which costs microseconds.
type levAutomaton struct {
	q    []rune
	k    uint8
	w    int        // row width: len(q)+1
	rows []uint8    // rows of the states that end on a whole rune, w bytes each
	st   []levState // 0: the dead state, 1: the start
}

type levState struct {
	row  int32 // index of its row (a state inside a rune shares the row before it)
	prev int32 // index of the row before that (-1: none), for swaps
	last rune  // the rune that ended row (-1: none)
	pend [3]byte
	np   uint8 // bytes of an unfinished rune in pend
}

var _ vellum.Automaton = (*levAutomaton)(nil)

func newLevAutomaton(word string, k int) *levAutomaton {
	a := &levAutomaton{q: []rune(word), k: uint8(k)}
	a.w = len(a.q) + 1
	a.rows = make([]uint8, a.w, 64*a.w)
	for j := range a.rows {
		a.rows[j] = uint8(min(j, k+1))
	}
	a.st = append(make([]levState, 0, 64), levState{}, levState{row: 0, prev: -1, last: -1})
	return a
}

func (a *levAutomaton) row(i int32) []uint8 { return a.rows[int(i)*a.w : int(i+1)*a.w] }

// Start implements vellum.Automaton.
func (a *levAutomaton) Start() int { return 1 }

// IsMatch implements vellum.Automaton.
func (a *levAutomaton) IsMatch(s int) bool {
	st := &a.st[s]
	return s != 0 && st.np == 0 && a.row(st.row)[a.w-1] <= a.k
}

// CanMatch implements vellum.Automaton: states whose row has no entry
// within k are never made (Accept returns the dead state 0 instead).
func (a *levAutomaton) CanMatch(s int) bool { return s != 0 }

// WillAlwaysMatch implements vellum.Automaton.
func (a *levAutomaton) WillAlwaysMatch(int) bool { return false }

// Accept implements vellum.Automaton.
func (a *levAutomaton) Accept(s int, b byte) int {
	if s == 0 {
		return 0
	}
	cur := a.st[s]
	var buf [4]byte
	n := copy(buf[:], cur.pend[:cur.np])
	buf[n] = b
	n++
	if !utf8.FullRune(buf[:n]) {
		if n == 4 {
			return 0
		}
		next := cur
		next.np = uint8(copy(next.pend[:], buf[:n]))
		a.st = append(a.st, next)
		return len(a.st) - 1
	}
	r, _ := utf8.DecodeRune(buf[:n])
	idx := int32(len(a.rows) / a.w)
	a.rows = append(a.rows, make([]uint8, a.w)...)
	if !a.step(a.row(cur.row), cur.prev, cur.last, r, a.row(idx)) {
		a.rows = a.rows[:int(idx)*a.w]
		return 0
	}
	a.st = append(a.st, levState{row: idx, prev: cur.row, last: r})
	return len(a.st) - 1
}

// step computes into next the row after reading r, from old (the row
// before), prevRow (the one before that, for swaps) and last (the rune
// that ended old). It reports whether any entry is within k.
func (a *levAutomaton) step(old []uint8, prevRow int32, last, r rune, next []uint8) bool {
	var prev []uint8
	if prevRow >= 0 {
		prev = a.row(prevRow)
	}
	limit := a.k + 1
	next[0] = min(old[0]+1, limit)
	alive := next[0] <= a.k
	for j := 1; j < a.w; j++ {
		cost := uint8(1)
		if a.q[j-1] == r {
			cost = 0
		}
		v := min(old[j]+1, next[j-1]+1, old[j-1]+cost)
		if j >= 2 && prev != nil && r == a.q[j-2] && last == a.q[j-1] {
			v = min(v, prev[j-2]+1)
		}
		next[j] = min(v, limit)
		alive = alive || next[j] <= a.k
	}
	return alive
}

// levDistance returns the distance of key from a's query word and whether
// it is within k.
func levDistance[S ~string | ~[]byte](a *levAutomaton, key S) (int, bool) {
	s := a.Start()
	for i := 0; i < len(key); i++ {
		if s = a.Accept(s, key[i]); s == 0 {
			return 0, false
		}
	}
	if !a.IsMatch(s) {
		return 0, false
	}
	return int(a.row(a.st[s].row)[a.w-1]), true
}

// reset forgets the states an FST walk made (keeping the start), so the
// arena does not grow with every distance computed after it.
func (a *levAutomaton) reset() {
	a.rows = a.rows[:a.w]
	a.st = a.st[:2]
}
