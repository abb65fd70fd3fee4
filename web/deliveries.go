package web

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/alerts/webhook"
)

// Deliveries is what the server needs of the webhook deliverer: the
// messages of its outbox, and its counters.
type Deliveries interface {
	// Messages lists messages in state ("" for every state), newest
	// first, at most max.
	Messages(ctx context.Context, state string, max int) ([]alerts.Message, error)
	// DeliveryStats reports the deliverer's counters since it started
	// and the outbox's gauges.
	DeliveryStats(ctx context.Context) (DeliveryStats, error)
}

// DeliveryStats are the figures /metrics shows of webhook deliveries.
type DeliveryStats struct {
	// Attempts by result: delivered, retry, dead, gone (webhook.Results).
	Attempts          map[string]int64
	Delivered         int64 // messages delivered
	Retried           int64 // failed attempts scheduled again
	Dead              int64 // messages that became dead letters
	DisabledEndpoints int64 // endpoints disabled on 410 Gone
	Refused           int64 // attempts refused by the network guard
	InFlight          int64 // attempts under way
	// Pending and DeadLetters are the messages in the outbox now, counted
	// up to a cap: Capped says the cap was reached (the figure is then a
	// floor).
	Pending, DeadLetters int
	Capped               bool
}

// deliveriesOf holds each server's Deliveries (Server is shared with the
// other features; this one's state lives here).
var deliveriesOf sync.Map // *Server → Deliveries

// WithDeliveries makes the server show the webhook deliveries of d:
// GET /api/deliveries and the jobcrawl_webhook_* families of /metrics.
// Without it, /api/deliveries answers 503 and /metrics has no such lines.
func WithDeliveries(d Deliveries) Option {
	return func(s *Server) {
		if d != nil {
			deliveriesOf.Store(s, d)
		}
	}
}

func (s *Server) deliveries() Deliveries {
	if d, ok := deliveriesOf.Load(s); ok {
		return d.(Deliveries)
	}
	return nil
}

// Bounds of GET /api/deliveries.
const (
	defaultDeliveriesLimit = 50
	maxDeliveriesLimit     = 500
)

// deliveryRoutes registers the webhook deliveries routes (dead letters).
func (s *Server) deliveryRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/deliveries", s.apiDeliveries)
}

// deliveryView is a message as the API shows it: no body, no secret, the
// endpoint's URL cut to scheme and host (a Slack or Discord URL's path is
// its secret).
type deliveryView struct {
	ID          string           `json:"id"`
	SearchID    string           `json:"search_id"`
	Endpoint    deliveryEndpoint `json:"endpoint"`
	Type        string           `json:"type"`
	State       string           `json:"state"`
	Attempts    int              `json:"attempts"`
	CreatedAt   time.Time        `json:"created_at"`
	NextAttempt *time.Time       `json:"next_attempt,omitempty"`
	DeliveredAt *time.Time       `json:"delivered_at,omitempty"`
	LastStatus  int              `json:"last_status,omitempty"`
	LastError   string           `json:"last_error,omitempty"`
}

type deliveryEndpoint struct {
	ID             string `json:"id"`
	URL            string `json:"url"` // scheme://host/…
	Format         string `json:"format"`
	Mode           string `json:"mode,omitempty"`
	Disabled       bool   `json:"disabled,omitempty"`
	DisabledReason string `json:"disabled_reason,omitempty"`
}

type deliveriesPage struct {
	State    string         `json:"state"` // "" for every state
	Limit    int            `json:"limit"`
	Count    int            `json:"count"`
	Messages []deliveryView `json:"messages"`
}

// apiDeliveries is GET /api/deliveries?state=dead|pending|delivered&limit=N:
// the outbox's messages, newest first.
func (s *Server) apiDeliveries(w http.ResponseWriter, r *http.Request) {
	d := s.deliveries()
	if d == nil {
		writeError(w, http.StatusServiceUnavailable, "this server delivers no webhooks (the daemon does, with saved searches configured)")
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	switch state {
	case "", alerts.StatePending, alerts.StateDelivered, alerts.StateDead:
	default:
		writeError(w, http.StatusBadRequest, "state: "+quoted(state)+" is not pending, delivered or dead (or absent, for every state)")
		return
	}
	limit := defaultDeliveriesLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxDeliveriesLimit {
			writeError(w, http.StatusBadRequest, "limit: "+quoted(v)+" is not a number from 1 to "+strconv.Itoa(maxDeliveriesLimit))
			return
		}
		limit = n
	}
	msgs, err := d.Messages(r.Context(), state, limit)
	if err != nil {
		s.log.Error("deliveries: the outbox does not answer", "error", err)
		writeError(w, http.StatusServiceUnavailable, "the outbox does not answer; try again")
		return
	}
	page := deliveriesPage{State: state, Limit: limit, Messages: make([]deliveryView, 0, len(msgs))}
	for i := range msgs {
		if i >= limit {
			break
		}
		page.Messages = append(page.Messages, deliveryViewOf(&msgs[i]))
	}
	page.Count = len(page.Messages)
	writeJSON(w, http.StatusOK, page)
}

func deliveryViewOf(m *alerts.Message) deliveryView {
	format := m.Endpoint.Format
	if format == "" {
		format = webhook.FormatStandard
	}
	v := deliveryView{ID: m.ID, SearchID: m.SearchID, Type: m.Type, State: m.State, Attempts: m.Attempts,
		CreatedAt: m.CreatedAt, LastStatus: m.LastStatus, LastError: m.LastError,
		Endpoint: deliveryEndpoint{ID: m.Endpoint.ID, URL: webhook.MaskURL(m.Endpoint.URL), Format: format, Mode: m.Endpoint.Mode,
			Disabled: m.Endpoint.Disabled, DisabledReason: m.Endpoint.DisabledReason}}
	if !m.NextAttempt.IsZero() && m.State == alerts.StatePending {
		t := m.NextAttempt
		v.NextAttempt = &t
	}
	if !m.DeliveredAt.IsZero() {
		t := m.DeliveredAt
		v.DeliveredAt = &t
	}
	return v
}

// deliveryMetrics writes the jobcrawl_webhook_* families, when the server
// has deliveries.
func (s *Server) deliveryMetrics(ctx context.Context, m *promWriter) {
	d := s.deliveries()
	if d == nil {
		return
	}
	st, err := d.DeliveryStats(ctx)
	if err != nil {
		s.log.Warn("metrics: the webhook outbox does not answer", "error", err)
		return
	}
	m.family("jobcrawl_webhook_attempts_total", "counter", "Webhook delivery attempts, by result (delivered, retry, dead, gone).")
	for _, r := range webhook.Results {
		m.sample("", float64(st.Attempts[r]), "result", r)
	}
	m.family("jobcrawl_webhook_delivered_total", "counter", "Webhook messages delivered (a 2xx answer).")
	m.sample("", float64(st.Delivered))
	m.family("jobcrawl_webhook_retried_total", "counter", "Failed webhook attempts scheduled again (408, 429, 5xx, network errors, timeouts).")
	m.sample("", float64(st.Retried))
	m.family("jobcrawl_webhook_dead_total", "counter", "Webhook messages that became dead letters (permanent failure or out of attempts).")
	m.sample("", float64(st.Dead))
	m.family("jobcrawl_webhook_endpoints_disabled_total", "counter", "Webhook endpoints disabled because they answered 410 Gone.")
	m.sample("", float64(st.DisabledEndpoints))
	m.family("jobcrawl_webhook_refused_total", "counter", "Webhook attempts refused: the destination is on an internal network not in alerts.allow_networks.")
	m.sample("", float64(st.Refused))
	m.family("jobcrawl_webhook_in_flight", "gauge", "Webhook attempts under way.")
	m.sample("", float64(st.InFlight))
	m.family("jobcrawl_webhook_pending_messages", "gauge", "Webhook messages waiting for their first or next attempt.")
	m.sample("", float64(st.Pending))
	m.family("jobcrawl_webhook_dead_letters", "gauge", "Webhook messages in the dead letters (GET /api/deliveries?state=dead).")
	m.sample("", float64(st.DeadLetters))
	capped := 0.0
	if st.Capped {
		capped = 1
	}
	m.family("jobcrawl_webhook_count_capped", "gauge", "1 when the pending or dead letter count reached its cap: the figure is a floor.")
	m.sample("", capped)
}
