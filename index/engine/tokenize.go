package engine

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTokenLen is the longest word indexed, in bytes (after folding): longer
// runs of letters and digits (hashes, base64, URLs without separators) are
// skipped, in documents and in queries alike, so nobody searches them and
// they do not bloat the vocabulary.
const maxTokenLen = 64

// tokenize calls emit with each word of s: a run of Unicode letters and
// digits, lowercased, its diacritics folded where a table does it cheaply
// (é→e, ß→ss, ø→o). Anything else separates words, so "frontend-developer"
// and "frontend/developer" are both two words. Combining marks inside a
// word are dropped ("e\u0301" is "e"). emit's slice is reused for the next
// word: copy it to keep it. buf is scratch space, returned for reuse.
func tokenize(s string, buf []byte, emit func(word []byte)) []byte {
	w := buf[:0]
	flush := func() {
		if len(w) > 0 && len(w) <= maxTokenLen {
			emit(w)
		}
		w = w[:0]
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				w = append(w, c)
			case 'A' <= c && c <= 'Z':
				w = append(w, c+'a'-'A')
			default:
				flush()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			w = appendFolded(w, r)
		case unicode.Is(unicode.Mn, r):
			// a combining mark: part of the word, folded away
		default:
			flush()
		}
	}
	flush()
	return w
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

// words returns the words of a query, as tokenize finds them.
func words(s string) []string {
	var out []string
	tokenize(s, nil, func(w []byte) { out = append(out, string(w)) })
	return out
}

// foldValue is the key of a facet value: filters match values whatever
// their case ("houston" finds "Houston") and surrounding spaces. Diacritics
// are kept: "Sao Paulo" is not "São Paulo" for a filter. An empty key means
// no value: it is never stored.
func foldValue(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}
