package extract

import (
	"slices"
	"strings"
)

// Place is one normalised location: "City, Region, Country", or for remote
// work "Remote, Country".
type Place struct {
	City, Region, Country string
	Remote                bool
	// Hybrid is set when the location says the work is partly on site
	// ("Hybrid - Austin, TX"); the place is still where the office is.
	Hybrid bool
}

// String formats p the way records store locations.
func (p Place) String() string {
	if p.Remote {
		if p.Country != "" {
			return "Remote, " + p.Country
		}
		if p.Region != "" {
			return "Remote, " + p.Region
		}
		return "Remote"
	}
	parts := make([]string, 0, 3)
	for _, s := range []string{p.City, p.Region, p.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func (p Place) empty() bool { return p.City == "" && p.Region == "" && p.Country == "" && !p.Remote }

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

var (
	remoteWord   = mustFilter(`(?i)\b(remote|anywhere|work from home|wfh|telecommute|telework|virtual|home[- ]based)\b`)
	hybridWord   = mustFilter(`(?i)^\s*(hybrid|on-?site|in[- ]office)\b\s*[-–:|/,(]?\s*|\s*[-–:|/,(]?\s*\b(hybrid|on-?site|in[- ]office)\)?\s*$`)
	codedPlace   = mustFilter(`^([A-Z]{2,3})-([A-Z0-9]{1,3})-(\S.*)$`) // "US-CA-San Jose"
	postalCode   = mustFilter(`^\d{4,6}\s+(\D.*)$|^(.*\D)\s+\d{5}(-\d{4})?$`)
	parenthetic  = mustFilter(`^(.*?)\s*\(([^()]*)\)\s*$`)
	noiseParts   = map[string]bool{"multiple locations": true, "various locations": true, "locations": true, "": true, "n/a": true, "tbd": true}
	trailingCode = mustFilter(`^(.+?)\s+([A-Z]{2})$`)
	// emptyBrackets blanks what is left of "(Remote)" once the word is gone.
	emptyBrackets = strings.NewReplacer("()", " ", "[]", " ")
)

// remoteWords are the words remoteWord finds, in lower case and in its
// order.
var remoteWords = []string{"remote", "anywhere", "work from home", "wfh", "telecommute", "telework", "virtual",
	"home-based", "home based"}

// replaceRemoteWords is remoteWord.ReplaceAllString(s, " "), and whether
// that replaced anything. In ASCII text the words are found by hand, each
// a whole word (\b on both sides); other text, where case folding reaches
// beyond ASCII, goes to the expression.
func replaceRemoteWords(s string) (string, bool) {
	if !isASCII(s) {
		// a match is a word, never the space it is replaced with: s
		// changes exactly when it holds one
		r := remoteWord.ReplaceAllString(s, " ")
		return r, r != s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if i > 0 && isWordByte(s[i-1]) {
			continue // no word starts here
		}
		for _, w := range remoteWords {
			if j := i + len(w); s[i]|0x20 == w[0] && j <= len(s) && hasPrefixFoldString(s[i:], w) &&
				(j == len(s) || !isWordByte(s[j])) {
				b.WriteString(s[last:i])
				b.WriteByte(' ')
				last = j
				i = j - 1
				break
			}
		}
	}
	if last == 0 {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// isWordByte reports whether c is an ASCII word character (\w).
func isWordByte(c byte) bool { return isAlnumASCII(c) || c == '_' }

// findCodedPlace is codedPlace.FindStringSubmatch, skipping the expression
// unless s starts with two or three capitals and a dash, as its matches do.
func findCodedPlace(s string) []string {
	if len(s) < 5 || !isUpperASCII(s[0]) || !isUpperASCII(s[1]) ||
		s[2] != '-' && !(isUpperASCII(s[2]) && s[3] == '-') {
		return nil
	}
	return codedPlace.FindStringSubmatch(s)
}

// findParenthetic is parenthetic.FindStringSubmatch, skipping the
// expression unless s ends in ')' and white space, as its matches do.
func findParenthetic(s string) []string {
	i := len(s) - 1
	for i >= 0 && perlSpace(s[i]) {
		i--
	}
	if i < 0 || s[i] != ')' {
		return nil
	}
	return parenthetic.FindStringSubmatch(s)
}

// findPostalCode is postalCode.FindStringSubmatch, skipping the expression
// for the many parts without four digits in a row, which it needs.
func findPostalCode(s string) []string {
	if !hasDigitRun(s, 4) {
		return nil
	}
	return postalCode.FindStringSubmatch(s)
}

// findTrailingCode is trailingCode.FindStringSubmatch, skipping the
// expression unless s ends in a space and two capitals, as its matches do.
func findTrailingCode(s string) []string {
	n := len(s)
	if n < 4 || !isUpperASCII(s[n-1]) || !isUpperASCII(s[n-2]) || !perlSpace(s[n-3]) {
		return nil
	}
	return trailingCode.FindStringSubmatch(s)
}

func isUpperASCII(c byte) bool { return 'A' <= c && c <= 'Z' }

// perlSpace reports whether c is white space to the expressions' \s.
func perlSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\f', '\r':
		return true
	}
	return false
}

// hasDigitRun reports whether s holds n ASCII digits in a row.
func hasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// ParseLocation reads a location as sites write it: "Houston, TX",
// "United States, Houston (TX)", "Houston, TX, United States", "Remote - US",
// "AMER - Canada - Quebec - Montreal".
func ParseLocation(s string) Place {
	s = cleanString(s)
	var p Place
	if m := hybridWord.FindStringSubmatch(s); m != nil {
		p.Hybrid = strings.EqualFold(m[1]+m[2], "hybrid")
		s = hybridWord.ReplaceAllString(s, "")
	}
	if m := findCodedPlace(s); m != nil && countryByCode[m[1]] != "" {
		return Place{City: m[3], Region: m[2], Country: countryByCode[m[1]], Hybrid: p.Hybrid}
	}
	if r, ok := replaceRemoteWords(s); ok {
		p.Remote = true
		s = strings.Trim(cleanString(emptyBrackets.Replace(r)), " ,-–—|/:;()")
	}
	sep := ","
	if !strings.Contains(s, ",") {
		switch {
		case strings.Contains(s, " - "):
			sep = " - "
		case strings.Contains(s, " | "):
			sep = " | "
		case strings.Contains(s, " / "):
			sep = " / "
		case strings.Contains(s, "; "):
			sep = ";"
		}
	}
	parts := make([]string, 0, 4) // most locations have up to four parts
	for part := range strings.SplitSeq(s, sep) {
		part = strings.Trim(strings.TrimSpace(part), "-–—|/:;")
		part = strings.TrimSpace(part)
		if m := findPostalCode(part); m != nil {
			part = firstNonEmpty(m[1], m[2]) // "75008 Paris", "New York, NY 10001"
		}
		if m := findParenthetic(part); m != nil && m[1] != "" {
			// "Houston (TX)": the parenthesis names the region, or the country
			if c := countryName(m[2]); c != "" && regionCountry(m[2]) == "" {
				parts = append(parts, m[1], m[2])
			} else {
				parts = append(parts, m[1], "("+m[2]+")")
			}
			continue
		}
		if !lookupLower(noiseParts, part) {
			parts = append(parts, part)
		}
	}
	if len(parts) == 1 {
		// "Kirkland WA": a trailing state code
		if m := findTrailingCode(parts[0]); m != nil && regionCountry(m[2]) != "" {
			parts = []string{m[1], m[2]}
		}
	}
	if len(parts) == 0 {
		return p
	}
	ci := -1 // which part is the country
	for _, i := range []int{len(parts) - 1, 0} {
		if c := countryName(parts[i]); c != "" && !(len(parts) == 2 && i == 1 && regionCountry(parts[1]) != "") {
			ci, p.Country = i, c
			if lookupLower(ukNations, parts[i]) {
				p.Region = parts[i]
			}
			break
		}
	}
	if ci < 0 {
		for i := 1; i < len(parts)-1 && ci < 0; i++ {
			if c := countryName(parts[i]); c != "" && len(parts[i]) > 3 {
				ci, p.Country = i, c
			}
		}
	}
	var rest []string
	switch {
	case ci < 0:
		rest = parts
	case ci == len(parts)-1:
		rest = parts[:ci]
	default:
		// country first: "United States, Houston (TX)", "Canada - Quebec - Montreal - street"
		after := parts[ci+1:]
		switch {
		case len(after) >= 2 && strings.HasPrefix(after[1], "("):
			rest = after[:2]
		case len(after) >= 2:
			rest = []string{after[1], after[0]}
		default:
			rest = after
		}
	}
	for i, r := range rest {
		rest[i] = strings.Trim(r, "()")
	}
	rest = slices.DeleteFunc(rest, func(s string) bool { return s == "" })
	if p.Remote {
		// what is left of a remote location names where applicants may be
		if p.Country == "" && len(rest) > 0 {
			if c := regionCountry(rest[len(rest)-1]); c != "" {
				p.Region, p.Country = rest[len(rest)-1], c
			} else {
				p.Region = strings.Join(rest, ", ")
			}
		}
		return p
	}
	switch len(rest) {
	case 0:
	case 1:
		if p.Country == "" {
			if c := regionCountry(rest[0]); c != "" && len(rest[0]) == 2 {
				p.Region, p.Country = rest[0], c
				break
			}
		}
		p.City = rest[0]
	default:
		p.City = rest[0]
		if p.Region == "" {
			p.Region = rest[1]
		}
		if p.Country == "" {
			if len(rest) >= 3 {
				p.Country = rest[len(rest)-1]
			}
			if c := regionCountry(p.Region); c != "" {
				p.Country = c
			}
		}
	}
	return p
}

// ParseLocations reads a text that may name several locations ("Houston,
// TX; Austin, TX", "Redmond, WA +2 more", one a line) and returns each,
// normalised, in order.
func ParseLocations(s string) []Place {
	var out []Place
	parts := splitLocations(s)
	for _, part := range parts {
		if pl := ParseLocation(part); !pl.empty() {
			if out == nil {
				out = make([]Place, 0, len(parts))
			}
			out = append(out, pl)
		}
	}
	return out
}

// placeFromAddress builds a Place from a schema.org PostalAddress's parts.
func placeFromAddress(city, region, country string) Place {
	p := Place{City: cleanString(city), Region: cleanString(region)}
	if p.Region == "" && strings.ContainsAny(p.City, ",-|/") {
		// a whole location in the locality: "AMER - Canada - Quebec - Montreal - 10 Rue Duke"
		if pl := ParseLocation(p.City); pl.Country != "" && pl.City != "" &&
			(country == "" || pl.Country == countryName(cleanString(country)) || pl.Country == cleanString(country)) {
			return pl
		}
	}
	if country = cleanString(country); country != "" {
		if c := countryName(country); c != "" {
			p.Country = c
		} else {
			p.Country = country
		}
	}
	if p.Country == "" && p.Region != "" {
		p.Country = regionCountry(p.Region)
	}
	if remoteWord.MatchString(p.City) {
		p.Remote, p.City = true, ""
	}
	return p
}

// setPlaces fills the posting's location fields from places, keeping the
// first occurrence of each.
func (p *Posting) setPlaces(places []Place) {
	p.Locations, p.Cities, p.Regions, p.Countries = nil, nil, nil, nil
	add := func(list *[]string, s string) {
		if s != "" && !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	allRemote, hybrid := len(places) > 0, false
	for _, pl := range places {
		if pl.empty() {
			continue
		}
		add(&p.Locations, pl.String())
		add(&p.Cities, pl.City)
		add(&p.Regions, pl.Region)
		add(&p.Countries, pl.Country)
		if pl.Remote {
			p.Remote = true
		} else {
			allRemote = false
		}
		hybrid = hybrid || pl.Hybrid
	}
	switch {
	case p.WorkplaceType != "":
	case allRemote:
		p.WorkplaceType = "remote"
	case hybrid:
		p.WorkplaceType = "hybrid"
	}
}
