package extract

import (
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
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
		{`{"a":"\ud83d\ude00"}`, true}, // a surrogate pair
		{`{"a":"x\uD83D\uDE00y\u00E9\u003cp\u003e"}`, true},
		{`{"a":"\ud83d"}`, false},       // lone surrogates: encoding/json gives U+FFFD
		{`{"a":"\ude00\ud83d"}`, false}, // the wrong way round
		{`{"a":"\ud83dx"}`, false},
		{`{"a":"\ud83d\n"}`, false},
		{`{"a":"\ud83d\u0041"}`, false},
		{`{"a":"\ud83d\ud83d"}`, false},
		{`{"a":"\ud83d\ude0"}`, false},
		{`{"a":"\u00g0"}`, false},
		{`{"a":"\u+0ab"}`, false},
		{`{"a":"\u00e"}`, false},
		{`{"a":"\u`, false},
		{`{"a":"\`, false},
		{`{"a":"\"`, false},
		{`{"a":"\x41"}`, false},
		{`{"a":"\'"}`, false},
		{`{"a":"\u0000\b\f\r\t\/\\\""}`, true},
		{`{"a":"\\"}`, true},
		{`{"a":"\\\"","b":"\""}`, true},
		{"{\"a\":\"\\n\xff\"}", false},        // invalid UTF-8 after an escape
		{"{\"a\":\"\\n\xe2\x82\"}", false},    // a truncated sequence before the quote
		{"{\"a\":\"\xe2\x82\\n\"}", false},    // …before a backslash
		{"{\"a\":\"\\n\xe2\x82\xac\"}", true}, // valid UTF-8 after an escape
		{"{\"a\":\"\xed\xa0\x80\"}", false},   // an encoded surrogate
		{"{\"a\":\"\\n\t\"}", false},          // a control character after an escape
		{"{\"a\":\"\\n\x7f\"}", true},
		{"{\"a\":\"\xff\"}", false}, // invalid UTF-8: encoding/json replaces it
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

// TestDecodeJSONFastStrings compares the fast decoder with encoding/json on
// random strings of escapes, plain runs and invalid bytes, and checks that it
// takes every one encoding/json decodes without a lone surrogate.
func TestDecodeJSONFastStrings(t *testing.T) {
	pieces := []string{
		"a", "plain text ", "é", "€", "😀", `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u003c`, `\u003E`,
		`\u00e9`, `\u20AC`, `\u0000`, `\ud83d\ude00`, `\uD83D\uDE00`, `\ud83d`, `\ude00`, `\u12`, `\x`, `\`,
		"\xff", "\xe2\x82", "\x01", "\x7f", "'",
	}
	rng := rand.New(rand.NewSource(1))
	took := 0
	for range 20000 {
		var b strings.Builder
		b.WriteString(`{"k":"`)
		for range rng.Intn(12) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		b.WriteString(`"}`)
		s := b.String()
		if checkFastJSON(t, s) {
			took++
		} else if _, err := referenceDecode(s); err == nil && !strings.Contains(s, "\\u") && utf8.ValidString(s) {
			t.Errorf("fast path declines %q, which has no \\u escape", s)
		}
	}
	if took < 2000 {
		t.Errorf("the fast path took %d strings, want more", took)
	}
}

func FuzzDecodeJSONFast(f *testing.F) {
	f.Add(`{"@type":"JobPosting","title":"Engineer","baseSalary":{"value":{"minValue":1.5e5}},"x":[null,true]}`)
	f.Add(`{"a":"\u00e9\t\\"}`)
	f.Add(`{"d":"\u003cp\u003ex \"y\" \ud83d\ude00 \ud83d\u0041\/z\u003c/p\u003e"}`)
	f.Add("{\"d\":[\"\\\\\\\"\xe2\x82\xac\\n\"]}")
	f.Fuzz(func(t *testing.T, s string) { checkFastJSON(t, s) })
}

// firstLDBlock returns the first JSON-LD block of the page in file.
func firstLDBlock(tb testing.TB, file string) string {
	raw, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	_, block, ok := strings.Cut(string(raw), `<script type="application/ld+json">`)
	if !ok {
		tb.Fatalf("%s has no JSON-LD", file)
	}
	block, _, _ = strings.Cut(block, "</script>")
	return strings.TrimSpace(block)
}

// BenchmarkDecodeJSONFast decodes the JSON-LD of a bench page, whose
// description is HTML with every "<" escaped.
func BenchmarkDecodeJSONFast(b *testing.B) {
	block := firstLDBlock(b, "testdata/bench_pages/bench_jsonld_body.html")
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := decodeJSONFast(block); !ok {
			b.Fatal("the fast path declines the block")
		}
	}
}

func TestHasControlWide(t *testing.T) {
	for n := range 20 {
		for pos := range n {
			for _, c := range []byte{0x00, 0x09, 0x1f, 0x20, 0x7f, 0x80, 0xff} {
				b := []byte(strings.Repeat("a\u00e9", n)[:n])
				b[pos] = c
				want := false
				for _, x := range b {
					want = want || x < 0x20
				}
				if got := hasControl(string(b)); got != want {
					t.Fatalf("hasControl(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}
