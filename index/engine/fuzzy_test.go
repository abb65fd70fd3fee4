package engine

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/vellum/levenshtein"
	"github.com/jobcrawl/jobcrawl/index/words"
)

// TestLevAutomatonMatchesVellum checks the lazy automaton against
// vellum/levenshtein's DFA (with transpositions) on random word pairs:
// the same words match, at the same distance.
func TestLevAutomatonMatchesVellum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcdeé")
	word := func() string {
		var b strings.Builder
		for range 1 + r.IntN(9) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	mutate := func(w string) string { // a few random edits, so that many pairs are close
		rs := []rune(w)
		for range r.IntN(4) {
			i := r.IntN(len(rs) + 1)
			switch r.IntN(4) {
			case 0:
				rs = slices.Insert(rs, i, alphabet[r.IntN(len(alphabet))])
			case 1:
				if i < len(rs) {
					rs = slices.Delete(rs, i, i+1)
				}
			case 2:
				if i < len(rs) {
					rs[i] = alphabet[r.IntN(len(alphabet))]
				}
			case 3:
				if i+1 < len(rs) {
					rs[i], rs[i+1] = rs[i+1], rs[i]
				}
			}
		}
		return string(rs)
	}
	for k := 1; k <= 2; k++ {
		lb, err := levenshtein.NewLevenshteinAutomatonBuilder(uint8(k), true)
		if err != nil {
			t.Fatal(err)
		}
		matches := 0
		for range 600 {
			q := word()
			dfa, err := lb.BuildDfa(q, uint8(k))
			if err != nil {
				t.Fatal(err)
			}
			a := newLevAutomaton(q, k)
			for range 10 {
				key := mutate(q)
				wantOK, wantDist := dfa.MatchAndDistance(key)
				a.reset()
				gotDist, gotOK := levDistance(a, key)
				if gotOK != wantOK || gotOK && gotDist != int(wantDist) {
					t.Fatalf("k=%d %q vs %q: got %v %d, vellum %v %d", k, q, key, gotOK, gotDist, wantOK, wantDist)
				}
				if gotOK {
					matches++
				}
			}
		}
		if matches < 500 {
			t.Errorf("k=%d: only %d matching pairs tested", k, matches)
		}
	}
}

func TestDictFuzzyAndPrefix(t *testing.T) {
	words := []string{"engineer", "engineers", "engineering", "enginer", "software", "softwares", "sofa", "soft", "data", "date"}
	var entries []dictEntry
	for i, w := range words {
		entries = append(entries, dictEntry{w, uint32(i)})
	}
	// half in the FST, half in the side list
	d, err := (&dict{}).withAdded(slices.Clone(entries[:5]))
	if err != nil {
		t.Fatal(err)
	}
	if d, err = d.rebuilt(); err != nil {
		t.Fatal(err)
	}
	if d, err = d.withAdded(slices.Clone(entries[5:])); err != nil {
		t.Fatal(err)
	}
	if d.nfst != 5 || len(d.side) != 5 {
		t.Fatalf("fst %d, side %d", d.nfst, len(d.side))
	}
	for i, w := range words {
		if id, ok := d.get([]byte(w)); !ok || id != uint32(i) {
			t.Errorf("get %q: %d %v", w, id, ok)
		}
	}
	fuzzy := func(q string, k int) []string {
		var out []string
		if err := d.fuzzy(newLevAutomaton(q, k), func(key []byte, _ uint32, dist int) bool {
			out = append(out, string(key)+":"+string(rune('0'+dist)))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	if got, want := fuzzy("enginer", 1), []string{"engineer:1", "enginer:0"}; !slices.Equal(got, want) {
		t.Errorf("fuzzy enginer: got %v, want %v", got, want)
	}
	if got, want := fuzzy("sofware", 1), []string{"software:1"}; !slices.Equal(got, want) {
		t.Errorf("fuzzy sofware: got %v, want %v", got, want)
	}
	if got, want := fuzzy("engineerx", 2), []string{"engineer:1", "engineers:1", "enginer:2"}; !slices.Equal(got, want) {
		t.Errorf("fuzzy engineerx: got %v, want %v", got, want)
	}
	var pre []string
	d.prefix([]byte("soft"), func(k []byte, _ uint32) bool { pre = append(pre, string(k)); return true })
	slices.Sort(pre)
	if want := []string{"soft", "software", "softwares"}; !slices.Equal(pre, want) {
		t.Errorf("prefix soft: got %v, want %v", pre, want)
	}
	var all []string
	d.each(func(k []byte, _ uint32) bool { all = append(all, string(k)); return true })
	if !slices.IsSorted(all) || len(all) != len(words) {
		t.Errorf("each: %v", all)
	}
}

func TestTokenize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Frontend-Developer (m/w/d)", []string{"frontend", "developer", "m", "w", "d"}},
		{"São Paulo, Île-de-France; Straße", []string{"sao", "paulo", "ile", "de", "france", "strasse"}},
		{"C++ & .NET 8", []string{"c", "net", "8"}},
		{"e\u0301cole", []string{"ecole"}},
		{"東京 Tokyo", []string{"東京", "tokyo"}},
		{strings.Repeat("x", 65) + " ok", []string{"ok"}},
	} {
		if got := words.Split(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Split(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDocset(t *testing.T) {
	a := docsetOf([]uint32{1, 5, 70000, 140000})
	b := docsetOf([]uint32{5, 6, 140000, 200000})
	list := func(s docset) []uint32 {
		var out []uint32
		s.each(func(d uint32) bool { out = append(out, d); return true })
		return out
	}
	if got := list(and(a, b)); !slices.Equal(got, []uint32{5, 140000}) {
		t.Errorf("and: %v", got)
	}
	if got := list(or(a, b)); !slices.Equal(got, []uint32{1, 5, 6, 70000, 140000, 200000}) {
		t.Errorf("or: %v", got)
	}
	if got := list(andNot(a, b)); !slices.Equal(got, []uint32{1, 70000}) {
		t.Errorf("andNot: %v", got)
	}
	if got := andCard(a, b); got != 2 {
		t.Errorf("andCard: %d", got)
	}
	c := a.withRemoved([]uint32{70000}).withAdded([]uint32{3, 300000})
	if got := list(c); !slices.Equal(got, []uint32{1, 3, 5, 140000, 300000}) {
		t.Errorf("withRemoved/withAdded: %v", got)
	}
	if got := list(a); !slices.Equal(got, []uint32{1, 5, 70000, 140000}) {
		t.Errorf("a changed: %v", got)
	}
	newNum := make([]uint32, 300001)
	newNum[5], newNum[140000], newNum[300000] = 1, 2, 3
	if got := list(c.remapped(newNum)); !slices.Equal(got, []uint32{0, 1, 2}) {
		t.Errorf("remapped: %v", got)
	}
}
