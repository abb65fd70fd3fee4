package web

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openapiDoc is the OpenAPI 3.1 description of the HTTP API. It is kept by
// hand beside the handlers; web/openapi_test.go checks it against them
// (every route, every status and response body it describes).
//
//go:embed openapi.json
var openapiDoc []byte

// openapiRoutes registers GET /api/openapi.json.
func (s *Server) openapiRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/openapi.json", s.openapi)
}

// openapi is GET /api/openapi.json: the document as it is embedded.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(openapiDoc)))
	// It changes with the binary only; a client may keep it a while.
	h.Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(openapiDoc)
	}
}
