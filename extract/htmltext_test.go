package extract

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkFragmentText fails when fragmentTextFast takes s and renders it other
// than fragmentTextTree; it reports whether the fast path took s.
func checkFragmentText(t *testing.T, s string) bool {
	t.Helper()
	got, ok := fragmentTextFast(s)
	if !ok {
		return false
	}
	if want := fragmentTextTree(s); got != want {
		t.Errorf("fast path differs from the tree on %q:\n got %q\nwant %q", s, got, want)
	}
	return true
}

func TestFragmentTextFastTricky(t *testing.T) {
	cases := []struct {
		in   string
		fast bool // whether the fast path takes it
	}{
		{"<h2>About</h2>\n<p>We build <b>things</b>.</p><ul><li>one</li><li>two</li></ul>", true},
		{"<p>a<br>b<br/>c</p><hr>d", true},
		{"<div><p>x</p><p>y</p></div>", true},
		{"<ul><li>a<ul><li>b</li></ul>c</li></ul>", true},
		{"<li><div><li>x", false}, // the second <li> closes the first
		{"<li><ul><li>x", true},   // …not past a list
		{"<dl><dt>a</dt><dd>b</dd></dl>", true},
		{"<dt>a<dd>b", false},
		{"<dd><div><dt>b", false},
		{"<p>a<div>b</div>c</p>", false}, // <div> closes the <p>
		{"<p>a<h2>b</h2>", false},
		{"<h2>a<h3>b</h3></h2>", false},
		{"<h2><span>a<h3>b</h3></span></h2>", true},
		{"<p>a<ul><li>b</li></ul>", false},
		{"<p>a<hr>b", false},
		{"<p>a<li>b", false},
		{"<b><p>a</b>b</p>", false}, // adoption agency
		{"<p><b>a</p>b", false},
		{"<a href=x>a<a>b</a></a>", false},
		{"<a href=x>a</a><a>b</a>", true},
		{"<b><b><b><b>x</b></b></b></b>", true}, // Noah's Ark
		{"<i>x<b>y</i>z</b>", false},
		{"<table><tr><td>a</td></tr></table>", false},
		{"a<script>var x = '<p>';</script>b<style>p{}</style>c", true},
		{"a<script/>b</script>c", false},
		{"a<noscript><p>x</p></noscript>b", false}, // raw text ends at its end tag
		{"a<noscript>x<y></noscript>b<iframe src='x'>y</IFRAME>", true},
		{"a<style>p{}</style >b", false},
		{"<script>a<!--b</script>c", false},
		{"a<canvas><p>x</p>y</canvas>z", true},
		{"a<script>never closed <p>", true},
		{"<pre>\nline one\n  line two</pre>", true},
		{"<listing>\nx</listing>", false},
		{"text\x00 with\x00NUL<p>a\x00b</p>", true},
		{"&lt;p&gt; &amp; &nbsp;x&#0;y<p>R&D &copy</p>", true},
		{"<!-- a comment --><p>x<!-- another --></p><!DOCTYPE html>y", false},
		{"<p>unclosed <b>bold <i>italic", true},
		{"</p>stray end tag", false},
		{"<div>x</span></div>", false},
		{"<br></br>", false},
		{"<o:p>word</o:p><x-custom>y</x-custom>", true},
		{"<custom>a</Custom><CUSTOM>b</custom>", true},
		{"<P>Upper <BR> case</P>", true},
		{"<p/>self-closing p</p><div/>x", true},
		{"<p/>x<div/>y", false},
		{"<svg><p>x</p></svg>", false},
		{"<title>t</title>", false},
		{"<textarea>t</textarea>", false},
		{"<html><body>x</body></html>", false},
		{"<p>a</p\n>b<p\tclass='x'>c", true},
		{"<p>a<", false},
		{"<p>a</", false},
		{"<p>a<!--", false},
		{"<p a=/>x", false},
		{"<p a=x/>y", false},
		{"<p a=\"/\"/>y</p>", true},
		{"<p\na = '1>2'\tb c=d>y</p>", true},
		{"<p a=\"x", false},
		{"<p a=\"x\"b>", false},
		{"<p/ >x", false},
		{"<p>x</p a>", false},
		{"<img src=\"x.png\" alt=\"a > b\"/>c", true},
		{"a < b", false},
		{"<  p>x</ p>", false},
		{"<span>a</span>\u00a0\u200b<span>b</span>", true},
		{"<label>a</label><label>b</label>", true},
		{"<![CDATA[x<p>]]>y", false},
		{"a\r\nb\rc\r\r\n<p>x&amp\x00;y&#13;z</p>", true},
		{"&am\x00p;&\x00amp;", true},
		{"<p>&am\x00p;&\x00amp;</p>", true},
		{strings.Repeat("<div>", 300) + "deep" + strings.Repeat("</div>", 300), false},
		{strings.Repeat("<span>", 200) + "deep", true},
		{strings.Repeat("<div>", 600) + "too deep", false},
	}
	for _, c := range cases {
		if got := checkFragmentText(t, c.in); got != c.fast {
			t.Errorf("%.60q: fast path %v, want %v", c.in, got, c.fast)
		}
	}
}

// TestFragmentTextFastCorpus compares the fast path with the tree on every
// string of the JSON-LD of the test pages, on slices of the pages themselves
// and on random tag soup.
func TestFragmentTextFastCorpus(t *testing.T) {
	var pages []string
	for _, glob := range []string{"testdata/*.html", "testdata/*/*.html", "testdata/*/*/*.html"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, string(b))
		}
	}
	var fragments []string
	for _, p := range pages {
		for _, block := range strings.Split(p, "application/ld+json")[1:] {
			_, block, _ = strings.Cut(block, ">")
			block, _, _ = strings.Cut(block, "</script>")
			v, err := referenceDecode(strings.TrimSpace(block))
			if err != nil {
				continue
			}
			fragments = appendStrings(fragments, v)
		}
	}
	took, ld := 0, 0
	for _, s := range fragments {
		if !htmlTagStart.MatchString(s) {
			s = htmlUnescapeTwice(s)
		}
		if htmlTagStart.MatchString(s) {
			ld++
			if checkFragmentText(t, s) {
				took++
			}
		}
	}
	t.Logf("JSON-LD: the fast path took %d of %d fragments", took, ld)
	if ld > 0 && took < ld/2 {
		t.Errorf("the fast path took %d of %d JSON-LD fragments, want most", took, ld)
	}

	rng := rand.New(rand.NewSource(1))
	took = 0
	const slices = 20000
	for range slices {
		p := pages[rng.Intn(len(pages))]
		i := rng.Intn(len(p))
		j := min(len(p), i+rng.Intn(2000))
		if checkFragmentText(t, p[i:j]) {
			took++
		}
	}
	t.Logf("page slices: the fast path took %d of %d", took, slices)

	took = 0
	const soups = 50000
	for range soups {
		if checkFragmentText(t, tagSoup(rng)) {
			took++
		}
	}
	t.Logf("tag soup: the fast path took %d of %d", took, soups)
	if took < soups/20 {
		t.Errorf("the fast path took %d of %d soups, too few to test it", took, soups)
	}
}

// htmlUnescapeTwice undoes one or two rounds of escaping, as htmlToText does.
func htmlUnescapeTwice(s string) string {
	for range 2 {
		if strings.Contains(s, "&lt;") && !strings.Contains(s, "<") {
			s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&quot;", `"`).Replace(s)
		}
	}
	return s
}

// appendStrings appends every string in the decoded JSON value v.
func appendStrings(out []string, v any) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, e := range v {
			out = appendStrings(out, e)
		}
	case map[string]any:
		for _, e := range v {
			out = appendStrings(out, e)
		}
	}
	return out
}

// soupTags are the pieces tagSoup strings together: mostly the elements the
// fast path takes, some it declines, and broken markup.
var soupTags = []string{
	"p", "p", "div", "div", "span", "b", "i", "strong", "em", "a", "ul", "ol", "li", "li", "dl", "dt", "dd",
	"h1", "h2", "h3", "br", "hr", "img", "wbr", "pre", "blockquote", "section", "article", "label", "code",
	"u", "small", "font", "sub", "script", "style", "noscript", "iframe", "canvas", "o:p", "x-y", "address",
	"table", "td", "tr", "form", "button", "select", "option", "svg", "math", "nobr", "listing", "title",
	"textarea", "template", "body", "html", "head", "center", "summary", "details", "main", "nav", "search",
}

var soupText = []string{
	"word", " ", "  two words ", "\n", "\t", "\r\n", "\r", "\x00", "&amp;", "&lt;p&gt;", "&nbsp;", "\u00a0",
	"\u200b", "é", "R&D", "&#0;", "&#13;", "&am", ">", "\u3000",
}

// soupBroken is markup that is broken, or outside the plain grammar of the
// fast path.
var soupBroken = []string{
	"<", "</", "<!-- c -->", "<!--", "-->", "<!DOCTYPE html>", "<![CDATA[x]]>", "a<b", "<p a=/>", "<p/ >", "</p a>",
	"<p a=\"", "'", "\"", "=", "<?x?>", "</>", "< p>", "<p\x00>", "<é>",
}

// tagSoup returns a random string of tags and text.
func tagSoup(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.Intn(40) {
		switch r := rng.Intn(20); {
		case r < 8:
			b.WriteString(soupText[rng.Intn(len(soupText))])
		case r < 14:
			tag := soupTags[rng.Intn(len(soupTags))]
			if rng.Intn(10) == 0 {
				tag = strings.ToUpper(tag)
			}
			b.WriteString("<" + tag)
			for range rng.Intn(3) {
				b.WriteString([]string{` class="x y"`, " a='>'", " b=c", " d", "\ne = \"/\""}[rng.Intn(5)])
			}
			if rng.Intn(8) == 0 {
				b.WriteString("/")
			}
			b.WriteString(">")
		case r < 19:
			b.WriteString("</" + soupTags[rng.Intn(len(soupTags))] + ">")
		default:
			b.WriteString(soupBroken[rng.Intn(len(soupBroken))])
		}
	}
	return b.String()
}

func FuzzFragmentTextFast(f *testing.F) {
	f.Add("<h2>About</h2><p>We <b>build</b> things.<br>Join us</p><ul><li>a</li></ul>")
	f.Add("<p>a<div>b</div>c</p><script>x</script>")
	f.Fuzz(func(t *testing.T, s string) { checkFragmentText(t, s) })
}

// BenchmarkFragmentText renders the description of a JSON-LD bench page
// both ways.
func BenchmarkFragmentText(b *testing.B) {
	v, err := referenceDecode(firstLDBlock(b, "testdata/bench_pages/bench_jsonld_body.html"))
	if err != nil {
		b.Fatal(err)
	}
	desc := v.(map[string]any)["description"].(string)
	for _, way := range []struct {
		name   string
		render func(string) string
	}{
		{"fast", func(s string) string { t, _ := fragmentTextFast(s); return t }},
		{"tree", fragmentTextTree},
	} {
		b.Run(way.name, func(b *testing.B) {
			b.SetBytes(int64(len(desc)))
			b.ReportAllocs()
			for b.Loop() {
				way.render(desc)
			}
		})
	}
}
