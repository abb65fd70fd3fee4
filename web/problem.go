package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// Every API error is an RFC 9457 problem details object, written by
// writeError (or writeProblem, which can say more):
//
//	HTTP/1.1 404 Not Found
//	Content-Type: application/problem+json
//
//	{"type": "https://jobcrawl.dev/problems/not-found", "title": "Not found",
//	 "status": 404, "detail": "no posting with id \"x\"",
//	 "error": "no posting with id \"x\""}
//
// type is a stable URI per kind of problem (statusProblems, problemTitles;
// a status with no type of its own is "about:blank" with the status text as
// title), title a stable short text of the type, detail what went wrong
// this time, instance (when known) the request's path. error repeats
// detail: the body of every API error before problem details, which
// clients written for it (`jobcrawl search --server`) read.
//
// The problem type URIs identify; they need not resolve (RFC 9457 §3.1.1).
// docs/http-api.md lists them, and web/openapi.json describes the shape.

// problemContentType is the media type of a problem details body.
const problemContentType = "application/problem+json"

// problemBase is the prefix of jobcrawl's problem type URIs.
const problemBase = "https://jobcrawl.dev/problems/"

// Problem types, by name (the last segment of the type URI).
const (
	problemBadRequest       = "bad-request"
	problemCrossOrigin      = "cross-origin"
	problemForbidden        = "forbidden"
	problemNotFound         = "not-found"
	problemMethodNotAllowed = "method-not-allowed"
	problemNotAcceptable    = "not-acceptable"
	problemConflict         = "conflict"
	problemTooLarge         = "too-large"
	problemUnsupportedMedia = "unsupported-media-type"
	problemInternal         = "internal"
	problemUnavailable      = "unavailable"
)

// problemTitles are the titles of the problem types: stable, the same for
// every occurrence, unlike detail.
var problemTitles = map[string]string{
	problemBadRequest:       "Bad request",
	problemCrossOrigin:      "Cross-origin request refused",
	problemForbidden:        "Forbidden",
	problemNotFound:         "Not found",
	problemMethodNotAllowed: "Method not allowed",
	problemNotAcceptable:    "Not acceptable",
	problemConflict:         "Conflict",
	problemTooLarge:         "Request too large",
	problemUnsupportedMedia: "Unsupported media type",
	problemInternal:         "Internal error",
	problemUnavailable:      "Service unavailable",
}

// statusProblems is the problem type writeError gives each status.
var statusProblems = map[int]string{
	http.StatusBadRequest:            problemBadRequest,
	http.StatusForbidden:             problemForbidden,
	http.StatusNotFound:              problemNotFound,
	http.StatusMethodNotAllowed:      problemMethodNotAllowed,
	http.StatusNotAcceptable:         problemNotAcceptable,
	http.StatusConflict:              problemConflict,
	http.StatusRequestEntityTooLarge: problemTooLarge,
	http.StatusUnsupportedMediaType:  problemUnsupportedMedia,
	http.StatusInternalServerError:   problemInternal,
	http.StatusServiceUnavailable:    problemUnavailable,
}

// apiError is the body of every API error: an RFC 9457 problem details
// object, plus the extension member error (= detail) that clients read
// before problem details.
type apiError struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	Error    string `json:"error"`
}

// problemOf is the problem details of status with detail msg, of the type
// kind ("" : the status's own type, or about:blank).
func problemOf(status int, kind, msg string) apiError {
	if kind == "" {
		kind = statusProblems[status]
	}
	p := apiError{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: msg, Error: msg}
	if title, ok := problemTitles[kind]; ok {
		p.Type, p.Title = problemBase+kind, title
	}
	if p.Title == "" {
		p.Title = "Error"
	}
	return p
}

// writeError answers status with the problem details of msg (which, like
// every message, repeats a client's values through clip or quoted only).
// Its instance is the request's path when w knows it (see pathKnower).
func writeError(w http.ResponseWriter, status int, msg string) {
	p := problemOf(status, "", msg)
	if pk, ok := w.(pathKnower); ok {
		p.Instance = instanceOf(pk.requestPath())
	}
	writeProblemBody(w, p)
}

// pathKnower is a ResponseWriter that knows the escaped path of the
// request it answers (the server's statusRecorder may), so that writeError
// can fill instance without the request.
type pathKnower interface{ requestPath() string }

// writeProblem is writeError with a problem type of its own (kind, one of
// the problem… names; "" for the status's) and instance, r's path.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, kind, msg string) {
	p := problemOf(status, kind, msg)
	if r != nil {
		p.Instance = instanceOf(r.URL.EscapedPath())
	}
	writeProblemBody(w, p)
}

func writeProblemBody(w http.ResponseWriter, p apiError) {
	h := w.Header()
	h.Set("Content-Type", problemContentType)
	h.Set("Cache-Control", "no-store")
	// A body of another type that a handler meant to send must not be
	// announced by its length.
	h.Del("Content-Length")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w) // escapes <, > and &, as writeJSON does
	enc.SetIndent("", "  ")
	enc.Encode(p)
}

// maxInstance is how many bytes of a request's escaped path instance holds.
const maxInstance = echoLen

// instanceOf is an escaped request path as a problem's instance: a URI
// reference. A path longer than maxInstance bytes is cut there, between
// whole characters (never inside a %-escape, nor between the escapes of
// one UTF-8 character), and ends in an escaped "…": a long path is never
// echoed whole, and instance stays a URI reference.
func instanceOf(p string) string {
	if len(p) <= maxInstance {
		return p
	}
	cut := 0
	var dec []byte // what p[:i] decodes to
	for i := 0; i < len(p); {
		n, b := 1, p[i]
		if b == '%' && i+2 < len(p) {
			if v, err := strconv.ParseUint(p[i+1:i+3], 16, 8); err == nil {
				n, b = 3, byte(v)
			}
		}
		if i+n > maxInstance {
			break
		}
		i += n
		dec = append(dec, b)
		if utf8.Valid(dec) {
			cut = i
		}
	}
	return p[:cut] + "%E2%80%A6"
}
