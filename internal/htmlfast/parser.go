package htmlfast

import (
	"cmp"
	"slices"
	"strings"

	"golang.org/x/net/html"
	a "golang.org/x/net/html/atom"
)

// mode is an insertion mode of the HTML Standard's tree construction; only
// the ones the fast path implements exist.
type mode uint8

const (
	initialMode mode = iota
	beforeHTMLMode
	beforeHeadMode
	inHeadMode
	textMode
	afterHeadMode
	inBodyMode
	inTableMode
	inTableBodyMode
	inRowMode
	inCellMode
	afterBodyMode
	afterAfterBodyMode
	inTemplateMode
	inCaptionMode
	inColumnGroupMode
)

const whitespace = " \t\r\n\f"

// quirksMode is whether html.Parse runs in quirks mode, as far as the fast
// path knows: only <table> inside <p> depends on it.
type quirksMode uint8

const (
	quirksUnknown quirksMode = iota // public identifiers not checked
	quirksYes
	quirksNo
)

type parser struct {
	lx          lexer
	tok         token
	doc         *html.Node
	oe          []*html.Node // stack of open elements
	afe         []*html.Node // active formatting elements; nil is a marker
	head        *html.Node
	tmpl        []mode // stack of template insertion modes
	form        *html.Node
	im          mode
	quirks      quirksMode
	doctypeData string // the doctype token's data, for probeQuirks
	foster      bool   // foster parenting is on
	origIM      mode
	slab        []html.Node
	slabSize    int
	nodes       int        // nodes allocated so far
	attrs       int        // attributes allocated so far
	merging     *html.Node // text node whose Data is mergeBuf, set by flushText
	mergeBuf    []byte
	attrSlab    []html.Attribute
}

// newParser reads b; s is b as a string, the memory the tree's strings are
// cut from.
func newParser(b []byte, s string) *parser {
	p := &parser{}
	p.lx.b = b
	p.lx.s = s
	// Real pages have a node per 10 to 40 bytes. Chunks stay under 32 KiB,
	// the largest size class: bigger objects take the slower large-object
	// path of the allocator.
	p.slabSize = min(max(len(b)/40, 32), 256)
	p.doc = p.node()
	p.doc.Type = html.DocumentNode
	p.oe = make([]*html.Node, 0, 32)
	return p
}

// chunk sizes the next slab from how many of used items the input read so
// far needed, so the last slab wastes little.
func (p *parser) chunk(used, need int) int {
	n := p.slabSize
	if pos := p.lx.pos; pos > 0 && used > 0 {
		n = (len(p.lx.b)-pos)*used/pos + 16
	}
	return max(min(max(n, 16), 256), need)
}

func (p *parser) node() *html.Node {
	if len(p.slab) == 0 {
		p.slab = make([]html.Node, p.chunk(p.nodes, 1))
	}
	p.nodes++
	n := &p.slab[0]
	p.slab = p.slab[1:]
	return n
}

func (p *parser) copyAttr(src []html.Attribute) []html.Attribute {
	if len(src) == 0 {
		return nil
	}
	if len(p.attrSlab) < len(src) {
		p.attrSlab = make([]html.Attribute, p.chunk(p.attrs, len(src)))
	}
	p.attrs += len(src)
	dst := p.attrSlab[:len(src):len(src)]
	p.attrSlab = p.attrSlab[len(src):]
	copy(dst, src)
	return dst
}

func (p *parser) run() {
	for {
		p.lx.cdata = len(p.oe) > 0 && p.oe[len(p.oe)-1].Namespace != ""
		p.lx.next(&p.tok)
		p.process()
		if p.tok.kind == tokEOF {
			p.flushText()
			return
		}
	}
}

// process hands the current token to the insertion mode (or the foreign
// content rules) until one consumes it.
func (p *parser) process() {
	for {
		var done bool
		if p.inForeign() {
			done = p.foreign()
		} else {
			done = p.step()
		}
		if done {
			return
		}
	}
}

func (p *parser) step() bool {
	switch p.im {
	case initialMode:
		return p.initial()
	case beforeHTMLMode:
		return p.beforeHTML()
	case beforeHeadMode:
		return p.beforeHead()
	case inHeadMode:
		return p.inHead()
	case textMode:
		return p.text()
	case afterHeadMode:
		return p.afterHead()
	case inBodyMode:
		return p.inBody()
	case inTableMode:
		return p.inTable()
	case inTableBodyMode:
		return p.inTableBody()
	case inRowMode:
		return p.inRow()
	case inCellMode:
		return p.inCell()
	case afterBodyMode:
		return p.afterBody()
	case afterAfterBodyMode:
		return p.afterAfterBody()
	case inTemplateMode:
		return p.inTemplate()
	case inCaptionMode:
		return p.inCaption()
	case inColumnGroupMode:
		return p.inColumnGroup()
	}
	bail()
	return true
}

// Tree and stack helpers.

func (p *parser) top() *html.Node {
	if n := len(p.oe); n > 0 {
		return p.oe[n-1]
	}
	return p.doc
}

func (p *parser) pop() *html.Node {
	n := p.oe[len(p.oe)-1]
	p.oe = p.oe[:len(p.oe)-1]
	return n
}

func (p *parser) addChild(n *html.Node) {
	if p.shouldFoster() {
		p.fosterParent(n)
	} else {
		p.top().AppendChild(n)
	}
	if n.Type == html.ElementNode {
		p.oe = append(p.oe, n)
		if len(p.oe) > 512 {
			bail() // html.Parse gives up with an error there
		}
	}
}

func (p *parser) addText(s string) {
	if s == "" {
		return
	}
	n := p.node()
	n.Type = html.TextNode
	n.Data = s
	if p.shouldFoster() {
		p.fosterParent(n)
		return
	}
	t := p.top()
	if last := t.LastChild; last != nil && last.Type == html.TextNode {
		p.mergeText(last, s)
		return
	}
	p.addChild(n)
}

// mergeText appends s to the text node t. It merges into a buffer and sets
// Data once the node is complete: repeated += would be quadratic on long
// runs of merged text.
func (p *parser) mergeText(t *html.Node, s string) {
	if p.merging != t {
		p.flushText()
		p.merging = t
		p.mergeBuf = append(p.mergeBuf[:0], t.Data...)
	}
	p.mergeBuf = append(p.mergeBuf, s...)
}

func (p *parser) shouldFoster() bool {
	if !p.foster {
		return false
	}
	switch p.top().DataAtom {
	case a.Table, a.Tbody, a.Tfoot, a.Thead, a.Tr:
		return true
	}
	return false
}

// fosterParent inserts n before the current table, as content misplaced in
// a table ends up.
func (p *parser) fosterParent(n *html.Node) {
	ti, tj := -1, -1
	for i := len(p.oe) - 1; i >= 0; i-- {
		if p.oe[i].DataAtom == a.Table {
			ti = i
			break
		}
	}
	for j := len(p.oe) - 1; j >= 0; j-- {
		if p.oe[j].DataAtom == a.Template {
			tj = j
			break
		}
	}
	if tj != -1 && (ti == -1 || tj > ti) {
		p.oe[tj].AppendChild(n)
		return
	}
	var table, parent, prev *html.Node
	if ti == -1 {
		parent = p.oe[0]
	} else {
		table = p.oe[ti]
		parent = table.Parent
	}
	if parent == nil {
		parent = p.oe[ti-1]
	}
	if table != nil {
		prev = table.PrevSibling
	} else {
		prev = parent.LastChild
	}
	if prev != nil && prev.Type == html.TextNode && n.Type == html.TextNode {
		p.mergeText(prev, n.Data)
		return
	}
	parent.InsertBefore(n, table)
}

// flushText sets the Data of the text node being merged into.
func (p *parser) flushText() {
	if p.merging != nil {
		p.merging.Data = string(p.mergeBuf)
		p.merging = nil
	}
}

func (p *parser) addComment() {
	p.addChild(p.comment())
}

func (p *parser) comment() *html.Node {
	n := p.node()
	n.Type = html.CommentNode
	n.Data = p.tok.data
	return n
}

// addElement inserts an element for the current start tag.
func (p *parser) addElement() *html.Node {
	n := p.node()
	n.Type = html.ElementNode
	n.DataAtom = p.tok.atom
	n.Data = p.tok.data
	n.Attr = p.copyAttr(p.tok.attr)
	p.addChild(n)
	return n
}

// addImplied inserts an element with no attributes for an implied tag.
func (p *parser) addImplied(t a.Atom) *html.Node {
	n := p.node()
	n.Type = html.ElementNode
	n.DataAtom = t
	n.Data = t.String()
	p.addChild(n)
	return n
}

func (p *parser) removeOE(n *html.Node) {
	for i := len(p.oe) - 1; i >= 0; i-- {
		if p.oe[i] == n {
			p.oe = append(p.oe[:i], p.oe[i+1:]...)
			return
		}
	}
}

func (p *parser) inOE(n *html.Node) bool {
	for i := len(p.oe) - 1; i >= 0; i-- {
		if p.oe[i] == n {
			return true
		}
	}
	return false
}

func (p *parser) inAFE(n *html.Node) bool {
	for i := len(p.afe) - 1; i >= 0; i-- {
		if p.afe[i] == n {
			return true
		}
	}
	return false
}

func (p *parser) removeAFE(n *html.Node) {
	for i := len(p.afe) - 1; i >= 0; i-- {
		if p.afe[i] == n {
			p.afe = append(p.afe[:i], p.afe[i+1:]...)
			return
		}
	}
}

type scope uint8

const (
	defaultScope scope = iota
	listItemScope
	buttonScope
	tableScope
)

func scopeStop(n *html.Node) bool {
	switch n.Namespace {
	case "":
		switch n.DataAtom {
		case a.Applet, a.Caption, a.Html, a.Table, a.Td, a.Th, a.Marquee, a.Object, a.Template, a.Select:
			return true
		}
	case "svg":
		switch n.DataAtom {
		case a.Desc, a.ForeignObject, a.Title:
			return true
		}
	case "math":
		bail()
	}
	return false
}

func (p *parser) indexInScope(s scope, tags ...a.Atom) int {
	for i := len(p.oe) - 1; i >= 0; i-- {
		n := p.oe[i]
		t := n.DataAtom
		if n.Namespace == "" {
			for _, m := range tags {
				if m == t {
					return i
				}
			}
			switch s {
			case listItemScope:
				if t == a.Ol || t == a.Ul {
					return -1
				}
			case buttonScope:
				if t == a.Button {
					return -1
				}
			case tableScope:
				if t == a.Html || t == a.Table || t == a.Template {
					return -1
				}
			}
		}
		if s != tableScope && scopeStop(n) {
			return -1
		}
	}
	return -1
}

func (p *parser) inScope(s scope, tags ...a.Atom) bool {
	return p.indexInScope(s, tags...) != -1
}

func (p *parser) popUntil(s scope, tags ...a.Atom) bool {
	if i := p.indexInScope(s, tags...); i != -1 {
		p.oe = p.oe[:i]
		return true
	}
	return false
}

// clearTo pops until an element that is html, template, or one of tags.
func (p *parser) clearTo(tags ...a.Atom) {
	for i := len(p.oe) - 1; i >= 0; i-- {
		t := p.oe[i].DataAtom
		if t == a.Html || t == a.Template || slices.Contains(tags, t) {
			p.oe = p.oe[:i+1]
			return
		}
	}
}

// generateImpliedEndTags pops elements with optional end tags, stopping at
// one named except.
func (p *parser) generateImpliedEndTags(except string) {
	i := len(p.oe) - 1
	for ; i >= 0; i-- {
		n := p.oe[i]
		switch n.DataAtom {
		case a.Dd, a.Dt, a.Li, a.Optgroup, a.Option, a.P, a.Rb, a.Rp, a.Rt, a.Rtc:
			if n.Data == except {
				break
			}
			continue
		}
		break
	}
	p.oe = p.oe[:i+1]
}

func isSpecial(n *html.Node) bool {
	switch n.Namespace {
	case "":
		switch n.DataAtom {
		case a.Address, a.Applet, a.Area, a.Article, a.Aside, a.Base, a.Basefont, a.Bgsound,
			a.Blockquote, a.Body, a.Br, a.Button, a.Caption, a.Center, a.Col, a.Colgroup,
			a.Dd, a.Details, a.Dir, a.Div, a.Dl, a.Dt, a.Embed, a.Fieldset, a.Figcaption,
			a.Figure, a.Footer, a.Form, a.Frame, a.Frameset, a.H1, a.H2, a.H3, a.H4, a.H5,
			a.H6, a.Head, a.Header, a.Hgroup, a.Hr, a.Html, a.Iframe, a.Img, a.Input,
			a.Keygen, a.Li, a.Link, a.Listing, a.Main, a.Marquee, a.Menu, a.Meta, a.Nav,
			a.Noembed, a.Noframes, a.Noscript, a.Object, a.Ol, a.P, a.Param, a.Plaintext,
			a.Pre, a.Script, a.Section, a.Select, a.Source, a.Style, a.Summary, a.Table,
			a.Tbody, a.Td, a.Template, a.Textarea, a.Tfoot, a.Th, a.Thead, a.Title, a.Tr,
			a.Track, a.Ul, a.Wbr, a.Xmp:
			return true
		}
	case "svg":
		switch n.Data {
		case "foreignObject", "desc", "title":
			return true
		}
	case "math":
		bail()
	}
	return false
}

// Active formatting elements.

// reconstruct reopens the formatting elements that were closed implicitly
// (by an end tag of an enclosing element) before inserting content.
func (p *parser) reconstruct() {
	if len(p.afe) == 0 {
		return
	}
	n := p.afe[len(p.afe)-1]
	if n == nil || p.inOE(n) {
		return
	}
	i := len(p.afe) - 1
	for n != nil && !p.inOE(n) {
		if i == 0 {
			i = -1
			break
		}
		i--
		n = p.afe[i]
	}
	for i++; i < len(p.afe); i++ {
		c := p.clone(p.afe[i])
		p.addChild(c)
		p.afe[i] = c
	}
}

func (p *parser) clearAFE() {
	for len(p.afe) > 0 {
		n := p.afe[len(p.afe)-1]
		p.afe = p.afe[:len(p.afe)-1]
		if n == nil {
			return
		}
	}
}

func compareAttr(x, y html.Attribute) int {
	return cmp.Or(
		cmp.Compare(x.Namespace, y.Namespace),
		cmp.Compare(x.Key, y.Key),
		cmp.Compare(x.Val, y.Val),
	)
}

func (p *parser) addFormatting() {
	n := p.addElement()
	// html.Parse sorts a formatting element's attributes to compare them.
	if len(n.Attr) > 1 {
		slices.SortFunc(n.Attr, compareAttr)
	}
	same := 0
	for i := len(p.afe) - 1; i >= 0; i-- {
		e := p.afe[i]
		if e == nil {
			break
		}
		if e.Namespace != "" || e.DataAtom != n.DataAtom || !slices.Equal(e.Attr, n.Attr) {
			continue
		}
		same++
		if same >= 3 {
			// Noah's Ark clause: at most three identical ones stay.
			p.afe = append(p.afe[:i], p.afe[i+1:]...)
		}
	}
	p.afe = append(p.afe, n)
}

// insertLeadingSpace inserts the white space a text token starts with and
// leaves the rest in the token; it reports whether nothing is left.
func (p *parser) insertLeadingSpace() bool {
	d := p.tok.data
	s := trimLeftSpace(d)
	if len(s) < len(d) {
		p.addText(d[:len(d)-len(s)])
		p.tok.data = s
	}
	return s == ""
}

func trimLeftSpace(s string) string {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return s[i:]
}

// Insertion modes.

func (p *parser) initial() bool {
	switch p.tok.kind {
	case tokText:
		p.tok.data = trimLeftSpace(p.tok.data)
		if p.tok.data == "" {
			return true
		}
	case tokComment:
		p.doc.AppendChild(p.comment())
		return true
	case tokDoctype:
		p.doctypeData = p.tok.data
		p.doc.AppendChild(p.doctype(p.tok.data))
		p.im = beforeHTMLMode
		return true
	}
	p.quirks = quirksYes
	p.im = beforeHTMLMode
	return false
}

// doctype builds the doctype node html.Parse builds for the data.
func (p *parser) doctype(s string) *html.Node {
	n := p.node()
	n.Type = html.DoctypeNode
	sp := strings.IndexAny(s, whitespace)
	if sp < 0 {
		sp = len(s)
	}
	name := s[:sp]
	n.Data = strings.ToLower(name)
	s = strings.TrimLeft(s[sp:], whitespace)
	p.quirks = quirksNo
	if name != "html" || s != "" {
		p.quirks = quirksYes
	}
	if len(s) < 6 {
		return n
	}
	key := strings.ToLower(s[:6])
	s = s[6:]
	for key == "public" || key == "system" {
		s = strings.TrimLeft(s, whitespace)
		if s == "" || s[0] != '"' && s[0] != '\'' {
			break
		}
		q := s[0]
		s = s[1:]
		id := s
		if i := strings.IndexByte(s, q); i >= 0 {
			id, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		n.Attr = append(n.Attr, html.Attribute{Key: key, Val: id})
		if key == "public" {
			key = "system"
		} else {
			key = ""
		}
	}
	if name == "html" && key == "" && s == "" {
		// Identifiers given in full: quirks mode then depends on html.Parse's
		// list of public identifiers, which the fast path does not have. A
		// system identifier alone is quirky for one IBM DTD only.
		p.quirks = quirksUnknown
		if len(n.Attr) == 1 && n.Attr[0].Key == "system" {
			p.quirks = quirksNo
			if strings.EqualFold(n.Attr[0].Val, "http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd") {
				p.quirks = quirksYes
			}
		}
	}
	return n
}

func (p *parser) beforeHTML() bool {
	switch p.tok.kind {
	case tokDoctype:
		return true
	case tokText:
		p.tok.data = trimLeftSpace(p.tok.data)
		if p.tok.data == "" {
			return true
		}
	case tokStart:
		if p.tok.atom == a.Html {
			p.addElement()
			p.im = beforeHeadMode
			return true
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Head, a.Body, a.Html, a.Br:
		default:
			return true
		}
	case tokComment:
		p.doc.AppendChild(p.comment())
		return true
	}
	p.addImplied(a.Html)
	p.im = beforeHeadMode
	return false
}

func (p *parser) beforeHead() bool {
	switch p.tok.kind {
	case tokText:
		p.tok.data = trimLeftSpace(p.tok.data)
		if p.tok.data == "" {
			return true
		}
	case tokStart:
		switch p.tok.atom {
		case a.Head:
			p.head = p.addElement()
			p.im = inHeadMode
			return true
		case a.Html:
			return p.inBody()
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Head, a.Body, a.Html, a.Br:
		default:
			return true
		}
	case tokComment:
		p.addComment()
		return true
	case tokDoctype:
		return true
	}
	p.head = p.addImplied(a.Head)
	p.im = inHeadMode
	return false
}

// rawElement inserts an element whose content the lexer reads as raw text
// or RCDATA, and switches to the text mode.
func (p *parser) rawElement() bool {
	p.addElement()
	p.origIM = p.im
	p.im = textMode
	return true
}

func (p *parser) inHead() bool {
	switch p.tok.kind {
	case tokText:
		if p.insertLeadingSpace() {
			return true
		}
	case tokStart:
		switch p.tok.atom {
		case a.Html:
			return p.inBody()
		case a.Base, a.Basefont, a.Bgsound, a.Link, a.Meta:
			p.addElement()
			p.pop()
			return true
		case a.Noscript, a.Script, a.Title, a.Style, a.Noframes:
			// html.Parse runs with scripting on: noscript is raw text.
			return p.rawElement()
		case a.Head:
			return true
		case a.Template:
			for _, e := range p.oe {
				if e.Namespace != "" {
					bail() // html.Parse ignores the rest of the input
				}
			}
			p.addElement()
			p.afe = append(p.afe, nil)
			p.im = inTemplateMode
			p.tmpl = append(p.tmpl, inTemplateMode)
			return true
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Head:
			p.pop()
			p.im = afterHeadMode
			return true
		case a.Body, a.Html, a.Br:
		case a.Template:
			if p.inOEAtom(a.Template) {
				p.closeTemplate()
			}
			return true
		default:
			return true
		}
	case tokComment:
		p.addComment()
		return true
	case tokDoctype:
		return true
	}
	p.pop()
	p.im = afterHeadMode
	return false
}

// closeTemplate closes the innermost template element.
func (p *parser) closeTemplate() {
	p.generateImpliedEndTags("")
	for i := len(p.oe) - 1; i >= 0; i-- {
		if n := p.oe[i]; n.Namespace == "" && n.DataAtom == a.Template {
			p.oe = p.oe[:i]
			break
		}
	}
	p.clearAFE()
	p.tmpl = p.tmpl[:len(p.tmpl)-1]
	p.resetMode()
}

func (p *parser) inTemplate() bool {
	switch p.tok.kind {
	case tokText, tokComment, tokDoctype:
		return p.inBody()
	case tokStart:
		switch p.tok.atom {
		case a.Base, a.Basefont, a.Bgsound, a.Link, a.Meta, a.Noframes, a.Script, a.Style, a.Template, a.Title:
			return p.inHead()
		}
		m := inBodyMode
		switch p.tok.atom {
		case a.Caption, a.Colgroup, a.Tbody, a.Tfoot, a.Thead:
			m = inTableMode
		case a.Col:
			m = inColumnGroupMode
		case a.Tr:
			m = inTableBodyMode
		case a.Td, a.Th:
			m = inRowMode
		}
		p.tmpl[len(p.tmpl)-1] = m
		p.im = m
		return false
	case tokEnd:
		if p.tok.atom == a.Template {
			return p.inHead()
		}
		return true
	case tokEOF:
		if !p.inOEAtom(a.Template) {
			return true
		}
		p.closeTemplate()
		return false
	}
	return false
}

func (p *parser) text() bool {
	switch p.tok.kind {
	case tokEOF:
		p.pop()
	case tokText:
		d := p.tok.data
		if n := p.top(); n.DataAtom == a.Textarea && n.FirstChild == nil && d != "" && d[0] == '\n' {
			d = d[1:]
		}
		p.addText(d)
		return true
	case tokEnd:
		p.pop()
	}
	p.im = p.origIM
	return p.tok.kind == tokEnd
}

func (p *parser) afterHead() bool {
	switch p.tok.kind {
	case tokText:
		if p.insertLeadingSpace() {
			return true
		}
	case tokStart:
		switch p.tok.atom {
		case a.Html:
			return p.inBody()
		case a.Body:
			p.addElement()
			p.im = inBodyMode
			return true
		case a.Frameset:
			bail()
		case a.Base, a.Basefont, a.Bgsound, a.Link, a.Meta, a.Noframes, a.Script, a.Style, a.Template, a.Title:
			p.oe = append(p.oe, p.head)
			done := p.inHead()
			p.removeOE(p.head)
			return done
		case a.Head:
			return true
		}
	case tokEnd:
		switch p.tok.atom {
		case a.Body, a.Html, a.Br:
		case a.Template:
			return p.inHead()
		default:
			return true
		}
	case tokComment:
		p.addComment()
		return true
	case tokDoctype:
		return true
	}
	p.addImplied(a.Body)
	p.im = inBodyMode
	return p.tok.kind == tokEOF
}

func (p *parser) afterBody() bool {
	switch p.tok.kind {
	case tokEOF:
		return true
	case tokText:
		if trimLeftSpace(p.tok.data) == "" {
			return p.inBody()
		}
	case tokStart:
		if p.tok.atom == a.Html {
			return p.inBody()
		}
	case tokEnd:
		if p.tok.atom == a.Html {
			p.im = afterAfterBodyMode
			return true
		}
	case tokComment:
		p.oe[0].AppendChild(p.comment())
		return true
	}
	p.im = inBodyMode
	return false
}

func (p *parser) afterAfterBody() bool {
	switch p.tok.kind {
	case tokEOF:
		return true
	case tokText:
		if trimLeftSpace(p.tok.data) == "" {
			return p.inBody()
		}
	case tokStart:
		if p.tok.atom == a.Html {
			return p.inBody()
		}
	case tokComment:
		p.doc.AppendChild(p.comment())
		return true
	case tokDoctype:
		return p.inBody()
	}
	p.im = inBodyMode
	return false
}
