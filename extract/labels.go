package extract

import (
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// labelFields maps the labels classic careers pages print before a value
// ("Job #", "Locations", "Job families"…) to the field the value fills.
// "alt_ids" marks requisition numbers: kept as alternates, and used as the
// job number only when the page shows nothing better.
var labelFields = map[string][]string{
	"job_number": {"job #", "job#", "job no", "job no.", "job number", "job id", "jobid", "job code", "job ref",
		"job reference", "job reference number", "reference", "reference number", "reference no", "ref", "ref.",
		"ref #", "ref no", "posting id", "posting number", "vacancy id", "vacancy number", "vacancy no",
		"position id", "position number", "opening id", "job posting id", "job opening id", "auto req id"},
	"alt_ids": {"requisition id", "requisition #", "requisition number", "requisition no", "req id", "req #",
		"req. id", "req no", "req no.", "req. no", "req. no.", "req. #", "req#", "requisition no.", "job requisition id",
		"job requisition", "requisition", "job req id", "job req #", "req. id #", "requisition id #"},
	"title": {"job title", "position title", "role title"},
	"locations": {"location", "locations", "location(s)", "job location", "job locations", "job location(s)",
		"work location", "work locations", "work location(s)",
		"office", "offices", "office location", "office locations", "primary location", "city", "based in",
		"where", "job site location"},
	"job_family": {"job family", "job families", "job category", "job categories", "category", "categories",
		"job function", "function", "discipline", "profession", "career area", "area of interest", "job field",
		"occupational category", "field of work", "career track"},
	"team":       {"team", "teams", "job team"},
	"department": {"department", "departments", "division", "business unit", "organization", "organisation"},
	"employment_type": {"employment type", "job type", "type of employment", "schedule", "work type",
		"contract type", "position type", "employment", "hours", "time type", "job schedule", "working hours",
		"type of contract", "employment status", "type"},
	"workplace_type": {"work site", "workplace", "workplace type", "work mode", "work model", "location type",
		"work arrangement", "remote type", "work location type", "remote", "work style", "on-site/remote"},
	"date_posted": {"posted", "date posted", "posting date", "posted on", "published", "publish date",
		"published on", "posted date", "date published", "date", "opened", "job posted", "start posting date"},
	"valid_through": {"closing date", "apply by", "application deadline", "deadline", "expires", "expiry date",
		"expiration date", "valid through", "closes", "close date", "closing", "end date", "apply before"},
	"salary": {"salary", "salary range", "pay", "pay range", "compensation", "base pay", "base salary",
		"pay rate", "wage", "wages", "remuneration", "salary/rate", "base pay range", "hourly rate"},
	"company": {"company", "employer", "hiring company", "company name"},
}

// labelsElsewhere are the same labels in the other languages careers sites
// are commonly written in; result tables label their columns with them.
var labelsElsewhere = map[string][]string{
	"job_number": {"stellen-id", "referenznummer", "kennziffer", "référence", "numéro de poste", "referencia", "职位编号", "岗位编号"},
	"title":      {"stellenbezeichnung", "position", "intitulé du poste", "titre du poste", "puesto", "职位名称", "职位", "岗位名称", "岗位", "招聘职位"},
	"locations":  {"standort", "arbeitsort", "einsatzort", "lieu", "lieu de travail", "ubicación", "localización", "工作地点", "地点", "工作城市", "城市"},
	"department": {"abteilung", "bereich", "département", "departamento", "部门"},
	"employment_type": {"anstellungsart", "beschäftigungsart", "arbeitszeit", "type de contrat", "tipo de contrato",
		"jornada", "工作性质", "职位类型"},
	"date_posted": {"veröffentlicht", "veröffentlicht am", "date de publication", "publié le", "fecha de publicación",
		"发布日期", "发布时间", "更新日期", "更新时间"},
	"valid_through": {"bewerbungsschluss", "bewerbungsfrist", "date limite", "截止日期"},
	"salary":        {"gehalt", "vergütung", "salaire", "rémunération", "salario", "薪资", "薪酬", "月薪"},
	"company":       {"unternehmen", "firma", "arbeitgeber", "entreprise", "empresa", "公司名称", "公司", "企业名称", "单位名称", "招聘单位"},
}

var (
	labelField   = map[string]string{}   // normalised label → field
	labelsByWord = map[string][]string{} // first word → labels starting with it, longest first
	maxLabelLen  int                     // the longest label, in bytes
	// labelFirstByte are the first bytes of labelsByWord's words
	labelFirstByte [256]bool
)

func init() {
	for field, labels := range labelsElsewhere {
		labelFields[field] = append(labelFields[field], labels...)
	}
	for field, labels := range labelFields {
		for _, l := range labels {
			labelField[l] = field
			maxLabelLen = max(maxLabelLen, len(l))
			w := firstWord(l)
			labelsByWord[w] = append(labelsByWord[w], l)
		}
	}
	for w, ls := range labelsByWord {
		sort.Slice(ls, func(i, j int) bool { return len(ls[i]) > len(ls[j]) })
		if w != "" {
			labelFirstByte[w[0]] = true
		}
	}
}

func firstWord(s string) string {
	if i := strings.IndexFunc(s, func(r rune) bool { return r == ' ' }); i > 0 {
		return s[:i]
	}
	return s
}

// labelOf returns the field s labels and its normalised form, when all
// of s is a label ("Job #", "Locations:"). Longer texts are not looked at.
func labelOf(s string) (field, norm string, ok bool) {
	if len(s) > maxLabelLen+8 || !mayBeLabel(s) {
		return "", "", false
	}
	if isClean(s) {
		// clean ASCII: normLabel's steps on a buffer on the stack, so that
		// a line that is no label allocates nothing (norm is only read
		// with ok)
		var buf [64]byte
		b := bytes.TrimSpace(bytes.TrimRight(lowerASCII(buf[:0], s), ":*"))
		if field, ok = labelField[string(b)]; ok {
			norm = string(b)
		}
		return field, norm, ok
	}
	norm = normLabel(s)
	field, ok = labelField[norm]
	return field, norm, ok
}

// mayBeLabel is labelOf's cheap first test: for clean ASCII text (most of
// a page's lines), the first word a label starts with, looked up without
// allocating. Other text is always looked at in full.
func mayBeLabel(s string) bool {
	if !isClean(s) {
		return true
	}
	w := s
	if i := strings.IndexByte(s, ' '); i >= 0 {
		w = s[:i]
	} else {
		w = strings.TrimRight(s, ":*")
	}
	return isLabelWordASCII(w)
}

// isLabelWordASCII reports whether the ASCII word w, lowered, is the first
// word of a label. Most words fail on their first byte, without a lookup.
func isLabelWordASCII(w string) bool {
	if w != "" && !labelFirstByte[lowerByte(w[0])] {
		return false
	}
	var buf [32]byte
	_, ok := labelsByWord[string(lowerASCII(buf[:0], w))]
	return ok
}

// indexColon is strings.IndexAny(s, ":：") or, with space, strings.IndexAny(s,
// " :："), which run rune by rune because "：" is not ASCII. No byte of a
// multi-byte character is ASCII or 0xEF, the lead byte of "：", so a byte
// search finds the same first index, valid UTF-8 or not.
func indexColon(s string, space bool) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':' || c == ' ' && space:
			return i
		case c == 0xEF && strings.HasPrefix(s[i:], "："):
			return i
		}
	}
	return -1
}

// lowerASCII appends s, ASCII letters lowered, to dst. For ASCII text it
// is what strings.ToLower gives; with dst on the caller's stack, a map
// lookup of string(lowerASCII(...)) allocates nothing.
func lowerASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, lowerByte(s[i]))
	}
	return dst
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// normLabel lowercases a would-be label and drops a trailing colon.
func normLabel(s string) string {
	s = strings.ToLower(cleanString(s))
	s = strings.TrimRight(s, ":：*")
	return strings.TrimSpace(s)
}

// segment is one line of the page's visible text, with the block it sits
// in and the text of the inline element it starts with (a <strong>Label:</strong>).
type segment struct {
	text     string
	lead     string
	leadAtom atom.Atom // the element lead is the text of (a, strong, b, span…)
	node     *html.Node
}

// labelValue is what a label on the page says.
type labelValue struct {
	label  string
	values []string
	node   *html.Node // the block it was read in, when read from the page's text
	rule   string     // for --explain: `label "Req #"`, `override selector ".job-id"`
}

// labelRule names a label as the page writes it, for --explain.
func labelRule(asWritten string) string {
	return "label " + strconv.Quote(strings.TrimRight(strings.TrimSpace(asWritten), ":： "))
}

// findLabels reads the label/value pairs of the page's segments: a label on
// its own line followed by its value(s) ("<dt>Job #</dt><dd>322695</dd>"), a
// label and value on one line ("Location: Kirkland WA"), and several pairs
// on one line ("Job # 322695 Locations United States, Houston (TX) Teams Sales").
func findLabels(segs []segment) map[string]labelValue {
	out := map[string]labelValue{}
	put := func(field, label, asWritten string, values []string, node *html.Node) {
		if len(values) == 0 {
			return
		}
		if old, ok := out[field]; ok && (field != "job_number" || hasJobNumber(old.values)) {
			return // the first wins, unless it was a job number label with none in it
		}
		out[field] = labelValue{label, values, node, labelRule(asWritten)}
	}
	for i := 0; i < len(segs); i++ {
		s := segs[i]
		if len(s.text) > 400 {
			// a page copied as one line of text: its facts are a sentence
			// of their own somewhere in it ("… Job # 322695 1072519
			// Locations United States, Houston (TX) Teams Sales …")
			for piece := range sentences(s.text) {
				if len(piece) > 400 {
					continue
				}
				pairs := splitLabelled(piece)
				if n := len(pairs); n > 0 {
					pairs[n-1].values[0] = runOnValue(pairs[n-1].values[0])
				}
				for _, pair := range pairs {
					put(labelField[pair.label], pair.label, pair.rule, pair.values, s.node)
				}
			}
			continue
		}
		if field, norm, ok := labelOf(s.text); ok {
			// a label alone: the values follow, in the block after it
			vals := valuesAfter(segs, i)
			put(field, norm, s.text, vals, s.node)
			i += len(vals)
			continue
		}
		if s.lead != "" {
			if field, norm, ok := labelOf(s.lead); ok && strings.HasPrefix(s.text, s.lead) {
				if v := strings.TrimLeft(strings.TrimSpace(s.text[len(s.lead):]), ":：- "); v != "" {
					put(field, norm, s.lead, []string{v}, s.node)
					continue
				}
			}
		}
		for _, pair := range splitLabelled(s.text) {
			put(labelField[pair.label], pair.label, pair.rule, pair.values, s.node)
		}
	}
	return out
}

func hasJobNumber(values []string) bool {
	for _, v := range values {
		for _, id := range splitIDs(v) {
			if ValidJobNumber(id) {
				return true
			}
		}
	}
	return false
}

// valuesAfter returns the segments after segs[i] that belong to its value:
// the first, and those sharing the first one's container, up to the next
// label or heading.
func valuesAfter(segs []segment, i int) []string {
	if i+1 >= len(segs) {
		return nil
	}
	first := segs[i+1]
	if _, _, isLabel := labelOf(first.text); isLabel || heading(first.node.DataAtom) {
		return nil
	}
	vals := []string{first.text}
	box := valueBox(first.node, segs[i].node)
	for _, s := range segs[i+2:] {
		if _, _, isLabel := labelOf(s.text); isLabel || box == nil || !contains(box, s.node) {
			break
		}
		vals = append(vals, s.text)
	}
	return vals
}

// valueBox is the outermost ancestor of v that does not hold the label node.
func valueBox(v, label *html.Node) *html.Node {
	box := v
	for p := v.Parent; p != nil; p = p.Parent {
		if contains(p, label) {
			break
		}
		box = p
	}
	if box == v && v.Parent != nil && contains(v.Parent, label) {
		return nil // value and label are siblings: only the first value belongs
	}
	return box
}

func contains(ancestor, n *html.Node) bool {
	for d := 0; n != nil && d < maxDepth; d++ {
		if n == ancestor {
			return true
		}
		n = n.Parent
	}
	return false
}

var labelSeparator = regexp.MustCompile(`^\s*[:：\-–]?\s*`)

// splitLabelled reads "Label: value" and "Label1 value1 Label2 value2" lines.
// A line qualifies when it starts with a label that a colon follows, or that
// ends in '#', or when it holds two labels or more.
func splitLabelled(line string) []labelValue {
	// most lines do not start with a label: look at the first word alone
	w := line
	if i := indexColon(line, true); i >= 0 {
		w = line[:i]
	}
	if isASCII(w) {
		if !isLabelWordASCII(w) {
			return nil
		}
	} else if _, ok := labelsByWord[strings.ToLower(w)]; !ok {
		return nil
	}
	lower := strings.ToLower(line)
	first, n := labelAt(lower, 0)
	if first == "" {
		return nil
	}
	rest := lower[n:]
	colon := strings.HasPrefix(strings.TrimLeft(rest, " "), ":") || strings.HasPrefix(strings.TrimLeft(rest, " "), "：")
	// find every further label at a word boundary
	type at struct {
		label      string
		start, end int
	}
	found := []at{{first, 0, n}}
	for i := n; i < len(lower); i++ {
		if i > 0 && !isBoundary(rune(lower[i-1])) {
			continue
		}
		if l, m := labelAt(lower, i); l != "" {
			// a line whose labels take colons: a label word without one is
			// part of a value ("Location: Remote - US")
			if colon && !strings.HasSuffix(l, "#") && !colonAt(lower, i+m) {
				continue
			}
			found = append(found, at{l, i, i + m})
			i += m - 1
		}
	}
	// without a colon or a '#', only a line of several labels is a label
	// line, or one whose label is a date's and whose value is one
	// ("Posted on Nov 3, 2026 · Apply by 12/15/2026")
	if !colon && !strings.HasSuffix(first, "#") && len(found) < 3 {
		var dates []labelValue
		for k, f := range found {
			field := labelField[f.label]
			if field != "date_posted" && field != "valid_through" {
				continue
			}
			end := len(line)
			if k+1 < len(found) {
				end = found[k+1].start
			}
			v := strings.Trim(line[f.end:end], " ·|,;-–")
			if ParseDate(v, time.Time{}) != "" {
				dates = append(dates, labelValue{label: f.label, values: []string{v}, rule: asWritten(line, lower, f.start, f.end)})
			}
		}
		return dates
	}
	var out []labelValue
	for k, f := range found {
		end := len(line)
		if k+1 < len(found) {
			end = found[k+1].start
		}
		v := labelSeparator.ReplaceAllString(line[f.end:end], "")
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, labelValue{label: f.label, values: []string{v}, rule: asWritten(line, lower, f.start, f.end)})
		}
	}
	return out
}

// runOnValue cuts the last value of a label sentence in a page copied as
// one line, where the next block's heading runs on after it: "Sales
// Microsoft Sales." is the value "Sales", then a heading that ends in it.
func runOnValue(v string) string {
	words := strings.Fields(v)
	n := len(words)
	if n < 3 || !strings.HasSuffix(words[n-1], ".") {
		return v
	}
	last := strings.TrimRight(words[n-1], ".")
	for k := 1; k < n-1; k++ {
		if unicode.IsUpper(firstRune(words[k])) && strings.EqualFold(last, words[k-1]) {
			return strings.Join(words[:k], " ")
		}
	}
	return v
}

// asWritten is line[start:end], the label as the page writes it, when
// lowering line kept its offsets; else the lowered label.
func asWritten(line, lower string, start, end int) string {
	if len(line) == len(lower) {
		return line[start:end]
	}
	return lower[start:end]
}

// colonAt reports whether a colon follows lower[i:], after spaces.
func colonAt(lower string, i int) bool {
	rest := strings.TrimLeft(lower[i:], " ")
	return strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "：")
}

// labelAt returns the longest label starting at lower[i:] and ending at a
// word boundary, and its length.
func labelAt(lower string, i int) (string, int) {
	j := i
	for j < len(lower) && lower[j] != ' ' && lower[j] != ':' && !strings.HasPrefix(lower[j:], "：") {
		j++
	}
	for _, l := range labelsByWord[strings.TrimRight(lower[i:j], ":")] {
		if strings.HasPrefix(lower[i:], l) {
			end := i + len(l)
			if end == len(lower) || isBoundary(rune(lower[end])) || strings.HasSuffix(l, "#") {
				return l, len(l)
			}
		}
	}
	return "", 0
}

func isBoundary(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
