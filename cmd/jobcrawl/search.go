package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

func runSearch(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("search", "[QUERY] [--filter field=value]... [--facet field]... [--sort field:asc|desc] [--limit N] [--offset N] [--json] [--server URL]",
		"Searches the index. Every word of QUERY must match the title, company, job family,\n"+
			"team, department, locations, description or qualifications (or be a job number);\n"+
			"the last word also as a prefix, and words of 5 letters or more with a typo (two\n"+
			"from 9). Filters on one field are OR-ed, filters on different fields AND-ed, values\n"+
			"matched whatever their case. Open postings only, unless a status filter says\n"+
			"otherwise (--filter status=closed) or --all. See docs/search.md.\n\n"+
			"Filterable and facet fields: "+strings.Join(index.FacetFields, ", ")+"\n"+
			"Sortable fields: "+strings.Join(index.SortFields, ", ")+"\n\n"+
			"The embedded index serves one process at a time: while the daemon runs, search\n"+
			"through it with --server http://127.0.0.1:7800.")
	var filters, facets stringList
	fs.Var(&filters, "filter", "keep postings whose `field=value` (repeatable)")
	fs.Var(&facets, "facet", "count the values of `field` among the matches (repeatable)")
	sortSpec := fs.String("sort", "", "order by `field:asc|desc` (default: relevance, then newest)")
	limit := fs.Int("limit", 20, "hits to return (at most 1000)")
	offset := fs.Int("offset", 0, "hits to skip")
	all := fs.Bool("all", false, "include closed postings")
	asJSON := fs.Bool("json", false, `print {"total","hits","facets"} as JSON`)
	server := fs.String("server", "", "search through a running daemon at `URL` (http://127.0.0.1:7800) instead of opening the index")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	q := index.Query{Text: strings.Join(pos, " "), Facets: facets, Limit: *limit, Offset: *offset}
	if *limit == 0 {
		return usagef("--limit: must be at least 1")
	}
	if q.Filters, err = index.ParseFilters(filters); err != nil {
		return usageError{err}
	}
	if *sortSpec != "" {
		s, err := index.ParseSort(*sortSpec)
		if err != nil {
			return usageError{err}
		}
		q.Sort = []index.Sort{s}
	}
	if !*all && !q.HasFilter("status") {
		q.Filters = append(q.Filters, index.Filter{Field: "status", Values: []string{index.StatusOpen}})
	}
	if err := q.Validate(); err != nil {
		return usageError{err}
	}
	var res index.Result
	if *server != "" {
		params := url.Values{"filter": filters, "facet": facets}
		if q.Text != "" {
			params.Set("q", q.Text)
		}
		if *sortSpec != "" {
			params.Set("sort", *sortSpec)
		}
		params.Set("limit", strconv.Itoa(q.Limit))
		params.Set("offset", strconv.Itoa(q.Offset))
		if *all {
			params.Set("all", "true")
		}
		if res, err = remoteSearch(ctx, *server, params); err != nil {
			return err
		}
	} else {
		cfg, err := loadConfigOrDefault(e.configPath)
		if err != nil {
			return err
		}
		ix, err := openIndex(cfg)
		if errors.Is(err, embedded.ErrLocked) {
			return fmt.Errorf("%w\nwhile the daemon runs, search through it: jobcrawl search --server http://%s ...", err, cfg.Daemon.Listen)
		}
		if err != nil {
			return err
		}
		defer ix.Close()
		if res, err = ix.Search(ctx, q); err != nil {
			if errors.Is(err, index.ErrBadQuery) {
				return usageError{err}
			}
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printResults(e.stdout, q, res)
	return nil
}

func printResults(w io.Writer, q index.Query, res index.Result) {
	what := "postings"
	if q.Text != "" {
		what = fmt.Sprintf("postings match %q", q.Text)
	}
	if res.Total == 0 {
		fmt.Fprintf(w, "No %s.\n", strings.Replace(what, "postings match", "posting matches", 1))
	} else {
		fmt.Fprintf(w, "%d–%d of %d %s\n", q.Offset+min(1, len(res.Hits)), q.Offset+len(res.Hits), res.Total, what)
	}
	for _, h := range res.Hits {
		fmt.Fprintf(w, "\n  %s  (#%s)\n", h.Title, h.JobNumber)
		meta := []string{h.Company}
		if len(h.Locations) > 0 {
			meta = append(meta, strings.Join(h.Locations, "; "))
		}
		if h.DatePosted != "" {
			meta = append(meta, "posted "+h.DatePosted)
		}
		if h.Status == index.StatusClosed {
			meta = append(meta, "CLOSED")
		}
		fmt.Fprintf(w, "  %s\n  %s\n", strings.Join(nonEmpty(meta), " · "), h.URL)
		if h.Snippet != "" {
			fmt.Fprintf(w, "  %s\n", plainSnippet(h.Snippet))
		}
	}
	for _, f := range q.Facets {
		counts := res.Facets[f]
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if counts[keys[i]] != counts[keys[j]] {
				return counts[keys[i]] > counts[keys[j]]
			}
			return keys[i] < keys[j]
		})
		fmt.Fprintf(w, "\n%s:\n", f)
		for _, k := range keys {
			fmt.Fprintf(w, "  %5d  %s\n", counts[k], k)
		}
	}
}

func nonEmpty(s []string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// remoteSearch asks a daemon's GET /api/search.
func remoteSearch(ctx context.Context, server string, params url.Values) (index.Result, error) {
	var res index.Result
	base, err := url.Parse(server)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return res, usagef("--server: %q is not an http(s) URL", server)
	}
	u := base.JoinPath("/api/search")
	u.RawQuery = params.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return res, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return res, fmt.Errorf("search %s: %w", base.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return res, fmt.Errorf("search %s: %w", base.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = resp.Status
		}
		if resp.StatusCode == http.StatusBadRequest {
			return res, usagef("%s", e.Error)
		}
		return res, fmt.Errorf("search %s: %s", base.Host, e.Error)
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return res, fmt.Errorf("search %s: %w", base.Host, err)
	}
	return res, nil
}

// plainSnippet is a hit's snippet for a terminal: without its <mark> tags
// and HTML escapes.
func plainSnippet(s string) string {
	return html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s))
}
