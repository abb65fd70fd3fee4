package extract

import (
	"unicode"
	"unicode/utf8"
)

// salaryPeriod returns the period the first of periodWords that matches s
// stands for, or "". It is called for every salary a page states; running
// the five expressions of periodWords cost more than the rest of
// ParseSalary, and their literals ("/", "a") are in nearly every text, so
// the prefilter does not spare them. salaryPeriodFast reads the common
// case by hand; the expressions remain the definition, and the answer
// (TestSalaryPeriod compares the two).
func salaryPeriod(s string) string {
	if p, ok := salaryPeriodFast(s); ok {
		return p
	}
	return salaryPeriodRegexp(s)
}

func salaryPeriodRegexp(s string) string {
	for _, p := range periodWords {
		if p.re.MatchString(s) {
			return p.period
		}
	}
	return ""
}

// periodRule is the hand form of one expression of periodWords:
//
//	(/|\b(prefix)\b)\s*(unit)\b | \b(par|al|por)\s+(parUnit)\b | \b(word)\b | \b(stem)
//
// and, for YEAR, \bp\.?a\.?\b. Every \b of the expressions falls at the
// edge of a run of ASCII word characters, so they are read on such runs.
type periodRule struct {
	period                           string
	prefixes, units, parUnits, words []string
	stems                            []string
	pa                               bool
}

var periodRules = []periodRule{
	{period: "HOUR", prefixes: []string{"per", "a", "an", "by"}, units: []string{"hour", "hr", "h"},
		words: []string{"hourly", "stunde"}},
	{period: "DAY", prefixes: []string{"per", "a"}, units: []string{"day"}, words: []string{"daily"}},
	{period: "WEEK", prefixes: []string{"per", "a"}, units: []string{"week", "wk"}, words: []string{"weekly"}},
	{period: "MONTH", prefixes: []string{"per", "a"}, units: []string{"month", "mo"},
		parUnits: []string{"mois", "mes"}, words: []string{"monthly", "monat"}, stems: []string{"mensuel"}},
	{period: "YEAR", prefixes: []string{"per", "a", "an"}, units: []string{"year", "yr", "annum"},
		parUnits: []string{"an"}, words: []string{"annual", "annually", "yearly", "jahr"}, stems: []string{"annuel"}, pa: true},
}

// salaryPeriodFast is salaryPeriodRegexp for text without non-ASCII
// letters; ok is false for other text. Under (?i) the expressions fold a
// few non-ASCII letters into their ASCII words (the Kelvin sign into k, ſ
// into s) and name some (année, año); non-ASCII characters that are not
// letters ("€", "–", a no-break space) match no part of them and are not
// word characters for \b, as here.
func salaryPeriodFast(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if unicode.IsLetter(r) || r == utf8.RuneError {
				return "", false
			}
			i += n - 1
		}
	}
	for _, rule := range periodRules {
		if rule.matches(s) {
			return rule.period, true
		}
	}
	return "", true
}

func (rule *periodRule) matches(s string) bool {
	for a := 0; a < len(s); {
		if !isWordByte(s[a]) {
			a++
			continue
		}
		b := a + 1
		for b < len(s) && isWordByte(s[b]) {
			b++
		}
		if rule.matchesRun(s, a, b) {
			return true
		}
		a = b
	}
	return false
}

// matchesRun reports whether one alternative of rule matches with its last
// word the run s[a:b].
func (rule *periodRule) matchesRun(s string, a, b int) bool {
	w := s[a:b]
	if anyFold(rule.words, w) {
		return true
	}
	for _, st := range rule.stems {
		if len(w) >= len(st) && equalFoldASCII(w[:len(st)], st) {
			return true
		}
	}
	unit, parUnit := anyFold(rule.units, w), anyFold(rule.parUnits, w)
	if unit || parUnit {
		// what stands before the unit, past the spaces
		p := a
		for p > 0 && isRegexpSpace(s[p-1]) {
			p--
		}
		if unit && p > 0 && s[p-1] == '/' {
			return true
		}
		if p < a && p > 0 && isWordByte(s[p-1]) {
			q := p - 1
			for q > 0 && isWordByte(s[q-1]) {
				q--
			}
			prev := s[q:p]
			if unit && anyFold(rule.prefixes, prev) {
				return true
			}
			if parUnit && (equalFoldASCII(prev, "par") || equalFoldASCII(prev, "al") || equalFoldASCII(prev, "por")) {
				return true
			}
		}
	}
	if rule.pa {
		// \bp\.?a\.?\b: "pa", or "p.a" (a trailing dot changes nothing:
		// without it, the \b falls after the "a")
		if equalFoldASCII(w, "pa") {
			return true
		}
		if equalFoldASCII(w, "a") && a >= 2 && s[a-1] == '.' && (s[a-2] == 'p' || s[a-2] == 'P') &&
			(a == 2 || !isWordByte(s[a-3])) {
			return true
		}
	}
	return false
}

func anyFold(list []string, w string) bool {
	for _, x := range list {
		if equalFoldASCII(w, x) {
			return true
		}
	}
	return false
}

// equalFoldASCII compares an ASCII word with a lower-case ASCII one.
func equalFoldASCII(w, lower string) bool {
	if len(w) != len(lower) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// isRegexpSpace: the bytes of \s.
func isRegexpSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
