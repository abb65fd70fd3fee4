package words

import (
	"slices"
	"unicode/utf8"
)

// Typo tolerance, as Meilisearch has it by default: a query word of fewer
// than 5 letters must match exactly (or as a prefix, when it is the last
// word), one of 5 to 8 letters may have one typo, a longer one two. A typo
// is an inserted, deleted or replaced letter or two adjacent letters
// swapped; a typo on the first letter counts as two.
const (
	OneTypoLen  = 5
	TwoTyposLen = 9
)

// TypoBudget is how many typos the query word w may have.
func TypoBudget(w string) int {
	switch n := utf8.RuneCountInString(w); {
	case n >= TwoTyposLen:
		return 2
	case n >= OneTypoLen:
		return 1
	}
	return 0
}

// FirstLetterCost is what a variant of query word q costs when its first
// letter differs from q's: one more typo, so that the variant is kept only
// when dist+1 is within budget.
func FirstLetterCost(q, variant string) int {
	a, _ := utf8.DecodeRuneInString(q)
	b, _ := utf8.DecodeRuneInString(variant)
	if a != b {
		return 1
	}
	return 0
}

// Match reports whether token (a word of a document, as Tokenize gives it)
// matches query word q (likewise), and with how many typos: exactly, as a
// prefix when last is true, or as a whole word within q's typo budget. It
// is the rule both backends apply; the embedded engine finds the same words
// through an automaton over its vocabulary instead of comparing them one by
// one. (Meilisearch also lets the last word's prefix carry typos; jobcrawl
// does not, so "enginr" does not find "engineering".)
func Match(q, token string, last bool) (typos int, ok bool) {
	return newMatcher([]string{q}, last).match(0, []byte(token))
}

// matcher matches the words of a document against the words of a query,
// reusing its buffers from word to word.
type matcher struct {
	qs      []string
	qr      [][]rune // qs as runes
	budgets []int
	prefix  bool // the last query word may match as a prefix
	tr      []rune
	rows    [3][]int
}

func newMatcher(qs []string, prefix bool) *matcher {
	m := &matcher{qs: qs, prefix: prefix}
	for _, q := range qs {
		m.qr = append(m.qr, []rune(q))
		m.budgets = append(m.budgets, TypoBudget(q))
	}
	return m
}

// match reports whether token matches query word i, and with how many typos.
func (m *matcher) match(i int, token []byte) (int, bool) {
	q := m.qs[i]
	if string(token) == q || m.prefix && i == len(m.qs)-1 && len(token) > len(q) && string(token[:len(q)]) == q {
		return 0, true
	}
	budget := m.budgets[i]
	if budget == 0 {
		return 0, false
	}
	m.tr = m.tr[:0]
	for j := 0; j < len(token); {
		r, size := utf8.DecodeRune(token[j:])
		m.tr = append(m.tr, r)
		j += size
	}
	qr := m.qr[i]
	// a typo on the first letter counts as two
	first := 0
	if len(m.tr) == 0 || m.tr[0] != qr[0] {
		first = 1
	}
	limit := budget - first
	if d := len(m.tr) - len(qr); limit < 1 || d > limit || -d > limit {
		return 0, false // too long, too short or too different to be within budget
	}
	d := m.distance(qr, m.tr, limit)
	return d + first, d <= limit
}

func (m *matcher) distance(q, t []rune, limit int) int {
	for k := range m.rows {
		m.rows[k] = slices.Grow(m.rows[k][:0], len(t)+1)[:len(t)+1]
	}
	return distanceRows(q, t, false, limit, m.rows[0], m.rows[1], m.rows[2])
}

// Distance is the optimal-string-alignment distance between q and t (a
// swap of adjacent letters counts as one edit), or, when prefix is set,
// between q and the closest prefix of t. A result over limit means "more
// than limit".
func Distance(q, t string, prefix bool, limit int) int {
	qr, tr := []rune(q), []rune(t)
	n := len(tr) + 1
	return distanceRows(qr, tr, prefix, limit, make([]int, n), make([]int, n), make([]int, n))
}

// distanceRows computes Distance in three rows of len(t)+1.
func distanceRows(q, t []rune, prefix bool, limit int, prev2, prev, cur []int) int {
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(q); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(t); j++ {
			cost := 1
			if q[i-1] == t[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && q[i-1] == t[j-2] && q[i-2] == t[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if !prefix {
		return prev[len(t)]
	}
	return min(slices.Min(prev), limit+1)
}
