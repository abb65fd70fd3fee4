package words

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SnippetLen is the length of a hit's snippet, in characters, before
// escaping and marks.
const SnippetLen = 240

// span is a byte range of a text.
type span struct{ start, end int }

// Snippet returns an excerpt of text that shows where the words of query
// match it: the sentence holding most of them, and the sentences after it
// while they fit in about n characters. The excerpt is HTML-escaped, each
// matching word is wrapped in <mark>…</mark>, and runs of white space read
// as one space; a line break that ends no sentence (a heading, a list
// item) reads as " · ", so lines do not run together. A sentence longer
// than n is cut at words around its first match, with "…" where text is
// left out. Snippet is empty when query has no words or text holds none
// of them. To make the snippets of many texts for one query, use a
// Snippeter.
func Snippet(text, query string, n int) string {
	return NewSnippeter(query, n).Snippet(text)
}

// Snippeter makes the snippets of one query (see Snippet), remembering
// which words of the texts it has seen match: the hits of a search share
// most of their vocabulary.
type Snippeter struct {
	qs    []string
	n     int
	m     *matcher
	known map[string]int // word of a text → the query word it matches, or -1
	// first holds the first bytes of the query words: a word of a text
	// matches one only when it starts the same (exactly, as a prefix or
	// with a typo, which may not fall on the first letter), unless a query
	// word has two typos to spend (firstAny).
	first    [256]bool
	firstAny bool
}

// NewSnippeter returns a Snippeter for query, making snippets of about n
// characters.
func NewSnippeter(query string, n int) *Snippeter {
	qs := Query(query)
	sn := &Snippeter{qs: qs, n: n, m: newMatcher(qs, LastIsPrefix(query)), known: map[string]int{}}
	for _, q := range qs {
		sn.first[q[0]] = true
		sn.firstAny = sn.firstAny || TypoBudget(q) >= 2
	}
	return sn
}

// maxKnown bounds what a Snippeter remembers.
const maxKnown = 1 << 14

// Snippet returns the snippet of text.
func (sn *Snippeter) Snippet(text string) string {
	qs, n := sn.qs, sn.n
	if len(qs) == 0 || text == "" || n <= 0 {
		return ""
	}
	// the words of text that match, with the query word each matches
	type hit struct {
		span
		word int
	}
	var hits []hit
	Tokenize(text, nil, func(w []byte, start, end int) {
		if !sn.firstAny && !sn.first[w[0]] {
			return // no query word can match a word starting so
		}
		q, ok := sn.known[string(w)]
		if !ok {
			q = -1
			for i := range qs {
				if _, ok := sn.m.match(i, w); ok {
					q = i
					break
				}
			}
			if len(sn.known) < maxKnown {
				sn.known[string(w)] = q
			}
		}
		if q >= 0 {
			hits = append(hits, hit{span{start, end}, q})
		}
	})
	if len(hits) == 0 {
		return ""
	}
	sents := sentences(text)
	// the sentence matching most distinct query words; the first on ties
	best, bestN := 0, 0
	for si, s := range sents {
		var seen uint64
		count := 0
		for _, h := range hits {
			if h.start >= s.start && h.end <= s.end && seen&(1<<h.word) == 0 {
				seen |= 1 << h.word
				count++
			}
		}
		if count > bestN {
			best, bestN = si, count
		}
	}

	// the window: whole sentences from the best one while they fit, or a
	// cut of the best one around its first match
	win := sents[best]
	lead, trail := false, false
	if runes(text, win) > n {
		first := win.start
		for _, h := range hits {
			if h.start >= win.start {
				first = h.start
				break
			}
		}
		start := first
		for back := 0; start > win.start && back < n/3; back++ {
			_, size := utf8.DecodeLastRuneInString(text[:start])
			start -= size
		}
		start = wordStart(text, start, win.start)
		end := start
		for k := 0; end < win.end && k < n; k++ {
			_, size := utf8.DecodeRuneInString(text[end:])
			end += size
		}
		end = wordEnd(text, end, win.end, first)
		lead, trail = start > win.start, end < win.end
		win = span{start, end}
	} else {
		for _, s := range sents[best+1:] {
			if runes(text, span{win.start, s.end}) > n {
				trail = true
				break
			}
			win.end = s.end
		}
	}

	var b strings.Builder
	if lead {
		b.WriteString("… ")
	}
	at := win.start
	for _, h := range hits {
		if h.start < win.start || h.end > win.end {
			continue
		}
		writeText(&b, text[at:h.start])
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[h.start:h.end]))
		b.WriteString("</mark>")
		at = h.end
	}
	writeText(&b, text[at:win.end])
	if trail {
		b.WriteString(" …")
	}
	return b.String()
}

// sentences splits text into sentences: a run ends after '.', '!', '?' or
// '…' (and any closing quotes or brackets) followed by white space, and at
// a line break. Leading and trailing white space is not part of one.
func sentences(text string) []span {
	var out []span
	start := -1
	add := func(end int) {
		if start >= 0 {
			out = append(out, span{start, end})
		}
		start = -1
	}
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf && c != '.' && c != '!' && c != '?' && c != '\n' && c != '\r' {
			// the common case, decided on the byte
			if start < 0 && c != ' ' && c != '\t' && c != '\v' && c != '\f' {
				start = i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n' || r == '\r':
			add(trimEnd(text, i))
		case r == ' ' || r == '\t' || r >= utf8.RuneSelf && unicode.IsSpace(r):
		default:
			if start < 0 {
				start = i
			}
			if r == '.' || r == '!' || r == '?' || r == '…' {
				j := i + size
				for j < len(text) && (text[j] == '"' || text[j] == '\'' || text[j] == ')' || text[j] == ']') {
					j++
				}
				for j < len(text) && (strings.HasPrefix(text[j:], "”") || strings.HasPrefix(text[j:], "’")) {
					j += len("”")
				}
				if j == len(text) || isSpaceAt(text, j) {
					add(j)
					size = j - i
				}
			}
		}
		i += size
	}
	add(trimEnd(text, len(text)))
	return out
}

// writeText writes s escaped, with each run of white space as one space,
// or as " · " where a line break follows a line that ends no sentence.
func writeText(b *strings.Builder, s string) {
	for s != "" {
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			b.WriteString(html.EscapeString(s))
			return
		}
		b.WriteString(html.EscapeString(s[:i]))
		j := i
		br := false
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !unicode.IsSpace(r) {
				break
			}
			br = br || r == '\n' || r == '\r'
			j += size
		}
		prev, _ := utf8.DecodeLastRuneInString(strings.TrimRightFunc(b.String(), unicode.IsSpace))
		switch {
		case br && b.Len() > 0 && !strings.ContainsRune(".!?…:;,·", prev):
			b.WriteString(" · ")
		default:
			b.WriteByte(' ')
		}
		s = s[j:]
	}
}

func isSpaceAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

// trimEnd moves end back over white space.
func trimEnd(s string, end int) int {
	return len(strings.TrimRightFunc(s[:end], unicode.IsSpace))
}

func runes(s string, sp span) int { return utf8.RuneCountInString(s[sp.start:sp.end]) }

// wordStart moves i forward to the start of a word, unless it is at one
// (or at floor).
func wordStart(s string, i, floor int) int {
	if i <= floor || isSpaceAt(s, i-1) {
		return i
	}
	j := strings.IndexFunc(s[i:], unicode.IsSpace)
	if j < 0 {
		return i
	}
	return i + j + 1
}

// wordEnd moves i back to the end of a word, unless it is at one (or at
// ceil), never before keep.
func wordEnd(s string, i, ceil, keep int) int {
	if i >= ceil || isSpaceAt(s, i) {
		return i
	}
	j := strings.LastIndexFunc(s[:i], unicode.IsSpace)
	if j <= keep {
		return i
	}
	return trimEnd(s, j)
}
