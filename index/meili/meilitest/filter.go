package meilitest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Expr is a parsed Meilisearch filter expression: And, Or, Not or Cond.
type Expr interface{ isExpr() }

// And holds when every operand does (two or more operands).
type And []Expr

// Or holds when any operand does (two or more operands).
type Or []Expr

// Not negates its operand.
type Not struct{ X Expr }

// Cond is one condition on an attribute.
type Cond struct {
	Attr string
	// Op is one of = != > >= < <= TO IN EXISTS "IS NULL" "IS EMPTY".
	Op     string
	Values []string // one for comparisons, two for TO (low, high), any number for IN
}

func (And) isExpr()  {}
func (Or) isExpr()   {}
func (Not) isExpr()  {}
func (Cond) isExpr() {}

// ParseFilter parses a filter written in Meilisearch's filter expression
// syntax (https://www.meilisearch.com/docs/learn/filtering_and_sorting/filter_expression_reference):
// conditions joined by AND (which binds tighter) and OR, NOT, parentheses.
// Values and attributes are bare words (letters, digits, _ - .) or single-
// or double-quoted strings, decoded as Meilisearch ≥ 1.4 decodes them:
// inside quotes a backslash escapes the next character, "\" + the quote
// stands for the quote, and then the usual escapes (\\ \n \t \u{…}…) are
// applied; a backslash before anything else is an error.
func ParseFilter(s string) (Expr, error) {
	p := &parser{src: s}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, p.errf("unexpected characters at the end of the filter: %q (a missing OR or AND?)", p.src[p.pos:])
	}
	return e, nil
}

type parser struct {
	src string
	pos int
}

func (p *parser) errf(format string, args ...any) error {
	return fmt.Errorf("%s (at %d in %q)", fmt.Sprintf(format, args...), p.pos, p.src)
}

func (p *parser) space() {
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += n
	}
}

// keyword reports whether the next bare word is kw, and consumes it if so.
func (p *parser) keyword(kw string) bool {
	p.space()
	if !strings.HasPrefix(p.src[p.pos:], kw) {
		return false
	}
	end := p.pos + len(kw)
	if end < len(p.src) {
		if r, _ := utf8.DecodeRuneInString(p.src[end:]); isWordRune(r) {
			return false
		}
	}
	p.pos = end
	return true
}

func (p *parser) peek(c byte) bool {
	p.space()
	return p.pos < len(p.src) && p.src[p.pos] == c
}

func (p *parser) or() (Expr, error) {
	var ops Or
	for {
		e, err := p.and()
		if err != nil {
			return nil, err
		}
		ops = append(ops, e)
		if !p.keyword("OR") {
			break
		}
	}
	if len(ops) == 1 {
		return ops[0], nil
	}
	return ops, nil
}

func (p *parser) and() (Expr, error) {
	var ops And
	for {
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		ops = append(ops, e)
		if !p.keyword("AND") {
			break
		}
	}
	if len(ops) == 1 {
		return ops[0], nil
	}
	return ops, nil
}

func (p *parser) not() (Expr, error) {
	if p.keyword("NOT") {
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return Not{e}, nil
	}
	return p.primary()
}

func (p *parser) primary() (Expr, error) {
	if p.peek('(') {
		p.pos++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.peek(')') {
			return nil, p.errf("expression is missing the closing delimiter `)`")
		}
		p.pos++
		return e, nil
	}
	attr, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	for _, op := range []string{"!=", ">=", "<=", "=", ">", "<"} {
		if strings.HasPrefix(p.src[p.pos:], op) {
			p.pos += len(op)
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			return Cond{Attr: attr, Op: op, Values: []string{v}}, nil
		}
	}
	switch {
	case p.keyword("IN"):
		vs, err := p.list()
		return Cond{Attr: attr, Op: "IN", Values: vs}, err
	case p.keyword("EXISTS"):
		return Cond{Attr: attr, Op: "EXISTS"}, nil
	case p.keyword("IS"):
		neg := p.keyword("NOT")
		var c Cond
		switch {
		case p.keyword("NULL"):
			c = Cond{Attr: attr, Op: "IS NULL"}
		case p.keyword("EMPTY"):
			c = Cond{Attr: attr, Op: "IS EMPTY"}
		default:
			return nil, p.errf("expected NULL or EMPTY after IS")
		}
		if neg {
			return Not{c}, nil
		}
		return c, nil
	case p.keyword("NOT"):
		switch {
		case p.keyword("IN"):
			vs, err := p.list()
			return Not{Cond{Attr: attr, Op: "IN", Values: vs}}, err
		case p.keyword("EXISTS"):
			return Not{Cond{Attr: attr, Op: "EXISTS"}}, nil
		}
		return nil, p.errf("expected IN or EXISTS after NOT")
	}
	// attr low TO high
	save := p.pos
	if low, err := p.value(); err == nil && p.keyword("TO") {
		high, err := p.value()
		if err != nil {
			return nil, err
		}
		return Cond{Attr: attr, Op: "TO", Values: []string{low, high}}, nil
	}
	p.pos = save
	return nil, p.errf("was expecting an operation =, !=, >=, >, <=, <, IN, NOT IN, TO, EXISTS, NOT EXISTS, IS NULL, IS NOT NULL, IS EMPTY or IS NOT EMPTY")
}

func (p *parser) list() ([]string, error) {
	if !p.peek('[') {
		return nil, p.errf("expected `[` after IN")
	}
	p.pos++
	var out []string
	if p.peek(']') {
		p.pos++
		return out, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		switch {
		case p.peek(','):
			p.pos++
		case p.peek(']'):
			p.pos++
			return out, nil
		default:
			return nil, p.errf("expected `,` or `]` in an IN list")
		}
	}
}

var keywords = map[string]bool{"AND": true, "OR": true, "IN": true, "NOT": true, "TO": true, "EXISTS": true,
	"IS": true, "NULL": true, "EMPTY": true, "CONTAINS": true, "STARTS": true, "WITH": true}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.'
}

// value reads a bare word or a quoted string.
func (p *parser) value() (string, error) {
	p.space()
	if p.pos >= len(p.src) {
		return "", p.errf("was expecting a value but instead got nothing")
	}
	if q := p.src[p.pos]; q == '"' || q == '\'' {
		return p.quoted(q)
	}
	start := p.pos
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if !isWordRune(r) {
			break
		}
		p.pos += n
	}
	w := p.src[start:p.pos]
	if w == "" {
		return "", p.errf("was expecting a value but instead got %q", p.src[p.pos:])
	}
	if keywords[w] {
		p.pos = start
		return "", p.errf("%s is a reserved keyword and thus can't be used as a value; quote it", w)
	}
	return w, nil
}

// quoted reads a string between quotes q, decoding it as Meilisearch does.
func (p *parser) quoted(q byte) (string, error) {
	p.pos++ // opening quote
	start := p.pos
	escapedQuote := false
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == q:
			raw := p.src[start:p.pos]
			p.pos++
			if escapedQuote {
				raw = strings.ReplaceAll(raw, `\`+string(q), string(q))
			}
			v, err := unescape(raw)
			if err != nil {
				return "", p.errf("%v", err)
			}
			return v, nil
		case c == '\\':
			if p.pos+1 >= len(p.src) {
				return "", p.errf("malformed value: a backslash ends the filter")
			}
			escapedQuote = escapedQuote || p.src[p.pos+1] == q
			p.pos += 2
		default:
			p.pos++
		}
	}
	return "", p.errf("expression is missing the closing delimiter `%c`", q)
}

// unescape applies the escapes Meilisearch's filter parser applies to a value
// after removing its quotes.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			return "", errors.New("malformed value: incomplete escape")
		}
		switch s[i] {
		case '\\', '"', '\'', '/':
			b.WriteByte(s[i])
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case '0':
			b.WriteByte(0)
		case 'u':
			j := i + 1
			var hex string
			if j < len(s) && s[j] == '{' {
				end := strings.IndexByte(s[j:], '}')
				if end < 0 {
					return "", errors.New("malformed value: unterminated \\u{…}")
				}
				hex, i = s[j+1:j+end], j+end
			} else {
				if j+4 > len(s) {
					return "", errors.New("malformed value: short \\u escape")
				}
				hex, i = s[j:j+4], j+3
			}
			n, err := strconv.ParseUint(hex, 16, 32)
			if err != nil || !utf8.ValidRune(rune(n)) {
				return "", fmt.Errorf("invalid escaped number \\u%s", hex)
			}
			b.WriteRune(rune(n))
		default:
			return "", fmt.Errorf("malformed value: invalid escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// Attributes returns every attribute e names.
func Attributes(e Expr) []string {
	var out []string
	var walk func(Expr)
	walk = func(e Expr) {
		switch e := e.(type) {
		case And:
			for _, x := range e {
				walk(x)
			}
		case Or:
			for _, x := range e {
				walk(x)
			}
		case Not:
			walk(e.X)
		case Cond:
			out = append(out, e.Attr)
		}
	}
	walk(e)
	return out
}

// Match evaluates e against a document decoded from JSON, with Meilisearch's
// semantics: string equality ignores case, a condition on an array holds
// when it holds for one of its elements, != and NOT select every document
// the positive form does not.
func Match(e Expr, doc map[string]any) bool {
	switch e := e.(type) {
	case And:
		for _, x := range e {
			if !Match(x, doc) {
				return false
			}
		}
		return true
	case Or:
		for _, x := range e {
			if Match(x, doc) {
				return true
			}
		}
		return false
	case Not:
		return !Match(e.X, doc)
	case Cond:
		return matchCond(e, doc)
	}
	return false
}

func matchCond(c Cond, doc map[string]any) bool {
	v, present := doc[c.Attr]
	switch c.Op {
	case "EXISTS":
		return present
	case "IS NULL":
		return present && v == nil
	case "IS EMPTY":
		switch v := v.(type) {
		case string:
			return v == ""
		case []any:
			return len(v) == 0
		case map[string]any:
			return len(v) == 0
		}
		return false
	case "!=":
		return !matchCond(Cond{Attr: c.Attr, Op: "=", Values: c.Values}, doc)
	}
	for _, s := range scalars(v) {
		switch c.Op {
		case "=":
			if equal(s, c.Values[0]) {
				return true
			}
		case "IN":
			for _, want := range c.Values {
				if equal(s, want) {
					return true
				}
			}
		case ">", ">=", "<", "<=":
			if cmp, ok := compare(s, c.Values[0]); ok {
				switch c.Op {
				case ">":
					if cmp > 0 {
						return true
					}
				case ">=":
					if cmp >= 0 {
						return true
					}
				case "<":
					if cmp < 0 {
						return true
					}
				case "<=":
					if cmp <= 0 {
						return true
					}
				}
			}
		case "TO":
			lo, ok1 := compare(s, c.Values[0])
			hi, ok2 := compare(s, c.Values[1])
			if ok1 && ok2 && lo >= 0 && hi <= 0 {
				return true
			}
		}
	}
	return false
}

// scalars flattens a JSON value into its scalar elements.
func scalars(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		var out []any
		for _, x := range v {
			out = append(out, scalars(x)...)
		}
		return out
	case map[string]any:
		return nil
	}
	return []any{v}
}

func equal(v any, lit string) bool {
	switch v := v.(type) {
	case string:
		return normalize(v) == normalize(lit)
	case float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(lit), 64)
		return err == nil && f == v
	case bool:
		return normalize(lit) == strconv.FormatBool(v)
	}
	return false
}

// compare compares a document value with a literal: numbers as numbers,
// strings lexicographically after normalisation.
func compare(v any, lit string) (int, bool) {
	switch v := v.(type) {
	case float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(lit), 64)
		if err != nil {
			return 0, false
		}
		switch {
		case v < f:
			return -1, true
		case v > f:
			return 1, true
		}
		return 0, true
	case string:
		return strings.Compare(normalize(v), normalize(lit)), true
	}
	return 0, false
}

// normalize is how the fake folds facet values: Meilisearch compares
// strings in filters and groups facet values ignoring case.
func normalize(s string) string { return strings.ToLower(s) }
