package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A description is the posting's whole text, one line per block, with the
// page's furniture taken out: the title repeated at its top, apply buttons,
// share widgets, "Back to search results" and "Prev / Next job", cookie
// banners, headings with nothing under them, and CSS or script that leaked
// into the text. Headings keep a line of their own.

// descLine is one line of a description and, for a heading, its level
// (2–6 for h2–h6, 7 for a bold line or a known heading in other markup).
type descLine struct {
	text  string
	level int
}

// regionLines are the lines of the page's segments inside region.
func (sc *scan) regionLines(region *html.Node) []descLine {
	out := make([]descLine, 0, len(sc.segs)) // room for all: no regrowth
	for i := range sc.segs {
		s := &sc.segs[i]
		if region != nil && !contains(region, s.node) {
			continue
		}
		level := headingLevel(s)
		if level == 0 && len(s.text) <= maxSectionHeading && !menuItem(s) && headingKindOf(s.text) != kindNone {
			level = 7
		}
		out = append(out, descLine{s.text, level})
	}
	return out
}

// textLines splits a description read as text (JSON-LD, an API) into lines,
// guessing its headings: known ones, and short lines that end in a colon.
func textLines(text string) []descLine {
	lines := strings.Split(text, "\n")
	out := make([]descLine, 0, len(lines))
	for _, l := range lines {
		h := len(l) <= maxSectionHeading && (headingKindOf(l) != kindNone ||
			len(l) <= 60 && (strings.HasSuffix(l, ":") || strings.HasSuffix(l, "：")) && strings.Count(l, " ") < 8)
		level := 0
		if h {
			level = 7
		}
		out = append(out, descLine{l, level})
	}
	return out
}

var (
	// chromeLine is a line of a page's furniture: sharing, navigation
	// between results, saving, printing.
	// chromeFirst (line_screen.go) lists the first words of chromeLine: change both
	chromeLine = mustFilter(`(?i)^\W*(share( this)?( job| position| posting| opportunity| role)?( on (linkedin|facebook|twitter|x|xing|whatsapp|email))?|share via \w+|tweet( this)?|email (a|to a) friend|send to a friend|email this job|copy link|copy job link|print( this)?( job)?|save( this)?( job)?|saved|bookmark|back( to (the )?(search results|results|jobs|job search|job list|all jobs|search|listings?|careers))?|(prev(ious)?|next)( job| posting)?|(prev(ious)?( job)?\W+)?job \d+ of [\d,]+(\W+next)?|follow us|linkedin|facebook|twitter|xing|instagram|refer a friend|not the right fit\W*|view all jobs|see all jobs|similar jobs|apply later)\W*$`)
	// chromeLead is the navigation a page copied as one line starts with:
	// "Back to search results Prev Job 94 of 500 Next".
	chromeLead = regexp.MustCompile(`(?i)^\W*(back to (the )?(search results|results|jobs|job search)\W*)?((prev(ious)?|‹|«)\s*(job\s*)?)?(job\s+)?\d+\s+of\s+[\d,]+\s*((next|›|»)\s*(job\b)?\s*)?`)
	// cookieLine is a cookie banner's text.
	cookieLine = mustFilter(`(?i)\bcookies?\b.*\b(accept|consent|preferences|settings|we use|this (web)?site uses|privacy policy)\b|\b(accept|reject|allow|decline) (all )?cookies\b|^\W*(accept all|reject all|allow all|manage (cookie )?preferences|cookie settings|cookie policy)\W*$`)
	// cssRule is a style rule that leaked into the text: ".LinkedInTitle { font-size: 18px; … }".
	cssRule = regexp.MustCompile(`(?:[.#@]?[A-Za-z][\w-]*(?:[ \t]*[,>+~]?[ \t]*[.#:]?[A-Za-z][\w-]*)*[ \t]*)?\{[^{}]*:[^{}]*\}|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/`)
	// scriptLine is JavaScript that leaked into the text.
	scriptLine = mustFilter(`(^|\W)(function\s*\(|var \w+\s*=|let \w+\s*=|const \w+\s*=|window\.\w+|document\.\w+|\w+\.push\(|=>\s*\{|}\);?\s*$)`)
)

// cleanDescription joins lines into a description: the title and the
// page's furniture left out (see the top of this file).
func cleanDescription(lines []descLine, title string) string {
	kept := make([]descLine, 0, len(lines))
	titleKey := strings.ToLower(title)
	for i, l := range lines {
		t := strings.TrimSpace(l.text)
		if i == 0 || len(kept) == 0 {
			t = strings.TrimSpace(trimLeadingTitle(t, title))
		}
		if strings.IndexByte(t, '{') >= 0 || strings.Contains(t, "/*") {
			t = strings.TrimSpace(cssRule.ReplaceAllString(t, " "))
			if t != "" && strings.IndexByte(t, '{') >= 0 && scriptLine.MatchString(t) {
				t = ""
			}
			t = cleanString(t)
		}
		if t == "" || furniture(t) || lowerEquals(t, titleKey) {
			continue
		}
		if l.level == 0 && (strings.Contains(t, ";") || strings.Contains(t, "})")) && !strings.Contains(t, ". ") && scriptLine.MatchString(t) {
			continue
		}
		kept = append(kept, descLine{t, l.level})
	}
	// a heading with nothing under it before the next heading of its level
	// or higher, or at the end
	size := 0
	for _, l := range kept {
		size += len(l.text) + 1
	}
	var b strings.Builder
	b.Grow(size)
	for i, l := range kept {
		if l.level > 0 && (i+1 == len(kept) || kept[i+1].level > 0 && kept[i+1].level <= l.level) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.text)
	}
	return b.String()
}

// lowerEquals reports whether strings.ToLower(s) == lower, without
// building the lowered string: cleanDescription asks it of every line.
func lowerEquals(s, lower string) bool {
	var buf [utf8.UTFMax]byte
	j := 0
	for _, r := range s { // an invalid byte is RuneError, as in strings.ToLower
		n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
		if j+n > len(lower) || string(buf[:n]) != lower[j:j+n] {
			return false
		}
		j += n
	}
	return j == len(lower)
}

// furniture reports whether a whole line is a button, a share widget, the
// navigation between results or a cookie banner. Long lines are prose.
func furniture(t string) bool {
	if len(t) > 300 {
		return false
	}
	if len(t) <= 60 && (applyFirst.mayMatch(t) && applyText.MatchString(t) || chromeFirst.mayMatch(t) && chromeLine.MatchString(t)) {
		return true
	}
	return containsFold(t, "cookie") && cookieLine.MatchString(t)
}

// trimLeadingTitle takes the navigation a page copied as one line starts
// with, and the title after it, off the start of line.
func trimLeadingTitle(line, title string) string {
	if len(line) < 200 && !strings.HasPrefix(strings.ToLower(line), "back") {
		return line // a line of its own: dropped whole when it is the title
	}
	if m := chromeLead.FindStringIndex(line); m != nil && m[1] > 0 {
		line = strings.TrimSpace(line[m[1]:])
	}
	if title != "" && len(line) > len(title) && strings.EqualFold(line[:len(title)], title) && line[len(title)] == ' ' {
		line = line[len(title)+1:]
	}
	return line
}

// titleAfterChrome reads the title of a page copied as one line of text
// (no h1, no <title>): after its navigation ("Back to search results Prev
// Job 94 of 500 Next"), the title runs up to where its words start over
// (a page repeats its title's words under it: "Director, Technical Sales -
// Data & AI Technical Sales Manager…"), a label, or at most 12 words.
// This is a heuristic for text copied from a page, kept to pages whose
// first line starts with that navigation.
func titleAfterChrome(line string) string {
	m := chromeLead.FindStringIndex(line)
	if m == nil || m[1] == 0 || !containsFold(line[:m[1]], " of ") {
		return ""
	}
	words := strings.Fields(line[m[1]:])
	if len(words) < 2 {
		return ""
	}
	end := min(len(words), 12)
	seen := map[string]bool{}
	for j := 0; j+1 < end; j++ {
		pair := strings.ToLower(words[j] + " " + words[j+1])
		if seen[pair] && j > 1 {
			end = j
			break
		}
		seen[pair] = true
		if _, _, ok := labelOf(words[j+1]); ok || strings.HasSuffix(words[j+1], ":") {
			end = j + 1
			break
		}
	}
	return strings.TrimRight(strings.Join(words[:end], " "), " -–|:")
}

// regionRule names the element a description was read from, for --explain.
func regionRule(n *html.Node) string {
	var b strings.Builder
	b.WriteString("<" + n.Data)
	if id := attr(n, "id"); id != "" {
		b.WriteString(" id=\"" + shorten(id, 40) + "\"")
	} else if c := attr(n, "class"); c != "" {
		b.WriteString(" class=\"" + shorten(c, 40) + "\"")
	}
	b.WriteString(">")
	return b.String()
}

// bodyOf is the document's <body>, or nil.
func bodyOf(root *html.Node) *html.Node {
	for n := root.FirstChild; n != nil; n = n.NextSibling {
		if n.DataAtom == atom.Html {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.DataAtom == atom.Body {
					return c
				}
			}
		}
		if n.DataAtom == atom.Body {
			return n
		}
	}
	return nil
}

// eeoStatement is the sentence most postings end with: "Contoso is an
// equal opportunity employer."
var eeoStatement = regexp.MustCompile(`((?:[A-Z][\w&'’.-]*[ \t]+){0,3}[A-Z][\w&'’.-]*),?[ \t]+is an?[ \t]+(?:equal[ \t]+(?:employment[ \t]+)?opportunit(?:y|ies)|EEO|affirmative[ \t]+action)\b`)

// companySuffix are the words that end a company's legal name.
var companySuffix = map[string]bool{"inc": true, "inc.": true, "llc": true, "ltd": true, "ltd.": true, "gmbh": true,
	"co": true, "co.": true, "corp": true, "corp.": true, "corporation": true, "company": true, "group": true,
	"ag": true, "sa": true, "plc": true, "bv": true, "b.v.": true, "s.a.": true, "limited": true}

// eeoCompany is the company an equal-opportunity statement on the page
// names, or "". When the statement does not start a sentence (a page copied
// as one line runs the text before it on), only its last word, with the
// words before a legal suffix ("Contoso Ltd"), is taken.
func (sc *scan) eeoCompany() string {
	for i := range sc.segs {
		t := sc.segs[i].text
		if len(t) < 30 || !containsFold(t, "is an equal") && !containsFold(t, "is an eeo") && !containsFold(t, "is an affirmative") {
			continue
		}
		m := eeoStatement.FindStringSubmatchIndex(t)
		if m == nil {
			continue
		}
		name := strings.TrimRight(t[m[2]:m[3]], ".,")
		before := strings.TrimRight(t[:m[2]], " \t")
		if before != "" && !strings.HasSuffix(before, ".") && !strings.HasSuffix(before, "!") && !strings.HasSuffix(before, "?") {
			words := strings.Fields(name)
			n := len(words) - 1
			for n > 0 && companySuffix[strings.ToLower(words[n])] {
				n--
			}
			name = strings.Join(words[n:], " ")
		}
		if name != "" && !strings.EqualFold(name, "we") && !strings.EqualFold(name, "the company") && !strings.EqualFold(name, "it") {
			return name
		}
	}
	return ""
}
