package extract

import (
	"encoding/json"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// This file maps a schema.org JobPosting, as a decoded JSON-LD object or as
// microdata/RDFa turned into the same shape, onto a Posting. Real sites get
// the types wrong all the time ("identifier": 123, "jobLocation": "Paris",
// a bare number for baseSalary), so every read accepts what it can and
// ignores the rest.

// plainText marks a value read from the visible page (microdata, RDFa): it
// is text already and is not parsed as HTML again.
type plainText string

// schemaTypes returns obj's @type values without their vocabulary prefix.
func schemaTypes(obj map[string]any) []string {
	var out []string
	for _, v := range asList(obj["@type"]) {
		if s, ok := v.(string); ok {
			out = append(out, schemaLocal(s))
		}
	}
	return out
}

// schemaLocal strips "https://schema.org/", "schema:" and the like from a type or property.
func schemaLocal(s string) string {
	if i := strings.LastIndexAny(s, "/#:"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func isType(obj map[string]any, want string) bool {
	for _, t := range schemaTypes(obj) {
		if strings.EqualFold(t, want) {
			return true
		}
	}
	return false
}

// asList turns a JSON-LD value into a list: nil → none, an array → its
// elements, anything else → itself.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// text reads a JSON-LD value as a single string: strings and numbers as
// themselves, an object by its name or value, a list by its first element
// that gives one.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return cleanString(v)
	case plainText:
		return cleanString(string(v))
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case map[string]any:
		for _, k := range []string{"name", "value", "@value", "text", "@id"} {
			if s := text(v[k]); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range v {
			if s := text(e); s != "" {
				return s
			}
		}
	}
	return ""
}

// longText reads a value that may hold HTML (JSON-LD descriptions do) as
// plain text with its line breaks.
func longText(v any) string {
	switch v := v.(type) {
	case string:
		return htmlToText(v)
	case plainText:
		return cleanLines(string(v))
	case []any:
		var parts []string
		for _, e := range v {
			if s := longText(e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "\n")
	case map[string]any:
		return longText(v["@value"])
	}
	return ""
}

// textList reads a value that is a list, one string with one item a line,
// or one line of several sentences ("Highly motivated. Learns quickly."),
// as JSON-LD generators that flatten a list write it.
func textList(v any) []string {
	var out []string
	for _, e := range asList(v) {
		if m, ok := e.(map[string]any); ok && m["@value"] == nil {
			// an EducationalOccupationalCredential, a DefinedTerm…
			e = text(m["credentialCategory"])
			if e == "" {
				e = text(m)
			}
		}
		lines := strings.Split(longText(e), "\n")
		if len(lines) == 1 {
			lines = splitSentences(lines[0])
		}
		if len(lines) == 1 {
			lines = splitFlattened(lines[0])
		}
		for _, line := range lines {
			if line = strings.TrimSpace(strings.TrimLeft(line, "•·-–*")); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// splitSentences splits s after each '.', '!', '?' or ';' that a space and
// a capital letter follow.
func splitSentences(s string) []string {
	return slices.Collect(sentences(s))
}

// sentences yields the pieces splitSentences returns, without keeping them.
//
// A sentence ends at one of sentenceEnds followed by a space and an upper
// case letter. Those bytes are rare in text, so rather than test every byte
// (findLabels splits every long line of a page) it keeps the next place of
// each, found with strings.IndexByte, and visits them in order.
func sentences(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		start := 0
		var next [len(sentenceEnds)]int
		for k := range sentenceEnds {
			next[k] = indexByteFrom(s, 0, sentenceEnds[k])
		}
		for {
			k := 0
			for j := 1; j < len(next); j++ {
				if next[j] < next[k] {
					k = j
				}
			}
			i := next[k]
			if i+2 >= len(s) {
				break // so are the others, which come after
			}
			if s[i+1] == ' ' && unicode.IsUpper(firstRune(s[i+2:])) {
				if !yield(s[start : i+1]) {
					return
				}
				start = i + 2
			}
			next[k] = indexByteFrom(s, i+1, sentenceEnds[k])
		}
		yield(s[start:])
	}
}

// sentenceEnds are the bytes a sentence may end with.
const sentenceEnds = ".!?;"

// indexByteFrom is the index of the first c in s at or after from, or
// len(s).
func indexByteFrom(s string, from int, c byte) int {
	if j := strings.IndexByte(s[from:], c); j >= 0 {
		return from + j
	}
	return len(s)
}

// fromSchema fills the fields of p that are still empty from a schema.org
// JobPosting object.
func (x *extraction) fromSchema(obj map[string]any, src Source) {
	p := &x.p
	x.setText("title", &p.Title, text(obj["title"]), src)
	x.setText("title", &p.Title, text(obj["name"]), src)

	var ids []string
	for _, id := range asList(obj["identifier"]) {
		var s string
		switch id := id.(type) {
		case map[string]any:
			s = text(id["value"])
			if s == "" {
				s = text(id["@value"])
			}
			if s == "" {
				s = text(id["@id"])
			}
		default:
			s = text(id)
		}
		ids = append(ids, splitIDs(s)...)
	}
	x.setIDs(ids, src)

	switch org := obj["hiringOrganization"].(type) {
	case map[string]any:
		x.setText("company", &p.Company, text(org["name"]), src)
		x.setText("department", &p.Department, text(org["department"]), src)
	default:
		x.setText("company", &p.Company, text(org), src)
	}
	x.setText("job_family", &p.JobFamily, text(obj["occupationalCategory"]), src)
	x.setText("department", &p.Department, text(obj["department"]), src)

	if et := text(obj["employmentType"]); et != "" {
		x.setText("employment_type", &p.EmploymentType, NormalizeEmploymentType(et), src)
	}
	if strings.Contains(strings.ToUpper(text(obj["jobLocationType"])), "TELECOMMUTE") {
		x.setText("workplace_type", &p.WorkplaceType, "remote", src)
	}

	if !x.has("locations") {
		var places []Place
		for _, loc := range asList(obj["jobLocation"]) {
			if pl := schemaPlace(loc); !pl.empty() {
				places = append(places, pl)
			}
		}
		if p.WorkplaceType == "remote" || len(places) == 0 {
			for _, req := range asList(obj["applicantLocationRequirements"]) {
				if pl := schemaPlace(req); !pl.empty() {
					pl.Remote = p.WorkplaceType == "remote" || pl.Remote
					places = append(places, pl)
				}
			}
		}
		if len(places) > 0 {
			p.setPlaces(places)
			x.mark("locations", src)
		}
	}

	x.setText("date_posted", &p.DatePosted, ParseDate(text(obj["datePosted"]), x.opts.now()), src)
	x.setText("valid_through", &p.ValidThrough, ParseDate(text(obj["validThrough"]), x.opts.now()), src)

	if !x.has("salary") {
		for _, key := range []string{"baseSalary", "estimatedSalary"} {
			if sal, ok := schemaSalary(obj[key]); ok {
				if sal.Currency == "" {
					// the older JobPosting property, beside a bare amount
					sal.Currency = strings.ToUpper(text(obj["salaryCurrency"]))
				}
				x.setSalary(sal, src)
				break
			}
		}
	}

	if !x.has("description") {
		if d := longText(obj["description"]); d != "" {
			p.Description = d
			x.mark("description", src)
		}
	}
	if !x.has("qualifications") {
		q := textList(obj["qualifications"])
		if len(q) == 0 {
			// no qualifications property: what the posting requires instead
			for _, key := range []string{"educationRequirements", "experienceRequirements", "skills"} {
				q = append(q, textList(obj[key])...)
			}
		}
		if len(q) > 0 {
			p.Qualifications = capItems(q)
			x.mark("qualifications", src)
		}
	}
	if r := textList(obj["responsibilities"]); len(r) > 0 && !x.has("responsibilities") {
		p.Responsibilities = capItems(r)
		x.mark("responsibilities", src)
	}
	if b := textList(obj["jobBenefits"]); len(b) > 0 && !x.has("benefits") {
		p.Benefits = capItems(b)
		x.mark("benefits", src)
	}
	if u := text(obj["url"]); u != "" && !x.has("url") {
		if abs := x.resolve(u); abs != "" {
			p.URL = abs
			x.mark("url", src)
		}
	}
	for _, key := range []string{"applyUrl", "applicationUrl"} {
		if u := x.resolve(text(obj[key])); u != "" {
			x.setText("apply_url", &p.ApplyURL, u, src)
		}
	}
	if act, ok := obj["potentialAction"].(map[string]any); ok {
		if t, ok := act["target"].(map[string]any); ok {
			x.setText("apply_url", &p.ApplyURL, x.resolve(text(t["urlTemplate"])), src)
		} else {
			x.setText("apply_url", &p.ApplyURL, x.resolve(text(act["target"])), src)
		}
	}
}

// schemaPlace reads a jobLocation or applicantLocationRequirements entry: a
// Place with a PostalAddress, an address alone, a Country or State, or text.
func schemaPlace(v any) Place {
	switch v := v.(type) {
	case string, plainText:
		return ParseLocation(text(v))
	case map[string]any:
		if isType(v, "Country") || isType(v, "State") || isType(v, "AdministrativeArea") {
			name := text(v["name"])
			if c := countryName(name); c != "" {
				return Place{Country: c}
			}
			if c := regionCountry(name); c != "" {
				return Place{Region: name, Country: c}
			}
			return ParseLocation(name)
		}
		addr := v["address"]
		if addr == nil && (v["addressLocality"] != nil || v["addressCountry"] != nil || v["addressRegion"] != nil) {
			addr = v
		}
		switch a := addr.(type) {
		case map[string]any:
			pl := placeFromAddress(text(a["addressLocality"]), text(a["addressRegion"]), text(a["addressCountry"]))
			if !pl.empty() {
				return pl
			}
		case string, plainText:
			if pl := ParseLocation(text(a)); !pl.empty() {
				return pl
			}
		case []any:
			if len(a) > 0 {
				return schemaPlace(map[string]any{"address": a[0]})
			}
		}
		if name := text(v["name"]); name != "" {
			return ParseLocation(name)
		}
	case []any:
		if len(v) > 0 {
			return schemaPlace(v[0])
		}
	}
	return Place{}
}

// schemaSalary reads a MonetaryAmount (or a bare number or text) as a Salary.
func schemaSalary(v any) (Salary, bool) {
	switch v := v.(type) {
	case map[string]any:
		var sal Salary
		sal.Currency = strings.ToUpper(text(v["currency"]))
		val := v["value"]
		if val == nil {
			val = v
		}
		switch q := val.(type) {
		case map[string]any:
			sal.Period = NormalizePeriod(text(q["unitText"]))
			minV, okMin := parseNumber(text(q["minValue"]))
			maxV, okMax := parseNumber(text(q["maxValue"]))
			one, okOne := parseNumber(text(q["value"]))
			switch {
			case okMin && okMax:
				sal.Min, sal.Max = minV, maxV
			case okMin:
				sal.Min, sal.Max = minV, minV
			case okMax:
				sal.Min, sal.Max = maxV, maxV
			case okOne:
				sal.Min, sal.Max = one, one
			default:
				return sal, false
			}
		default:
			n, ok := parseNumber(text(q))
			if !ok {
				return sal, false
			}
			sal.Min, sal.Max = n, n
		}
		if sal.Period == "" {
			sal.Period = NormalizePeriod(text(v["unitText"]))
		}
		if sal.Period == "" {
			sal.Period = guessPeriod(sal.Max)
		}
		if sal.Min > sal.Max {
			sal.Min, sal.Max = sal.Max, sal.Min
		}
		return sal, sal.Max > 0
	case string, plainText, json.Number, float64:
		return ParseSalary(text(v))
	case []any:
		if len(v) > 0 {
			return schemaSalary(v[0])
		}
	}
	return Salary{}, false
}
