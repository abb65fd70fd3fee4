package htmlfast

// The "in body" insertion mode.

import (
	"slices"
	"strings"

	"golang.org/x/net/html"
	a "golang.org/x/net/html/atom"
)

func (p *parser) inBody() bool {
	switch p.tok.kind {
	case tokText:
		d := p.tok.data
		if n := p.top(); (n.DataAtom == a.Pre || n.DataAtom == a.Listing) && n.FirstChild == nil && d != "" && d[0] == '\n' {
			d = d[1:]
		}
		d = dropNUL(d)
		if d == "" {
			return true
		}
		p.reconstruct()
		p.addText(d)
	case tokStart:
		return p.inBodyStart()
	case tokEnd:
		return p.inBodyEnd()
	case tokComment:
		p.addComment()
	case tokEOF:
		if len(p.tmpl) > 0 {
			p.im = inTemplateMode
			return false
		}
	}
	return true
}

func (p *parser) inBodyStart() bool {
	switch t := p.tok.atom; t {
	case a.Html:
		if p.inOEAtom(a.Template) {
			return true
		}
		p.mergeAttr(p.oe[0])
	case a.Base, a.Basefont, a.Bgsound, a.Link, a.Meta, a.Noframes, a.Script, a.Style, a.Template, a.Title:
		return p.inHead()
	case a.Body:
		if p.inOEAtom(a.Template) {
			return true
		}
		if len(p.oe) >= 2 && p.oe[1].DataAtom == a.Body {
			p.mergeAttr(p.oe[1])
		}
	case a.Address, a.Article, a.Aside, a.Blockquote, a.Center, a.Details, a.Dialog, a.Dir, a.Div, a.Dl,
		a.Fieldset, a.Figcaption, a.Figure, a.Footer, a.Header, a.Hgroup, a.Main, a.Menu, a.Nav, a.Ol,
		a.P, a.Search, a.Section, a.Summary, a.Ul, a.Pre, a.Listing:
		p.popUntil(buttonScope, a.P)
		p.addElement()
	case a.H1, a.H2, a.H3, a.H4, a.H5, a.H6:
		p.popUntil(buttonScope, a.P)
		switch p.top().DataAtom {
		case a.H1, a.H2, a.H3, a.H4, a.H5, a.H6:
			p.pop()
		}
		p.addElement()
	case a.Form:
		tmpl := p.inOEAtom(a.Template)
		if p.form != nil && !tmpl {
			return true
		}
		p.popUntil(buttonScope, a.P)
		n := p.addElement()
		if !tmpl {
			p.form = n
		}
	case a.Li, a.Dd, a.Dt:
		for i := len(p.oe) - 1; i >= 0; i-- {
			n := p.oe[i]
			if n.DataAtom == t || t != a.Li && (n.DataAtom == a.Dd || n.DataAtom == a.Dt) {
				p.oe = p.oe[:i]
				break
			}
			if n.DataAtom == a.Address || n.DataAtom == a.Div || n.DataAtom == a.P || !isSpecial(n) {
				continue
			}
			break
		}
		p.popUntil(buttonScope, a.P)
		p.addElement()
	case a.Button:
		if p.inScope(defaultScope, a.Button) {
			p.generateImpliedEndTags("")
			p.popUntil(defaultScope, a.Button)
		}
		p.reconstruct()
		p.addElement()
	case a.A:
		for i := len(p.afe) - 1; i >= 0 && p.afe[i] != nil; i-- {
			if n := p.afe[i]; n.DataAtom == a.A {
				p.endFormatting(a.A, "a")
				p.removeOE(n)
				p.removeAFE(n)
				break
			}
		}
		p.reconstruct()
		p.addFormatting()
	case a.B, a.Big, a.Code, a.Em, a.Font, a.I, a.S, a.Small, a.Strike, a.Strong, a.Tt, a.U:
		p.reconstruct()
		p.addFormatting()
	case a.Nobr:
		p.reconstruct()
		if p.inScope(defaultScope, a.Nobr) {
			p.endFormatting(a.Nobr, "nobr")
			p.reconstruct()
		}
		p.addFormatting()
	case a.Applet, a.Marquee, a.Object:
		p.reconstruct()
		p.addElement()
		p.afe = append(p.afe, nil)
	case a.Table:
		if p.inScope(buttonScope, a.P) {
			switch p.quirks {
			case quirksNo:
				p.popUntil(buttonScope, a.P)
			case quirksUnknown:
				p.quirks = probeQuirks(p.doctypeData)
				if p.quirks == quirksNo {
					p.popUntil(buttonScope, a.P)
				}
			}
		}
		p.addElement()
		p.im = inTableMode
	case a.Area, a.Br, a.Embed, a.Img, a.Keygen, a.Wbr, a.Input:
		if t == a.Input {
			p.popUntil(defaultScope, a.Select)
		}
		p.reconstruct()
		p.addElement()
		p.pop()
	case a.Param, a.Source, a.Track:
		p.addElement()
		p.pop()
	case a.Hr:
		if p.inScope(buttonScope, a.P) {
			p.generateImpliedEndTags("p")
			p.popUntil(defaultScope, a.P)
		}
		if p.inScope(defaultScope, a.Select) {
			p.generateImpliedEndTags("")
		}
		p.addElement()
		p.pop()
	case a.Textarea, a.Iframe, a.Noscript:
		// Scripting is on, as in html.Parse: noscript is raw text too.
		return p.rawElement()
	case a.Select:
		if p.popUntil(defaultScope, a.Select) {
			return true
		}
		p.reconstruct()
		p.addElement()
	case a.Option, a.Optgroup:
		if p.inScope(defaultScope, a.Select) {
			except := ""
			if t == a.Option {
				except = "optgroup"
			}
			p.generateImpliedEndTags(except)
		} else if p.top().DataAtom == a.Option {
			p.pop()
		}
		p.reconstruct()
		p.addElement()
	case a.Caption, a.Col, a.Colgroup, a.Frame, a.Head, a.Tbody, a.Td, a.Tfoot, a.Th, a.Thead, a.Tr:
		// Ignored.
	case a.Svg:
		p.reconstruct()
		n := p.addElement()
		n.Namespace = "svg"
		adjustSVGAttr(n.Attr)
		if p.tok.selfClosing {
			p.pop()
		}
	case a.Image:
		p.tok.atom = a.Img
		p.tok.data = "img"
		return false
	case a.Plaintext:
		p.popUntil(buttonScope, a.P)
		p.addElement()
	case a.Xmp:
		p.popUntil(buttonScope, a.P)
		p.reconstruct()
		return p.rawElement()
	case a.Noembed:
		return p.rawElement()
	case a.Rb, a.Rtc, a.Rp, a.Rt:
		if p.inScope(defaultScope, a.Ruby) {
			except := ""
			if t == a.Rp || t == a.Rt {
				except = "rtc"
			}
			p.generateImpliedEndTags(except)
		}
		p.addElement()
	case a.Frameset, a.Math:
		bail()
	default:
		p.reconstruct()
		p.addElement()
	}
	return true
}

// mergeAttr adds the current tag's attributes that dst lacks, as a second
// html or body start tag does.
func (p *parser) mergeAttr(dst *html.Node) {
	if len(p.tok.attr) == 0 {
		return
	}
	var add []html.Attribute
outer:
	for _, at := range p.tok.attr {
		for _, d := range dst.Attr {
			if d.Key == at.Key {
				continue outer
			}
		}
		for _, d := range add {
			if d.Key == at.Key {
				continue outer
			}
		}
		add = append(add, at)
	}
	if len(add) > 0 {
		dst.Attr = append(dst.Attr[:len(dst.Attr):len(dst.Attr)], add...)
	}
}

func (p *parser) inOEAtom(t a.Atom) bool {
	for _, n := range p.oe {
		if n.DataAtom == t && n.Namespace == "" {
			return true
		}
	}
	return false
}

func (p *parser) inBodyEnd() bool {
	switch t := p.tok.atom; t {
	case a.Body:
		if p.inScope(defaultScope, a.Body) {
			p.im = afterBodyMode
		}
	case a.Html:
		if p.inScope(defaultScope, a.Body) {
			p.im = afterBodyMode
			return false
		}
	case a.Address, a.Article, a.Aside, a.Blockquote, a.Button, a.Center, a.Details, a.Dialog, a.Dir,
		a.Div, a.Dl, a.Fieldset, a.Figcaption, a.Figure, a.Footer, a.Header, a.Hgroup, a.Listing,
		a.Main, a.Menu, a.Nav, a.Ol, a.Pre, a.Search, a.Section, a.Select, a.Summary, a.Ul:
		if !p.inScope(defaultScope, t) {
			return true
		}
		p.generateImpliedEndTags("")
		p.popUntil(defaultScope, t)
	case a.Form:
		if p.inOEAtom(a.Template) {
			i := p.indexInScope(defaultScope, a.Form)
			if i == -1 {
				return true
			}
			p.generateImpliedEndTags("")
			if p.oe[i].DataAtom != a.Form {
				return true
			}
			p.popUntil(defaultScope, a.Form)
			return true
		}
		node := p.form
		p.form = nil
		i := p.indexInScope(defaultScope, a.Form)
		if node == nil || i == -1 || p.oe[i] != node {
			return true
		}
		p.generateImpliedEndTags("")
		p.removeOE(node)
	case a.P:
		if !p.inScope(buttonScope, a.P) {
			if p.inForeign() {
				bail()
			}
			p.addImplied(a.P)
		}
		p.popUntil(buttonScope, a.P)
	case a.Li:
		p.popUntil(listItemScope, a.Li)
	case a.Dd, a.Dt:
		p.popUntil(defaultScope, t)
	case a.H1, a.H2, a.H3, a.H4, a.H5, a.H6:
		p.popUntil(defaultScope, a.H1, a.H2, a.H3, a.H4, a.H5, a.H6)
	case a.A, a.B, a.Big, a.Code, a.Em, a.Font, a.I, a.Nobr, a.S, a.Small, a.Strike, a.Strong, a.Tt, a.U:
		p.endFormatting(t, p.tok.data)
	case a.Applet, a.Marquee, a.Object:
		if p.popUntil(defaultScope, t) {
			p.clearAFE()
		}
	case a.Template:
		return p.inHead()
	case a.Br:
		// </br> is a <br> without attributes.
		p.tok.kind = tokStart
		p.tok.attr = nil
		return false
	default:
		p.endOther(t, p.tok.data)
	}
	return true
}

// endFormatting handles the end tag of a formatting element: the adoption
// agency algorithm, as html.Parse runs it.
func (p *parser) endFormatting(t a.Atom, name string) {
	if cur := p.top(); cur.Data == name && !p.inAFE(cur) {
		p.pop()
		return
	}
	for range 8 {
		var fe *html.Node
		for j := len(p.afe) - 1; j >= 0 && p.afe[j] != nil; j-- {
			if p.afe[j].DataAtom == t {
				fe = p.afe[j]
				break
			}
		}
		if fe == nil {
			p.endOther(t, name)
			return
		}
		fi := indexOf(p.oe, fe)
		if fi == -1 {
			p.removeAFE(fe)
			return
		}
		if !p.inScope(defaultScope, t) {
			return
		}
		var block *html.Node // the furthest block
		for _, e := range p.oe[fi:] {
			if isSpecial(e) {
				block = e
				break
			}
		}
		if block == nil {
			p.oe = p.oe[:fi]
			p.removeAFE(fe)
			return
		}
		common := p.oe[fi-1]
		bookmark := indexOf(p.afe, fe)
		last := block
		x := indexOf(p.oe, block)
		for j := 1; ; j++ {
			x--
			node := p.oe[x]
			if node == fe {
				break
			}
			if ni := indexOf(p.afe, node); j > 3 && ni > -1 {
				p.afe = slices.Delete(p.afe, ni, ni+1)
				if ni <= bookmark {
					bookmark--
				}
				continue
			}
			ni := indexOf(p.afe, node)
			if ni == -1 {
				p.removeOE(node)
				continue
			}
			c := p.clone(node)
			p.afe[ni] = c
			p.oe[indexOf(p.oe, node)] = c
			if last == block {
				bookmark = ni + 1
			}
			if last.Parent != nil {
				last.Parent.RemoveChild(last)
			}
			c.AppendChild(last)
			last = c
		}
		if last.Parent != nil {
			last.Parent.RemoveChild(last)
		}
		switch common.DataAtom {
		case a.Table, a.Tbody, a.Tfoot, a.Thead, a.Tr:
			p.fosterParent(last)
		default:
			common.AppendChild(last)
		}
		c := p.clone(fe)
		for ch := block.FirstChild; ch != nil; ch = block.FirstChild {
			block.RemoveChild(ch)
			c.AppendChild(ch)
		}
		block.AppendChild(c)
		if old := indexOf(p.afe, fe); old != -1 && old < bookmark {
			bookmark--
		}
		p.removeAFE(fe)
		p.afe = slices.Insert(p.afe, bookmark, c)
		p.removeOE(fe)
		p.oe = slices.Insert(p.oe, indexOf(p.oe, block)+1, c)
	}
}

// clone returns a copy of the element e with no children, as html.Parse
// makes them: without the namespace.
func (p *parser) clone(e *html.Node) *html.Node {
	c := p.node()
	c.Type = e.Type
	c.DataAtom = e.DataAtom
	c.Data = e.Data
	c.Attr = p.copyAttr(e.Attr)
	return c
}

func indexOf(s []*html.Node, n *html.Node) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == n {
			return i
		}
	}
	return -1
}

func (p *parser) endOther(t a.Atom, name string) {
	for i := len(p.oe) - 1; i >= 0; i-- {
		n := p.oe[i]
		if n.Namespace == "" && n.DataAtom == t && (t != 0 || n.Data == name) {
			p.oe = p.oe[:i]
			return
		}
		if isSpecial(n) {
			return
		}
	}
}

// dropNUL removes NUL bytes, as html.Parse does from text in the body.
func dropNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

func isAllSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isSpace(s[i]) {
			return false
		}
	}
	return true
}
