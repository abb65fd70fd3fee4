package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/web"
)

var update = flag.Bool("update", false, "rewrite the golden files of the feeds")

// feedRecords are the fixed postings of the feed tests: one with markup
// and entities in its text, as a crawled page may have.
func feedRecords() []index.Record {
	seen := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mk := func(num, title, desc string, at time.Time) index.Record {
		r := index.Record{ID: index.RecordID("contoso", num), Site: "contoso", FirstSeen: at, LastSeen: at, Status: index.StatusOpen,
			Posting: extract.Posting{JobNumber: num, Title: title, Company: "Contoso & Co", URL: "https://careers.contoso.example/jobs/" + num,
				Locations: []string{"Berlin, Germany"}, Countries: []string{"Germany"}, EmploymentType: "full_time", Description: desc}}
		r.Normalize()
		return r
	}
	return []index.Record{
		mk("7001", "Go engineer <script>alert(1)</script>", "Build <b>services</b> & tools ]]> for \"everyone\".", seen),
		mk("7002", "Site reliability engineer", "Keep things running.", seen.Add(-time.Hour)),
	}
}

func goldenFeed(ext string) alerts.Feed {
	s := alerts.Search{ID: "ss_golden", Name: "Go in Berlin", Query: "engineer", Filters: []string{"countries=Germany"},
		Created: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	var entries []alerts.FeedEntry
	for i, r := range feedRecords() {
		entries = append(entries, alerts.FeedEntry{Found: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC).Add(-time.Duration(i) * time.Minute),
			Posting: alerts.PostingOf(r)})
	}
	return web.SavedFeed(s, entries, "https://jobs.example", "https://jobs.example/feeds/ss_golden."+ext)
}

func TestFeedsGolden(t *testing.T) {
	for _, c := range []struct {
		file string
		body []byte
	}{{"saved.atom.golden", goldenFeed("atom").Atom()}, {"saved.rss.golden", goldenFeed("rss").RSS()}, {"saved.json.golden", goldenFeed("json").JSONFeed()}} {
		path := filepath.Join("testdata", "feeds", c.file)
		if *update {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, c.body, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./web -run TestFeedsGolden -update to write it)", err)
		}
		if !bytes.Equal(c.body, want) {
			t.Errorf("%s differs from its golden file:\n%s", c.file, c.body)
		}
		if bytes.Contains(c.body, []byte("<script>")) || bytes.Contains(c.body, []byte("<b>")) {
			t.Errorf("%s holds crawled markup unescaped", c.file)
		}
	}
}

// atomDoc is what RFC 4287 requires of a feed and its entries.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Summary string `xml:"summary"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

type rssDoc struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title string `xml:"title"`
		Links []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:"link"`
		Description string `xml:"description"`
		Items       []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			Description string `xml:"description"`
			GUID        string `xml:"guid"`
			PubDate     string `xml:"pubDate"`
		} `xml:"item"`
	} `xml:"channel"`
}

func isRFC3339(s string) bool { _, err := time.Parse(time.RFC3339, s); return err == nil }

// checkAtom checks the elements RFC 4287 requires (4.1.1, 4.1.2).
func checkAtom(tb testing.TB, body []byte, entries int) atomDoc {
	tb.Helper()
	var a atomDoc
	if err := xml.Unmarshal(body, &a); err != nil {
		tb.Fatalf("the Atom feed does not parse: %v", err)
	}
	if a.ID == "" || a.Title == "" || !isRFC3339(a.Updated) || len(a.Author) == 0 || a.Author[0].Name == "" {
		tb.Errorf("feed lacks id, title, updated or author: %+v", a)
	}
	self := false
	for _, l := range a.Links {
		self = self || l.Rel == "self" && l.Href != ""
	}
	if !self {
		tb.Error("feed has no link rel=self")
	}
	if len(a.Entries) != entries {
		tb.Errorf("%d entries, want %d", len(a.Entries), entries)
	}
	ids := map[string]bool{}
	for _, e := range a.Entries {
		if !strings.HasPrefix(e.ID, "urn:uuid:") || e.Title == "" || !isRFC3339(e.Updated) || len(e.Links) == 0 {
			tb.Errorf("entry lacks id, title, updated or link: %+v", e)
		}
		if ids[e.ID] {
			tb.Errorf("entry id %s repeated", e.ID)
		}
		ids[e.ID] = true
	}
	return a
}

func TestFeedsValid(t *testing.T) {
	f := goldenFeed("atom")
	a := checkAtom(t, f.Atom(), 2)
	if a.Entries[0].Title != "Go engineer <script>alert(1)</script>" || !strings.Contains(a.Entries[0].Summary, "Build <b>services</b> & tools ]]>") {
		t.Errorf("the text does not come back as it was: %q / %q", a.Entries[0].Title, a.Entries[0].Summary)
	}
	if a.Entries[0].ID != alerts.EntryID(index.RecordID("contoso", "7001")) || a.Entries[0].Links[0].Href != "https://jobs.example/postings/contoso_7001" {
		t.Errorf("entry id %s, link %s", a.Entries[0].ID, a.Entries[0].Links[0].Href)
	}

	var r rssDoc
	if err := xml.Unmarshal(f.RSS(), &r); err != nil {
		t.Fatalf("the RSS feed does not parse: %v", err)
	}
	link := ""
	for _, l := range r.Channel.Links {
		if l.XMLName.Space == "" {
			link = l.Text
		}
	}
	if r.Version != "2.0" || r.Channel.Title == "" || link == "" || r.Channel.Description == "" || len(r.Channel.Items) != 2 {
		t.Errorf("RSS channel lacks what RSS 2.0 requires: %+v", r)
	}
	for _, it := range r.Channel.Items {
		if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil || it.Title == "" || it.GUID == "" || it.Link == "" {
			t.Errorf("item %+v: %v", it, err)
		}
	}

	var j map[string]any
	if err := json.Unmarshal(f.JSONFeed(), &j); err != nil {
		t.Fatal(err)
	}
	items, _ := j["items"].([]any)
	if j["version"] != "https://jsonfeed.org/version/1.1" || j["title"] == "" || len(items) != 2 {
		t.Fatalf("JSON Feed lacks version, title or items: %v", j)
	}
	for _, it := range items {
		m := it.(map[string]any)
		_, text := m["content_text"].(string)
		if id, _ := m["id"].(string); id == "" || !text {
			t.Errorf("item lacks id or content: %v", m)
		}
		if d, _ := m["date_published"].(string); !isRFC3339(d) {
			t.Errorf("date_published %q is not RFC 3339", d)
		}
	}
}

// alertsEnv is a server with an alerts store over an embedded index.
type alertsEnv struct {
	url   string
	store *alerts.Store
	ix    index.Index
}

func newAlertsEnv(tb testing.TB, withStore bool) *alertsEnv {
	tb.Helper()
	dir := tb.TempDir()
	ix, err := embedded.Open(filepath.Join(dir, "index"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	e := &alertsEnv{ix: ix}
	var opt web.Option = web.WithAlerts(nil, "", "another daemon keeps them")
	if withStore {
		if e.store, err = alerts.Open(filepath.Join(dir, "alerts.db")); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { e.store.Close() })
		opt = web.WithAlerts(e.store, "", "")
	}
	srv := httptest.NewServer(web.New(ix, nil, nil, opt))
	tb.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

type reply struct {
	status int
	header http.Header
	body   string
}

func send(tb testing.TB, method, u, body string, header ...string) reply {
	tb.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func TestSavedSearchesAPI(t *testing.T) {
	e := newAlertsEnv(t, true)
	if err := e.ix.Upsert(context.Background(), feedRecords()); err != nil {
		t.Fatal(err)
	}
	r := send(t, "POST", e.url+"/api/searches", `{"name":"Go","q":"engineer","filters":["countries=Germany"],"sort":["first_seen:desc"],
		"endpoints":[{"url":"https://hooks.slack.com/services/T0/B0/SECRETPATH","format":"slack"},{"url":"https://h.example/x","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct {
		ID        string            `json:"id"`
		Secrets   map[string]string `json:"secrets"`
		Endpoints []struct {
			ID, URL, Secret string
		} `json:"endpoints"`
		Feeds struct{ Atom, RSS, JSON string }
	}
	json.Unmarshal([]byte(r.body), &created)
	if !strings.HasPrefix(created.ID, "ss_") || len(created.Secrets) != 1 || !strings.HasPrefix(created.Secrets[created.Endpoints[0].ID], "whsec_") {
		t.Errorf("created %s", r.body)
	}
	if strings.Contains(r.body, "SECRETPATH") || strings.Contains(r.body, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") {
		t.Errorf("the answer shows a credential: %s", r.body)
	}
	if created.Feeds.Atom != e.url+"/feeds/"+created.ID+".atom" {
		t.Errorf("feed link %q", created.Feeds.Atom)
	}
	for _, path := range []string{"/api/searches", "/api/searches/" + created.ID} {
		r := send(t, "GET", e.url+path, "")
		if r.status != 200 || !strings.Contains(r.body, created.ID) || strings.Contains(r.body, "whsec_Mf") || strings.Contains(r.body, created.Secrets[created.Endpoints[0].ID]) {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	for _, c := range []struct{ name, body, want string }{
		{"bad filter", `{"filters":["colour=red"]}`, `cannot filter on \"colour\"`},
		{"bad sort", `{"sort":["salary"]}`, `cannot sort by \"salary\"`},
		{"unknown field", `{"query":"x"}`, `unknown field`},
		{"not JSON", `{"q":`, "ends early"},
		{"bad format", `{"endpoints":[{"url":"https://h.example","format":"teams"}]}`, `endpoints[0].format`},
		{"too large", `{"q":"` + strings.Repeat("x", 70<<10) + `"}`, "64 KB"},
	} {
		r := send(t, "POST", e.url+"/api/searches", c.body)
		if r.status != 400 || !strings.Contains(r.body, c.want) || len(r.body) > 2000 {
			t.Errorf("%s: %d %.300s, want 400 saying %s", c.name, r.status, r.body, c.want)
		}
	}
	if r := send(t, "POST", e.url+"/api/searches", `{"q":"x"}`, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"); r.status != 403 {
		t.Errorf("cross-origin create: %d", r.status)
	}

	// a new posting, evaluated: the feeds show it
	rec := feedRecords()[1]
	rec.ID, rec.JobNumber, rec.FirstSeen = index.RecordID("contoso", "7003"), "7003", time.Now().UTC()
	rec.Normalize()
	e.ix.Upsert(context.Background(), []index.Record{rec})
	if _, err := e.store.Evaluate(context.Background(), e.ix, alerts.EvalOptions{}); err != nil {
		t.Fatal(err)
	}
	for ext, ctype := range map[string]string{"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"} {
		r := send(t, "GET", e.url+"/feeds/"+created.ID+"."+ext, "")
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), ctype) || !strings.Contains(r.body, "contoso_7003") {
			t.Errorf("feed .%s: %d %s %.300s", ext, r.status, r.header.Get("Content-Type"), r.body)
		}
		if strings.Contains(r.body, "contoso_7001") {
			t.Errorf("feed .%s holds the backlog", ext)
		}
		if ext == "atom" {
			checkAtom(t, []byte(r.body), 1)
		}
		etag := r.header.Get("ETag")
		if etag == "" || r.header.Get("Last-Modified") == "" {
			t.Errorf("feed .%s has no validators", ext)
		}
		if r := send(t, "GET", e.url+"/feeds/"+created.ID+"."+ext, "", "If-None-Match", etag); r.status != 304 {
			t.Errorf("conditional GET of .%s: %d, want 304", ext, r.status)
		}
	}
	for _, path := range []string{"/feeds/" + created.ID + ".xml", "/feeds/ss_nope.atom", "/feeds/nope.atom"} {
		if r := send(t, "GET", e.url+path, ""); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
	if r := send(t, "DELETE", e.url+"/api/searches/"+created.ID, ""); r.status != 204 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := send(t, "GET", e.url+"/api/searches/"+created.ID, ""); r.status != 404 {
		t.Errorf("get after delete: %d", r.status)
	}
	if r := send(t, "DELETE", e.url+"/api/searches/"+created.ID, ""); r.status != 404 {
		t.Errorf("second delete: %d", r.status)
	}
}

func TestSavedSearchesUnavailable(t *testing.T) {
	e := newAlertsEnv(t, false)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/searches", ""}, {"POST", "/api/searches", `{"q":"x"}`}, {"GET", "/api/searches/ss_x", ""},
		{"DELETE", "/api/searches/ss_x", ""}, {"GET", "/feeds/ss_x.atom", ""},
	} {
		r := send(t, c.method, e.url+c.path, c.body)
		if r.status != 503 || !strings.Contains(r.body, "saved searches are not available: another daemon keeps them") {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	// the live feed needs no store
	if r := send(t, "GET", e.url+"/search.atom?q=x", ""); r.status != 200 {
		t.Errorf("live feed: %d %s", r.status, r.body)
	}
}

func TestLiveFeed(t *testing.T) {
	e := newAlertsEnv(t, false)
	if err := e.ix.Upsert(context.Background(), feedRecords()); err != nil {
		t.Fatal(err)
	}
	r := send(t, "GET", e.url+"/search.atom?q=engineer&filter=countries:Germany", "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	a := checkAtom(t, []byte(r.body), 2)
	if !strings.HasSuffix(a.Entries[0].Links[0].Href, "/postings/contoso_7001") {
		t.Errorf("newest first: first entry links %s", a.Entries[0].Links[0].Href)
	}
	for _, bad := range []string{"filter=nocolon", "colour=red", "sort=salary", "q=%ff"} {
		if r := send(t, "GET", e.url+"/search.atom?"+bad, ""); r.status != 400 || len(r.body) > 1000 {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
}

func TestSaveFromSearchPage(t *testing.T) {
	e := newAlertsEnv(t, true)
	if err := e.ix.Upsert(context.Background(), feedRecords()); err != nil {
		t.Fatal(err)
	}
	page := send(t, "GET", e.url+"/?q=engineer&f=countries:Germany", "")
	if page.status != 200 || !strings.Contains(page.body, `action="/searches"`) || !strings.Contains(page.body, "Save this search") {
		t.Fatalf("the search page has no save form: %d", page.status)
	}
	if !strings.Contains(page.body, `href="/search.atom?q=engineer&amp;filter=countries%3aGermany"`) {
		i := strings.Index(page.body, "/search.atom")
		t.Errorf("the search page has no live feed link of its search: %.200s", page.body[max(0, i):])
	}
	form := url.Values{"name": {"Berlin engineers"}, "q": {"engineer"}, "f": {"countries:Germany"}}
	req, _ := http.NewRequest("POST", e.url+"/searches", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/searches/ss_") {
		t.Fatalf("save: %d, Location %q", resp.StatusCode, loc)
	}
	saved := send(t, "GET", e.url+loc, "")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/searches/"), "?saved=1")
	if saved.status != 200 || !strings.Contains(saved.body, "/feeds/"+id+".atom") || !strings.Contains(saved.body, "/feeds/"+id+".json") ||
		!strings.Contains(saved.body, "Berlin engineers") {
		t.Errorf("the saved page lacks the feed links: %d %.500s", saved.status, saved.body)
	}
	list, _ := e.store.List(context.Background())
	if len(list) != 1 || list[0].Query != "engineer" || len(list[0].Filters) != 1 || list[0].Filters[0] != "countries:Germany" {
		t.Errorf("saved %+v", list)
	}
	// from another site: refused
	req, _ = http.NewRequest("POST", e.url+"/searches", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site save: %d, want 403", resp.StatusCode)
	}
}

// TestFeedsControlCharacters: text that XML cannot carry (control
// characters from a crawled page) still gives feeds that parse.
func TestFeedsControlCharacters(t *testing.T) {
	r := feedRecords()[0]
	r.Title, r.Description = "Go\x0b engineer\x00", "bell\x07 and \ufffe"
	f := web.SavedFeed(alerts.Search{ID: "ss_x", Name: "x\x01"}, []alerts.FeedEntry{{Found: time.Unix(1e9, 0), Posting: alerts.PostingOf(r)}},
		"https://jobs.example", "https://jobs.example/feeds/ss_x.atom")
	checkAtom(t, f.Atom(), 1)
	var doc rssDoc
	if err := xml.Unmarshal(f.RSS(), &doc); err != nil {
		t.Errorf("RSS: %v", err)
	}
	if !json.Valid(f.JSONFeed()) {
		t.Error("JSON Feed is not valid JSON")
	}
}
