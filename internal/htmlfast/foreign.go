package htmlfast

// Foreign content: SVG.

import (
	"strings"

	"golang.org/x/net/html"
	a "golang.org/x/net/html/atom"
)

func (p *parser) inForeign() bool {
	if len(p.oe) == 0 {
		return false
	}
	n := p.oe[len(p.oe)-1]
	if n.Namespace == "" {
		return false
	}
	if n.Namespace != "svg" {
		bail()
	}
	switch p.tok.kind {
	case tokEOF:
		return false
	case tokStart, tokText:
		if integrationPoint(n) {
			return false // HTML rules inside desc, title and foreignObject
		}
	}
	return true
}

// integrationPoint reports whether n is an SVG HTML integration point.
func integrationPoint(n *html.Node) bool {
	if n.Namespace != "svg" {
		return false
	}
	switch n.Data {
	case "desc", "title", "foreignObject":
		return true
	}
	return false
}

func (p *parser) foreign() bool {
	switch p.tok.kind {
	case tokText:
		if strings.IndexByte(p.tok.data, 0) >= 0 {
			p.tok.data = strings.ReplaceAll(p.tok.data, "\x00", "\ufffd")
		}
		p.addText(p.tok.data)
	case tokComment:
		p.addComment()
	case tokStart:
		out := breakout(p.tok.atom)
		if p.tok.atom == a.Font {
			for _, at := range p.tok.attr {
				switch at.Key {
				case "color", "face", "size":
					out = true
				}
			}
		}
		if out {
			// An HTML element: close the foreign ones.
			for i := len(p.oe) - 1; i >= 0; i-- {
				if n := p.oe[i]; n.Namespace == "" || integrationPoint(n) {
					p.oe = p.oe[:i+1]
					break
				}
			}
			return p.step()
		}
		if adj := svgTagName(p.tok.data); adj != "" {
			p.tok.data = adj
			p.tok.atom = a.Lookup([]byte(adj))
		}
		n := p.addElement()
		n.Namespace = "svg"
		adjustSVGAttr(n.Attr)
		p.lx.rawTag = 0 // no raw text inside SVG
		if p.tok.selfClosing {
			p.pop()
		}
	case tokEnd:
		for i := len(p.oe) - 1; i >= 0; i-- {
			if strings.EqualFold(p.oe[i].Data, p.tok.data) {
				p.oe = p.oe[:i]
				return true
			}
			if i > 0 && p.oe[i-1].Namespace == "" {
				break
			}
		}
		return p.step()
	}
	return true
}

func breakout(t a.Atom) bool {
	switch t {
	case a.B, a.Big, a.Blockquote, a.Body, a.Br, a.Center, a.Code, a.Dd, a.Div, a.Dl, a.Dt,
		a.Em, a.Embed, a.H1, a.H2, a.H3, a.H4, a.H5, a.H6, a.Head, a.Hr, a.I, a.Img, a.Li,
		a.Listing, a.Menu, a.Meta, a.Nobr, a.Ol, a.P, a.Pre, a.Ruby, a.S, a.Small, a.Span,
		a.Strong, a.Strike, a.Sub, a.Sup, a.Table, a.Tt, a.U, a.Ul, a.Var:
		return true
	}
	return false
}

// adjustSVGAttr applies the HTML Standard's SVG attribute name adjustments
// and its foreign attribute (xlink:, xml:, xmlns:) namespaces.
func adjustSVGAttr(attr []html.Attribute) {
	for i := range attr {
		k := attr[i].Key
		if adj := svgAttrName(k); adj != "" {
			attr[i].Key = adj
			continue
		}
		if k == "" || k[0] != 'x' {
			continue
		}
		switch k {
		case "xlink:actuate", "xlink:arcrole", "xlink:href", "xlink:role", "xlink:show",
			"xlink:title", "xlink:type", "xml:lang", "xml:space", "xmlns:xlink":
			j := strings.IndexByte(k, ':')
			attr[i].Namespace = k[:j]
			attr[i].Key = k[j+1:]
		}
	}
}
