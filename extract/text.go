package extract

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxDepth bounds every recursive walk of the DOM, so a page nested ten
// thousand elements deep costs a bounded stack; text deeper than this is not
// read.
const maxDepth = 1024

// skipped elements hold no text a reader sees.
func skipped(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Math,
		atom.Iframe, atom.Object, atom.Select, atom.Option, atom.Button, atom.Head, atom.Canvas:
		return true
	}
	return false
}

// block elements start a new line of text.
func block(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body, atom.Br, atom.Dd, atom.Details,
		atom.Dialog, atom.Div, atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer,
		atom.Form, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Header, atom.Hgroup, atom.Hr,
		atom.Html, atom.Li, atom.Main, atom.Nav, atom.Ol, atom.P, atom.Pre, atom.Section, atom.Summary,
		atom.Table, atom.Tbody, atom.Td, atom.Tfoot, atom.Th, atom.Thead, atom.Tr, atom.Ul, atom.Caption,
		atom.Legend, atom.Label:
		return true
	}
	return false
}

func heading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// lineWriter collects text as lines: spaces collapsed, empty lines dropped.
// Its buffer is reused from line to line.
type lineWriter struct {
	lines []string
	cur   []byte
	space bool // a space is pending before the next word
	// joined keeps every line in cur, each ended by "\n", rather than in
	// lines: nodeText wants them joined, and building one string spares a
	// string per line and the join. start is where cur's current line starts.
	joined bool
	start  int
}

func (w *lineWriter) breakLine() {
	if w.joined {
		if len(w.cur) > w.start {
			w.cur = append(w.cur, '\n')
			w.start = len(w.cur)
		}
		w.space = false
		return
	}
	if len(w.cur) > 0 {
		w.lines = append(w.lines, string(w.cur))
		w.cur = w.cur[:0]
	}
	w.space = false
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' }

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }

func lastRuneBytes(b []byte) rune { r, _ := utf8.DecodeLastRune(b); return r }

// nodeText renders n as plain text: one line per block (heading, paragraph,
// list item…), inline text joined with single spaces, scripts and styles left
// out.
func nodeText(n *html.Node) string {
	w := lineWriter{joined: true}
	writeNode(&w, n, 0)
	w.breakLine()
	return w.joinedText()
}

// joinedText is what a joined writer wrote, without the last line's "\n".
// The string is the writer's buffer itself, not a copy of it: the writer
// lets go of the buffer, which nothing writes to again.
func (w *lineWriter) joinedText() string {
	b := bytes.TrimSuffix(w.cur, []byte{'\n'})
	w.cur, w.start = nil, 0
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func nodeLines(n *html.Node) []string {
	var w lineWriter
	writeNode(&w, n, 0)
	w.breakLine()
	return w.lines
}

func writeNode(w *lineWriter, n *html.Node, depth int) {
	if depth > maxDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		w.textSpaced(n.Data)
		return
	case html.ElementNode:
		if skipped(n.DataAtom) {
			return
		}
		if block(n.DataAtom) {
			w.breakLine()
			defer w.breakLine()
		}
	case html.CommentNode, html.DoctypeNode:
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeNode(w, c, depth+1)
	}
}

// textSpaced appends s, keeping a space where s begins or ends with one.
// It is the inner loop of every walk over a page's text, so it reads each
// byte once through byteKind and appends whole runs of words: words
// separated by one plain space are appended as they stand, which is what
// word would write for them one by one.
func (w *lineWriter) textSpaced(s string) {
	if s == "" {
		return
	}
	// Invalid UTF-8 is written as strings.ToValidUTF8 makes it. It is rare,
	// so rather than check s first, the loop notices an invalid byte where
	// it decodes one, takes back what it wrote, and starts over on the
	// repaired text.
	cur, space := len(w.cur), w.space
	if !w.writeSpaced(s) {
		w.cur, w.space = w.cur[:cur], space
		w.writeSpaced(strings.ToValidUTF8(s, "\uFFFD"))
	}
}

// writeSpaced is textSpaced's loop; it stops, returning false, at the first
// invalid UTF-8.
func (w *lineWriter) writeSpaced(s string) bool {
	for i := 0; i < len(s); {
		// the spaces before the next word
		for i < len(s) {
			switch byteKind[s[i]] {
			case byteSpace:
				w.space = true
				i++
				continue
			case byteMulti:
				r, n := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && n == 1 {
					return false
				}
				if isSpace(r) {
					w.space = true
					i += n
					continue
				}
			}
			break
		}
		if i == len(s) {
			return true
		}
		// a run of words
		start := i
	run:
		for i < len(s) {
			if i+8 <= len(s) {
				// eight bytes at a time while they are printable ASCII
				// words and single spaces
				if n := plainRun8(s[i : i+8]); n > 0 {
					i += n
					continue
				}
			}
			switch byteKind[s[i]] {
			case byteWord:
				i++
			case byteSpace:
				// one plain space before a word continues the run
				if s[i] == ' ' && i+1 < len(s) {
					switch byteKind[s[i+1]] {
					case byteWord:
						i += 2
						continue
					case byteMulti:
						if r, _ := utf8.DecodeRuneInString(s[i+1:]); !isSpace(r) {
							i++ // an invalid byte is no space; the run's loop decodes it next
							continue
						}
					}
				}
				break run
			default:
				r, n := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && n == 1 {
					return false
				}
				if isSpace(r) {
					break run
				}
				i += n
			}
		}
		w.word(s[start:i])
	}
	return true
}

// plainRun8 says how many of the 8 bytes of s the run of words in
// writeSpaced can take at once: 8 when all are printable ASCII (0x21–0x7f)
// or single spaces, 7 when only the last is a space (what follows it
// decides whether the run goes on), else 0: the byte loop decides.
func plainRun8(s string) int {
	v := load8(s)
	const hi = 0x8080808080808080
	if v&hi != 0 {
		return 0 // a byte of a multi-byte character
	}
	// every byte is below 0x80, so adding to each cannot carry into the next
	if (v+0x6060606060606060)&hi != hi {
		return 0 // a byte below 0x20: a control character, tab or line break
	}
	spaces := ^((v ^ 0x2020202020202020) + 0x7f7f7f7f7f7f7f7f) & hi // the high bit of each space
	if spaces&(spaces>>8) != 0 {
		return 0 // two spaces in a row end the run
	}
	if spaces>>56 != 0 {
		return 7
	}
	return 8
}

// load8 reads the first 8 bytes of s as a little-endian number.
func load8(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// byteKind sorts bytes for textSpaced: ASCII white space, other ASCII, and
// the bytes of multi-byte characters (some of which are spaces).
var byteKind = func() (k [256]uint8) {
	for c := range k {
		switch {
		case c >= utf8.RuneSelf:
			k[c] = byteMulti
		case asciiSpace[c]:
			k[c] = byteSpace
		}
	}
	return k
}()

const (
	byteWord = iota
	byteSpace
	byteMulti
)

// asciiSpace are the ASCII white space bytes.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

func (w *lineWriter) word(s string) {
	if len(w.cur) > w.start && w.space {
		w.cur = append(w.cur, ' ')
	}
	w.cur = append(w.cur, s...)
	w.space = false
}

// attr returns n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// cleanString collapses white space, drops control characters and replaces
// invalid UTF-8.
func cleanString(s string) string {
	if isClean(s) {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if isSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isClean reports whether s is ASCII text that cleanString would leave as
// it is: no control character, no space at either end or next to another.
func isClean(s string) bool {
	space := true // a leading space is not clean
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf || c < ' ' || c == 0x7f:
			return false
		case c == ' ':
			if space {
				return false
			}
			space = true
		default:
			space = false
		}
	}
	return !space || s == ""
}

// cleanLines keeps the line breaks of plain text, collapsing the rest.
func cleanLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = cleanString(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
