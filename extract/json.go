package extract

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file turns the records of careers JSON APIs into postings: Fields
// holds a posting's values as an API states them, Posting normalises them
// the way HTML extraction does, and JSONFields maps a configured API's
// records onto Fields with JSON paths.

// Fields are the values of one posting as a JSON API states them, before
// they are normalised. Every field is optional; Posting rejects a posting
// without job number or title.
type Fields struct {
	JobNumber string
	AltIDs    []string
	Title     string
	Company   string
	URL       string // relative URLs are resolved against Options.URL
	ApplyURL  string
	// Locations are locations as text ("Houston, TX; Austin, TX",
	// "Remote - US"): split and parsed like a page's.
	Locations []string
	// Places are locations the API gives in parts (city, region and
	// country, or a country code); they follow Locations.
	Places         []Place
	Remote         bool
	WorkplaceType  string // as the API says it: "on-site", "Hybrid", "remote_local"
	EmploymentType string // "FullTime", "Full-time", "FULL_TIME"…
	JobFamily      string
	Team           string
	Department     string
	// Salary is a pay range in parts; its Period may be written as the API
	// does ("1 YEAR", "per-hour-wage"). SalaryText ("$120k – $150k a year")
	// is read when Salary has no maximum.
	Salary     Salary
	SalaryText string
	// Dates as ISO 8601, as sites write them ("Posted 3 days ago"), or as
	// Unix seconds or milliseconds.
	DatePosted   string
	ValidThrough string
	// Description is HTML (escaped once or twice, as APIs often send it) or
	// plain text.
	Description string
	// Qualifications are items of text, or HTML lists. When none is given
	// they are read from the description's qualification section.
	Qualifications []string
}

// Posting normalises f into a posting: locations parsed and split, dates
// read, HTML made plain text, employment and workplace types mapped. A
// posting without a valid job number or a title is rejected with a
// *RejectError, as HTML extraction rejects one.
func (f Fields) Posting(opts Options) (Posting, error) {
	x := newExtraction(opts)
	p := &x.p
	now := opts.now()

	ids := []string{cleanString(f.JobNumber)}
	for _, id := range f.AltIDs {
		ids = append(ids, cleanString(id))
	}
	x.setIDs(slices.DeleteFunc(ids, func(s string) bool { return s == "" }), SourceJSON)

	x.setText("title", &p.Title, cleanString(html.UnescapeString(f.Title)), SourceJSON)
	x.setText("company", &p.Company, cleanString(f.Company), SourceJSON)
	x.setText("url", &p.URL, x.resolve(f.URL), SourceJSON)
	x.setText("apply_url", &p.ApplyURL, x.resolve(f.ApplyURL), SourceJSON)
	x.setText("job_family", &p.JobFamily, cleanString(f.JobFamily), SourceJSON)
	x.setText("team", &p.Team, cleanString(f.Team), SourceJSON)
	x.setText("department", &p.Department, cleanString(f.Department), SourceJSON)
	x.setText("employment_type", &p.EmploymentType, NormalizeEmploymentType(f.EmploymentType), SourceJSON)
	x.setText("workplace_type", &p.WorkplaceType, NormalizeWorkplaceType(f.WorkplaceType), SourceJSON)
	x.setText("date_posted", &p.DatePosted, jsonDate(f.DatePosted, now), SourceJSON)
	x.setText("valid_through", &p.ValidThrough, jsonDate(f.ValidThrough, now), SourceJSON)

	var places []Place
	for _, l := range f.Locations {
		for _, part := range splitLocations(cleanString(l)) {
			if pl := ParseLocation(part); !pl.empty() {
				places = append(places, pl)
			}
		}
	}
	for _, pl := range f.Places {
		if pl = normalizePlace(pl); !pl.empty() {
			places = append(places, pl)
		}
	}
	if len(places) > 0 {
		p.setPlaces(places)
		x.mark("locations", SourceJSON)
	}
	if f.Remote {
		p.Remote = true
	}

	sal := f.Salary
	sal.Currency = strings.ToUpper(cleanString(sal.Currency))
	sal.Period = periodOf(sal.Period)
	if sal.Max == 0 {
		sal.Max = sal.Min
	}
	if sal.Min > sal.Max {
		sal.Min, sal.Max = sal.Max, sal.Min
	}
	if sal.Max > 0 && sal.Period == "" {
		sal.Period = guessPeriod(sal.Max)
	}
	x.setSalary(sal, SourceJSON)
	if s, ok := ParseSalary(htmlToText(unescapeHTML(f.SalaryText))); ok {
		x.setSalary(s, SourceJSON)
	}

	desc := unescapeHTML(f.Description)
	x.setText("description", &p.Description, htmlToText(desc), SourceJSON)
	var quals []string
	for _, q := range f.Qualifications {
		quals = append(quals, htmlItems(unescapeHTML(q))...)
	}
	if len(quals) > 0 {
		p.Qualifications = quals
		x.mark("qualifications", SourceJSON)
	}
	if len(quals) == 0 && strings.Contains(desc, "<") {
		// the qualifications under the description's headings (its
		// responsibilities and benefits are not read for API sources yet:
		// the platform adapters' golden files would change with them)
		if root := htmlFragment(desc); root != nil {
			l := findSections(segmentsOf(root), nil)
			x.applySections(sectionLists{qual: l.qual, loose: l.loose, why: l.why}, SourceJSON)
		}
	}

	// what HTML extraction's finish does, save taking the document's URL as
	// the posting's: an API's address is not the posting's page
	if p.Team == "" && p.Department != "" {
		p.Team = p.Department
		x.mark("team", SourceJSON)
	}
	if p.Company == "" && opts.Company != "" {
		p.Company = opts.Company
		x.mark("company", SourceOverride)
	}
	if p.WorkplaceType == "" && p.Remote && allRemote(places) {
		p.WorkplaceType = "remote"
	}
	if p.WorkplaceType == "remote" {
		p.Remote = true
	}
	x.setMarks()
	p.own()
	return *p, x.validate()
}

func allRemote(places []Place) bool {
	for _, pl := range places {
		if !pl.Remote {
			return false
		}
	}
	return true
}

// normalizePlace cleans a location given in parts: country codes become
// names ("us", "USA" → United States), a region implies its country, a
// city named "Remote" makes the place remote.
func normalizePlace(pl Place) Place {
	country := cleanString(pl.Country)
	if len(country) <= 3 {
		country = strings.ToUpper(country)
	}
	out := placeFromAddress(pl.City, pl.Region, country)
	out.Remote = out.Remote || pl.Remote
	if out.Remote && out.City == "" && out.Region != "" && out.Country != "" {
		out.Region = "" // "Remote, United States", as ParseLocation reads it
	}
	return out
}

var (
	epochDigits = regexp.MustCompile(`^\d{9,13}$`)
	periodWord  = regexp.MustCompile(`(?i)(hour|day|week|month|year|annual)`)
)

// jsonDate reads a date an API gives: Unix seconds or milliseconds, or
// anything ParseDate reads.
func jsonDate(s string, now time.Time) string {
	s = cleanString(s)
	if epochDigits.MatchString(s) {
		n, _ := strconv.ParseInt(s, 10, 64)
		t := time.Unix(n, 0)
		if len(s) >= 12 {
			t = time.UnixMilli(n)
		}
		return plausible(t.UTC())
	}
	return ParseDate(s, now)
}

// periodOf maps a pay period as APIs write it ("1 YEAR", "per-hour-wage",
// "ANNUAL", "yearly") to HOUR, DAY, WEEK, MONTH or YEAR; "" when it names none.
func periodOf(s string) string {
	m := periodWord.FindString(s)
	if m == "" {
		return ""
	}
	if strings.EqualFold(m, "annual") {
		return "YEAR"
	}
	return NormalizePeriod(m)
}

// unescapeHTML undoes the escaping APIs wrap HTML in ("&lt;p&gt;", and
// twice over "&amp;lt;p&amp;gt;"), leaving real markup alone.
func unescapeHTML(s string) string {
	for range 3 {
		if strings.Contains(s, "<") || !(strings.Contains(s, "&lt;") || strings.Contains(s, "&amp;lt;") || strings.Contains(s, "&#60;")) {
			break
		}
		s = html.UnescapeString(s)
	}
	return s
}

// htmlFragment parses s as the content of a <div>.
func htmlFragment(s string) *xhtml.Node {
	ctx := &xhtml.Node{Type: xhtml.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := xhtml.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return nil
	}
	root := &xhtml.Node{Type: xhtml.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root
}

// htmlItems reads one qualification value: the items of an HTML list, or
// the lines of a text, bullets dropped.
func htmlItems(s string) []string {
	if strings.Contains(s, "<li") || strings.Contains(s, "<LI") {
		if root := htmlFragment(s); root != nil {
			var out []string
			var walk func(n *xhtml.Node, d int)
			walk = func(n *xhtml.Node, d int) {
				if d > maxDepth {
					return
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == xhtml.ElementNode && c.DataAtom == atom.Li {
						if t := cleanString(nodeText(c)); t != "" {
							out = append(out, t)
						}
						continue
					}
					walk(c, d+1)
				}
			}
			walk(root, 0)
			if len(out) > 0 {
				return out
			}
		}
	}
	var out []string
	for _, line := range strings.Split(htmlToText(s), "\n") {
		if line = strings.TrimSpace(strings.TrimLeft(line, "•·-–*")); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// Or returns f with the fields it lacks taken from g.
func (f Fields) Or(g Fields) Fields {
	str := func(a *string, b string) {
		if *a == "" {
			*a = b
		}
	}
	str(&f.JobNumber, g.JobNumber)
	str(&f.Title, g.Title)
	str(&f.Company, g.Company)
	str(&f.URL, g.URL)
	str(&f.ApplyURL, g.ApplyURL)
	str(&f.WorkplaceType, g.WorkplaceType)
	str(&f.EmploymentType, g.EmploymentType)
	str(&f.JobFamily, g.JobFamily)
	str(&f.Team, g.Team)
	str(&f.Department, g.Department)
	str(&f.SalaryText, g.SalaryText)
	str(&f.DatePosted, g.DatePosted)
	str(&f.ValidThrough, g.ValidThrough)
	str(&f.Description, g.Description)
	if len(f.AltIDs) == 0 {
		f.AltIDs = g.AltIDs
	}
	if len(f.Locations) == 0 && len(f.Places) == 0 {
		f.Locations, f.Places = g.Locations, g.Places
	}
	if len(f.Qualifications) == 0 {
		f.Qualifications = g.Qualifications
	}
	if f.Salary.Max == 0 && f.Salary.Min == 0 {
		f.Salary = g.Salary
	}
	f.Remote = f.Remote || g.Remote
	return f
}

// FieldForLabel names the record field a label stands for, as classic
// careers pages print it ("Job family", "Employment type", "Req ID"), or
// "" when it is not one jobcrawl knows. APIs that carry custom fields
// (Greenhouse metadata, SmartRecruiters custom fields) name them the same way.
func FieldForLabel(label string) string {
	return labelField[normLabel(label)]
}

// JSONFields maps record fields to JSON paths into one posting of a JSON
// API: {job_number: id, title: title, locations: "offices[*].location"}.
type JSONFields map[string]string

// JSONFieldNames are the fields a JSON source can map. salary takes a text
// ("$120k – $150k") or an object with min, max, currency and period;
// locations take text or objects with city, region and country (or
// addressLocality, addressRegion, addressCountry…).
var JSONFieldNames = []string{"job_number", "alt_ids", "title", "company", "url", "apply_url", "locations",
	"remote", "workplace_type", "employment_type", "job_family", "team", "department", "salary", "salary_min",
	"salary_max", "salary_currency", "salary_period", "date_posted", "valid_through", "description",
	"qualifications"}

// JSONMapping is a compiled JSONFields.
type JSONMapping struct {
	paths map[string]JSONPath
}

// Compile checks every field name and path. The error names the field.
func (fs JSONFields) Compile() (*JSONMapping, error) {
	m := &JSONMapping{paths: map[string]JSONPath{}}
	names := make([]string, 0, len(fs))
	for name := range fs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !slices.Contains(JSONFieldNames, name) {
			return nil, fmt.Errorf("%s: unknown field (want one of %s)", name, strings.Join(JSONFieldNames, ", "))
		}
		if strings.TrimSpace(fs[name]) == "" {
			return nil, fmt.Errorf("%s: empty path", name)
		}
		p, err := ParseJSONPath(fs[name])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		m.paths[name] = p
	}
	return m, nil
}

// Has reports whether the mapping maps field.
func (m *JSONMapping) Has(field string) bool {
	_, ok := m.paths[field]
	return ok
}

// Fields reads one posting's fields. Each path is tried on the records in
// turn (a detail record, then the list item it completes) and the first
// that selects a value wins.
func (m *JSONMapping) Fields(records ...any) Fields {
	var f Fields
	values := func(field string) []any {
		p, ok := m.paths[field]
		if !ok {
			return nil
		}
		for _, r := range records {
			if r == nil {
				continue
			}
			if vs := p.Values(r); len(vs) > 0 {
				return vs
			}
		}
		return nil
	}
	text := func(field string) string {
		for _, v := range values(field) {
			if s := JSONText(v); s != "" {
				return s
			}
		}
		return ""
	}
	texts := func(field string) []string {
		var out []string
		for _, v := range values(field) {
			if a, ok := v.([]any); ok {
				for _, e := range a {
					if s := JSONText(e); s != "" {
						out = append(out, s)
					}
				}
			} else if s := JSONText(v); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	f.JobNumber = text("job_number")
	f.AltIDs = texts("alt_ids")
	f.Title = text("title")
	f.Company = text("company")
	f.URL = text("url")
	f.ApplyURL = text("apply_url")
	f.WorkplaceType = text("workplace_type")
	f.EmploymentType = text("employment_type")
	f.JobFamily = text("job_family")
	f.Team = text("team")
	f.Department = text("department")
	f.DatePosted = text("date_posted")
	f.ValidThrough = text("valid_through")
	f.Description = text("description")
	f.Qualifications = texts("qualifications")
	for _, v := range values("remote") {
		f.Remote = f.Remote || JSONBool(v)
	}
	for _, v := range values("locations") {
		for _, e := range flatten(v) {
			if obj, ok := e.(map[string]any); ok {
				if pl, ok := PlaceFromJSON(obj); ok {
					f.Places = append(f.Places, pl)
					continue
				}
			}
			if s := JSONText(e); s != "" {
				f.Locations = append(f.Locations, s)
			}
		}
	}
	for _, v := range values("salary") {
		if obj, ok := v.(map[string]any); ok {
			f.Salary = SalaryFromJSON(obj)
		} else if s := JSONText(v); s != "" {
			f.SalaryText = s
		}
		break
	}
	if n, ok := JSONNumber(m.first(values("salary_min"))); ok {
		f.Salary.Min = n
	}
	if n, ok := JSONNumber(m.first(values("salary_max"))); ok {
		f.Salary.Max = n
	}
	if s := text("salary_currency"); s != "" {
		f.Salary.Currency = s
	}
	if s := text("salary_period"); s != "" {
		f.Salary.Period = s
	}
	return f
}

func (m *JSONMapping) first(vs []any) any {
	if len(vs) == 0 {
		return nil
	}
	return vs[0]
}

func flatten(v any) []any {
	if a, ok := v.([]any); ok {
		var out []any
		for _, e := range a {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []any{v}
}

// PlaceFromJSON reads a location an API gives as an object: city, region
// and country under the names APIs use (city, addressLocality, region,
// state, addressRegion, country, countryCode, addressCountry…), possibly
// inside "address" or "postalAddress", and a remote flag. ok is false when
// the object has none of them.
func PlaceFromJSON(obj map[string]any) (Place, bool) {
	for _, k := range []string{"postalAddress", "address"} {
		if inner, ok := obj[k].(map[string]any); ok {
			if pl, ok := PlaceFromJSON(inner); ok {
				pl.Remote = pl.Remote || JSONBool(obj["remote"]) || JSONBool(obj["isRemote"])
				return pl, true
			}
		}
	}
	pick := func(keys ...string) string {
		for _, k := range keys {
			if s := JSONText(obj[k]); s != "" {
				return s
			}
		}
		return ""
	}
	pl := Place{
		City:    pick("city", "addressLocality", "locality", "town"),
		Region:  pick("region", "state", "addressRegion", "province", "regionCode", "stateCode", "state_code"),
		Country: pick("country", "addressCountry", "countryName", "country_name", "countryCode", "country_code"),
		Remote:  JSONBool(obj["remote"]) || JSONBool(obj["isRemote"]),
	}
	if pl.City == "" && pl.Region == "" && pl.Country == "" {
		return Place{}, false
	}
	return pl, true
}

// SalaryFromJSON reads a pay range an API gives as an object: min and max
// (or minValue, maxValue, min_amount…), currency (or currencyCode) and
// period (or interval, unit, unitText). The period is left as written;
// Fields.Posting normalises it.
func SalaryFromJSON(obj map[string]any) Salary {
	num := func(keys ...string) float64 {
		for _, k := range keys {
			if n, ok := JSONNumber(obj[k]); ok {
				return n
			}
		}
		return 0
	}
	str := func(keys ...string) string {
		for _, k := range keys {
			if s := JSONText(obj[k]); s != "" {
				return s
			}
		}
		return ""
	}
	return Salary{
		Min:      num("min", "minValue", "min_value", "min_amount", "minimum", "from"),
		Max:      num("max", "maxValue", "max_value", "max_amount", "maximum", "to"),
		Currency: str("currency", "currencyCode", "currency_code"),
		Period:   str("period", "interval", "unit", "unitText", "frequency"),
	}
}
