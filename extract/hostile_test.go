package extract_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/jobcrawl/jobcrawl/extract"
)

// The golden files pin what hostile documents yield; these tests say what
// must hold of it whatever the golden files say.

func TestHugeDocumentIsNotReadWhole(t *testing.T) {
	r := generated["generated_50mb"]().(*countingReader)
	ps, err := extract.Parse(r, extract.Options{URL: "https://x.example/huge"})
	if !errors.Is(err, extract.ErrTooLarge) || len(ps) != 0 {
		t.Fatalf("got %d postings, %v; want ErrTooLarge", len(ps), err)
	}
	if r.n > extract.MaxDocumentSize+1 {
		t.Errorf("read %d bytes of a 50 MB document, want at most %d", r.n, extract.MaxDocumentSize+1)
	}
}

func TestDeeplyNestedDocument(t *testing.T) {
	for _, name := range []string{"generated_nested_10000", "generated_unclosed_10000"} {
		t.Run(name, func(t *testing.T) {
			ps, err := extract.Parse(generated[name](), extract.Options{URL: "https://x.example/deep"})
			if err != nil || len(ps) != 1 || ps[0].JobNumber == "" {
				t.Fatalf("got %+v, %v; want the posting read through the nesting", ps, err)
			}
		})
	}
	// A tree no parser built: 100,000 elements deep, handed to HTML as the
	// crawler hands colly's DOM. The walk is bounded, not the stack's size.
	t.Run("built tree", func(t *testing.T) {
		doc := &html.Node{Type: html.DocumentNode}
		htmlEl := el(atom.Html)
		body := el(atom.Body)
		h1 := el(atom.H1)
		h1.AppendChild(&html.Node{Type: html.TextNode, Data: "Deep Engineer"})
		doc.AppendChild(htmlEl)
		htmlEl.AppendChild(body)
		body.AppendChild(h1)
		facts := el(atom.P)
		facts.AppendChild(&html.Node{Type: html.TextNode, Data: "Job #: 777001"})
		body.AppendChild(facts)
		n := body
		for range 100000 {
			c := el(atom.Div)
			n.AppendChild(c)
			n = c
		}
		n.AppendChild(&html.Node{Type: html.TextNode, Data: "the bottom"})
		ps, err := extract.HTML(doc, extract.Options{URL: "https://x.example/deep"})
		if err != nil || len(ps) != 1 || ps[0].JobNumber != "777001" || ps[0].Title != "Deep Engineer" {
			t.Fatalf("got %+v, %v", ps, err)
		}
	})
}

func el(a atom.Atom) *html.Node {
	return &html.Node{Type: html.ElementNode, DataAtom: a, Data: a.String()}
}

func TestInvalidUTF8GivesValidText(t *testing.T) {
	g := extractFile(t, "testdata/invalid_utf8.html")
	if len(g.Postings) != 1 {
		t.Fatalf("got %d postings (%s)", len(g.Postings), g.Error)
	}
	p := g.Postings[0]
	if p.JobNumber != "CM-7781" {
		t.Errorf("job number: got %q, want the valid one, CM-7781", p.JobNumber)
	}
	eachString(reflect.ValueOf(p), func(field, s string) {
		if !utf8.ValidString(s) {
			t.Errorf("%s: invalid UTF-8 %q", field, s)
		}
	})
	if !strings.Contains(p.Description, "😀") {
		t.Errorf("valid characters lost: %q", p.Description)
	}
}

// eachString calls f with every string in v, a struct of strings and
// string slices.
func eachString(v reflect.Value, f func(field, s string)) {
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		switch fv := v.Field(i); fv.Kind() {
		case reflect.String:
			f(name, fv.String())
		case reflect.Slice:
			if fv.Type().Elem().Kind() == reflect.String {
				for j := range fv.Len() {
					f(name, fv.Index(j).String())
				}
			}
		}
	}
}

func TestScriptsStayOutOfText(t *testing.T) {
	g := extractFile(t, "testdata/script_in_description.html")
	if len(g.Postings) != 1 {
		t.Fatalf("got %d postings (%s)", len(g.Postings), g.Error)
	}
	p := g.Postings[0]
	text := p.Description + "\n" + strings.Join(p.Qualifications, "\n")
	for _, leaked := range []string{"dataLayer", "inline", "display", "color: red", "pixel", "Template text", "Chart label", "not a qualification", "steal"} {
		if strings.Contains(text, leaked) {
			t.Errorf("%q leaked into the text:\n%s", leaked, text)
		}
	}
	for _, kept := range []string{"Watch the alerts", "Triage, investigate, and write it up.", "Rotating on-call"} {
		if !strings.Contains(p.Description, kept) {
			t.Errorf("%q missing from the description:\n%s", kept, p.Description)
		}
	}
}

func TestTruncatedPageIsRejected(t *testing.T) {
	b, err := os.ReadFile("testdata/truncated.html")
	if err != nil {
		t.Fatal(err)
	}
	_, err = extract.Parse(strings.NewReader(string(b)), extract.Options{URL: "https://x.example/cut"})
	var re *extract.RejectError
	if !errors.Is(err, extract.ErrTruncated) || !errors.As(err, &re) || re.URL != "https://x.example/cut" {
		t.Fatalf("got %v, want ErrTruncated naming the URL", err)
	}
	if extract.Reason(err) != "truncated document" {
		t.Errorf("reason: got %q", extract.Reason(err))
	}
}

func TestTruncated(t *testing.T) {
	cases := []struct {
		doc  string
		want bool
	}{
		{"<!DOCTYPE html><html><body>x</body></html>", false},
		{"<!DOCTYPE html><HTML lang=en><body>x</body></HTML >\n", false},
		{"<html>\n<body>x</body>\n</html\n>", false},
		{"<!DOCTYPE html><html><body>x</body>", true},
		{"<html><body>cut in the mid", true},
		{"<html><body>x</body></htmlx>", true},
		{"<div>a fragment</div>", false},
		{"<htmlish>not html</htmlish>", false},
		{"", false},
	}
	for _, c := range cases {
		if got := extract.Truncated([]byte(c.doc)); got != c.want {
			t.Errorf("%q: got %v, want %v", c.doc, got, c.want)
		}
	}
}
