package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jobcrawl/jobcrawl/index"
)

// assets are the page templates and the static files (CSS, JavaScript,
// icon), built into the binary.
//
//go:embed templates static
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"join": strings.Join,
}).ParseFS(assets, "templates/*.html"))

// assetVersion changes whenever a static file does, so browsers may cache
// them and still get new ones after an upgrade.
var assetVersion = func() string {
	h := sha256.New()
	fs.WalkDir(assets, "static", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := assets.ReadFile(path)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}()

func staticHandler() http.Handler {
	sub, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// defaultPageSize is how many hits a page shows, unless the largest page
// a search may ask (SearchLimits.MaxLimit) is smaller.
const defaultPageSize = 20

// maxPage keeps the page within the index's comfortable depth.
func (s *Server) maxPage() int { return maxOffset / s.pageSize }

// pageFacets are the facets the search page offers, in order.
var pageFacets = []struct{ field, label string }{
	{"company", "Company"},
	{"job_family", "Job family"},
	{"team", "Team"},
	{"countries", "Country"},
	{"locations", "Location"},
	{"workplace_type", "Workplace"},
	{"employment_type", "Employment"},
}

// facetTop is how many values of a facet show before "more".
const facetTop = 8

// valueLabels spell out the normalised values of some fields.
var valueLabels = map[string]map[string]string{
	"employment_type": {"full_time": "Full time", "part_time": "Part time", "contract": "Contract",
		"temporary": "Temporary", "internship": "Internship", "other": "Other"},
	"workplace_type": {"onsite": "On-site", "hybrid": "Hybrid", "remote": "Remote"},
	"remote":         {"true": "Remote", "false": "Not remote"},
	"status":         {"open": "Open", "closed": "Closed"},
}

func valueLabel(field, value string) string {
	if l, ok := valueLabels[field][value]; ok {
		return l
	}
	return value
}

func fieldLabel(field string) string {
	for _, f := range pageFacets {
		if f.field == field {
			return f.label
		}
	}
	return strings.ReplaceAll(field, "_", " ")
}

// searchView is what the search page template shows.
type searchView struct {
	Title        string
	AssetVersion string
	Query        string
	Sort         string // "" (best match) or "newest"
	Error        string
	Active       []activeFilter
	Facets       []facetView
	Total        int
	From, To     int
	Hits         []hitView
	Page, Pages  int
	Prev, Next   string
	EmptyIndex   bool
}

type activeFilter struct {
	Label, Value, Remove string
}

type facetView struct {
	Field, Label string
	Top, More    []facetValue
	Active       bool
}

type facetValue struct {
	Param   string // field:value, the f parameter
	Label   string
	Count   int
	Checked bool
}

type hitView struct {
	ID, Title, Company string
	Locations          []string
	DatePosted, Date   string
	URL, Host          string
	// Snippet is the backend's excerpt around the matched words (already
	// HTML, with <mark>), else the start of the description as text.
	Snippet template.HTML
	Tags    []string
	Closed  bool
}

// searchPage is GET /: the search form, facets, hits and pages.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	view := searchView{Title: "Search postings", AssetVersion: assetVersion, Page: 1}
	v, err := queryValues(r)
	if err == nil {
		view.Query = strings.TrimSpace(v.Get("q"))
		if v.Get("sort") == "newest" {
			view.Sort = "newest"
		}
		err = s.search(r.Context(), v, &view)
	}
	status := http.StatusOK
	switch {
	case isClientError(err):
		status, view.Error = http.StatusBadRequest, clientMessage(err)
		if utf8.RuneCountInString(view.Query) > maxQueryLen {
			view.Query = clip(view.Query) // the page shows what it was asked, not all of it
		}
	case errors.Is(err, errBusy) || errors.Is(err, context.Canceled):
		w.Header().Set("Retry-After", retryAfter(s.limits.QueueTimeout))
		status, view.Error = http.StatusServiceUnavailable, "Too many searches at once; try again in a moment."
	case err != nil:
		s.log.Error("search page failed", "error", err)
		status, view.Error = http.StatusInternalServerError, "The search failed; the daemon's log says why."
	}
	if view.Query != "" {
		view.Title = view.Query + " · postings"
	}
	s.render(w, status, "search", view)
}

// search runs the page's queries and fills view.
func (s *Server) search(ctx context.Context, v url.Values, view *searchView) error {
	if utf8.RuneCountInString(view.Query) > maxQueryLen {
		return badRequest("the search is longer than %d characters", maxQueryLen)
	}
	filters, err := parseFilters(v["f"])
	if err != nil {
		return err
	}
	maxPage := s.maxPage()
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxPage {
			return badRequest("page %s is not between 1 and %d", quoted(p), maxPage)
		}
		view.Page = n
	}
	base := index.Query{Text: view.Query, Filters: filters}
	if !base.HasFilter("status") {
		base.Filters = append(base.Filters, index.Filter{Field: "status", Values: []string{index.StatusOpen}})
	}
	if view.Sort == "newest" {
		base.Sort = []index.Sort{{Field: "date_posted", Desc: true}}
	}
	active := map[string][]string{}
	for _, f := range filters {
		active[f.Field] = f.Values
		for _, val := range f.Values {
			view.Active = append(view.Active, activeFilter{Label: fieldLabel(f.Field), Value: valueLabel(f.Field, val),
				Remove: pageURL(v, func(u url.Values) {
					u["f"] = slices.DeleteFunc(slices.Clone(u["f"]), func(s string) bool {
						return s == f.Field+":"+val || s == f.Field+"="+val
					})
				})})
		}
	}

	main := base
	main.Limit, main.Offset = s.pageSize, (view.Page-1)*s.pageSize
	for _, f := range pageFacets {
		if active[f.field] == nil {
			main.Facets = append(main.Facets, f.field)
		}
	}
	// One slot for all of the page's searches: the page and the API share
	// the cap, and a page under load waits its turn (or is turned away)
	// once, not once per facet.
	release, err := s.gate.enter(ctx)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	res, err := s.index.Search(ctx, main)
	if err != nil {
		return err
	}
	// A facet the search filters on counts its values without its own
	// filter, so that its other values stay visible and can be added (OR).
	counts := res.Facets
	for _, f := range pageFacets {
		if active[f.field] == nil {
			continue
		}
		q := base
		q.Filters = slices.DeleteFunc(slices.Clone(base.Filters), func(x index.Filter) bool { return x.Field == f.field })
		q.Facets, q.Limit, q.Sort = []string{f.field}, 1, nil
		other, err := s.index.Search(ctx, q)
		if err != nil {
			return err
		}
		counts[f.field] = other.Facets[f.field]
	}
	for _, f := range pageFacets {
		fv := facetView{Field: f.field, Label: f.label, Active: active[f.field] != nil}
		var vals []facetValue
		for val, n := range counts[f.field] {
			vals = append(vals, facetValue{Param: f.field + ":" + val, Label: valueLabel(f.field, val), Count: n,
				Checked: slices.Contains(active[f.field], val)})
		}
		for _, val := range active[f.field] {
			if _, ok := counts[f.field][val]; !ok {
				vals = append(vals, facetValue{Param: f.field + ":" + val, Label: valueLabel(f.field, val), Checked: true})
			}
		}
		slices.SortFunc(vals, func(a, b facetValue) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Label, b.Label)
		})
		if len(vals) < 2 && !fv.Active {
			continue // one value tells nothing
		}
		for _, fvv := range vals {
			if len(fv.Top) < facetTop || fvv.Checked {
				fv.Top = append(fv.Top, fvv)
			} else {
				fv.More = append(fv.More, fvv)
			}
		}
		view.Facets = append(view.Facets, fv)
	}

	view.Total = res.Total
	view.Pages = max(1, (res.Total+s.pageSize-1)/s.pageSize)
	if len(res.Hits) > 0 {
		view.From, view.To = main.Offset+1, main.Offset+len(res.Hits)
	}
	for _, h := range res.Hits {
		view.Hits = append(view.Hits, newHitView(h))
	}
	if view.Page > 1 {
		view.Prev = pageURL(v, func(u url.Values) { setPage(u, view.Page-1) })
	}
	if view.Page < view.Pages && view.Page < maxPage {
		view.Next = pageURL(v, func(u url.Values) { setPage(u, view.Page+1) })
	}
	if res.Total == 0 && view.Query == "" && len(filters) == 0 {
		if st, err := s.index.Stats(ctx); err == nil && st.Documents == 0 {
			view.EmptyIndex = true
		}
	}
	return nil
}

func setPage(u url.Values, n int) {
	if n <= 1 {
		u.Del("page")
	} else {
		u.Set("page", strconv.Itoa(n))
	}
}

// pageURL is the search page's URL with v changed by change. Any change
// but paging goes back to the first page.
func pageURL(v url.Values, change func(url.Values)) string {
	u := url.Values{}
	for _, k := range []string{"q", "f", "sort"} {
		for _, val := range v[k] {
			if val != "" {
				u.Add(k, val)
			}
		}
	}
	change(u)
	if len(u) == 0 {
		return "/"
	}
	return "/?" + u.Encode()
}

func newHitView(r index.Record) hitView {
	h := hitView{ID: r.ID, Title: r.Title, Company: r.Company, Locations: r.Locations, DatePosted: r.DatePosted,
		Date: displayDate(r), URL: webURL(r.URL), Host: host(r.URL), Snippet: hitSnippet(r),
		Closed: r.Status == index.StatusClosed}
	for _, t := range []string{r.JobFamily, valueLabel("workplace_type", r.WorkplaceType), valueLabel("employment_type", r.EmploymentType)} {
		if t != "" {
			h.Tags = append(h.Tags, t)
		}
	}
	return h
}

// displayDate is when the posting was published, or else first seen.
func displayDate(r index.Record) string {
	if t, err := time.Parse(time.DateOnly, r.DatePosted); err == nil {
		return t.Format("2 Jan 2006")
	}
	if !r.FirstSeen.IsZero() {
		return "seen " + r.FirstSeen.Format("2 Jan 2006")
	}
	return ""
}

// webURL is raw if it is an http(s) URL, else "": a crawled page decides
// where its links lead, and only web pages are worth a link.
func webURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return raw
}

func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// hitSnippet is the backend's snippet of a hit (index.Record.Snippet: HTML,
// escaped, with <mark> around the matched words), else the start of its
// description, escaped here. Defence in depth: a snippet holding any other
// markup than <mark> and </mark> is shown as text, not trusted.
func hitSnippet(r index.Record) template.HTML {
	if r.Snippet != "" && !strings.ContainsAny(markTags.Replace(r.Snippet), "<>") {
		return template.HTML(r.Snippet)
	}
	text := r.Snippet
	if text == "" {
		text = snippet(r.Description, 240)
	}
	return template.HTML(template.HTMLEscapeString(text))
}

var markTags = strings.NewReplacer("<mark>", "", "</mark>", "")

// snippet is the start of the text, cut at a word.
func snippet(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	cut := string([]rune(text)[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// postingView is what the posting page template shows.
type postingView struct {
	Title        string
	AssetVersion string
	Rec          index.Record
	Locations    string
	Date         string
	Host         string
	URL, Apply   string // http(s) only
	Facts        []fact
	Paragraphs   []string
}

type fact struct{ Label, Value string }

// postingPage is GET /postings/{id}: one posting, its text as text.
func (s *Server) postingPage(w http.ResponseWriter, r *http.Request) {
	if !utf8.ValidString(r.PathValue("id")) {
		s.render(w, http.StatusBadRequest, "message", messageView{Title: "Bad request", AssetVersion: assetVersion,
			Message: "The posting id is not valid UTF-8."})
		return
	}
	rec, err := s.getRecord(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, index.ErrNotFound):
		s.notFoundPage(w, r)
		return
	case err != nil:
		s.log.Error("posting page failed", "id", clip(r.PathValue("id")), "error", err)
		s.render(w, http.StatusInternalServerError, "message", messageView{Title: "Error", AssetVersion: assetVersion,
			Message: "The posting could not be read; the daemon's log says why."})
		return
	}
	view := postingView{Title: rec.Title, AssetVersion: assetVersion, Rec: rec, Locations: strings.Join(rec.Locations, "; "),
		Date: displayDate(rec), Host: host(rec.URL), URL: webURL(rec.URL), Apply: webURL(rec.ApplyURL)}
	add := func(label, value string) {
		if value != "" {
			view.Facts = append(view.Facts, fact{label, value})
		}
	}
	add("Job number", rec.JobNumber)
	add("Job family", rec.JobFamily)
	add("Team", rec.Team)
	add("Department", rec.Department)
	add("Employment", valueLabel("employment_type", rec.EmploymentType))
	add("Workplace", valueLabel("workplace_type", rec.WorkplaceType))
	add("Salary", salary(rec))
	add("Posted", rec.DatePosted)
	add("Apply by", rec.ValidThrough)
	if !rec.FirstSeen.IsZero() {
		add("First seen", rec.FirstSeen.Format("2 Jan 2006 15:04 MST"))
	}
	if !rec.LastSeen.IsZero() {
		add("Last seen", rec.LastSeen.Format("2 Jan 2006 15:04 MST"))
	}
	add("Status", valueLabel("status", rec.Status))
	for _, p := range strings.Split(rec.Description, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			view.Paragraphs = append(view.Paragraphs, p)
		}
	}
	s.render(w, http.StatusOK, "posting", view)
}

func salary(r index.Record) string {
	if r.SalaryMin == 0 && r.SalaryMax == 0 {
		return ""
	}
	amount := func(f float64) string {
		s := strconv.FormatFloat(f, 'f', 0, 64)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	out := amount(r.SalaryMin)
	if r.SalaryMax > r.SalaryMin {
		out += "–" + amount(r.SalaryMax)
	}
	if r.SalaryCurrency != "" {
		out = r.SalaryCurrency + " " + out
	}
	if r.SalaryPeriod != "" {
		out += " per " + strings.ToLower(r.SalaryPeriod)
	}
	return out
}

// messageView is a page that only says something (not found, error).
type messageView struct {
	Title, AssetVersion, Message string
}

func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeError(w, http.StatusNotFound, "no such endpoint: "+clip(r.Method)+" "+quoted(r.URL.Path))
		return
	}
	s.render(w, http.StatusNotFound, "message", messageView{Title: "Not found", AssetVersion: assetVersion,
		Message: "There is nothing here. The posting may have been removed from the index."})
}

// render executes a page template into a buffer first, so that a failing
// template never leaves half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render page", "template", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Defence in depth: the templates escape everything crawled, and even
	// if markup slipped through, no inline script or foreign resource runs.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
