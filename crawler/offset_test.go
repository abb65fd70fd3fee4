package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jobcrawl/jobcrawl/crawler"
)

// offsetSite serves jobs postings, perPage to a result page chosen by the
// ?start= offset, and records the offsets asked for.
func offsetSite(tb testing.TB, jobs, perPage int) (*httptest.Server, func() []string) {
	tb.Helper()
	var mu sync.Mutex
	var asked []string
	mux := http.NewServeMux()
	mux.HandleFunc("/search", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Query().Get("start"))
		mu.Unlock()
		start, _ := strconv.Atoi(r.URL.Query().Get("start"))
		var b strings.Builder
		b.WriteString("<!DOCTYPE html><html><body><ul>")
		for i := start; i < min(start+perPage, jobs); i++ {
			fmt.Fprintf(&b, `<li><a class="job" href="/job/%d">Engineer %d</a></li>`, 5000+i, i)
		}
		b.WriteString("</ul></body></html>")
		fmt.Fprint(w, b.String())
	})
	mux.HandleFunc("/job/", func(w http.ResponseWriter, r *http.Request) {
		n := strings.TrimPrefix(r.URL.Path, "/job/")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Engineer</title></head><body><main>
<h1>Engineer %s</h1><dl><dt>Job ID</dt><dd>%s</dd><dt>Location</dt><dd>Berlin, Germany</dd></dl>
<p>We build things that matter, and we would like you to build them with us.</p></main></body></html>`, n, n)
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

func TestCrawlOffsetParam(t *testing.T) {
	cases := []struct {
		name  string
		start string // the start URL's query
		step  int
		want  []string // offsets asked, in order
	}{
		// the last page held 5 links: the next is asked at 25
		{"step from the links", "", 0, []string{"", "10", "20", "25"}},
		{"configured step", "?start=0", 10, []string{"0", "10", "20", "30"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, asked := offsetSite(t, 25, 10)
			cfg := &crawler.Site{Name: "offset", StartURLs: []string{srv.URL + "/search" + c.start},
				Pagination: crawler.Pagination{OffsetParam: "start", OffsetStep: c.step}, JobLinks: "a.job",
				Limits: crawler.Limits{Parallelism: 1}}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			st, err := (&crawler.Crawler{Index: openIndex(t)}).Run(context.Background(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			// pages at 0, 10, 20 hold postings; the one at 30 is empty and ends the walk
			if st.Pages != 4 || st.Postings != 25 || !st.Complete {
				t.Errorf("pages %d, postings %d, complete %v: want 4, 25, true", st.Pages, st.Postings, st.Complete)
			}
			if got := fmt.Sprint(asked()); got != fmt.Sprint(c.want) {
				t.Errorf("offsets asked: got %s, want %s", got, fmt.Sprint(c.want))
			}
		})
	}
}

func TestPaginationOffsetValidate(t *testing.T) {
	base := func(p crawler.Pagination) crawler.Site {
		return crawler.Site{Name: "a", StartURLs: []string{"https://a.example/"}, JobLinks: "a", Pagination: p}
	}
	cases := []struct {
		name string
		p    crawler.Pagination
		want string
	}{
		{"offset alone", crawler.Pagination{OffsetParam: "start"}, ""},
		{"with a step", crawler.Pagination{OffsetParam: "start", OffsetStep: 20}, ""},
		{"two ways", crawler.Pagination{OffsetParam: "start", PageParam: "page"}, "pagination: set one of next, page_param and offset_param"},
		{"negative step", crawler.Pagination{OffsetParam: "start", OffsetStep: -1}, "pagination.offset_step: -1 is negative"},
		{"step alone", crawler.Pagination{Next: "a.next", OffsetStep: 20}, "pagination.offset_step: set without offset_param"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base(c.p)
			got := ""
			if err := s.Validate(); err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
