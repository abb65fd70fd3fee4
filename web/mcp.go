package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/mcpserver"
)

// maxMCPBody bounds a request to /mcp: a tool call is a few hundred bytes.
const maxMCPBody = 64 << 10

// mcpRoutes registers the MCP endpoint (/mcp): the tools of package
// mcpserver over Streamable HTTP, in the SDK's stateless mode. Each POST
// carries its own requests and gets their answers (as JSON), and nothing
// is kept between requests: no session to cap or expire, so the memory
// /mcp takes is bounded by the request body cap and the search gate,
// which tool calls share with the search API. Stateless means no
// server-to-client stream, so GET and DELETE /mcp are not offered (405
// with Allow: POST, as the MCP spec asks of a server without one).
func (s *Server) mcpRoutes(mux *http.ServeMux) {
	srv := mcpserver.New(mcpserver.Config{
		Index:    s.index,
		Sites:    func(context.Context) ([]daemon.SiteStatus, error) { return s.sites.Sites(), nil },
		Version:  MCPVersion,
		MaxLimit: s.limits.MaxLimit,
		Enter:    s.gate.enter,
		Logger:   s.log.With("component", "mcp"),
	})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{
		Stateless:           true,
		JSONResponse:        true,
		MaxRequestBodyBytes: maxMCPBody,
		Logger:              mcpserver.SDKLogger(s.log.With("component", "mcp")),
	})
	s.handle(mux, "POST /mcp", func(w http.ResponseWriter, r *http.Request) { s.mcpPost(w, r, h) })
}

// MCPVersion is the version /mcp reports in its handshake: jobcrawl's,
// which cmd/jobcrawl sets once at start-up (its release constant); the
// module version from the build info until then.
var MCPVersion = mcpserver.BuildVersion()

// mcpPost checks what the SDK would refuse in plain text, so that every
// refusal of /mcp is the API's JSON error, then hands the request to the
// SDK. The body is read here, within its cap.
func (s *Server) mcpPost(w http.ResponseWriter, r *http.Request, h http.Handler) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "POST /mcp takes JSON-RPC: Content-Type must be application/json")
		return
	}
	accept := strings.Join(r.Header.Values("Accept"), ",")
	if !acceptsType(accept, "application/json") || !acceptsType(accept, "text/event-stream") {
		writeError(w, http.StatusNotAcceptable, "POST /mcp: Accept must list application/json and text/event-stream (the MCP Streamable HTTP transport)")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxMCPBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "POST /mcp: the request body could not be read")
		return
	}
	if len(body) > maxMCPBody {
		writeError(w, http.StatusRequestEntityTooLarge, "POST /mcp: the request body is over 64 KiB")
		return
	}
	if !json.Valid(body) {
		writeError(w, http.StatusBadRequest, "POST /mcp: the body is not JSON (a JSON-RPC 2.0 message or batch)")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	h.ServeHTTP(w, r)
}

// acceptsType reports whether an Accept header value lists media type t
// (or a wildcard covering it).
func acceptsType(accept, t string) bool {
	major, _, _ := strings.Cut(t, "/")
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case t, major + "/*", "*/*":
			return true
		}
	}
	return false
}
