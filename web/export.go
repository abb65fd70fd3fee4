package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jobcrawl/jobcrawl/export"
	"github.com/jobcrawl/jobcrawl/index"
)

// Bounds of GET /api/export.
const (
	// maxExports is how many exports run at once; beyond it a request is
	// answered 503 with Retry-After. An export holds a page of records and
	// a 64 KB buffer, but reads the whole index: the cap keeps a few
	// downloads from taking the disk and CPU from searches and crawls.
	maxExports = 2
	// exportRetryAfter is the Retry-After of a 503 for too many exports.
	exportRetryAfter = 30 * time.Second
	// exportIdle is how long a write to the client may take: a client that
	// reads nothing for that long loses its export (and its slot). It
	// replaces the server's WriteTimeout, which would cut a long export.
	exportIdle = 60 * time.Second
)

// exportParams are the parameters of GET /api/export.
var exportParams = []string{"q", "filter", "sort", "all", "format", "excel"}

// Trailers of an export: the number of records written, and, when the
// export stopped after its first bytes were sent, why (the status is
// already 200 then).
const (
	trailerExportCount = "Jobcrawl-Export-Count"
	trailerExportError = "Jobcrawl-Export-Error"
)

// exportState counts a server's exports, for the cap and /metrics.
type exportState struct {
	slots    chan struct{}
	served   atomic.Int64 // exports that ran to their end
	failed   atomic.Int64 // exports that stopped on an error (a client gone included)
	rejected atomic.Int64 // requests turned away by the cap (503)
	records  atomic.Int64 // records written by all exports
}

// exports holds each server's exportState (the Server type is shared with
// the other features; its export state lives here).
var exports sync.Map // *Server → *exportState

func (s *Server) exportState() *exportState {
	if st, ok := exports.Load(s); ok {
		return st.(*exportState)
	}
	st, _ := exports.LoadOrStore(s, &exportState{slots: make(chan struct{}, maxExports)})
	return st.(*exportState)
}

// exportRoutes registers the export routes (GET /api/export).
func (s *Server) exportRoutes(mux *http.ServeMux) {
	s.exportState()
	s.handle(mux, "GET /api/export", s.apiExport)
}

// ExportStats reports the exports of the server: running now, and since
// it started those served to their end, those that failed, those turned
// away (503) and the records written.
func (s *Server) ExportStats() (running int, served, failed, rejected, records int64) {
	st := s.exportState()
	return len(st.slots), st.served.Load(), st.failed.Load(), st.rejected.Load(), st.records.Load()
}

// writeExportMetrics writes the export families of /metrics.
func (s *Server) writeExportMetrics(m *promWriter) {
	running, served, failed, rejected, records := s.ExportStats()
	m.family("jobcrawl_exports_running", "gauge", "Exports (GET /api/export) streaming now.")
	m.sample("", float64(running))
	m.family("jobcrawl_exports_total", "counter", "Exports by outcome: ok (to the end), failed (an error or a client gone), rejected (503, too many at once).")
	m.sample("", float64(served), "outcome", "ok")
	m.sample("", float64(failed), "outcome", "failed")
	m.sample("", float64(rejected), "outcome", "rejected")
	m.family("jobcrawl_export_records_total", "counter", "Records written by exports.")
	m.sample("", float64(records))
}

// parseExport reads GET /api/export's parameters: the query of
// /api/search (q, filter, sort, all; no paging), the format and excel.
func parseExport(v url.Values) (index.Query, export.Format, bool, error) {
	var q index.Query
	for k := range v {
		if !slices.Contains(exportParams, k) {
			return q, "", false, badRequest("unknown parameter %s (parameters: %s)", quoted(k), strings.Join(exportParams, ", "))
		}
	}
	for _, k := range []string{"q", "all", "format", "excel"} {
		if len(v[k]) > 1 {
			return q, "", false, badRequest("parameter %q given %d times", k, len(v[k]))
		}
	}
	format, err := export.ParseFormat(v.Get("format"))
	if err != nil {
		return q, "", false, badRequest("format %s is not jsonl, csv or jsonld", quoted(v.Get("format")))
	}
	excel := false
	if s := v.Get("excel"); s != "" {
		if excel, err = strconv.ParseBool(s); err != nil {
			return q, "", false, badRequest("excel %s is not true or false", quoted(s))
		}
	}
	// the search parameters, checked as /api/search checks them
	sv := url.Values{}
	for _, k := range []string{"q", "filter", "sort", "all"} {
		if vals, ok := v[k]; ok {
			sv[k] = vals
		}
	}
	q, err = parseSearch(sv, index.MaxLimit)
	if err != nil {
		return q, "", false, err
	}
	return q, format, excel, nil
}

// apiExport is GET /api/export: every record matching the query, streamed
// in the format asked for, as `jobcrawl export` writes it.
func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	v, err := queryValues(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, clientMessage(err))
		return
	}
	q, format, excel, err := parseExport(v)
	if err != nil {
		writeError(w, http.StatusBadRequest, clientMessage(err))
		return
	}
	if r.Method == http.MethodHead { // GET's pattern takes HEAD too: the headers, without reading the index
		w.Header().Set("Content-Type", format.ContentType())
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return
	}
	st := s.exportState()
	select {
	case st.slots <- struct{}{}:
	default:
		st.rejected.Add(1)
		w.Header().Set("Retry-After", retryAfter(exportRetryAfter))
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("%d exports are running, the most at once; retry after a moment", maxExports))
		return
	}
	defer func() { <-st.slots }()

	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="jobcrawl-%s.%s"`, time.Now().UTC().Format("20060102T150405Z"), format.Ext()))
	h.Set("Cache-Control", "no-store")
	h.Set("Trailer", trailerExportCount+", "+trailerExportError)
	out := &lazyWriter{w: w, rc: http.NewResponseController(underlying(w))}
	ew, err := export.NewWriter(out, format, export.Options{Excel: excel})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	err = index.Scan(ctx, s.index, q, func(rec index.Record) error {
		if err := ew.Write(rec); err != nil {
			return errClientGone{err}
		}
		st.records.Add(1)
		return nil
	})
	if err == nil {
		if err = ew.Close(); err != nil {
			err = errClientGone{err}
		}
	}
	if err == nil {
		st.served.Add(1)
		w.Header().Set(trailerExportCount, strconv.FormatInt(ew.Count(), 10))
		return
	}
	st.failed.Add(1)
	var gone errClientGone
	switch {
	case errors.As(err, &gone) || r.Context().Err() != nil:
		s.log.Debug("export cut off", "error", err, "records", ew.Count())
	case out.started:
		// the status is sent: say so in the trailer, and end the body short
		s.log.Error("export failed", "error", err, "records", ew.Count())
		w.Header().Set(trailerExportError, exportFailure(err))
	case isClientError(err) || errors.Is(err, index.ErrScanLimit):
		clearExportHeaders(w)
		writeError(w, http.StatusBadRequest, exportFailure(err))
	default:
		clearExportHeaders(w)
		s.serverError(w, r, err)
	}
}

// exportFailure is what a client is told of an export that failed: the
// query's fault in its words, anything else without internals.
func exportFailure(err error) string {
	switch {
	case isClientError(err):
		return clientMessage(err)
	case errors.Is(err, index.ErrScanLimit):
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, index.ErrScanLimit.Error()) {
			msg = msg[i+2:]
		}
		if utf8.RuneCountInString(msg) > 400 {
			msg = string([]rune(msg)[:400]) + "…"
		}
		return msg
	}
	return "internal error (see the daemon's log)"
}

func clearExportHeaders(w http.ResponseWriter) {
	for _, k := range []string{"Content-Disposition", "Trailer", "Cache-Control"} {
		w.Header().Del(k)
	}
}

// underlying is the ResponseWriter net/http gave ServeHTTP, beneath the
// server's statusRecorder (which does not unwrap), so that an export can
// set its write deadline and flush.
func underlying(w http.ResponseWriter) http.ResponseWriter {
	if rec, ok := w.(*statusRecorder); ok {
		return rec.ResponseWriter
	}
	return w
}

// errClientGone is a write to the client that failed.
type errClientGone struct{ err error }

func (e errClientGone) Error() string { return "write to the client: " + e.err.Error() }
func (e errClientGone) Unwrap() error { return e.err }

// lazyWriter sends the status line with the first bytes (so an export that
// fails before it wrote anything still gets an error status), and gives
// every write exportIdle to complete.
type lazyWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.WriteHeader(http.StatusOK)
	}
	// Without support for deadlines and flushes (a ResponseWriter that
	// does not unwrap to net/http's), the server's WriteTimeout stays and
	// the response goes out as net/http's buffer fills.
	_ = l.rc.SetWriteDeadline(time.Now().Add(exportIdle))
	n, err := l.w.Write(p)
	if err == nil {
		if ferr := l.rc.Flush(); ferr != nil && !errors.Is(ferr, http.ErrNotSupported) {
			err = ferr
		}
	}
	return n, err
}
