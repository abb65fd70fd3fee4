// Package htmlfast builds the same tree as golang.org/x/net/html's Parse,
// faster.
//
// It has its own lexer, which mirrors html.Tokenizer's token boundaries and
// values, and a tree builder that mirrors html.Parse's insertion modes:
// implied html/head/body, head content, raw text and RCDATA elements, lists,
// headings, forms, select, tables with foster parenting, captions and column
// groups, templates, formatting elements with the adoption agency and
// reconstruction, and SVG with its name adjustments and integration points.
// Strings are substrings of one copy of the input wherever the tokenizer
// would not change the bytes, nodes come from slabs, and names are interned
// through the atom table.
//
// Whatever it does not implement exactly makes it give up, and Parse falls
// back to html.Parse: MathML, framesets, CDATA sections in SVG,
// </p> inside SVG, escaped script data containing "<script", a doctype not
// followed by a space, "<!" at the end of input, more than 512 open
// elements.
//
// The tree's strings share one copy of the input: unlike with html.Parse, a
// single node kept alive keeps the whole page's text alive.
package htmlfast

import (
	"bytes"
	"sync/atomic"
	"unsafe"

	"golang.org/x/net/html"
)

// Parsed counts the calls to Parse; Fallbacks those that fell back to
// html.Parse (the daemon's /metrics shows both).
var Parsed, Fallbacks atomic.Int64

// Parse returns the tree html.Parse(bytes.NewReader(b)) would, built by the
// fast path when it can. The tree's strings share one copy of b.
func Parse(b []byte) (*html.Node, error) {
	return parse(b, false)
}

// ParseOwned is Parse for a caller that hands b over: the tree's strings
// share b's own memory rather than a copy of it, so b must never be
// written again.
func ParseOwned(b []byte) (*html.Node, error) {
	return parse(b, true)
}

func parse(b []byte, owned bool) (*html.Node, error) {
	Parsed.Add(1)
	if root, ok := fast(b, owned); ok {
		return root, nil
	}
	Fallbacks.Add(1)
	return html.Parse(bytes.NewReader(b))
}

// strict makes Fast re-panic on panics other than bailing out; the tests
// set it.
var strict = false

// bailout is the panic value that abandons the fast path.
type bailout struct{}

func bail() { panic(bailout{}) }

// Fast builds the tree by the fast path alone; ok is false when the page
// needs what it does not implement (the caller then uses html.Parse).
func Fast(b []byte) (root *html.Node, ok bool) { return fast(b, false) }

func fast(b []byte, owned bool) (root *html.Node, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(bailout); !is && strict {
				panic(r)
			}
			// A bug in the fast path falls back too: html.Parse is the
			// reference.
			root, ok = nil, false
		}
	}()
	s := ""
	switch {
	case owned && len(b) > 0:
		s = unsafe.String(&b[0], len(b))
	case !owned:
		s = string(b)
	}
	p := newParser(b, s)
	p.run()
	return p.doc, true
}
