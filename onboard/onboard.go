// Package onboard is what `jobcrawl add URL` knows: given a careers URL, it
// proposes the site block that crawls it. It asks the registry of
// platforms first (extract/ats: a board's URL names its platform, with no
// request made); else it fetches the page through the crawler's fetch
// layer — the same politeness as a crawl: robots.txt, the page's host
// only, timeouts, a size cap — and looks in it for an embedded board or a
// platform site on the employer's own host; else, given a posting with
// schema.org JobPosting data, it proposes the site's sitemaps filtered to
// URLs like the posting's; else, given a page that lists postings, it
// proposes an HTML site (html.go): the links that lead to postings, found
// by the page's structure, the way to the next result page (or the JSON
// endpoint a "load more" control reads), and a few postings fetched and
// extracted, with a confidence for each choice.
package onboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/crawler/fetch"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
	"github.com/jobcrawl/jobcrawl/index"
)

// A Suggestion is a site configuration proposed for a careers URL, and how
// it was found.
type Suggestion struct {
	Site crawler.Site `json:"site"`
	// How says what was recognised ("the URL of a Greenhouse board").
	How string `json:"how"`
	// Notes are things to check before relying on the site.
	Notes []string `json:"notes,omitempty"`
	// Choices are the decisions made for a site found from its result
	// pages (job_links, pagination, json, fields.*), each with a confidence.
	Choices []Choice `json:"choices,omitempty"`
	// Samples are the postings fetched and extracted to check the choices.
	Samples []Sample `json:"samples,omitempty"`
	// Coverage is, per field (SampleFields), the share of the samples that
	// gave it.
	Coverage []Choice `json:"coverage,omitempty"`
}

// ErrNotRecognized: the URL is no platform's, and its page lists no
// postings and is not a posting (a *NotFoundError says why).
var ErrNotRecognized = errors.New("not recognised")

// Options configure Suggest.
type Options struct {
	UserAgent string        // "": crawler.DefaultUserAgent
	Timeout   time.Duration // one request (0: 30s)
	Retries   int           // attempts after the first, for what may succeed later
}

// maxPage bounds a page fetched to recognise it.
const maxPage = 8 << 20

// Recognize proposes a site for a platform board's URL (a board's page,
// one of its postings, or its API), with no request.
func Recognize(raw string) (Suggestion, bool) {
	b, _, ok := ats.Recognize(raw)
	if !ok {
		return Suggestion{}, false
	}
	return fromBoard(b), true
}

func fromBoard(b ats.Board) Suggestion {
	s := crawler.Site{Name: b.Name, Company: b.Company, Platform: b.Platform, Board: b.Board, APIURL: b.APIURL}
	return Suggestion{Site: s, How: b.How, Notes: slices.Clone(b.Notes)}
}

// Suggest proposes a site for a careers URL: the platform its URL names;
// else the platform its page embeds or links to, or the platform site the
// page is; else, when the page lists postings, an HTML site that walks its
// result pages (or the JSON endpoint behind its "load more"); else, when
// the page is a posting, the site's sitemap filtered to URLs like it.
func Suggest(ctx context.Context, raw string, o Options) (Suggestion, error) {
	if sug, ok := Recognize(raw); ok {
		return sug, sug.Site.Validate()
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Suggestion{}, fmt.Errorf("%q is not an http(s) URL", raw)
	}
	c := &client{o: o.withDefaults(), byHost: map[string]*fetch.Fetcher{}, pages: map[string][]byte{}}
	page, final, err := c.get(ctx, u.String())
	if t, ok := offSiteRedirect(err); ok {
		// the careers page moved to another host (a platform's, often):
		// recognise that URL, or read it there
		if sug, ok := Recognize(t); ok {
			sug.How += fmt.Sprintf(" (%s redirects there)", u.Host)
			return sug, sug.Site.Validate()
		}
		page, final, err = c.get(ctx, t)
	}
	if err != nil {
		return Suggestion{}, err
	}

	// a platform the page embeds or links to: the board most often named
	counts := map[string]int{}
	found := map[string]Suggestion{}
	for _, ref := range ats.FindBoardURLs(page) {
		if sug, ok := Recognize(ref); ok {
			key := sug.Site.Platform + " " + sug.Site.Board
			counts[key]++
			found[key] = sug
		}
	}
	if len(counts) > 0 {
		keys := index.ByCount(counts)
		sug := found[keys[0]]
		sug.How = fmt.Sprintf("the page (%s) embeds or links to %s", final, ats.ABoard(sug.Site.Platform))
		if len(keys) > 1 {
			sug.Notes = append(sug.Notes, fmt.Sprintf("the page also names %s", strings.Join(keys[1:], ", ")))
		}
		return sug, sug.Site.Validate()
	}
	// a platform site on the employer's own host
	if b, _, ok := ats.RecognizePage(final, page); ok {
		sug := fromBoard(b)
		return sug, sug.Site.Validate()
	}
	// a page that lists postings (it is not one posting): its result pages
	postings, _ := extract.Parse(bytes.NewReader(page), extract.Options{URL: final})
	if len(postings) != 1 || postings[0].FromListing() {
		sug, err := c.suggestHTML(ctx, final, page)
		var nf *NotFoundError
		if err == nil || !errors.As(err, &nf) || len(postings) == 0 || postings[0].FromListing() {
			return sug, err
		}
	}
	// a posting with structured data: find its siblings in the sitemap
	return c.suggestSitemap(ctx, final, page)
}

func (o Options) withDefaults() Options {
	if o.UserAgent == "" {
		o.UserAgent = crawler.DefaultUserAgent
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return o
}

// client makes onboarding's requests: one fetcher per host, each allowed
// that host only, so robots.txt is read once per host.
type client struct {
	o      Options
	byHost map[string]*fetch.Fetcher
	pages  map[string][]byte // sample pages fetched, by URL (at most maxSamples of a group)
}

// get fetches a URL through the fetch layer, restricted to its host, and
// returns its body and the URL it was served from after redirects.
func (c *client) get(ctx context.Context, raw string) ([]byte, string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("%q is not an http(s) URL", raw)
	}
	f := c.byHost[u.Host]
	if f == nil {
		f, err = fetch.New(ctx, fetch.Config{UserAgent: c.o.UserAgent, Hosts: []string{u.Host},
			Limits: fetch.Limits{Timeout: c.o.Timeout, MaxRetries: c.o.Retries, MaxBodySize: maxPage, Parallelism: 2}})
		if err != nil {
			return nil, "", err
		}
		c.byHost[u.Host] = f
	}
	resp, err := f.Do(ctx, &fetch.Request{URL: raw})
	if err != nil {
		return nil, "", err
	}
	if resp.Status != 200 {
		return nil, "", fmt.Errorf("%s: %d", raw, resp.Status)
	}
	return resp.Body, resp.URL, nil
}

// offSiteRedirect returns where a request was redirected off its host.
func offSiteRedirect(err error) (string, bool) {
	var fe *fetch.Error
	if !errors.As(err, &fe) || fe.Class != fetch.OffSite {
		return "", false
	}
	return fetch.RedirectTarget(err)
}

// suggestSitemap proposes a sitemap source for a site whose posting page
// (at pageURL) carries a JobPosting: the sitemaps robots.txt names (else
// /sitemap.xml), filtered to the URLs that look like the posting's.
func (c *client) suggestSitemap(ctx context.Context, pageURL string, page []byte) (Suggestion, error) {
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
	if robots, _, err := c.get(ctx, origin+"/robots.txt"); err == nil {
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
		n, first := c.countSitemap(ctx, sm, re, 2)
		if n > 0 {
			usable = append(usable, sm)
			matched += n
			if sample == "" {
				sample = first
			}
		}
	}
	company := p.Company
	s := crawler.Site{Name: ats.SiteName(company), Company: company, Source: crawler.SourceSitemap,
		Sitemap: &crawler.SitemapSource{URLs: usable, Match: match}}
	if s.Name == "" {
		s.Name = ats.SiteName(strings.TrimPrefix(pu.Hostname(), "www."))
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
func (c *client) countSitemap(ctx context.Context, sm string, re *regexp.Regexp, depth int) (int, string) {
	body, _, err := c.get(ctx, sm)
	if err != nil {
		return 0, ""
	}
	urls, children, err := ats.ParseSitemap(body)
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
		for i, child := range children {
			if i == 20 {
				break // enough to tell
			}
			m, f := c.countSitemap(ctx, child, re, depth-1)
			n += m
			if first == "" {
				first = f
			}
		}
	}
	return n, first
}
