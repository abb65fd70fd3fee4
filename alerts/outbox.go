// Package alerts keeps saved searches and what they have delivered: each
// committed crawl run is followed by an evaluation that records, per saved
// search, the postings it has not delivered before, and queues a message
// for each of its push endpoints in an outbox. The pull channels (feeds)
// read what was recorded; the push channels (webhooks) drain the outbox.
package alerts

import (
	"context"
	"time"
)

// This file is the contract between the store of saved searches, which
// writes the outbox, and the webhook deliverer (alerts/webhook), which
// drains it. Neither side changes it without the other.

// Endpoint is a push destination of a saved search.
type Endpoint struct {
	// ID names the endpoint within its saved search ("ep_…"); it is stable.
	ID string `json:"id" yaml:"id"`
	// URL receives the POSTs.
	URL string `json:"url" yaml:"url"`
	// Format is the body's shape: "standard" (Standard Webhooks, the
	// default), "slack", "discord" or "ntfy".
	Format string `json:"format,omitempty" yaml:"format"`
	// Secrets sign the body (Standard Webhooks, "whsec_" + base64 of the
	// key). Two during a rotation: every message is signed with each.
	Secrets []string `json:"-" yaml:"secrets"`
	// Mode is "instant" (a message per evaluation that found postings,
	// the default) or "daily" (one digest a day).
	Mode string `json:"mode,omitempty" yaml:"mode"`
	// Disabled is set when the endpoint answered 410 Gone, or by hand.
	Disabled       bool   `json:"disabled,omitempty" yaml:"-"`
	DisabledReason string `json:"disabled_reason,omitempty" yaml:"-"`
}

// Message states.
const (
	StatePending   = "pending"   // waiting for its first or next attempt
	StateDelivered = "delivered" // a 2xx answer was received
	StateDead      = "dead"      // a permanent failure or out of attempts: a dead letter
)

// Message is one queued delivery: an event for one endpoint.
type Message struct {
	// ID is the webhook-id: stable across every retry of this message.
	ID       string   `json:"id"`
	SearchID string   `json:"search_id"`
	Endpoint Endpoint `json:"endpoint"`
	// Type is the event type ("postings.new" or "postings.digest").
	Type string `json:"type"`
	// Body is the event as the standard format sends it, fixed when the
	// message is queued: {"type": ..., "timestamp": RFC 3339, "data": {...}}.
	// Other formats are rendered from it, deterministically.
	Body      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`

	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"` // never a secret, never a response body longer than a line
	LastStatus  int       `json:"last_status,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// Outbox is what the deliverer needs of the store. Every method is
// durable when it returns: a process killed after Due and before
// Delivered finds the message pending again, with the same ID.
type Outbox interface {
	// Due returns up to max pending messages whose next attempt is at or
	// before now, oldest first, of endpoints not disabled.
	Due(ctx context.Context, now time.Time, max int) ([]Message, error)
	// Delivered records a 2xx answer to message id.
	Delivered(ctx context.Context, id string, at time.Time, status int) error
	// Retry records a failed attempt (the attempt count grows by one) and
	// when to try again.
	Retry(ctx context.Context, id string, next time.Time, status int, errText string) error
	// Dead moves message id to the dead letters, with why.
	Dead(ctx context.Context, id string, status int, errText string) error
	// DisableEndpoint disables an endpoint of a saved search (410 Gone):
	// its pending messages become dead letters.
	DisableEndpoint(ctx context.Context, searchID, endpointID, reason string) error
	// Messages lists messages in state ("" for every state), newest first,
	// at most max: for the API and /metrics.
	Messages(ctx context.Context, state string, max int) ([]Message, error)
}
