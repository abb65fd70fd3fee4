package mcpserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
	"github.com/jobcrawl/jobcrawl/mcpserver"
)

// fixture is indextest's eight open postings, one more closed, and one
// with a description long enough to be cut.
func fixture() []index.Record {
	recs := indextest.Fixture()
	closed := recs[0]
	closed.ID, closed.JobNumber, closed.Title = index.RecordID("contoso", "0999"), "0999", "Retired Role"
	closed.Status = index.StatusClosed
	at := closed.LastSeen
	closed.ClosedAt = &at
	long := recs[5]
	long.ID, long.JobNumber, long.Title, long.JobFamily, long.Team = index.RecordID("fabrikam", "A-10"), "A-10", "Staff Writer", "Content", "Docs"
	long.Description = strings.Repeat("Write clear prose about platforms. ", 1000) // 35,000 characters
	return append(recs, closed, long)
}

// openFixture is an embedded index in a temporary directory holding fixture().
func openFixture(tb testing.TB) index.Index {
	tb.Helper()
	ix, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	recs := fixture()
	for i := range recs {
		recs[i].Normalize()
	}
	if err := ix.Upsert(context.Background(), recs); err != nil {
		tb.Fatal(err)
	}
	return ix
}

// connect serves cfg in memory and returns a client session to it.
func connect(tb testing.TB, cfg mcpserver.Config) *mcp.ClientSession {
	tb.Helper()
	ctx := context.Background()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := mcpserver.New(cfg).Connect(ctx, st, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cs.Close() })
	return cs
}

// call calls a tool and decodes its structured content into out; it
// returns the result's text when the call is a tool error.
func call(tb testing.TB, cs *mcp.ClientSession, tool string, args any, out any) (toolErr string) {
	tb.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		tb.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		if len(res.Content) == 0 {
			tb.Fatalf("%s: a tool error without text", tool)
		}
		return res.Content[0].(*mcp.TextContent).Text
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		tb.Fatalf("%s: structured content: %v\n%s", tool, err, raw)
	}
	return ""
}

func TestToolsAndSchemas(t *testing.T) {
	cs := connect(t, mcpserver.Config{Index: openFixture(t), Version: "9.9.9"})
	if got := cs.InitializeResult().ServerInfo; got.Name != "jobcrawl" || got.Version != "9.9.9" {
		t.Errorf("server info: got %s %s, want jobcrawl 9.9.9", got.Name, got.Version)
	}
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"search_postings": {"query", "filters", "include_closed", "facets", "sort", "limit", "offset"},
		"get_posting":     {"id"},
		"list_facets":     {"field", "query", "filters", "include_closed", "limit"},
		"list_sites":      {"site"},
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s: not marked read-only", tool.Name)
		}
		if tool.Description == "" {
			t.Errorf("%s: no description", tool.Name)
		}
		for kind, sc := range map[string]any{"input": tool.InputSchema, "output": tool.OutputSchema} {
			var s jsonschema.Schema
			raw, _ := json.Marshal(sc)
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatalf("%s %s schema: %v", tool.Name, kind, err)
			}
			if kind == "input" {
				var props []string
				for p := range s.Properties {
					props = append(props, p)
				}
				if !sameSet(props, want[tool.Name]) {
					t.Errorf("%s input properties: got %v, want %v", tool.Name, props, want[tool.Name])
				}
			}
			for _, path := range undescribed(&s, tool.Name+" "+kind) {
				t.Errorf("no description: %s", path)
			}
		}
	}
	if !sameSet(names, []string{"search_postings", "get_posting", "list_facets", "list_sites"}) {
		t.Errorf("tools: got %v", names)
	}
}

// undescribed lists the properties of s (at any depth) without a description.
func undescribed(s *jsonschema.Schema, path string) []string {
	var out []string
	for name, p := range s.Properties {
		if p.Description == "" {
			out = append(out, path+"."+name)
		}
		out = append(out, undescribed(p, path+"."+name)...)
	}
	if s.Items != nil {
		out = append(out, undescribed(s.Items, path+"[]")...)
	}
	if s.AdditionalProperties != nil {
		out = append(out, undescribed(s.AdditionalProperties, path+"{}")...)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

func TestSearchPostings(t *testing.T) {
	cs := connect(t, mcpserver.Config{Index: openFixture(t)})
	var out mcpserver.SearchOutput

	if msg := call(t, cs, "search_postings", map[string]any{"query": "engineer", "facets": []string{"site", "countries"}}, &out); msg != "" {
		t.Fatal(msg)
	}
	if out.Total != 4 || len(out.Hits) != 4 {
		t.Errorf("engineer: got total %d, %d hits, want 4 and 4", out.Total, len(out.Hits))
	}
	if got := out.Facets["site"]; len(got) != 2 || got[0] != (mcpserver.FacetValue{Value: "contoso", Count: 3}) {
		t.Errorf("site facet: got %+v, want contoso 3 first", got)
	}
	for _, h := range out.Hits {
		if h.ID == "" || h.URL == "" || h.Title == "" || h.Status != "open" {
			t.Errorf("hit lacks id, url, title or open status: %+v", h)
		}
	}

	// Closed postings only when asked; long descriptions become snippets.
	if msg := call(t, cs, "search_postings", map[string]any{"filters": map[string][]string{"site": {"CONTOSO"}}, "include_closed": true, "limit": 1, "sort": "title:asc"}, &out); msg != "" {
		t.Fatal(msg)
	}
	if out.Total != 6 || len(out.Hits) != 1 || out.NextOffset != 1 || out.Hits[0].Title != "Account Executive" {
		t.Errorf("contoso with closed, by title: got total %d, next %d, hits %+v; want 6, 1, Account Executive", out.Total, out.NextOffset, out.Hits)
	}
	if msg := call(t, cs, "search_postings", map[string]any{"query": "writer"}, &out); msg != "" {
		t.Fatal(msg)
	}
	if len(out.Hits) != 1 || len(out.Hits[0].Snippet) > 2*mcpserver.SnippetLen || !strings.Contains(out.Hits[0].Snippet, "prose") {
		t.Errorf("writer: want one hit with a short snippet, got %+v", out.Hits)
	}

	// A limit over the cap is capped.
	if msg := call(t, cs, "search_postings", map[string]any{"limit": 5000}, &out); msg != "" {
		t.Fatal(msg)
	}
	if out.Total != 9 || len(out.Hits) != 9 {
		t.Errorf("limit 5000: got total %d, %d hits, want 9, 9", out.Total, len(out.Hits))
	}

	for _, c := range []struct {
		name string
		args map[string]any
		want []string
	}{
		{"bad filter field", map[string]any{"filters": map[string][]string{"salary": {"1"}}}, []string{`"salary"`, "filterable fields are site, company"}},
		{"empty filter", map[string]any{"filters": map[string][]string{"site": {}}}, []string{`"site" has no value`}},
		{"bad facet", map[string]any{"facets": []string{"title"}}, []string{`"title" is not a facet`, "job_number"}},
		{"bad sort", map[string]any{"sort": "relevance"}, []string{`"relevance"`, "date_posted"}},
		{"deep offset", map[string]any{"offset": 20000}, []string{"offset 20000 is over the maximum of 10000"}},
		{"long filter field echoed clipped", map[string]any{"filters": map[string][]string{strings.Repeat("x", 5000): {"1"}}}, []string{"xxx…"}},
		{"unknown argument", map[string]any{"q": "x"}, []string{"q"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := call(t, cs, "search_postings", c.args, &out)
			if msg == "" {
				t.Fatal("want a tool error, got none")
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("got %q, want it to contain %q", msg, w)
				}
			}
			if len(msg) > 1000 {
				t.Errorf("message of %d bytes: it echoes too much", len(msg))
			}
		})
	}
}

func TestGetPosting(t *testing.T) {
	cs := connect(t, mcpserver.Config{Index: openFixture(t)})
	var p mcpserver.Posting
	if msg := call(t, cs, "get_posting", map[string]any{"id": "fabrikam_A-7"}, &p); msg != "" {
		t.Fatal(msg)
	}
	if p.Title != "Backend Engineer" || p.Site != "fabrikam" || !strings.HasPrefix(p.Description, "We build") || p.FirstSeen.IsZero() {
		t.Errorf("fabrikam_A-7: got %+v", p)
	}
	if msg := call(t, cs, "get_posting", map[string]any{"id": "fabrikam_A-10"}, &p); msg != "" {
		t.Fatal(msg)
	}
	if !p.DescriptionTruncated || len([]rune(p.Description)) > mcpserver.MaxDescription+1 {
		t.Errorf("long description: truncated %v, %d characters", p.DescriptionTruncated, len([]rune(p.Description)))
	}
	for id, want := range map[string]string{
		"contoso_nope":           `no posting with id "contoso_nope"`,
		"../etc/passwd":          "no posting with id",
		"":                       "id is empty",
		strings.Repeat("a", 900): "aaaa…",
	} {
		if msg := call(t, cs, "get_posting", map[string]any{"id": id}, &p); !strings.Contains(msg, want) {
			t.Errorf("id %.20q: got %q, want %q", id, msg, want)
		}
	}
	if msg := call(t, cs, "get_posting", map[string]any{}, &p); msg == "" {
		t.Error("no id: want a tool error")
	}
}

func TestListFacets(t *testing.T) {
	cs := connect(t, mcpserver.Config{Index: openFixture(t)})
	var out mcpserver.FacetsOutput
	if msg := call(t, cs, "list_facets", map[string]any{"field": "job_family", "limit": 2}, &out); msg != "" {
		t.Fatal(msg)
	}
	if out.Total != 9 || len(out.Fields) != 1 || !out.Fields[0].Truncated ||
		!slices.Equal(out.Fields[0].Values, []mcpserver.FacetValue{{"Software Engineering", 3}, {"Sales", 3}}) &&
			!slices.Equal(out.Fields[0].Values, []mcpserver.FacetValue{{"Sales", 3}, {"Software Engineering", 3}}) {
		t.Errorf("job_family top 2: got %+v", out)
	}
	if msg := call(t, cs, "list_facets", map[string]any{"query": "sales", "filters": map[string][]string{"site": {"fabrikam"}}}, &out); msg != "" {
		t.Fatal(msg)
	}
	if out.Total != 1 || len(out.Fields) != len(index.FacetFields) {
		t.Errorf("all fields within sales@fabrikam: got total %d, %d fields", out.Total, len(out.Fields))
	}
	for _, f := range out.Fields {
		if f.Field == "team" && (len(f.Values) != 1 || f.Values[0].Value != "Enterprise Sales") {
			t.Errorf("team: got %+v", f.Values)
		}
	}
	if msg := call(t, cs, "list_facets", map[string]any{"field": "description"}, &out); !strings.Contains(msg, `"description" is not a facet field`) {
		t.Errorf("bad field: got %q", msg)
	}
}

func TestListSites(t *testing.T) {
	finished := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	sites := func(context.Context) ([]daemon.SiteStatus, error) {
		return []daemon.SiteStatus{
			{Name: "contoso", Company: "Contoso", Schedule: "0 3 * * *", LastRun: &daemon.Run{Trigger: "schedule", Finished: finished, Outcome: "ok",
				Counts: daemon.Counts{Postings: 5, New: 1}}, Coverage: map[string]float64{"title": 1, "salary": 0.5}},
			{Name: "northwind"}, // configured, never crawled
		}, nil
	}
	cs := connect(t, mcpserver.Config{Index: openFixture(t), Sites: sites})
	var out mcpserver.SitesOutput
	if msg := call(t, cs, "list_sites", map[string]any{}, &out); msg != "" {
		t.Fatal(msg)
	}
	if len(out.Sites) != 3 {
		t.Fatalf("sites: got %+v, want contoso, fabrikam, northwind", out.Sites)
	}
	c, f, n := out.Sites[0], out.Sites[1], out.Sites[2]
	if c.Name != "contoso" || !c.Configured || c.Postings != 6 || c.Open != 5 || c.Closed != 1 || c.LastRun == nil ||
		c.LastRun.Outcome != "ok" || !c.LastRun.Finished.Equal(finished) || c.LastRun.Counts.New != 1 ||
		c.CoverageFrom != "last_run" || c.Coverage["salary"] != 0.5 || c.LastSeen == nil {
		t.Errorf("contoso: got %+v", c)
	}
	if f.Name != "fabrikam" || f.Configured || f.Open != 4 || f.LastRun != nil || f.CoverageFrom != "index" || f.Coverage["title"] != 1 || f.Coverage["salary"] != 0 {
		t.Errorf("fabrikam (indexed, not configured): got %+v", f)
	}
	if n.Name != "northwind" || !n.Configured || n.Postings != 0 || n.LastSeen != nil || n.Coverage != nil {
		t.Errorf("northwind (configured, empty): got %+v", n)
	}
	if msg := call(t, cs, "list_sites", map[string]any{"site": "fabrikam"}, &out); msg != "" || len(out.Sites) != 1 {
		t.Errorf("one site: got %q, %+v", msg, out.Sites)
	}
	if msg := call(t, cs, "list_sites", map[string]any{"site": "adatum"}, &out); !strings.Contains(msg, `no site named "adatum": the sites are contoso, fabrikam, northwind`) {
		t.Errorf("unknown site: got %q", msg)
	}

	// Without a daemon: no runs, and a note saying why.
	cs = connect(t, mcpserver.Config{Index: openFixture(t), NoRuns: "no daemon"})
	if msg := call(t, cs, "list_sites", map[string]any{}, &out); msg != "" {
		t.Fatal(msg)
	}
	if out.LastRunNote != "no daemon" || len(out.Sites) != 2 || out.Sites[0].LastRun != nil || out.Sites[0].CoverageFrom != "index" {
		t.Errorf("no runs: got %+v", out)
	}
}

// TestBusyAndFailing checks that a call turned away by the gate says to
// retry, and that a failing index is answered without its details.
func TestBusyAndFailing(t *testing.T) {
	busy := func(context.Context) (func(), error) { return nil, errors.New("full") }
	cs := connect(t, mcpserver.Config{Index: openFixture(t), Enter: busy})
	var out mcpserver.SearchOutput
	if msg := call(t, cs, "search_postings", map[string]any{}, &out); !strings.Contains(msg, "busy") {
		t.Errorf("busy: got %q", msg)
	}
	cs = connect(t, mcpserver.Config{Index: failing{openFixture(t)}})
	if msg := call(t, cs, "search_postings", map[string]any{}, &out); !strings.Contains(msg, "internal error") || strings.Contains(msg, "secret") {
		t.Errorf("failing index: got %q", msg)
	}
}

type failing struct{ index.Index }

func (failing) Search(context.Context, index.Query) (index.Result, error) {
	return index.Result{}, errors.New("dial http://secret-host:7700: refused")
}
