package onboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// shapes are the careers sites add is tested on: every container, every
// way to the next page, every way of labelling a posting's facts.
// paged is what each shape's pagination should be found as.
var paged = map[string]string{
	"rel-next": `next: a[rel~="next"]`, "page-param": "page_param: page", "offset": "offset_param: start, offset_step: 20",
	"load-more": "json", "next-word": "next: ", "arrow": "next: ", "path": "next: span.current + a",
}

var shapes = []shape{
	{name: "table, rel=next, dl", jobs: 34, perPage: 10, container: "table", paging: "rel-next", labels: "dl", url: "path-id", idLabel: "Job ID", lang: "en"},
	{name: "divs, page parameter, table", jobs: 45, perPage: 12, container: "divs", paging: "page-param", labels: "table", url: "query", idLabel: "Reference", lang: "en"},
	{name: "list, offset parameter, bold", jobs: 52, perPage: 20, container: "list", paging: "offset", labels: "bold", url: "slug-id", idLabel: "Job ID", lang: "en"},
	{name: "divs, load more JSON, dl", jobs: 28, perPage: 10, container: "divs", paging: "load-more", labels: "dl", url: "path-id", idLabel: "Job ID", lang: "en"},
	{name: "noise, next in words, dl", jobs: 40, perPage: 15, container: "divs", paging: "next-word", labels: "dl", url: "path-id", idLabel: "Stellen-ID", lang: "de", noise: true},
	{name: "articles, arrow, unmapped id label", jobs: 24, perPage: 8, container: "articles", paging: "arrow", labels: "table", url: "slug", idLabel: "Numéro d'offre", lang: "fr"},
	{name: "list, pages in the path, bold", jobs: 21, perPage: 7, container: "list", paging: "path", labels: "bold", url: "path-id", idLabel: "Job ID", lang: "en"},
}

// TestAddThenCrawl is issue 14's "Done when": for each shape, Suggest
// proposes a block; the block, printed and parsed back unedited, crawls
// the site with recall ≥ 0.95 and every posting's job number and title
// right.
func TestAddThenCrawl(t *testing.T) {
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			site := newTestSite(t, sh)
			sug, err := Suggest(context.Background(), site.startURL(), Options{})
			if err != nil {
				t.Fatalf("suggest: %v", err)
			}
			block := Block(sug.Site, sug, site.startURL())
			t.Logf("%s\n%s", block, Report(sug))
			var cfg struct{ Sites []crawler.Site }
			if err := yaml.Unmarshal([]byte("sites:\n"+block), &cfg); err != nil || len(cfg.Sites) != 1 {
				t.Fatalf("the block does not parse as one site (%v):\n%s", err, block)
			}
			s := &cfg.Sites[0]
			if err := s.Validate(); err != nil {
				t.Fatalf("the block does not validate: %v", err)
			}
			checkChoices(t, sug)
			want := paged[sh.paging]
			got := ""
			for _, c := range sug.Choices {
				if c.Key == "pagination" {
					got = c.Value
				}
				if c.Key == "json" {
					got = "json"
				}
			}
			if !strings.HasPrefix(got, want) {
				t.Errorf("pagination: got %q, want %q", got, want)
			}
			if sh.url == "slug" { // the id is only under a label extraction does not map
				if r := s.Fields["job_number"]; r == nil || r.Label != sh.idLabel {
					t.Errorf("fields.job_number: got %+v, want label %q", r, sh.idLabel)
				}
			}

			ix, err := embedded.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Complete {
				t.Errorf("the run is not complete: %+v", st)
			}
			res, err := ix.Search(context.Background(), index.Query{Limit: index.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			truth := map[string]string{}
			for _, j := range site.jobs {
				truth[j.Number] = j.Title
			}
			found := 0
			for _, h := range res.Hits {
				title, ok := truth[h.JobNumber]
				switch {
				case !ok:
					t.Errorf("crawled %q (%q), which is no job of the site", h.JobNumber, h.Title)
				case h.Title != title:
					t.Errorf("job %s: title %q, want %q", h.JobNumber, h.Title, title)
				default:
					found++
				}
			}
			recall := float64(found) / float64(len(site.jobs))
			t.Logf("recall %.2f (%d of %d postings; %d result pages on the site, %d walked)", recall, found, len(site.jobs), site.pages(), st.Pages)
			if recall < 0.95 {
				t.Errorf("recall %.2f, want ≥ 0.95", recall)
			}
		})
	}
}

// checkChoices: every choice and field has a confidence in [0, 1] and a
// reason, and the samples gave job numbers and titles.
func checkChoices(t *testing.T, sug Suggestion) {
	t.Helper()
	if len(sug.Choices) < 2 || len(sug.Samples) < 3 {
		t.Errorf("want choices (job_links, pagination or json) and 3 or more samples, got %d and %d", len(sug.Choices), len(sug.Samples))
	}
	for _, c := range append(append([]Choice(nil), sug.Choices...), sug.Coverage...) {
		if c.Confidence < 0 || c.Confidence > 1 || c.Reason == "" {
			t.Errorf("choice %s: confidence %.2f, reason %q", c.Key, c.Confidence, c.Reason)
		}
	}
	for _, c := range sug.Coverage {
		if (c.Key == "job_number" || c.Key == "title") && c.Confidence < 1 {
			t.Errorf("coverage of %s: %.2f, want every sample (%s)", c.Key, c.Confidence, c.Reason)
		}
	}
}

// TestAddSaysWhyNot: pages that list no postings, and why.
func TestAddSaysWhyNot(t *testing.T) {
	page := func(body string) string {
		return `<!DOCTYPE html><html><head><title>Acme</title></head><body><header><nav><ul>
<li><a href="/">Home</a></li><li><a href="/about/us">About us</a></li><li><a href="/about/team">Our team</a></li><li><a href="/about/press">Press</a></li></ul></nav></header>
<main>` + body + `</main><footer><a href="/legal/privacy">Privacy</a> <a href="/legal/terms">Terms</a> <a href="/legal/cookies">Cookies</a></footer></body></html>`
	}
	var offsite, nonumber strings.Builder
	for i := range 6 {
		fmt.Fprintf(&offsite, `<li><a href="https://apply.elsewhere.example/acme/%d">Engineer number %d</a></li>`, 7000+i, i)
		fmt.Fprintf(&nonumber, `<li><a href="/roles/role-%c">Role called %c</a></li>`, 'a'+i, 'A'+i)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/about", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page(`<h1>About Acme</h1><p>We make anvils.</p>`))
	})
	mux.HandleFunc("/offsite", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page(`<h1>Jobs</h1><ul class="jobs">`+offsite.String()+`</ul>`))
	})
	mux.HandleFunc("/nonumber", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page(`<h1>Jobs</h1><ul class="jobs">`+nonumber.String()+`</ul>`))
	})
	mux.HandleFunc("/roles/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page(`<h1>A role</h1><p>Come and work with us on anvils of every size; we are a small, friendly team.</p>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, c := range []struct{ path, reason, says string }{
		{"/about", ReasonNoLinks, "no repeated links to postings"},
		{"/offsite", ReasonOffSite, "apply.elsewhere.example"},
		{"/nonumber", ReasonNoJobNumber, "no job number"},
	} {
		t.Run(c.path, func(t *testing.T) {
			_, err := Suggest(context.Background(), srv.URL+c.path, Options{})
			var nf *NotFoundError
			if !errors.As(err, &nf) || !errors.Is(err, ErrNotRecognized) {
				t.Fatalf("got %v, want a NotFoundError", err)
			}
			if nf.Reason != c.reason || !strings.Contains(err.Error(), c.says) {
				t.Errorf("reason %q, error %q: want %q saying %q", nf.Reason, err, c.reason, c.says)
			}
			if len(err.Error()) > 600 {
				t.Errorf("the error is %d bytes long", len(err.Error()))
			}
		})
	}
}

func TestSaysNext(t *testing.T) {
	cases := []struct {
		html string
		want bool
	}{
		{`<a href="?p=2">Next</a>`, true},
		{`<a href="?p=2">Next page »</a>`, true},
		{`<a href="?p=2">›</a>`, true},
		{`<a href="?p=2" aria-label="Page suivante"><svg></svg></a>`, true},
		{`<a href="?p=2">Siguiente</a>`, true},
		{`<a href="?p=2"><i class="icon-chevron-right"></i></a>`, true},
		{`<a href="?p=2" class="pager-next"></a>`, true},
		{`<a href="?p=9">»»</a>`, false},
		{`<a href="?p=9" class="last">»</a>`, false},
		{`<a href="?p=1">‹</a>`, false},
		{`<a href="/jobs/1">Next-generation engineer</a>`, false},
		{`<a href="?p=3">3</a>`, false},
	}
	for _, c := range cases {
		root, _ := html.Parse(strings.NewReader(c.html))
		a := cascadia.Query(root, anchorSel)
		if got := saysNext(a); got != c.want {
			t.Errorf("%s: got %v, want %v", c.html, got, c.want)
		}
	}
}

// TestCountedPaging: the values of the links decide pages from offsets,
// and pages counted from 0.
func TestCountedPaging(t *testing.T) {
	cases := []struct {
		links string
		want  string // describePaging, and the next page's URL
	}{
		{`<a href="/s?page=2">2</a><a href="/s?page=3">3</a><a href="/s?page=7">7</a>`, "page_param: page /s?page=2"},
		{`<a href="/s?start=25">2</a><a href="/s?start=50">3</a>`, "offset_param: start, offset_step: 25 /s?start=25"},
		{`<a href="/s?pg=0">1</a><a href="/s?pg=1">2</a><a href="/s?pg=2">3</a>`, "offset_param: pg, offset_step: 1 /s?pg=1"},
		{`<a href="/s?x=40">a</a><a href="/s?x=80">b</a>`, "offset_param: x, offset_step: 40 /s?x=40"},
		{`<a href="/s?sort=date">by date</a><a href="/jobs/123">a job</a>`, ""},
	}
	for _, c := range cases {
		root, _ := html.Parse(strings.NewReader("<body>" + c.links + "</body>"))
		page, _ := url.Parse("http://a.example/s")
		links := pageLinks(root, page)
		got := ""
		for _, p := range findPaging(root, page, links, map[string]bool{}) {
			u, _ := url.Parse(p.next)
			got = describePaging(p.p) + " " + shortURL(u)
			break
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.links, got, c.want)
		}
	}
}

// TestSelectorForIsExact: the selector picks the group and nothing else,
// though other links share its tags.
func TestSelectorForIsExact(t *testing.T) {
	page := `<body><div class="side"><ul><li><a href="/jobs/9">Featured A</a></li><li><a href="/jobs/8">Featured B</a></li><li><a href="/jobs/7">Featured C</a></li></ul></div>
<div class="main"><ul class="list"><li class="row odd"><a href="/jobs/1">Job one title</a></li><li class="row even"><a href="/jobs/2">Job two title</a></li>
<li class="row odd"><a href="/jobs/3">Job three title</a></li><li class="row even"><a href="/jobs/4">Job four title</a></li></ul></div></body>`
	root, _ := html.Parse(strings.NewReader(page))
	base, _ := url.Parse("http://a.example/careers")
	groups := groupLinks(pageLinks(root, base), base)
	var main *linkGroup
	for _, g := range groups {
		if len(g.urls) == 4 {
			main = g
		}
	}
	if main == nil || !main.repeated || main.card != "li" {
		t.Fatalf("groups: %v", groups)
	}
	sel, exact := selectorFor(root, main)
	if !exact {
		t.Fatalf("no exact selector (best %q)", sel)
	}
	got := cascadia.QueryAll(root, cascadia.MustCompile(sel))
	if len(got) != 4 || attrOf(got[0], "href") != "/jobs/1" {
		t.Errorf("%q selects %d links", sel, len(got))
	}
}
