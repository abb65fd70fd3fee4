package web

import "net/http"

// openapiRoutes registers GET /api/openapi.json.
func (s *Server) openapiRoutes(mux *http.ServeMux) {}
