// Package mcpserver serves the index to AI agents over the Model Context
// Protocol (MCP): four read-only tools with typed input and output schemas
// — search_postings, get_posting, list_facets and list_sites. The same
// server answers `jobcrawl mcp` over stdio and the daemon's /mcp over
// Streamable HTTP; the caller picks the transport.
//
// Every answer is bounded (pages, facet values, snippets, sites) so that an
// agent's context is not flooded and the server's memory stays small, and
// every mistake an agent can make is a tool error (IsError) whose text says
// what was wrong and what is valid. Failures on the server's side are
// logged and answered with a generic message: no backend address, key or
// stack ever reaches the client.
package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index"
)

// Name is the server's name in the MCP handshake.
const Name = "jobcrawl"

// Bounds of what a tool call may ask and answer.
const (
	// DefaultLimit is how many hits search_postings returns when not told.
	DefaultLimit = 10
	// MaxLimit is the most hits one search_postings call returns; larger
	// limits are capped to it (the answer's next_offset pages on).
	MaxLimit = 50
	// MaxOffset is the deepest page search_postings reaches (as the HTTP API).
	MaxOffset = 10000
	// SnippetLen is about how many characters of a description a hit carries.
	SnippetLen = 300
	// MaxDescription is how many characters of a description get_posting
	// returns; a longer one is cut and marked description_truncated.
	MaxDescription = 20000
	// SearchFacetValues is how many values of each facet search_postings
	// counts (the most frequent first); list_facets lists more.
	SearchFacetValues = 20
	// DefaultFacetValues and MaxFacetValues bound list_facets' values per field.
	DefaultFacetValues = 50
	MaxFacetValues     = 500
	// MaxSites is the most sites list_sites reports.
	MaxSites = 500
	// CoverageSample is how many of a site's open postings list_sites reads
	// to compute coverage from the index (when no run reported it).
	CoverageSample = 2000

	maxQueryLen  = 500 // characters of free text
	maxFilters   = 50  // filter values in all
	maxFilterLen = 300 // characters of one filter value
	maxIDLen     = 511 // characters of a record id (see index.RecordID)
	echoLen      = 40  // characters of a client's value an error repeats
	callTimeout  = 30 * time.Second
)

// Config is what the server serves.
type Config struct {
	// Index is searched; the server never writes to it.
	Index index.Index
	// Sites reports the configured sites: from the daemon's scheduler
	// (with their last run and its coverage), or built from the
	// configuration (no run). Nil: no site is configured; list_sites still
	// lists the sites the index holds.
	Sites func(ctx context.Context) ([]daemon.SiteStatus, error)
	// NoRuns, when set, says why list_sites reports no last run (in stdio
	// mode no daemon runs, and run history lives in the daemon's memory).
	NoRuns string
	// Version is the server's version in the handshake (jobcrawl's).
	Version string
	// MaxLimit caps search_postings' page further (the daemon's
	// search.max_limit); 0 or more than MaxLimit: MaxLimit.
	MaxLimit int
	// Enter, when set, is called before each tool call touches the index
	// and returns the func that ends it (the daemon's search gate, so that
	// agents and the search page share one bound on concurrent searches).
	// An error turns the call away with a "busy, retry" tool error.
	Enter func(ctx context.Context) (release func(), err error)
	// Logger receives the failures that are not the client's (nil: none).
	Logger *slog.Logger
}

// server holds a Config with its defaults filled.
type server struct {
	Config
	log *slog.Logger
}

// New builds the MCP server of cfg with its four tools.
func New(cfg Config) *mcp.Server {
	s := &server{Config: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.MaxLimit <= 0 || s.MaxLimit > MaxLimit {
		s.MaxLimit = MaxLimit
	}
	if s.Version == "" {
		s.Version = "dev"
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "jobcrawl job postings", Version: s.Version}, &mcp.ServerOptions{
		Instructions: "Search the job postings jobcrawl crawled from careers sites. search_postings finds postings " +
			"(open ones unless include_closed) and counts facets; get_posting reads one in full by the id a hit gives; " +
			"list_facets lists the valid values of the filterable fields with their counts; list_sites lists the " +
			"crawled sites with their postings, last run and field coverage. All tools are read-only.",
		Logger: SDKLogger(s.log),
		// No logging capability: the server has nothing to tell a client
		// beside its answers (its log is the operator's, on stderr).
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{}},
	})
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(bool)}
	mcp.AddTool(srv, &mcp.Tool{
		Name:  "search_postings",
		Title: "Search job postings",
		Description: fmt.Sprintf("Search the job postings. Every word of query must match (title, company, job family, team, "+
			"department, locations, description or qualifications; the last word also as a prefix; typos tolerated in long words). "+
			"Filters keep postings whose field equals one of the values given (values of one field OR-ed, fields AND-ed, case "+
			"ignored). Open postings only, unless include_closed is true or a status filter is given. Returns one page of hits "+
			"(at most %d: page on with offset) with the total, and the counts of the facets asked for (top %d values each). "+
			"Hits are trimmed to the useful fields, and the description to a snippet of about %d characters, so as not to "+
			"flood the context: call get_posting with a hit's id for the full posting. Use list_facets to learn the valid "+
			"filter values.", s.MaxLimit, SearchFacetValues, SnippetLen),
		InputSchema: searchSchema(s.MaxLimit),
		Annotations: readOnly,
	}, s.searchPostings)
	mcp.AddTool(srv, &mcp.Tool{
		Name:  "get_posting",
		Title: "Read one job posting",
		Description: fmt.Sprintf("Read one job posting in full by its id (the id of a search_postings hit; the same as "+
			"GET /api/postings/{id}): every field, with the whole description (cut at %d characters, marked so) and the "+
			"qualifications, responsibilities and benefits lists.", MaxDescription),
		Annotations: readOnly,
	}, s.getPosting)
	mcp.AddTool(srv, &mcp.Tool{
		Name:  "list_facets",
		Title: "List filter values",
		Description: "List the values of a filterable field (or of every one) with the number of postings having each, the " +
			"most frequent first, optionally within a query and filters: the valid values for search_postings' filters. " +
			"Open postings only, unless include_closed is true or a status filter is given.",
		InputSchema: facetsSchema(),
		Annotations: readOnly,
	}, s.listFacets)
	mcp.AddTool(srv, &mcp.Tool{
		Name:  "list_sites",
		Title: "List the crawled sites",
		Description: "List the careers sites: those configured and those whose postings the index holds, with their " +
			"postings (open, closed), when a posting was last seen, the last crawl run (outcome, finish time, counts; null " +
			"when it is not known, and last_run_note says why) and coverage: the share of postings carrying each field " +
			"(a site whose salary or location extraction broke shows a low share).",
		Annotations: readOnly,
	}, s.listSites)
	return srv
}

// schemaOf infers T's schema; the types are this package's, so a failure
// is a bug.
func schemaOf[T any]() *jsonschema.Schema {
	sc, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
		reflect.TypeFor[Values](): {AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "array", Items: &jsonschema.Schema{Type: "string"}}}},
	}})
	if err != nil {
		panic(fmt.Sprintf("mcpserver: schema of %T: %v", *new(T), err))
	}
	return sc
}

// searchSchema is SearchInput's schema, with the field lists (which live
// in package index) written into its descriptions.
func searchSchema(maxLimit int) *jsonschema.Schema {
	sc := schemaOf[SearchInput]()
	describeQueryFields(sc)
	sc.Properties["facets"].Description += " Facet fields: " + strings.Join(index.FacetFields, ", ") + "."
	sc.Properties["sort"].Description += " Sortable fields: " + strings.Join(index.SortFields, ", ") + "."
	sc.Properties["limit"].Description = fmt.Sprintf("Hits to return: default %d, at most %d (a larger limit is capped).", DefaultLimit, maxLimit)
	return sc
}

func facetsSchema() *jsonschema.Schema {
	sc := schemaOf[FacetsInput]()
	describeQueryFields(sc)
	sc.Properties["field"].Description += " One of: " + strings.Join(index.FacetFields, ", ") + "."
	return sc
}

func describeQueryFields(sc *jsonschema.Schema) {
	sc.Properties["filters"].Description += " Filterable fields: " + strings.Join(index.FacetFields, ", ") + "."
}

// toolError is a mistake of the client's: its text is the tool error.
type toolError struct{ msg string }

func (e toolError) Error() string { return e.msg }

func badf(format string, args ...any) error { return toolError{fmt.Sprintf(format, args...)} }

// fail turns an error of the index into the tool error the client sees:
// its own mistakes as they are, anything else logged and answered without
// details.
func (s *server) fail(tool string, err error) error {
	var te toolError
	switch {
	case errors.As(err, &te):
		return te
	case errors.Is(err, index.ErrBadQuery):
		return toolError{strings.TrimPrefix(err.Error(), index.ErrBadQuery.Error()+": ")}
	case errors.Is(err, context.DeadlineExceeded):
		return toolError{tool + ": the index took too long to answer; narrow the query or retry"}
	case errors.Is(err, context.Canceled):
		return toolError{tool + ": cancelled"}
	}
	s.log.Error("mcp tool failed", "tool", tool, "error", err)
	return toolError{tool + ": internal error reading the index (see the server's log)"}
}

// enter takes a turn at the index (see Config.Enter) and bounds the call's time.
func (s *server) enter(ctx context.Context) (context.Context, func(), error) {
	release := func() {}
	if s.Enter != nil {
		r, err := s.Enter(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, toolError{"cancelled"}
			}
			return nil, nil, toolError{"the server is busy with other searches; retry in a moment"}
		}
		release = r
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	return ctx, func() { cancel(); release() }, nil
}

// clip is s, or its first echoLen characters and "…": no error repeats a
// long value whole.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= echoLen {
		return s
	}
	n := 0
	for i := range s {
		if n == echoLen {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// quoted is clip(s) in Go quotes.
func quoted(s string) string { return fmt.Sprintf("%q", clip(s)) }

// QueryInput is what search_postings and list_facets share: the postings
// a call is about.
type QueryInput struct {
	Query         string            `json:"query,omitempty" jsonschema:"Free text: every word must match the posting. Empty: all postings (within the filters)."`
	Filters       map[string]Values `json:"filters,omitempty" jsonschema:"Keep postings whose field equals one of the values (field name to a value or a list of values; values of one field are OR-ed, fields AND-ed; case is ignored). Example: {\"countries\": [\"Germany\", \"Austria\"], \"remote\": \"true\"}."`
	IncludeClosed bool              `json:"include_closed,omitempty" jsonschema:"Also count postings that have closed (default: open postings only, unless filters name a status)."`
}

// Values are a filter's values: a JSON list of strings, or one string.
type Values []string

// UnmarshalJSON reads a list of strings or one string.
func (v *Values) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*v = Values{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("a filter's values are a string or a list of strings")
	}
	*v = list
	return nil
}

// query builds the index query of in (text, filters, status), validated
// against the schema's bounds.
func (in QueryInput) query() (index.Query, error) {
	var q index.Query
	q.Text = strings.TrimSpace(in.Query)
	if n := utf8.RuneCountInString(q.Text); n > maxQueryLen {
		return q, badf("query is %d characters long: at most %d", n, maxQueryLen)
	}
	fields := make([]string, 0, len(in.Filters))
	for f := range in.Filters {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	values := 0
	for _, f := range fields {
		if !index.IsFacet(f) {
			return q, badf("cannot filter on %s: filterable fields are %s", quoted(f), strings.Join(index.FacetFields, ", "))
		}
		vals := in.Filters[f]
		if len(vals) == 0 {
			return q, badf("filter on %q has no value: give a list of one or more values", f)
		}
		var keep []string
		for _, v := range vals {
			if utf8.RuneCountInString(v) > maxFilterLen {
				return q, badf("filter %s value %s is longer than %d characters", f, quoted(v), maxFilterLen)
			}
			if strings.TrimSpace(v) == "" {
				return q, badf("filter on %q has an empty value", f)
			}
			keep = append(keep, v)
		}
		values += len(keep)
		q.Filters = append(q.Filters, index.Filter{Field: f, Values: keep})
	}
	if values > maxFilters {
		return q, badf("%d filter values: at most %d", values, maxFilters)
	}
	if !in.IncludeClosed && !q.HasFilter("status") {
		q.Filters = append(q.Filters, index.Filter{Field: "status", Values: []string{index.StatusOpen}})
	}
	return q, nil
}

// SearchInput is search_postings' input.
type SearchInput struct {
	QueryInput
	Facets []string `json:"facets,omitempty" jsonschema:"Fields whose values to count among all the matches (not only this page), the most frequent first."`
	Sort   string   `json:"sort,omitempty" jsonschema:"Order: field:desc or field:asc (default: relevance, then newest). Example: date_posted:desc."`
	Limit  int      `json:"limit,omitempty" jsonschema:"Hits to return."`
	Offset int      `json:"offset,omitempty" jsonschema:"Hits to skip, to page on (at most 10000)."`
}

// SearchOutput is search_postings' answer.
type SearchOutput struct {
	Total      int                     `json:"total" jsonschema:"How many postings match in all."`
	Offset     int                     `json:"offset" jsonschema:"The offset of the first hit of this page."`
	NextOffset int                     `json:"next_offset,omitempty" jsonschema:"The offset of the next page, when there are more hits; absent on the last page."`
	Hits       []Hit                   `json:"hits" jsonschema:"This page of matching postings, trimmed: get_posting gives a posting whole."`
	Facets     map[string][]FacetValue `json:"facets,omitempty" jsonschema:"For each facet asked for, its values among all matches with their counts, most frequent first."`
}

// FacetValue is one value of a field and how many postings have it.
type FacetValue struct {
	Value string `json:"value" jsonschema:"The value, as a filter takes it."`
	Count int    `json:"count" jsonschema:"How many matching postings have it."`
}

// Hit is a posting as search_postings shows it: the fields an agent
// decides on, and a snippet of the description.
type Hit struct {
	ID             string    `json:"id" jsonschema:"The posting's id: get_posting reads it in full."`
	URL            string    `json:"url,omitempty" jsonschema:"The posting's page on the careers site."`
	Title          string    `json:"title" jsonschema:"The job title."`
	Company        string    `json:"company,omitempty" jsonschema:"The hiring company."`
	Site           string    `json:"site" jsonschema:"The configured site the posting was crawled from."`
	JobNumber      string    `json:"job_number" jsonschema:"The site's own job number (requisition id)."`
	Locations      []string  `json:"locations,omitempty" jsonschema:"Where the job is, as the site writes it."`
	Countries      []string  `json:"countries,omitempty" jsonschema:"The countries of the locations."`
	Remote         bool      `json:"remote,omitempty" jsonschema:"True when the job may be done remotely."`
	WorkplaceType  string    `json:"workplace_type,omitempty" jsonschema:"On-site, hybrid or remote, as the site says."`
	EmploymentType string    `json:"employment_type,omitempty" jsonschema:"Full-time, part-time, contract… as the site says."`
	JobFamily      string    `json:"job_family,omitempty" jsonschema:"The job family or category."`
	Team           string    `json:"team,omitempty" jsonschema:"The team."`
	Department     string    `json:"department,omitempty" jsonschema:"The department."`
	SalaryMin      float64   `json:"salary_min,omitempty" jsonschema:"The lower end of the pay range."`
	SalaryMax      float64   `json:"salary_max,omitempty" jsonschema:"The upper end of the pay range."`
	SalaryCurrency string    `json:"salary_currency,omitempty" jsonschema:"The pay's ISO 4217 currency."`
	SalaryPeriod   string    `json:"salary_period,omitempty" jsonschema:"What the pay is per: year, month, hour…"`
	DatePosted     string    `json:"date_posted,omitempty" jsonschema:"When the site says it was posted (YYYY-MM-DD)."`
	Status         string    `json:"status" jsonschema:"open, or closed when the site no longer lists it."`
	FirstSeen      time.Time `json:"first_seen" jsonschema:"When jobcrawl first saw the posting."`
	LastSeen       time.Time `json:"last_seen" jsonschema:"When jobcrawl last saw the posting on the site."`
	Snippet        string    `json:"snippet,omitempty" jsonschema:"About 300 characters of the description, plain text: around the words that matched the query, else its beginning. get_posting has the whole text."`
}

func hitOf(r index.Record) Hit {
	return Hit{ID: r.ID, URL: r.URL, Title: r.Title, Company: r.Company, Site: r.Site, JobNumber: r.JobNumber,
		Locations: r.Locations, Countries: r.Countries, Remote: r.Remote, WorkplaceType: r.WorkplaceType,
		EmploymentType: r.EmploymentType, JobFamily: r.JobFamily, Team: r.Team, Department: r.Department,
		SalaryMin: r.SalaryMin, SalaryMax: r.SalaryMax, SalaryCurrency: r.SalaryCurrency, SalaryPeriod: r.SalaryPeriod,
		DatePosted: r.DatePosted, Status: r.Status, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen, Snippet: snippet(r)}
}

// snippet is the hit's snippet as plain text (the index marks the
// matching words in HTML), or the description's beginning.
func snippet(r index.Record) string {
	if r.Snippet != "" {
		s := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(r.Snippet)
		return html.UnescapeString(s)
	}
	return cut(strings.Join(strings.Fields(r.Description), " "), SnippetLen)
}

// cut is s, or its first n characters, ended at a space where one is near,
// and "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == n {
			break
		}
		k++
	}
	head := s[:i]
	if j := strings.LastIndexByte(head, ' '); j > len(head)*3/4 {
		head = head[:j]
	}
	return head + "…"
}

func (s *server) searchPostings(ctx context.Context, _ *mcp.CallToolRequest, in SearchInput) (*mcp.CallToolResult, SearchOutput, error) {
	var out SearchOutput
	q, err := in.query()
	if err != nil {
		return nil, out, err
	}
	for _, f := range in.Facets {
		if !index.IsFacet(f) {
			return nil, out, badf("%s is not a facet: facet fields are %s", quoted(f), strings.Join(index.FacetFields, ", "))
		}
		if !slices.Contains(q.Facets, f) {
			q.Facets = append(q.Facets, f)
		}
	}
	if in.Sort != "" {
		if utf8.RuneCountInString(in.Sort) > echoLen {
			return nil, out, badf("cannot sort by %s: sortable fields are %s", quoted(in.Sort), strings.Join(index.SortFields, ", "))
		}
		sort, err := index.ParseSort(in.Sort)
		if err != nil {
			return nil, out, s.fail("search_postings", err)
		}
		q.Sort = []index.Sort{sort}
	}
	switch {
	case in.Limit < 0:
		return nil, out, badf("limit %d is negative", in.Limit)
	case in.Offset < 0:
		return nil, out, badf("offset %d is negative", in.Offset)
	case in.Offset > MaxOffset:
		return nil, out, badf("offset %d is over the maximum of %d: narrow the search with query or filters instead", in.Offset, MaxOffset)
	}
	q.Limit = in.Limit
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, s.MaxLimit)
	q.Offset = in.Offset
	q.FacetSize = SearchFacetValues
	if err := q.Validate(); err != nil {
		return nil, out, s.fail("search_postings", err)
	}
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, out, err
	}
	defer done()
	res, err := s.Index.Search(ctx, q)
	if err != nil {
		return nil, out, s.fail("search_postings", err)
	}
	out = SearchOutput{Total: res.Total, Offset: q.Offset, Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, hitOf(h))
	}
	if next := q.Offset + len(res.Hits); len(res.Hits) > 0 && next < res.Total && next <= MaxOffset {
		out.NextOffset = next
	}
	if len(q.Facets) > 0 {
		out.Facets = map[string][]FacetValue{}
		for _, f := range q.Facets {
			out.Facets[f] = facetValues(res.Facets[f], SearchFacetValues)
		}
	}
	return nil, out, nil
}

// facetValues are counts' values, the most frequent first, at most n.
func facetValues(counts map[string]int, n int) []FacetValue {
	keys := index.ByCount(counts)
	out := make([]FacetValue, 0, min(n, len(keys)))
	for _, k := range keys[:min(n, len(keys))] {
		out = append(out, FacetValue{Value: k, Count: counts[k]})
	}
	return out
}

// GetInput is get_posting's input.
type GetInput struct {
	ID string `json:"id" jsonschema:"The posting's id, as a search_postings hit gives it (for example contoso_322695)."`
}

// Posting is a posting whole, as get_posting shows it: the public record
// (the fields of GET /api/postings/{id}).
type Posting struct {
	ID                   string     `json:"id" jsonschema:"The posting's id."`
	Site                 string     `json:"site" jsonschema:"The configured site the posting was crawled from."`
	JobNumber            string     `json:"job_number" jsonschema:"The site's own job number (requisition id)."`
	AltIDs               []string   `json:"alt_ids,omitempty" jsonschema:"Other ids the site gives the same job."`
	Title                string     `json:"title" jsonschema:"The job title."`
	Company              string     `json:"company,omitempty" jsonschema:"The hiring company."`
	URL                  string     `json:"url,omitempty" jsonschema:"The posting's page on the careers site."`
	URLs                 []string   `json:"urls,omitempty" jsonschema:"Every page the posting was seen at (one per location, say)."`
	ApplyURL             string     `json:"apply_url,omitempty" jsonschema:"Where to apply."`
	Locations            []string   `json:"locations,omitempty" jsonschema:"Where the job is, as the site writes it."`
	Cities               []string   `json:"cities,omitempty" jsonschema:"The cities of the locations."`
	Regions              []string   `json:"regions,omitempty" jsonschema:"The regions (states, provinces) of the locations."`
	Countries            []string   `json:"countries,omitempty" jsonschema:"The countries of the locations."`
	Remote               bool       `json:"remote" jsonschema:"True when the job may be done remotely."`
	WorkplaceType        string     `json:"workplace_type,omitempty" jsonschema:"On-site, hybrid or remote, as the site says."`
	EmploymentType       string     `json:"employment_type,omitempty" jsonschema:"Full-time, part-time, contract… as the site says."`
	JobFamily            string     `json:"job_family,omitempty" jsonschema:"The job family or category."`
	Team                 string     `json:"team,omitempty" jsonschema:"The team."`
	Department           string     `json:"department,omitempty" jsonschema:"The department."`
	SalaryMin            float64    `json:"salary_min,omitempty" jsonschema:"The lower end of the pay range."`
	SalaryMax            float64    `json:"salary_max,omitempty" jsonschema:"The upper end of the pay range."`
	SalaryCurrency       string     `json:"salary_currency,omitempty" jsonschema:"The pay's ISO 4217 currency."`
	SalaryPeriod         string     `json:"salary_period,omitempty" jsonschema:"What the pay is per: year, month, hour…"`
	DatePosted           string     `json:"date_posted,omitempty" jsonschema:"When the site says it was posted (YYYY-MM-DD)."`
	ValidThrough         string     `json:"valid_through,omitempty" jsonschema:"Until when the site says applications are taken."`
	Description          string     `json:"description,omitempty" jsonschema:"The job description, plain text."`
	DescriptionTruncated bool       `json:"description_truncated,omitempty" jsonschema:"True when the description was cut to 20000 characters."`
	Qualifications       []string   `json:"qualifications,omitempty" jsonschema:"The qualifications asked for, one per item."`
	Responsibilities     []string   `json:"responsibilities,omitempty" jsonschema:"The responsibilities, one per item."`
	Benefits             []string   `json:"benefits,omitempty" jsonschema:"The benefits offered, one per item."`
	Status               string     `json:"status" jsonschema:"open, or closed when the site no longer lists it."`
	FirstSeen            time.Time  `json:"first_seen" jsonschema:"When jobcrawl first saw the posting."`
	LastSeen             time.Time  `json:"last_seen" jsonschema:"When jobcrawl last saw the posting on the site."`
	ClosedAt             *time.Time `json:"closed_at,omitempty" jsonschema:"When jobcrawl found the posting closed."`
}

func postingOf(r index.Record) Posting {
	r = r.Public()
	p := Posting{ID: r.ID, Site: r.Site, JobNumber: r.JobNumber, AltIDs: r.AltIDs, Title: r.Title, Company: r.Company,
		URL: r.URL, URLs: r.URLs, ApplyURL: r.ApplyURL, Locations: r.Locations, Cities: r.Cities, Regions: r.Regions,
		Countries: r.Countries, Remote: r.Remote, WorkplaceType: r.WorkplaceType, EmploymentType: r.EmploymentType,
		JobFamily: r.JobFamily, Team: r.Team, Department: r.Department, SalaryMin: r.SalaryMin, SalaryMax: r.SalaryMax,
		SalaryCurrency: r.SalaryCurrency, SalaryPeriod: r.SalaryPeriod, DatePosted: r.DatePosted, ValidThrough: r.ValidThrough,
		Description: r.Description, Qualifications: r.Qualifications, Responsibilities: r.Responsibilities,
		Benefits: r.Benefits, Status: r.Status, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen, ClosedAt: r.ClosedAt}
	if utf8.RuneCountInString(p.Description) > MaxDescription {
		p.Description, p.DescriptionTruncated = cut(p.Description, MaxDescription), true
	}
	return p
}

// recordID is the shape of every record id (see index.RecordID).
var recordID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func (s *server) getPosting(ctx context.Context, _ *mcp.CallToolRequest, in GetInput) (*mcp.CallToolResult, Posting, error) {
	id := strings.TrimSpace(in.ID)
	if id == "" {
		return nil, Posting{}, badf("id is empty: give the id of a search_postings hit")
	}
	if len(id) > maxIDLen || !recordID.MatchString(id) {
		return nil, Posting{}, badf("no posting with id %s: an id is made of letters, digits, '-' and '_' (take it from a search_postings hit)", quoted(id))
	}
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, Posting{}, err
	}
	defer done()
	rec, err := s.Index.Get(ctx, id)
	if errors.Is(err, index.ErrNotFound) {
		return nil, Posting{}, badf("no posting with id %s (it may have been removed; search_postings finds current ids)", quoted(id))
	}
	if err != nil {
		return nil, Posting{}, s.fail("get_posting", err)
	}
	return nil, postingOf(rec), nil
}

// FacetsInput is list_facets' input.
type FacetsInput struct {
	Field string `json:"field,omitempty" jsonschema:"The field whose values to list; empty: every filterable field."`
	QueryInput
	Limit int `json:"limit,omitempty" jsonschema:"Values to list per field, the most frequent first: default 50, at most 500."`
}

// FacetsOutput is list_facets' answer.
type FacetsOutput struct {
	Total  int          `json:"total" jsonschema:"How many postings match the query and filters."`
	Fields []FacetField `json:"fields" jsonschema:"Each field asked for with its values."`
}

// FacetField is one field's values.
type FacetField struct {
	Field     string       `json:"field" jsonschema:"The field, as filters name it."`
	Values    []FacetValue `json:"values" jsonschema:"Its values with the number of matching postings having each, most frequent first."`
	Truncated bool         `json:"truncated,omitempty" jsonschema:"True when the field has more values than listed (raise limit, or narrow with query and filters)."`
}

func (s *server) listFacets(ctx context.Context, _ *mcp.CallToolRequest, in FacetsInput) (*mcp.CallToolResult, FacetsOutput, error) {
	var out FacetsOutput
	fields := index.FacetFields
	if in.Field != "" {
		if !index.IsFacet(in.Field) {
			return nil, out, badf("%s is not a facet field: facet fields are %s", quoted(in.Field), strings.Join(index.FacetFields, ", "))
		}
		fields = []string{in.Field}
	}
	switch {
	case in.Limit < 0:
		return nil, out, badf("limit %d is negative", in.Limit)
	case in.Limit == 0:
		in.Limit = DefaultFacetValues
	}
	in.Limit = min(in.Limit, MaxFacetValues)
	q, err := in.query()
	if err != nil {
		return nil, out, err
	}
	q.Facets = slices.Clone(fields)
	q.Limit = 1
	q.FacetSize = in.Limit + 1 // one more tells whether there are more
	if err := q.Validate(); err != nil {
		return nil, out, s.fail("list_facets", err)
	}
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, out, err
	}
	defer done()
	res, err := s.Index.Search(ctx, q)
	if err != nil {
		return nil, out, s.fail("list_facets", err)
	}
	out = FacetsOutput{Total: res.Total, Fields: make([]FacetField, 0, len(fields))}
	for _, f := range fields {
		counts := res.Facets[f]
		out.Fields = append(out.Fields, FacetField{Field: f, Values: facetValues(counts, in.Limit), Truncated: len(counts) > in.Limit})
	}
	return nil, out, nil
}

// BuildVersion is the main module's version as the go command recorded
// it in the binary ("1.2.0" for a tagged build), or "dev": the version a
// server reports when its caller knows no better.
func BuildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "dev"
	}
	return strings.TrimPrefix(info.Main.Version, "v")
}

// SDKLogger is l for the SDK's own log lines, warnings and errors only:
// at info level it logs every session's start and end, which a stateless
// HTTP endpoint has on every request.
func SDKLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(warnOnly{l.Handler()})
}

type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && w.Handler.Enabled(ctx, level)
}

func (w warnOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnOnly{w.Handler.WithAttrs(attrs)}
}
func (w warnOnly) WithGroup(name string) slog.Handler { return warnOnly{w.Handler.WithGroup(name)} }
