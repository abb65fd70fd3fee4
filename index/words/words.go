// Package words is how every backend reads text: the tokenizer (words,
// lowercased, diacritics folded), the typo rules of a query word, and the
// highlighted snippet of a search hit. The embedded engine indexes with it;
// the Meilisearch backend uses it to normalise queries and build snippets,
// so that both backends answer a query the same way.
package words

import (
	"unicode"
	"unicode/utf8"
)

// MaxLen is the longest word indexed, in bytes (after folding): longer
// runs of letters and digits (hashes, base64, URLs without separators) are
// skipped, in documents and in queries alike, so nobody searches them and
// they do not bloat the vocabulary.
const MaxLen = 64

// MaxQueryWords is how many words of a query count: later ones are ignored,
// as Meilisearch ignores them.
const MaxQueryWords = 10

// Tokenize calls emit with each word of s and its byte range in s: a run of
// Unicode letters and digits, lowercased, its diacritics folded where a
// table does it cheaply (é→e, ß→ss, ø→o). Anything else separates words,
// so "frontend-developer" and "frontend/developer" are both two words.
// Combining marks inside a word are dropped ("e\u0301" is "e"). emit's
// slice is reused for the next word: copy it to keep it. buf is scratch
// space, returned for reuse.
func Tokenize(s string, buf []byte, emit func(word []byte, start, end int)) []byte {
	w := buf[:0]
	start := -1
	flush := func(end int) {
		if len(w) > 0 && len(w) <= MaxLen {
			emit(w, start, end)
		}
		w, start = w[:0], -1
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				if start < 0 {
					start = i
				}
				w = append(w, c)
			case 'A' <= c && c <= 'Z':
				if start < 0 {
					start = i
				}
				w = append(w, c+'a'-'A')
			default:
				flush(i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
			w = appendFolded(w, r)
		case unicode.Is(unicode.Mn, r):
			// a combining mark: part of the word, folded away
		default:
			flush(i)
		}
		i += size
	}
	flush(len(s))
	return w
}

// Split returns the words of s, as Tokenize finds them.
func Split(s string) []string {
	var out []string
	Tokenize(s, nil, func(w []byte, _, _ int) { out = append(out, string(w)) })
	return out
}

// Query returns the words of a query that count: at most MaxQueryWords.
func Query(s string) []string {
	ws := Split(s)
	return ws[:min(len(ws), MaxQueryWords)]
}

// appendFolded appends r lowercased and without its diacritics.
func appendFolded(w []byte, r rune) []byte {
	r = unicode.ToLower(r)
	if f, ok := foldRunes[r]; ok {
		return append(w, f...)
	}
	return utf8.AppendRune(w, r)
}

// foldRunes maps the lowercase letters of Latin-1 and Latin Extended-A (and
// the Romanian comma letters) to their base letters. Other scripts are kept
// as they are: folding them needs Unicode decomposition tables, which cost
// more than they bring to job postings.
var foldRunes = func() map[rune]string {
	groups := []struct{ to, from string }{
		{"a", "àáâãäåāăą"}, {"c", "çćĉċč"}, {"d", "ďđð"}, {"e", "èéêëēĕėęě"},
		{"g", "ĝğġģ"}, {"h", "ĥħ"}, {"i", "ìíîïĩīĭįı"}, {"j", "ĵ"}, {"k", "ķ"},
		{"l", "ĺļľŀł"}, {"n", "ñńņňŉ"}, {"o", "òóôõöøōŏő"}, {"r", "ŕŗř"},
		{"s", "śŝşšſș"}, {"t", "ţťŧț"}, {"u", "ùúûüũūŭůűų"}, {"w", "ŵ"},
		{"y", "ýÿŷ"}, {"z", "źżž"}, {"ss", "ß"}, {"ae", "æ"}, {"oe", "œ"}, {"th", "þ"},
	}
	m := map[rune]string{}
	for _, g := range groups {
		for _, r := range g.from {
			m[r] = g.to
		}
	}
	return m
}()

// LastIsPrefix reports whether the last word of query q may match as a
// prefix: unless q ends with a separator ("engineer " finds "engineer"
// only, "engineer" also "engineering"), as in Meilisearch.
func LastIsPrefix(q string) bool {
	r, _ := utf8.DecodeLastRuneInString(q)
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}
