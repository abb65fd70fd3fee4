package extract

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// textSpacedWordByWord is textSpaced as it was written first: one word at
// a time. TestTextSpacedRuns checks that appending runs of words gives the
// same lines.
func (w *lineWriter) textSpacedWordByWord(s string) {
	if s == "" {
		return
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	start := -1
	for i, r := range s {
		sp := isSpace(r)
		switch {
		case sp && start >= 0:
			w.word(s[start:i])
			start = -1
			w.space = true
		case sp:
			w.space = true
		case start < 0:
			start = i
		}
	}
	if start >= 0 {
		w.word(s[start:])
	}
}

func TestTextSpacedRuns(t *testing.T) {
	pieces := []string{"a", "word", "Zürich", "東京", " ", " ", " ", "  ", "\t", "\n", "\r\n", "\v", "\f",
		"\u00a0", "\u200b", "\u2003", "\u3000", "\xff", "\xe2\x80", "-", ".", "1", "\u0085", "\u2028",
		// printable ASCII and single spaces, read eight bytes at a time (plainRun8)
		"quick brown fox", "a b c d e f g h", "x", "\x01", "\x7f", "~"}
	rng := rand.New(rand.NewSource(1))
	for range 100000 {
		var texts []string
		for range 1 + rng.Intn(3) {
			var b strings.Builder
			for range rng.Intn(16) {
				b.WriteString(pieces[rng.Intn(len(pieces))])
			}
			texts = append(texts, b.String())
		}
		var got, want lineWriter
		for i, s := range texts {
			got.textSpaced(s)
			want.textSpacedWordByWord(s)
			if i == 1 {
				got.breakLine()
				want.breakLine()
			}
		}
		got.breakLine()
		want.breakLine()
		if !slices.Equal(got.lines, want.lines) {
			t.Fatalf("textSpaced(%q) = %q, want %q", texts, got.lines, want.lines)
		}
	}
}

// TestNodeTextJoined checks nodeText, which joins its lines as it writes
// them, against the lines nodeLines gives, for every node of the test pages.
func TestNodeTextJoined(t *testing.T) {
	pages, _ := filepath.Glob("testdata/*.html")
	more, _ := filepath.Glob("testdata/bench_pages/*.html")
	for _, p := range append(pages, more...) {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		root, err := html.Parse(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		var visit func(n *html.Node, d int)
		visit = func(n *html.Node, d int) {
			if got, want := nodeText(n), strings.Join(nodeLines(n), "\n"); got != want {
				t.Fatalf("%s: nodeText(<%s>) = %q, want %q", p, n.Data, got, want)
			}
			for c := n.FirstChild; c != nil && d < 64; c = c.NextSibling {
				visit(c, d+1)
			}
		}
		visit(root, 0)
	}
}

// sentencesByteByByte is sentences as first written, testing every byte.
func sentencesByteByByte(s string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(s); i++ {
		if strings.IndexByte(".!?;", s[i]) >= 0 && s[i+1] == ' ' && unicode.IsUpper(firstRune(s[i+2:])) {
			out = append(out, s[start:i+1])
			start = i + 2
		}
	}
	return append(out, s[start:])
}

func TestSentences(t *testing.T) {
	pieces := []string{"a", "Word", "É", "é", " ", ".", "!", "?", ";", ". ", "; X", "? é", "\xff", "x", "3", "ſ", "Job # 3"}
	rng := rand.New(rand.NewSource(7))
	for range 100000 {
		var b strings.Builder
		for range rng.Intn(12) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		s := b.String()
		if got, want := splitSentences(s), sentencesByteByByte(s); !slices.Equal(got, want) {
			t.Fatalf("splitSentences(%q) = %q, want %q", s, got, want)
		}
		// stopping early
		for range sentences(s) {
			break
		}
	}
}
