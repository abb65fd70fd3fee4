package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// referenceDecode is what decodeLD did before its fast path, and still does
// when the fast path declines.
func referenceDecode(s string) (any, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	err := dec.Decode(&v)
	return v, err
}

// checkFastJSON fails when the fast decoder accepts s and gives anything
// other than encoding/json.
func checkFastJSON(t *testing.T, s string) bool {
	t.Helper()
	got, ok := decodeJSONFast(s)
	if !ok {
		return false
	}
	want, err := referenceDecode(s)
	if err != nil {
		t.Errorf("fast decoder accepts what encoding/json refuses (%v): %.80q", err, s)
	} else if !reflect.DeepEqual(got, want) {
		t.Errorf("fast decoder differs from encoding/json on %.80q:\n got %#v\nwant %#v", s, got, want)
	}
	return true
}

func TestDecodeJSONFast(t *testing.T) {
	cases := []struct {
		in   string
		fast bool // whether the fast path takes it
	}{
		{`{"a":1e5,"b":[true,false,null],"c":"\u00e9\n\"x\/","d":{},"e":[]}`, true},
		{`[1,-0.5e-3,0,"x"]`, true},
		{` {"a":"x"} trailing text`, true},
		{`{"a":1,"a":2}`, true},
		{`{"a":"\ud83d\ude00"}`, false}, // surrogates: left to encoding/json
		{"{\"a\":\"\xff\"}", false},     // invalid UTF-8: encoding/json replaces it
		{`{"a":01}`, false},
		{`{"a":1,}`, false},
		{"{\"a\":\"line\nbreak\"}", false},
		{`"a string"`, false},
		{`{"a":tru}`, false},
		{strings.Repeat("[", 300) + strings.Repeat("]", 300), false},
	}
	for _, c := range cases {
		if got := checkFastJSON(t, c.in); got != c.fast {
			t.Errorf("%.40q: fast path %v, want %v", c.in, got, c.fast)
		}
	}
	// every JSON-LD block of the golden pages
	files, err := filepath.Glob("testdata/*.html")
	if err != nil || len(files) == 0 {
		t.Fatal("no testdata pages", err)
	}
	more, _ := filepath.Glob("testdata/bench_pages/*.html")
	n := 0
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range strings.Split(string(b), `<script type="application/ld+json">`)[1:] {
			block, _, _ = strings.Cut(block, "</script>")
			if checkFastJSON(t, strings.TrimSpace(block)) {
				n++
			}
		}
	}
	if n < 5 {
		t.Errorf("the fast path took %d blocks of the testdata pages, want most of them", n)
	}
}

func FuzzDecodeJSONFast(f *testing.F) {
	f.Add(`{"@type":"JobPosting","title":"Engineer","baseSalary":{"value":{"minValue":1.5e5}},"x":[null,true]}`)
	f.Add(`{"a":"\u00e9\t\\"}`)
	f.Fuzz(func(t *testing.T, s string) { checkFastJSON(t, s) })
}
