package htmlfast

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// vocab is the token vocabulary of the structured tests: each input is a
// sequence of these, so random inputs reach deep into tree construction.
var vocab = strings.Fields(`
<!DOCTYPE&#32;html> <!DOCTYPE&#32;html&#32;SYSTEM&#32;"s"> <!doctype&#32;HTML> <html> </html> <head> </head> <body> </body> <html&#32;lang=en> <body&#32;class=x>
<title>t</title> <meta&#32;charset=utf-8> <link&#32;rel=x> <script>s</script> <style>s</style> <noscript>n</noscript>
<div> </div> <p> </p> <span> </span> <a&#32;href=x> </a> <a> <b> </b> <i> </i> <em> </em> <strong> </strong> <font> </font> <nobr> </nobr>
<ul> </ul> <ol> </ol> <li> </li> <dl> </dl> <dt> </dt> <dd> </dd> <h1> </h1> <h2> </h2> <button> </button> <form> </form>
<table> </table> <tbody> </tbody> <thead> </thead> <tr> </tr> <td> </td> <th> </th> <caption> </caption> <colgroup> </colgroup> <col> </col>
<select> </select> <option> </option> <optgroup> <input> <input&#32;type=hidden> <textarea>x</textarea> <iframe>x</iframe>
<br> </br> <img> <hr> <pre> </pre> <listing> <object> </object> <applet> <marquee>
<svg> </svg> <svg/> <path/> <path> </path> <g> </g> <title> </title> <desc> </desc> </foreignObject> <font&#32;color=x> <lineargradient> </lineargradient> <foreignObject>
<ruby> <rb> <rt> <rp> <rtc> <noembed>x</noembed> <noframes>x</noframes> <math> <template> </template> <frameset> <image> <xmp> <plaintext>
<!--c--> x y &amp; &#32; &#10; NUL
`)

func init() {
	for i, v := range vocab {
		// The vocabulary is written without spaces; &#32; stands for one and
		// &#10; for a newline, inside tags and as text.
		if v == "&#32;" || v == "&#10;" || v == "&amp;" {
			if v == "&#32;" {
				vocab[i] = " "
			} else if v == "&#10;" {
				vocab[i] = "\n"
			}
			continue
		}
		if v == "NUL" {
			vocab[i] = "\x00"
			continue
		}
		vocab[i] = strings.ReplaceAll(v, "&#32;", " ")
	}
}

func fromVocab(b []byte) []byte {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteString(vocab[int(c)%len(vocab)])
	}
	return []byte(sb.String())
}

// TestRandomDocs compares Fast with html.Parse on random token sequences.
func TestRandomDocs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n, fast := 3000, 0
	if testing.Short() {
		n = 300
	}
	for i := 0; i < n; i++ {
		b := make([]byte, 1+r.IntN(40))
		for j := range b {
			b[j] = byte(r.IntN(256))
		}
		doc := fromVocab(b)
		if checkFast(t, string(doc), doc) {
			fast++
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d of %d random documents on the fast path", fast, n)
	if fast < n/2 {
		t.Errorf("only %d of %d random documents on the fast path", fast, n)
	}
}

// FuzzTokens is FuzzFast on token sequences from vocab.
func FuzzTokens(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte("random seed bytes"))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc := fromVocab(b)
		checkFast(t, string(doc), doc)
	})
}

// chars are the pieces of the character-level random test: the bytes that
// steer the tokenizer.
var chars = []string{"<", ">", "/", "=", `"`, "'", " ", "\n", "\r", "\t", "\x00", "&", ";", "#", "!", "-", "?",
	"a", "B", "p", "x", "1", "amp", "lt", "notin", "copy", "script", "SCRIPT", "style", "title", "svg", "b", "div",
	"table", "tr", "td", "DOCTYPE", "html", "PUBLIC", "<!--", "-->", "</", "<![CDATA[",
	"\f", "é", "İ", "\xff", "&#0;", "&#x80;", "SVG", "viewBox", "xlink:href", "template", "textarea", "pre", "\n\n"}

// TestRandomChars compares Fast with html.Parse on random character soup,
// which exercises the lexer: attributes, references, comments, raw text.
func TestRandomChars(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n, fast := 20000, 0
	if testing.Short() {
		n = 2000
	}
	for i := 0; i < n; i++ {
		var sb strings.Builder
		for j := 1 + r.IntN(30); j > 0; j-- {
			sb.WriteString(chars[r.IntN(len(chars))])
		}
		doc := []byte(sb.String())
		if checkFast(t, sb.String(), doc) {
			fast++
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d of %d random documents on the fast path", fast, n)
	if fast < n*9/10 {
		t.Errorf("only %d of %d random documents on the fast path", fast, n)
	}
}
