package engine

import (
	"strings"

	"github.com/jobcrawl/jobcrawl/index/words"
)

// maxTokenLen is the longest word indexed, in bytes (after folding).
const maxTokenLen = words.MaxLen

// tokenize calls emit with each word of s, as words.Tokenize finds them
// (lowercased, diacritics folded, punctuation separating). emit's slice is
// reused for the next word: copy it to keep it. buf is scratch space,
// returned for reuse.
func tokenize(s string, buf []byte, emit func(word []byte)) []byte {
	return words.Tokenize(s, buf, func(w []byte, _, _ int) { emit(w) })
}

// queryWords returns the words of a query that count.
func queryWords(s string) []string { return words.Query(s) }

// foldValue is the key of a facet value: filters match values whatever
// their case ("houston" finds "Houston") and surrounding spaces. Diacritics
// are kept: "Sao Paulo" is not "São Paulo" for a filter. An empty key means
// no value: it is never stored.
func foldValue(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}
