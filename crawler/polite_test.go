package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// requestsTo are the logged requests of one path (with its query).
func requestsTo(log []demosite.Request, uri string) []demosite.Request {
	var out []demosite.Request
	for _, r := range log {
		if r.URI == uri {
			out = append(out, r)
		}
	}
	return out
}

// failFirst answers the first n requests with fail and the rest with the
// real page.
func failFirst(site *demosite.Site, n int, fail http.HandlerFunc) http.Handler {
	var mu sync.Mutex
	seen := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen++
		k := seen
		mu.Unlock()
		if k <= n {
			fail(w, r)
			return
		}
		site.Unhooked().ServeHTTP(w, r)
	})
}

func run(tb testing.TB, cfg *crawler.Site) (crawler.Stats, index.Index) {
	tb.Helper()
	ix := openIndex(tb)
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return st, ix
}

func indexed(tb testing.TB, ix index.Index, num string) bool {
	tb.Helper()
	_, err := ix.Get(context.Background(), index.RecordID("contoso", num))
	return err == nil
}

// TestRetryAfterHonoured: a 429 and a 503 with Retry-After (in seconds and
// as an HTTP date) are retried no sooner than asked, and the 429 pauses the
// whole host.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	site, _, cfg := newSite(t, demosite.Options{Jobs: 8, PerPage: 8, Dups: -1, Seed: 31})
	cfg.Limits.Parallelism = 2
	a, b := site.Jobs[1], site.Jobs[5]
	site.Hook(a.Path(), failFirst(site, 1, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}))
	var mu sync.Mutex
	var until time.Time
	site.Hook(b.Path(), failFirst(site, 1, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		until = time.Now().Add(2 * time.Second).UTC().Truncate(time.Second)
		w.Header().Set("Retry-After", until.Format(http.TimeFormat))
		mu.Unlock()
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	st, _ := run(t, cfg)
	if !st.Complete || st.Postings != 8 || st.Retries != 2 {
		t.Errorf("complete %v, postings %d, retries %d: want true, 8, 2", st.Complete, st.Postings, st.Retries)
	}
	log := site.Log()
	ra, rb := requestsTo(log, a.Path()), requestsTo(log, b.Path())
	if len(ra) != 2 || len(rb) != 2 {
		t.Fatalf("attempts: %d and %d, want 2 each", len(ra), len(rb))
	}
	if gap := ra[1].At.Sub(ra[0].At); gap < time.Second {
		t.Errorf("Retry-After: 1 (429): retried after %s", gap)
	}
	mu.Lock()
	defer mu.Unlock()
	if rb[1].At.Before(until) {
		t.Errorf("Retry-After: %s (503): retried %s early", until.Format(http.TimeFormat), until.Sub(rb[1].At))
	}
	// the 429 paused the host: nothing but requests already on their way
	// arrived in the second after it
	for _, r := range log {
		if d := r.At.Sub(ra[0].At); d > 300*time.Millisecond && d < time.Second {
			t.Errorf("%s arrived %s after the 429", r.URI, d)
		}
	}
}

// TestCircuitBreaker: after limits.breaker.failures failures in a row a
// host gets no request for the pause; a failed probe doubles it; after
// max_pauses the run gives up on the host. A host that recovers is crawled
// to the end.
func TestCircuitBreaker(t *testing.T) {
	t.Parallel()
	unavailable := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }
	pause := 300 * time.Millisecond
	setup := func(t *testing.T, failures int, maxPauses int) (*demosite.Site, *crawler.Site) {
		site, _, cfg := newSite(t, demosite.Options{Jobs: 5, PerPage: 5, Dups: -1, Seed: 41})
		cfg.Limits.Parallelism, cfg.Limits.MaxRetries, cfg.Limits.RetryBackoff = 1, 10, crawler.Duration(time.Millisecond)
		cfg.Limits.Breaker = crawler.Breaker{Failures: 3, Pause: crawler.Duration(pause), MaxPauses: maxPauses}
		site.Hook("/careers", failFirst(site, failures, unavailable))
		return site, cfg
	}

	t.Run("gives up", func(t *testing.T) {
		t.Parallel()
		site, cfg := setup(t, 1000, 1)
		st, _ := run(t, cfg)
		got := requestsTo(site.Log(), "/careers?page=1")
		// 3 failures, a pause, a failed probe, then no more
		if len(got) != 4 || st.ByKind["host_down"] != 1 || st.HostPauses != 2 || st.Complete {
			t.Fatalf("requests %d, error kinds %v, pauses %d, complete %v: want 4, host_down, 2, false",
				len(got), st.ByKind, st.HostPauses, st.Complete)
		}
		if gap := got[3].At.Sub(got[2].At); gap < pause {
			t.Errorf("probe %s after the third failure, want at least %s", gap, pause)
		}
	})
	t.Run("recovers", func(t *testing.T) {
		t.Parallel()
		site, cfg := setup(t, 4, 3)
		st, _ := run(t, cfg)
		got := requestsTo(site.Log(), "/careers?page=1")
		if len(got) != 5 || !st.Complete || st.Postings != 5 || st.HostPauses != 2 {
			t.Fatalf("requests %d, complete %v, postings %d, pauses %d: want 5, true, 5, 2", len(got), st.Complete, st.Postings, st.HostPauses)
		}
		if g1, g2 := got[3].At.Sub(got[2].At), got[4].At.Sub(got[3].At); g1 < pause || g2 < 2*pause {
			t.Errorf("pauses %s and %s, want at least %s and %s", g1, g2, pause, 2*pause)
		}
	})
}

// TestCrawlDelay: the Crawl-delay of the robots.txt group that names
// jobcrawl spaces every request to the host.
func TestCrawlDelay(t *testing.T) {
	t.Parallel()
	site, _, cfg := newSite(t, demosite.Options{Jobs: 5, PerPage: 5, Dups: -1, Seed: 51})
	cfg.Limits.Parallelism = 4
	site.Hook("/robots.txt", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: jobcrawl\nCrawl-delay: 0.25\nDisallow: /private/\n\nUser-agent: *\nDisallow: /\n")
	}))
	st, _ := run(t, cfg)
	if !st.Complete || st.Postings != 5 {
		t.Fatalf("complete %v, postings %d: want true, 5 (the group for jobcrawl applies, not *)", st.Complete, st.Postings)
	}
	var pages []demosite.Request
	for _, r := range site.Log() {
		if r.URI != "/robots.txt" {
			pages = append(pages, r)
		}
	}
	if len(pages) != 6 {
		t.Fatalf("requests: %d, want 6", len(pages))
	}
	// one at a time, each a delay after the answer to the one before
	for i := 1; i < len(pages); i++ {
		if gap := pages[i].At.Sub(pages[i-1].At); gap < 250*time.Millisecond {
			t.Errorf("%s came %s after the request before it, Crawl-delay is 250ms", pages[i].URI, gap)
		}
	}
}

// TestRateCap: the server never sees more than limits.rate requests in any
// one second, however parallel the crawl.
func TestRateCap(t *testing.T) {
	t.Parallel()
	site, _, cfg := newSite(t, demosite.Options{Jobs: 14, PerPage: 14, Dups: -1, Seed: 61})
	cfg.Limits.Parallelism = 8
	if err := cfg.Limits.Rate.UnmarshalText([]byte("10/s")); err != nil {
		t.Fatal(err)
	}
	st, _ := run(t, cfg)
	log := site.Log()
	if !st.Complete || len(log) != 16 || st.Requests != 16 {
		t.Fatalf("complete %v, requests %d (server) %d (client): want true, 16", st.Complete, len(log), st.Requests)
	}
	if got := demosite.MaxPerSecond(log); got > 10 {
		t.Errorf("the server saw %d requests in one second, the cap is 10/s", got)
	}
}

// TestTruncatedPages: a page cut short is retried and indexed whole; one
// always cut short is given up, never indexed.
func TestTruncatedPages(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 6, PerPage: 6, Dups: -1, Seed: 71})
	cfg.Limits.MaxRetries, cfg.Limits.RetryBackoff = 2, crawler.Duration(time.Millisecond)
	truncate := func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		site.Unhooked().ServeHTTP(rec, r)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(rec.Body.Bytes()[:rec.Body.Len()*2/3])
	}
	a, b := site.Jobs[1], site.Jobs[3]
	site.Hook(a.Path(), failFirst(site, 2, truncate))
	site.Hook(b.Path(), http.HandlerFunc(truncate))
	st, ix := run(t, cfg)
	if st.Complete || st.ByKind["truncated"] != 1 || st.Rejected["truncated document"] != 1 || st.Retries != 4 {
		t.Errorf("complete %v, error kinds %v, rejected %v, retries %d: want false, truncated 1, 4 retries",
			st.Complete, st.ByKind, st.Rejected, st.Retries)
	}
	if !indexed(t, ix, a.Number) || indexed(t, ix, b.Number) {
		t.Errorf("indexed: %s %v (want true), %s %v (want false)", a.Number, indexed(t, ix, a.Number), b.Number, indexed(t, ix, b.Number))
	}
}

// TestTimeoutsAndConnectionErrorsRetried: a request over limits.timeout and
// a connection dropped mid-answer are retried.
func TestTimeoutsAndConnectionErrorsRetried(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 6, PerPage: 6, Dups: -1, Seed: 81})
	cfg.Limits.Timeout, cfg.Limits.MaxRetries, cfg.Limits.RetryBackoff = crawler.Duration(300*time.Millisecond), 2, crawler.Duration(time.Millisecond)
	site.Hook(site.Jobs[0].Path(), failFirst(site, 1, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	site.Hook(site.Jobs[2].Path(), failFirst(site, 1, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5000")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<html><body>"))
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	st, _ := run(t, cfg)
	if !st.Complete || st.Postings != 6 || st.Retries != 2 || st.Errors != 0 {
		t.Errorf("complete %v, postings %d, retries %d, errors %d %v: want true, 6, 2, 0", st.Complete, st.Postings, st.Retries, st.Errors, st.ByKind)
	}
}

// TestMaxBodySize: a page over limits.max_body_size is refused, announced
// by Content-Length or not.
func TestMaxBodySize(t *testing.T) {
	site, _, cfg := newSite(t, demosite.Options{Jobs: 6, PerPage: 6, Dups: -1, Seed: 91})
	cfg.Limits.MaxBodySize = 20 << 10
	big := "<!DOCTYPE html><html><body><p>" + strings.Repeat("filler ", 15000) + "</p></body></html>"
	a, b := site.Jobs[1], site.Jobs[4]
	site.Hook(a.Path(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(big)))
		w.Write([]byte(big))
	}))
	site.Hook(b.Path(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(big); i += 4096 { // chunked: no Content-Length
			w.Write([]byte(big[i:min(i+4096, len(big))]))
			http.NewResponseController(w).Flush()
		}
	}))
	st, ix := run(t, cfg)
	if st.ByKind["too_large"] != 2 || st.Rejected["document too large"] != 2 || st.Postings != 4 {
		t.Errorf("error kinds %v, rejected %v, postings %d: want 2 too large, 4 postings", st.ByKind, st.Rejected, st.Postings)
	}
	if indexed(t, ix, a.Number) || indexed(t, ix, b.Number) {
		t.Error("a page over the size limit was indexed")
	}
}

// TestRedirectsRefused: a redirect off the site's hosts, or to a path
// robots.txt disallows, is not followed.
func TestRedirectsRefused(t *testing.T) {
	site, srv, cfg := newSite(t, demosite.Options{Jobs: 6, PerPage: 6, Dups: -1, Seed: 101})
	offSite := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	a, b := site.Jobs[1], site.Jobs[3]
	site.Hook(a.Path(), http.RedirectHandler(offSite+a.Path(), http.StatusFound))
	site.Hook(b.Path(), http.RedirectHandler("/private/login", http.StatusFound))
	st, _ := run(t, cfg)
	if st.ByKind["redirect_off_site"] != 1 || st.ByKind["robots"] != 1 || st.Postings != 4 {
		t.Errorf("error kinds %v, postings %d: want redirect_off_site 1, robots 1, 4 postings", st.ByKind, st.Postings)
	}
	for _, r := range site.Log() {
		if strings.HasPrefix(r.Host, "localhost") || strings.HasPrefix(r.URI, "/private/") {
			t.Errorf("followed a refused redirect: %s%s", r.Host, r.URI)
		}
	}
}
