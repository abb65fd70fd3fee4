package extract

import (
	"math/rand"
	"strings"
	"testing"
	"unicode"
)

// normHeadingRunes is normHeading as first written, rune by rune through a
// strings.Builder. TestNormHeadingBytes checks the byte-wise form, and
// headingKindOf's early give-up on long text, against it.
func normHeadingRunes(s string) string {
	if len(s) > maxSectionHeading {
		return ""
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '&':
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("and")
			space = true
			continue
		case r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´':
			if b.Len() > 0 && !space {
				b.WriteByte('\'')
			}
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
		default:
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if f, ok := foldAccent(r); ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	out := b.String()
	if i := strings.IndexByte(out, ' '); i > 0 && allDigits(out[:i]) {
		out = out[i+1:]
	}
	return out
}

func TestNormHeadingBytes(t *testing.T) {
	var pieces []string
	for _, words := range sectionVocabulary {
		for _, w := range words {
			pieces = append(pieces, w, strings.ToUpper(w), strings.Title(w))
		}
	}
	pieces = append(pieces, " ", "  ", ":", "&", "'", "’", "`", "´", "1.", "2)", "12 ", "-", "\t", "\u00a0", "É", "ß",
		"Œ", "\u212a", "ſ", "東京", "\xff", "_", "x", "Z", "٣", "and", "/", "?")
	cases := append([]string{}, pieces...)
	rng := rand.New(rand.NewSource(4))
	for range 100000 {
		var b strings.Builder
		for range rng.Intn(8) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		want := normHeadingRunes(c)
		if got := normHeading(c); got != want {
			t.Fatalf("normHeading(%q) = %q, want %q", c, got, want)
		}
		wantKind := kindNone
		if len(c) <= maxSectionHeading {
			wantKind = sectionKeys[want]
		}
		if got := headingKindOf(c); got != wantKind {
			t.Fatalf("headingKindOf(%q) = %v, want %v", c, got, wantKind)
		}
	}
}
