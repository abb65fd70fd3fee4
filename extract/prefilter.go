package extract

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Go's regexp runs every expression over the whole text, and the
// case-insensitive alternations extraction uses (employment types, pay
// periods, remote words, furniture lines) cost microseconds each on text
// that mostly holds none of their words. A filteredRegexp first asks
// whether the text holds one of the literals every match must contain
// (worked out from the expression itself, so it follows any edit of it);
// only then does the expression run. Answers are the same as the
// expression's alone.

// filteredRegexp is a *regexp.Regexp with a literal prefilter on the methods
// extraction calls often; the others are the expression's own.
type filteredRegexp struct {
	*regexp.Regexp
	need []*literalSet // every match holds one literal of each; none: the expression always runs
}

// mustFilter compiles expr, as regexp.MustCompile does, with its prefilter.
func mustFilter(expr string) *filteredRegexp {
	re := regexp.MustCompile(expr)
	return &filteredRegexp{Regexp: re, need: requiredLiterals(expr)}
}

// mayMatch reports whether s holds one of the required literals, ignoring
// ASCII case. Two runes outside ASCII fold to ASCII letters in Go's (?i)
// (KELVIN SIGN to k, LONG S to s): a text holding either is always tried.
func (r *filteredRegexp) mayMatch(s string) bool {
	if len(r.need) == 0 || strings.Contains(s, "\u212a") || strings.Contains(s, "\u017f") {
		return true
	}
	for _, l := range r.need {
		if !l.in(s) {
			return false
		}
	}
	return true
}

func (r *filteredRegexp) MatchString(s string) bool {
	return r.mayMatch(s) && r.Regexp.MatchString(s)
}

func (r *filteredRegexp) FindString(s string) string {
	if !r.mayMatch(s) {
		return ""
	}
	return r.Regexp.FindString(s)
}

func (r *filteredRegexp) FindStringIndex(s string) []int {
	if !r.mayMatch(s) {
		return nil
	}
	return r.Regexp.FindStringIndex(s)
}

func (r *filteredRegexp) FindStringSubmatch(s string) []string {
	if !r.mayMatch(s) {
		return nil
	}
	return r.Regexp.FindStringSubmatch(s)
}

func (r *filteredRegexp) FindStringSubmatchIndex(s string) []int {
	if !r.mayMatch(s) {
		return nil
	}
	return r.Regexp.FindStringSubmatchIndex(s)
}

func (r *filteredRegexp) FindAllStringSubmatch(s string, n int) [][]string {
	if !r.mayMatch(s) {
		return nil
	}
	return r.Regexp.FindAllStringSubmatch(s, n)
}

func (r *filteredRegexp) ReplaceAllString(src, repl string) string {
	if !r.mayMatch(src) {
		return src
	}
	return r.Regexp.ReplaceAllString(src, repl)
}

// literalSet is a set of lower-case literals, indexed by first byte. Most
// bytes of a text start no literal, and most that do are not followed by
// the second byte of one: next answers both with one load, so the lists
// are read only where a literal may really start.
type literalSet struct {
	byFirst [256][]string
	// next[c] has bit b&63 set for every literal c b…, and every bit
	// for a one-byte literal c.
	next [256]uint64
}

// add puts lit (lower case, not empty) in the set.
func (l *literalSet) add(lit string) {
	c := lit[0]
	l.byFirst[c] = append(l.byFirst[c], lit)
	if len(lit) == 1 {
		l.next[c] = ^uint64(0)
		return
	}
	l.next[c] |= 1 << (lit[1] & 63)
}

// in reports whether s holds one of the literals, ASCII case ignored.
func (l *literalSet) in(s string) bool {
	n := len(s)
	for i := 0; i < n; i++ {
		m := l.next[lowerByte(s[i])]
		if m == 0 || i+1 < n && m&(1<<(lowerByte(s[i+1])&63)) == 0 {
			continue
		}
		for _, lit := range l.byFirst[lowerByte(s[i])] {
			if n-i >= len(lit) && hasPrefixFoldString(s[i:], lit) {
				return true
			}
		}
	}
	return false
}

// lowerByte lowers an ASCII upper-case letter.
func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPrefixFoldString reports whether s starts with prefix (lower case),
// ignoring ASCII case.
func hasPrefixFoldString(s, prefix string) bool {
	for j := 0; j < len(prefix); j++ {
		if lowerByte(s[j]) != prefix[j] {
			return false
		}
	}
	return true
}

// Limits of the literal analysis: beyond them a set stops being exact.
const (
	maxExactLiterals = 64
	maxLiteralLen    = 24
)

// literals is what the analysis knows of the strings a sub-expression
// matches: exactly one of set (exact), or a string holding one of set and
// one of each of also (!exact); a nil set with !exact says nothing at all.
type literals struct {
	exact bool
	set   []string
	also  [][]string
}

var anything = literals{}

// requiredLiterals returns sets of literals such that every match of expr
// holds one literal of each set, or nil when the analysis finds none.
func requiredLiterals(expr string) []*literalSet {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	lits := analyse(re.Simplify())
	var out []*literalSet
	for _, need := range append([][]string{lits.required()}, lits.also...) {
		if len(need) == 0 {
			continue
		}
		l := &literalSet{}
		for _, s := range need {
			l.add(s)
		}
		out = append(out, l)
	}
	return out
}

// required turns what is known into a set one of which every match holds;
// nil when a match may hold none (the empty string is among the exact ones).
func (l literals) required() []string {
	if l.set == nil {
		return nil
	}
	for _, s := range l.set {
		if s == "" {
			return nil
		}
	}
	return l.set
}

func analyse(re *syntax.Regexp) literals {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return literals{exact: true, set: []string{""}}
	case syntax.OpLiteral:
		s, ok := foldedLiteral(re.Rune, re.Flags&syntax.FoldCase != 0)
		if !ok {
			return anything
		}
		return literals{exact: true, set: []string{s}}
	case syntax.OpCharClass:
		return classLiterals(re)
	case syntax.OpCapture:
		return analyse(re.Sub[0])
	case syntax.OpQuest:
		sub := analyse(re.Sub[0])
		if !sub.exact {
			return anything
		}
		return union(literals{exact: true, set: []string{""}}, sub)
	case syntax.OpStar:
		return anything
	case syntax.OpPlus:
		sub := analyse(re.Sub[0])
		return literals{set: sub.required(), also: sub.also}
	case syntax.OpRepeat:
		if re.Min == 0 {
			return anything
		}
		sub := analyse(re.Sub[0])
		return literals{set: sub.required(), also: sub.also}
	case syntax.OpConcat:
		acc := literals{exact: true, set: []string{""}}
		for _, sub := range re.Sub {
			acc = concat(acc, analyse(sub))
		}
		return acc
	case syntax.OpAlternate:
		acc := analyse(re.Sub[0])
		for _, sub := range re.Sub[1:] {
			acc = union(acc, analyse(sub))
		}
		return acc
	}
	return anything
}

// foldedLiteral is runes in lower case, or false when a rune has case
// forms outside ASCII that the text may use instead.
func foldedLiteral(runes []rune, fold bool) (string, bool) {
	var b strings.Builder
	for _, r := range runes {
		if r < utf8.RuneSelf {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		if (fold || unicode.ToLower(r) != r) && unicode.SimpleFold(r) != r {
			return "", false
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// classLiterals: a small class of runes is an exact set of one-rune strings.
func classLiterals(re *syntax.Regexp) literals {
	var set []string
	for i := 0; i+1 < len(re.Rune); i += 2 {
		lo, hi := re.Rune[i], re.Rune[i+1]
		if hi-lo > 8 || len(set) > 8 {
			return anything
		}
		for r := lo; r <= hi; r++ {
			s, ok := foldedLiteral([]rune{r}, true)
			if !ok {
				return anything
			}
			set = appendUnique(set, s)
		}
	}
	if len(set) == 0 {
		return anything
	}
	return literals{exact: true, set: set}
}

func appendUnique(set []string, s string) []string {
	for _, v := range set {
		if v == s {
			return set
		}
	}
	return append(set, s)
}

// concat is what is known of a match of a followed by one of b.
func concat(a, b literals) literals {
	if a.exact && b.exact && len(a.set)*len(b.set) <= maxExactLiterals {
		var set []string
		for _, x := range a.set {
			for _, y := range b.set {
				if len(x)+len(y) > maxLiteralLen {
					return best(a, b)
				}
				set = appendUnique(set, x+y)
			}
		}
		return literals{exact: true, set: set}
	}
	return best(a, b)
}

// best is what a match of a followed by one of b holds: the requirements
// of both, the most selective first.
func best(a, b literals) literals {
	sets := append(a.clauses(), b.clauses()...)
	if len(sets) == 0 {
		return anything
	}
	sets = sets[:min(len(sets), maxClauses)]
	// the longest literals first: they are the rarest
	slices.SortStableFunc(sets, func(x, y []string) int { return shortest(y) - shortest(x) })
	return literals{set: sets[0], also: sets[1:]}
}

func shortest(set []string) int {
	n := maxLiteralLen + 1
	for _, s := range set {
		n = min(n, len(s))
	}
	return n
}

// union is what is known of a match of a or of b.
func union(a, b literals) literals {
	if a.exact && b.exact && len(a.set)+len(b.set) <= maxExactLiterals {
		set := append([]string(nil), a.set...)
		for _, s := range b.set {
			set = appendUnique(set, s)
		}
		return literals{exact: true, set: set}
	}
	// (a1 and a2) or (b1) holds (a1 or b1) and (a2 or b1)
	var sets [][]string
	for _, x := range a.clauses() {
		for _, y := range b.clauses() {
			set := append([]string(nil), x...)
			for _, s := range y {
				set = appendUnique(set, s)
			}
			if len(set) <= maxExactLiterals && len(sets) < maxClauses {
				sets = append(sets, set)
			}
		}
	}
	if len(sets) == 0 {
		return anything
	}
	slices.SortStableFunc(sets, func(x, y []string) int { return shortest(y) - shortest(x) })
	return literals{set: sets[0], also: sets[1:]}
}

// maxClauses caps the sets a requirement keeps.
const maxClauses = 4

// clauses are the sets one literal of each of which a match holds.
func (l literals) clauses() [][]string {
	if r := l.required(); r != nil {
		return append([][]string{r}, l.also...)
	}
	return l.also
}
