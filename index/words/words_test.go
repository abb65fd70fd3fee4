package words

import (
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Frontend-Developer (m/w/d)", []string{"frontend", "developer", "m", "w", "d"}},
		{"São Paulo, Straße", []string{"sao", "paulo", "strasse"}},
		{"e\u0301cole C++ C#", []string{"ecole", "c", "c"}},
		{"  ", nil},
		{strings.Repeat("x", MaxLen+1) + " ok", []string{"ok"}},
	} {
		if got := Split(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Split(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Query("a b c d e f g h i j k l"); len(got) != MaxQueryWords {
		t.Errorf("Query keeps %d words, want %d", len(got), MaxQueryWords)
	}
}

func TestTokenizeOffsets(t *testing.T) {
	s := "Über-Team: ÉCOLE"
	var got []string
	Tokenize(s, nil, func(w []byte, start, end int) { got = append(got, string(w)+"="+s[start:end]) })
	if want := []string{"uber=Über", "team=Team", "ecole=ÉCOLE"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		q, token string
		last     bool
		typos    int
		ok       bool
	}{
		{"sales", "sales", false, 0, true},
		{"sal", "sales", true, 0, true},               // prefix, last word
		{"sal", "sales", false, 0, false},             // not the last word: no prefix
		{"sals", "sales", false, 0, false},            // under 5 letters: no typo
		{"enginer", "engineer", false, 1, true},       // one typo from 5 letters
		{"enigneer", "engineer", false, 1, true},      // a swap is one typo
		{"enginr", "engineer", false, 2, false},       // two typos under 9 letters
		{"engenering", "engineering", false, 2, true}, // two from 9
		{"engenerinng", "engineering", false, 3, false},
		{"wanager", "manager", false, 2, false},      // a first-letter typo counts twice
		{"wanagement", "management", false, 2, true}, // ... which 9 letters allow
		{"managr", "manager", true, 1, true},
	} {
		typos, ok := Match(c.q, c.token, c.last)
		if ok != c.ok || ok && typos != c.typos {
			t.Errorf("Match(%q, %q, last=%v) = %d, %v; want %d, %v", c.q, c.token, c.last, typos, ok, c.typos, c.ok)
		}
	}
	if d := Distance("enginr", "engineering", true, 2); d != 1 {
		t.Errorf("prefix distance = %d, want 1", d)
	}
}

func TestSentences(t *testing.T) {
	text := "About us\nWe build things. Really!  \"Quoted.\" Version 2.5 ships\n\n- item one\n"
	var got []string
	for _, s := range sentences(text) {
		got = append(got, text[s.start:s.end])
	}
	want := []string{"About us", "We build things.", "Really!", `"Quoted."`, "Version 2.5 ships", "- item one"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSnippet(t *testing.T) {
	text := "About the team\nWe ship <fast> & safe code. You will design the Kubernetes platform. Benefits follow."
	for _, c := range []struct {
		name, query string
		n           int
		want        string
	}{
		{"the best sentence and what fits after it", "kubernetes platform", 240,
			"You will design the <mark>Kubernetes</mark> <mark>platform</mark>. Benefits follow."},
		{"escaped, and a line that ends no sentence reads as a separator", "team ship", 240,
			"About the <mark>team</mark> · We <mark>ship</mark> &lt;fast&gt; &amp; safe code. You will design the Kubernetes platform. Benefits follow."},
		{"a typo and a prefix", "kubernets plat", 240,
			"You will design the <mark>Kubernetes</mark> <mark>platform</mark>. Benefits follow."},
		{"only what fits", "design", 45, "You will <mark>design</mark> the Kubernetes platform. …"},
		{"no match", "salary", 240, ""},
		{"no query", "  ", 240, ""},
	} {
		if got := Snippet(text, c.query, c.n); got != c.want {
			t.Errorf("%s: Snippet(%q)\n got %q\nwant %q", c.name, c.query, got, c.want)
		}
	}
	long := strings.Repeat("filler words here ", 30) + "the needle is here " + strings.Repeat("more words after ", 30)
	got := Snippet(long, "needle", 80)
	if !strings.HasPrefix(got, "… ") || !strings.HasSuffix(got, " …") || !strings.Contains(got, "<mark>needle</mark>") {
		t.Errorf("cut of a long sentence: %q", got)
	}
	if n := len([]rune(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(got))); n > 80+4 {
		t.Errorf("cut is %d characters long: %q", n, got)
	}
}

func TestDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"start_url", "start_urls", 1}, {"strat", "start", 1}, {"ab", "ba", 1}, {"über", "uber", 1},
	}
	for _, c := range cases {
		if got := Distance(c.a, c.b, false, 10); got != c.want {
			t.Errorf("Distance(%q, %q): got %d, want %d", c.a, c.b, got, c.want)
		}
	}
	if got := Distance("kitten", "sitting", false, 1); got != 2 {
		t.Errorf("over the limit: got %d, want 2 (limit+1)", got)
	}
}
