// Package web serves the daemon's HTTP interface: the JSON search API, the
// sites API, /healthz, /metrics in the Prometheus text format, and the
// server-rendered search page with its posting view. Templates and static
// assets ship inside the binary.
package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

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
	index   index.Index
	sites   Sites
	log     *slog.Logger
	handler http.Handler
}

// New returns the server of ix and sites. logger receives the requests
// that failed on the server's side (and, at debug level, every request).
func New(ix index.Index, sites Sites, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{index: ix, sites: sites, log: logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/search", s.apiSearch)
	mux.HandleFunc("GET /api/postings/{id}", s.apiPosting)
	mux.HandleFunc("GET /api/sites", s.apiSites)
	mux.HandleFunc("GET /api/sites/{name}", s.apiSite)
	mux.HandleFunc("POST /api/sites/{name}/run", s.apiRun)
	for path, method := range map[string]string{"/api/search": "GET", "/api/postings/{id}": "GET", "/api/sites": "GET",
		"/api/sites/{name}": "GET", "/api/sites/{name}/run": "POST"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", method)
			writeError(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+": use "+method)
		})
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.HandleFunc("GET /{$}", s.searchPage)
	mux.HandleFunc("GET /postings/{id}", s.postingPage)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	mux.HandleFunc("/", s.notFoundPage)
	// A page on another origin must not start crawls through the
	// visitor's browser (the API is on loopback, not out of reach).
	s.handler = http.NewCrossOriginProtection().Handler(mux)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
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
}

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

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}
