package extract

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText turns a string that may hold HTML, possibly escaped once or twice
// (JSON APIs and JSON-LD often carry "&lt;p&gt;…"), into plain text lines.
func htmlToText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for range 2 {
		if strings.Contains(s, "&lt;") && !strings.Contains(s, "<") {
			s = html.UnescapeString(s)
		}
	}
	if !htmlTagStart.MatchString(s) {
		// plain text, perhaps with entities ("R&amp;D"): its line breaks
		// are its structure, which an HTML parser would fold away
		if strings.Contains(s, "&") {
			s = html.UnescapeString(s)
		}
		return cleanLines(s)
	}
	if text, ok := fragmentTextFast(s); ok {
		return text
	}
	return fragmentTextTree(s)
}

// htmlTagStart matches the start of an HTML tag, comment or doctype.
var htmlTagStart = regexp.MustCompile(`<[a-zA-Z/!]`)

// fragmentTextTree renders the HTML fragment s as text lines the thorough
// way: it parses s into a tree, as the body of a <div>, and writes the tree
// with writeNode. fragmentTextFast must give exactly what this gives.
func fragmentTextTree(s string) string {
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return cleanLines(s)
	}
	var w lineWriter
	for _, n := range nodes {
		writeNode(&w, n, 0)
	}
	w.breakLine()
	return strings.Join(w.lines, "\n")
}

// fragmentTextFast renders the HTML fragment s as fragmentTextTree does, but
// in one pass over s, with neither html.Tokenizer (which reads byte by byte
// and copies every token) nor a tree (most of the cost). That is only right
// where both are simple, so it declines (ok is false) at the first place
// where its reading could differ from theirs:
//
//   - markup outside a plain grammar: tags are <name attr="v" attr='v'
//     attr=v attr> or </name>, with ASCII names, no "/" in an unquoted value
//     and "/>" only right at the end; no comments, doctypes, CDATA or a "<"
//     that starts no tag;
//   - structure the tree builder would not nest as tagged: an element
//     outside the set fastKindOf takes, an end tag that does not close the
//     current element, a start tag that would implicitly close an open <p>,
//     <li>, <dd>, <dt>, heading or <a>, nesting deeper than maxFastDepth;
//   - raw text (script, style…) that does not end at the first "</" with
//     its own end tag, or a script holding "<!--".
//
// With elements nested as tagged, writeNode's walk is a walk of the tags:
// text outside skipped elements is written, and the start and end tags of
// block elements break lines. Text is read as html.Tokenizer and the tree
// builder read it: line breaks normalised, entities decoded, then NUL bytes
// dropped. (The builder also drops a newline that opens a <pre>; that needs
// nothing here: a <pre> starts a line, where leading space is dropped.)
func fragmentTextFast(s string) (text string, ok bool) {
	// the lines are written joined, into a buffer the text nearly always
	// fits in (tags and entities are longer than what they give; only an
	// invalid byte, which becomes U+FFFD, can grow it)
	f := fastFragment{w: lineWriter{joined: true, cur: make([]byte, 0, len(s))}}
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			if f.skipping == 0 {
				f.w.textSpaced(tokenText(s[i : i+j]))
			}
			i += j
			continue
		}
		t, ok := scanTag(s[i:])
		if !ok {
			return "", false
		}
		i += t.n
		if t.end {
			if !f.end(t.name) {
				return "", false
			}
			continue
		}
		k, ok := f.start(t.name, t.selfClosing)
		if !ok {
			return "", false
		}
		if k == fastRaw {
			// its text, up to its end tag, which the loop reads next
			j := rawTextEnd(s[i:], t.name)
			if j < 0 {
				return "", false
			}
			i += j
		}
	}
	f.w.breakLine()
	return f.w.joinedText(), true
}

// tokenText is the text of a run of s between tags as the tree holds it:
// as html.Tokenizer gives it (CR LF and CR read as LF, character references
// decoded), then without NUL bytes, which the tree builder drops.
func tokenText(t string) string {
	if strings.IndexByte(t, '\r') >= 0 {
		t = strings.ReplaceAll(t, "\r\n", "\n")
		t = strings.ReplaceAll(t, "\r", "\n")
	}
	if strings.IndexByte(t, '&') >= 0 {
		t = html.UnescapeString(t)
	}
	if strings.IndexByte(t, 0) >= 0 {
		t = strings.ReplaceAll(t, "\x00", "")
	}
	return t
}

// fastTag is a tag read by scanTag.
type fastTag struct {
	name             string // as written, in any case
	end, selfClosing bool
	n                int // its length in bytes
}

// scanTag reads the tag at the start of s (its "<"), if it is in the plain
// grammar of fragmentTextFast.
func scanTag(s string) (t fastTag, ok bool) {
	i := 1
	if i < len(s) && s[i] == '/' {
		t.end = true
		i++
	}
	start := i
	for i < len(s) && tagNameByte(s[i]) {
		i++
	}
	if i == start || !isASCIILetter(s[start]) {
		return t, false
	}
	t.name = s[start:i]
	for {
		n := i
		for i < len(s) && tagSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return t, false
		}
		switch c := s[i]; {
		case c == '>':
			t.n = i + 1
			return t, true
		case c == '/' && !t.end && i+1 < len(s) && s[i+1] == '>':
			t.selfClosing = true
			t.n = i + 2
			return t, true
		case t.end || n == i || !tagNameByte(c):
			// attributes (only in a start tag) are set off by space
			return t, false
		}
		// an attribute
		for i < len(s) && tagNameByte(s[i]) {
			i++
		}
		j := i
		for j < len(s) && tagSpace(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != '=' {
			continue // no value
		}
		for j++; j < len(s) && tagSpace(s[j]); j++ {
		}
		if j >= len(s) {
			return t, false
		}
		switch q := s[j]; q {
		case '"', '\'':
			k := strings.IndexByte(s[j+1:], q)
			if k < 0 {
				return t, false
			}
			i = j + 1 + k + 1
		default:
			// an unquoted value runs to a space or ">"; "/" is left out
			// here, as "/>" would not end the tag
			start := j
			for j < len(s) && tagNameByte(s[j]) {
				j++
			}
			if j == start || j < len(s) && s[j] == '/' {
				return t, false
			}
			i = j
		}
	}
}

// tagNameByte reports whether c may be in a tag or attribute name (or an
// unquoted value) of fragmentTextFast's plain grammar.
func tagNameByte(c byte) bool {
	return isASCIILetter(c) || '0' <= c && c <= '9' || c == '-' || c == '_' || c == ':' || c == '.'
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// tagSpace reports whether c is white space inside a tag, for html.Tokenizer.
func tagSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

// rawTextEnd returns the length of the raw text that opens s, the rest of
// the fragment after the start tag of raw text element name: up to its
// end tag, which must be the first "</" in s and have no attributes, or to
// the end of s. It returns -1 when that is not sure to be where
// html.Tokenizer ends it.
func rawTextEnd(s, name string) int {
	j := strings.Index(s, "</")
	if j < 0 {
		j = len(s)
	} else {
		rest := s[j+2:]
		if len(rest) <= len(name) || !strings.EqualFold(rest[:len(name)], name) || rest[len(name)] != '>' {
			return -1
		}
	}
	if strings.EqualFold(name, "script") && strings.Contains(s[:j], "<!--") {
		return -1 // the escaped states of script data
	}
	return j
}

// fastFragment is the state of fragmentTextFast: the text so far and the
// open elements.
type fastFragment struct {
	w     lineWriter
	stack []openElement
	// open elements the start-tag rules look for, and open skipped ones
	openP, openA, skipping int
}

// start takes the start tag of element name (any case), and returns the
// element's kind; ok is false if the tree builder could nest it otherwise.
func (f *fastFragment) start(name string, selfClosing bool) (k fastKind, ok bool) {
	a := lookupTag(name)
	k = fastKindOf(a)
	switch {
	case k == fastOther,
		k == fastRaw && selfClosing,
		k == fastA && f.openA > 0,
		k.closesP() && f.openP > 0,
		k == fastHeading && len(f.stack) > 0 && heading(f.stack[len(f.stack)-1].a),
		k == fastItem && impliedItemEnd(f.stack, a),
		len(f.stack) >= maxFastDepth:
		return k, false
	}
	if f.skipping == 0 && block(a) {
		f.w.breakLine()
	}
	if k == fastVoid || k == fastHr {
		return k, true // void elements are never open
	}
	e := openElement{a: a}
	if a == 0 {
		e.name = strings.ToLower(name)
	}
	f.stack = append(f.stack, e)
	switch {
	case skipped(a):
		f.skipping++
	case a == atom.P:
		f.openP++
	case a == atom.A:
		f.openA++
	}
	return k, true
}

// end takes the end tag of element name (any case); ok is false unless it
// closes the current element.
func (f *fastFragment) end(name string) (ok bool) {
	if len(f.stack) == 0 {
		return false
	}
	top := f.stack[len(f.stack)-1]
	if a := lookupTag(name); a != top.a || a == 0 && !strings.EqualFold(name, top.name) {
		return false
	}
	f.stack = f.stack[:len(f.stack)-1]
	switch {
	case skipped(top.a):
		f.skipping--
	case top.a == atom.P:
		f.openP--
	case top.a == atom.A:
		f.openA--
	}
	if f.skipping == 0 && block(top.a) {
		f.w.breakLine()
	}
	return true
}

// maxFastDepth is the deepest nesting fragmentTextFast follows, well inside
// writeNode's maxDepth and the tree builder's limit of 512 open elements.
const maxFastDepth = 256

// openElement is an element on fragmentTextFast's stack: its atom, and its
// name when it has no atom.
type openElement struct {
	a    atom.Atom
	name string
}

// fastKind is how the tree builder treats a start tag in a body, for the
// elements fragmentTextFast takes.
type fastKind uint8

const (
	fastOther   fastKind = iota // anything else: decline
	fastPlain                   // inserted as it is (an inline or unknown element)
	fastA                       // <a>: closes an open <a> first
	fastClosesP                 // a block that closes an open <p> first
	fastHeading                 // closes an open <p>, and an open heading it is in
	fastItem                    // <li>, <dd>, <dt>: closes an open <p>, and an open item of its kind
	fastHr                      // void, closes an open <p>
	fastVoid                    // void: never open, nothing closed
	fastRaw                     // raw text (script, style…): its text ends only at its end tag
)

func (k fastKind) closesP() bool {
	return k == fastClosesP || k == fastHeading || k == fastItem || k == fastHr
}

// fastKindOf classifies a start tag as x/net/html's "in body" insertion mode
// treats it (with scripting on, as in ParseFragment). Elements with other
// rules (tables, forms, select, buttons, svg, <nobr>, <html>, <body>…) are
// fastOther.
func fastKindOf(a atom.Atom) fastKind {
	switch a {
	case 0, // an unknown element is inserted as it is
		atom.Span, atom.Label, atom.Abbr, atom.Acronym, atom.Cite, atom.Dfn, atom.Kbd, atom.Samp,
		atom.Var, atom.Sub, atom.Sup, atom.Mark, atom.Time, atom.Q, atom.Ins, atom.Del, atom.Bdi,
		atom.Bdo, atom.Data, atom.Canvas,
		// formatting elements, whose list stays the open ones while every
		// end tag closes the current element
		atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.S, atom.Small, atom.Strike,
		atom.Strong, atom.Tt, atom.U:
		return fastPlain
	case atom.A:
		return fastA
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details,
		atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure,
		atom.Footer, atom.Header, atom.Hgroup, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P,
		atom.Search, atom.Section, atom.Summary, atom.Ul, atom.Pre:
		return fastClosesP
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return fastHeading
	case atom.Li, atom.Dd, atom.Dt:
		return fastItem
	case atom.Hr:
		return fastHr
	case atom.Br, atom.Img, atom.Wbr:
		return fastVoid
	case atom.Script, atom.Style, atom.Noscript, atom.Iframe:
		return fastRaw
	}
	return fastOther
}

// impliedItemEnd reports whether the tree builder would close an open item
// before inserting item a (<li>, or <dd>/<dt>): it looks down the open
// elements for one of a's kind, and stops at a special element other than
// <address>, <div> and <p>.
func impliedItemEnd(stack []openElement, a atom.Atom) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch e := stack[i].a; e {
		case atom.Li:
			if a == atom.Li {
				return true
			}
			return false // special
		case atom.Dd, atom.Dt:
			if a != atom.Li {
				return true
			}
			return false
		case atom.Address, atom.Div, atom.P:
		default:
			if fastSpecial(e) {
				return false
			}
		}
	}
	return false
}

// fastSpecial reports whether a, an element fastKindOf takes, is in the
// HTML "special" category.
func fastSpecial(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details,
		atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer,
		atom.Header, atom.Hgroup, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Section,
		atom.Summary, atom.Ul, atom.Pre, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Li, atom.Dd, atom.Dt, atom.Hr, atom.Br, atom.Img, atom.Wbr,
		atom.Script, atom.Style, atom.Noscript, atom.Iframe:
		return true
	}
	return false
}

// lookupTag returns the atom of tag name, in any case.
func lookupTag(name string) atom.Atom {
	var buf [16]byte
	return atom.Lookup(lowerASCII(buf[:0], name))
}
