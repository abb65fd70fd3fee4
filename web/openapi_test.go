package web

// The OpenAPI check: web/openapi.json against the live handlers.
//
//  1. Every route of Server.Routes() (and the few registered outside
//     handle) is an operation of the document, and every operation of the
//     document is a live route (or listed in oaPending, while the feature
//     that serves it is being built).
//  2. Every live operation is walked with real requests to a real Server
//     over a real embedded index (oaExamples, a table: add rows there),
//     covering its success and every error status it documents (or saying
//     in oaUnexercised why one cannot be provoked); each status received
//     must be documented for the operation, its Content-Type must be one
//     the response lists, and a JSON body must validate against that
//     response's schema (JSON Schema 2020-12, by jsonschema-go).
//  3. The document parses, is OpenAPI 3.1.x, every $ref resolves, every
//     schema compiles, every path parameter is declared, operation ids are
//     unique, every error under /api/ is problem details, the problem types
//     are the server's, and the query parameters of /api/search,
//     /api/export and /search.atom are their handlers'.
//
// Beside the table it checks that a 405 and an unknown /api/ path come out
// as problem details of the documented shape.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// oaExample is one request of the walk: it must be answered status, with a
// response the document describes for the operation.
type oaExample struct {
	op     string // the operation: "GET /api/sites/{name}", as in Routes()
	name   string
	target string // path and query, path parameters filled ({search}, {search2}: saved searches' ids)
	header []string
	body   string // sent as application/json when not empty
	status int
	// bare: sent to a server without a store of saved searches.
	bare bool
	// setup, when set, puts the server in the state the example needs
	// and returns what undoes it.
	setup func(tb testing.TB, e *oaEnv) (undo func())
}

// Names of the fake sites (see oaSites).
const (
	oaSite        = "acme"     // runs when asked
	oaSiteBusy    = "busy"     // a run is in progress: 409
	oaSiteHeld    = "held"     // another daemon crawls it: 409
	oaSiteStop    = "stopping" // the daemon stops: 503
	oaSiteFlaky   = "flaky"    // coordination is down: 503 with Retry-After
	oaSiteBroken  = "broken"   // an unexpected error: 500
	oaBlockSearch = "block-this-search"
)

var (
	crossSite = []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}
	mcpAccept = []string{"Accept", "application/json, text/event-stream"}
	formType  = []string{"Content-Type", "application/x-www-form-urlencoded"}
	// a date after anything the tests write: a feed is not modified since
	notModifiedSince = []string{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}
)

// oaExamples walks every operation. Rows of an operation that is not
// served yet are skipped (and listed in the log).
var oaExamples = []oaExample{
	{op: "GET /api/search", name: "default", target: "/api/search", status: 200},
	{op: "GET /api/search", name: "every parameter", status: 200,
		target: "/api/search?q=engineer&filter=site:acme&filter=countries=France&facet=team&facet=employment_type&sort=date_posted:desc&sort=title&limit=5&offset=0&all=true"},
	{op: "GET /api/search", name: "closed too, snippet", target: "/api/search?q=kubernetes&filter=status:closed&filter=status:open&facet=status", status: 200},
	{op: "GET /api/search", name: "unknown parameter", target: "/api/search?qq=x", status: 400},
	{op: "GET /api/search", name: "limit over the maximum", target: "/api/search?limit=5000", status: 400},
	{op: "GET /api/search", name: "bad sort", target: "/api/search?sort=description", status: 400},
	{op: "GET /api/search", name: "index fails", target: "/api/search?q=x", status: 500, setup: oaFailIndex},
	{op: "GET /api/search", name: "busy", target: "/api/search?q=x", status: 503, setup: oaHold("/api/search?q="+oaBlockSearch, 1)},

	{op: "GET /api/postings/{id}", name: "full record", target: "/api/postings/" + index.RecordID("acme", "FULL-1"), status: 200},
	{op: "GET /api/postings/{id}", name: "closed record", target: "/api/postings/" + index.RecordID("acme", "OLD-1"), status: 200},
	{op: "GET /api/postings/{id}", name: "minimal record", target: "/api/postings/" + index.RecordID("acme", "MIN-1"), status: 200},
	{op: "GET /api/postings/{id}", name: "not UTF-8", target: "/api/postings/%ff", status: 400},
	{op: "GET /api/postings/{id}", name: "unknown", target: "/api/postings/acme_nope", status: 404},
	{op: "GET /api/postings/{id}", name: "index fails", target: "/api/postings/" + index.RecordID("acme", "FULL-1"), status: 500, setup: oaFailIndex},

	{op: "GET /api/sites", name: "every site", target: "/api/sites", status: 200},
	{op: "GET /api/sites/{name}", name: "with history", target: "/api/sites/" + oaSite, status: 200},
	{op: "GET /api/sites/{name}", name: "running", target: "/api/sites/" + oaSiteBusy, status: 200},
	{op: "GET /api/sites/{name}", name: "not UTF-8", target: "/api/sites/%ff", status: 400},
	{op: "GET /api/sites/{name}", name: "unknown", target: "/api/sites/nope", status: 404},

	{op: "POST /api/sites/{name}/run", name: "started", target: "/api/sites/" + oaSite + "/run", status: 202},
	{op: "POST /api/sites/{name}/run", name: "not UTF-8", target: "/api/sites/%ff/run", status: 400},
	{op: "POST /api/sites/{name}/run", name: "cross-origin", target: "/api/sites/" + oaSite + "/run", header: crossSite, status: 403},
	{op: "POST /api/sites/{name}/run", name: "unknown", target: "/api/sites/nope/run", status: 404},
	{op: "POST /api/sites/{name}/run", name: "in progress", target: "/api/sites/" + oaSiteBusy + "/run", status: 409},
	{op: "POST /api/sites/{name}/run", name: "held elsewhere", target: "/api/sites/" + oaSiteHeld + "/run", status: 409},
	{op: "POST /api/sites/{name}/run", name: "failure", target: "/api/sites/" + oaSiteBroken + "/run", status: 500},
	{op: "POST /api/sites/{name}/run", name: "stopping", target: "/api/sites/" + oaSiteStop + "/run", status: 503},
	{op: "POST /api/sites/{name}/run", name: "coordination down", target: "/api/sites/" + oaSiteFlaky + "/run", status: 503},

	{op: "GET /healthz", name: "ok", target: "/healthz", status: 200},
	{op: "GET /healthz", name: "index fails", target: "/healthz", status: 503, setup: oaFailIndex},
	{op: "GET /metrics", name: "text", target: "/metrics", status: 200},
	{op: "GET /api/openapi.json", name: "the document", target: "/api/openapi.json", status: 200},

	// The routes of the features being built beside this one, written from
	// their plan: check them when they are served.
	{op: "GET /api/export", name: "jsonl", target: "/api/export?format=jsonl&q=engineer&filter=site:acme&sort=title&all=true", status: 200},
	{op: "GET /api/export", name: "csv for Excel", target: "/api/export?format=csv&excel=true", status: 200},
	{op: "GET /api/export", name: "jsonld", target: "/api/export?format=jsonld", status: 200},
	{op: "GET /api/export", name: "bad format", target: "/api/export?format=xml", status: 400},
	{op: "GET /api/export", name: "index fails", target: "/api/export?format=jsonl", status: 500, setup: oaFailIndex},
	{op: "GET /api/export", name: "too many at once", target: "/api/export?format=jsonl", status: 503,
		setup: oaHold("/api/export?q="+oaBlockSearch, 2)},

	{op: "GET /api/searches", name: "list", target: "/api/searches", status: 200},
	{op: "GET /api/searches", name: "no store", target: "/api/searches", bare: true, status: 503},
	{op: "POST /api/searches", name: "create", target: "/api/searches", status: 201,
		body: `{"name":"Lyon security","q":"security","filters":["countries:France"],"sort":["-date_posted"],"realert":["reopened"],` +
			`"endpoints":[{"url":"https://hooks.example.com/jobcrawl/in","format":"slack","mode":"daily"}],"backfill":true}`},
	{op: "POST /api/searches", name: "not JSON", target: "/api/searches", body: `{"q":`, status: 400},
	{op: "POST /api/searches", name: "unknown member", target: "/api/searches", body: `{"query":"x"}`, status: 400},
	{op: "POST /api/searches", name: "filter on status", target: "/api/searches", body: `{"filters":["status:closed"]}`, status: 400},
	{op: "POST /api/searches", name: "cross-origin", target: "/api/searches", body: `{"q":"x"}`, header: crossSite, status: 403},
	{op: "POST /api/searches", name: "no store", target: "/api/searches", body: `{"q":"x"}`, bare: true, status: 503},
	{op: "GET /api/searches/{id}", name: "one", target: "/api/searches/{search}", status: 200},
	{op: "GET /api/searches/{id}", name: "unknown", target: "/api/searches/ss_nope", status: 404},
	{op: "GET /api/searches/{id}", name: "no store", target: "/api/searches/ss_nope", bare: true, status: 503},
	{op: "DELETE /api/searches/{id}", name: "deleted", target: "/api/searches/{search2}", status: 204},
	{op: "DELETE /api/searches/{id}", name: "unknown", target: "/api/searches/ss_nope", status: 404},
	{op: "DELETE /api/searches/{id}", name: "cross-origin", target: "/api/searches/{search}", header: crossSite, status: 403},
	{op: "DELETE /api/searches/{id}", name: "no store", target: "/api/searches/ss_nope", bare: true, status: 503},
	{op: "GET /feeds/{file}", name: "atom", target: "/feeds/{search}.atom", status: 200},
	{op: "GET /feeds/{file}", name: "rss", target: "/feeds/{search}.rss", status: 200},
	{op: "GET /feeds/{file}", name: "json", target: "/feeds/{search}.json", status: 200},
	{op: "GET /feeds/{file}", name: "not modified", target: "/feeds/{search}.atom", header: notModifiedSince, status: 304},
	{op: "GET /feeds/{file}", name: "unknown", target: "/feeds/ss_nope.atom", status: 404},
	{op: "GET /feeds/{file}", name: "unknown format", target: "/feeds/{search}.xml", status: 404},
	{op: "GET /feeds/{file}", name: "no store", target: "/feeds/ss_nope.atom", bare: true, status: 503},
	{op: "GET /search.atom", name: "ad hoc", target: "/search.atom?q=engineer&filter=site:acme&sort=date_posted:desc&all=true", status: 200},
	{op: "GET /search.atom", name: "not modified", target: "/search.atom?q=engineer", header: notModifiedSince, status: 304},
	{op: "GET /search.atom", name: "bad filter", target: "/search.atom?filter=nocolon", status: 400},
	{op: "GET /search.atom", name: "index fails", target: "/search.atom?q=x", status: 500, setup: oaFailIndex},
	{op: "GET /search.atom", name: "busy", target: "/search.atom?q=x", status: 503, setup: oaHold("/api/search?q="+oaBlockSearch, 1)},
	{op: "POST /searches", name: "saved", target: "/searches", body: "name=Lyon&q=engineer&f=countries%3AFrance&sort=newest", header: formType, status: 303},
	{op: "POST /searches", name: "bad filter", target: "/searches", body: "q=x&f=nocolon", header: formType, status: 400},
	{op: "POST /searches", name: "cross-origin", target: "/searches", body: "q=x", header: append(slices.Clone(formType), crossSite...), status: 403},
	{op: "POST /searches", name: "no store", target: "/searches", body: "q=x", header: formType, bare: true, status: 503},
	{op: "GET /searches/{id}", name: "page", target: "/searches/{search}", status: 200},
	{op: "GET /searches/{id}", name: "unknown", target: "/searches/ss_nope", status: 404},
	{op: "GET /searches/{id}", name: "no store", target: "/searches/ss_nope", bare: true, status: 503},
	{op: "GET /api/deliveries", name: "all", target: "/api/deliveries", status: 200},
	{op: "GET /api/deliveries", name: "dead letters", target: "/api/deliveries?state=dead&limit=10", status: 200},
	{op: "GET /api/deliveries", name: "bad state", target: "/api/deliveries?state=lost", status: 400},
	{op: "GET /api/deliveries", name: "bad limit", target: "/api/deliveries?limit=5000", status: 400},
	{op: "GET /api/deliveries", name: "outbox down", target: "/api/deliveries", status: 503, setup: oaFailOutbox},
	{op: "GET /api/deliveries", name: "no deliverer", target: "/api/deliveries", bare: true, status: 503},
	{op: "POST /mcp", name: "initialize", target: "/mcp", header: mcpAccept, status: 200,
		body: `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"openapi-test","version":"1"}}}`},
	{op: "POST /mcp", name: "tools/list", target: "/mcp", header: append([]string{"Mcp-Protocol-Version", "2025-06-18"}, mcpAccept...), status: 200,
		body: `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`},
	{op: "POST /mcp", name: "notification", target: "/mcp", header: mcpAccept, body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`, status: 202},
	{op: "POST /mcp", name: "malformed", target: "/mcp", header: mcpAccept, body: `{"x":`, status: 400},
	{op: "POST /mcp", name: "not JSON-RPC", target: "/mcp", header: mcpAccept, body: `{"jsonrpc":"1.0","id":1}`, status: 400},
	{op: "POST /mcp", name: "cross-origin", target: "/mcp", header: append(slices.Clone(mcpAccept), crossSite...),
		body: `{"jsonrpc":"2.0","id":1,"method":"ping"}`, status: 403},
	{op: "POST /mcp", name: "no event-stream in Accept", target: "/mcp", header: []string{"Accept", "application/json"},
		body: `{"jsonrpc":"2.0","id":1,"method":"ping"}`, status: 406},
	{op: "POST /mcp", name: "over 64 KiB", target: "/mcp", header: mcpAccept,
		body: `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 70<<10) + `"}}`, status: 413},
	{op: "POST /mcp", name: "not JSON", target: "/mcp", header: append([]string{"Content-Type", "text/plain"}, mcpAccept...),
		body: `ping`, status: 415},
}

// oaUnexercised are the documented statuses of an operation that the walk
// does not provoke, with why.
var oaUnexercised = map[string]map[int]string{
	"GET /api/searches":         {500: "the store of saved searches failing"},
	"POST /api/searches":        {500: "the store failing"},
	"GET /api/searches/{id}":    {500: "the store failing"},
	"DELETE /api/searches/{id}": {500: "the store failing"},
	"GET /feeds/{file}":         {500: "the store failing"},
	"POST /searches":            {500: "the store failing"},
	"GET /searches/{id}":        {500: "the store failing"},
	"POST /mcp":                 {500: "the SDK failing to connect a request"},
}

// oaPending are operations of the document whose handlers other work is
// adding: until they are served, their absence is logged, not an error.
// Empty this list once they are all in.
var oaPending = []string{}

// oaOutsideHandle are the routes registered with mux.HandleFunc rather
// than handle (no 405 of their own), which the document describes too.
var oaOutsideHandle = []string{"GET /healthz", "GET /metrics"}

// --- the document ---

type oaDocument struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas    map[string]json.RawMessage `json:"schemas"`
		Responses  map[string]json.RawMessage `json:"responses"`
		Parameters map[string]json.RawMessage `json:"parameters"`
	} `json:"components"`
	raw any // the whole document, for $ref resolution
}

type oaOperation struct {
	OperationID string                     `json:"operationId"`
	Parameters  []json.RawMessage          `json:"parameters"`
	Responses   map[string]json.RawMessage `json:"responses"`
	pathParams  []json.RawMessage          // the path item's
}

type oaParameter struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type oaResponse struct {
	Ref     string `json:"$ref"`
	Content map[string]struct {
		Schema json.RawMessage `json:"schema"`
	} `json:"content"`
	Headers map[string]struct {
		Required bool `json:"required"`
	} `json:"headers"`
}

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func oaLoad(tb testing.TB, data []byte) *oaDocument {
	tb.Helper()
	var d oaDocument
	if err := json.Unmarshal(data, &d); err != nil {
		tb.Fatalf("openapi.json does not parse: %v", err)
	}
	if err := json.Unmarshal(data, &d.raw); err != nil {
		tb.Fatal(err)
	}
	return &d
}

// operations maps "METHOD /path" to the operation.
func (d *oaDocument) operations(tb testing.TB) map[string]oaOperation {
	tb.Helper()
	ops := map[string]oaOperation{}
	for path, item := range d.Paths {
		var shared []json.RawMessage
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				tb.Fatalf("%s parameters: %v", path, err)
			}
		}
		for key, raw := range item {
			if !slices.Contains(oaMethods, key) {
				continue
			}
			var op oaOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				tb.Fatalf("%s %s: %v", key, path, err)
			}
			op.pathParams = shared
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return ops
}

// pointer resolves a local $ref ("#/components/…") in the whole document.
func (d *oaDocument) pointer(ref string) (any, error) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local to the document", ref)
	}
	v := d.raw
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not in an object", ref, tok)
		}
		if v, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q: no %q", ref, tok)
		}
	}
	return v, nil
}

func (d *oaDocument) response(tb testing.TB, raw json.RawMessage) oaResponse {
	tb.Helper()
	var r oaResponse
	for range 5 {
		if err := json.Unmarshal(raw, &r); err != nil {
			tb.Fatal(err)
		}
		if r.Ref == "" {
			return r
		}
		name, ok := strings.CutPrefix(r.Ref, "#/components/responses/")
		if !ok || d.Components.Responses[name] == nil {
			tb.Fatalf("response $ref %q does not resolve", r.Ref)
		}
		raw, r = d.Components.Responses[name], oaResponse{}
	}
	tb.Fatalf("response $ref chain too long")
	return r
}

func (d *oaDocument) parameter(tb testing.TB, raw json.RawMessage) oaParameter {
	tb.Helper()
	var p oaParameter
	if err := json.Unmarshal(raw, &p); err != nil {
		tb.Fatal(err)
	}
	if p.Ref != "" {
		name, _ := strings.CutPrefix(p.Ref, "#/components/parameters/")
		if d.Components.Parameters[name] == nil {
			tb.Fatalf("parameter $ref %q does not resolve", p.Ref)
		}
		p = oaParameter{}
		json.Unmarshal(d.Components.Parameters[name], &p)
	}
	return p
}

// oaValidator compiles the schemas of a document: a schema is compiled
// with every component schema beside it as $defs, its references to
// #/components/schemas/ pointed there.
type oaValidator struct {
	defs  map[string]json.RawMessage
	mu    sync.Mutex
	cache map[string]*jsonschema.Resolved
}

func newOAValidator(d *oaDocument) *oaValidator {
	return &oaValidator{defs: d.Components.Schemas, cache: map[string]*jsonschema.Resolved{}}
}

func oaLocalRefs(raw []byte) []byte {
	return bytes.ReplaceAll(raw, []byte(`"#/components/schemas/`), []byte(`"#/$defs/`))
}

func (v *oaValidator) compile(raw json.RawMessage) (*jsonschema.Resolved, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if rs := v.cache[string(raw)]; rs != nil {
		return rs, nil
	}
	var root map[string]json.RawMessage
	if err := json.Unmarshal(oaLocalRefs(raw), &root); err != nil {
		return nil, fmt.Errorf("schema is not an object: %w", err)
	}
	defs := map[string]json.RawMessage{}
	for name, s := range v.defs {
		defs[name] = oaLocalRefs(s)
	}
	root["$defs"], _ = json.Marshal(defs)
	root["$schema"] = json.RawMessage(`"https://json-schema.org/draft/2020-12/schema"`)
	whole, _ := json.Marshal(root)
	var s jsonschema.Schema
	if err := json.Unmarshal(whole, &s); err != nil {
		return nil, err
	}
	rs, err := s.Resolve(nil)
	if err != nil {
		return nil, err
	}
	v.cache[string(raw)] = rs
	return rs, nil
}

func (v *oaValidator) validate(schema json.RawMessage, body []byte) error {
	rs, err := v.compile(schema)
	if err != nil {
		return fmt.Errorf("compile the schema: %w", err)
	}
	var inst any
	if err := json.Unmarshal(body, &inst); err != nil {
		return fmt.Errorf("the body is not JSON: %w", err)
	}
	return rs.Validate(inst)
}

// --- the server under test ---

// oaIndex is a real index that can be made to fail (as a backend that is
// down) or to hold a search until released.
type oaIndex struct {
	index.Index
	fail    atomic.Bool
	entered chan struct{} // a search of oaBlockSearch started
	release chan struct{} // closed: it may end
}

var errOABackend = errors.New("backend http://10.0.0.7:7700 unreachable")

func (x *oaIndex) Search(ctx context.Context, q index.Query) (index.Result, error) {
	if x.fail.Load() {
		return index.Result{}, errOABackend
	}
	if q.Text == oaBlockSearch {
		x.entered <- struct{}{}
		select {
		case <-x.release:
		case <-ctx.Done():
		}
	}
	return x.Index.Search(ctx, q)
}

func (x *oaIndex) Get(ctx context.Context, id string) (index.Record, error) {
	if x.fail.Load() {
		return index.Record{}, errOABackend
	}
	return x.Index.Get(ctx, id)
}

func (x *oaIndex) Stats(ctx context.Context) (index.Stats, error) {
	if x.fail.Load() {
		return index.Stats{}, errOABackend
	}
	return x.Index.Stats(ctx)
}

func (x *oaIndex) Scan(ctx context.Context, q index.Query, fn func(index.Record) error) error {
	if x.fail.Load() {
		return errOABackend
	}
	if q.Text == oaBlockSearch {
		x.entered <- struct{}{}
		select {
		case <-x.release:
		case <-ctx.Done():
		}
	}
	return x.Index.(index.Scanner).Scan(ctx, q, fn)
}

func (x *oaIndex) Each(ctx context.Context, site string, fn func(index.Record) error) error {
	if x.fail.Load() {
		return errOABackend
	}
	return x.Index.Each(ctx, site, fn)
}

// oaSites is a scheduler's answers, every field of daemon.SiteStatus used.
type oaSites struct{ sites []daemon.SiteStatus }

func newOASites() *oaSites {
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	next := t0.Add(time.Hour)
	counts := daemon.Counts{Pages: 12, Requests: 14, Postings: 40, New: 3, Updated: 2, Unchanged: 35, Closed: 1, Reopened: 0,
		Rejected: 1, Errors: 2, ErrorKinds: map[string]int{"timeout": 2}, Coverage: map[string]float64{"title": 1, "salary_min": 0.25}}
	done := daemon.Run{Trigger: daemon.TriggerSchedule, Scheduled: t0, Started: t0.Add(time.Second), Finished: t0.Add(90 * time.Second),
		Seconds: 89, Outcome: daemon.OutcomeOK, Counts: counts}
	failed := daemon.Run{Trigger: daemon.TriggerManual, Started: t0.Add(-time.Hour), Finished: t0.Add(-50 * time.Minute), Seconds: 600,
		Outcome: daemon.OutcomeFailed, Reason: "start URL answered 503", Counts: daemon.Counts{Requests: 3, Errors: 1}}
	running := daemon.Run{Trigger: daemon.TriggerManual, Started: t0.Add(2 * time.Hour), Counts: daemon.Counts{Pages: 2, Requests: 2}}
	site := func(name string) daemon.SiteStatus {
		return daemon.SiteStatus{Name: name, Company: "Acme Corp", Schedule: "0 */6 * * *", Timezone: "Europe/Paris", NextRun: &next,
			State: daemon.StateIdle, LastRun: &done, LastSuccess: &done.Finished, Runs: 2, Skipped: 1,
			Coverage: counts.Coverage, History: []daemon.Run{done, failed}}
	}
	busy := site(oaSiteBusy)
	busy.State, busy.Current = daemon.StateRunning, &running
	busy.Lease = &daemon.SiteLease{Holder: "host-a:1234", Token: 7, Mine: true, ExpiresIn: 29.5}
	fresh := daemon.SiteStatus{Name: oaSiteStop, Schedule: "", State: daemon.StateIdle} // never ran, no schedule
	return &oaSites{sites: []daemon.SiteStatus{site(oaSite), busy, site(oaSiteHeld), fresh, site(oaSiteFlaky), site(oaSiteBroken)}}
}

func (f *oaSites) Sites() []daemon.SiteStatus {
	out := make([]daemon.SiteStatus, 0, len(f.sites))
	for _, s := range f.sites {
		s.History = nil
		out = append(out, s)
	}
	return out
}

func (f *oaSites) Site(name string) (daemon.SiteStatus, bool) {
	for _, s := range f.sites {
		if s.Name == name {
			return s, true
		}
	}
	return daemon.SiteStatus{}, false
}

func (f *oaSites) RunNow(name string) error {
	switch name {
	case oaSite:
		return nil
	case oaSiteBusy:
		return daemon.ErrRunning
	case oaSiteHeld:
		return daemon.ErrHeldElsewhere
	case oaSiteStop:
		return daemon.ErrNotRunning
	case oaSiteFlaky:
		return fmt.Errorf("claim: %w", daemon.ErrUnavailable)
	case oaSiteBroken:
		return errors.New("something unexpected")
	}
	return daemon.ErrUnknownSite
}

func oaRecords() []index.Record {
	seen := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	closed := seen.Add(72 * time.Hour)
	full := index.Record{ID: index.RecordID("acme", "FULL-1"), Site: "acme", Status: index.StatusOpen,
		FirstSeen: seen, LastSeen: seen.Add(48 * time.Hour), ContentHash: "h1",
		Fetch: []index.Fetch{{URL: "https://jobs.acme.example/FULL-1", ETag: `"e1"`}}, Cards: []string{"c1"}, CheckedAt: &seen,
		Posting: extract.Posting{JobNumber: "FULL-1", AltIDs: []string{"R-0001"}, Title: "Platform Engineer <Kubernetes>",
			Company: "Acme Corp", URL: "https://jobs.acme.example/FULL-1", URLs: []string{"https://jobs.acme.example/FULL-1", "https://jobs.acme.example/FULL-1?src=x"},
			ApplyURL: "https://jobs.acme.example/FULL-1/apply", Locations: []string{"Lyon, France", "Remote"}, Cities: []string{"Lyon"},
			Regions: []string{"Auvergne-Rhône-Alpes"}, Countries: []string{"France"}, Remote: true, WorkplaceType: "hybrid",
			EmploymentType: "full_time", JobFamily: "Engineering", Team: "Platform", Department: "R&D",
			SalaryMin: 60000, SalaryMax: 75000.5, SalaryCurrency: "EUR", SalaryPeriod: "YEAR", DatePosted: "2026-11-01",
			ValidThrough: "2026-12-31", Description: "Run Kubernetes clusters. We use kubernetes every day.",
			Qualifications: []string{"Go"}, Responsibilities: []string{"On call"}, Benefits: []string{"Lunch"}}}
	old := index.Record{ID: index.RecordID("acme", "OLD-1"), Site: "acme", Status: index.StatusClosed, ClosedAt: &closed,
		FirstSeen: seen, LastSeen: seen, Posting: extract.Posting{JobNumber: "OLD-1", Title: "Kubernetes Admin (closed)",
			Company: "Acme Corp", EmploymentType: "contract", WorkplaceType: "onsite", Description: "Kubernetes, formerly."}}
	minimal := index.Record{ID: index.RecordID("acme", "MIN-1"), Site: "acme", FirstSeen: seen, LastSeen: seen,
		Posting: extract.Posting{JobNumber: "MIN-1", Title: "Security Engineer"}}
	return []index.Record{full, old, minimal}
}

// oaDeliveries is a webhook deliverer's outbox: a message in each state.
type oaDeliveries struct {
	fail atomic.Bool
	msgs []alerts.Message
}

func newOADeliveries() *oaDeliveries {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	ep := alerts.Endpoint{ID: "ep_1", URL: "https://hooks.slack.example/services/T0/B0/secret", Format: "slack", Mode: "instant"}
	gone := alerts.Endpoint{ID: "ep_2", URL: "https://hooks.example.com/gone", Mode: "daily", Disabled: true, DisabledReason: "410 Gone"}
	return &oaDeliveries{msgs: []alerts.Message{
		{ID: "msg_3", SearchID: "ss_a", Endpoint: ep, Type: "postings.new", CreatedAt: t0, State: alerts.StatePending,
			Attempts: 2, NextAttempt: t0.Add(time.Minute), LastStatus: 503, LastError: "503 Service Unavailable"},
		{ID: "msg_2", SearchID: "ss_a", Endpoint: ep, Type: "postings.new", CreatedAt: t0.Add(-time.Hour), State: alerts.StateDelivered,
			Attempts: 1, LastStatus: 200, DeliveredAt: t0.Add(-time.Hour + time.Second)},
		{ID: "msg_1", SearchID: "ss_b", Endpoint: gone, Type: "postings.digest", CreatedAt: t0.Add(-24 * time.Hour), State: alerts.StateDead,
			Attempts: 1, LastStatus: 410, LastError: "410 Gone: endpoint disabled"},
	}}
}

func (d *oaDeliveries) Messages(ctx context.Context, state string, max int) ([]alerts.Message, error) {
	if d.fail.Load() {
		return nil, errOABackend
	}
	var out []alerts.Message
	for _, m := range d.msgs {
		if (state == "" || m.State == state) && len(out) < max {
			out = append(out, m)
		}
	}
	return out, nil
}

func (d *oaDeliveries) DeliveryStats(context.Context) (DeliveryStats, error) {
	return DeliveryStats{Attempts: map[string]int64{"delivered": 1, "retry": 2, "dead": 1}, Delivered: 1, Retried: 2, Dead: 1, Pending: 1, DeadLetters: 1}, nil
}

// oaFailOutbox makes the outbox fail.
func oaFailOutbox(tb testing.TB, e *oaEnv) func() {
	e.outbox.fail.Store(true)
	return func() { e.outbox.fail.Store(false) }
}

// oaEnv is a server over a real embedded index, fake sites and a real
// store of saved searches (holding two), a fake webhook outbox, and the
// same server without the store and the outbox (bare).
type oaEnv struct {
	srv             *Server
	url, bareURL    string
	ix              *oaIndex
	client          *http.Client
	search, search2 string // ids of saved searches
	outbox          *oaDeliveries
}

func newOAEnv(tb testing.TB) *oaEnv {
	tb.Helper()
	ix, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	recs := oaRecords()
	for i := range recs {
		recs[i].Normalize()
	}
	if err := ix.Upsert(context.Background(), recs); err != nil {
		tb.Fatal(err)
	}
	x := &oaIndex{Index: ix, entered: make(chan struct{}, 4)}
	store, err := alerts.Open(filepath.Join(tb.TempDir(), "alerts.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	e := &oaEnv{ix: x, outbox: newOADeliveries()}
	for _, id := range []*string{&e.search, &e.search2} {
		s, _, err := store.Create(context.Background(), ix, alerts.Spec{Query: "engineer", Backfill: true,
			Endpoints: []alerts.EndpointSpec{{URL: "https://hooks.example.com/a/b/c"}}})
		if err != nil {
			tb.Fatal(err)
		}
		*id = s.ID
	}
	limits := WithSearchLimits(SearchLimits{MaxConcurrent: 1, Queue: -1, QueueTimeout: 50 * time.Millisecond})
	e.srv = New(x, newOASites(), nil, limits, WithAlerts(store, "http://jobcrawl.example", ""), WithDeliveries(e.outbox))
	hs := httptest.NewServer(e.srv)
	tb.Cleanup(hs.Close)
	bare := httptest.NewServer(New(x, newOASites(), nil, limits))
	tb.Cleanup(bare.Close)
	e.url, e.bareURL = hs.URL, bare.URL
	e.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// oaFailIndex makes the index fail as a backend that is down.
func oaFailIndex(tb testing.TB, e *oaEnv) func() {
	e.ix.fail.Store(true)
	return func() { e.ix.fail.Store(false) }
}

// oaHold sends n requests of target that the index holds (their query
// is oaBlockSearch) until undone: they take the slots of searches or
// exports.
func oaHold(target string, n int) func(tb testing.TB, e *oaEnv) func() {
	return func(tb testing.TB, e *oaEnv) func() {
		tb.Helper()
		e.ix.release = make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := e.client.Get(e.url + target)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		for range n {
			select {
			case <-e.ix.entered:
			case <-time.After(10 * time.Second):
				tb.Fatalf("the held requests of %s never reached the index", target)
			}
		}
		return func() { close(e.ix.release); wg.Wait() }
	}
}

type oaAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (e *oaEnv) do(tb testing.TB, method, target, body string, header []string) oaAnswer {
	tb.Helper()
	return e.send(tb, e.url, method, target, body, header)
}

func (e *oaEnv) send(tb testing.TB, base, method, target, body string, header []string) oaAnswer {
	tb.Helper()
	target = strings.NewReplacer("{search}", e.search, "{search2}", e.search2).Replace(target)
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+target, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		tb.Fatal(err)
	}
	return oaAnswer{resp.StatusCode, resp.Header, b}
}

// routeKey is a ServeMux pattern as an operation key: "{id...}" and "{$}"
// read as the document writes them.
func routeKey(pattern string) string {
	pattern = strings.ReplaceAll(pattern, "{$}", "")
	return strings.ReplaceAll(pattern, "...}", "}")
}

// --- the checks ---

func TestOpenAPIDocument(t *testing.T) {
	data, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, openapiDoc) {
		t.Fatal("the embedded document is not web/openapi.json")
	}
	d := oaLoad(t, data)
	if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(d.OpenAPI) {
		t.Errorf("openapi %q, want 3.1.x", d.OpenAPI)
	}

	t.Run("every $ref resolves", func(t *testing.T) {
		n := 0
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if ref, ok := v["$ref"].(string); ok {
					n++
					if _, err := d.pointer(ref); err != nil {
						t.Error(err)
					}
				}
				for _, c := range v {
					walk(c)
				}
			case []any:
				for _, c := range v {
					walk(c)
				}
			}
		}
		walk(d.raw)
		if n == 0 {
			t.Error("no $ref at all")
		}
	})

	t.Run("every schema compiles", func(t *testing.T) {
		v := newOAValidator(d)
		for name, raw := range d.Components.Schemas {
			if _, err := v.compile(raw); err != nil {
				t.Errorf("schema %s: %v", name, err)
			}
		}
		for key, op := range d.operations(t) {
			for status, raw := range op.Responses {
				for mt, c := range d.response(t, raw).Content {
					if c.Schema == nil {
						continue
					}
					if _, err := v.compile(c.Schema); err != nil {
						t.Errorf("%s %s %s: %v", key, status, mt, err)
					}
				}
			}
		}
	})

	t.Run("operations: ids unique, path parameters declared, responses numeric", func(t *testing.T) {
		ids := map[string]string{}
		wildcard := regexp.MustCompile(`\{([^}]+)\}`)
		for key, op := range d.operations(t) {
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", key)
			} else if other, ok := ids[op.OperationID]; ok {
				t.Errorf("operationId %s of %s and %s", op.OperationID, key, other)
			}
			ids[op.OperationID] = key
			declared := map[string]bool{}
			for _, raw := range append(slices.Clone(op.pathParams), op.Parameters...) {
				if p := d.parameter(t, raw); p.In == "path" {
					if !p.Required {
						t.Errorf("%s: path parameter %s is not required", key, p.Name)
					}
					declared[p.Name] = true
				}
			}
			_, path, _ := strings.Cut(key, " ")
			for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter {%s} not declared", key, m[1])
				}
				delete(declared, m[1])
			}
			for name := range declared {
				t.Errorf("%s: path parameter %s is not in the path", key, name)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s has no responses", key)
			}
			for status := range op.Responses {
				if n, err := strconv.Atoi(status); err != nil || n < 100 || n > 599 {
					t.Errorf("%s: response %q, want a status code (no ranges, no default)", key, status)
				}
			}
		}
	})

	t.Run("every API error is problem details", func(t *testing.T) {
		for key, op := range d.operations(t) {
			_, path, _ := strings.Cut(key, " ")
			if !strings.HasPrefix(path, "/api/") {
				continue
			}
			for status, raw := range op.Responses {
				if status < "400" {
					continue
				}
				r := d.response(t, raw)
				c, ok := r.Content[problemContentType]
				var schema struct {
					Ref string `json:"$ref"`
				}
				json.Unmarshal(c.Schema, &schema)
				if len(r.Content) != 1 || !ok || schema.Ref != "#/components/schemas/Problem" {
					t.Errorf("%s %s: not described as problem details (%s, schema Problem)", key, status, problemContentType)
				}
			}
		}
	})

	t.Run("the problem types are the server's", func(t *testing.T) {
		var problem struct {
			Properties struct {
				Type struct {
					Enum []string `json:"enum"`
				} `json:"type"`
			} `json:"properties"`
		}
		json.Unmarshal(d.Components.Schemas["Problem"], &problem)
		want := []string{"about:blank"}
		for kind := range problemTitles {
			want = append(want, problemBase+kind)
		}
		slices.Sort(want)
		if got := slices.Sorted(slices.Values(problem.Properties.Type.Enum)); !slices.Equal(got, want) {
			t.Errorf("Problem.type enum %v, want %v", got, want)
		}
		for status, kind := range statusProblems {
			if problemTitles[kind] == "" {
				t.Errorf("status %d: type %s has no title", status, kind)
			}
		}
	})

	t.Run("query parameters are the handlers'", func(t *testing.T) {
		ops := d.operations(t)
		for key, want := range map[string][]string{
			"GET /api/search":  searchParams,
			"GET /api/export":  exportParams,
			"GET /search.atom": liveParams,
		} {
			var names []string
			for _, raw := range ops[key].Parameters {
				if p := d.parameter(t, raw); p.In == "query" {
					names = append(names, p.Name)
				}
			}
			slices.Sort(names)
			if want := slices.Sorted(slices.Values(want)); !slices.Equal(names, want) {
				t.Errorf("%s: documented %v, the handler reads %v", key, names, want)
			}
		}
	})
}

func TestOpenAPIRoutes(t *testing.T) {
	e := newOAEnv(t)
	d := oaLoad(t, openapiDoc)
	ops := d.operations(t)

	live := map[string]bool{}
	for _, p := range append(e.srv.Routes(), oaOutsideHandle...) {
		live[routeKey(p)] = true
	}
	for key := range live {
		if _, ok := ops[key]; !ok {
			t.Errorf("route %s is served but not in openapi.json", key)
		}
	}
	for key := range ops {
		switch {
		case live[key]:
		case slices.Contains(oaPending, key):
			t.Logf("pending: %s is documented, not served yet", key)
		default:
			t.Errorf("openapi.json documents %s, which is not a route (web.Server.Routes)", key)
		}
	}
	for _, key := range oaOutsideHandle {
		method, path, _ := strings.Cut(key, " ")
		if a := e.do(t, method, path, "", nil); a.status == http.StatusNotFound {
			t.Errorf("%s: not served", key)
		}
	}
}

func TestOpenAPIWalk(t *testing.T) {
	e := newOAEnv(t)
	d := oaLoad(t, openapiDoc)
	ops := d.operations(t)
	v := newOAValidator(d)
	live := map[string]bool{}
	for _, p := range append(e.srv.Routes(), oaOutsideHandle...) {
		live[routeKey(p)] = true
	}

	got := map[string]map[int]bool{} // statuses answered, per operation
	params := map[string]map[string]bool{}
	titles := map[string]string{} // problem type → title
	var skipped []string
	for _, ex := range oaExamples {
		op, ok := ops[ex.op]
		if !ok {
			t.Errorf("example %s %q: no such operation in openapi.json", ex.op, ex.name)
			continue
		}
		if !live[ex.op] {
			skipped = append(skipped, ex.op+" "+ex.name)
			continue
		}
		t.Run(ex.op+" "+ex.name, func(t *testing.T) {
			if ex.setup != nil {
				defer ex.setup(t, e)()
			}
			method, _, _ := strings.Cut(ex.op, " ")
			base := e.url
			if ex.bare {
				base = e.bareURL
			}
			a := e.send(t, base, method, ex.target, ex.body, ex.header)
			if got[ex.op] == nil {
				got[ex.op], params[ex.op] = map[int]bool{}, map[string]bool{}
			}
			got[ex.op][a.status] = true
			if u, err := url.Parse(ex.target); err == nil {
				for k := range u.Query() {
					params[ex.op][k] = true
				}
			}
			if a.status != ex.status {
				t.Errorf("got %d, want %d: %.300s", a.status, ex.status, a.body)
			}
			raw, ok := op.Responses[strconv.Itoa(a.status)]
			if !ok {
				t.Errorf("status %d is not documented for %s (documented: %v)", a.status, ex.op, slices.Sorted(mapKeysOf(op.Responses)))
				return
			}
			oaCheckAnswer(t, d, v, d.response(t, raw), a, titles)
		})
	}
	if len(skipped) > 0 {
		t.Logf("examples of routes not served yet, skipped: %s", strings.Join(skipped, "; "))
	}

	t.Run("every served operation is walked, every documented status provoked", func(t *testing.T) {
		for key, op := range ops {
			if !live[key] {
				continue
			}
			if len(got[key]) == 0 {
				t.Errorf("%s is served but has no rows in oaExamples", key)
				continue
			}
			for status := range op.Responses {
				n, _ := strconv.Atoi(status)
				if !got[key][n] && oaUnexercised[key][n] == "" {
					t.Errorf("%s: documented status %d is provoked by no example (add a row to oaExamples, or say why not in oaUnexercised)", key, n)
				}
			}
			for n := range oaUnexercised[key] {
				if _, ok := op.Responses[strconv.Itoa(n)]; !ok {
					t.Errorf("oaUnexercised[%s] names %d, which is not documented", key, n)
				}
				if got[key][n] {
					t.Errorf("%s: status %d is provoked: remove it from oaUnexercised", key, n)
				}
			}
			for _, raw := range op.Parameters {
				if p := d.parameter(t, raw); p.In == "query" && !params[key][p.Name] {
					t.Errorf("%s: query parameter %s is in no example", key, p.Name)
				}
			}
		}
	})

	t.Run("405 on every served path is a problem", func(t *testing.T) {
		seen := map[string]bool{}
		for _, p := range e.srv.Routes() {
			_, path, _ := strings.Cut(routeKey(p), " ")
			if seen[path] {
				continue
			}
			seen[path] = true
			target := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x")
			a := e.do(t, http.MethodPut, target, "", nil)
			if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") == "" {
				t.Errorf("PUT %s: %d, Allow %q; want 405 with Allow", target, a.status, a.header.Get("Allow"))
				continue
			}
			var r oaResponse
			json.Unmarshal(d.Components.Responses["MethodNotAllowed"], &r)
			oaCheckAnswer(t, d, v, r, a, titles)
		}
	})

	t.Run("an unknown /api/ path is a 404 problem", func(t *testing.T) {
		a := e.do(t, http.MethodGet, "/api/nope/"+strings.Repeat("x", 100), "", nil)
		if a.status != http.StatusNotFound {
			t.Fatalf("got %d", a.status)
		}
		var r oaResponse
		json.Unmarshal(d.Components.Responses["NotFound"], &r)
		oaCheckAnswer(t, d, v, r, a, titles)
		if strings.Contains(string(a.body), strings.Repeat("x", echoLen+1)) {
			t.Errorf("the problem repeats the whole path: %s", a.body)
		}
	})
}

func mapKeysOf[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// oaCheckAnswer checks an answer against the response the document
// describes for its status: media type, required headers, body schema,
// and for a problem its own rules.
func oaCheckAnswer(t *testing.T, d *oaDocument, v *oaValidator, r oaResponse, a oaAnswer, titles map[string]string) {
	t.Helper()
	for name, h := range r.Headers {
		if h.Required && a.header.Get(name) == "" {
			t.Errorf("header %s missing", name)
		}
	}
	if len(r.Content) == 0 {
		if len(a.body) != 0 {
			t.Errorf("documented without a body, got %d bytes: %.200s", len(a.body), a.body)
		}
		return
	}
	ct := a.header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Errorf("Content-Type %q: %v", ct, err)
		return
	}
	c, ok := r.Content[mt]
	if !ok {
		t.Errorf("Content-Type %s is not documented (documented: %v)", mt, slices.Sorted(mapKeysOf(r.Content)))
		return
	}
	if c.Schema == nil {
		return
	}
	switch {
	case mt == "application/x-ndjson" || mt == "application/jsonl":
		// the schema is a line's
		lines := bytes.Split(bytes.TrimSpace(a.body), []byte("\n"))
		for i, line := range lines {
			if len(line) == 0 {
				continue
			}
			if err := v.validate(c.Schema, line); err != nil {
				t.Errorf("line %d: %v\n%.300s", i+1, err, line)
			}
		}
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if err := v.validate(c.Schema, a.body); err != nil {
			t.Errorf("body does not match the schema: %v\n%.1000s", err, a.body)
		}
	default:
		if len(bytes.TrimSpace(a.body)) == 0 {
			t.Errorf("empty %s body", mt)
		}
	}
	if mt != problemContentType {
		return
	}
	var p apiError
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != a.status || p.Detail == "" || p.Error != p.Detail {
		t.Errorf("problem status %d detail %q error %q; want status %d, detail = error", p.Status, p.Detail, p.Error, a.status)
	}
	if p.Type == "about:blank" && p.Title != http.StatusText(a.status) {
		t.Errorf("about:blank with title %q, want %q", p.Title, http.StatusText(a.status))
	}
	if prev, ok := titles[p.Type]; ok && prev != p.Title {
		t.Errorf("type %s has titles %q and %q", p.Type, prev, p.Title)
	}
	titles[p.Type] = p.Title
	if strings.Contains(string(a.body), "10.0.0.7") {
		t.Errorf("the problem shows the backend's error: %s", a.body)
	}
}
