package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/extract"
)

func runExtract(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("extract", "[--site NAME] [--explain] [--url URL] URL|FILE...",
		"Extracts the posting(s) one document yields and prints them as JSON, one object per\n"+
			"document: {\"document\", \"postings\": [...], \"error\"}. A posting page gives one posting,\n"+
			"a result page one per job card. A FILE is read from disk (- for standard input); a URL\n"+
			"is fetched once, with jobcrawl's User-Agent, only when robots.txt allows it.\n\n"+
			"--explain adds \"sources\": for each posting, which source gave each field (override,\n"+
			"json-ld, microdata, rdfa, label, page, url, card), and what was read of a rejected one.\n"+
			"--site applies that site's field rules and company from the configuration.\n\n"+
			"Exit status 1 when a document gives no posting (rejected, or it could not be read).")
	siteName := fs.String("site", "", "apply the field rules and company of this configured `site`")
	explain := fs.Bool("explain", false, "say which source gave each field")
	base := fs.String("url", "", "the address a FILE was fetched from (for its relative links and job number)")
	timeout := fs.Duration("timeout", 30*time.Second, "time allowed to fetch a URL")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("extract: name at least one URL or FILE")
	}
	if *base != "" {
		if u, err := url.Parse(*base); err != nil || u.Host == "" {
			return usagef("--url: %q is not an absolute URL", *base)
		}
	}

	opts := extract.Options{Now: time.Now()}
	userAgent := crawler.DefaultUserAgent
	maxSize := int64(extract.MaxDocumentSize)
	cfg, err := loadConfigOrDefault(e.configPath)
	if err != nil {
		return err
	}
	if cfg.UserAgent != "" {
		userAgent = cfg.UserAgent
	}
	if *siteName != "" {
		site, ok := cfg.site(*siteName)
		if !ok {
			return usagef("--site %s: no such site in %s", *siteName, e.configPath)
		}
		opts.Company, opts.Rules = site.Company, site.Fields
		if site.UserAgent != "" {
			userAgent = site.UserAgent
		}
		if site.Limits.MaxBodySize > 0 {
			maxSize = min(maxSize, int64(site.Limits.MaxBodySize))
		}
	}
	f := &fetcher{client: &http.Client{Timeout: *timeout}, userAgent: userAgent, maxSize: maxSize, robots: map[string]*robotstxt.RobotsData{}}
	f.client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return f.allowed(req.Context(), req.URL)
	}

	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	failed := false
	for _, doc := range pos {
		out := extractOne(ctx, f, doc, *base, opts, *explain)
		if len(out.Postings) == 0 {
			failed = true
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if failed {
		return errQuiet{exitSiteFailed}
	}
	return nil
}

// extractResult is what `jobcrawl extract` prints for one document: the
// shape of the extract package's golden files.
type extractResult struct {
	Document string                      `json:"document"`
	URL      string                      `json:"url,omitempty"`
	Postings []extract.Posting           `json:"postings"`
	Sources  []map[string]extract.Source `json:"sources,omitempty"`
	Error    string                      `json:"error,omitempty"`
	// Rejected, with --explain: what was read of each posting that was not
	// accepted, and where each field came from.
	Rejected []rejected `json:"rejected,omitempty"`
}

type rejected struct {
	Reason  string                    `json:"reason"`
	Detail  string                    `json:"detail,omitempty"`
	Partial extract.Posting           `json:"partial"`
	Sources map[string]extract.Source `json:"sources"`
}

func extractOne(ctx context.Context, f *fetcher, doc, base string, opts extract.Options, explain bool) extractResult {
	out := extractResult{Document: doc, Postings: []extract.Posting{}}
	var body io.Reader
	switch {
	case isURL(doc):
		raw, final, err := f.fetch(ctx, doc)
		if err != nil {
			out.Error = err.Error()
			return out
		}
		body, opts.URL = bytes.NewReader(raw), final
	case doc == "-":
		body, opts.URL = os.Stdin, base
	default:
		file, err := os.Open(doc)
		if err != nil {
			out.Error = err.Error()
			return out
		}
		defer file.Close()
		body, opts.URL = file, base
	}
	out.URL = opts.URL
	postings, err := extract.Parse(body, opts)
	out.Postings = append(out.Postings, postings...)
	if explain {
		for _, p := range postings {
			out.Sources = append(out.Sources, p.Sources)
		}
	}
	if err != nil {
		out.Error = err.Error()
		if explain {
			for _, one := range unjoin(err) {
				var re *extract.RejectError
				if errors.As(one, &re) {
					out.Rejected = append(out.Rejected, rejected{Reason: extract.Reason(re), Detail: re.Detail,
						Partial: re.Partial, Sources: re.Partial.Sources})
				}
			}
		}
	}
	return out
}

// unjoin lists the errors an errors.Join holds, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// fetcher fetches documents for the extract command the way a polite
// crawler does: its User-Agent, robots.txt obeyed, a timeout and a size
// limit. One request per document, no retries.
type fetcher struct {
	client    *http.Client
	userAgent string
	maxSize   int64
	robots    map[string]*robotstxt.RobotsData // by scheme://host
}

// errRobots says robots.txt does not let jobcrawl fetch the page.
var errRobots = errors.New("disallowed by robots.txt")

func (f *fetcher) fetch(ctx context.Context, raw string) (body []byte, final string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", err
	}
	if err := f.allowed(ctx, u); err != nil {
		return nil, "", err
	}
	resp, err := f.get(ctx, u.String())
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", raw, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("fetch %s: %s", raw, resp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); strings.Contains(mt, "json") {
		return nil, "", fmt.Errorf("fetch %s: %s is a JSON API response; jobcrawl reads those with a site's API source, not as a page", raw, mt)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, f.maxSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", raw, err)
	}
	if int64(len(body)) > f.maxSize {
		return nil, "", &extract.RejectError{URL: raw, Reason: extract.ErrTooLarge, Detail: fmt.Sprintf("over %d bytes", f.maxSize)}
	}
	return body, resp.Request.URL.String(), nil
}

func (f *fetcher) get(ctx context.Context, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	return f.client.Do(req)
}

// allowed checks u against its host's robots.txt, fetched once per host.
// A robots.txt that is missing (4xx) allows everything; one that fails
// (5xx, no answer) allows nothing, as crawlers agree.
func (f *fetcher) allowed(ctx context.Context, u *url.URL) error {
	origin := u.Scheme + "://" + u.Host
	rules, ok := f.robots[origin]
	if !ok {
		resp, err := f.get(ctx, origin+"/robots.txt")
		if err != nil {
			return fmt.Errorf("%s: robots.txt: %w", u, err)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 512<<10))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("%s: robots.txt: %w", u, err)
		}
		if rules, err = robotstxt.FromStatusAndBytes(resp.StatusCode, b); err != nil {
			return fmt.Errorf("%s: robots.txt: %w", u, err)
		}
		f.robots[origin] = rules
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !rules.TestAgent(path, f.userAgent) {
		return fmt.Errorf("%s: %w", u, errRobots)
	}
	return nil
}
