package mcpserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/mcpserver"
)

// TestStdioAnswersBeforeEOF writes requests and ends the input at once:
// the server must answer every one before it stops, and write nothing but
// JSON-RPC lines.
func TestStdioAnswersBeforeEOF(t *testing.T) {
	srv := mcpserver.New(mcpserver.Config{Index: openFixture(t)})
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_sites","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_postings","arguments":{"query":"engineer"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_posting","arguments":{"id":"contoso_1001"}}}`,
	}, "\n") + "\n"
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- srv.Run(context.Background(), mcpserver.StdioTransport(strings.NewReader(in), pw))
		pw.Close()
	}()
	ids := map[string]bool{}
	sc := bufio.NewScanner(pr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Result  json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m.JSONRPC != "2.0" || m.Result == nil {
			t.Errorf("not a JSON-RPC result: %.200s", sc.Text())
		}
		ids[string(m.ID)] = true
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop at the end of its input")
	}
	for _, id := range []string{"1", "2", "3", "4"} {
		if !ids[id] {
			t.Errorf("request %s was not answered (got %v)", id, ids)
		}
	}
}
