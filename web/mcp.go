package web

import "net/http"

// mcpRoutes registers the MCP endpoint (/mcp).
func (s *Server) mcpRoutes(mux *http.ServeMux) {}
