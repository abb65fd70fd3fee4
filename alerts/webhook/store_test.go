package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// TestWorkerOverStore runs the worker over the real outbox (alerts.Store,
// bbolt): a saved search with a webhook, a new posting evaluated, and a
// receiver answering 500, 500, 200; then a 410 on a second search.
func TestWorkerOverStore(t *testing.T) {
	ctx := context.Background()
	st, err := alerts.Open(filepath.Join(t.TempDir(), "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()

	rc := &receiver{answer: func(n int, w http.ResponseWriter, r *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer gone.Close()

	s, secrets, err := st.Create(ctx, ix, alerts.Spec{Query: "developer", Endpoints: []alerts.EndpointSpec{{URL: srv.URL + "/hook"}}})
	if err != nil {
		t.Fatal(err)
	}
	secret := secrets[s.Endpoints[0].ID]
	if secret == "" {
		t.Fatalf("no secret generated: %v", secrets)
	}
	s2, _, err := st.Create(ctx, ix, alerts.Spec{Query: "developer", Endpoints: []alerts.EndpointSpec{{URL: gone.URL + "/old", Format: "slack"}}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Second)
	r := index.Record{ID: index.RecordID("contoso", "900"), Site: "contoso", FirstSeen: now, LastSeen: now, Status: index.StatusOpen,
		ContentHash: "h", Posting: extract.Posting{JobNumber: "900", Title: "Go developer <b>", Company: "Contoso",
			URL: "https://careers.contoso.example/jobs/900", Locations: []string{"Berlin, Germany"}}}
	r.Normalize()
	if err := ix.Upsert(ctx, []index.Record{r}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the posting is first seen in the past
	res, err := st.Evaluate(ctx, ix, alerts.EvalOptions{BaseURL: "http://jobs.example"})
	if err != nil || res.Queued != 2 {
		t.Fatalf("evaluate: %+v, %v (want 2 messages queued)", res, err)
	}

	w := fast(st)
	start(t, w)
	waitFor(t, "a delivery and a disabled endpoint", func() bool {
		done, _ := st.Messages(ctx, alerts.StateDelivered, 10)
		saved, _ := st.Get(ctx, s2.ID)
		return len(done) == 1 && len(saved.Endpoints) == 1 && saved.Endpoints[0].Disabled
	})
	got := rc.requests()
	if len(got) != 3 {
		t.Fatalf("%d POSTs, want 3", len(got))
	}
	for i, g := range got {
		if g.ID != got[0].ID {
			t.Errorf("POST %d: webhook-id %q, want %q", i+1, g.ID, got[0].ID)
		}
		if n := verifySignature(t, g, secret, time.Minute); n != 1 {
			t.Errorf("POST %d: %d valid signatures with the generated secret", i+1, n)
		}
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			Search   struct{ ID string }
			Postings []struct{ Title string }
		}
	}
	if err := json.Unmarshal(got[2].Body, &ev); err != nil || ev.Type != "postings.new" || ev.Data.Search.ID != s.ID ||
		len(ev.Data.Postings) != 1 || ev.Data.Postings[0].Title != "Go developer <b>" {
		t.Errorf("event %s: %v", got[2].Body, err)
	}
	done, _ := st.Messages(ctx, alerts.StateDelivered, 10)
	if done[0].ID != got[0].ID || done[0].LastStatus != 200 {
		t.Errorf("delivered message %+v", done[0])
	}
	dead, _ := st.Messages(ctx, alerts.StateDead, 10)
	if len(dead) != 1 || dead[0].SearchID != s2.ID || dead[0].LastStatus != 410 {
		t.Errorf("dead letters %+v, want the 410 one", dead)
	}
	if due, _ := st.Due(ctx, time.Now().Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("still due: %+v", due)
	}
}
