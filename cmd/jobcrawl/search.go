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
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
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
	limit := fs.Int("limit", 20, "hits to return (at most 1000; 0: facets only)")
	offset := fs.Int("offset", 0, "hits to skip")
	all := fs.Bool("all", false, "include closed postings")
	asJSON := fs.Bool("json", false, `print {"total","hits","facets"} as JSON`)
	demo := fs.Bool("demo", false, "search the demo's index (what crawl --demo and daemon --demo filled), not the configured one")
	server := fs.String("server", "", "search through a running daemon at `URL` (http://127.0.0.1:7800) instead of opening the index")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	q := index.Query{Text: strings.Join(pos, " "), Facets: facets, Limit: *limit, Offset: *offset}
	facetsOnly := *limit == 0
	if facetsOnly {
		if len(facets) == 0 {
			return usagef("--limit 0 returns facets only: name at least one --facet")
		}
		q.Limit = 1
	}
	userFilters, err := queryFlags(&q, filters, *sortSpec, *all)
	if err != nil {
		return err
	}
	if err := q.Validate(); err != nil {
		return usageError{err}
	}
	var search func(index.Query) (index.Result, error)
	if *server != "" {
		search = func(q index.Query) (index.Result, error) { return remoteSearch(ctx, *server, queryParams(q)) }
	} else {
		load := loadConfigOrDefault
		if *demo {
			load = demoIndex
		}
		cfg, err := load(e.configPath)
		if err != nil {
			return err
		}
		ix, err := openExisting(cfg)
		if errors.Is(err, embedded.ErrLocked) {
			return fmt.Errorf("%w\nwhile the daemon runs, search through it: jobcrawl search --server http://%s ...", err, cfg.Daemon.Listen)
		}
		if err != nil {
			return err
		}
		defer ix.Close()
		search = func(q index.Query) (index.Result, error) {
			res, err := ix.Search(ctx, q)
			if errors.Is(err, index.ErrBadQuery) {
				return res, usageError{err}
			}
			return res, err
		}
	}
	res, err := search(q)
	if err != nil {
		return err
	}
	if facetsOnly {
		res.Hits = []index.Record{}
	}
	var hints []string
	if res.Total == 0 && len(userFilters) > 0 {
		if hints, err = unknownValues(search, userFilters, q.Filters[len(userFilters):]); err != nil {
			return err
		}
	}
	if *asJSON {
		for _, h := range hints {
			fmt.Fprintln(e.stderr, h)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res.Public())
	}
	printResults(e.stdout, q, res, facetsOnly, time.Now())
	for _, h := range hints {
		fmt.Fprintln(e.stdout, h)
	}
	return nil
}

// noIndexError says that there is no index to search where the
// configuration points, and where that is, rather than creating an empty
// one.
func noIndexError(cfg *Config) error {
	where := "config " + cfg.path
	if cfg.path == "" {
		wd, _ := os.Getwd()
		where = fmt.Sprintf("no %s in %s, so the default data_dir", defaultConfigPath, wd)
	}
	return fmt.Errorf("no index in %s (%s): nothing has been crawled there yet.\n"+
		"Crawl first (jobcrawl crawl, or jobcrawl crawl --demo to try it), or point --config at your configuration", cfg.dataDir(), where)
}

// queryFlags sets q's filters and sort from the flags search and export
// share, and keeps open postings only unless all is set or a filter names
// a status. It returns the filters as the user gave them.
func queryFlags(q *index.Query, filters []string, sortSpec string, all bool) ([]index.Filter, error) {
	parsed, err := index.ParseFilters(filters)
	if err != nil {
		return nil, usageError{err}
	}
	q.Filters = parsed
	if sortSpec != "" {
		s, err := index.ParseSort(sortSpec)
		if err != nil {
			return nil, usageError{err}
		}
		q.Sort = []index.Sort{s}
	}
	if !all && !q.HasFilter("status") {
		q.Filters = append(slices.Clip(parsed), index.Filter{Field: "status", Values: []string{index.StatusOpen}})
	}
	return parsed, nil
}

// queryParams are the GET /api/search parameters of q.
func queryParams(q index.Query) url.Values {
	params := url.Values{}
	if q.Text != "" {
		params.Set("q", q.Text)
	}
	for _, f := range q.Filters {
		for _, v := range f.Values {
			params.Add("filter", f.Field+"="+v)
		}
	}
	for _, f := range q.Facets {
		params.Add("facet", f)
	}
	for _, s := range q.Sort {
		dir := "asc"
		if s.Desc {
			dir = "desc"
		}
		params.Add("sort", s.Field+":"+dir)
	}
	params.Set("limit", strconv.Itoa(q.Limit))
	params.Set("offset", strconv.Itoa(q.Offset))
	if !q.HasFilter("status") {
		params.Set("all", "true")
	}
	return params
}

// maxHintValues is how many existing values a hint lists.
const maxHintValues = 10

// unknownValues explains an empty result: for each filter value that no
// posting has (within base, the status filter), a line naming the values
// that exist, the most frequent first.
func unknownValues(search func(index.Query) (index.Result, error), filters, base []index.Filter) ([]string, error) {
	var hints []string
	for _, f := range filters {
		res, err := search(index.Query{Filters: base, Facets: []string{f.Field}, Limit: 1, FacetSize: 1000})
		if err != nil {
			return nil, err
		}
		counts := res.Facets[f.Field]
		have := map[string]bool{}
		for v := range counts {
			have[strings.ToLower(strings.TrimSpace(v))] = true
		}
		for _, v := range f.Values {
			if have[strings.ToLower(strings.TrimSpace(v))] {
				continue
			}
			if len(counts) == 0 {
				hints = append(hints, fmt.Sprintf("No posting has any %s.", f.Field))
				continue
			}
			top := index.ByCount(counts)
			more := ""
			if len(top) > maxHintValues {
				more = fmt.Sprintf(", and %d more (--facet %s --limit 0 lists them)", len(top)-maxHintValues, f.Field)
				top = top[:maxHintValues]
			}
			for i, k := range top {
				top[i] = fmt.Sprintf("%s (%d)", k, counts[k])
			}
			hints = append(hints, fmt.Sprintf("No posting has %s=%q. Values of %s: %s%s.", f.Field, v, f.Field, strings.Join(top, ", "), more))
		}
	}
	return hints, nil
}

func printResults(w io.Writer, q index.Query, res index.Result, facetsOnly bool, now time.Time) {
	what := "postings"
	if q.Text != "" {
		what = fmt.Sprintf("postings match %q", q.Text)
	}
	switch {
	case res.Total == 0:
		fmt.Fprintf(w, "No %s.\n", strings.Replace(what, "postings match", "posting matches", 1))
	case facetsOnly:
		fmt.Fprintf(w, "%d %s\n", res.Total, what)
	case len(res.Hits) == 0:
		fmt.Fprintf(w, "Nothing at offset %d: %d %s, the last at offset %d.\n", q.Offset, res.Total, what, res.Total-1)
	default:
		fmt.Fprintf(w, "%d–%d of %d %s\n", q.Offset+1, q.Offset+len(res.Hits), res.Total, what)
	}
	for _, h := range res.Hits {
		fmt.Fprintf(w, "\n  %s  (#%s)\n", h.Title, h.JobNumber)
		meta := []string{h.Company}
		if len(h.Locations) > 0 {
			meta = append(meta, strings.Join(h.Locations, "; "))
		}
		meta = append(meta, salaryText(h.Posting))
		if h.DatePosted != "" {
			meta = append(meta, "posted "+h.DatePosted+age(h.DatePosted, now))
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
		fmt.Fprintf(w, "\n%s:\n", f)
		for _, k := range index.ByCount(counts) {
			fmt.Fprintf(w, "  %5d  %s\n", counts[k], k)
		}
	}
}

// salaryText reads a posting's pay: "USD 120,000–150,000 per year".
func salaryText(p extract.Posting) string {
	if p.SalaryMin == 0 && p.SalaryMax == 0 {
		return ""
	}
	amount := func(v float64) string {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		whole, frac, _ := strings.Cut(s, ".")
		var b strings.Builder
		for i, c := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		if frac != "" {
			b.WriteString("." + frac)
		}
		return b.String()
	}
	var s string
	switch {
	case p.SalaryMin > 0 && p.SalaryMax > 0 && p.SalaryMin != p.SalaryMax:
		s = amount(p.SalaryMin) + "–" + amount(p.SalaryMax)
	case p.SalaryMin > 0:
		s = amount(p.SalaryMin)
	default:
		s = "up to " + amount(p.SalaryMax)
	}
	if p.SalaryCurrency != "" {
		s = p.SalaryCurrency + " " + s
	}
	if p.SalaryPeriod != "" {
		s += " per " + p.SalaryPeriod
	}
	return s
}

// age is how long ago a date was, for a reader: " (today)", " (3 days
// ago)", " (5 weeks ago)"; empty for a date it cannot read or in the future.
func age(date string, now time.Time) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return ""
	}
	days := int(now.UTC().Truncate(24*time.Hour).Sub(t) / (24 * time.Hour))
	switch {
	case days < 0:
		return ""
	case days == 0:
		return " (today)"
	case days == 1:
		return " (yesterday)"
	case days < 14:
		return fmt.Sprintf(" (%d days ago)", days)
	case days < 60:
		return fmt.Sprintf(" (%d weeks ago)", days/7)
	case days < 730:
		return fmt.Sprintf(" (%d months ago)", days/30)
	}
	return fmt.Sprintf(" (%d years ago)", days/365)
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
