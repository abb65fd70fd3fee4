// Package web serves the daemon's HTTP interface: the JSON search API, the
// sites API, /healthz, /metrics in the Prometheus text format, and the
// server-rendered search page with its posting view. Templates and static
// assets ship inside the binary.
package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index"
)

// Sites is what the server needs of the scheduler.
type Sites interface {
	// Sites reports every site, without history.
	Sites() []daemon.SiteStatus
	// Site reports one site with its history.
	Site(name string) (daemon.SiteStatus, bool)
	// RunNow starts a run: daemon.ErrRunning, ErrUnknownSite or ErrNotRunning when it cannot.
	RunNow(name string) error
}

var _ Sites = (*daemon.Scheduler)(nil)

// Server is the HTTP interface. It is an http.Handler.
type Server struct {
	index    index.Index
	sites    Sites
	log      *slog.Logger
	limits   SearchLimits // with defaults filled
	gate     *gate        // the searches running and waiting
	pageSize int          // hits per search page: min(defaultPageSize, limits.MaxLimit)
	handler  http.Handler
	routes   []string // the patterns registered with handle, in order ("GET /api/search")
}

// SearchLimits bound the searches the server runs: how many at once, how
// many wait for their turn and how long, and how large a page may be. They
// bound the memory searches take (each holds its page of hits until it is
// written) and keep the search page responsive under a flood of API calls.
// A zero field takes its default (see WithDefaults).
type SearchLimits struct {
	// MaxConcurrent is how many searches run at once (default: 2 ×
	// GOMAXPROCS, at least 4).
	MaxConcurrent int
	// Queue is how many more may wait for a slot (default: 2 ×
	// MaxConcurrent; negative: none). Beyond it a search is answered 503.
	Queue int
	// QueueTimeout is how long a search may wait for a slot before it is
	// answered 503 (default 2s).
	QueueTimeout time.Duration
	// MaxLimit is the largest page (limit) a search may ask for (default
	// 100, at most index.MaxLimit).
	MaxLimit int
}

// Defaults of SearchLimits.
const (
	DefaultQueueTimeout = 2 * time.Second
	DefaultMaxLimit     = 100
)

// DefaultMaxConcurrent is the default of SearchLimits.MaxConcurrent: 2 ×
// GOMAXPROCS, at least 4.
func DefaultMaxConcurrent() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// WithDefaults returns l with its zero fields set to their defaults.
func (l SearchLimits) WithDefaults() SearchLimits {
	if l.MaxConcurrent <= 0 {
		l.MaxConcurrent = DefaultMaxConcurrent()
	}
	switch {
	case l.Queue == 0:
		l.Queue = 2 * l.MaxConcurrent
	case l.Queue < 0:
		l.Queue = 0
	}
	if l.QueueTimeout <= 0 {
		l.QueueTimeout = DefaultQueueTimeout
	}
	if l.MaxLimit <= 0 {
		l.MaxLimit = DefaultMaxLimit
	}
	l.MaxLimit = min(l.MaxLimit, index.MaxLimit)
	return l
}

// Option changes a Server that New builds.
type Option func(*Server)

// WithSearchLimits sets the bounds of searches (see SearchLimits); without
// it, or for its zero fields, the defaults apply.
func WithSearchLimits(l SearchLimits) Option {
	return func(s *Server) { s.limits = l }
}

// New returns the server of ix and sites. logger receives the requests
// that failed on the server's side (and, at debug level, every request).
func New(ix index.Index, sites Sites, logger *slog.Logger, opts ...Option) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{index: ix, sites: sites, log: logger}
	for _, o := range opts {
		o(s)
	}
	s.limits = s.limits.WithDefaults()
	s.gate = newGate(s.limits.MaxConcurrent, s.limits.Queue, s.limits.QueueTimeout)
	s.pageSize = min(defaultPageSize, s.limits.MaxLimit)
	mux := http.NewServeMux()
	s.handle(mux, "GET /api/search", s.apiSearch)
	s.handle(mux, "GET /api/postings/{id}", s.apiPosting)
	s.handle(mux, "GET /api/sites", s.apiSites)
	s.handle(mux, "GET /api/sites/{name}", s.apiSite)
	s.handle(mux, "POST /api/sites/{name}/run", s.apiRun)
	// the features kept in files of their own register their routes here
	s.exportRoutes(mux)
	s.alertRoutes(mux)
	s.deliveryRoutes(mux)
	s.openapiRoutes(mux)
	s.mcpRoutes(mux)
	s.methodNotAllowed(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+clip(r.Method)+" "+quoted(r.URL.Path))
	})
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.HandleFunc("GET /{$}", s.searchPage)
	mux.HandleFunc("GET /postings/{id}", s.postingPage)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	mux.HandleFunc("/", s.notFoundPage)
	// A page on another origin must not start crawls through the
	// visitor's browser (the API is on loopback, not out of reach).
	// A refused request gets the API's problem details, as every other refusal.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusForbidden, problemCrossOrigin, "cross-origin request refused: "+clip(r.Method)+" "+quoted(r.URL.Path)+
			" may only be sent from this server's own pages (or by a client that sends no Origin or Sec-Fetch-Site header)")
	}))
	s.handler = cop.Handler(mux)
	return s
}

// handle registers h for pattern ("METHOD /path") and records the pattern:
// Routes lists them, the OpenAPI test walks them, and a request to one of
// their paths with another method is answered 405 with Allow.
func (s *Server) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.HandleFunc(pattern, h)
	s.routes = append(s.routes, pattern)
}

// Routes returns the patterns of the server's routes ("GET /api/search").
func (s *Server) Routes() []string { return slices.Clone(s.routes) }

// methodNotAllowed answers a request to a registered path with a method it
// does not have: 405, with Allow listing the ones it has.
func (s *Server) methodNotAllowed(mux *http.ServeMux) {
	allow := map[string][]string{}
	var paths []string
	for _, p := range s.routes {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			continue
		}
		if allow[path] == nil {
			paths = append(paths, path)
		}
		allow[path] = append(allow[path], method)
	}
	for _, path := range paths {
		methods := strings.Join(allow[path], ", ")
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", methods)
			writeError(w, http.StatusMethodNotAllowed, clip(r.Method)+" "+quoted(r.URL.Path)+": use "+methods)
		})
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK, path: r.URL.EscapedPath()}
	h := rec.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	s.handler.ServeHTTP(rec, r)
	s.log.Debug("http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
		"duration", time.Since(start).Round(time.Microsecond))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	path   string // the request's escaped path: problem details' instance
}

func (r *statusRecorder) requestPath() string { return r.path }

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// writeJSON writes v with status. encoding/json escapes <, > and &, so a
// value from a crawled page cannot turn into markup if the response is
// shown as HTML.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// apiError, writeError and writeProblem, the problem details every API
// error is written as, are in problem.go.

// echoLen is how much of a client's value a message repeats.
const echoLen = 40

// clip is s, or its first echoLen characters and "…" when it is longer:
// every message that repeats what a client sent repeats it through clip
// (or quoted), so that a 100 KB id or parameter never comes back whole.
func clip(s string) string {
	if len(s) <= echoLen || utf8.RuneCountInString(s) <= echoLen {
		return s
	}
	i, n := 0, 0
	for i = range s {
		if n == echoLen {
			break
		}
		n++
	}
	return s[:i] + "…"
}

// quoted is clip(s) in Go quotes, invalid UTF-8 escaped.
func quoted(s string) string { return strconv.Quote(clip(s)) }

// retryAfter is the Retry-After of a 503 for a busy server, in whole seconds.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}
