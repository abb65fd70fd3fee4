// Package demosite is a small synthetic careers site: paginated result pages
// that link to one page per posting, in the three markups real sites use
// (schema.org JSON-LD, microdata, and the labelled text of classic careers
// pages), with the duplicates real listings have (a job on two pages, a
// tracking parameter on a link). The crawler's end-to-end tests run against
// it, and `jobcrawl crawl --demo` crawls it so a newcomer sees jobcrawl work
// with no network. It knows its own truth, so tests compare against it.
package demosite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Job is one posting of the site.
type Job struct {
	Number         string
	ReqID          string
	Title          string
	Family, Team   string
	Employment     string // schema.org employmentType
	Workplace      string // onsite, hybrid, remote
	Locations      []Place
	Posted         time.Time
	SalaryMin      int
	SalaryMax      int
	Currency       string
	Style          string // jsonld, microdata or labels
	Description    []string
	Qualifications []string
	// Modified is the page's Last-Modified (zero: Posted). Change sets it.
	Modified time.Time
}

// Place is a city, region and country, or for remote work a country.
type Place struct {
	City, Region, Country, Code string
	Remote                      bool
}

// String is the location as the pages show it and jobcrawl records it.
func (p Place) String() string {
	if p.Remote {
		return "Remote, " + p.Country
	}
	parts := []string{p.City}
	if p.Region != "" {
		parts = append(parts, p.Region)
	}
	return strings.Join(append(parts, p.Country), ", ")
}

// LocationStrings are the job's locations as strings.
func (j *Job) LocationStrings() []string {
	var out []string
	for _, p := range j.Locations {
		out = append(out, p.String())
	}
	return out
}

// Path is the job's detail page.
func (j *Job) Path() string { return "/jobs/" + j.Number + "/" + slug(j.Title) }

// Options shape a generated site.
type Options struct {
	Jobs    int    // unique jobs (default 45)
	PerPage int    // cards per result page (default 10)
	Seed    uint64 // everything generated follows from it
	Company string // default "Contoso"
	// Dups is how many jobs are listed a second time on a later page (every
	// other one under a tracking parameter); default Jobs/8.
	Dups int
	// SlugDups lists the duplicates under another slug instead
	// (/jobs/{num}/{slug}-legacy): another URL of the same page, fetched again.
	SlugDups bool
	// Styles cycles the detail page markup over the jobs (default jsonld,
	// microdata, labels).
	Styles []string
}

// Site is a generated careers site.
type Site struct {
	Company string
	Jobs    []*Job // newest first
	cards   []card
	perPage int

	mu      sync.Mutex
	removed map[string]bool         // job numbers taken down (404)
	hooks   map[string]http.Handler // path → handler run instead of the page
	hits    map[string]int          // requests per path
	log     []Request
}

// Request is one request the site answered.
type Request struct {
	At          time.Time // when it arrived
	URI         string    // path and query
	Host        string    // the Host header
	Status      int
	IfNoneMatch string // the conditional request's header, if any
}

// card is one entry of the result pages: a job under one of its URLs.
type card struct {
	Job  *Job
	Href string
}

var (
	families = []struct{ name, teams, roles string }{
		{"Software Engineering", "Cloud|Developer Tools|Identity", "Software Engineer|Backend Engineer|Site Reliability Engineer"},
		{"Data Science", "Applied AI|Analytics", "Data Scientist|Machine Learning Engineer"},
		{"Sales", "Enterprise Sales|Partner Sales", "Account Executive|Sales Engineer"},
		{"Design", "Product Design|Research", "Product Designer|UX Researcher"},
		{"Finance", "Accounting|Tax", "Financial Analyst|Senior Accountant"},
	}
	places = []Place{
		{City: "Houston", Region: "TX", Country: "United States", Code: "US"},
		{City: "Redmond", Region: "WA", Country: "United States", Code: "US"},
		{City: "Toronto", Region: "ON", Country: "Canada", Code: "CA"},
		{City: "London", Region: "England", Country: "United Kingdom", Code: "GB"},
		{City: "Berlin", Country: "Germany", Code: "DE"},
		{City: "Paris", Region: "Île-de-France", Country: "France", Code: "FR"},
		{City: "Bengaluru", Region: "Karnataka", Country: "India", Code: "IN"},
	}
	employments = []string{"FULL_TIME", "FULL_TIME", "FULL_TIME", "PART_TIME", "CONTRACTOR", "INTERN"}
	workplaces  = []string{"onsite", "onsite", "hybrid", "remote"}
)

// New generates a site.
func New(o Options) *Site {
	if o.Jobs <= 0 {
		o.Jobs = 45
	}
	if o.PerPage <= 0 {
		o.PerPage = 10
	}
	if o.Company == "" {
		o.Company = "Contoso"
	}
	if o.Dups == 0 {
		o.Dups = o.Jobs / 8
	}
	if len(o.Styles) == 0 {
		o.Styles = []string{"jsonld", "microdata", "labels"}
	}
	r := rand.New(rand.NewPCG(o.Seed, 7))
	s := &Site{Company: o.Company, perPage: o.PerPage, removed: map[string]bool{}, hooks: map[string]http.Handler{},
		hits: map[string]int{}}
	today := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	used := map[string]bool{}
	for i := range o.Jobs {
		f := families[r.IntN(len(families))]
		num := strconv.Itoa(200000 + r.IntN(800000))
		for used[num] {
			num = strconv.Itoa(200000 + r.IntN(800000))
		}
		used[num] = true
		j := &Job{
			Number: num, ReqID: strconv.Itoa(1000000 + r.IntN(9000000)),
			Title: pick(r, strings.Split(f.roles, "|")), Family: f.name, Team: pick(r, strings.Split(f.teams, "|")),
			Employment: pick(r, employments), Workplace: pick(r, workplaces),
			Posted: today.AddDate(0, 0, -i), Style: o.Styles[i%len(o.Styles)],
		}
		if r.IntN(3) == 0 {
			j.Title = "Senior " + j.Title
		}
		n := 1 + r.IntN(2)
		for _, k := range r.Perm(len(places))[:n] {
			p := places[k]
			if j.Workplace == "remote" {
				p = Place{Country: p.Country, Code: p.Code, Remote: true}
			}
			if !slices.Contains(j.Locations, p) {
				j.Locations = append(j.Locations, p)
			}
		}
		if r.IntN(2) == 0 {
			j.SalaryMin = 80000 + 1000*r.IntN(60)
			j.SalaryMax = j.SalaryMin + 30000
			j.Currency = "USD"
		}
		j.Description = []string{
			"About the role",
			fmt.Sprintf("You will join the %s team at %s and build things that matter.", j.Team, o.Company),
			"Responsibilities",
		}
		j.Qualifications = []string{
			fmt.Sprintf("%d+ years of experience in %s", 2+r.IntN(6), strings.ToLower(f.name)),
			"Clear written communication",
		}
		s.Jobs = append(s.Jobs, j)
	}
	for _, j := range s.Jobs {
		s.cards = append(s.cards, card{Job: j, Href: j.Path()})
	}
	// duplicates: later in the listing, every other one with a tracking parameter
	for k := range min(o.Dups, len(s.Jobs)) {
		j := s.Jobs[k]
		href := j.Path()
		switch {
		case o.SlugDups:
			href += "-legacy"
		case k%2 == 0:
			href += "?utm_source=newsletter&src=featured"
		}
		at := min(len(s.cards), (k/o.PerPage+1)*o.PerPage+o.PerPage/2+k%o.PerPage)
		s.cards = slices.Insert(s.cards, at, card{Job: j, Href: href})
	}
	return s
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func slug(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(c rune) bool {
		return (c < 'a' || c > 'z') && (c < '0' || c > '9')
	}), "-")
}

// Pages is the number of result pages.
func (s *Site) Pages() int { return (len(s.cards) + s.perPage - 1) / s.perPage }

// Cards is the number of cards on the result pages, duplicates included.
func (s *Site) Cards() int { return len(s.cards) }

// Open returns the jobs not removed.
func (s *Site) Open() []*Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Job
	for _, j := range s.Jobs {
		if !s.removed[j.Number] {
			out = append(out, j)
		}
	}
	return out
}

// Remove takes a job down: it leaves the listing and its page answers 404.
func (s *Site) Remove(number string) {
	s.mu.Lock()
	s.removed[number] = true
	s.mu.Unlock()
}

// Add lists a new job first.
func (s *Site) Add(j *Job) {
	s.mu.Lock()
	s.Jobs = append([]*Job{j}, s.Jobs...)
	s.cards = append([]card{{Job: j, Href: j.Path()}}, s.cards...)
	s.mu.Unlock()
}

// Change edits a job (under the site's lock) and marks its page modified
// now. edit must replace the job's slices, not write into them: pages being
// served may be reading the old ones.
func (s *Site) Change(number string, edit func(*Job)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.Jobs {
		if j.Number == number {
			edit(j)
			j.Modified = time.Now().UTC().Truncate(time.Second)
		}
	}
}

// Restore lists a removed job again.
func (s *Site) Restore(number string) {
	s.mu.Lock()
	delete(s.removed, number)
	s.mu.Unlock()
}

// Log returns the requests answered so far, in order of arrival.
func (s *Site) Log() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// MaxPerSecond is the most requests that arrived within any one second
// (counted as the jobsite benchmark server counts them).
func MaxPerSecond(log []Request) int {
	best := 0
	for i, lo := 0, 0; i < len(log); i++ {
		for log[i].At.Sub(log[lo].At) >= time.Second {
			lo++
		}
		best = max(best, i-lo+1)
	}
	return best
}

// Hook makes requests for path (with its query, as requested) answer with h instead.
func (s *Site) Hook(path string, h http.Handler) {
	s.mu.Lock()
	if h == nil {
		delete(s.hooks, path)
	} else {
		s.hooks[path] = h
	}
	s.mu.Unlock()
}

// Hits is how many requests path (with its query) received.
func (s *Site) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// TotalHits is the number of requests of every path starting with prefix.
func (s *Site) TotalHits(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// Handler serves the site: /careers?page=N (result pages), /jobs/{num}/{slug}
// (posting pages, with ETag and Last-Modified, answering conditional
// requests with 304), /robots.txt (which disallows /private/). Every
// request is logged (see Log) and may be hooked (see Hook).
func (s *Site) Handler() http.Handler {
	return s.hooked(s.Unhooked())
}

// Unhooked serves the site's pages without hooks or logging: a hook that
// fails some requests serves the others with it.
func (s *Site) Unhooked() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /careers", s.serveList)
	mux.HandleFunc("GET /jobs/{num}/{slug}", s.serveJob)
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("GET /private/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "a crawler that obeys robots.txt never comes here", http.StatusForbidden)
	})
	return mux
}

func (s *Site) hooked(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.RequestURI()
		s.mu.Lock()
		s.hits[key]++
		s.log = append(s.log, Request{At: time.Now(), URI: key, Host: r.Host, IfNoneMatch: r.Header.Get("If-None-Match")})
		i := len(s.log) - 1
		h := s.hooks[key]
		if h == nil {
			h = s.hooks[r.URL.Path]
		}
		s.mu.Unlock()
		rec := &statusRecorder{ResponseWriter: w}
		if h != nil {
			h.ServeHTTP(rec, r)
		} else {
			mux.ServeHTTP(rec, r)
		}
		s.mu.Lock()
		s.log[i].Status = rec.status
		s.mu.Unlock()
	})
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (Flush, Hijack).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// StartURL is the first result page under base.
func StartURL(base string) string { return base + "/careers?page=1" }

func (s *Site) serveList(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	s.mu.Lock()
	var cards []card
	for _, c := range s.cards {
		if !s.removed[c.Job.Number] {
			cards = append(cards, c)
		}
	}
	s.mu.Unlock()
	last := (len(cards) + s.perPage - 1) / s.perPage
	data := map[string]any{"Company": s.Company, "Page": n}
	if lo := (n - 1) * s.perPage; lo < len(cards) {
		data["Cards"] = cards[lo:min(lo+s.perPage, len(cards))]
	}
	if n < last {
		data["Next"] = "/careers?page=" + strconv.Itoa(n+1)
	}
	if n > 1 {
		data["Prev"] = "/careers?page=" + strconv.Itoa(n-1)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, "list", data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (s *Site) serveJob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var job *Job
	for _, j := range s.Jobs {
		if j.Number == r.PathValue("num") && !s.removed[j.Number] {
			c := *j
			job = &c
		}
	}
	s.mu.Unlock()
	if job == nil {
		http.NotFound(w, r)
		return
	}
	data := map[string]any{"Company": s.Company, "Job": job, "Canonical": "http://" + r.Host + job.Path(),
		"Locations": job.LocationStrings(), "Posted": job.Posted.Format("Jan 2, 2006"), "Date": job.Posted.Format(time.DateOnly)}
	if job.Style == "jsonld" {
		data["LD"] = template.JS(jsonLD(s.Company, job, "http://"+r.Host))
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, job.Style, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	// validators, so re-crawls can ask conditionally and get 304
	sum := sha256.Sum256(buf.Bytes())
	modified := job.Modified
	if modified.IsZero() {
		modified = job.Posted
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	http.ServeContent(w, r, "", modified, bytes.NewReader(buf.Bytes()))
}

func jsonLD(company string, j *Job, base string) string {
	type obj = map[string]any
	var locs []any
	for _, p := range j.Locations {
		if p.Remote {
			continue
		}
		addr := obj{"@type": "PostalAddress", "addressLocality": p.City, "addressCountry": p.Code}
		if p.Region != "" {
			addr["addressRegion"] = p.Region
		}
		locs = append(locs, obj{"@type": "Place", "address": addr})
	}
	ld := obj{"@context": "https://schema.org", "@type": "JobPosting", "title": j.Title,
		"identifier":           obj{"@type": "PropertyValue", "name": company, "value": j.Number},
		"hiringOrganization":   obj{"@type": "Organization", "name": company, "department": obj{"name": j.Team}},
		"occupationalCategory": j.Family, "employmentType": j.Employment, "datePosted": j.Posted.Format(time.DateOnly),
		"description": "<p>" + strings.Join(j.Description, "</p><p>") + "</p>", "url": base + j.Path(),
		"qualifications": strings.Join(j.Qualifications, "\n")}
	if j.Workplace == "remote" {
		var countries []any
		for _, p := range j.Locations {
			countries = append(countries, obj{"@type": "Country", "name": p.Code})
		}
		ld["jobLocationType"], ld["applicantLocationRequirements"] = "TELECOMMUTE", countries
	} else if len(locs) == 1 {
		ld["jobLocation"] = locs[0]
	} else {
		ld["jobLocation"] = locs
	}
	if j.SalaryMax > 0 {
		ld["baseSalary"] = obj{"@type": "MonetaryAmount", "currency": j.Currency,
			"value": obj{"@type": "QuantitativeValue", "minValue": j.SalaryMin, "maxValue": j.SalaryMax, "unitText": "YEAR"}}
	}
	b, _ := json.Marshal(ld)
	return string(b)
}

// Truth is what a correct crawl of the site finds.
type Truth struct {
	JobNumbers []string
	Facets     map[string]map[string]int // job_family, team, countries, locations, workplace_type
}

// Truth returns what is listed now.
func (s *Site) Truth() Truth {
	t := Truth{Facets: map[string]map[string]int{"job_family": {}, "team": {}, "countries": {}, "locations": {}, "workplace_type": {}}}
	for _, j := range s.Open() {
		t.JobNumbers = append(t.JobNumbers, j.Number)
		t.Facets["job_family"][j.Family]++
		t.Facets["team"][j.Team]++
		t.Facets["workplace_type"][j.Workplace]++
		countries := map[string]bool{}
		for _, p := range j.Locations {
			t.Facets["locations"][p.String()]++
			if !countries[p.Country] {
				countries[p.Country] = true
				t.Facets["countries"][p.Country]++
			}
		}
	}
	slices.Sort(t.JobNumbers)
	return t
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"label": func(e string) string {
		return map[string]string{"FULL_TIME": "Full time", "PART_TIME": "Part time", "CONTRACTOR": "Contract", "INTERN": "Internship"}[e]
	},
}).Parse(`
{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}}</title>{{end}}

{{define "list"}}{{template "head" (print "Careers at " .Company)}}</head>
<body><header><a href="/">{{.Company}}</a> <a href="/private/login">Sign in</a></header>
<main><h1>Open positions</h1><ul class="results">
{{range .Cards}}<li class="card"><a class="job-title" href="{{.Href}}">{{.Job.Title}}</a> <span class="loc">{{index .Job.Locations 0}}</span></li>
{{end}}</ul>
<nav class="pager">{{with .Prev}}<a rel="prev" href="{{.}}">Previous</a>{{end}} {{with .Next}}<a rel="next" href="{{.}}">Next</a>{{end}}</nav>
</main></body></html>
{{end}}

{{define "facts"}}<dl class="facts">
<dt>Job #</dt><dd>{{.Job.Number}}</dd>
<dt>Requisition ID</dt><dd>{{.Job.ReqID}}</dd>
<dt>Locations</dt><dd><ul>{{range .Locations}}<li>{{.}}</li>{{end}}</ul></dd>
<dt>Job families</dt><dd>{{.Job.Family}}</dd>
<dt>Teams</dt><dd>{{.Job.Team}}</dd>
<dt>Employment type</dt><dd>{{label .Job.Employment}}</dd>
<dt>Work site</dt><dd>{{.Job.Workplace}}</dd>
<dt>Posted</dt><dd>{{.Posted}}</dd>
</dl>{{end}}

{{define "body"}}<div class="job-description">{{range .Job.Description}}<p>{{.}}</p>{{end}}
<h2>Qualifications</h2><ul>{{range .Job.Qualifications}}<li>{{.}}</li>{{end}}</ul></div>
<p><a href="/private/apply/{{.Job.Number}}">Apply</a></p>{{end}}

{{define "jsonld"}}{{template "head" (print .Job.Title " | " .Company " Careers")}}
<link rel="canonical" href="{{.Canonical}}">
<script type="application/ld+json">{{.LD}}</script></head>
<body><main><h1>{{.Job.Title}}</h1>{{template "facts" .}}{{template "body" .}}</main></body></html>
{{end}}

{{define "labels"}}{{template "head" (print .Job.Title " | " .Company " Careers")}}
<link rel="canonical" href="{{.Canonical}}"></head>
<body><main><h1>{{.Job.Title}}</h1>{{template "facts" .}}{{template "body" .}}</main></body></html>
{{end}}

{{define "microdata"}}{{template "head" (print .Job.Title " | " .Company " Careers")}}
<link rel="canonical" href="{{.Canonical}}"></head>
<body><main itemscope itemtype="https://schema.org/JobPosting">
<h1 itemprop="title">{{.Job.Title}}</h1>
<div itemprop="hiringOrganization" itemscope itemtype="https://schema.org/Organization"><meta itemprop="name" content="{{.Company}}"></div>
<meta itemprop="identifier" content="{{.Job.Number}}">
<meta itemprop="employmentType" content="{{.Job.Employment}}">
<meta itemprop="datePosted" content="{{.Date}}">
<meta itemprop="occupationalCategory" content="{{.Job.Family}}">
{{range .Job.Locations}}{{if .Remote}}<meta itemprop="jobLocationType" content="TELECOMMUTE"><span itemprop="applicantLocationRequirements" itemscope itemtype="https://schema.org/Country"><meta itemprop="name" content="{{.Country}}"></span>
{{else}}<span itemprop="jobLocation" itemscope itemtype="https://schema.org/Place"><span itemprop="address" itemscope itemtype="https://schema.org/PostalAddress"><span itemprop="addressLocality">{{.City}}</span>{{with .Region}}, <span itemprop="addressRegion">{{.}}</span>{{end}}, <span itemprop="addressCountry">{{.Country}}</span></span></span>
{{end}}{{end}}
<dl><dt>Teams</dt><dd>{{.Job.Team}}</dd><dt>Requisition ID</dt><dd>{{.Job.ReqID}}</dd><dt>Work site</dt><dd>{{.Job.Workplace}}</dd></dl>
<div itemprop="description">{{template "body" .}}</div>
</main></body></html>
{{end}}
`))
