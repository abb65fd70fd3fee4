package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
	"github.com/jobcrawl/jobcrawl/mcpserver"
)

// mcpFixture writes a configuration of three sites (contoso and fabrikam,
// whose postings the index holds, and northwind, never crawled) and fills
// its embedded index with indextest's eight postings, one of them closed.
// The sites' start URLs are never fetched.
func mcpFixture(tb testing.TB) (cfg, dataDir string) {
	tb.Helper()
	cfg = writeConfig(tb, `
data_dir: ./data
sites:
  - name: contoso
    company: Contoso
    schedule: "0 3 * * *"
    start_urls: ["http://127.0.0.1:1/contoso"]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job"
  - name: fabrikam
    start_urls: ["http://127.0.0.1:1/fabrikam"]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job"
  - name: northwind
    start_urls: ["http://127.0.0.1:1/northwind"]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job"
`)
	dataDir = filepath.Join(filepath.Dir(cfg), "data")
	ix, err := embedded.Open(dataDir)
	if err != nil {
		tb.Fatal(err)
	}
	defer ix.Close()
	recs := indextest.Fixture()
	recs[4].Status = index.StatusClosed // contoso 1005
	for i := range recs {
		recs[i].Normalize()
	}
	if err := ix.Upsert(context.Background(), recs); err != nil {
		tb.Fatal(err)
	}
	return cfg, dataDir
}

// mcpCommand is `jobcrawl mcp --config cfg` as a child process (the test
// binary running main; see TestMain).
func mcpCommand(cfg string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "mcp", "--config", cfg, "--log-level", "debug")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	return cmd
}

// callTool calls a tool and decodes its structured content into out; it
// returns the text of a tool error ("" when the call succeeded).
func callTool(tb testing.TB, cs *mcp.ClientSession, tool string, args map[string]any, out any) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
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

// TestMCPStdio drives `jobcrawl mcp` as an MCP client does: the SDK's
// client starts the command and talks to it over its stdin and stdout.
func TestMCPStdio(t *testing.T) {
	cfg, _ := mcpFixture(t)
	cmd := mcpCommand(cfg)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "stdio-test", Version: "1"}, nil).
		Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 10 * time.Second}, nil)
	if err != nil {
		t.Fatalf("connect: %v\nstderr: %s", err, stderr.String())
	}
	closed := false
	defer func() {
		if !closed {
			cs.Close()
		}
	}()

	if info := cs.InitializeResult().ServerInfo; info.Name != "jobcrawl" || info.Version != version {
		t.Errorf("server info: got %s %s, want jobcrawl %s", info.Name, info.Version, version)
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantProps := map[string][]string{
		"search_postings": {"facets", "filters", "include_closed", "limit", "offset", "query", "sort"},
		"get_posting":     {"id"},
		"list_facets":     {"field", "filters", "include_closed", "limit", "query"},
		"list_sites":      {"site"},
	}
	for _, tool := range tools.Tools {
		var sc struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		raw, _ := json.Marshal(tool.InputSchema)
		json.Unmarshal(raw, &sc)
		props := slices.Sorted(func(yield func(string) bool) {
			for p := range sc.Properties {
				if !yield(p) {
					return
				}
			}
		})
		want, ok := wantProps[tool.Name]
		if !ok {
			t.Errorf("unexpected tool %s", tool.Name)
			continue
		}
		delete(wantProps, tool.Name)
		if !slices.Equal(props, want) {
			t.Errorf("%s input properties: got %v, want %v", tool.Name, props, want)
		}
	}
	for name := range wantProps {
		t.Errorf("tool %s not listed", name)
	}

	var found mcpserver.SearchOutput
	if msg := callTool(t, cs, "search_postings", map[string]any{"query": "engineer", "facets": []string{"site"}, "sort": "date_posted:desc"}, &found); msg != "" {
		t.Fatal(msg)
	}
	var titles []string
	for _, h := range found.Hits {
		titles = append(titles, h.Title)
	}
	// Software Engineer Intern is closed: open postings only by default.
	if want := []string{"Backend Engineer", "Sales Engineer", "Senior Software Engineer"}; found.Total != 3 || !slices.Equal(titles, want) {
		t.Errorf("engineer, newest first: got %d %v, want 3 %v", found.Total, titles, want)
	}
	if got := found.Facets["site"]; !slices.Equal(got, []mcpserver.FacetValue{{Value: "contoso", Count: 2}, {Value: "fabrikam", Count: 1}}) {
		t.Errorf("site facet: got %+v", got)
	}

	var p mcpserver.Posting
	if msg := callTool(t, cs, "get_posting", map[string]any{"id": found.Hits[0].ID}, &p); msg != "" {
		t.Fatal(msg)
	}
	if p.ID != "fabrikam_A-7" || p.Team != `R&D "Core" OR (Labs) AND [x] \ TO` || p.Description == "" || p.URL == "" {
		t.Errorf("get_posting: got %+v", p)
	}
	if msg := callTool(t, cs, "get_posting", map[string]any{"id": "contoso_0000"}, &p); !strings.Contains(msg, `no posting with id "contoso_0000"`) {
		t.Errorf("unknown id: got %q", msg)
	}

	var facets mcpserver.FacetsOutput
	if msg := callTool(t, cs, "list_facets", map[string]any{"field": "countries", "filters": map[string]any{"site": []string{"contoso"}}}, &facets); msg != "" {
		t.Fatal(msg)
	}
	if facets.Total != 4 || len(facets.Fields) != 1 || facets.Fields[0].Values[0] != (mcpserver.FacetValue{Value: "United States", Count: 3}) {
		t.Errorf("countries of contoso: got %+v", facets)
	}

	var sites mcpserver.SitesOutput
	if msg := callTool(t, cs, "list_sites", map[string]any{}, &sites); msg != "" {
		t.Fatal(msg)
	}
	if len(sites.Sites) != 3 || sites.LastRunNote == "" {
		t.Fatalf("sites: got %+v", sites)
	}
	c, f, n := sites.Sites[0], sites.Sites[1], sites.Sites[2]
	if c.Name != "contoso" || !c.Configured || c.Schedule != "0 3 * * *" || c.Open != 4 || c.Closed != 1 || c.LastRun != nil ||
		c.CoverageFrom != "index" || c.Coverage["title"] != 1 || c.Coverage["salary"] != 0 || c.LastSeen == nil {
		t.Errorf("contoso: got %+v", c)
	}
	if f.Name != "fabrikam" || f.Postings != 3 || n.Name != "northwind" || !n.Configured || n.Postings != 0 {
		t.Errorf("fabrikam, northwind: got %+v, %+v", f, n)
	}

	msg := callTool(t, cs, "search_postings", map[string]any{"filters": map[string]any{"salary": []string{"100000"}}}, &found)
	if !strings.Contains(msg, `"salary"`) || !strings.Contains(msg, strings.Join(index.FacetFields, ", ")) {
		t.Errorf("bad filter: got %q, want the field named and the valid ones", msg)
	}

	// The client ends the session by closing stdin: the server exits 0 at once.
	start := time.Now()
	err = cs.Close()
	closed = true
	if err != nil {
		t.Errorf("exit: %v\nstderr: %s", err, stderr.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the server took %v to exit after its input ended", d)
	}
	if !strings.Contains(stderr.String(), "mcp server on stdio") {
		t.Errorf("stderr has no log line: %q", stderr.String())
	}
}

// TestMCPStdioWire speaks JSON-RPC to `jobcrawl mcp` by hand, a line at a
// time, so that the wire format is checked without the SDK's client:
// stdout carries only JSON-RPC lines, and the answers to the requests
// written before stdin closes all arrive before the server exits.
func TestMCPStdioWire(t *testing.T) {
	cfg, _ := mcpFixture(t)
	cmd := mcpCommand(cfg)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			<-exited
		}
	}()
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	send := func(msg string) {
		t.Helper()
		if _, err := io.WriteString(stdin, msg+"\n"); err != nil {
			t.Fatalf("write %s: %v", msg, err)
		}
	}
	type response struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  json.RawMessage `json:"result"`
		Error   json.RawMessage `json:"error"`
	}
	read := func() response {
		t.Helper()
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("stdout ended\nstderr: %s", stderr.String())
			}
			var r response
			if err := json.Unmarshal([]byte(line), &r); err != nil || r.JSONRPC != "2.0" {
				t.Fatalf("stdout line is not a JSON-RPC message: %q", line)
			}
			return r
		case <-time.After(15 * time.Second):
			t.Fatalf("no answer\nstderr: %s", stderr.String())
		}
		panic("unreachable")
	}

	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"by-hand","version":"0"}}}`)
	init := read()
	var initResult struct {
		ProtocolVersion string `json:"protocolVersion"`
		Capabilities    struct {
			Tools *struct{} `json:"tools"`
		} `json:"capabilities"`
		ServerInfo struct{ Name, Version string } `json:"serverInfo"`
	}
	if err := json.Unmarshal(init.Result, &initResult); err != nil || string(init.ID) != "1" {
		t.Fatalf("initialize: id %s, %v: %s", init.ID, err, init.Result)
	}
	if initResult.ProtocolVersion != "2025-06-18" || initResult.Capabilities.Tools == nil || initResult.ServerInfo.Name != "jobcrawl" || initResult.ServerInfo.Version != version {
		t.Errorf("initialize: got %s", init.Result)
	}

	// The rest at once, then the end of input: every request is answered.
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":"two","method":"tools/list"}`)
	send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_postings","arguments":{"filters":{"job_family":"Sales"},"limit":1}}}`)
	send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list_facets","arguments":{"field":"title"}}}`)
	send(`{"jsonrpc":"2.0","id":5,"method":"no/such/method"}`)
	stdin.Close()
	got := map[string]response{}
	for range 4 {
		r := read()
		got[string(r.ID)] = r
	}

	type wireTool struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		InputSchema struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"inputSchema"`
		OutputSchema struct {
			Type string `json:"type"`
		} `json:"outputSchema"`
	}
	var list struct {
		Tools []wireTool `json:"tools"`
	}
	if err := json.Unmarshal(got[`"two"`].Result, &list); err != nil {
		t.Fatalf("tools/list: %v: %s", err, got[`"two"`].Result)
	}
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
		if tool.InputSchema.Type != "object" || tool.OutputSchema.Type != "object" || tool.Description == "" {
			t.Errorf("%s: input schema %q, output schema %q, description %q", tool.Name, tool.InputSchema.Type, tool.OutputSchema.Type, tool.Description)
		}
		if _, ok := tool.InputSchema.Properties["filters"]; tool.Name == "search_postings" && !ok {
			t.Error("search_postings: no filters property")
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"get_posting", "list_facets", "list_sites", "search_postings"}) {
		t.Errorf("tools/list: got %v", names)
	}

	var call struct {
		IsError           bool `json:"isError"`
		StructuredContent struct {
			Total int `json:"total"`
			Hits  []struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"hits"`
		} `json:"structuredContent"`
		Content []struct{ Type, Text string } `json:"content"`
	}
	if err := json.Unmarshal(got["3"].Result, &call); err != nil || call.IsError {
		t.Fatalf("search_postings: %v: %s", err, got["3"].Result)
	}
	if call.StructuredContent.Total != 3 || len(call.StructuredContent.Hits) != 1 || call.StructuredContent.Hits[0].ID == "" ||
		len(call.Content) != 1 || call.Content[0].Type != "text" || !strings.Contains(call.Content[0].Text, `"total":3`) {
		t.Errorf("search_postings job_family=Sales: got %s", got["3"].Result)
	}
	call.IsError, call.Content = false, nil
	if err := json.Unmarshal(got["4"].Result, &call); err != nil || !call.IsError || len(call.Content) == 0 ||
		!strings.Contains(call.Content[0].Text, `"title" is not a facet field`) {
		t.Errorf("list_facets title: want a tool error naming the field, got %s", got["4"].Result)
	}
	if e := got["5"].Error; !strings.Contains(string(e), "-32601") {
		t.Errorf("unknown method: want a JSON-RPC error -32601, got %s", e)
	}

	select {
	case err := <-exited:
		waited = true
		if err != nil {
			t.Errorf("exit: %v\nstderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit at the end of its input")
	}
	if line, ok := <-lines; ok {
		t.Errorf("more on stdout: %q", line)
	}
}

// TestMCPCommand checks the command's own errors: arguments, an index that
// is not there, and one the daemon holds.
func TestMCPCommand(t *testing.T) {
	if code, _, errOut := jobcrawl(t, "mcp", "extra"); code != exitUsage || !strings.Contains(errOut, "mcp takes no arguments") {
		t.Errorf("mcp extra: exit %d, %q", code, errOut)
	}
	if code, out, _ := jobcrawl(t, "mcp", "--help"); code != exitOK || !strings.Contains(out, "/mcp") || !strings.Contains(out, "docs/mcp.md") {
		t.Errorf("mcp --help: exit %d\n%s", code, out)
	}
	empty := writeConfig(t, "data_dir: ./data\n")
	if code, _, errOut := jobcrawl(t, "mcp", "--config", empty); code != exitSiteFailed || !strings.Contains(errOut, "no index in") {
		t.Errorf("no index: exit %d, %q", code, errOut)
	}

	cfg, dataDir := mcpFixture(t)
	held, err := embedded.Open(dataDir) // as a running daemon holds it
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	code, _, errOut := jobcrawl(t, "mcp", "--config", cfg)
	t.Logf("index held: %s", errOut)
	if want := fmt.Sprintf("http://%s/mcp", defaultListen); code != exitSiteFailed || !strings.Contains(errOut, want) {
		t.Errorf("index held: exit %d, %q; want 1 and the daemon's %s", code, errOut, want)
	}
}

// TestMCPStdioSignal stops a serving `jobcrawl mcp` with SIGTERM, its
// input still open: it exits 0 at once.
func TestMCPStdioSignal(t *testing.T) {
	cfg, _ := mcpFixture(t)
	cmd := mcpCommand(cfg)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Serving once it answers: the signal handler is in place by then.
	io.WriteString(stdin, `{"jsonrpc":"2.0","id":1,"method":"ping"}`+"\n")
	answered := make(chan bool, 1)
	go func() { answered <- bufio.NewScanner(stdout).Scan() }()
	select {
	case ok := <-answered:
		if !ok {
			t.Fatalf("no answer to ping\nstderr: %s", stderr.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no answer to ping\nstderr: %s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\nstderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatal("still running 10s after SIGTERM")
	}
	if strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("a stop by signal logged as an error: %s", stderr.String())
	}
}
