package extract

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRequiredLiterals(t *testing.T) {
	cases := []struct {
		expr  string
		yes   []string // texts the prefilter must let through
		no    []string // texts it may skip (none of the literals)
		nolit bool     // no literal is required
	}{
		{expr: `(?i)\b(part[- _]?time|teilzeit)\b`, yes: []string{"PART-TIME", "Teilzeit"}, no: []string{"Full time", "Remote"}},
		{expr: `(?i)(/|\bper\b|\ban?\b)\s*(hour|hr|h)\b|\bhourly\b`, yes: []string{"$50/h", "per hour"}, no: []string{"EUR 113,000 per year"}},
		{expr: `(?i)\bwork\b`, yes: []string{"wor\u212a"}}, // KELVIN SIGN folds to k
		{expr: `\d+`, nolit: true},
		{expr: `(?i)^\W*(apply|申请)\W*$`, yes: []string{"申请", "Apply »"}, no: []string{"Share"}},
	}
	for _, c := range cases {
		r := mustFilter(c.expr)
		if c.nolit != (len(r.need) == 0) {
			t.Errorf("%s: %d literal sets", c.expr, len(r.need))
		}
		for _, s := range c.yes {
			if !r.mayMatch(s) {
				t.Errorf("%s: prefilter skips %q", c.expr, s)
			}
		}
		for _, s := range c.no {
			if r.mayMatch(s) {
				t.Errorf("%s: prefilter lets %q through", c.expr, s)
			}
		}
	}
}

// TestPrefilterSound runs every expression of the package, with its
// prefilter, over the lines and words of the testdata pages: whatever the
// expression matches, the prefilter must let through.
func TestPrefilterSound(t *testing.T) {
	var exprs []string
	sources, _ := filepath.Glob("*.go")
	lit := regexp.MustCompile("(?:MustCompile|mustFilter)\\(`([^`]*)`\\)")
	for _, f := range sources {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			exprs = append(exprs, m[1])
		}
	}
	pages, _ := filepath.Glob("testdata/*.html")
	tag := regexp.MustCompile(`<[^>]*>`)
	var texts []string
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(tag.ReplaceAllString(string(b), "\n"), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				texts = append(texts, l)
				f := strings.Fields(l)
				for i := range f {
					texts = append(texts, strings.Join(f[i:min(len(f), i+3)], " "))
				}
			}
		}
	}
	if len(exprs) < 20 || len(texts) < 1000 {
		t.Fatalf("%d expressions, %d texts: the test reads the package's sources and testdata", len(exprs), len(texts))
	}
	for _, e := range exprs {
		r := mustFilter(e)
		for _, s := range texts {
			if !r.mayMatch(s) && r.Regexp.MatchString(s) {
				t.Errorf("%s: the prefilter skips %.60q, which matches", e, s)
				break
			}
		}
	}
}

func TestLowerEquals(t *testing.T) {
	for _, s := range []string{"", "Senior Engineer", "senior engineer", "İstanbul", "ıi", "KELVIN \u212a", "Straße", "bad \xff byte", "ǅungla", "ΣΑΣ", "σας"} {
		for _, other := range []string{"", "Senior Engineer", "senior engineer", "istanbul", "i̇stanbul", "kelvin k", "straße", "bad \ufffd byte", "ǆungla", "σασ", "σας"} {
			want := strings.ToLower(s) == other
			if got := lowerEquals(s, other); got != want {
				t.Errorf("lowerEquals(%q, %q) = %v, want %v", s, other, got, want)
			}
		}
	}
}

// TestMayBeLabel checks labelOf's first-word test and its lookup of clean
// ASCII text against the full lookup on every label in several spellings
// and on every line of the test pages.
func TestMayBeLabel(t *testing.T) {
	var texts []string
	for l := range labelField {
		for _, v := range []string{l, strings.ToUpper(l), strings.Title(l), l + ":", l + " :", l + "*", " " + l, l + "：", l + " x"} {
			texts = append(texts, v)
		}
	}
	pages, _ := filepath.Glob("testdata/*.html")
	for _, p := range pages {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			texts = append(texts, strings.TrimSpace(line), line)
		}
	}
	for _, s := range texts {
		if len(s) > maxLabelLen+8 {
			continue
		}
		wantNorm := normLabel(s)
		wantField, want := labelField[wantNorm]
		field, norm, got := labelOf(s)
		if got != want {
			t.Errorf("labelOf(%q) found = %v, want %v", s, got, want)
		}
		if got && (field != wantField || norm != wantNorm) {
			t.Errorf("labelOf(%q) = %q, %q, want %q, %q", s, field, norm, wantField, wantNorm)
		}
	}
}

// TestLiteralSetIn compares the set's two-byte screen with a plain search
// for each literal, on literals of one byte and more at every position.
func TestLiteralSetIn(t *testing.T) {
	lits := []string{"a", "go", "rust", "申请", "c++", "x"}
	var l literalSet
	for _, s := range lits {
		l.add(s)
	}
	texts := []string{"", "A", "b", "G", "gO", "xGo", "RuST!", "rus", "申", "申请职位", "C+", "c++", "bbbbx", "Xb", "zzz"}
	for _, s := range texts {
		want := false
		for _, lit := range lits {
			if strings.Contains(strings.ToLower(s), lit) {
				want = true
			}
		}
		if got := l.in(s); got != want {
			t.Errorf("in(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestDescWord(t *testing.T) {
	words := []string{"descr", "detail", "body", "jd"}
	for _, s := range []string{"", "d", "jd", "JD", "xjD", "job-Description", "details", "detai", "DETAIL", "nobody", "bod", "desc", "des cr", "j", "posting-body", "a b c"} {
		want := false
		for _, w := range words {
			want = want || strings.Contains(strings.ToLower(s), w)
		}
		if got := descWord(s); got != want {
			t.Errorf("descWord(%q) = %v, want %v", s, got, want)
		}
	}
}
