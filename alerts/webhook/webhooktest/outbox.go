// Package webhooktest provides an in-memory alerts.Outbox for tests of the
// webhook deliverer and of what shows its messages (the API, /metrics).
package webhooktest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
)

// Outbox is an alerts.Outbox in memory, safe for concurrent use. It keeps
// the contract's rules: Due returns pending messages of endpoints not
// disabled whose next attempt has come, oldest first; Retry counts an
// attempt; DisableEndpoint makes the endpoint's pending messages dead.
type Outbox struct {
	mu       sync.Mutex
	msgs     []*alerts.Message // in the order added
	disabled map[[2]string]string
	calls    []Call
}

// Call is one recorded write: for assertions on what the worker did.
type Call struct {
	Op     string // "delivered", "retry", "dead", "disable"
	ID     string // the message (or "search/endpoint" for disable)
	At     time.Time
	Next   time.Time
	Status int
	Err    string
}

var _ alerts.Outbox = (*Outbox)(nil)

// New returns an empty outbox.
func New() *Outbox { return &Outbox{disabled: map[[2]string]string{}} }

// Add queues m (pending unless its State says otherwise).
func (o *Outbox) Add(m alerts.Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if m.State == "" {
		m.State = alerts.StatePending
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	o.msgs = append(o.msgs, &m)
}

// Get returns message id as it is now.
func (o *Outbox) Get(id string) (alerts.Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if m := o.find(id); m != nil {
		return *m, true
	}
	return alerts.Message{}, false
}

// Calls returns the writes so far, in order.
func (o *Outbox) Calls() []Call {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.calls)
}

// Disabled returns the reason endpoint (searchID, endpointID) was
// disabled, and whether it was.
func (o *Outbox) Disabled(searchID, endpointID string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, ok := o.disabled[[2]string{searchID, endpointID}]
	return r, ok
}

func (o *Outbox) find(id string) *alerts.Message {
	for _, m := range o.msgs {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (o *Outbox) pending(id string) (*alerts.Message, error) {
	m := o.find(id)
	if m == nil {
		return nil, fmt.Errorf("outbox: no message %q", id)
	}
	if m.State != alerts.StatePending {
		return nil, fmt.Errorf("outbox: message %q is %s, not pending", id, m.State)
	}
	return m, nil
}

// Due implements alerts.Outbox.
func (o *Outbox) Due(ctx context.Context, now time.Time, max int) ([]alerts.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []alerts.Message
	for _, m := range o.sorted(false) {
		if len(out) >= max {
			break
		}
		_, off := o.disabled[[2]string{m.SearchID, m.Endpoint.ID}]
		if m.State == alerts.StatePending && !off && !m.Endpoint.Disabled && !m.NextAttempt.After(now) {
			out = append(out, *m)
		}
	}
	return out, nil
}

// sorted is the messages oldest first (newest first when newest).
func (o *Outbox) sorted(newest bool) []*alerts.Message {
	s := slices.Clone(o.msgs)
	slices.SortStableFunc(s, func(a, b *alerts.Message) int { return a.CreatedAt.Compare(b.CreatedAt) })
	if newest {
		slices.Reverse(s)
	}
	return s
}

// Delivered implements alerts.Outbox.
func (o *Outbox) Delivered(ctx context.Context, id string, at time.Time, status int) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	m, err := o.pending(id)
	if err != nil {
		return err
	}
	m.State, m.DeliveredAt, m.LastStatus, m.NextAttempt = alerts.StateDelivered, at, status, time.Time{}
	m.Attempts++
	o.calls = append(o.calls, Call{Op: "delivered", ID: id, At: at, Status: status})
	return nil
}

// Retry implements alerts.Outbox.
func (o *Outbox) Retry(ctx context.Context, id string, next time.Time, status int, errText string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	m, err := o.pending(id)
	if err != nil {
		return err
	}
	m.Attempts++
	m.NextAttempt, m.LastStatus, m.LastError = next, status, errText
	o.calls = append(o.calls, Call{Op: "retry", ID: id, Next: next, Status: status, Err: errText})
	return nil
}

// Dead implements alerts.Outbox.
func (o *Outbox) Dead(ctx context.Context, id string, status int, errText string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	m, err := o.pending(id)
	if err != nil {
		return err
	}
	m.Attempts++
	m.State, m.LastStatus, m.LastError, m.NextAttempt = alerts.StateDead, status, errText, time.Time{}
	o.calls = append(o.calls, Call{Op: "dead", ID: id, Status: status, Err: errText})
	return nil
}

// DisableEndpoint implements alerts.Outbox.
func (o *Outbox) DisableEndpoint(ctx context.Context, searchID, endpointID, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.disabled[[2]string{searchID, endpointID}] = reason
	for _, m := range o.msgs {
		if m.SearchID == searchID && m.Endpoint.ID == endpointID {
			m.Endpoint.Disabled, m.Endpoint.DisabledReason = true, reason
			if m.State == alerts.StatePending {
				m.State, m.LastError = alerts.StateDead, "endpoint disabled: "+reason
			}
		}
	}
	o.calls = append(o.calls, Call{Op: "disable", ID: searchID + "/" + endpointID, Err: reason})
	return nil
}

// Messages implements alerts.Outbox.
func (o *Outbox) Messages(ctx context.Context, state string, max int) ([]alerts.Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []alerts.Message
	for _, m := range o.sorted(true) {
		if len(out) >= max {
			break
		}
		if state == "" || m.State == state {
			out = append(out, *m)
		}
	}
	return out, nil
}
