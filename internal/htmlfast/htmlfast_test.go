package htmlfast

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/net/html"
)

// cases are hand-written inputs, one or more per rule of the fast path, with
// whether the fast path should take them.
var cases = []struct {
	name string
	in   string
	fast bool
}{
	// Document structure.
	{"empty", "", true},
	{"whitespace only", " \n\t", true},
	{"doctype only", "<!DOCTYPE html>", true},
	{"doctype upper", "<!doctype HTML>", true},
	{"doctype public system", `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">`, true},
	{"doctype system", `<!DOCTYPE html SYSTEM 'about:legacy-compat'>`, true},
	{"doctype unterminated quote", `<!DOCTYPE html PUBLIC "abc>x`, true},
	{"doctype no space", "<!DOCTYPEhtml>", false},
	{"fragment div", "<div>hi</div>", true},
	{"full page", "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n<title>T &amp; x</title>\n</head>\n<body>\n<p>Hello</p>\n</body>\n</html>\n", true},
	{"comments everywhere", "<!-- a --><!DOCTYPE html><!-- b --><html><!-- c --><head><!-- d --></head><!-- e --><body><!-- f --></body><!-- g --></html><!-- h -->", true},
	{"whitespace everywhere", " \n<!DOCTYPE html> \n<html> \n<head> \n</head> \n<body> \n</body> \n</html> \n", true},
	{"text after html", "<html><body></body></html>x", true},
	{"text after body", "<body></body>x<p>y", true},
	{"whitespace after body merges", "<body>a</body> \n</html>\n", true},
	{"implied head and body", "<title>x</title><p>y", true},
	{"head content", `<head><base href="/"><link rel=stylesheet href=a.css><meta name=x content=y><style>p{}</style><script>var a = "</div>";</script><noscript><img src=x></noscript></head>`, true},
	{"head then text", "<head><title>t</title></head>text", true},
	{"script after head", "<head></head><script>x</script><body>", true},
	{"meta after head", "<html><head></head> <meta name=a><body>", true},
	{"second html merges attrs", "<html a=1><body><html b=2 a=3>", true},
	{"second body merges attrs", "<body a=1><div><body b=2 a=3>", true},
	{"template", "<template><p>x</p></template>", true},
	{"template in head", "<head><template><meta a=1><p>x</template></head><p>y", true},
	{"template after head", "<head></head><template>x</template><body>", true},
	{"template nested", "<template><div><template><b>x</template></div></template>y", true},
	{"template unclosed", "<template><div>x", true},
	{"template end without start", "<div></template>x", true},
	{"template html body ignored", "<body><template><html a=1><body b=2></template>", true},
	{"template form", "<form><template><form>x</form></template></form>", true},
	{"template in table", "<table><template><p>x</template><tr><td>a</table>", true},
	{"template table rows", "<template><tr><td>x</template>", true},
	{"template table parts", "<template><caption>c</caption><col><tbody><td>x</template><template><td>y</template>", true},
	{"template in svg", "<svg><template>x</template></svg>", true},
	{"table in template", "<template><div><table><tr><td>x</table>y</template>", true},
	{"noframes", "<noframes>x</noframes><p><noframes><p>y</noframes><table><noframes>z</noframes></table>", true},
	{"frameset", "<frameset><frame></frameset>", false},
	{"head start in body ignored", "<body><head><p>x", true},
	{"end tag before html", "</p><div>", true},

	// Text and character references.
	{"entities in text", "<p>a &amp; b &lt; c &copy &notit; &#x41;</p>", true},
	{"entities in attribute", `<a href="?a=1&amp;b=2&c=3&copy=4&notit">x</a>`, true},
	{"crlf", "<p>a\r\nb\rc</p>", true},
	{"common references in attribute", `<a href="?a=1&amp;b=2&#38;c=&#x26;d&quot;&lt;&gt;&#">x</a>`, true},
	{"legacy references in attribute", `<a href="?a&copy=1&notit=2&amp=3&lt">x</a><b title="&notit;">y</b>`, true},
	{"crlf in raw text", "<script>a\r\nb\rc</script><style>\r</style><title>\r&amp;</title><textarea>\r\nx</textarea>", true},
	{"doctype whitespace", "<!DOCTYPE\thtml\n>\r\n<p>x", true},
	{"comment inner dashes", "<!-- a -- > b --><!-- c- --><!-- <!-- d -->", true},
	{"tag whitespace", "<p\fclass=a\tid=b\r\n>x</p\n>", true},
	{"unicode names", "<dİv ÉCLAT=1 é=2>x</dİv><p İd=3>y", true},
	{"crlf in attribute", "<p title=\"a\r\nb\">x</p>", true},
	{"nul in text", "<p>a\x00b</p>\x00<pre>\x00\nx</pre>", true},
	{"nul everywhere", "\x00<!DOCTYPE html>\x00<html>\x00<head>\x00 <title>\x00&amp;</title><script>\x00</script><!--\x00--></head>\x00<body>\x00<table>\x00 <tr>\x00<td>\x00</table><svg>\x00<title>\x00</title></svg></body>\x00</html>\x00", true},
	{"nul in table whitespace", "<table> \x00 <tr><td>x</table>", true},
	{"nul after head", "<head></head>\x00 x", true},
	{"nul in attribute", "<p title=\"a\x00b\">x</p>", true},
	{"lone lt", "<p>a < b <3 <</p><", true},
	{"pre newline", "<pre>\nx</pre><pre>\n\ny</pre><listing>\nz</listing>", true},
	{"textarea newline", "<textarea>\nx &amp; y</textarea>", true},
	{"title rcdata", "<title>a <b> &amp; c</title>", true},
	{"script raw", "<script>if (a < b && c) { x = '</p>'; }</script>", true},
	{"script escaped", "<script><!-- x </script>", true},
	{"script double escaped", "<script><!-- <script>x</script> y</script>z", false},
	{"script double escaped upper", "<script><!-- <SCRIPT>x</script> y</script>z", false},
	{"script upper end", "<script>x</SCRIPT >y", true},
	{"style", "<style>a > b { }</style><p>x", true},
	{"iframe", "<iframe><p>x</p></iframe>", true},
	{"raw to end", "<script>x", true},
	{"rcdata to end", "<p><title>x &amp; y</titl", true},
	{"textarea to end", "<textarea>\nx", true},
	{"empty script", "<script></script><p>", true},
	{"self-closing script", "<script/>x</script>", true},

	// Tags and attributes.
	{"uppercase", `<DIV CLASS="A" Id=b>x</DIV>`, true},
	{"duplicate attributes", `<div class=a CLASS=b id=c class=d>x</div>`, true},
	{"attribute forms", `<div a b= c=d e = "f" g='h' i=j/ k/>x</div>`, true},
	{"empty attribute value", `<div a= >x</div>`, true},
	{"void elements", "<p>a<br>b<img src=x><hr><input type=text><wbr></p>", true},
	{"self-closing div ignored", "<div/>x", true},
	{"self-closing after unquoted slash", "<br a=/>x<div a=b/>y", true},
	{"unknown element", "<my-widget foo=bar>x</my-widget>", true},
	{"end tag attributes", `<div>x</div class="y>">z`, true},
	{"misnested end ignored", "<div>x</span>y</div>", true},
	{"end tag pops inline", "<div><span>x</div>y", true},
	{"special blocks end tag", "<div><span>x</p></div>", true},
	{"bogus comment", "<?xml version=1?><p>", true},
	{"bogus comments", "<p><!x &amp; y><!-x><!DOCTYPE html><![CDATA[z]]></ x></3></>", true},
	{"bogus comment at end", "<p>x<?y", true},
	{"end tag non letter", "</ x><p>", true},
	{"comment dashes", "<!----><!---><!-- a -- b --><!-- c --->", true},
	{"comment bang", "<!-- a --!><p><!-- b --!x --><!-- c --!--><!----!>", true},
	{"comment unterminated", "<!-- a", true},
	{"comment unterminated dashes", "<p><!-- a --", true},
	{"comment unterminated bang", "<p><!-- a --!", true},
	{"comment unterminated dash", "<p><!---", true},
	{"bang at end", "<p><!", false},
	{"comment entity", "<!-- a &amp; b -->", true},
	{"cdata in html", "<![CDATA[x]]><p>", true},
	{"tag cut at eof", "<div class=", true},
	{"tags cut at eof", "<p>a<div class=\"x>y", true},
	{"end tag cut at eof", "<p>a</p", true},
	{"end slash at eof", "<p>a</", true},
	{"image", "<p><image src=x alt=y></p>", true},
	{"select", "<select name=a><option value=1>a<option selected>b</select>", true},
	{"select optgroup", "<select><optgroup label=x><option>a<optgroup><option>b</select><p>", true},
	{"select nested", "<select><option>a<select><option>b</select>", true},
	{"select input", "<select><option>a<input name=x>", true},
	{"select hr", "<select><option>a<hr><option>b</select>", true},
	{"select in table", "<table><tr><td><select><option>a</select></td></tr></table>", true},
	{"select div", "<select><div>a</div><option>b</select>", true},
	{"math", "<math><mi>x</mi></math>", false},
	{"plaintext", "<p><b>a<plaintext>x &amp; </plaintext><p>y", true},
	{"plaintext empty", "<plaintext>", true},
	{"xmp", "<p><b>a</p><xmp>x &amp; <p></xmp>y", true},
	{"noembed", "<noembed><p>x</noembed>y", true},
	{"end br", "</br><p></br a=1>x<b>y</p>z</br>", true},
	{"end br in head", "<head></br><title>x</title>", true},

	// p, lists, headings, forms.
	{"p closed by div", "<p>a<div>b</div>", true},
	{"p closed by p", "<p>a<p>b", true},
	{"end p without p", "<div></p></div>", true},
	{"li", "<ul><li>a<li>b<div><li>c</ul>", true},
	{"dd dt", "<dl><dt>a<dd>b<dt>c</dl>", true},
	{"heading in heading", "<h1>a<h2>b</h2>", true},
	{"heading end mismatch", "<h1>a</h2>b", true},
	{"button in button", "<button>a<button>b", true},
	{"option", "<option>a<option>b<optgroup>c", true},
	{"form", "<form><p>a</form><form>b</form>", true},
	{"nested form ignored", "<form><form>x</form></form>", true},
	{"form end misnested", "<form><div>x</form>y</div>", true},
	{"hr closes p", "<p>a<hr>b", true},
	{"object marker", "<object><b>x</b></object>", true},
	{"table in p quirks", "<p><table><tr><td>x</table>y", true},
	{"table in p no quirks", "<!DOCTYPE html><p><table><tr><td>x</table>y", true},
	{"table in p doctype upper", "<!DOCTYPE HTML><p><table></table>y", true},
	{"table in p system", "<!DOCTYPE html SYSTEM \"about:legacy-compat\"><p><table></table>y", true},
	{"table in p ibm", "<!DOCTYPE html SYSTEM \"http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd\"><p><table></table>y", true},
	{"table in p public only", "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><p><table></table>y", true},
	{"table in p public system", "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x\"><p><table></table>y", true},
	{"table in p quirky public", "<!DOCTYPE html PUBLIC \"-//W3O//DTD W3 HTML 3.0//EN//\" \"x\"><p><table></table>y", true},
	{"table in p quirky prefix", "<!DOCTYPE html PUBLIC \"-//Netscape Comm. Corp.//DTD HTML//EN x\" \"y\"><p><table></table>y", true},
	{"table in p other doctype", "<!DOCTYPE foo><p><table></table>y", true},
	{"table in p trailing junk", "<!DOCTYPE html x><p><table></table>y", true},
	{"ruby", "<ruby>a<rb>b<rt>c<rtc>d<rp>e<rt>f</ruby><rt>g", true},

	// Formatting elements.
	{"formatting nested", "<p><b><i>x</i></b></p>", true},
	{"formatting attrs sorted", `<b z=1 a=2 m=3>x</b>`, true},
	{"a in a", "<a href=1>x<a href=2>y", true},
	{"a in a with block", "<a><p>X<a>Y</a>Z</p></a>", true},
	{"adoption b p", "<b>1<p>2</b>3</p>", true},
	{"adoption deep", "<div><b><i><u><s><em><p>x</b>y</p>z", true},
	{"adoption many", "<b><em><i><u><s><strong><div>x</b>y", true},
	{"adoption in cell", "<table><tr><td><b><div>x</b>y</td></tr></table>", true},
	{"adoption repeated", "<a><div><a><div>x</a></div></a>y", true},
	{"a after a", "<a href=1>x</a><a href=2>y</a>", true},
	{"implicitly closed then text", "<p><b>x</p>y", true},
	{"reconstruct several", "<p><b class=a><i>x<div>y</div>z</i></b>", true},
	{"reconstruct after cell", "<b>x<table><tr><td>y</td></tr></table>z", true},
	{"reconstruct with marker", "<b>a<object><i>b</object>c", true},
	{"reconstruct in li", "<ul><li><em>a<li>b</ul>", true},
	{"implicitly closed then eof", "<p><b>x</p>", true},
	{"implicitly closed then block end", "<div><b>x</div></body>", true},
	{"misnested formatting", "<b><i>x</b>y</i>", true},
	{"adoption agency furthest block", "<a href=x>x<div>y</a>z</div>", true},
	{"formatting end with inline above", "<b><span>x</b>y", true},
	{"formatting end with block above", "<b><div>x</b>y", true},
	{"formatting end not open", "<div>x</b>y</div>", true},
	{"noahs ark", "<b><b><b><b>x", true},
	{"noahs ark reconstruct", "<p><b><b><b><b>x</p>y", true},
	{"noahs ark sorted attrs", "<p><b x=1 y=2><b y=2 x=1><b x=1 y=2><b y=2 x=1>x</p>y", true},
	{"noahs ark different attrs", "<b a=1><b a=2><b a=3><b a=4>x", true},
	{"nobr twice", "<nobr>a<nobr>b", true},
	{"formatting in cell", "<table><tr><td><b>x</td><td>y</td></tr></table>", true},

	// Tables.
	{"table implied tbody", "<table><tr><td>a</td></tr></table>", true},
	{"table full", "<table>\n<thead><tr><th>h</th></tr></thead>\n<tbody>\n<tr><td>a</td><td>b</td></tr>\n</tbody><tfoot><tr><td>f</td></tr></tfoot></table>", true},
	{"table unclosed cells", "<table><tr><td>a<td>b<tr><td>c</table>x", true},
	{"table td directly", "<table><td>a</td></table>", true},
	{"table text", "<table>x<tr><td>a</table>", true},
	{"table text merges", "y<table>x<tr>z<td>a</table>", true},
	{"table element", "<table><div>x</div></table>", true},
	{"table formatting fostered", "<table><b>x<tr><td>y</td></tr>z</b></table>w", true},
	{"table adoption fostered", "<table><b><tr><td>x</b>y</table>", true},
	{"table form", "<table><form><tr><td><input></td></tr></form></table>", true},
	{"table in template fostered", "<template><table>x</table></template>", true},
	{"table comment and script", "<table><!-- c --><script>x</script><tr><td>a</td></tr></table>", true},
	{"table hidden input", "<table><input type=hidden name=a><tr><td>a</table>", true},
	{"table visible input", "<table><input type=text><tr><td>a</table>", true},
	{"nested table", "<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table>", true},
	{"table in table", "<table><table>", true},
	{"table in row", "<table><tr><table><tr><td>x</table>", true},
	{"caption", "<table><caption>c <b>x</caption><tr><td>a</table>", true},
	{"caption unclosed", "<table><caption>c<tr><td>a</table>", true},
	{"colgroup", "<table><colgroup><col> <col span=2></colgroup><tr><td>a</table>", true},
	{"col implied colgroup", "<table><col><col><tbody><tr><td>a</table>", true},
	{"colgroup text", "<table><colgroup> x<col></table>", true},
	{"cell ended by table end", "<table><tr><td><p>x</table>y", true},
	{"table end tags ignored", "<table></td></tr></tbody><tr><td>a</td></tr></body></html></table>", true},
	{"table whitespace", "<table> <tbody> <tr> <td>a</td> </tr> </tbody> </table>", true},
	{"label table", "<table><tr><th>Job ID</th><td>123</td></tr><tr><th>Location</th><td>Paris</td></tr></table>", true},

	// SVG.
	{"svg icon", `<button><svg viewbox="0 0 24 24" class=i><path d="M0 0h24"/><use xlink:href="#x"/></svg>Share</button>`, true},
	{"svg names", `<svg><lineargradient gradientunits=x><stop/></lineargradient><clippath id=c></clippath><g preserveaspectratio="y"/></svg>`, true},
	{"svg self-closing", `<svg/><p>x`, true},
	{"svg title", `<svg><title>Logo &amp; co</title><desc>d</desc><path/></svg>`, true},
	{"svg title element", `<svg><title><b>x</b></title></svg>`, true},
	{"svg title misnested", `<svg><title><div>x</title>y</div></svg>z`, true},
	{"svg style", `<svg><style>.a{}</style></svg>`, true},
	{"svg breakout", `<svg><p>x</svg>`, true},
	{"svg breakout deep", `<div><svg><g><path><div>x</div></g></svg></div>`, true},
	{"svg font breakout", `<svg><font color=red>x</font></svg>`, true},
	{"svg font", `<svg><font>x</font></svg>`, true},
	{"svg foreignobject", `<svg><foreignObject><div>x</div></foreignObject></svg>`, true},
	{"svg foreignobject unclosed", `<svg><foreignobject><p>x</svg>y</p>`, true},
	{"svg end mismatch", `<svg><g>x</svg>`, true},
	{"svg html end tag", `<div><svg><g></div>x`, true},
	{"svg end p", `<svg><g></p>x`, false},
	{"svg a", `<svg><a href=x><text>t</text></a></svg>`, true},
	{"svg cdata", `<svg><![CDATA[x]]></svg>`, false},
	{"svg xml attrs", `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="x" xml:lang=en xlink:title=t></svg>`, true},
	{"svg in table", `<table><svg></svg></table>`, true},
	{"svg in cell", `<table><tr><td><svg><path/></svg></td></tr></table>`, true},
}

// stress are long inputs: deep nesting, long merges of text, many
// repeated elements.
var stress = []struct {
	name string
	in   string
	fast bool
}{
	{"ignored end tags merge text", strings.Repeat("x</foo>", 10000), true},
	{"deep divs", strings.Repeat("<div>", 500) + "x", true},
	{"too deep", strings.Repeat("<span>", 600), false},
	{"many b", strings.Repeat("<b>", 2000), false},
	{"many p", strings.Repeat("<p>x", 20000), true},
	{"many comments", strings.Repeat("<!-- a -->", 30000), true},
	{"many li", strings.Repeat("<li>", 30000), true},
	{"many selects", strings.Repeat("<select>", 30000), true},
	{"nested tables", strings.Repeat("<table><tr><td>", 100), true},
	{"nested svg", strings.Repeat("<svg>", 100), true},
	{"many attributes", "<div" + manyAttrs(600) + ">x</div>", true},
}

func manyAttrs(n int) string {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, " a%d=%d", i, i)
	}
	return sb.String()
}

func TestStress(t *testing.T) {
	for _, c := range stress {
		fast := checkFast(t, c.name, []byte(c.in))
		if fast != c.fast {
			t.Errorf("%s: fast path taken = %v, want %v", c.name, fast, c.fast)
		}
	}
}

func TestCases(t *testing.T) {
	for _, c := range cases {
		fast := checkFast(t, c.name, []byte(c.in))
		if fast != c.fast {
			t.Errorf("%s: fast path taken = %v, want %v (%s)", c.name, fast, c.fast, whyBail([]byte(c.in)))
		}
	}
}

func TestSVGNames(t *testing.T) {
	var names []string
	for _, n := range strings.Fields("altglyph altglyphdef altglyphitem animatecolor animatemotion animatetransform clippath feblend fecolormatrix fecomponenttransfer fecomposite feconvolvematrix fediffuselighting fedisplacementmap fedistantlight fedropshadow feflood fefunca fefuncb fefuncg fefuncr fegaussianblur feimage femerge femergenode femorphology feoffset fepointlight fespecularlighting fespotlight fetile feturbulence glyphref lineargradient radialgradient textpath") {
		names = append(names, n)
	}
	attrs := strings.Fields("attributename attributetype basefrequency baseprofile calcmode clippathunits diffuseconstant edgemode filterunits glyphref gradienttransform gradientunits kernelmatrix kernelunitlength keypoints keysplines keytimes lengthadjust limitingconeangle markerheight markerunits markerwidth maskcontentunits maskunits numoctaves pathlength patterncontentunits patterntransform patternunits pointsatx pointsaty pointsatz preservealpha preserveaspectratio primitiveunits refx refy repeatcount repeatdur requiredextensions requiredfeatures specularconstant specularexponent spreadmethod startoffset stddeviation stitchtiles surfacescale systemlanguage tablevalues targetx targety textlength viewbox viewtarget xchannelselector ychannelselector zoomandpan xlink:href xlink:actuate xlink:arcrole xlink:role xlink:show xlink:title xlink:type xml:lang xml:space xmlns:xlink xmlns foo")
	var b strings.Builder
	b.WriteString("<svg")
	for _, a := range attrs {
		b.WriteString(" " + a + "=1")
	}
	b.WriteString(">")
	for _, n := range names {
		b.WriteString("<" + n + " " + strings.Join(attrs, " ") + "/>")
	}
	b.WriteString("</svg>")
	if !checkFast(t, "svg names", []byte(b.String())) {
		t.Error("svg names: fast path not taken")
	}
}

// TestRealPages runs the differential test on every real page available and
// reports the share on the fast path.
func TestRealPages(t *testing.T) {
	pages := realPages(t)
	var names []string
	for n := range pages {
		names = append(names, n)
	}
	sort.Strings(names)
	fast := 0
	for _, n := range names {
		if checkFast(t, n, pages[n]) {
			fast++
		} else if strings.HasPrefix(n, "../../extract/testdata/") {
			t.Errorf("%s: falls back (%s)", n, whyBail(pages[n]))
		} else {
			t.Logf("falls back: %s (%s)", n, whyBail(pages[n]))
		}
	}
	t.Logf("fast path: %d of %d pages", fast, len(pages))
	if fast*10 < len(pages)*9 {
		t.Errorf("only %d of %d real pages take the fast path", fast, len(pages))
	}
}

func TestParseEqualsHTMLParse(t *testing.T) {
	inputs := map[string][]byte{}
	for _, c := range cases {
		inputs[c.name] = []byte(c.in)
	}
	for n, b := range realPages(t) {
		inputs[n] = b
	}
	for n, b := range inputs {
		want, werr := html.Parse(bytes.NewReader(b))
		got, gerr := Parse(b)
		if (werr != nil) != (gerr != nil) {
			t.Errorf("%s: error %v, html.Parse error %v", n, gerr, werr)
			continue
		}
		if werr != nil {
			continue
		}
		if d := diffTree(want, got); d != "" {
			t.Errorf("%s: Parse differs: %s", n, d)
		}
	}
}

func TestFallbacksCounted(t *testing.T) {
	before := Fallbacks.Load()
	if _, err := Parse([]byte("<math></math>")); err != nil {
		t.Fatal(err)
	}
	if Fallbacks.Load() != before+1 {
		t.Errorf("Fallbacks = %d, want %d", Fallbacks.Load(), before+1)
	}
}

// whyBail describes where the fast path gives up on b, for the logs.
func whyBail(b []byte) string {
	var where string
	func() {
		defer func() {
			if r := recover(); r != nil && where == "" {
				where = "bail"
			}
		}()
		p := newParser(b, string(b))
		defer func() {
			if r := recover(); r != nil {
				tok := p.tok
				at := p.lx.pos
				lo := max(at-60, 0)
				where = fmt.Sprintf("mode %d token %d %q", p.im, tok.kind, tok.data) + " near " + strings.ReplaceAll(string(b[lo:at]), "\n", " ")
				panic(r)
			}
		}()
		p.run()
	}()
	return where
}

// TestParseOwned checks that the tree ParseOwned builds on the caller's
// memory is html.Parse's, and that its strings are cut from that memory
// rather than from a copy.
func TestParseOwned(t *testing.T) {
	for name, page := range realPages(t) {
		b := bytes.Clone(page)
		got, err := ParseOwned(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, _ := html.Parse(bytes.NewReader(page))
		if d := diffTree(want, got); d != "" {
			t.Fatalf("%s: %s", name, d)
		}
		lo, hi := uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&b[0]))+uintptr(len(b))
		inB := 0
		var visit func(n *html.Node)
		visit = func(n *html.Node) {
			if n.Type == html.TextNode && n.Data != "" {
				if at := uintptr(unsafe.Pointer(unsafe.StringData(n.Data))); at >= lo && at < hi {
					inB++
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				visit(c)
			}
		}
		visit(got)
		if inB == 0 {
			t.Errorf("%s: no text node shares the caller's memory", name)
		}
	}
}
