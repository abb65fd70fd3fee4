package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// counting is a loopback listener that counts every request it receives.
type counting struct {
	*httptest.Server
	n atomic.Int64
}

func newCounting(tb testing.TB, h http.HandlerFunc) *counting {
	tb.Helper()
	c := &counting{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		fmt.Fprint(w, "<html><body>other</body></html>")
	}))
	tb.Cleanup(c.Close)
	return c
}

func newFetcher(tb testing.TB, hosts []string, l Limits) *Fetcher {
	tb.Helper()
	if l.RetryBackoff == 0 {
		l.RetryBackoff = time.Millisecond
	}
	f, err := New(tb.Context(), Config{Hosts: hosts, Limits: l})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func hostOf(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

func TestRedirects(t *testing.T) {
	other := newCounting(t, nil)
	var cookieSet atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/b", http.StatusFound) })
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/a", http.StatusFound) })
	mux.HandleFunc("/self", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/self", http.StatusFound) })
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("s"); err != nil {
			http.SetCookie(w, &http.Cookie{Name: "s", Value: "1"})
			http.Redirect(w, r, "/cookie", http.StatusFound)
			return
		}
		cookieSet.Store(true)
		fmt.Fprint(w, "<html><body>ok</body></html>")
	})
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/x", http.StatusMovedPermanently)
	})
	site := httptest.NewServer(mux)
	defer site.Close()
	f := newFetcher(t, []string{hostOf(site)}, Limits{})
	ctx := context.Background()

	tests := []struct {
		path  string
		class Class
		kind  string
		chain string
	}{
		{"/a", RedirectLoop, "redirect_loop", "/a → " + site.URL + "/b → " + site.URL + "/a"},
		{"/self", RedirectLoop, "redirect_loop", "/self → " + site.URL + "/self → " + site.URL + "/self"},
		{"/away", OffSite, "redirect_off_site", other.URL + "/x"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			_, err := f.Do(ctx, &Request{URL: site.URL + tc.path})
			var fe *Error
			if !errors.As(err, &fe) || fe.Class != tc.class || fe.Kind != tc.kind {
				t.Fatalf("got %v (%+v), want class %d kind %s", err, fe, tc.class, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.chain) {
				t.Errorf("error %q does not give the chain %q", err, tc.chain)
			}
		})
	}
	if n := other.n.Load(); n != 0 {
		t.Errorf("the host redirected to received %d requests, want 0", n)
	}

	resp, err := f.Do(ctx, &Request{URL: site.URL + "/cookie", HTML: true})
	if err != nil || !cookieSet.Load() || resp.Doc == nil {
		t.Errorf("a page that redirects to itself once to set a cookie: %v, cookie %v", err, cookieSet.Load())
	}
}

func TestOnlyTheSitesHosts(t *testing.T) {
	other := newCounting(t, nil)
	site := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><body>site</body></html>")
	})
	f := newFetcher(t, []string{hostOf(site.Server)}, Limits{})
	_, err := f.Do(context.Background(), &Request{URL: other.URL + "/page"})
	var fe *Error
	if !errors.As(err, &fe) || fe.Class != OffSite {
		t.Fatalf("request to another listener: got %v, want off-site", err)
	}
	if n := other.n.Load(); n != 0 {
		t.Errorf("the other listener received %d requests (robots.txt included), want 0", n)
	}
	if _, err := f.Do(context.Background(), &Request{URL: site.URL + "/page"}); err != nil {
		t.Fatal(err)
	}
	// a port wildcard allows any port of a host
	f = newFetcher(t, []string{"127.0.0.1:*"}, Limits{})
	if _, err := f.Do(context.Background(), &Request{URL: other.URL + "/page"}); err != nil {
		t.Errorf("127.0.0.1:* refused %s: %v", other.URL, err)
	}
}

func TestRobots(t *testing.T) {
	var robotsHits atomic.Int64
	site := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			robotsHits.Add(1)
			fmt.Fprint(w, "User-agent: *\nDisallow: /private\n")
		default:
			fmt.Fprint(w, "<html><body>page</body></html>")
		}
	})
	f := newFetcher(t, []string{hostOf(site.Server)}, Limits{})
	ctx := context.Background()
	_, err := f.Do(ctx, &Request{URL: site.URL + "/private/1"})
	var fe *Error
	if !errors.As(err, &fe) || fe.Class != Robots || fe.Kind != "robots" {
		t.Fatalf("disallowed page: got %v, want robots", err)
	}
	for range 3 {
		if _, err := f.Do(ctx, &Request{URL: site.URL + "/open"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := robotsHits.Load(); n != 1 {
		t.Errorf("robots.txt fetched %d times, want once", n)
	}
	if _, err := f.Do(ctx, &Request{URL: site.URL + "/private/api", NoRobots: true}); err != nil {
		t.Errorf("NoRobots request: %v", err)
	}

	// a robots.txt that keeps failing refuses the origin
	down := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	})
	f = newFetcher(t, []string{hostOf(down.Server)}, Limits{MaxRetries: 1})
	_, err = f.Do(ctx, &Request{URL: down.URL + "/page"})
	if !errors.As(err, &fe) || fe.Class != Robots || fe.Kind != "robots_unavailable" {
		t.Errorf("robots.txt 503: got %v, want robots_unavailable", err)
	}

	// a host that refuses connections is named as such, not as a robots.txt
	// that could not be read
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()
	f = newFetcher(t, []string{hostOf(gone)}, Limits{MaxRetries: 1})
	_, err = f.Do(ctx, &Request{URL: goneURL + "/page"})
	if !errors.As(err, &fe) || fe.Class != Robots || fe.Kind != "connection" {
		t.Errorf("connection refused: got %v (kind %q), want kind connection", err, fe.Kind)
	}
}

func TestStatusesAndRetries(t *testing.T) {
	var flaky atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) })
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "busy", http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, "<html><body><p>fine</p></body></html>")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, strings.Repeat("x", 5000)) })
	mux.HandleFunc("/bigchunked", func(w http.ResponseWriter, r *http.Request) {
		for range 10 {
			fmt.Fprint(w, strings.Repeat("x", 1000))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `{"a":1}`)
	})
	site := httptest.NewServer(mux)
	defer site.Close()
	var retries atomic.Int64
	f, err := New(t.Context(), Config{Hosts: []string{hostOf(site)}, Limits: Limits{MaxRetries: 2, RetryBackoff: time.Millisecond, MaxBodySize: 4096},
		OnRetry: func(string, string, time.Duration) { retries.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		path  string
		class Class
		kind  string
	}{
		{"/gone", Gone, "http_410"}, {"/missing", Gone, "http_404"}, {"/forbidden", Refused, "http_403"},
		{"/down", Transient, "http_502"}, {"/big", TooLarge, "too_large"}, {"/bigchunked", TooLarge, "too_large"},
	} {
		_, err := f.Do(ctx, &Request{URL: site.URL + tc.path})
		var fe *Error
		if !errors.As(err, &fe) || fe.Class != tc.class || fe.Kind != tc.kind {
			t.Errorf("%s: got %v (%+v), want class %d, kind %s", tc.path, err, fe, tc.class, tc.kind)
		}
	}
	if n := retries.Load(); n != 2 {
		t.Errorf("retries of the 502: %d, want 2 (and none for 4xx)", n)
	}
	resp, err := f.Do(ctx, &Request{URL: site.URL + "/flaky", HTML: true})
	if err != nil || resp.Attempts != 3 || resp.Doc == nil {
		t.Errorf("flaky page: %v, attempts %d: want it read on the third attempt", err, attemptsOf(resp))
	}
	resp, err = f.Do(ctx, &Request{URL: site.URL + "/json"})
	if err != nil || resp.Doc != nil || string(resp.Body) != `{"a":1}` {
		t.Errorf("a request not asking for HTML must not be parsed: %v, doc %v", err, resp.Doc != nil)
	}
	// Handle may ask for another attempt
	calls := 0
	_, err = f.Do(ctx, &Request{URL: site.URL + "/json", Handle: func(*Response) error {
		calls++
		return Retryable("truncated", errors.New("cut short"))
	}})
	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != "truncated" || calls != 3 {
		t.Errorf("retryable handle: %v after %d calls, want truncated after 3", err, calls)
	}
}

func attemptsOf(r *Response) int {
	if r == nil {
		return 0
	}
	return r.Attempts
}
