package extract

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

var dateLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00",
	"2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02", "2006/01/02", "2006.01.02", "20060102",
	"Jan 2, 2006", "January 2, 2006", "Jan 2 2006", "January 2 2006", "2 Jan 2006", "2 January 2006",
	"02 Jan 2006", "2-Jan-2006", "02-Jan-2006", "Jan. 2, 2006", "Mon, 02 Jan 2006 15:04:05 MST", time.RFC1123Z,
	"Monday, January 2, 2006", "Mon, Jan 2, 2006", "Mon, 2 Jan 2006", "Monday, 2 January 2006",
}

// numericDateLayouts and wordDateLayouts split dateLayouts by whether they
// start with a digit: a date is only tried against the layouts it can match.
var numericDateLayouts, wordDateLayouts []string

func init() {
	for _, l := range dateLayouts {
		if l[0] >= '0' && l[0] <= '9' {
			numericDateLayouts = append(numericDateLayouts, l)
		} else {
			wordDateLayouts = append(wordDateLayouts, l)
		}
	}
}

var (
	relativeDate = mustFilter(`(?i)\b(\d+|an?|one)\+?\s*(minute|min|hour|hr|day|week|wk|month|mo|year|yr)s?\s+ago\b`)
	todayWords   = mustFilter(`(?i)\b(today|just now|just posted|moments? ago|few (seconds|minutes|hours) ago)\b|^new!?$`)
	yesterday    = mustFilter(`(?i)\byesterday\b`)
	datePrefix   = mustFilter(`(?i)^(posted|published|date posted|posted on|updated|on|closing|closes|apply by|expires)\s*:?\s*`)
	ordinal      = mustFilter(`\b(\d{1,2})(st|nd|rd|th)\b`)
	numericDate  = mustFilter(`^(\d{1,2})([-/.])(\d{1,2})[-/.](\d{4})$`)
)

// ParseDate reads a date as careers pages write it and returns it as
// YYYY-MM-DD, or "" when s holds no date. Relative dates ("3 days ago",
// "Posted today") count back from now. A date-time keeps its own calendar
// day (the offset it is written in is not converted).
func ParseDate(s string, now time.Time) string {
	s = cleanString(s)
	if s == "" {
		return ""
	}
	// <time datetime="2024-08-11">: no prefix or ordinal to drop, and the
	// layouts before DateOnly all need more text, so it is the first that
	// can match
	if d, ok := isoDate(s); ok {
		return d
	}
	s = datePrefix.ReplaceAllString(s, "")
	s = ordinal.ReplaceAllString(s, "$1")
	if s == "" {
		return "" // "Posted:" and nothing after it
	}
	layouts := wordDateLayouts
	if s[0] >= '0' && s[0] <= '9' {
		layouts = numericDateLayouts
	}
	// every layout, numeric date and ISO date holds digits: text without
	// any (most of what is tried) skips them, and the errors they allocate
	digits := hasDigitRun(s, 1)
	if digits {
		for _, layout := range layouts {
			if t, err := time.Parse(layout, s); err == nil {
				return plausible(t)
			}
		}
		if d := dayMonthYear(s); d != "" {
			return d
		}
	}
	if m := relativeDate.FindStringSubmatch(s); m != nil {
		n := 1
		if v, err := strconv.Atoi(m[1]); err == nil {
			n = v
		}
		t := now
		switch strings.ToLower(m[2]) {
		case "minute", "min":
			t = now.Add(-time.Duration(n) * time.Minute)
		case "hour", "hr":
			t = now.Add(-time.Duration(n) * time.Hour)
		case "day":
			t = now.AddDate(0, 0, -n)
		case "week", "wk":
			t = now.AddDate(0, 0, -7*n)
		case "month", "mo":
			t = now.AddDate(0, -n, 0)
		case "year", "yr":
			t = now.AddDate(-n, 0, 0)
		}
		return t.Format(time.DateOnly)
	}
	if yesterday.MatchString(s) {
		return now.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if todayWords.MatchString(s) {
		return now.Format(time.DateOnly)
	}
	// a date inside a longer text: "Posted on 2024-08-11 by HR"
	if !digits {
		return ""
	}
	if m := isoDateIn.FindString(s); m != "" {
		if t, err := time.Parse(time.DateOnly, m); err == nil {
			return plausible(t)
		}
	}
	return ""
}

// isoDate reads s as time.Parse(time.DateOnly, s) and plausible would,
// without either: ok is false when s is no date of that layout, and a date
// that is one is given back as written (a plausible year has four digits,
// so formatting it again changes nothing), or "" when implausible.
func isoDate(s string) (d string, ok bool) {
	if len(s) != len(time.DateOnly) {
		return "", false
	}
	n := 0 // the digits read so far, as one number
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return "", false
			}
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
		n = n*10 + int(s[i]-'0')
	}
	year, month, day := n/10000, n/100%100, n%100
	if month < 1 || month > 12 || day < 1 || time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Day() != day {
		return "", false
	}
	if year < 1990 || year > 2200 {
		return "", true
	}
	return s, true
}

var isoDateIn = mustFilter(`\b\d{4}-\d{2}-\d{2}\b`)

// dayMonthYear reads the all-numeric dates whose order depends on the
// country: "11/03/2026" is read the American way (month first), as sites
// writing slashes mostly are; "03-11-2026" and "03.11.2026" day first, as
// in most of the world. Either way a first number above 12 can only be a
// day and a second above 12 only a day.
func dayMonthYear(s string) string {
	m := numericDate.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[3])
	year, _ := strconv.Atoi(m[4])
	day, month := a, b
	if m[2] == "/" {
		day, month = b, a
	}
	if month > 12 {
		day, month = month, day
	}
	if month < 1 || month > 12 || day < 1 {
		return ""
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day { // the 31st of a 30-day month
		return ""
	}
	return plausible(t)
}

// plausible drops dates no posting has (year 1, year 9999).
func plausible(t time.Time) string {
	if t.Year() < 1990 || t.Year() > 2200 {
		return ""
	}
	return t.Format(time.DateOnly)
}

// employmentTypes are the words sites use for each employment type, most
// specific first: "Part-time internship" is an internship, "Temporary
// full-time" temporary. They match whole words only ("International" is not
// an internship).
var employmentTypes = []struct {
	re   *filteredRegexp
	kind string
}{
	{mustFilter(`(?i)\bpermanent (contract|position|role|employment)\b`), "full_time"},
	{mustFilter(`(?i)\b(intern(ship)?s?|trainee(ship)?|apprentice(ship)?|werkstudent(in)?|praktikum|stagiaire|stage|co-?op|graduate program(me)?)\b`), "internship"},
	{mustFilter(`(?i)\b(temp|temporary|seasonal|fixed[- ]term|per diem|befristet|cdd|interim)\b`), "temporary"},
	{mustFilter(`(?i)\b(contract(or)?|freelance(r)?|consultant|contract to hire|1099|self[- ]employed)\b`), "contract"},
	{mustFilter(`(?i)\b(part[- _]?time|teilzeit|temps partiel|media jornada|parttime)\b`), "part_time"},
	{mustFilter(`(?i)\b(full[- _]?time|fulltime|permanent|regular|vollzeit|festanstellung|cdi|temps plein|tiempo completo|unbefristet)\b`), "full_time"},
	{mustFilter(`(?i)\b(volunteer|other|per project)\b`), "other"},
}

// anyEmploymentType is all the employmentTypes as one alternation, for its
// prefilter only: text holding none of the literals their matches need
// (most of a card's lines) names no type, which one pass over it tells
// instead of seven. The expression itself is never run.
var anyEmploymentType = func() *filteredRegexp {
	alts := make([]string, len(employmentTypes))
	for i, t := range employmentTypes {
		alts[i] = "(?:" + t.re.String() + ")"
	}
	return mustFilter(strings.Join(alts, "|"))
}()

// NormalizeEmploymentType maps the ways sites name an employment type
// ("Full-time", "FULL_TIME", "Permanent", "Werkstudent") to full_time,
// part_time, contract, temporary, internship, or other for a type it does
// not know; "" for an empty text.
func NormalizeEmploymentType(s string) string {
	if !strings.ContainsFunc(s, unicode.IsLetter) {
		return "" // nothing, or a number: not a type at all
	}
	if kind, ok := employmentType(s); ok {
		return kind
	}
	return "other"
}

// employmentType finds a known employment type in s; ok is false when s
// names none.
func employmentType(s string) (kind string, ok bool) {
	s = strings.ReplaceAll(s, "_", " ")
	if !anyEmploymentType.mayMatch(s) {
		return "", false
	}
	for _, t := range employmentTypes {
		if t.re.MatchString(s) {
			return t.kind, true
		}
	}
	return "", false
}

// NormalizeWorkplaceType maps a work-site label to onsite, hybrid or remote, or "".
func NormalizeWorkplaceType(s string) string {
	l := strings.ToLower(cleanString(s))
	switch {
	case strings.Contains(l, "hybrid") || strings.Contains(l, "flexible"):
		return "hybrid"
	case strings.Contains(l, "telecommute") || strings.Contains(l, "remote") || strings.Contains(l, "work from home") ||
		strings.Contains(l, "anywhere"):
		return "remote"
	case strings.Contains(l, "on site") || strings.Contains(l, "onsite") || strings.Contains(l, "on-site") ||
		strings.Contains(l, "in office") || strings.Contains(l, "in-office") || strings.Contains(l, "office"):
		return "onsite"
	}
	return ""
}

// Salary is a pay range.
type Salary struct {
	Min, Max float64
	Currency string // ISO 4217
	Period   string // HOUR, DAY, WEEK, MONTH or YEAR
}

var currencySymbols = []struct{ sym, code string }{
	{"US$", "USD"}, {"CA$", "CAD"}, {"C$", "CAD"}, {"A$", "AUD"}, {"AU$", "AUD"}, {"NZ$", "NZD"}, {"HK$", "HKD"},
	{"S$", "SGD"}, {"R$", "BRL"}, {"MX$", "MXN"}, {"€", "EUR"}, {"£", "GBP"}, {"¥", "JPY"}, {"₹", "INR"},
	{"₩", "KRW"}, {"₪", "ILS"}, {"zł", "PLN"}, {"CHF", "CHF"}, {"kr", "SEK"}, {"$", "USD"},
}

var (
	currencyCode = mustFilter(`\b(USD|EUR|GBP|CAD|AUD|NZD|CHF|JPY|CNY|INR|SGD|HKD|SEK|NOK|DKK|PLN|CZK|ILS|BRL|MXN|ZAR|KRW|TWD|AED|SAR|HUF|RON|TRY)\b`)
	amount       = mustFilter(`(\d{1,2}(?:,\d{2})+,\d{3}|\d{1,3}(?:[,.' \x{00a0}\x{202f}]\d{3})+|\d+)(?:[.,](\d{1,2}))?\s*([kKmM]\b)?`)
	// periodWords are read by hand by salaryPeriodFast (salary_period.go,
	// periodRules): change both, and TestSalaryPeriod's words
	periodWords = []struct {
		re     *filteredRegexp
		period string
	}{
		{mustFilter(`(?i)(/|\bper\b|\ban?\b|\bby\b)\s*(hour|hr|h)\b|\bhourly\b|\bstunde\b`), "HOUR"},
		{mustFilter(`(?i)(/|\bper\b|\ba\b)\s*(day)\b|\bdaily\b`), "DAY"},
		{mustFilter(`(?i)(/|\bper\b|\ba\b)\s*(week|wk)\b|\bweekly\b`), "WEEK"},
		{mustFilter(`(?i)(/|\bper\b|\ba\b)\s*(month|mo)\b|\bmonthly\b|\bmonat\b|\b(par|al|por)\s+(mois|mes)\b|\bmensuel`), "MONTH"},
		{mustFilter(`(?i)(/|\bper\b|\ban?\b)\s*(year|yr|annum)\b|\bannual(ly)?\b|\byearly\b|\bp\.?a\.?\b|\bjahr\b|\b(par|al|por)\s+(an|année|año)\b|\bannuel`), "YEAR"},
	}
)

// ParseSalary reads a pay range from text: "$120,000 - $150,000 a year",
// "€45k–55k", "USD 50/hour", "USD 120,000 – 180,000 per year". ok is false
// when s states no amount.
func ParseSalary(s string) (sal Salary, ok bool) {
	s = cleanString(s)
	if s == "" {
		return sal, false
	}
	if m := currencyCode.FindString(strings.ToUpper(s)); m != "" {
		sal.Currency = m
	} else {
		for _, c := range currencySymbols {
			if strings.Contains(s, c.sym) {
				sal.Currency = c.code
				break
			}
		}
	}
	var values []float64
	for _, m := range amount.FindAllStringSubmatch(s, 4) {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m[1])
		v, err := strconv.ParseFloat(digits, 64)
		if err != nil {
			continue
		}
		if m[2] != "" {
			f, _ := strconv.ParseFloat("0."+m[2], 64)
			v += f
		}
		switch strings.ToLower(m[3]) {
		case "k":
			v *= 1e3
		case "m":
			v *= 1e6
		}
		values = append(values, v)
		if len(values) == 2 {
			break
		}
	}
	if len(values) == 0 {
		return sal, false
	}
	// "€45k–55k": a suffix on the upper bound applies to the lower one too
	if len(values) == 2 && values[1] >= 1000 && values[0] < 1000 && values[1]/values[0] > 100 {
		values[0] *= 1000
	}
	sal.Min = values[0]
	sal.Max = values[0]
	if len(values) == 2 {
		sal.Max = values[1]
	}
	if sal.Min > sal.Max {
		sal.Min, sal.Max = sal.Max, sal.Min
	}
	sal.Period = salaryPeriod(s)
	if sal.Period == "" {
		sal.Period = guessPeriod(sal.Max)
	}
	return sal, true
}

// guessPeriod infers the period of an amount a page did not qualify.
func guessPeriod(v float64) string {
	switch {
	case v == 0:
		return ""
	case v < 300:
		return "HOUR"
	case v < 20000:
		return "MONTH"
	}
	return "YEAR"
}

// NormalizePeriod maps schema.org unitText and its variants to HOUR, DAY,
// WEEK, MONTH or YEAR.
func NormalizePeriod(s string) string {
	l := strings.ToLower(cleanString(s))
	switch {
	case l == "":
		return ""
	case strings.HasPrefix(l, "h"):
		return "HOUR"
	case strings.HasPrefix(l, "d"):
		return "DAY"
	case strings.HasPrefix(l, "w"):
		return "WEEK"
	case strings.HasPrefix(l, "mo"):
		return "MONTH"
	case strings.HasPrefix(l, "y") || strings.HasPrefix(l, "a"):
		return "YEAR"
	}
	return strings.ToUpper(l)
}

// parseNumber reads a JSON-LD number that may come as a string ("100000", "100,000.00").
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return v, true
	}
	if sal, ok := ParseSalary(s); ok {
		return sal.Min, true
	}
	return 0, false
}

// idSeparator separates the ids of one text; splitIDs reads it by hand
// (isIDSeparator), as one expression run per id-like text cost more than
// the rest of splitting it.
var idSeparator = mustFilter(`[\s,;|]+`)

// isIDSeparator reports whether r is one of idSeparator's characters (\s
// is \t \n \f \r and space).
func isIDSeparator(r rune) bool {
	switch r {
	case '\t', '\n', '\f', '\r', ' ', ',', ';', '|':
		return true
	}
	return false
}

// ValidJobNumber reports whether s looks like a job number: one token of
// letters, digits and - _ . : / # +, holding a digit, up to 64 characters, and
// not a date. It is called for every id-like text a page holds, so it scans
// s once rather than running expressions (it was ^[\p{L}\p{N}][\p{L}\p{N}._:/#+\-]*$
// and \p{N}, and not dateLike).
func ValidJobNumber(s string) bool {
	if len(s) == 0 || len(s) > 64 || strings.Trim(s, "0") == "" {
		return false
	}
	digit := false
	for i, r := range s {
		switch {
		case unicode.IsLetter(r):
		case unicode.IsNumber(r):
			digit = true
		case i > 0 && strings.ContainsRune("._:/#+-", r):
		default:
			return false
		}
	}
	return digit && !dateLike(s)
}

// dateLike reports whether s is a numeric date: 2026-11-03, 3/11/26,
// 03.11.2026 (^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$).
func dateLike(s string) bool {
	var runs [3]int
	k := 0
	for i := 0; i < len(s); {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		if n == 0 {
			return false
		}
		runs[k] = n
		k++
		if i == len(s) {
			break
		}
		if k == 3 || s[i] != '-' && s[i] != '/' && s[i] != '.' {
			return false
		}
		i++
		if i == len(s) {
			return false
		}
	}
	a, b, c := runs[0], runs[1], runs[2]
	return k == 3 && (a == 4 && b <= 2 && c <= 2 || a <= 2 && b <= 2 && c >= 2 && c <= 4)
}

// splitIDs splits "322695 1072519" into the job number and the other ids.
func splitIDs(s string) []string {
	var out []string
	// the runs between separators, as idSeparator.Split gives them less
	// the empty ones, which are dropped below anyway
	for _, f := range strings.FieldsFunc(cleanString(s), isIDSeparator) {
		f = strings.Trim(f, "#:()[]")
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}
