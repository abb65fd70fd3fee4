package web

import "net/http"

// deliveryRoutes registers the webhook deliveries routes (dead letters).
func (s *Server) deliveryRoutes(mux *http.ServeMux) {}
