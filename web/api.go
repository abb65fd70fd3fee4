package web

import (
	"context"
	"errors"
	"fmt"
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

// Bounds of what a client may ask, beside the index's own (index.MaxLimit).
const (
	maxQueryLen   = 500   // characters of free text
	maxFilters    = 50    // filter values in all
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

// parseSearch reads GET /api/search's parameters into a valid query. Like
// `jobcrawl search`, it keeps open postings only unless the client filters
// on status or passes all=true.
func parseSearch(v url.Values) (index.Query, error) {
	var q index.Query
	for k := range v {
		if !slices.Contains(searchParams, k) {
			return q, badRequest("unknown parameter %q (parameters: %s)", k, strings.Join(searchParams, ", "))
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
	if len(v["filter"]) > maxFilters {
		return q, badRequest("more than %d filters", maxFilters)
	}
	filters, err := index.ParseFilters(v["filter"])
	if err != nil {
		return q, err
	}
	q.Filters = filters
	for _, f := range v["facet"] {
		if !slices.Contains(q.Facets, f) {
			q.Facets = append(q.Facets, f)
		}
	}
	if len(v["sort"]) > maxSorts {
		return q, badRequest("more than %d sort keys", maxSorts)
	}
	for _, spec := range v["sort"] {
		s, err := index.ParseSort(spec)
		if err != nil {
			return q, err
		}
		q.Sort = append(q.Sort, s)
	}
	q.Limit = index.DefaultLimit
	if s := v.Get("limit"); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil {
			return q, badRequest("limit %q is not a number", s)
		}
		if q.Limit < 1 {
			return q, badRequest("limit must be at least 1")
		}
	}
	if s := v.Get("offset"); s != "" {
		if q.Offset, err = strconv.Atoi(s); err != nil {
			return q, badRequest("offset %q is not a number", s)
		}
		if q.Offset > maxOffset {
			return q, badRequest("offset %d is over the maximum of %d (narrow the search instead)", q.Offset, maxOffset)
		}
	}
	all := false
	if s := v.Get("all"); s != "" {
		if all, err = strconv.ParseBool(s); err != nil {
			return q, badRequest("all %q is not true or false", s)
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
	q, err := parseSearch(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, clientMessage(err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	res, err := s.index.Search(ctx, q)
	switch {
	case isClientError(err):
		writeError(w, http.StatusBadRequest, clientMessage(err))
	case err != nil:
		s.serverError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// recordID is the shape of every record id (see index.RecordID); anything
// else cannot name a record and never reaches the index.
var recordID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`)

// apiPosting is GET /api/postings/{id}.
func (s *Server) apiPosting(w http.ResponseWriter, r *http.Request) {
	rec, err := s.getRecord(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, index.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no posting with id %q", r.PathValue("id")))
	case err != nil:
		s.serverError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, rec)
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

// apiSite is GET /api/sites/{name}: one site with its recent runs.
func (s *Server) apiSite(w http.ResponseWriter, r *http.Request) {
	st, ok := s.sites.Site(r.PathValue("name"))
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no site named %q", r.PathValue("name")))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// apiRun is POST /api/sites/{name}/run.
func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := s.sites.RunNow(name)
	switch {
	case errors.Is(err, daemon.ErrUnknownSite):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no site named %q", name))
	case errors.Is(err, daemon.ErrRunning):
		writeError(w, http.StatusConflict, fmt.Sprintf("site %s: a run is already queued or in progress", name))
	case errors.Is(err, daemon.ErrNotRunning):
		writeError(w, http.StatusServiceUnavailable, "the daemon is stopping")
	case err != nil:
		s.serverError(w, r, err)
	default:
		st, _ := s.sites.Site(name)
		st.History = nil
		writeJSON(w, http.StatusAccepted, st)
	}
}

// healthz is GET /healthz: 200 when the index answers.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	st, err := s.index.Stats(ctx)
	if err != nil {
		s.log.Warn("health check: the index does not answer", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "index: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "documents": st.Documents})
}

// serverError logs a failure that is not the client's and answers 500
// without its details.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error (see the daemon's log)")
}
