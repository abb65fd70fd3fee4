package htmlfast

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/net/html"
)

func init() { strict = true }

// diffTree returns "" when the trees are equal, else a description of the
// first difference with the path to it.
func diffTree(want, got *html.Node) string {
	return diffNode(want, got, "#document")
}

func describe(n *html.Node) string {
	if n == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%v %q atom=%v ns=%q attr=%q", n.Type, n.Data, n.DataAtom, n.Namespace, n.Attr)
}

func diffNode(w, g *html.Node, path string) string {
	if w == nil || g == nil {
		if w != g {
			return fmt.Sprintf("%s: want %s, got %s", path, describe(w), describe(g))
		}
		return ""
	}
	if w.Type != g.Type || w.Data != g.Data || w.DataAtom != g.DataAtom || w.Namespace != g.Namespace {
		return fmt.Sprintf("%s: want %s, got %s", path, describe(w), describe(g))
	}
	if len(w.Attr) != len(g.Attr) || (len(w.Attr) > 0 && !slices.Equal(w.Attr, g.Attr)) {
		return fmt.Sprintf("%s: attributes: want %q, got %q", path, w.Attr, g.Attr)
	}
	wc, gc := w.FirstChild, g.FirstChild
	for i := 0; wc != nil || gc != nil; i++ {
		p := fmt.Sprintf("%s/%d:%s", path, i, name(wc, gc))
		if wc == nil || gc == nil {
			return fmt.Sprintf("%s: want %s, got %s", p, describe(wc), describe(gc))
		}
		if gc.Parent != g {
			return p + ": wrong Parent"
		}
		if gc.PrevSibling != nil && gc.PrevSibling.NextSibling != gc {
			return p + ": broken sibling links"
		}
		if d := diffNode(wc, gc, p); d != "" {
			return d
		}
		wc, gc = wc.NextSibling, gc.NextSibling
	}
	if g.LastChild != nil && g.LastChild.NextSibling != nil {
		return path + ": LastChild has a next sibling"
	}
	return ""
}

func name(w, g *html.Node) string {
	n := w
	if n == nil {
		n = g
	}
	switch n.Type {
	case html.ElementNode:
		return n.Data
	case html.TextNode:
		return "#text"
	case html.CommentNode:
		return "#comment"
	case html.DoctypeNode:
		return "#doctype"
	}
	return "?"
}

// checkFast parses b both ways; it reports a difference as an error, and
// whether the fast path was taken.
func checkFast(t testing.TB, label string, b []byte) (fast bool) {
	t.Helper()
	want, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		// html.Parse fails only past 512 open elements; Fast must bail.
		if _, ok := Fast(b); ok {
			t.Errorf("%s: html.Parse failed (%v) but Fast did not bail", label, err)
		}
		return false
	}
	got, ok := Fast(b)
	if !ok {
		return false
	}
	if d := diffTree(want, got); d != "" {
		t.Errorf("%s: Fast differs from html.Parse: %s", label, d)
	}
	return true
}

// realPages returns the pages of the test data and, when present, of the
// shared corpus and the extract test data, by name.
func realPages(t testing.TB) map[string][]byte {
	pages := map[string][]byte{}
	add := func(glob string, optional bool) {
		files, _ := filepath.Glob(glob)
		if len(files) == 0 && optional {
			t.Logf("no pages at %s: skipped", glob)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			pages[f] = b
		}
	}
	add(extractPages, false)
	add(benchPages, false)
	add("../../../shared/corpus/html/*.html", true)
	return pages
}
