package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/jobcrawl/jobcrawl/extract"
)

// This file is what `jobcrawl add URL` knows: which careers URLs and pages
// belong to a platform jobcrawl reads, and how to crawl a site that shows
// a schema.org JobPosting on its posting pages.

// A Suggestion is a site configuration proposed for a careers URL, and how
// it was found.
type Suggestion struct {
	Site Site
	// How says what was recognised ("the URL of a Greenhouse board").
	How string
	// Notes are things to check before relying on the site.
	Notes []string
}

// ErrNotRecognized: the URL is no platform's and its page shows no posting.
var ErrNotRecognized = errors.New("not recognised")

var platformTitles = map[string]string{"greenhouse": "Greenhouse", "lever": "Lever", "ashby": "Ashby",
	"smartrecruiters": "SmartRecruiters", "workday": "Workday", "eightfold": "Eightfold", "eightfold-v2": "Eightfold"}

var (
	workdayHost   = regexp.MustCompile(`^([a-z0-9-]+)\.(wd\d+)\.myworkdayjobs\.com$`)
	workdayLocale = regexp.MustCompile(`^[a-z]{2}-[A-Z]{2}$`)
	eightfoldHost = regexp.MustCompile(`^([a-z0-9-]+)\.eightfold\.ai$`)
)

// RecognizeURL tells the platform board a URL belongs to: a board's page
// (boards.greenhouse.io/acme, jobs.lever.co/acme, jobs.ashbyhq.com/acme,
// careers.smartrecruiters.com/Acme, acme.wd5.myworkdayjobs.com/External,
// acme.eightfold.ai/careers), one of its postings, or its API. It makes no
// request.
func RecognizeURL(raw string) (Suggestion, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		if u, err = url.Parse("https://" + strings.TrimSpace(raw)); err != nil || u.Host == "" {
			return Suggestion{}, false
		}
	}
	host := strings.ToLower(u.Hostname())
	segs := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	seg := func(i int) string {
		if i < len(segs) {
			return segs[i]
		}
		return ""
	}
	s := Site{}
	switch host {
	case "boards.greenhouse.io", "job-boards.greenhouse.io", "boards.eu.greenhouse.io", "job-boards.eu.greenhouse.io",
		"boards-api.greenhouse.io":
		s.Platform = "greenhouse"
		switch {
		case u.Query().Get("for") != "":
			s.Board = u.Query().Get("for") // the embed: /embed/job_board?for=acme
		case host == "boards-api.greenhouse.io" && seg(0) == "v1" && seg(1) == "boards":
			s.Board = seg(2)
		case seg(0) != "embed":
			s.Board = seg(0)
		}
	case "jobs.lever.co", "jobs.eu.lever.co", "api.lever.co", "api.eu.lever.co":
		s.Platform = "lever"
		if strings.HasPrefix(host, "api.") {
			if seg(0) == "v0" && seg(1) == "postings" {
				s.Board = seg(2)
			}
		} else {
			s.Board = seg(0)
		}
		if strings.Contains(host, ".eu.") {
			s.APIURL = "https://api.eu.lever.co"
		}
	case "jobs.ashbyhq.com", "api.ashbyhq.com":
		s.Platform = "ashby"
		if host == "api.ashbyhq.com" {
			if seg(0) == "posting-api" && seg(1) == "job-board" {
				s.Board = seg(2)
			}
		} else {
			s.Board = seg(0)
		}
	case "careers.smartrecruiters.com", "jobs.smartrecruiters.com", "api.smartrecruiters.com":
		s.Platform = "smartrecruiters"
		if host == "api.smartrecruiters.com" {
			if seg(0) == "v1" && seg(1) == "companies" {
				s.Board = seg(2)
			}
		} else {
			s.Board = seg(0)
		}
	case "apply.careers.microsoft.com", "jobs.careers.microsoft.com", "careers.microsoft.com":
		s.Platform, s.Board = "eightfold", "microsoft.com"
		if host != "apply.careers.microsoft.com" {
			s.APIURL = "https://apply.careers.microsoft.com"
		}
	default:
		if m := workdayHost.FindStringSubmatch(host); m != nil {
			s.Platform = "workday"
			i := 0
			if workdayLocale.MatchString(seg(0)) {
				i = 1
			}
			switch {
			case seg(0) == "wday" && seg(1) == "cxs":
				s.Board = m[1] + "." + m[2] + "/" + seg(3)
			case seg(i) != "":
				s.Board = m[1] + "." + m[2] + "/" + seg(i)
			}
		} else if m := eightfoldHost.FindStringSubmatch(host); m != nil && !eightfoldService[m[1]] {
			s.Platform = "eightfold"
			s.Board = u.Query().Get("domain")
			if s.Board == "" {
				s.Board = m[1] + ".com"
			}
		}
	}
	if s.Platform == "" || s.Board == "" {
		return Suggestion{}, false
	}
	sug := Suggestion{Site: s, How: "the URL of " + aBoard(s.Platform)}
	if s.Platform == "eightfold" && u.Query().Get("domain") == "" && s.Board != "microsoft.com" {
		sug.Notes = append(sug.Notes, fmt.Sprintf("board is the employer's domain as Eightfold knows it; %s is a guess from the host: "+
			"check it against the domain= of the careers page's requests", s.Board))
	}
	if s.Platform == "eightfold" {
		sug.Notes = append(sug.Notes, `if a run fails with 403 "PCSX is not enabled", the tenant runs Eightfold's older interface: use platform: eightfold-v2`)
	}
	sug.Site.Name, sug.Site.Company = nameFor(s), companyFor(s)
	return sug, true
}

// aBoard is "a Greenhouse board", "an Ashby board".
func aBoard(platform string) string {
	t := platformTitles[platform]
	if strings.ContainsRune("AEIOU", rune(t[0])) {
		return "an " + t + " board"
	}
	return "a " + t + " board"
}

// eightfoldService are eightfold.ai hosts of Eightfold itself, not of an employer.
var eightfoldService = map[string]bool{"www": true, "app": true, "api": true, "static": true, "cdn": true, "login": true, "status": true}

// nameFor proposes a site name: the board's, lowercased.
func nameFor(s Site) string {
	b := s.Board
	switch s.Platform {
	case "workday":
		b = strings.SplitN(b, ".", 2)[0]
	case "eightfold", "eightfold-v2":
		b = strings.SplitN(b, ".", 2)[0]
	}
	return siteNameOf(b)
}

// siteNameOf makes a valid site name of any text.
func siteNameOf(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// companyFor proposes the company's name from the board: "acme" → "Acme".
func companyFor(s Site) string {
	b := nameFor(s)
	words := strings.Split(b, "-")
	for i, w := range words {
		if w != "" {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			words[i] = string(r)
		}
	}
	return strings.Join(words, " ")
}

// maxOnboardPage bounds a page fetched to recognise it.
const maxOnboardPage = 8 << 20

// platformURL finds URLs of platform boards in a page: links, embeds,
// scripts and iframes.
var platformURL = regexp.MustCompile(`(?i)https?:(?://|\\/\\/)[a-z0-9.-]*(?:greenhouse\.io|lever\.co|ashbyhq\.com|smartrecruiters\.com|myworkdayjobs\.com|eightfold\.ai)[^"'\s<>)\\]*`)

var (
	eightfoldMark   = regexp.MustCompile(`(?i)eightfold`)
	eightfoldDomain = regexp.MustCompile(`[?&;"']domain["']?\s*[=:]\s*["']?([a-z0-9-]+(?:\.[a-z0-9-]+)+)`)
)

// Suggest proposes a site for a careers URL: the platform its URL names;
// else the platform its page embeds or links to; else, when the page is a
// posting with schema.org JobPosting data, the site's sitemap filtered to
// URLs like the posting's. client makes the requests (nil: a client with a
// 30s timeout).
func Suggest(ctx context.Context, raw string, client *http.Client, userAgent string) (Suggestion, error) {
	if sug, ok := RecognizeURL(raw); ok {
		if err := sug.Site.Validate(); err != nil {
			return sug, err
		}
		return sug, nil
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Suggestion{}, fmt.Errorf("%q is not an http(s) URL", raw)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if userAgent == "" {
		userAgent = DefaultUserAgent
	}
	page, final, err := fetch(ctx, client, userAgent, u.String())
	if err != nil {
		return Suggestion{}, err
	}

	// a platform the page embeds or links to: the board most often named
	counts := map[string]int{}
	found := map[string]Suggestion{}
	for _, m := range platformURL.FindAll(page, -1) {
		ref := strings.ReplaceAll(string(m), `\/`, "/")
		ref = strings.NewReplacer("&amp;", "&").Replace(ref)
		if sug, ok := RecognizeURL(ref); ok {
			key := sug.Site.Platform + " " + sug.Site.Board
			counts[key]++
			found[key] = sug
		}
	}
	if len(counts) > 0 {
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return counts[keys[i]] > counts[keys[j]] || counts[keys[i]] == counts[keys[j]] && keys[i] < keys[j]
		})
		sug := found[keys[0]]
		sug.How = fmt.Sprintf("the page (%s) embeds or links to %s", final, aBoard(sug.Site.Platform))
		if len(keys) > 1 {
			sug.Notes = append(sug.Notes, fmt.Sprintf("the page also names %s", strings.Join(keys[1:], ", ")))
		}
		return sug, sug.Site.Validate()
	}
	// an Eightfold site on the employer's own host
	if eightfoldMark.Match(page) {
		if m := eightfoldDomain.FindSubmatch(page); m != nil {
			fu, _ := url.Parse(final)
			s := Site{Platform: "eightfold", Board: strings.ToLower(string(m[1])), APIURL: fu.Scheme + "://" + fu.Host}
			s.Name, s.Company = nameFor(s), companyFor(s)
			sug := Suggestion{Site: s, How: fmt.Sprintf("the page (%s) is an Eightfold career site", final), Notes: []string{
				`if a run fails with 403 "PCSX is not enabled", the tenant runs Eightfold's older interface: use platform: eightfold-v2`}}
			return sug, s.Validate()
		}
	}
	// a posting with structured data: find its siblings in the sitemap
	return suggestSitemap(ctx, client, userAgent, final, page)
}

// suggestSitemap proposes a sitemap source for a site whose posting page
// (at pageURL) carries a JobPosting: the sitemaps robots.txt names (else
// /sitemap.xml), filtered to the URLs that look like the posting's.
func suggestSitemap(ctx context.Context, client *http.Client, ua, pageURL string, page []byte) (Suggestion, error) {
	postings, err := extract.Parse(bytes.NewReader(page), extract.Options{URL: pageURL})
	if len(postings) == 0 {
		reason := "no platform board, and no job posting on the page"
		if err != nil {
			reason += " (" + err.Error() + ")"
		}
		return Suggestion{}, fmt.Errorf("%s: %w: %s; configure its result pages by hand (start_urls, pagination, job_links)", pageURL, ErrNotRecognized, reason)
	}
	p := postings[0]
	pu, _ := url.Parse(pageURL)
	match := postingPattern(pu, p.JobNumber)

	origin := pu.Scheme + "://" + pu.Host
	var sitemaps []string
	if robots, _, err := fetch(ctx, client, ua, origin+"/robots.txt"); err == nil {
		for _, line := range strings.Split(string(robots), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "sitemap") {
				if v = strings.TrimSpace(v); v != "" {
					sitemaps = append(sitemaps, v)
				}
			}
		}
	}
	if len(sitemaps) == 0 {
		sitemaps = []string{origin + "/sitemap.xml"}
	}
	re := regexp.MustCompile(match)
	matched, sample := 0, ""
	var usable []string
	for _, sm := range sitemaps {
		n, first := countSitemap(ctx, client, ua, sm, re, 2)
		if n > 0 {
			usable = append(usable, sm)
			matched += n
			if sample == "" {
				sample = first
			}
		}
	}
	company := p.Company
	s := Site{Name: siteNameOf(company), Company: company, Source: SourceSitemap,
		Sitemap: &SitemapSource{URLs: usable, Match: match}}
	if s.Name == "" {
		s.Name = siteNameOf(strings.TrimPrefix(pu.Hostname(), "www."))
	}
	if matched == 0 {
		return Suggestion{Site: s}, fmt.Errorf("%s: %w as a sitemap site: a %s posting (job %s), but no sitemap (%s) lists URLs like it (%s); configure its result pages by hand (start_urls, pagination, job_links)",
			pageURL, ErrNotRecognized, describeSources(p), p.JobNumber, strings.Join(sitemaps, ", "), match)
	}
	sug := Suggestion{Site: s, How: fmt.Sprintf("the page is a %s posting (job %s, %q), and the sitemap lists %d URLs like it (%s)",
		describeSources(p), p.JobNumber, p.Title, matched, sample)}
	sug.Notes = append(sug.Notes, "match is a guess from the posting's URL: check that it selects postings only")
	return sug, s.Validate()
}

func describeSources(p extract.Posting) string {
	switch p.Sources["title"] {
	case extract.SourceJSONLD:
		return "schema.org JSON-LD"
	case extract.SourceMicrodata, extract.SourceRDFa:
		return "schema.org " + string(p.Sources["title"])
	}
	return "careers page"
}

// postingPattern turns a posting's URL into a pattern of its siblings':
// the path up to the segment holding the job number, on the same host.
func postingPattern(u *url.URL, jobNumber string) string {
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	prefix := ""
	for i, sg := range segs {
		if jobNumber != "" && strings.Contains(sg, jobNumber) {
			prefix = "/" + strings.Join(segs[:i], "/")
			break
		}
	}
	if prefix == "" && len(segs) > 1 {
		prefix = "/" + strings.Join(segs[:len(segs)-1], "/")
	}
	prefix = strings.TrimSuffix(prefix, "/") + "/"
	return "^https?://" + regexp.QuoteMeta(u.Host) + regexp.QuoteMeta(prefix) + "[^/?#]+"
}

// countSitemap counts the URLs of a sitemap (following an index down
// depth levels) that match re, and returns the first.
func countSitemap(ctx context.Context, client *http.Client, ua, sm string, re *regexp.Regexp, depth int) (int, string) {
	body, _, err := fetch(ctx, client, ua, sm)
	if err != nil {
		return 0, ""
	}
	urls, children, err := parseSitemap(body)
	if err != nil {
		return 0, ""
	}
	n, first := 0, ""
	for _, u := range urls {
		if re.MatchString(u) {
			n++
			if first == "" {
				first = u
			}
		}
	}
	if depth > 0 {
		for i, c := range children {
			if i == 20 {
				break // enough to tell
			}
			m, f := countSitemap(ctx, client, ua, c, re, depth-1)
			n += m
			if first == "" {
				first = f
			}
		}
	}
	return n, first
}

// fetch GETs a URL and returns its body (at most maxOnboardPage bytes) and
// the URL it was served from after redirects.
func fetch(ctx context.Context, client *http.Client, ua, raw string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("User-Agent", ua)
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("%s: %s", raw, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOnboardPage))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", raw, err)
	}
	return body, resp.Request.URL.String(), nil
}
