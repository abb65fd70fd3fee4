package web

import "net/http"

// exportRoutes registers the export routes (GET /api/export).
func (s *Server) exportRoutes(mux *http.ServeMux) {}
