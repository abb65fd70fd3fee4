package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/alerts/webhook"
	"github.com/jobcrawl/jobcrawl/alerts/webhook/webhooktest"
)

// BenchmarkDeliver delivers b.N signed messages to a loopback receiver
// through the in-memory outbox (4 at once).
func BenchmarkDeliver(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ob := webhooktest.New()
	t0 := time.Now()
	for i := range b.N {
		ob.Add(alerts.Message{ID: fmt.Sprintf("m%08d", i), SearchID: "s", Endpoint: alerts.Endpoint{ID: "e", URL: srv.URL, Secrets: []string{secretA}},
			Body: []byte(eventBody), CreatedAt: t0.Add(time.Duration(i))})
	}
	w := &webhook.Worker{Outbox: ob, AllowNetworks: loopback, PollInterval: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	b.ResetTimer()
	go w.Run(ctx)
	for w.Stats().Delivered < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
