package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// TestPostingInARedirectLoopStaysOpen: a posting page that redirects A→B→A
// is an error of the run (redirect_loop), the run is incomplete, and the
// posting stays open; a page that redirects to itself likewise.
func TestPostingInARedirectLoopStaysOpen(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 10, PerPage: 10, Dups: -1, Seed: 5})
	ix := openIndex(t)
	rn := newRunner(t, ix, cfg)
	ctx := context.Background()
	if st := rn.run(ctx); st.New != 10 || !st.Complete {
		t.Fatalf("run 1: %+v", st)
	}
	loop, self := site.Jobs[3], site.Jobs[7]
	site.Hook(loop.Path(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moved/"+loop.Number, http.StatusFound)
	}))
	site.Hook("/moved/"+loop.Number, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.Path(), http.StatusFound)
	}))
	site.Hook(self.Path(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, self.Path(), http.StatusMovedPermanently)
	}))
	rn.now = rn.now.Add(24 * time.Hour)
	st := rn.run(ctx)
	if st.Complete || st.Outcome != "incomplete" || st.Errors != 2 || st.ByKind["redirect_loop"] != 2 {
		t.Errorf("loops: outcome %s (complete %v), errors %d %v: want incomplete with 2 redirect_loop", st.Outcome, st.Complete, st.Errors, st.ByKind)
	}
	if st.Closed != 0 || st.Protected != 2 || st.Unchanged != 8 {
		t.Errorf("loops: closed %d, protected %d, unchanged %d: want 0, 2, 8", st.Closed, st.Protected, st.Unchanged)
	}
	for _, j := range []*demosite.Job{loop, self} {
		if rec := get(t, ix, j.Number); rec.Status != index.StatusOpen {
			t.Errorf("job %s in a redirect loop: status %s, want open", j.Number, rec.Status)
		}
	}
	if !st.Failed() {
		t.Error("a run with failed pages must count as failed for its site")
	}
}

// TestStartURLThatFails: a start URL in a redirect loop, one that answers
// 500, and one refused by robots.txt each make the run failed, never
// complete with 0 postings, and close nothing.
func TestStartURLThatFails(t *testing.T) {
	tests := []struct {
		name string
		hook func(site *demosite.Site, start string) // start: the start page's path and query
		kind string
	}{
		{"redirect loop", func(site *demosite.Site, start string) {
			site.Hook(start, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/careers/all", http.StatusFound)
			}))
			site.Hook("/careers/all", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, start, http.StatusFound)
			}))
		}, "redirect_loop"},
		{"500", func(site *demosite.Site, start string) {
			site.Hook(start, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "down", http.StatusInternalServerError)
			}))
		}, "http_500"},
		{"404", func(site *demosite.Site, start string) {
			site.Hook(start, http.HandlerFunc(http.NotFound))
		}, "http_404"},
		{"robots.txt", func(site *demosite.Site, start string) {
			site.Hook("/robots.txt", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, "User-agent: *\nDisallow: /careers\n")
			}))
		}, "robots"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			site, srv, cfg := newSite(t, demosite.Options{Jobs: 6, PerPage: 6, Dups: -1, Seed: 9})
			ix := openIndex(t)
			rn := newRunner(t, ix, cfg)
			if st := rn.run(context.Background()); st.New != 6 {
				t.Fatalf("run 1: %+v", st)
			}
			tc.hook(site, strings.TrimPrefix(demosite.StartURL(srv.URL), srv.URL))
			rn.now = rn.now.Add(time.Hour)
			rn.c.MaxCloseShare = 1 // no guard: only the rules stand between the run and closing the site
			st := rn.run(context.Background())
			if st.Outcome != "failed" || st.Complete || !st.Failed() || st.Incomplete != "start page failed" {
				t.Errorf("outcome %s (%q), complete %v, failed %v: want a failed run", st.Outcome, st.Incomplete, st.Complete, st.Failed())
			}
			if st.Closed != 0 || st.ByKind[tc.kind] != 1 {
				t.Errorf("closed %d, errors %v: want none closed and one %s", st.Closed, st.ByKind, tc.kind)
			}
			if res := searchAll(t, ix); res.Total != 6 {
				t.Errorf("open records: %d, want 6", res.Total)
			}
		})
	}
}

// TestOtherHostsAreNeverAsked: links to other listeners (another port of
// the same loopback address) on result pages, a redirect to one, and a
// posting that links to one: they receive no request, robots.txt included.
func TestOtherHostsAreNeverAsked(t *testing.T) {
	var otherHits atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		fmt.Fprint(w, "<html><body>elsewhere</body></html>")
	}))
	defer other.Close()
	site, srv, cfg := newSite(t, demosite.Options{Jobs: 5, PerPage: 10, Dups: -1, Seed: 2})
	list := strings.TrimPrefix(demosite.StartURL(srv.URL), srv.URL)
	site.Hook(list, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString("<html><body><ul>")
		for _, j := range site.Jobs {
			fmt.Fprintf(&b, `<li class="card"><a class="job-title" href="%s">%s</a></li>`, j.Path(), j.Title)
		}
		for i := range 5 {
			fmt.Fprintf(&b, `<li class="card"><a class="job-title" href="%s/jobs/%d/x">Elsewhere</a></li>`, other.URL, 900+i)
		}
		fmt.Fprintf(&b, `<li class="card"><a class="job-title" href="/go/away">Moved</a></li>`)
		b.WriteString("</ul></body></html>")
		fmt.Fprint(w, b.String())
	}))
	site.Hook("/go/away", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/jobs/999/away", http.StatusFound)
	}))
	st, ix := run(t, cfg)
	if n := otherHits.Load(); n != 0 {
		t.Errorf("the other listener received %d requests, want 0", n)
	}
	if st.Postings != 5 || st.ByKind["off_site"] != 5 || st.ByKind["redirect_off_site"] != 1 {
		t.Errorf("postings %d, errors %v: want 5, with 5 off_site and 1 redirect_off_site", st.Postings, st.ByKind)
	}
	if res := searchAll(t, ix); res.Total != 5 {
		t.Errorf("indexed %d, want 5", res.Total)
	}
}

// TestQueueCap: requests past limits.max_queue are dropped, counted and
// leave the run incomplete; the others are fetched.
func TestQueueCap(t *testing.T) {
	_, _, cfg := newSite(t, demosite.Options{Jobs: 30, PerPage: 30, Dups: -1, Seed: 6})
	cfg.Limits.MaxQueue = 10
	st, _ := run(t, cfg)
	if st.Complete || st.QueueFull == 0 || st.ByKind["queue_full"] != st.QueueFull || st.Postings+st.QueueFull != 30 {
		t.Errorf("complete %v, queue full %d, postings %d, errors %v: want incomplete, 30 postings between fetched and dropped",
			st.Complete, st.QueueFull, st.Postings, st.ByKind)
	}
}
