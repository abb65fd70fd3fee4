package webhook_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/alerts/webhook"
	"github.com/jobcrawl/jobcrawl/alerts/webhook/webhooktest"
)

var (
	secretA  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	secretB  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("the second secret, 32 bytes long"))
	loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
)

const eventBody = `{"type":"postings.new","timestamp":"2026-12-06T02:00:00Z","data":{"search":{"id":"s_1","name":"Go in Berlin"},` +
	`"postings":[{"id":"p1","job_number":"R-1","title":"Go Engineer","company":"Contoso","locations":["Berlin, DE"],"url":"https://jobs.example.com/1"}]}}`

// message is a pending message to url.
func message(id, url string, secrets ...string) alerts.Message {
	return alerts.Message{ID: id, SearchID: "s_1", Type: "postings.new", Body: []byte(eventBody),
		Endpoint: alerts.Endpoint{ID: "ep_1", URL: url, Secrets: secrets}, CreatedAt: time.Now()}
}

// fast is a worker on ob with a quick schedule, loopback allowed.
func fast(ob alerts.Outbox) *webhook.Worker {
	return &webhook.Worker{Outbox: ob, AllowNetworks: loopback, Timeout: 2 * time.Second, PollInterval: 10 * time.Millisecond,
		Backoff: webhook.Backoff{Base: time.Millisecond, Cap: 5 * time.Millisecond}}
}

// start runs w until the test ends (or stop is called).
func start(tb testing.TB, w *webhook.Worker) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					tb.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				tb.Errorf("Run did not return within 10s of its context's end")
			}
		})
	}
	tb.Cleanup(stop)
	return stop
}

func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func state(ob *webhooktest.Outbox, id string) func() bool {
	return func() bool { m, _ := ob.Get(id); return m.State != alerts.StatePending }
}

func TestRetriedUntilDeliveredWithOneID(t *testing.T) {
	rc := &receiver{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		if n < 3 {
			http.Error(w, "busy", http.StatusInternalServerError)
		}
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ob := webhooktest.New()
	ob.Add(message("msg_1", srv.URL+"/hook", secretA))
	w := fast(ob)
	w.UserAgent = "jobcrawl-webhooks/test"
	start(t, w)
	waitFor(t, "the message to be delivered", state(ob, "msg_1"))

	got := rc.requests()
	if len(got) != 3 {
		t.Fatalf("got %d POSTs, want 3 (500, 500, 200)", len(got))
	}
	for i, g := range got {
		if g.ID != "msg_1" {
			t.Errorf("POST %d: webhook-id %q, want msg_1 (the same on every attempt)", i+1, g.ID)
		}
		if n := verifySignature(t, g, secretA, time.Minute); n != 1 {
			t.Errorf("POST %d: %d valid signatures, want 1", i+1, n)
		}
		if string(g.Body) != eventBody {
			t.Errorf("POST %d: body %q, want the event as queued", i+1, g.Body)
		}
		if ct := g.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("POST %d: Content-Type %q", i+1, ct)
		}
		if ua := g.Header.Get("User-Agent"); ua != "jobcrawl-webhooks/test" {
			t.Errorf("POST %d: User-Agent %q", i+1, ua)
		}
	}
	m, _ := ob.Get("msg_1")
	if m.State != alerts.StateDelivered || m.LastStatus != 200 {
		t.Errorf("message is %s (status %d), want delivered (200)", m.State, m.LastStatus)
	}
	var ops []string
	for _, c := range ob.Calls() {
		ops = append(ops, c.Op)
	}
	if strings.Join(ops, " ") != "retry retry delivered" {
		t.Errorf("outbox calls %v, want retry retry delivered", ops)
	}
	if c := ob.Calls()[0]; c.Status != 500 || !strings.Contains(c.Err, "500 Internal Server Error: busy") {
		t.Errorf("first retry recorded status %d, error %q", c.Status, c.Err)
	}
	st := w.Stats()
	if st.Delivered != 1 || st.Retried != 2 || st.Attempts[webhook.ResultRetry] != 2 || st.Attempts[webhook.ResultDelivered] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	cases := []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "120", 120 * time.Second},
		{"http date", t0.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"capped", "86400", time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(&receiver{answer: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", c.header)
				w.WriteHeader(http.StatusServiceUnavailable)
			}})
			defer srv.Close()
			ob := webhooktest.New()
			ob.Add(message("msg_ra", srv.URL))
			w := fast(ob)
			w.Clock = func() time.Time { return t0 } // the retry is never due again
			start(t, w)
			waitFor(t, "a retry", func() bool { return len(ob.Calls()) > 0 })
			call := ob.Calls()[0]
			if call.Op != "retry" || call.Status != 503 {
				t.Fatalf("recorded %s %d, want retry 503", call.Op, call.Status)
			}
			if got := call.Next.Sub(t0); got != c.want {
				t.Errorf("next attempt %s after the failure, want %s", got, c.want)
			}
		})
	}
}

func TestGoneDisablesEndpoint(t *testing.T) {
	rc := &receiver{answer: func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ob := webhooktest.New()
	ob.Add(message("msg_1", srv.URL))
	second := message("msg_2", srv.URL)
	second.CreatedAt = time.Now().Add(time.Second)
	ob.Add(second)
	w := fast(ob)
	w.Concurrency = 1
	start(t, w)
	waitFor(t, "the endpoint to be disabled", func() bool { _, ok := ob.Disabled("s_1", "ep_1"); return ok })
	time.Sleep(50 * time.Millisecond) // would a second POST go out?
	if n := len(rc.requests()); n != 1 {
		t.Errorf("the receiver got %d POSTs, want 1: none after 410", n)
	}
	reason, _ := ob.Disabled("s_1", "ep_1")
	if !strings.Contains(reason, "410") {
		t.Errorf("disabled reason %q does not say 410", reason)
	}
	for _, id := range []string{"msg_1", "msg_2"} {
		if m, _ := ob.Get(id); m.State != alerts.StateDead {
			t.Errorf("%s is %s, want dead", id, m.State)
		}
	}
	if st := w.Stats(); st.DisabledEndpoints != 1 || st.Attempts[webhook.ResultGone] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestClientErrorIsDeadLetter(t *testing.T) {
	long := strings.Repeat("x", 10000)
	rc := &receiver{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad payload "+long+"\nsecond line", http.StatusBadRequest)
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ob := webhooktest.New()
	ob.Add(message("msg_400", srv.URL, secretA))
	start(t, fast(ob))
	waitFor(t, "a dead letter", state(ob, "msg_400"))
	m, _ := ob.Get("msg_400")
	if m.State != alerts.StateDead || m.LastStatus != 400 {
		t.Fatalf("message is %s (%d), want dead (400)", m.State, m.LastStatus)
	}
	if len(rc.requests()) != 1 {
		t.Errorf("%d POSTs, want 1: a 400 is not retried", len(rc.requests()))
	}
	if !strings.HasPrefix(m.LastError, "400 Bad Request: bad payload xxx") || len(m.LastError) > 250 || strings.Contains(m.LastError, "\n") {
		t.Errorf("last error %q (%d bytes): want one clipped line", m.LastError[:min(len(m.LastError), 300)], len(m.LastError))
	}
	if strings.Contains(m.LastError, secretA) {
		t.Error("the last error holds the secret")
	}
}

func TestStatusClasses(t *testing.T) {
	cases := []struct {
		status int
		want   string // the first call recorded
	}{
		{404, "dead"}, {401, "dead"}, {422, "dead"}, {408, "retry"}, {429, "retry"}, {500, "retry"}, {502, "retry"},
		{503, "retry"}, {504, "retry"}, {204, "delivered"}, {202, "delivered"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			srv := httptest.NewServer(&receiver{answer: func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(c.status) }})
			defer srv.Close()
			ob := webhooktest.New()
			ob.Add(message("m", srv.URL))
			start(t, fast(ob))
			waitFor(t, "a call", func() bool { return len(ob.Calls()) > 0 })
			if got := ob.Calls()[0]; got.Op != c.want || got.Status != c.status {
				t.Errorf("%d: recorded %s %d, want %s", c.status, got.Op, got.Status, c.want)
			}
		})
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var other atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/other?token=abc", http.StatusFound)
	})
	mux.HandleFunc("/other", func(w http.ResponseWriter, r *http.Request) { other.Add(1) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ob := webhooktest.New()
	ob.Add(message("m", srv.URL+"/hook"))
	start(t, fast(ob))
	waitFor(t, "a dead letter", state(ob, "m"))
	m, _ := ob.Get("m")
	if m.State != alerts.StateDead || m.LastStatus != 302 || !strings.Contains(m.LastError, "not followed") {
		t.Errorf("message %s %d %q, want dead 302 saying the redirect was not followed", m.State, m.LastStatus, m.LastError)
	}
	if strings.Contains(m.LastError, "token") {
		t.Errorf("last error %q repeats the redirect's query", m.LastError)
	}
	if other.Load() != 0 {
		t.Error("the redirect was followed")
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	release := make(chan struct{})
	rc := &receiver{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			io.Copy(io.Discard, r.Body)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	defer close(release)
	ob := webhooktest.New()
	ob.Add(message("m", srv.URL))
	w := fast(ob)
	w.Timeout = 100 * time.Millisecond
	start(t, w)
	waitFor(t, "delivery", state(ob, "m"))
	calls := ob.Calls()
	if len(calls) != 2 || calls[0].Op != "retry" || calls[1].Op != "delivered" {
		t.Fatalf("calls %+v, want a retry then delivered", calls)
	}
	if !strings.Contains(calls[0].Err, "no answer within 100ms") {
		t.Errorf("retry error %q, want it to name the timeout", calls[0].Err)
	}
}

func TestOutOfAttemptsIsDeadLetter(t *testing.T) {
	rc := &receiver{answer: func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ob := webhooktest.New()
	ob.Add(message("m", srv.URL))
	w := fast(ob)
	w.MaxAttempts = 3
	start(t, w)
	waitFor(t, "a dead letter", state(ob, "m"))
	m, _ := ob.Get("m")
	if m.State != alerts.StateDead || !strings.HasPrefix(m.LastError, "gave up after 3 attempts: 502 Bad Gateway") {
		t.Errorf("message %s %q", m.State, m.LastError)
	}
	if n := len(rc.requests()); n != 3 {
		t.Errorf("%d POSTs, want 3", n)
	}
}

func TestTwoSecretsTwoSignatures(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ob := webhooktest.New()
	ob.Add(message("msg_rot", srv.URL, secretA, secretB))
	start(t, fast(ob))
	waitFor(t, "delivery", state(ob, "msg_rot"))
	got := rc.requests()[0]
	if parts := strings.Split(got.Signature, " "); len(parts) != 2 {
		t.Fatalf("webhook-signature %q: want two, space-separated", got.Signature)
	}
	for _, s := range []string{secretA, secretB} {
		if n := verifySignature(t, got, s, time.Minute); n != 1 {
			t.Errorf("%d signatures valid for one of the secrets, want 1", n)
		}
	}
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("not the secret, not the secret!!"))
	if n := verifySignature(t, got, other, time.Minute); n != 0 {
		t.Errorf("a signature is valid for a secret that was not used")
	}
	tampered := got
	tampered.Body = append([]byte(nil), got.Body...)
	tampered.Body[10] ^= 1
	if n := verifySignature(t, tampered, secretA, time.Minute); n != 0 {
		t.Error("a signature is valid for a changed body")
	}
}

// listener counts the connections a loopback server accepts.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestPrivateDestinationRefused(t *testing.T) {
	srv, conns := countingServer(t)
	ob := webhooktest.New()
	ob.Add(message("m", srv.URL+"/hook"))
	w := fast(ob)
	w.AllowNetworks = nil
	start(t, w)
	waitFor(t, "a dead letter", state(ob, "m"))
	m, _ := ob.Get("m")
	if m.State != alerts.StateDead || !strings.Contains(m.LastError, "127.0.0.1 is a loopback address: refused") ||
		!strings.Contains(m.LastError, "alerts.allow_networks") {
		t.Errorf("message %s %q, want dead, refused naming alerts.allow_networks", m.State, m.LastError)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("%d connections made to a refused destination", n)
	}
	if st := w.Stats(); st.Refused != 1 {
		t.Errorf("stats %+v: want 1 refused", st)
	}
}

// TestDialTimeCheck sends through the client alone (no CheckURL before):
// a name that resolves to loopback is refused when the connection is
// made, as DNS rebinding would need.
func TestDialTimeCheck(t *testing.T) {
	srv, conns := countingServer(t)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	client := webhook.NewClient(nil)
	resp, err := client.Post("http://localhost:"+port+"/hook", "application/json", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
		t.Fatal("a POST to a name resolving to loopback went through")
	}
	var re *webhook.RefusedError
	if !errorsAs(err, &re) || re.Class != "loopback" {
		t.Errorf("error %v, want a loopback refusal", err)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("%d connections made", n)
	}
	// allowed, the same goes through
	resp, err = webhook.NewClient(loopback).Post("http://localhost:"+port+"/hook", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("allowed loopback: %v", err)
	}
	resp.Body.Close()
}

func TestNetworkErrorHidesURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	ob := webhooktest.New()
	ob.Add(message("m", "http://"+addr+"/services/T000/B000/SECRETTOKEN"))
	start(t, fast(ob))
	waitFor(t, "a retry", func() bool { return len(ob.Calls()) > 0 })
	c := ob.Calls()[0]
	if c.Op != "retry" || c.Err == "" {
		t.Fatalf("call %+v, want a retry with an error", c)
	}
	if strings.Contains(c.Err, "SECRETTOKEN") {
		t.Errorf("error %q holds the URL's path", c.Err)
	}
}

func TestConcurrencyCap(t *testing.T) {
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
	}))
	defer srv.Close()
	ob := webhooktest.New()
	for i := range 12 {
		m := message(fmt.Sprintf("m%02d", i), srv.URL)
		m.CreatedAt = time.Now().Add(time.Duration(i) * time.Millisecond)
		ob.Add(m)
	}
	w := fast(ob)
	w.Concurrency = 3
	w.PerHost = 3
	w.Batch = 4
	start(t, w)
	waitFor(t, "3 POSTs in flight", func() bool { return inFlight.Load() == 3 })
	time.Sleep(100 * time.Millisecond)
	if p := peak.Load(); p != 3 {
		t.Errorf("peak %d POSTs at once, want 3", p)
	}
	if s := w.Stats(); s.InFlight != 3 {
		t.Errorf("stats say %d in flight", s.InFlight)
	}
	close(release)
	waitFor(t, "all delivered", func() bool {
		ms, _ := ob.Messages(context.Background(), alerts.StateDelivered, 100)
		return len(ms) == 12
	})
	if p := peak.Load(); p != 3 {
		t.Errorf("peak %d POSTs at once, want 3", p)
	}
}

func TestNotifyWakes(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ob := webhooktest.New()
	w := fast(ob)
	w.PollInterval = time.Hour
	start(t, w)
	time.Sleep(20 * time.Millisecond) // the first poll found nothing
	ob.Add(message("m", srv.URL))
	w.Notify()
	begin := time.Now()
	waitFor(t, "delivery", state(ob, "m"))
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("delivered %s after Notify", d)
	}
}

func TestStopDoesNotRecordCutAttempt(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // else the server does not see the client go
		arrived <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	ob := webhooktest.New()
	ob.Add(message("m", srv.URL))
	stop := start(t, fast(ob))
	<-arrived
	stop()
	if calls := ob.Calls(); len(calls) != 0 {
		t.Errorf("an attempt cut off by the stop was recorded: %+v", calls)
	}
	if m, _ := ob.Get("m"); m.State != alerts.StatePending || m.Attempts != 0 {
		t.Errorf("message %s after %d attempts, want pending, 0", m.State, m.Attempts)
	}
}

func TestBadFormatAndSecretAreDeadLetters(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ob := webhooktest.New()
	bad := message("fmt", srv.URL)
	bad.Endpoint.Format = "teams"
	ob.Add(bad)
	ob.Add(message("sec", srv.URL, "whsec_short"))
	start(t, fast(ob))
	waitFor(t, "dead letters", func() bool { return state(ob, "fmt")() && state(ob, "sec")() })
	if m, _ := ob.Get("fmt"); m.State != alerts.StateDead || !strings.Contains(m.LastError, `format "teams" is not one of`) {
		t.Errorf("bad format: %s %q", m.State, m.LastError)
	}
	if m, _ := ob.Get("sec"); m.State != alerts.StateDead || !strings.Contains(m.LastError, "cannot sign: secret 1 of 1") ||
		strings.Contains(m.LastError, "whsec_short") {
		t.Errorf("bad secret: %s %q", m.State, m.LastError)
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("%d POSTs sent", n)
	}
}

// TestSlowHostDoesNotHoldOthers: with a receiver that does not answer
// taking its share of the slots, another host's message goes out.
func TestSlowHostDoesNotHoldOthers(t *testing.T) {
	release := make(chan struct{})
	var slow atomic.Int32
	slowSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		slow.Add(1)
		<-release
	}))
	defer slowSrv.Close()
	defer close(release)
	fastSrv := httptest.NewServer(&receiver{})
	defer fastSrv.Close()
	ob := webhooktest.New()
	for i := range 8 {
		m := message(fmt.Sprintf("slow%d", i), slowSrv.URL)
		m.CreatedAt = time.Now().Add(time.Duration(i) * time.Millisecond)
		ob.Add(m)
	}
	quick := message("quick", fastSrv.URL)
	quick.CreatedAt = time.Now().Add(time.Second) // the newest: behind every slow one
	ob.Add(quick)
	w := fast(ob)
	w.Timeout = 5 * time.Second
	w.Concurrency = 4 // 2 per host
	start(t, w)
	// the quick message goes out while the slow host holds its two slots
	// (the slow requests may reach their handler after it: wait for both)
	waitFor(t, "the other host's message", state(ob, "quick"))
	waitFor(t, "two attempts at the slow host", func() bool { return slow.Load() >= 2 })
	time.Sleep(100 * time.Millisecond) // room for a third, were the cap not kept
	if n := slow.Load(); n != 2 {
		t.Errorf("%d attempts at once to the slow host, want 2 (half the slots)", n)
	}
}
