package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index"
)

// Bounds of what a client may ask, beside the page size (SearchLimits.MaxLimit).
const (
	maxQueryLen   = 500   // characters of free text
	maxFilters    = 50    // filter values in all
	maxFilterLen  = 300   // characters of one filter, field and value
	maxSorts      = 3     // sort keys
	maxOffset     = 10000 // deeper pages cost the index too much; narrow the search instead
	searchTimeout = 10 * time.Second
)

// searchParams are the parameters of GET /api/search.
var searchParams = []string{"q", "filter", "facet", "sort", "limit", "offset", "all"}

// errBadRequest marks a request the client must fix (400).
var errBadRequest = errors.New("bad request")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

// queryValues parses r's query string strictly: a malformed escape, or a
// parameter name or value that is not UTF-8, is the client's to fix (Go's
// r.URL.Query would drop the first and pass the second on to the index).
func queryValues(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("the query string is malformed (a bad %%-escape or a ';')")
	}
	for k, vals := range v {
		if !utf8.ValidString(k) {
			return nil, badRequest("parameter %s: its name is not valid UTF-8", quoted(k))
		}
		for _, val := range vals {
			if !utf8.ValidString(val) {
				return nil, badRequest("parameter %s is not valid UTF-8", quoted(k))
			}
		}
	}
	return v, nil
}

// parseFilters is index.ParseFilters, after checks of its own so that no
// message repeats more than the start of a long filter.
func parseFilters(specs []string) ([]index.Filter, error) {
	if len(specs) > maxFilters {
		return nil, badRequest("more than %d filters", maxFilters)
	}
	for _, spec := range specs {
		if utf8.RuneCountInString(spec) > maxFilterLen {
			return nil, badRequest("filter %s is longer than %d characters", quoted(spec), maxFilterLen)
		}
		i := strings.IndexAny(spec, "=:")
		if i <= 0 {
			return nil, badRequest("filter %s: want field=value", quoted(spec))
		}
		if f := strings.TrimSpace(spec[:i]); !index.IsFacet(f) {
			return nil, badRequest("cannot filter on %s (filterable: %s)", quoted(f), strings.Join(index.FacetFields, ", "))
		}
	}
	return index.ParseFilters(specs)
}

// parseSearch reads GET /api/search's parameters into a valid query whose
// page is at most maxLimit. Like `jobcrawl search`, it keeps open postings
// only unless the client filters on status or passes all=true.
func parseSearch(v url.Values, maxLimit int) (index.Query, error) {
	var q index.Query
	for k := range v {
		if !slices.Contains(searchParams, k) {
			return q, badRequest("unknown parameter %s (parameters: %s)", quoted(k), strings.Join(searchParams, ", "))
		}
	}
	for _, k := range []string{"q", "limit", "offset", "all"} {
		if len(v[k]) > 1 {
			return q, badRequest("parameter %q given %d times", k, len(v[k]))
		}
	}
	q.Text = strings.TrimSpace(v.Get("q"))
	if utf8.RuneCountInString(q.Text) > maxQueryLen {
		return q, badRequest("q is longer than %d characters", maxQueryLen)
	}
	filters, err := parseFilters(v["filter"])
	if err != nil {
		return q, err
	}
	q.Filters = filters
	for _, f := range v["facet"] {
		if !index.IsFacet(f) {
			return q, badRequest("%s is not a facet (facets: %s)", quoted(f), strings.Join(index.FacetFields, ", "))
		}
		if !slices.Contains(q.Facets, f) {
			q.Facets = append(q.Facets, f)
		}
	}
	if len(v["sort"]) > maxSorts {
		return q, badRequest("more than %d sort keys", maxSorts)
	}
	for _, spec := range v["sort"] {
		if utf8.RuneCountInString(spec) > echoLen { // no sort key is this long
			return q, badRequest("cannot sort by %s (sortable: %s)", quoted(spec), strings.Join(index.SortFields, ", "))
		}
		s, err := index.ParseSort(spec)
		if err != nil {
			return q, err
		}
		q.Sort = append(q.Sort, s)
	}
	q.Limit = min(index.DefaultLimit, maxLimit)
	if s := v.Get("limit"); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil {
			return q, badRequest("limit %s is not a number", quoted(s))
		}
		if q.Limit < 1 {
			return q, badRequest("limit must be at least 1")
		}
		if q.Limit > maxLimit {
			return q, badRequest("limit %d is over the maximum of %d", q.Limit, maxLimit)
		}
	}
	if s := v.Get("offset"); s != "" {
		if q.Offset, err = strconv.Atoi(s); err != nil {
			return q, badRequest("offset %s is not a number", quoted(s))
		}
		if q.Offset > maxOffset {
			return q, badRequest("offset %d is over the maximum of %d (narrow the search instead)", q.Offset, maxOffset)
		}
	}
	all := false
	if s := v.Get("all"); s != "" {
		if all, err = strconv.ParseBool(s); err != nil {
			return q, badRequest("all %s is not true or false", quoted(s))
		}
	}
	if !all && !q.HasFilter("status") {
		q.Filters = append(q.Filters, index.Filter{Field: "status", Values: []string{index.StatusOpen}})
	}
	if err := q.Validate(); err != nil {
		return q, err
	}
	return q, nil
}

// isClientError reports whether err is the client's to fix.
func isClientError(err error) bool {
	return errors.Is(err, errBadRequest) || errors.Is(err, index.ErrBadQuery)
}

// clientMessage is err's text without the sentinel's prefix.
func clientMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{errBadRequest.Error() + ": ", index.ErrBadQuery.Error() + ": "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// apiSearch is GET /api/search: the JSON of `jobcrawl search --json`.
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	v, err := queryValues(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, clientMessage(err))
		return
	}
	q, err := parseSearch(v, s.limits.MaxLimit)
	if err != nil {
		writeError(w, http.StatusBadRequest, clientMessage(err))
		return
	}
	// The slot is held until the hits are written: the page of hits is in
	// memory until then, and the cap is what bounds that memory.
	release, err := s.gate.enter(r.Context())
	if err != nil {
		s.busy(w, err)
		return
	}
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	res, err := s.index.Search(ctx, q)
	switch {
	case isClientError(err):
		writeError(w, http.StatusBadRequest, clientMessage(err))
	case err != nil:
		s.serverError(w, r, err)
	default:
		if err := writeResult(w, res); err != nil {
			s.log.Debug("search response cut off", "error", err)
		}
	}
}

// busy answers a search turned away by the gate: 503 with Retry-After.
// (A client that went away while it waited gets the same; it reads nothing.)
func (s *Server) busy(w http.ResponseWriter, err error) {
	w.Header().Set("Retry-After", retryAfter(s.limits.QueueTimeout))
	msg := "too many searches at once; retry after a moment"
	if !errors.Is(err, errBusy) {
		msg = "the request was cancelled"
	}
	writeError(w, http.StatusServiceUnavailable, msg)
}

// writeResult writes res as JSON straight to w, one hit at a time: the
// response is never built whole in memory beside the result (a page of a
// hundred hits with their descriptions is half a megabyte). The shape is
// index.Result's JSON, one hit a line.
func writeResult(w http.ResponseWriter, res index.Result) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w) // escapes <, > and &, as writeJSON does
	if _, err := io.WriteString(w, `{"total":`+strconv.Itoa(res.Total)+`,"hits":[`+"\n"); err != nil {
		return err
	}
	for i := range res.Hits {
		if i > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		if err := enc.Encode(res.Hits[i].Public()); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, `],"facets":`); err != nil {
		return err
	}
	if err := enc.Encode(res.Facets); err != nil {
		return err
	}
	_, err := io.WriteString(w, "}\n")
	return err
}

// recordID is the shape of every record id (see index.RecordID); anything
// else cannot name a record and never reaches the index.
var recordID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`)

// apiPosting is GET /api/postings/{id}.
func (s *Server) apiPosting(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !utf8.ValidString(id) {
		writeError(w, http.StatusBadRequest, "the posting id is not valid UTF-8")
		return
	}
	rec, err := s.getRecord(r.Context(), id)
	switch {
	case errors.Is(err, index.ErrNotFound):
		writeError(w, http.StatusNotFound, "no posting with id "+quoted(id))
	case err != nil:
		s.serverError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, rec.Public())
	}
}

func (s *Server) getRecord(ctx context.Context, id string) (index.Record, error) {
	if !recordID.MatchString(id) {
		return index.Record{}, index.ErrNotFound
	}
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	return s.index.Get(ctx, id)
}

// apiSites is GET /api/sites.
func (s *Server) apiSites(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Sites []daemon.SiteStatus `json:"sites"`
	}{s.sites.Sites()})
}

// siteName is the {name} of a sites route, or "" and an answered 400 when
// it is not UTF-8.
func siteName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	if !utf8.ValidString(name) {
		writeError(w, http.StatusBadRequest, "the site name is not valid UTF-8")
		return "", false
	}
	return name, true
}

// apiSite is GET /api/sites/{name}: one site with its recent runs.
func (s *Server) apiSite(w http.ResponseWriter, r *http.Request) {
	name, ok := siteName(w, r)
	if !ok {
		return
	}
	st, ok := s.sites.Site(name)
	if !ok {
		writeError(w, http.StatusNotFound, "no site named "+quoted(name))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// apiRun is POST /api/sites/{name}/run.
func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) {
	name, ok := siteName(w, r)
	if !ok {
		return
	}
	err := s.sites.RunNow(name)
	switch {
	case errors.Is(err, daemon.ErrUnknownSite):
		writeError(w, http.StatusNotFound, "no site named "+quoted(name))
	case errors.Is(err, daemon.ErrHeldElsewhere):
		writeError(w, http.StatusConflict, "site "+quoted(name)+": another daemon is crawling it")
	case errors.Is(err, daemon.ErrRunning):
		writeError(w, http.StatusConflict, "site "+quoted(name)+": a run is already queued or in progress")
	case errors.Is(err, daemon.ErrNotRunning):
		writeError(w, http.StatusServiceUnavailable, "the daemon is stopping")
	case errors.Is(err, daemon.ErrUnavailable):
		s.log.Warn("run not started: coordination unavailable", "site", name, "error", err)
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, "coordination backend unavailable: try again later")
	case err != nil:
		s.serverError(w, r, err)
	default:
		st, _ := s.sites.Site(name)
		st.History = nil
		writeJSON(w, http.StatusAccepted, st)
	}
}

// Health of a component in GET /healthz.
const (
	healthOK      = "ok"
	healthFailing = "failing"
)

// healthz is GET /healthz: ok or failing for each component (the index
// answers; the scheduler runs), 200 when all are ok, else 503. Why one
// fails goes to the log, not to the client: a backend's error may name
// its server's address.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	body := struct {
		Status     string            `json:"status"`
		Components map[string]string `json:"components"`
		Documents  *int64            `json:"documents,omitempty"`
	}{Status: healthOK, Components: map[string]string{"index": healthOK, "scheduler": healthOK}}
	fail := func(component string, err error) {
		s.log.Warn("health check failed", "component", component, "error", err)
		body.Status, body.Components[component] = healthFailing, healthFailing
	}
	if st, err := s.index.Stats(ctx); err != nil {
		fail("index", err)
	} else {
		body.Documents = &st.Documents
	}
	// The scheduler has no health of its own to ask; a run of a site
	// named "" (never a site's name) is refused as unknown while it runs,
	// and as not running before Start and after Stop. Nothing starts.
	if err := s.sites.RunNow(""); !errors.Is(err, daemon.ErrUnknownSite) {
		fail("scheduler", err)
	}
	status := http.StatusOK
	if body.Status != healthOK {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, body)
}

// serverError logs a failure that is not the client's and answers 500
// without its details.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error (see the daemon's log)")
}
