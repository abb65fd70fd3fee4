package extract

import (
	"encoding/json"
	"strconv"
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

// str reads a string literal at d.i (its opening quote).
func (d *jsonDecoder) str() (string, bool) {
	d.i++
	start := d.i
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			s := d.s[start:d.i]
			d.i++
			return s, true
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && n == 1 {
				return "", false // invalid UTF-8: encoding/json replaces it, byte by byte
			}
			d.i += n
		default:
			d.i++
		}
	}
	return "", false
}

// escaped reads the rest of a string that holds an escape, from start (just
// after its opening quote).
func (d *jsonDecoder) escaped(start int) (string, bool) {
	b := make([]byte, 0, d.i-start+16)
	b = append(b, d.s[start:d.i]...)
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return string(b), true
		case c == '\\':
			if d.i+1 >= len(d.s) {
				return "", false
			}
			e := d.s[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				if d.i+4 > len(d.s) {
					return "", false
				}
				r, err := strconv.ParseUint(d.s[d.i:d.i+4], 16, 32)
				if err != nil || r >= 0xd800 && r < 0xe000 {
					return "", false // surrogates: left to encoding/json
				}
				d.i += 4
				b = utf8.AppendRune(b, rune(r))
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			b = append(b, d.s[d.i:d.i+n]...)
			d.i += n
		default:
			b = append(b, c)
			d.i++
		}
	}
	return "", false
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
