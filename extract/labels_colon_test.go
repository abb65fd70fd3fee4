package extract

import (
	"math/rand"
	"strings"
	"testing"
)

// TestIndexColon checks indexColon against strings.IndexAny.
func TestIndexColon(t *testing.T) {
	pieces := []string{"a", " ", ":", "：", "\xef", "\xef\xbc", "\xbc\x9a", "\x9a", "é", "東", "\xff", "x:", "\t"}
	rng := rand.New(rand.NewSource(2))
	for range 100000 {
		var b strings.Builder
		for range rng.Intn(10) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		s := b.String()
		if got, want := indexColon(s, false), strings.IndexAny(s, ":："); got != want {
			t.Fatalf("indexColon(%q) = %d, want %d", s, got, want)
		}
		if got, want := indexColon(s, true), strings.IndexAny(s, " :："); got != want {
			t.Fatalf("indexColon(%q, space) = %d, want %d", s, got, want)
		}
	}
}
