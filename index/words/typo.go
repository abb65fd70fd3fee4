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
	if q == token || last && len(token) > len(q) && token[:len(q)] == q {
		return 0, true
	}
	budget := TypoBudget(q)
	if budget == 0 {
		return 0, false
	}
	d := Distance(q, token, false, budget)
	if d > 0 && d <= budget {
		d += FirstLetterCost(q, token)
	}
	return d, d <= budget
}

// Distance is the optimal-string-alignment distance between q and t (a
// swap of adjacent letters counts as one edit), or, when prefix is set,
// between q and the closest prefix of t. A result over limit means "more
// than limit".
func Distance(q, t string, prefix bool, limit int) int {
	return distance([]rune(q), []rune(t), prefix, limit)
}

func distance(q, t []rune, prefix bool, limit int) int {
	// rows of the DP table over t, for q[:i-2], q[:i-1], q[:i]
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
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
