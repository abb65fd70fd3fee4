package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/mcpserver"
	"github.com/jobcrawl/jobcrawl/web"
)

// mcpSession connects the SDK's Streamable HTTP client to url's /mcp.
func mcpSession(tb testing.TB, url string) *mcp.ClientSession {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "web-test", Version: "1"}, nil).
		Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url + "/mcp", MaxRetries: -1}, nil)
	if err != nil {
		tb.Fatalf("connect to /mcp: %v", err)
	}
	tb.Cleanup(func() { cs.Close() })
	return cs
}

// mcpCall calls a tool, decodes its structured content into out, and
// returns the text of a tool error ("" when the call succeeded).
func mcpCall(tb testing.TB, cs *mcp.ClientSession, tool string, args map[string]any, out any) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		tb.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		return res.Content[0].(*mcp.TextContent).Text
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, out); err != nil {
		tb.Fatalf("%s: %v\n%s", tool, err, raw)
	}
	return ""
}

// TestMCPOverHTTP drives /mcp with the SDK's client over a daemon in
// miniature (a site crawled by a real scheduler): the handshake, the
// tools, a call of each, and a tool error.
func TestMCPOverHTTP(t *testing.T) {
	e := newEnv(t)
	cs := mcpSession(t, e.url)
	if info := cs.InitializeResult().ServerInfo; info.Name != "jobcrawl" || info.Version != web.MCPVersion {
		t.Errorf("server info: got %s %s, want jobcrawl %s", info.Name, info.Version, web.MCPVersion)
	}
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if want := []string{"get_posting", "list_facets", "list_sites", "search_postings"}; !slices.Equal(names, want) {
		t.Errorf("tools: got %v, want %v", names, want)
	}

	var found mcpserver.SearchOutput
	if msg := mcpCall(t, cs, "search_postings", map[string]any{"filters": map[string]any{"site": "contoso"}, "facets": []string{"site"}, "limit": 5}, &found); msg != "" {
		t.Fatal(msg)
	}
	if found.Total != 45 || len(found.Hits) != 5 || found.NextOffset != 5 || found.Facets["site"][0].Value != "contoso" {
		t.Fatalf("contoso: got total %d, %d hits, next %d, facets %v; want 45, 5, 5, contoso", found.Total, len(found.Hits), found.NextOffset, found.Facets)
	}

	var p mcpserver.Posting
	if msg := mcpCall(t, cs, "get_posting", map[string]any{"id": found.Hits[0].ID}, &p); msg != "" {
		t.Fatal(msg)
	}
	if p.ID != found.Hits[0].ID || p.Title != found.Hits[0].Title || p.Description == "" {
		t.Errorf("get_posting %s: got %+v", found.Hits[0].ID, p)
	}
	if msg := mcpCall(t, cs, "get_posting", map[string]any{"id": "contoso_nope"}, &p); !strings.Contains(msg, `no posting with id "contoso_nope"`) {
		t.Errorf("unknown id: got %q", msg)
	}

	var facets mcpserver.FacetsOutput
	if msg := mcpCall(t, cs, "list_facets", map[string]any{"field": "status", "include_closed": true}, &facets); msg != "" {
		t.Fatal(msg)
	}
	if len(facets.Fields) != 1 || !slices.Contains(facets.Fields[0].Values, mcpserver.FacetValue{Value: "closed", Count: 1}) {
		t.Errorf("status values: got %+v", facets.Fields)
	}

	var sites mcpserver.SitesOutput
	if msg := mcpCall(t, cs, "list_sites", map[string]any{}, &sites); msg != "" {
		t.Fatal(msg)
	}
	if len(sites.Sites) != 2 || sites.LastRunNote != "" {
		t.Fatalf("sites: got %+v, want acme and contoso, no note", sites)
	}
	acme, contoso := sites.Sites[0], sites.Sites[1]
	if !contoso.Configured || contoso.LastRun == nil || contoso.LastRun.Outcome != "ok" || contoso.LastRun.Counts.New != 45 ||
		contoso.Open != 45 || contoso.CoverageFrom != "last_run" || contoso.Coverage["title"] != 1 {
		t.Errorf("contoso: got %+v", contoso)
	}
	if acme.Configured || acme.LastRun != nil || acme.Open != 2 || acme.Closed != 1 || acme.CoverageFrom != "index" {
		t.Errorf("acme: got %+v", acme)
	}

	if msg := mcpCall(t, cs, "search_postings", map[string]any{"filters": map[string]any{"salary": "100000"}}, &found); !strings.Contains(msg, `"salary"`) ||
		!strings.Contains(msg, strings.Join(index.FacetFields, ", ")) {
		t.Errorf("bad filter: got %q, want the field and the valid ones", msg)
	}
}

// mcpPost sends one raw request to /mcp.
func mcpPost(tb testing.TB, url, body string, header ...string) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/mcp", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b), req.URL.String()}
}

// TestMCPHTTPRequests checks /mcp's answers to raw requests: a client
// with no Origin header passes, a browser on another origin is refused,
// and malformed requests get the API's JSON errors without echoing them.
func TestMCPHTTPRequests(t *testing.T) {
	e := newLiteEnv(t, web.SearchLimits{}, nil)
	const ping = `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`
	for _, c := range []struct {
		name   string
		body   string
		header []string
		status int
		want   string // in the body
	}{
		{"an MCP client (no Origin)", ping, nil, 200, `"search_postings"`},
		{"the server's own origin", ping, []string{"Origin", e.url, "Sec-Fetch-Site", "same-origin"}, 200, `"list_sites"`},
		{"a foreign Origin", ping, []string{"Origin", "https://evil.example"}, 403, "cross-origin request refused"},
		{"a cross-site fetch", ping, []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403, "cross-origin request refused"},
		{"a notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil, 202, ""},
		{"not a JSON Content-Type", ping, []string{"Content-Type", "text/plain"}, 415, "Content-Type must be application/json"},
		{"no Accept", ping, []string{"Accept", ""}, 406, "Accept must list application/json and text/event-stream"},
		{"a body too large", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"` + strings.Repeat("y", 100<<10) + `"}}`, nil, 413, "over 64 KiB"},
		{"not JSON", `{"x":`, nil, 400, "the body is not JSON"},
		{"not JSON-RPC", `{"x":1}`, nil, 400, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := mcpPost(t, e.url, c.body, c.header...)
			if r.status != c.status {
				t.Fatalf("got %d, want %d: %.300s", r.status, c.status, r.body)
			}
			if !strings.Contains(r.body, c.want) {
				t.Errorf("body %.300q, want %q in it", r.body, c.want)
			}
			if longRun(r.body, 'y') {
				t.Error("the body echoes the request")
			}
		})
	}
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		r := do(t, method, e.url+"/mcp", "Accept", "text/event-stream")
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
			t.Errorf("%s /mcp: got %d Allow %q, want 405 Allow POST (stateless: no session stream)", method, r.status, r.header.Get("Allow"))
		}
	}
}

// TestMCPSharesSearchGate checks that tool calls take their turn with the
// API's searches: with the one slot held and no queue, a call is turned
// away as busy.
func TestMCPSharesSearchGate(t *testing.T) {
	blk := &blockingIndex{entered: make(chan struct{}, 10), release: make(chan struct{})}
	e := newLiteEnv(t, web.SearchLimits{MaxConcurrent: 1, Queue: -1},
		func(ix index.Index) index.Index { blk.Index = ix; return blk })
	done := make(chan error, 1)
	go func() { _, err := fetch(e.url + "/api/search?q=x"); done <- err }()
	<-blk.entered
	cs := mcpSession(t, e.url)
	var out mcpserver.SearchOutput
	msg := mcpCall(t, cs, "search_postings", map[string]any{"query": "engineer"}, &out)
	close(blk.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "busy") {
		t.Errorf("while the slot is held: got %q, want a busy tool error", msg)
	}
	go func() {
		for range blk.entered {
		}
	}()
	if msg := mcpCall(t, cs, "search_postings", map[string]any{"query": "engineer"}, &out); msg != "" {
		t.Errorf("after: got %q", msg)
	}
}
