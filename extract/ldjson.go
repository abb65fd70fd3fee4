package extract

import (
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeJSONFast decodes the first JSON value of s into what
// encoding/json's Decoder (with UseNumber) gives for an `any`: map[string]any,
// []any, string, json.Number, bool or nil. It is the fast path of decodeLD:
// one pass, no reflection, and strings without escapes shared with s rather
// than copied. It handles well-formed JSON only and says so with ok; on
// anything else (a syntax error, invalid UTF-8, a lone surrogate, nesting
// deeper than maxJSONDepth) ok is false and the caller decodes with
// encoding/json, whose result and errors stay the reference.
func decodeJSONFast(s string) (v any, ok bool) {
	d := jsonDecoder{s: s}
	d.space()
	if d.i >= len(d.s) || d.s[d.i] != '{' && d.s[d.i] != '[' {
		// a bare string, number or literal: encoding/json looks at what
		// follows one to end it; leave those to it
		return nil, false
	}
	return d.value(0)
}

// maxJSONDepth bounds the fast decoder's recursion; deeper documents go to
// encoding/json.
const maxJSONDepth = 200

type jsonDecoder struct {
	s string
	i int
}

func (d *jsonDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.s) || depth > maxJSONDepth {
		return nil, false
	}
	switch c := d.s[d.i]; {
	case c == '{':
		d.i++
		m := map[string]any{}
		d.space()
		if d.i < len(d.s) && d.s[d.i] == '}' {
			d.i++
			return m, true
		}
		for {
			d.space()
			if d.i >= len(d.s) || d.s[d.i] != '"' {
				return nil, false
			}
			k, ok := d.str()
			if !ok {
				return nil, false
			}
			d.space()
			if d.i >= len(d.s) || d.s[d.i] != ':' {
				return nil, false
			}
			d.i++
			d.space()
			v, ok := d.value(depth + 1)
			if !ok {
				return nil, false
			}
			m[k] = v // a repeated key: the last wins, as in encoding/json
			if more, ok := d.separator('}'); !ok {
				return nil, false
			} else if !more {
				return m, true
			}
		}
	case c == '[':
		d.i++
		a := []any{}
		d.space()
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			return a, true
		}
		for {
			d.space()
			v, ok := d.value(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			if more, ok := d.separator(']'); !ok {
				return nil, false
			} else if !more {
				return a, true
			}
		}
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return true, d.word("true")
	case c == 'f':
		return false, d.word("false")
	case c == 'n':
		return nil, d.word("null")
	}
	return nil, false
}

// word consumes w; what follows it is checked by the caller (a comma or
// a closing bracket).
func (d *jsonDecoder) word(w string) bool {
	if len(d.s)-d.i < len(w) || d.s[d.i:d.i+len(w)] != w {
		return false
	}
	d.i += len(w)
	return true
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *jsonDecoder) number() (any, bool) {
	start := d.i
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.s[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.s) && d.s[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		return nil, false
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return nil, false
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	return json.Number(d.s[start:d.i]), true
}

// str reads a string literal at d.i (its opening quote). A string without
// escapes is shared with d.s; one with escapes is decoded by escaped.
func (d *jsonDecoder) str() (string, bool) {
	d.i++
	start := d.i
	i := plainRun(d.s, start)
	if i >= len(d.s) || d.s[i] != '"' {
		if i < len(d.s) && d.s[i] == '\\' {
			return d.escaped(start, i)
		}
		return "", false // a control character, or no closing quote
	}
	s := d.s[start:i]
	if !utf8.ValidString(s) {
		return "", false // invalid UTF-8: encoding/json replaces it, byte by byte
	}
	d.i = i + 1
	return s, true
}

// plainRun returns the index of the first byte from i on that is a quote, a
// backslash or a control character, or len(s). It goes a table lookup a
// byte; UTF-8 is checked by the caller, over the whole run at once.
func plainRun(s string, i int) int {
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	return i
}

// jsonPlain are the bytes a JSON string holds as they are.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// escaped reads the rest of a string literal that opens at start (just
// after its quote) and holds an escape at i. It finds the literal's end
// first, so as to check the whole of it for control characters and invalid
// UTF-8 in two tight passes and size its buffer (escapes only shrink); then
// it copies the runs between escapes whole and decodes \uXXXX without
// strconv. Like encoding/json it joins a surrogate pair; a lone surrogate,
// which encoding/json replaces with U+FFFD, it leaves to encoding/json, as it
// does invalid escapes and invalid UTF-8.
func (d *jsonDecoder) escaped(start, i int) (string, bool) {
	end := literalEnd(d.s, i)
	if end < 0 || hasControl(d.s[i:end]) || !utf8.ValidString(d.s[start:end]) {
		return "", false
	}
	var b strings.Builder
	b.Grow(end - start)
	b.WriteString(d.s[start:i])
	for i < end {
		// at a backslash, which escapes the byte before end at the latest
		e := d.s[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			// hex digits are neither quotes nor backslashes, so they stop
			// before end
			r, ok := hex4(d.s, i)
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				// only a high surrogate and then an escaped low one
				lo, ok := rune(0), false
				if r < 0xdc00 && i+1 < end && d.s[i] == '\\' && d.s[i+1] == 'u' {
					lo, ok = hex4(d.s, i+2)
				}
				if !ok || lo < 0xdc00 || lo >= 0xe000 {
					return "", false
				}
				i += 6
				r = utf16.DecodeRune(r, lo)
			}
			b.WriteRune(r)
		default:
			return "", false
		}
		j := strings.IndexByte(d.s[i:end], '\\')
		if j < 0 {
			j = end - i
		}
		b.WriteString(d.s[i : i+j])
		i += j
	}
	d.i = end + 1
	return b.String(), true
}

// literalEnd returns the index of the quote that closes the string literal
// holding s[i], or -1 if there is none: the first quote after i with an
// even number of backslashes before it. It finds quotes with
// strings.IndexByte rather than reading every byte.
func literalEnd(s string, i int) int {
	for {
		j := strings.IndexByte(s[i:], '"')
		if j < 0 {
			return -1
		}
		i += j
		k := i
		for k > 0 && s[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 0 {
			return i
		}
		i++
	}
}

// hasControl reports whether s holds a control character, which a JSON
// string must escape.
func hasControl(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		// the high bit of each byte's sum is clear only for a byte below
		// 0x20 (bytes from 0x80 keep theirs through the or): no carries,
		// since every masked byte is below 0x80
		v := load8(s[i:])
		if (((v&0x7f7f7f7f7f7f7f7f)+0x6060606060606060)|v)&0x8080808080808080 != 0x8080808080808080 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}

// hex4 decodes the four hexadecimal digits at s[i:].
func hex4(s string, i int) (r rune, ok bool) {
	if len(s)-i < 4 {
		return 0, false
	}
	for _, c := range []byte(s[i : i+4]) {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// separator reads what follows a member or element: a comma (more to
// come) or the closing byte (done); anything else is a syntax error.
func (d *jsonDecoder) separator(close byte) (more, ok bool) {
	d.space()
	if d.i >= len(d.s) {
		return false, false
	}
	switch d.s[d.i] {
	case ',':
		d.i++
		return true, true
	case close:
		d.i++
		return false, true
	}
	return false, false
}
