package extract

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file reads a posting's lists — qualifications, responsibilities,
// benefits — from the headings of its page. It works on the segments (the
// page's lines) the scan already made, so it adds no walk of the tree: a
// heading is a line whose whole text, normalised (case, accents, trailing
// colon, punctuation), is a key of sectionVocabulary, or an h2–h6 or
// all-bold line of any text (which ends the section before it).

// sectionKind is what a heading announces.
type sectionKind uint8

const (
	kindNone  sectionKind = iota
	kindQual              // qualifications proper: "Requirements", "Who you are"
	kindLoose             // "Skills", "Education": qualifications when the page has no kindQual section
	kindResp              // responsibilities
	kindBen               // benefits
	kindOther             // a known heading of another part ("About us"): ends a section
)

// sectionVocabulary lists the headings careers pages put over their lists,
// in English, German, French, Spanish, Dutch, Portuguese and Italian. The
// entries are normalised by normHeading when the table is built, so they
// are written here as people write them.
var sectionVocabulary = map[sectionKind][]string{
	kindQual: {
		// en
		"qualifications", "basic qualifications", "minimum qualifications", "preferred qualifications",
		"required qualifications", "desired qualifications", "additional qualifications", "key qualifications",
		"your qualifications", "qualifications and experience", "qualifications & skills", "skills & qualifications",
		"skills and experience", "experience and qualifications", "knowledge, skills and abilities",
		"requirements", "job requirements", "key requirements", "minimum requirements", "basic requirements",
		"position requirements", "role requirements", "the requirements", "our requirements", "requirements and qualifications",
		"what we require", "what we're looking for", "what we are looking for", "who we're looking for",
		"who we are looking for", "what you'll need", "what you will need", "what you need", "what you'll bring",
		"what you will bring", "what you bring", "what you bring to the table", "you bring", "you have",
		"you'll have", "what you have", "what we need", "what we need from you", "what we expect",
		"what we expect from you", "must have", "must haves", "must-have", "must-haves", "nice to have",
		"nice to haves", "nice-to-have", "nice-to-haves", "bonus points", "bonus points if you have",
		"preferred skills", "preferred experience", "who you are", "about you", "your profile", "profile",
		"your background", "your skills", "required skills", "required experience", "ideal candidate",
		"the ideal candidate", "ideal candidate profile", "candidate profile", "is this you", "what it takes",
		"what makes you a great fit", "what you'll need to succeed", "to be successful you will have",
		"to be successful in this role", "we're looking for someone who", "you might be a good fit if you",
		"your experience", "experience & skills", "skills & experience",
		// de
		"anforderungen", "ihr profil", "dein profil", "was sie mitbringen", "was du mitbringst",
		"das bringen sie mit", "das bringst du mit", "qualifikationen", "ihre qualifikationen",
		"deine qualifikationen", "voraussetzungen", "anforderungsprofil", "was wir erwarten",
		"was wir von dir erwarten", "was wir von ihnen erwarten", "wir erwarten", "das zeichnet sie aus",
		"das zeichnet dich aus", "was sie auszeichnet", "was dich auszeichnet",
		// fr
		"profil recherché", "profil", "votre profil", "ton profil", "le profil", "compétences requises",
		"qualifications requises", "exigences", "prérequis", "pré-requis", "ce que nous recherchons",
		"qui êtes-vous", "vous êtes", "vous", "profil et compétences", "compétences et qualifications",
		// es
		"requisitos", "requisitos mínimos", "requisitos deseables", "perfil", "tu perfil", "su perfil",
		"perfil buscado", "perfil requerido", "cualificaciones", "calificaciones", "qué buscamos",
		"lo que buscamos", "buscamos", "¿qué buscamos?", "requisitos y cualificaciones",
		// nl
		"functie-eisen", "functieeisen", "wat wij vragen", "wat vragen wij", "wie ben jij", "wie zoeken wij",
		"jouw profiel", "profiel", "vereisten", "eisen", "wat breng je mee", "wat neem je mee", "kwalificaties",
		"wat je meebrengt",
		// pt
		"qualificações", "requisitos e qualificações", "seu perfil", "o que buscamos", "o que procuramos",
		"o que esperamos de você", "diferenciais", "requisitos obrigatórios", "requisitos desejáveis",
		// it
		"requisiti", "requisiti richiesti", "profilo", "profilo ricercato", "il tuo profilo", "competenze richieste",
		"qualifiche", "cosa cerchiamo", "chi cerchiamo", "requisiti preferenziali",
	},
	kindLoose: {
		"skills", "desired skills", "key skills", "technical skills", "skills required", "experience",
		"education", "educational requirements", "education requirements", "experience requirements",
		"education and experience", "education & experience", "certifications", "languages",
		"kenntnisse", "erfahrung", "ausbildung", "compétences", "expérience", "formation",
		"habilidades", "competencias", "experiencia", "formación", "competências", "experiência", "formação",
		"competenze", "esperienza", "ervaring", "opleiding", "vaardigheden",
	},
	kindResp: {
		// en
		"responsibilities", "key responsibilities", "main responsibilities", "your responsibilities",
		"job responsibilities", "role responsibilities", "primary responsibilities", "duties",
		"main duties", "key duties", "duties and responsibilities", "responsibilities and duties",
		"duties & responsibilities", "what you'll do", "what you will do", "what you'll be doing",
		"what you will be doing", "what you do", "your role", "in this role you will", "in this role, you will",
		"your mission", "the mission", "your missions", "the impact you'll be making", "the impact you'll make",
		"the impact you will make", "your impact", "impact", "key accountabilities", "accountabilities",
		"what your day looks like", "a day in the life", "day to day", "day-to-day", "your day to day",
		"tasks", "your tasks", "what the job involves", "job duties", "essential duties", "essential functions",
		"essential duties and responsibilities", "what you'll work on", "how you'll make an impact",
		"the role", "role and responsibilities", "role & responsibilities", "what you'll be working on",
		"you will", "as a member of the team you will",
		// de
		"aufgaben", "ihre aufgaben", "deine aufgaben", "aufgabengebiet", "ihr aufgabengebiet",
		"dein aufgabengebiet", "das erwartet sie", "das erwartet dich", "was sie erwartet", "was dich erwartet",
		"tätigkeiten", "ihre tätigkeiten", "verantwortlichkeiten", "deine rolle", "ihre rolle",
		"ihre verantwortung", "deine verantwortung", "das sind ihre aufgaben", "das sind deine aufgaben",
		// fr
		"missions", "vos missions", "tes missions", "mission", "votre mission", "ta mission", "responsabilités",
		"vos responsabilités", "tâches", "vos tâches", "ce que vous ferez", "votre rôle", "ton rôle",
		"missions principales", "vos principales missions",
		// es
		"responsabilidades", "funciones", "tus funciones", "sus funciones", "tareas", "tus responsabilidades",
		"qué harás", "lo que harás", "tu misión", "misión", "principales funciones", "principales responsabilidades",
		// nl
		"taken", "jouw taken", "verantwoordelijkheden", "wat ga je doen", "wat ga jij doen", "jouw rol",
		"wat ga je doen?", "jouw verantwoordelijkheden", "werkzaamheden", "jouw werkzaamheden",
		// pt
		"atribuições", "suas responsabilidades", "atividades", "o que você vai fazer", "o que você fará",
		"principais atividades", "suas atividades", "funções",
		// it
		"responsabilità", "mansioni", "attività", "le tue responsabilità", "cosa farai", "compiti",
		"principali responsabilità", "le tue attività",
	},
	kindBen: {
		// en
		"benefits", "our benefits", "benefits and perks", "perks and benefits", "perks & benefits",
		"benefits & perks", "perks", "what we offer", "what we offer you", "we offer", "what's in it for you",
		"why join us", "why us", "why work with us", "why work here", "why you'll love working here",
		"compensation and benefits", "compensation & benefits", "benefits and compensation", "total rewards",
		"rewards", "what you'll get", "what you get", "our offer", "the offer", "what you can expect",
		"what you can expect from us", "employee benefits", "additional benefits", "what we provide",
		"why you'll love it here", "life at",
		// de
		"wir bieten", "was wir bieten", "das bieten wir", "das bieten wir ihnen", "das bieten wir dir",
		"unser angebot", "vorteile", "ihre vorteile", "deine vorteile", "was wir ihnen bieten", "was wir dir bieten",
		"ihre benefits", "deine benefits", "warum wir",
		// fr
		"avantages", "nos avantages", "ce que nous offrons", "ce que nous vous offrons", "nous offrons",
		"nous vous offrons", "pourquoi nous rejoindre", "rémunération et avantages", "avantages sociaux",
		"ce que nous proposons", "nous proposons",
		// es
		"beneficios", "ofrecemos", "qué ofrecemos", "lo que ofrecemos", "te ofrecemos", "prestaciones",
		"ventajas", "¿qué ofrecemos?", "nuestros beneficios",
		// nl
		"wat wij bieden", "wat bieden wij", "wij bieden", "arbeidsvoorwaarden", "wat we bieden", "ons aanbod",
		"secundaire arbeidsvoorwaarden", "wat krijg je", "wat krijg je ervoor terug",
		// pt
		"benefícios", "o que oferecemos", "oferecemos", "vantagens", "nossos benefícios",
		// it
		"benefit", "vantaggi", "cosa offriamo", "offriamo", "cosa ti offriamo", "benefici", "perché unirti a noi",
	},
	kindOther: {
		"about us", "about the company", "about the job", "about the role", "about the team", "about this role",
		"about the position", "about the opportunity", "job description", "description", "overview",
		"job overview", "position overview", "role overview", "summary", "job summary", "position summary",
		"the team", "who we are", "our company", "company description", "company overview", "how to apply",
		"application process", "next steps", "our hiring process", "equal opportunity", "equal employment opportunity",
		"eeo statement", "diversity and inclusion", "diversity, equity and inclusion", "additional information",
		"incentives", "the opportunity", "our story", "our mission", "our values", "about",
		"über uns", "wer wir sind", "stellenbeschreibung", "kontakt", "ihr kontakt", "dein kontakt",
		"qui sommes-nous", "description du poste", "le poste", "informations complémentaires", "à propos",
		"sobre nosotros", "descripción", "descripción del puesto", "quiénes somos", "sobre nós", "sobre a empresa",
		"descrição da vaga", "chi siamo", "descrizione", "descrizione del ruolo", "over ons", "wie zijn wij",
		"functieomschrijving", "similar jobs", "related jobs",
	},
}

var (
	sectionKeys       = map[string]sectionKind{} // normalised heading → kind
	maxSectionWords   int                        // the most words a heading key has
	maxSectionHeading = 120                      // longer lines are not headings
)

func init() {
	// kindOther first: a heading both lists know ("profil") is a list's
	for _, k := range []sectionKind{kindOther, kindLoose, kindQual, kindResp, kindBen} {
		for _, h := range sectionVocabulary[k] {
			key := normHeading(h)
			if key == "" {
				panic("extract: empty section heading " + strconv.Quote(h))
			}
			sectionKeys[key] = k
			maxSectionWords = max(maxSectionWords, strings.Count(key, " ")+1)
		}
	}
}

// normHeading is the form headings are compared in: lower case, accents
// folded, apostrophes made one, "&" read as "and", every other punctuation
// mark (a trailing colon, a question mark, a hyphen) a space, spaces
// collapsed. A leading list number ("1. Requirements") is dropped. It
// returns "" for text too long to be a heading.
func normHeading(s string) string {
	if len(s) > maxSectionHeading {
		return ""
	}
	b, _ := appendNormHeading(make([]byte, 0, len(s)), s, 0)
	return string(b)
}

// appendNormHeading appends the normHeading form of s to dst. headingKindOf
// runs it on a buffer on its stack, so that telling a line from a heading
// (done for every short line of a page) allocates nothing. With maxSpaces
// > 0 it gives up (ok false) once the form holds more spaces than that:
// such text is no heading of the vocabulary. ASCII bytes, most of a page,
// are read without decoding runes (for them unicode.IsLetter and IsDigit
// are [A-Za-z] and [0-9], and foldAccent has nothing to fold).
func appendNormHeading(dst []byte, s string, maxSpaces int) (out []byte, ok bool) {
	base := len(dst)
	space := false
	spaces := 0
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		switch {
		case r == '&':
			if len(dst) > base {
				dst = append(dst, ' ')
				spaces++
			}
			dst = append(dst, "and"...)
			space = true
			continue
		case r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´':
			if len(dst) > base && !space {
				dst = append(dst, '\'')
			}
			continue
		case r < utf8.RuneSelf && asciiAlnum[r]:
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		default:
			space = len(dst) > base
			continue
		}
		if space {
			dst = append(dst, ' ')
			spaces++
			space = false
		}
		if maxSpaces > 0 && spaces > maxSpaces {
			return dst, false
		}
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			dst = append(dst, byte(r))
			continue
		}
		if f, ok := foldAccent(r); ok {
			dst = append(dst, f...)
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	if maxSpaces > 0 && spaces > maxSpaces {
		return dst, false
	}
	// "1. Requirements", "2) Benefits"
	out = dst[base:]
	if i := bytes.IndexByte(out, ' '); i > 0 && allDigitsBytes(out[:i]) {
		n := copy(out, out[i+1:])
		dst = dst[:base+n]
	}
	return dst, true
}

// asciiAlnum are the ASCII letters and digits.
var asciiAlnum = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

func allDigitsBytes(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// foldAccent maps the accented Latin letters of the languages the
// vocabulary covers to their base letters, in lower case.
func foldAccent(r rune) (string, bool) {
	if r < 0xc0 {
		return "", false
	}
	switch unicode.ToLower(r) {
	case 'à', 'á', 'â', 'ã', 'ä', 'å':
		return "a", true
	case 'ç':
		return "c", true
	case 'è', 'é', 'ê', 'ë':
		return "e", true
	case 'ì', 'í', 'î', 'ï':
		return "i", true
	case 'ñ':
		return "n", true
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø':
		return "o", true
	case 'ù', 'ú', 'û', 'ü':
		return "u", true
	case 'ý', 'ÿ':
		return "y", true
	case 'ß':
		return "ss", true
	case 'œ':
		return "oe", true
	case 'æ':
		return "ae", true
	}
	return "", false
}

// headingKindOf is the kind of heading s is, kindNone when it is none the
// vocabulary knows.
func headingKindOf(s string) sectionKind {
	if len(s) > maxSectionHeading {
		return kindNone
	}
	var buf [2 * 120]byte // room for most headings; append grows past it
	// a key has at most maxSectionWords words; a leading list number, which
	// is dropped, may add one
	b, ok := appendNormHeading(buf[:0], s, maxSectionWords)
	if !ok {
		return kindNone
	}
	return sectionKeys[string(b)]
}

// Caps on what one section yields: items past maxItems are dropped, an item
// longer than maxItemRunes is cut there (and ends in "…").
const (
	maxItems     = 100
	maxItemRunes = 1000
)

// sectionLists are the lists the headings of a page (or of one region of
// it) give, and for each kind the first heading that gave items, for
// --explain.
type sectionLists struct {
	qual, loose, resp, ben []string
	why                    [kindOther]string
}

func (l *sectionLists) empty() bool {
	return len(l.qual)+len(l.loose)+len(l.resp)+len(l.ben) == 0
}

// qualifications are the items of the qualification sections, else of the
// looser ones ("Skills", "Education"), and the heading that gave them.
func (l *sectionLists) qualifications() ([]string, string) {
	if len(l.qual) > 0 {
		return l.qual, l.why[kindQual]
	}
	return l.loose, l.why[kindLoose]
}

// item kinds, from strongest: a list item, a bulleted line, a paragraph.
const (
	itemPara = iota
	itemBullet
	itemLi
)

// sectionReader follows the sections of a run of segments.
type sectionReader struct {
	out     *sectionLists
	kind    sectionKind
	level   int     // of the open section's heading: 2–6 for h2–h6, 7 for a bold line or caption
	heading segment // the open section's heading; headingRule names it only for a section that gives items
	items   []string
	strong  int        // the strongest item kind seen in the section
	kinds   []int      // the kind of each item
	li      *html.Node // the list item the last item came from
}

// findSections reads the sections of the segments inside region (every
// segment when region is nil).
func findSections(segs []segment, region *html.Node) sectionLists {
	var out sectionLists
	r := sectionReader{out: &out}
	for i := range segs {
		s := &segs[i]
		if region != nil && !contains(region, s.node) {
			if r.kind != kindNone && len(r.items) > 0 {
				r.close()
			}
			continue
		}
		r.segment(s)
	}
	r.close()
	return out
}

func (r *sectionReader) segment(s *segment) {
	level := headingLevel(s)
	if len(s.text) <= maxSectionHeading && !menuItem(s) {
		if k := headingKindOf(s.text); k != kindNone {
			r.open(k, max(level, 2), s)
			if level == 0 {
				r.level = 7
			}
			return
		}
		// "Requirements: 5+ years of Go" — a heading and its one item on one line
		if i := indexColon(s.text, false); i > 0 && i < 60 {
			if k := headingKindOf(s.text[:i]); k != kindNone && k != kindOther {
				rest := strings.TrimLeft(s.text[i:], ":： ")
				r.open(k, 7, &segment{text: s.text[:i], node: s.node})
				r.content(rest, s.node)
				return
			}
		}
	}
	if level > 0 {
		if r.kind != kindNone && level <= r.level {
			r.close()
		}
		return
	}
	if strings.Contains(s.text, "•") && r.inline(s) {
		return
	}
	if r.kind != kindNone {
		r.content(s.text, s.node)
	}
}

// headingLevel is 2–6 for a line of an h2–h6, 7 for a line that is all
// bold (or a <dt>), 0 for any other line.
func headingLevel(s *segment) int {
	switch s.node.DataAtom {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	case atom.Dt:
		return 7
	}
	if (s.leadAtom == atom.Strong || s.leadAtom == atom.B) && len(s.lead) == len(s.text) && len(s.text) <= 80 {
		return 7
	}
	return 0
}

// menuItem: a line that is a link, or a list item, is an entry of a menu
// ("Benefits" in a site's header), not a heading.
func menuItem(s *segment) bool {
	return s.node.DataAtom == atom.Li || s.leadAtom == atom.A && len(s.lead) == len(s.text)
}

func (r *sectionReader) open(k sectionKind, level int, s *segment) {
	r.close()
	r.kind, r.level, r.heading = k, level, *s
}

// headingRule names a heading for --explain: `heading "Requirements" (h3)`.
func headingRule(s *segment) string {
	tag := s.node.Data
	switch {
	case heading(s.node.DataAtom) || s.node.DataAtom == atom.Dt:
	case s.leadAtom == atom.Strong || s.leadAtom == atom.B:
		tag = s.node.Data + " bold"
	case s.node.Data == "":
		tag = "text"
	default:
		tag = s.node.Data + " caption"
	}
	return "heading " + strconv.Quote(strings.TrimSpace(shorten(s.text, 80))) + " (" + tag + ")"
}

// content adds one line of a section: a list item, bulleted lines, or a
// paragraph.
func (r *sectionReader) content(text string, n *html.Node) {
	if text == "" {
		return
	}
	if li := listItem(n); li != nil {
		if li == r.li && len(r.items) > 0 && r.kinds[len(r.kinds)-1] == itemLi {
			r.items[len(r.items)-1] = capItem(r.items[len(r.items)-1] + " " + text)
			return
		}
		r.li = li
		r.add(text, itemLi)
		return
	}
	r.li = nil
	if b, ok := trimBullet(text); ok {
		for _, it := range splitBullets(b) {
			r.add(it, itemBullet)
		}
		return
	}
	r.add(text, itemPara)
}

func (r *sectionReader) add(text string, kind int) {
	text = strings.TrimSpace(text)
	if text == "" || len(r.items) >= maxItems {
		return
	}
	r.items = append(r.items, capItem(text))
	r.kinds = append(r.kinds, kind)
	r.strong = max(r.strong, kind)
}

// close ends the open section: its list items (or bulleted lines) are its
// items; a section with neither gives its paragraphs.
func (r *sectionReader) close() {
	k := r.kind
	r.kind, r.li = kindNone, nil
	if k == kindNone || k == kindOther || len(r.items) == 0 {
		r.items, r.kinds, r.strong = r.items[:0], r.kinds[:0], 0
		return
	}
	var dst *[]string
	switch k {
	case kindQual:
		dst = &r.out.qual
	case kindLoose:
		dst = &r.out.loose
	case kindResp:
		dst = &r.out.resp
	case kindBen:
		dst = &r.out.ben
	}
	for i, it := range r.items {
		if r.kinds[i] == r.strong && len(*dst) < maxItems {
			*dst = append(*dst, it)
		}
	}
	if r.out.why[k] == "" {
		r.out.why[k] = headingRule(&r.heading)
	}
	r.items, r.kinds, r.strong = r.items[:0], r.kinds[:0], 0
}

// inline reads the sections of one line that holds them whole, as a page
// copied as text does: "Who We Are Looking For : • Item one. • Item two."
// Each bullet whose text before it ends in a known heading and a colon
// starts a section; the items are the text between bullets, the last one
// cut after its first sentence (the prose goes on after it).
func (r *sectionReader) inline(s *segment) bool {
	parts := strings.Split(s.text, "•")
	found := false
	for i := 1; i < len(parts); i++ {
		prev := strings.TrimRight(parts[i-1], " ")
		before, ok := strings.CutSuffix(prev, ":")
		if !ok {
			before, ok = strings.CutSuffix(prev, "：")
		}
		if ok {
			if k, start := trailingHeading(before); k != kindNone && k != kindOther {
				if r.kind != kindNone && i > 1 {
					// the item before this heading ends where the heading starts
					r.items[len(r.items)-1] = strings.TrimSpace(before[:start])
					if r.items[len(r.items)-1] == "" {
						r.items, r.kinds = r.items[:len(r.items)-1], r.kinds[:len(r.kinds)-1]
					}
				}
				r.open(k, 7, &segment{text: strings.TrimSpace(before[start:]), node: s.node})
				found = true
			}
		}
		if !found || r.kind == kindNone {
			continue
		}
		item := parts[i]
		if i == len(parts)-1 {
			item = firstSentence(item)
		}
		r.add(item, itemBullet)
	}
	if found {
		r.close()
	}
	return found
}

// trailingHeading finds a known heading at the end of s ("… standards. Who
// We Are Looking For"), the longest first, and where it starts.
func trailingHeading(s string) (sectionKind, int) {
	end := len(s)
	start := end
	var best sectionKind
	bestAt := -1
	for w := 0; w < maxSectionWords && start > 0; w++ {
		// back to the start of the previous word
		i := strings.LastIndexByte(strings.TrimRight(s[:start], " "), ' ')
		start = i + 1
		if k := headingKindOf(s[start:end]); k != kindNone {
			best, bestAt = k, start
		}
		if i < 0 {
			break
		}
	}
	return best, bestAt
}

// firstSentence is s up to its first sentence end that a capital letter
// follows.
func firstSentence(s string) string {
	for i := 0; i+2 < len(s); i++ {
		if (s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i+1] == ' ' && unicode.IsUpper(firstRune(s[i+2:])) {
			return s[:i+1]
		}
	}
	return s
}

// listItem is the <li> n sits in (n itself, or a paragraph in one), or nil.
func listItem(n *html.Node) *html.Node {
	for d := 0; n != nil && d < 4; d++ {
		switch n.DataAtom {
		case atom.Li:
			return n
		case atom.Ul, atom.Ol, atom.Body, atom.Section, atom.Article, atom.Main:
			return nil
		}
		n = n.Parent
	}
	return nil
}

// lineBullets are what a line may start with to be a list item.
var lineBullets = []string{"•", "·", "▪", "●", "◦", "‣", "○", "■", "□", "➢", "►", "✓", "✔", "- ", "* ", "– "}

// trimBullet returns text without the bullet it starts with.
func trimBullet(text string) (string, bool) {
	for _, b := range lineBullets {
		if strings.HasPrefix(text, b) {
			return strings.TrimSpace(text[len(b):]), true
		}
	}
	return text, false
}

// splitBullets splits one line that holds several bulleted items ("a • b • c").
func splitBullets(s string) []string {
	// every bullet's UTF-8 starts with the byte 0xe2: a line without one
	// is not searched rune by rune (as ContainsAny does for non-ASCII)
	if strings.IndexByte(s, 0xe2) < 0 || !strings.ContainsAny(s, "•▪●■►") {
		return []string{s}
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == '•' || r == '▪' || r == '●' || r == '■' || r == '►' })
}

// capItem cuts an item longer than maxItemRunes at a word boundary.
func capItem(s string) string {
	if len(s) <= maxItemRunes || utf8.RuneCountInString(s) <= maxItemRunes {
		return s
	}
	return shorten(s, maxItemRunes)
}

// shorten cuts s to at most n runes, at a space where there is one in its
// last tenth, and marks the cut with "…".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	cut := s[:i]
	if j := strings.LastIndexByte(cut, ' '); j > len(cut)*9/10 {
		cut = cut[:j]
	}
	return strings.TrimSpace(cut) + "…"
}

// pageSections reads the lists of the page: in its description block when
// that has any, else in its main content, else anywhere.
func (sc *scan) pageSections() sectionLists {
	tried := map[*html.Node]bool{}
	for _, region := range []*html.Node{sc.descNode(), mainNode(sc)} {
		if region == nil || tried[region] {
			continue
		}
		tried[region] = true
		if l := findSections(sc.segs, region); !l.empty() {
			return l
		}
	}
	return findSections(sc.segs, nil)
}

// applySections fills qualifications, responsibilities and benefits that no
// stronger source gave from the page's headings.
func (x *extraction) applySections(l sectionLists, src Source) {
	set := func(field string, dst *[]string, items []string, why string) {
		if len(items) == 0 || x.has(field) {
			return
		}
		*dst = items
		x.why = why
		x.mark(field, src)
		x.why = ""
	}
	q, why := l.qualifications()
	set("qualifications", &x.p.Qualifications, q, why)
	set("responsibilities", &x.p.Responsibilities, l.resp, l.why[kindResp])
	set("benefits", &x.p.Benefits, l.ben, l.why[kindBen])
}

// segmentsOf renders n (an HTML fragment's root) into segments, as the
// page's scan does.
func segmentsOf(n *html.Node) []segment {
	sc := &scan{root: n, metas: map[string]string{}}
	var sb segmentBuilder
	sc.walk(n, &sb, 0, false, false)
	sb.flush()
	return sb.segs
}

// capItems applies the section caps to a list read from structured data.
func capItems(items []string) []string {
	if len(items) > maxItems {
		items = items[:maxItems]
	}
	for i, it := range items {
		items[i] = capItem(it)
	}
	return items
}

// splitFlattened splits a list a generator flattened into one line without
// punctuation ("Design specifications for in-house customers Build tools
// according to specifications"): before each capitalised word that follows
// a word ending in a lower-case letter that is not a function word, when
// every part has three words or more. A proper noun mid-item ("experience
// with Python") follows a function word, or leaves a part too short.
func splitFlattened(s string) []string {
	words := strings.Fields(s)
	if len(words) < 6 {
		return []string{s}
	}
	var out []string
	start := 0
	for i := 1; i < len(words); i++ {
		prev, w := words[i-1], words[i]
		if !unicode.IsUpper(firstRune(w)) || !unicode.IsLower(lastRune(prev)) || functionWords[strings.ToLower(prev)] {
			continue
		}
		if i-start < 3 || len(words)-i < 3 {
			continue
		}
		out = append(out, strings.Join(words[start:i], " "))
		start = i
	}
	if len(out) == 0 {
		return []string{s}
	}
	return append(out, strings.Join(words[start:], " "))
}

// functionWords are the English words a proper noun commonly follows.
var functionWords = map[string]bool{"a": true, "an": true, "the": true, "of": true, "in": true, "on": true, "at": true,
	"with": true, "using": true, "for": true, "to": true, "and": true, "or": true, "by": true, "from": true,
	"like": true, "as": true, "into": true, "via": true, "our": true, "your": true, "including": true, "such": true,
	"about": true, "across": true, "within": true, "is": true, "are": true}
