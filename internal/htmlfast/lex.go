package htmlfast

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// tokKind is the kind of a lexed token.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokText
	tokStart
	tokEnd
	tokComment
	tokDoctype
)

// token is one lexed token. Strings are substrings of the input where the
// input bytes are the token's value unchanged.
type token struct {
	kind        tokKind
	selfClosing bool
	atom        atom.Atom
	data        string // tag name (lower case), text, comment or doctype data
	attr        []html.Attribute
}

// lexer splits the input the way html.Tokenizer does, for the common shapes
// of tokens only: anything unusual (bogus comments, processing instructions,
// CDATA, a tag cut by the end of input, escaped script data, NUL in raw text)
// makes it bail.
type lexer struct {
	b      []byte
	s      string // string(b), shared by every substring token
	pos    int
	rawTag atom.Atom // set after a start tag that switches to raw text
	rawEnd string    // its name
	cdata  bool      // CDATA sections allowed: the current node is foreign
	attrs  []html.Attribute
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// textValue is the value of text whose raw bytes are s[i:j], as
// html.Tokenizer's Text gives it: a substring when the tokenizer would change
// nothing, else a copy with newlines normalised, NUL replaced by U+FFFD when
// nulToFFFD, and character references decoded when unescape.
func (l *lexer) textValue(i, j int, unescape, nulToFFFD bool) string {
	v := l.s[i:j]
	if nulToFFFD && strings.IndexByte(v, 0) >= 0 {
		v = strings.ReplaceAll(v, "\x00", "\ufffd")
	}
	if strings.IndexByte(v, '\r') >= 0 {
		v = strings.ReplaceAll(v, "\r\n", "\n")
		v = strings.ReplaceAll(v, "\r", "\n")
	}
	if unescape && strings.IndexByte(v, '&') >= 0 {
		v = html.UnescapeString(v)
	}
	return v
}

// next lexes one token into t.
func (l *lexer) next(t *token) {
	t.selfClosing = false
	t.atom = 0
	t.attr = nil
	if l.rawTag != 0 {
		l.readRaw(t)
		if t.kind == tokText {
			return
		}
	}
	b := l.b
	start := l.pos
	i := start
	for {
		k := bytes.IndexByte(b[i:], '<')
		if k < 0 || i+k+1 >= len(b) {
			// Text runs to the end (a final "<" is text too).
			i = len(b)
			break
		}
		i += k
		c := b[i+1]
		if isLetter(c) || c == '/' || c == '!' || c == '?' {
			break
		}
		i++
	}
	if i > start {
		t.kind = tokText
		t.data = l.textValue(start, i, true, false)
		l.pos = i
		return
	}
	if i >= len(b) {
		t.kind = tokEOF
		return
	}
	// b[i] == '<' and b[i+1] exists.
	c := b[i+1]
	switch {
	case isLetter(c):
		l.readTag(t, i, true)
	case c == '/':
		switch {
		case i+2 >= len(b):
			// "</" at the end of input is text.
			t.kind = tokText
			t.data = "</"
			l.pos = len(b)
		case isLetter(b[i+2]):
			l.readTag(t, i+1, false)
		case b[i+2] == '>':
			// "</>" is an empty comment.
			t.kind = tokComment
			t.data = ""
			l.pos = i + 3
		default:
			l.bogusComment(t, i+2)
		}
	case c == '!':
		l.readMarkup(t, i)
	default: // '?'
		l.bogusComment(t, i+1)
	}
}

// readRaw reads raw text or RCDATA up to the end tag named l.rawEnd.
func (l *lexer) readRaw(t *token) {
	name := l.rawEnd
	tag := l.rawTag
	l.rawTag = 0
	b := l.b
	start := l.pos
	i := start
	end := -1
	if tag == atom.Plaintext {
		end = len(b) // plaintext runs to the end of the input
		l.rawTag = tag
	}
	for end < 0 {
		k := bytes.Index(b[i:], []byte("</"))
		if k < 0 {
			break
		}
		i += k
		j := i + 2
		if j+len(name) < len(b) && matchFold(b[j:j+len(name)], name) {
			c := b[j+len(name)]
			if isSpace(c) || c == '/' || c == '>' {
				end = i
				break
			}
		}
		i += 2
	}
	if end < 0 {
		end = len(b) // raw text running to the end of input
	}
	if tag == atom.Script && bytes.Contains(b[start:end], []byte("<!--")) &&
		bytes.Contains(bytes.ToLower(b[start:end]), []byte("<script")) {
		// Escaped script data: a nested "<script" can hide the end tag.
		bail()
	}
	l.pos = end
	if end == start {
		t.kind = tokEOF // no text token; caller lexes the end tag
		return
	}
	t.kind = tokText
	t.data = l.textValue(start, end, tag == atom.Title || tag == atom.Textarea, true)
}

// matchFold reports whether b equals the lower-case ASCII name, ignoring case.
func matchFold(b []byte, name string) bool {
	for i := 0; i < len(name); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// readMarkup reads "<!--...-->" or "<!DOCTYPE ...>" starting at b[i] == '<'.
func (l *lexer) readMarkup(t *token, i int) {
	b := l.b
	j := i + 2
	if j+2 <= len(b) && b[j] == '-' && b[j+1] == '-' {
		l.readComment(t, j+2)
		return
	}
	if j+7 <= len(b) && matchFold(b[j:j+7], "doctype") {
		j += 7
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		k := bytes.IndexByte(b[j:], '>')
		if k < 0 || j == i+9 {
			// Unterminated, or "<!DOCTYPEhtml>": leave those to html.Parse.
			bail()
		}
		data := l.s[j : j+k]
		if strings.ContainsAny(data, "&\r\x00") {
			bail()
		}
		t.kind = tokDoctype
		t.data = data
		l.pos = j + k + 1
		return
	}
	if j+7 > len(b) || l.cdata && bytes.HasPrefix(b[j:], []byte("[CDATA[")) {
		// Near the end of input the tokenizer's rules get intricate; CDATA
		// sections are text in foreign content.
		bail()
	}
	l.bogusComment(t, j)
}

// bogusComment reads a comment whose data starts at b[j] and runs to the
// next '>'.
func (l *lexer) bogusComment(t *token, j int) {
	k := bytes.IndexByte(l.b[j:], '>')
	if k < 0 {
		l.commentToken(t, j, len(l.b), len(l.b)) // runs to the end of input
		return
	}
	l.commentToken(t, j, j+k, j+k+1)
}

// readComment reads a comment whose data starts at b[j], following the
// tokenizer's rules for where it ends.
func (l *lexer) readComment(t *token, j int) {
	b := l.b
	dashes := 0
	first := true
	for k := j; k < len(b); k++ {
		c := b[k]
		switch c {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || first {
				end := k - 2
				if end < j {
					end = j
				}
				l.commentToken(t, j, end, k+1)
				return
			}
		case '!':
			if dashes >= 2 {
				if k+1 >= len(b) {
					break
				}
				switch b[k+1] {
				case '>': // "--!>"
					l.commentToken(t, j, max(k-2, j), k+2)
					return
				case '-':
					k++
					dashes = 1
					first = false
					continue
				}
				k++ // the tokenizer skips the byte after "--!"
			}
		}
		dashes = 0
		first = false
	}
	// The comment runs to the end of input, less a trailing "--!", "--"
	// or "-".
	end := len(b)
	for _, suffix := range []string{"--!", "--", "-"} {
		if strings.HasSuffix(l.s[j:], suffix) {
			end -= len(suffix)
			break
		}
	}
	l.commentToken(t, j, max(end, j), len(b))
}

func (l *lexer) commentToken(t *token, i, j, next int) {
	// html.Tokenizer unescapes comment text too.
	t.kind = tokComment
	t.data = l.textValue(i, j, true, true)
	l.pos = next
}

// asciiLower lower-cases ASCII letters only, as the tokenizer does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// eof ends the input inside a tag: html.Tokenizer drops the tag and stops.
func (l *lexer) eof(t *token) {
	t.kind = tokEOF
	t.atom, t.data, t.attr = 0, "", nil
	l.rawTag = 0
	l.pos = len(l.b)
}

// readTag reads a start tag (start) or end tag whose name begins at b[i+1].
func (l *lexer) readTag(t *token, i int, start bool) {
	b := l.b
	tagStart := i - 1
	if start {
		tagStart = i
	}
	j := i + 1
	nameStart := j
	for j < len(b) && !isSpace(b[j]) && b[j] != '/' && b[j] != '>' {
		j++
	}
	if j >= len(b) {
		l.eof(t)
		return
	}
	name := b[nameStart:j]
	if bytes.IndexByte(name, 0) >= 0 {
		bail()
	}
	t.atom, t.data = l.intern(name, nameStart, j)
	// Attributes.
	l.attrs = l.attrs[:0]
	slow := false
	lastValEnd := -1
	for {
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) {
			l.eof(t)
			return
		}
		if b[j] == '>' {
			break
		}
		// Key.
		ks := j
		j = attrKeyEnd(b, j)
		if j >= len(b) {
			l.eof(t)
			return
		}
		ke := j
		// Value.
		vs, ve := j, j
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) {
			l.eof(t)
			return
		}
		switch b[j] {
		case '/':
			j++
		case '=':
			j++
			for j < len(b) && isSpace(b[j]) {
				j++
			}
			if j >= len(b) {
				l.eof(t)
				return
			}
			switch q := b[j]; q {
			case '>':
				// No value; it ends where the key did.
			case '\'', '"':
				k := bytes.IndexByte(b[j+1:], q)
				if k < 0 {
					l.eof(t)
					return
				}
				vs, ve = j+1, j+1+k
				j = ve + 1
			default:
				vs = j
				for j < len(b) && !isSpace(b[j]) && b[j] != '>' {
					j++
				}
				if j >= len(b) {
					l.eof(t)
					return
				}
				ve = j
			}
		}
		if !start || ks == ke {
			continue
		}
		if bytes.IndexByte(b[ks:ke], 0) >= 0 {
			slow = true
		}
		value := ""
		if !slow {
			value = l.attrValue(vs, ve)
			if value == "" && vs != ve {
				slow = true
			}
		}
		if slow {
			// Keep scanning for the tag's end; attributes come from html.Tokenizer.
			lastValEnd = ve
			continue
		}
		// The tokenizer keeps the first of attributes with the same key.
		_, key := l.intern(b[ks:ke], ks, ke)
		dup := false
		for k := range l.attrs {
			if l.attrs[k].Key == key {
				dup = true
				break
			}
		}
		if !dup {
			l.attrs = append(l.attrs, html.Attribute{Key: key, Val: value})
			lastValEnd = ve
		}
	}
	// b[j] == '>'
	l.pos = j + 1
	if !start {
		t.kind = tokEnd
		return
	}
	t.kind = tokStart
	if slow {
		l.attrs = slowAttrs(b[tagStart:j+1], l.attrs[:0])
		if len(l.attrs) > 0 {
			// The tokenizer's self-closing test compares against the last kept
			// attribute's raw value end; find it by re-reading the tag.
			lastValEnd = tagStart + slowLastValEnd(b[tagStart:j+1])
		}
	}
	if b[j-1] == '/' && (len(l.attrs) == 0 || j-1 != lastValEnd-1) {
		t.selfClosing = true
	}
	if len(l.attrs) > 0 {
		t.attr = l.attrs
	}
	switch t.atom {
	case atom.Iframe, atom.Noembed, atom.Noframes, atom.Noscript, atom.Plaintext,
		atom.Script, atom.Style, atom.Textarea, atom.Title, atom.Xmp:
		l.rawTag = t.atom
		l.rawEnd = t.data
	}
}

// intern returns the atom and string of the tag or attribute name b, which
// is s[i:j]: the atom's string or a substring when it is lower case already.
func (l *lexer) intern(b []byte, i, j int) (atom.Atom, string) {
	lower := true
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			lower = false
			break
		}
	}
	if !lower {
		var buf [32]byte
		if len(b) > len(buf) {
			s := asciiLower(l.s[i:j])
			a := atom.Lookup([]byte(s))
			if a != 0 {
				return a, a.String()
			}
			return 0, s
		}
		n := copy(buf[:], b)
		for k := 0; k < n; k++ {
			if 'A' <= buf[k] && buf[k] <= 'Z' {
				buf[k] += 'a' - 'A'
			}
		}
		if a := atom.Lookup(buf[:n]); a != 0 {
			return a, a.String()
		}
		return 0, string(buf[:n])
	}
	if a := atom.Lookup(b); a != 0 {
		return a, a.String()
	}
	return 0, l.s[i:j]
}

// slowAttrs returns the attributes of the start tag raw as html.Tokenizer
// gives them (unescaped, lower-cased, duplicates dropped).
func slowAttrs(raw []byte, dst []html.Attribute) []html.Attribute {
	z := html.NewTokenizer(bytes.NewReader(raw))
	z.Next()
	_, more := z.TagName()
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		dst = append(dst, html.Attribute{Key: atom.String(k), Val: string(v)})
	}
	return dst
}

// slowLastValEnd returns the offset in raw just past the last kept
// attribute's value, as the tokenizer's self-closing test sees it.
func slowLastValEnd(raw []byte) int {
	// Re-run the scan, tracking kept keys case-insensitively.
	var keys []string
	last := -1
	j := 1
	for j < len(raw) && !isSpace(raw[j]) && raw[j] != '/' && raw[j] != '>' {
		j++
	}
	for {
		for j < len(raw) && isSpace(raw[j]) {
			j++
		}
		if j >= len(raw) || raw[j] == '>' {
			return last
		}
		ks := j
		j = attrKeyEnd(raw, j)
		ke := j
		ve := j
		for j < len(raw) && isSpace(raw[j]) {
			j++
		}
		if j < len(raw) {
			switch raw[j] {
			case '/':
				j++
			case '=':
				j++
				for j < len(raw) && isSpace(raw[j]) {
					j++
				}
				if j < len(raw) {
					switch q := raw[j]; q {
					case '>':
					case '\'', '"':
						k := bytes.IndexByte(raw[j+1:], q)
						ve = j + 1 + k
						j = ve + 1
					default:
						for j < len(raw) && !isSpace(raw[j]) && raw[j] != '>' {
							j++
						}
						ve = j
					}
				}
			}
		}
		if ks == ke {
			continue
		}
		key := asciiLower(string(raw[ks:ke]))
		dup := false
		for _, k := range keys {
			if k == key {
				dup = true
			}
		}
		if !dup {
			keys = append(keys, key)
			last = ve
		}
	}
}

// attrValue returns the value of the attribute whose raw value is s[i:j],
// or "" when only html.Tokenizer can tell it (NUL, or character references
// whose attribute-mode decoding may differ from the text-mode one).
func (l *lexer) attrValue(i, j int) string {
	v := l.s[i:j]
	if strings.IndexByte(v, 0) >= 0 {
		return ""
	}
	amp := strings.IndexByte(v, '&')
	if amp < 0 && strings.IndexByte(v, '\r') < 0 {
		return v
	}
	// References that decode the same in attributes and in text: the
	// common named ones with their semicolon, and numeric ones.
	for k := amp; k >= 0; {
		rest := v[k+1:]
		switch {
		case strings.HasPrefix(rest, "amp;"), strings.HasPrefix(rest, "quot;"),
			strings.HasPrefix(rest, "lt;"), strings.HasPrefix(rest, "gt;"),
			strings.HasPrefix(rest, "#"):
		default:
			return ""
		}
		n := strings.IndexByte(rest, '&')
		if n < 0 {
			break
		}
		k += 1 + n
	}
	if strings.IndexByte(v, '\r') >= 0 {
		v = strings.ReplaceAll(v, "\r\n", "\n")
		v = strings.ReplaceAll(v, "\r", "\n")
	}
	if amp >= 0 {
		v = html.UnescapeString(v)
	}
	return v
}

// attrKeyEnd is where the attribute name starting at b[i] ends: at white
// space, '/', '>' or '=' (an '=' that starts the name is part of it).
func attrKeyEnd(b []byte, i int) int {
	j := i
	for j < len(b) {
		c := b[j]
		if c == '=' && j == i {
			j++
			continue
		}
		if isSpace(c) || c == '/' || c == '>' || c == '=' {
			break
		}
		j++
	}
	return j
}
