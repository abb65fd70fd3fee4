package web

import "net/http"

// alertRoutes registers the saved searches, feeds and deliveries routes.
func (s *Server) alertRoutes(mux *http.ServeMux) {}
