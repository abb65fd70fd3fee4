package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// JSONPath picks values out of a decoded JSON document. Its syntax is a
// small subset of JSONPath: keys joined by dots ("data.jobs"), "[*]" for
// every element of an array ("locations[*].name"), "[n]" for one element
// ("bulletFields[0]", counted from 0; "[-1]" is the last). A leading "$" or
// "$." is allowed and means the document itself, as does the empty path.
// A key applied to an array applies to each of its elements, so
// "offices.name" reads the name of every office. Keys holding dots or
// brackets can be quoted: `["a.b"]`.
type JSONPath struct {
	raw   string
	steps []pathStep
}

type pathStep struct {
	key   string // a key of an object
	index int    // with isIdx: one element of an array
	isIdx bool
	all   bool // every element of an array
}

// ParseJSONPath parses a path. The error says where it is malformed.
func ParseJSONPath(s string) (JSONPath, error) {
	p := JSONPath{raw: s}
	rest := strings.TrimSpace(s)
	rest = strings.TrimPrefix(rest, "$")
	rest = strings.TrimPrefix(rest, ".")
	pos := len(s) - len(rest)
	expectKey := true
	for rest != "" {
		switch {
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return p, fmt.Errorf("path %q: '[' at %d is not closed", s, pos)
			}
			inner := strings.TrimSpace(rest[1:end])
			switch {
			case inner == "*":
				p.steps = append(p.steps, pathStep{all: true})
			case len(inner) >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[len(inner)-1] == inner[0]:
				p.steps = append(p.steps, pathStep{key: inner[1 : len(inner)-1]})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil {
					return p, fmt.Errorf("path %q: [%s] at %d: want [*], [n] or [\"key\"]", s, inner, pos)
				}
				p.steps = append(p.steps, pathStep{index: n, isIdx: true})
			}
			rest, pos = rest[end+1:], pos+end+1
			expectKey = false
		case rest[0] == '.':
			if expectKey {
				return p, fmt.Errorf("path %q: empty key at %d", s, pos)
			}
			rest, pos = rest[1:], pos+1
			expectKey = true
			if rest == "" {
				return p, fmt.Errorf("path %q: ends with '.'", s)
			}
		default:
			if !expectKey {
				return p, fmt.Errorf("path %q: want '.' or '[' at %d", s, pos)
			}
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			key := strings.TrimSpace(rest[:end])
			if key == "" {
				return p, fmt.Errorf("path %q: empty key at %d", s, pos)
			}
			p.steps = append(p.steps, pathStep{key: key})
			rest, pos = rest[end:], pos+end
			expectKey = false
		}
	}
	return p, nil
}

// MustJSONPath is ParseJSONPath for paths known to be valid.
func MustJSONPath(s string) JSONPath {
	p, err := ParseJSONPath(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the path as written.
func (p JSONPath) String() string { return p.raw }

// IsZero reports whether p selects the whole document.
func (p JSONPath) IsZero() bool { return len(p.steps) == 0 }

// Values returns every value the path selects in doc, in document order.
// Nulls are left out; an array selected as a whole is one value.
func (p JSONPath) Values(doc any) []any {
	cur := []any{doc}
	for _, st := range p.steps {
		var next []any
		for _, v := range cur {
			next = st.apply(v, next)
		}
		cur = next
		if len(cur) == 0 {
			return nil
		}
	}
	out := cur[:0]
	for _, v := range cur {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}

func (st pathStep) apply(v any, out []any) []any {
	switch {
	case st.all:
		switch v := v.(type) {
		case []any:
			return append(out, v...)
		case map[string]any:
			// every value of an object, in key order, so results are stable
			for _, k := range sortedKeys(v) {
				out = append(out, v[k])
			}
		}
	case st.isIdx:
		if a, ok := v.([]any); ok {
			i := st.index
			if i < 0 {
				i += len(a)
			}
			if i >= 0 && i < len(a) {
				out = append(out, a[i])
			}
		}
	default:
		switch v := v.(type) {
		case map[string]any:
			if e, ok := v[st.key]; ok {
				out = append(out, e)
			}
		case []any:
			for _, e := range v {
				out = st.apply(e, out)
			}
		}
	}
	return out
}

// First returns the first value the path selects, or nil.
func (p JSONPath) First(doc any) any {
	if vs := p.Values(doc); len(vs) > 0 {
		return vs[0]
	}
	return nil
}

// Text returns the first value the path selects that reads as a
// non-empty string (a string, a number, a boolean, or an object's name),
// or "".
func (p JSONPath) Text(doc any) string {
	for _, v := range p.Values(doc) {
		if s := JSONText(v); s != "" {
			return s
		}
	}
	return ""
}

// JSONText reads a JSON value as one string: strings as themselves,
// numbers without exponent or trailing zeros, booleans as true or false,
// an object by its name, label, value or text, an array by its first element
// that gives one.
func JSONText(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return strconv.FormatInt(i, 10)
		}
		if f, err := v.Float64(); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case map[string]any:
		for _, k := range []string{"name", "label", "descriptor", "value", "text", "title"} {
			if s := JSONText(v[k]); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range v {
			if s := JSONText(e); s != "" {
				return s
			}
		}
	}
	return ""
}

// JSONNumber reads a JSON value as a number: a number, or a string holding
// one. ok is false for anything else.
func JSONNumber(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil
	}
	return 0, false
}

// JSONBool reads a JSON value as a boolean: true, "true", "yes", 1.
func JSONBool(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "yes", "1", "y":
			return true
		}
	case json.Number:
		return v.String() != "0"
	}
	return false
}

// ErrBadJSON is wrapped by DecodeJSON's errors: the document is not JSON.
var ErrBadJSON = errors.New("malformed JSON")

// DecodeJSON decodes one JSON document, keeping numbers exact (as
// json.Number: ids of 16 digits and more survive). A document cut short
// wraps io.ErrUnexpectedEOF as well as ErrBadJSON.
func DecodeJSON(b []byte) (any, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%w: %w", ErrBadJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the document", ErrBadJSON)
	}
	return v, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
