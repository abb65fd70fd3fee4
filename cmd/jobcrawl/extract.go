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

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/crawler/fetch"
	"github.com/jobcrawl/jobcrawl/extract"
)

func runExtract(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("extract", "[--site NAME] [--explain] [--url URL] URL|FILE...",
		"Extracts the posting(s) one document yields and prints them as JSON, one object per\n"+
			"document: {\"document\", \"postings\": [...], \"error\"}. A posting page gives one posting,\n"+
			"a result page one per job card. A FILE is read from disk (- for standard input); a URL\n"+
			"is fetched once, with jobcrawl's User-Agent, only when robots.txt allows it.\n\n"+
			"--explain adds \"sources\": for each posting, which source gave each field (override,\n"+
			"json-ld, microdata, rdfa, label, page, url, card); \"rules\": which rule of that source\n"+
			"(label \"Req #\", heading \"Requirements\" (h3), json-ld JobPosting.identifier, override\n"+
			"selector \".job-id\", page <h1>, url path segment…); and what was read of a rejected one.\n"+
			"--site applies that site's field rules and company from the configuration.\n\n"+
			"Exit status 1 when a document gives no posting (rejected, or it could not be read).")
	siteName := fs.String("site", "", "apply the field rules and company of this configured `site`")
	explain := fs.Bool("explain", false, "say which source and rule gave each field")
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
	f := &fetcher{ctx: ctx, userAgent: userAgent, maxSize: maxSize, timeout: *timeout, byHost: map[string]*fetch.Fetcher{}}

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
	// Rules, with --explain: for each posting, which rule of its source gave each field.
	Rules []map[string]string `json:"rules,omitempty"`
	Error string              `json:"error,omitempty"`
	// Rejected, with --explain: what was read of each posting that was not
	// accepted, and where each field came from.
	Rejected []rejected `json:"rejected,omitempty"`
}

type rejected struct {
	Reason  string                    `json:"reason"`
	Detail  string                    `json:"detail,omitempty"`
	Partial extract.Posting           `json:"partial"`
	Sources map[string]extract.Source `json:"sources"`
	Rules   map[string]string         `json:"rules,omitempty"`
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
			out.Rules = append(out.Rules, p.Rules)
		}
	}
	if err != nil {
		out.Error = err.Error()
		if explain {
			for _, one := range unjoin(err) {
				var re *extract.RejectError
				if errors.As(one, &re) {
					out.Rejected = append(out.Rejected, rejected{Reason: extract.Reason(re), Detail: re.Detail,
						Partial: re.Partial, Sources: re.Partial.Sources, Rules: re.Partial.Rules})
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

// fetcher fetches documents for the extract command through the crawler's
// fetch layer, as a crawl would: jobcrawl's User-Agent, robots.txt obeyed,
// redirects on the document's host only, a timeout and a size limit. One
// attempt per document: a one-off look should answer at once.
type fetcher struct {
	ctx       context.Context
	userAgent string
	maxSize   int64
	timeout   time.Duration
	byHost    map[string]*fetch.Fetcher
}

func (f *fetcher) fetch(ctx context.Context, raw string) (body []byte, final string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", err
	}
	fe := f.byHost[u.Host]
	if fe == nil {
		fe, err = fetch.New(f.ctx, fetch.Config{UserAgent: f.userAgent, Hosts: []string{u.Host},
			Limits: fetch.Limits{Timeout: f.timeout, MaxBodySize: f.maxSize, MaxRetries: 0}})
		if err != nil {
			return nil, "", err
		}
		f.byHost[u.Host] = fe
	}
	resp, err := fe.Do(ctx, &fetch.Request{URL: u.String(),
		Header: http.Header{"Accept": {"text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}}})
	var ferr *fetch.Error
	switch {
	case errors.As(err, &ferr) && ferr.Class == fetch.TooLarge:
		return nil, "", &extract.RejectError{URL: raw, Reason: extract.ErrTooLarge, Detail: fmt.Sprintf("over %d bytes", f.maxSize)}
	case errors.As(err, &ferr) && ferr.Kind == "timeout":
		return nil, "", fmt.Errorf("fetch %s: Timeout: no answer within %s", raw, f.timeout)
	case errors.As(err, &ferr) && ferr.Status != 0:
		return nil, "", fmt.Errorf("fetch %s: %d %s", raw, ferr.Status, http.StatusText(ferr.Status))
	case err != nil:
		return nil, "", fmt.Errorf("fetch %s: %w", raw, err)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); strings.Contains(mt, "json") {
		return nil, "", fmt.Errorf("fetch %s: %s is a JSON API response; jobcrawl reads those with a site's API source, not as a page", raw, mt)
	}
	return resp.Body, resp.URL, nil
}
