package htmlfast

// Tables: the insertion modes for tables, captions, column groups, rows
// and cells.

import (
	"strings"

	"golang.org/x/net/html"
	a "golang.org/x/net/html/atom"
)

func (p *parser) inTable() bool {
	switch p.tok.kind {
	case tokText:
		p.tok.data = dropNUL(p.tok.data)
		switch p.top().DataAtom {
		case a.Table, a.Tbody, a.Tfoot, a.Thead, a.Tr:
			if isAllSpace(p.tok.data) {
				p.addText(p.tok.data)
				return true
			}
		}
	case tokStart:
		switch p.tok.atom {
		case a.Tbody, a.Tfoot, a.Thead:
			p.clearTo(a.Table)
			p.addElement()
			p.im = inTableBodyMode
			return true
		case a.Td, a.Th, a.Tr:
			p.clearTo(a.Table)
			p.addImplied(a.Tbody)
			p.im = inTableBodyMode
			return false
		case a.Table:
			if p.popUntil(tableScope, a.Table) {
				p.resetMode()
				return false
			}
			return true
		case a.Style, a.Script, a.Template:
			return p.inHead()
		case a.Input:
			for _, at := range p.tok.attr {
				if at.Key == "type" && strings.EqualFold(at.Val, "hidden") {
					p.addElement()
					p.pop()
					return true
				}
			}
		case a.Form:
			if p.inOEAtom(a.Template) || p.form != nil {
				return true
			}
			p.addElement()
			p.form = p.pop()
			return true
		case a.Caption:
			p.clearTo(a.Table)
			p.afe = append(p.afe, nil)
			p.addElement()
			p.im = inCaptionMode
			return true
		case a.Colgroup:
			p.clearTo(a.Table)
			p.addElement()
			p.im = inColumnGroupMode
			return true
		case a.Col:
			p.clearTo(a.Table)
			p.addImplied(a.Colgroup)
			p.im = inColumnGroupMode
			return false
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Table:
			if p.popUntil(tableScope, a.Table) {
				p.resetMode()
			}
			return true
		case a.Body, a.Caption, a.Col, a.Colgroup, a.Html, a.Tbody, a.Td, a.Tfoot, a.Th, a.Thead, a.Tr:
			return true
		case a.Template:
			return p.inHead()
		}
	case tokComment:
		p.addComment()
		return true
	case tokDoctype:
		return true
	case tokEOF:
		return p.inBody()
	}
	// Anything else goes where the body would put it, but misplaced
	// content moves out in front of the table.
	p.foster = true
	done := p.inBody()
	p.foster = false
	return done
}

// probeQuirks asks html.Parse whether the doctype with the given data puts
// it in quirks mode, by where it puts a table opened inside a paragraph.
// The fast path lacks the list of quirky public identifiers; documents
// that need to know are rare.
func probeQuirks(doctype string) quirksMode {
	doc, err := html.Parse(strings.NewReader("<!DOCTYPE " + doctype + "><p><table>"))
	if err != nil {
		bail()
	}
	for n := range doc.Descendants() {
		if n.DataAtom == a.Table && n.Parent != nil {
			if n.Parent.DataAtom == a.P {
				return quirksYes
			}
			return quirksNo
		}
	}
	bail()
	return quirksUnknown
}

func (p *parser) inCaption() bool {
	switch p.tok.kind {
	case tokStart:
		switch p.tok.atom {
		case a.Caption, a.Col, a.Colgroup, a.Tbody, a.Td, a.Tfoot, a.Thead, a.Tr:
			if !p.popUntil(tableScope, a.Caption) {
				return true
			}
			p.clearAFE()
			p.im = inTableMode
			return false
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Caption:
			if p.popUntil(tableScope, a.Caption) {
				p.clearAFE()
				p.im = inTableMode
			}
			return true
		case a.Table:
			if !p.popUntil(tableScope, a.Caption) {
				return true
			}
			p.clearAFE()
			p.im = inTableMode
			return false
		case a.Body, a.Col, a.Colgroup, a.Html, a.Tbody, a.Td, a.Tfoot, a.Th, a.Thead, a.Tr:
			return true
		}
	}
	return p.inBody()
}

func (p *parser) inColumnGroup() bool {
	switch p.tok.kind {
	case tokText:
		if p.insertLeadingSpace() {
			return true
		}
	case tokComment:
		p.addComment()
		return true
	case tokDoctype:
		return true
	case tokStart:
		switch p.tok.atom {
		case a.Html:
			return p.inBody()
		case a.Col:
			p.addElement()
			p.pop()
			return true
		case a.Template:
			return p.inHead()
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Colgroup:
			if p.top().DataAtom == a.Colgroup {
				p.pop()
				p.im = inTableMode
			}
			return true
		case a.Col:
			return true
		case a.Template:
			return p.inHead()
		}
	case tokEOF:
		return p.inBody()
	}
	if p.top().DataAtom != a.Colgroup {
		return true
	}
	p.pop()
	p.im = inTableMode
	return false
}

func (p *parser) resetMode() {
	for i := len(p.oe) - 1; i >= 0; i-- {
		n := p.oe[i]
		switch n.DataAtom {
		case a.Td, a.Th:
			p.im = inCellMode
		case a.Tr:
			p.im = inRowMode
		case a.Tbody, a.Thead, a.Tfoot:
			p.im = inTableBodyMode
		case a.Table:
			p.im = inTableMode
		case a.Body:
			p.im = inBodyMode
		case a.Html:
			if p.head == nil {
				p.im = beforeHeadMode
			} else {
				p.im = afterHeadMode
			}
		case a.Template:
			if n.Namespace != "" {
				continue
			}
			p.im = p.tmpl[len(p.tmpl)-1]
		case a.Head:
			p.im = inHeadMode
		case a.Caption:
			p.im = inCaptionMode
		case a.Colgroup:
			p.im = inColumnGroupMode
		case a.Frameset:
			bail()
		default:
			if i == 0 {
				p.im = inBodyMode
				return
			}
			continue
		}
		return
	}
}

func (p *parser) inTableBody() bool {
	switch p.tok.kind {
	case tokStart:
		switch p.tok.atom {
		case a.Tr:
			p.clearTo(a.Tbody, a.Tfoot, a.Thead)
			p.addElement()
			p.im = inRowMode
			return true
		case a.Td, a.Th:
			p.clearTo(a.Tbody, a.Tfoot, a.Thead)
			p.addImplied(a.Tr)
			p.im = inRowMode
			return false
		case a.Caption, a.Col, a.Colgroup, a.Tbody, a.Tfoot, a.Thead:
			if p.popUntil(tableScope, a.Tbody, a.Thead, a.Tfoot) {
				p.im = inTableMode
				return false
			}
			return true
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Tbody, a.Tfoot, a.Thead:
			if p.inScope(tableScope, p.tok.atom) {
				p.clearTo(a.Tbody, a.Tfoot, a.Thead)
				p.pop()
				p.im = inTableMode
			}
			return true
		case a.Table:
			if p.popUntil(tableScope, a.Tbody, a.Thead, a.Tfoot) {
				p.im = inTableMode
				return false
			}
			return true
		case a.Body, a.Caption, a.Col, a.Colgroup, a.Html, a.Td, a.Th, a.Tr:
			return true
		}
	case tokComment:
		p.addComment()
		return true
	}
	return p.inTable()
}

func (p *parser) inRow() bool {
	switch p.tok.kind {
	case tokStart:
		switch p.tok.atom {
		case a.Td, a.Th:
			p.clearTo(a.Tr)
			p.addElement()
			p.afe = append(p.afe, nil)
			p.im = inCellMode
			return true
		case a.Caption, a.Col, a.Colgroup, a.Tbody, a.Tfoot, a.Thead, a.Tr:
			if p.inScope(tableScope, a.Tr) {
				p.clearTo(a.Tr)
				p.pop()
				p.im = inTableBodyMode
				return false
			}
			return true
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Tr, a.Table:
			if p.inScope(tableScope, a.Tr) {
				p.clearTo(a.Tr)
				p.pop()
				p.im = inTableBodyMode
				return p.tok.atom == a.Tr
			}
			return true
		case a.Tbody, a.Tfoot, a.Thead:
			if p.inScope(tableScope, p.tok.atom) && p.inScope(tableScope, a.Tr) {
				p.clearTo(a.Tr)
				p.pop()
				p.im = inTableBodyMode
				return false
			}
			return true
		case a.Body, a.Caption, a.Col, a.Colgroup, a.Html, a.Td, a.Th:
			return true
		}
	}
	return p.inTable()
}

func (p *parser) inCell() bool {
	switch p.tok.kind {
	case tokStart:
		switch p.tok.atom {
		case a.Caption, a.Col, a.Colgroup, a.Tbody, a.Td, a.Tfoot, a.Th, a.Thead, a.Tr:
			if p.popUntil(tableScope, a.Td, a.Th) {
				p.clearAFE()
				p.im = inRowMode
				return false
			}
			return true
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Td, a.Th:
			if !p.popUntil(tableScope, p.tok.atom) {
				return true
			}
			p.clearAFE()
			p.im = inRowMode
			return true
		case a.Body, a.Caption, a.Col, a.Colgroup, a.Html:
			return true
		case a.Table, a.Tbody, a.Tfoot, a.Thead, a.Tr:
			if !p.inScope(tableScope, p.tok.atom) {
				return true
			}
			if p.popUntil(tableScope, a.Td, a.Th) {
				p.clearAFE()
			}
			p.im = inRowMode
			return false
		}
	}
	return p.inBody()
}
