package main

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"sync"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/alerts/webhook"
	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/web"
)

// Defaults and bounds of the delivery keys of alerts.
const (
	maxDeliveryAttempts = 100
	maxDeliveryTimeout  = 5 * time.Minute
	// deliveryCountCap bounds the count of pending and dead messages
	// /metrics makes when the outbox cannot count them itself.
	deliveryCountCap = 10000
)

// validateDeliveries checks the keys of alerts that webhook delivery
// reads (max_attempts, timeout, allow_networks) and fills their
// defaults; its errors name the key and, for allow_networks, the entry.
func (a *AlertsConfig) validateDeliveries(errs *configErrors) {
	switch {
	case a.MaxAttempts < 0 || a.MaxAttempts > maxDeliveryAttempts:
		errs.add("alerts.max_attempts", "%d is not between 1 and %d", a.MaxAttempts, maxDeliveryAttempts)
	case a.MaxAttempts == 0:
		a.MaxAttempts = webhook.DefaultMaxAttempts
	}
	switch {
	case a.Timeout < 0:
		errs.add("alerts.timeout", "%s is negative", a.Timeout)
	case time.Duration(a.Timeout) > maxDeliveryTimeout:
		errs.add("alerts.timeout", "%s is longer than %s: one slow receiver would hold a delivery slot that long", a.Timeout, maxDeliveryTimeout)
	case a.Timeout == 0:
		a.Timeout = crawler.Duration(webhook.DefaultTimeout)
	}
	for i, s := range a.AllowNetworks {
		if _, err := webhook.ParseNetwork(s); err != nil {
			errs.add(fmt.Sprintf("alerts.allow_networks[%d]", i), "%v", err)
		}
	}
}

// allowNetworks parses alerts.allow_networks; the error names the key
// and the bad entry.
func (a *AlertsConfig) allowNetworks() ([]netip.Prefix, error) {
	nets, err := webhook.ParseNetworks(a.AllowNetworks)
	if err != nil {
		return nil, fmt.Errorf("alerts.allow_networks%w", err) // "alerts.allow_networks[1] "x" is not a CIDR range"
	}
	return nets, nil
}

// newDeliveryWorker builds the webhook deliverer of cfg.Alerts.
func newDeliveryWorker(e *env, cfg *Config, outbox alerts.Outbox) (*webhook.Worker, error) {
	a := cfg.Alerts
	nets, err := a.allowNetworks()
	if err != nil {
		return nil, err
	}
	attempts, timeout := a.MaxAttempts, time.Duration(a.Timeout)
	if attempts <= 0 {
		attempts = webhook.DefaultMaxAttempts
	}
	if timeout <= 0 {
		timeout = webhook.DefaultTimeout
	}
	return &webhook.Worker{Outbox: outbox, MaxAttempts: attempts, Timeout: timeout, AllowNetworks: nets,
		Logger: e.logger.With("component", "webhooks"), UserAgent: "jobcrawl-webhooks/" + version}, nil
}

// deliveryWorkers finds the worker draining an outbox, for /metrics
// (startDeliveries's signature returns only its wait).
var deliveryWorkers sync.Map // alerts.Outbox → *webhook.Worker

// outboxKey is outbox as a map key, or nil when its type cannot be one.
func outboxKey(outbox alerts.Outbox) any {
	if isNil(outbox) || !reflect.TypeOf(outbox).Comparable() {
		return nil
	}
	return outbox
}

// isNil reports whether outbox is nil, or a nil pointer (a *alerts.Store
// that could not be opened).
func isNil(outbox alerts.Outbox) bool {
	if outbox == nil {
		return true
	}
	v := reflect.ValueOf(outbox)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// startDeliveries starts the webhook deliverer of the daemon: it drains
// outbox until ctx ends. The returned wait blocks until it has stopped.
// An outbox with OnQueue(func()) is told to wake the deliverer when it
// queues a message; otherwise the deliverer polls it every second.
func startDeliveries(ctx context.Context, e *env, cfg *Config, outbox alerts.Outbox) (wait func()) {
	if isNil(outbox) {
		return func() {}
	}
	w, err := newDeliveryWorker(e, cfg, outbox)
	if err != nil {
		e.logger.Error("webhooks: not delivered", "error", err)
		return func() {}
	}
	key := outboxKey(outbox)
	if key != nil {
		deliveryWorkers.Store(key, w)
	}
	if n, ok := outbox.(interface{ OnQueue(func()) }); ok {
		n.OnQueue(w.Notify)
	}
	e.logger.Info("webhooks: delivering", "max_attempts", w.MaxAttempts, "timeout", w.Timeout, "allow_networks", cfg.Alerts.AllowNetworks)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			e.logger.Error("webhooks: stopped", "error", err)
		}
		if key != nil {
			deliveryWorkers.CompareAndDelete(key, w)
		}
	}()
	return func() { <-done }
}

// notifyDeliveries wakes the deliverer of outbox, if one runs: call it
// after queueing messages, so that they go out at once rather than at the
// next poll (within a second).
func notifyDeliveries(outbox alerts.Outbox) {
	if key := outboxKey(outbox); key != nil {
		if w, ok := deliveryWorkers.Load(key); ok {
			w.(*webhook.Worker).Notify()
		}
	}
}

// deliveriesOption shows outbox's deliveries in the API (GET
// /api/deliveries) and /metrics, with the counters of the worker
// startDeliveries runs on it (zeros before it starts).
func deliveriesOption(outbox alerts.Outbox) web.Option {
	if isNil(outbox) {
		return func(*web.Server) {}
	}
	return web.WithDeliveries(deliveriesView{outbox})
}

// deliveriesView is web.Deliveries over an outbox and its worker.
type deliveriesView struct {
	alerts.Outbox
}

// outboxCounter is what an outbox that can count its messages has
// (alerts.Store does): counts by state, for one saved search or all ("").
type outboxCounter interface {
	Counts(ctx context.Context, searchID string) (map[string]int, error)
}

// DeliveryStats implements web.Deliveries.
func (v deliveriesView) DeliveryStats(ctx context.Context) (web.DeliveryStats, error) {
	var ws webhook.Stats
	if key := outboxKey(v.Outbox); key != nil {
		if w, ok := deliveryWorkers.Load(key); ok {
			ws = w.(*webhook.Worker).Stats()
		}
	}
	st := web.DeliveryStats{Attempts: ws.Attempts, Delivered: ws.Delivered, Retried: ws.Retried, Dead: ws.Dead,
		DisabledEndpoints: ws.DisabledEndpoints, Refused: ws.Refused, InFlight: ws.InFlight}
	if c, ok := v.Outbox.(outboxCounter); ok {
		counts, err := c.Counts(ctx, "")
		if err != nil {
			return st, err
		}
		st.Pending, st.DeadLetters = counts[alerts.StatePending], counts[alerts.StateDead]
		return st, nil
	}
	for _, state := range []string{alerts.StatePending, alerts.StateDead} {
		ms, err := v.Messages(ctx, state, deliveryCountCap)
		if err != nil {
			return st, err
		}
		if len(ms) >= deliveryCountCap {
			st.Capped = true
		}
		if state == alerts.StatePending {
			st.Pending = len(ms)
		} else {
			st.DeadLetters = len(ms)
		}
	}
	return st, nil
}
