package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/alerts/webhook/webhooktest"
	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/web"
)

// fakeDeliveries is an in-memory outbox with fixed counters.
type fakeDeliveries struct {
	*webhooktest.Outbox
	stats web.DeliveryStats
}

func (f fakeDeliveries) DeliveryStats(context.Context) (web.DeliveryStats, error) {
	return f.stats, nil
}

func deliveriesServer(tb testing.TB, opts ...web.Option) string {
	tb.Helper()
	ix, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	sched := daemon.New(&crawler.Crawler{Index: ix}, nil)
	if err := sched.Start(daemon.Config{}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sched.Stop(context.Background()) })
	srv := httptest.NewServer(web.New(ix, sched, nil, opts...))
	tb.Cleanup(srv.Close)
	return srv.URL
}

const deliverySecret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func TestAPIDeliveries(t *testing.T) {
	ob := webhooktest.New()
	t0 := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	for i, st := range []string{alerts.StatePending, alerts.StateDead, alerts.StateDelivered, alerts.StateDead} {
		ob.Add(alerts.Message{ID: "msg_" + string(rune('a'+i)), SearchID: "s_1", Type: "postings.new", State: st,
			Body:      []byte(`{"secret body":"BODYTEXT"}`),
			Endpoint:  alerts.Endpoint{ID: "ep_1", URL: "https://hooks.slack.com/services/T0/B0/PATHTOKEN", Format: "slack", Secrets: []string{deliverySecret}},
			CreatedAt: t0.Add(time.Duration(i) * time.Minute), Attempts: i, LastStatus: 500, LastError: "500 Internal Server Error: busy",
			NextAttempt: t0.Add(time.Hour)})
	}
	u := deliveriesServer(t, web.WithDeliveries(fakeDeliveries{Outbox: ob}))

	r := get(t, u+"/api/deliveries?state=dead")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	for _, leak := range []string{"PATHTOKEN", deliverySecret, "BODYTEXT", "secrets"} {
		if strings.Contains(r.body, leak) {
			t.Errorf("the listing shows %q:\n%s", leak, r.body)
		}
	}
	type page struct {
		State    string `json:"state"`
		Count    int    `json:"count"`
		Messages []struct {
			ID       string `json:"id"`
			State    string `json:"state"`
			Attempts int    `json:"attempts"`
			Endpoint struct {
				URL, Format string
			} `json:"endpoint"`
			LastError   string     `json:"last_error"`
			NextAttempt *time.Time `json:"next_attempt"`
		} `json:"messages"`
	}
	p := decode[page](t, r)
	if p.State != "dead" || p.Count != 2 || len(p.Messages) != 2 {
		t.Fatalf("page %+v, want the 2 dead letters", p)
	}
	if m := p.Messages[0]; m.ID != "msg_d" || m.Endpoint.URL != "https://hooks.slack.com/…" || m.Endpoint.Format != "slack" ||
		m.LastError == "" || m.NextAttempt != nil {
		t.Errorf("first dead letter %+v: want msg_d (newest first), URL masked, no next attempt", m)
	}

	all := decode[page](t, get(t, u+"/api/deliveries?limit=3"))
	if all.Count != 3 || all.Messages[0].ID != "msg_d" {
		t.Errorf("every state, limit 3: %+v", all)
	}
	pending := decode[page](t, get(t, u+"/api/deliveries?state=pending"))
	if pending.Count != 1 || pending.Messages[0].NextAttempt == nil {
		t.Errorf("pending: %+v, want one with its next attempt", pending)
	}

	for _, bad := range []string{"state=lost", "limit=0", "limit=501", "limit=ten", "state=" + strings.Repeat("x", 5000)} {
		r := get(t, u+"/api/deliveries?"+bad)
		if r.status != http.StatusBadRequest || len(r.body) > 400 {
			t.Errorf("%s: status %d, body %d bytes", bad[:min(len(bad), 20)], r.status, len(r.body))
		}
	}
	if r := do(t, http.MethodPost, u+"/api/deliveries"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", r.status)
	}
}

func TestAPIDeliveriesWithout(t *testing.T) {
	u := deliveriesServer(t)
	r := get(t, u+"/api/deliveries")
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503 without deliveries", r.status)
	}
	if m := get(t, u+"/metrics"); strings.Contains(m.body, "jobcrawl_webhook_") {
		t.Error("/metrics shows webhook families though the server has no deliveries")
	}
}

func TestDeliveryMetrics(t *testing.T) {
	stats := web.DeliveryStats{Attempts: map[string]int64{"delivered": 7, "retry": 3, "dead": 2, "gone": 1},
		Delivered: 7, Retried: 3, Dead: 2, DisabledEndpoints: 1, Refused: 1, InFlight: 2, Pending: 4, DeadLetters: 5}
	u := deliveriesServer(t, web.WithDeliveries(fakeDeliveries{Outbox: webhooktest.New(), stats: stats}))
	m := parseMetrics(t, get(t, u+"/metrics").body)
	want := map[string]float64{
		`jobcrawl_webhook_attempts_total{result="delivered"}`: 7,
		`jobcrawl_webhook_attempts_total{result="retry"}`:     3,
		`jobcrawl_webhook_attempts_total{result="dead"}`:      2,
		`jobcrawl_webhook_attempts_total{result="gone"}`:      1,
		`jobcrawl_webhook_delivered_total`:                    7,
		`jobcrawl_webhook_retried_total`:                      3,
		`jobcrawl_webhook_dead_total`:                         2,
		`jobcrawl_webhook_endpoints_disabled_total`:           1,
		`jobcrawl_webhook_refused_total`:                      1,
		`jobcrawl_webhook_in_flight`:                          2,
		`jobcrawl_webhook_pending_messages`:                   4,
		`jobcrawl_webhook_dead_letters`:                       5,
		`jobcrawl_webhook_count_capped`:                       0,
	}
	for k, v := range want {
		if got, ok := m.samples[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if m.types["jobcrawl_webhook_dead_letters"] != "gauge" || m.types["jobcrawl_webhook_attempts_total"] != "counter" {
		t.Errorf("types %v", m.types)
	}
}
