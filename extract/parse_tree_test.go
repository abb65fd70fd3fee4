package extract_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"golang.org/x/net/html"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/internal/htmlfast"
)

// TestParseAgreesWithTree checks that reading a page from its bytes
// (extract.Parse, whose tree internal/htmlfast builds) gives exactly what
// reading the tree x/net/html builds gives (extract.HTML), fields, sources
// and rules alike, on every test page with and without its JSON-LD, and on
// the shared corpus when it is there.
func TestParseAgreesWithTree(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.html")
	bench, _ := filepath.Glob("testdata/bench_pages/*.html")
	files = append(files, bench...)
	corpus, _ := filepath.Glob("../../shared/corpus/html/*.html")
	if len(corpus) == 0 {
		t.Log("../../shared/corpus/html is absent: the test pages alone are compared")
	}
	files = append(files, corpus...)
	if len(files) < 10 {
		t.Fatalf("only %d pages found", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, page := range [][]byte{raw, withoutJSONLD(raw)} {
			opts := extract.Options{URL: "https://careers.contoso.example/jobs/4417", Now: crawlTime}
			fromBytes, errBytes := extract.Parse(bytes.NewReader(page), opts)
			root, err := html.Parse(bytes.NewReader(page))
			if err != nil {
				continue // too deep for x/net/html: Parse reads it another way
			}
			opts.Raw = page
			fromTree, errTree := extract.HTML(root, opts)
			if got, want := describe(fromBytes, errBytes), describe(fromTree, errTree); got != want {
				t.Errorf("%s: from the bytes:\n%s\nfrom x/net/html's tree:\n%s", f, got, want)
			}
		}
	}
}

// describe renders postings, with their sources and rules, and an error.
func describe(ps []extract.Posting, err error) string {
	type full struct {
		P       extract.Posting
		Sources map[string]extract.Source
		Rules   map[string]string
	}
	var out []full
	for _, p := range ps {
		out = append(out, full{p, p.Sources, p.Rules})
	}
	js, _ := json.Marshal(out)
	if err != nil {
		return string(js) + "\nerror: " + err.Error()
	}
	return string(js)
}

// TestPostingsKeepNoPage checks that no string of a posting points into
// the memory of the tree it was read from (the text and attribute values
// of internal/htmlfast's tree are cut from one copy of the page): a
// posting kept in a write batch must not keep its page alive.
func TestPostingsKeepNoPage(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.html")
	bench, _ := filepath.Glob("testdata/bench_pages/*.html")
	checked := 0
	for _, f := range append(files, bench...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		root, ok := htmlfast.Fast(raw)
		if !ok {
			continue
		}
		var spans [][2]uintptr
		var visit func(n *html.Node)
		visit = func(n *html.Node) {
			for _, s := range append([]string{n.Data}, attrVals(n)...) {
				if len(s) > 0 {
					at := uintptr(unsafe.Pointer(unsafe.StringData(s)))
					spans = append(spans, [2]uintptr{at, at + uintptr(len(s))})
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				visit(c)
			}
		}
		visit(root)
		ps, _ := extract.HTML(root, extract.Options{URL: "https://careers.contoso.example/jobs/4417", Now: crawlTime, Raw: raw})
		for _, p := range ps {
			v := reflect.ValueOf(p)
			for i := range v.NumField() {
				var strs []string
				switch f := v.Field(i); {
				case f.Kind() == reflect.String:
					strs = []string{f.String()}
				case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
					strs = f.Interface().([]string)
				}
				for _, s := range strs {
					if len(s) == 0 {
						continue
					}
					checked++
					at := uintptr(unsafe.Pointer(unsafe.StringData(s)))
					for _, sp := range spans {
						if at >= sp[0] && at < sp[1] {
							t.Fatalf("%s: %s %q points into the page's tree", f, v.Type().Field(i).Name, s)
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no posting strings were checked")
	}
}

func attrVals(n *html.Node) []string {
	var out []string
	for _, a := range n.Attr {
		out = append(out, a.Val)
	}
	return out
}
