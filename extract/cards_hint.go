package extract

import "strings"

// cardHint is what the class of an element inside a job card says its
// text is.
type cardHint int

const (
	classNone cardHint = iota
	classCompany
	classLocation
	classDate
	classType
	classTitle
)

// Words the class expressions (companyClass … titleClass) look for, in
// lower case. A bounded word starts the class or follows a separator
// ([-_\s]) and ends it or comes before one.
var (
	companyClassWords  = []string{"company", "companies", "employer", "organisation", "organization", "hiring-org", "hiringorg", "firm"}
	locationClassWords = []string{"loc", "city", "place", "address", "region"}
	dateClassWords     = []string{"time", "ago", "age"}
	typeClassWords     = []string{"type", "hours"}
	// titleClass's (job-?)? prefix spelt out: the words with each prefix.
	titleClassWords = []string{"title", "name", "position", "jobtitle", "jobname", "jobposition",
		"job-title", "job-name", "job-position"}
)

// classHint returns the first of company, location, date, employment type
// and title that class names, as the expressions companyClass,
// locationClass, dateClass, typeClass and titleClass (but not a subtitle)
// tried in that order tell. It runs for every element of every card: an
// ASCII class, nearly all of them, is matched by hand with a few byte
// comparisons; any other goes to the expressions, whose case folding
// reaches beyond ASCII.
func classHint(class string) cardHint {
	if !isASCII(class) {
		return classHintRegexp(class)
	}
	switch {
	case hasClassWord(class, companyClassWords, "name"):
		return classCompany
	case containsFold(class, "location") || hasClassWord(class, locationClassWords, ""):
		return classLocation
	case containsFold(class, "date") || containsFold(class, "posted") || hasClassWord(class, dateClassWords, ""):
		return classDate
	case containsFold(class, "employment") || containsFold(class, "schedule") || containsFold(class, "job-type") ||
		containsFold(class, "jobtype") || hasClassWord(class, typeClassWords, ""):
		return classType
	case hasClassWord(class, titleClassWords, "") && !containsFold(class, "subtitle"):
		return classTitle
	}
	return classNone
}

// classHints remembers the hints of the classes of one result page's
// cards: the cards repeat the same few classes, each is read once.
type classHints map[string]cardHint

// of is classHint(class).
func (h classHints) of(class string) cardHint {
	k, ok := h[class]
	if !ok {
		k = classHint(class)
		h[class] = k
	}
	return k
}

// classHintRegexp is classHint by the expressions themselves.
func classHintRegexp(class string) cardHint {
	switch {
	case companyClass.MatchString(class):
		return classCompany
	case locationClass.MatchString(class):
		return classLocation
	case dateClass.MatchString(class):
		return classDate
	case typeClass.MatchString(class):
		return classType
	case titleClass.MatchString(class) && !strings.Contains(strings.ToLower(class), "subtitle"):
		return classTitle
	}
	return classNone
}

// classSep reports whether c separates the words of a class: - _ or an
// ASCII space (the expressions' [-_\s]).
func classSep(c byte) bool { return c == '-' || c == '_' || perlSpace(c) }

// hasClassWord reports whether the ASCII class s holds one of words (lower
// case), ASCII case ignored, starting s or after a separator, and ending s,
// before a separator, or before tail when tail is not "".
func hasClassWord(s string, words []string, tail string) bool {
	for i := 0; i < len(s); i++ {
		if i > 0 && !classSep(s[i-1]) {
			continue
		}
		for _, w := range words {
			// w[0] is a lower-case letter: s[i]|0x20 is it for either case, and only then
			if s[i]|0x20 != w[0] || len(s)-i < len(w) || !hasPrefixFoldString(s[i:], w) {
				continue
			}
			j := i + len(w)
			if j == len(s) || classSep(s[j]) || tail != "" && len(s)-j >= len(tail) && hasPrefixFoldString(s[j:], tail) {
				return true
			}
		}
	}
	return false
}
