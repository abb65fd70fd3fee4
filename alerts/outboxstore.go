package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	bolt "go.etcd.io/bbolt"
)

func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL")
	}
	return u, nil
}

// storedMessage is a Message as the outbox keeps it: with its body, and
// the endpoint by id (its URL, format and secrets are read from the saved
// search when the message is due, so a rotated secret applies at once).
type storedMessage struct {
	Message
	Body []byte `json:"body"`
}

func getMessage(tx *bolt.Tx, id string) (*storedMessage, error) {
	data := tx.Bucket(bOutbox).Get([]byte(id))
	if data == nil {
		return nil, fmt.Errorf("no such message: %s", clip(id))
	}
	var m storedMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("message %s: %w", id, err)
	}
	return &m, nil
}

// putMessage writes m and keeps its indexes: by creation time, and (while
// pending) by next attempt. old is the message as it was (nil when new).
func putMessage(tx *bolt.Tx, old, m *storedMessage) error {
	if old != nil && old.State == StatePending {
		if err := tx.Bucket(bDue).Delete(timeKey(old.NextAttempt, old.ID)); err != nil {
			return err
		}
	}
	if old == nil {
		if err := tx.Bucket(bByTime).Put(timeKey(m.CreatedAt, m.ID), nil); err != nil {
			return err
		}
	}
	if m.State == StatePending {
		if err := tx.Bucket(bDue).Put(timeKey(m.NextAttempt, m.ID), nil); err != nil {
			return err
		}
	}
	m.Message.Endpoint.Secrets = nil
	return putJSON(tx.Bucket(bOutbox), []byte(m.ID), m)
}

func deleteMessage(tx *bolt.Tx, m *storedMessage) error {
	if m.State == StatePending {
		if err := tx.Bucket(bDue).Delete(timeKey(m.NextAttempt, m.ID)); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bByTime).Delete(timeKey(m.CreatedAt, m.ID)); err != nil {
		return err
	}
	return tx.Bucket(bOutbox).Delete([]byte(m.ID))
}

// forEachMessage calls fn for every message, newest first; fn reports
// whether it changed the outbox (the walk then restarts its cursor).
func forEachMessage(tx *bolt.Tx, fn func(m *storedMessage) (bool, error)) error {
	var ids []string
	c := tx.Bucket(bByTime).Cursor()
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		ids = append(ids, string(k[8:]))
	}
	for _, id := range ids {
		m, err := getMessage(tx, id)
		if err != nil {
			continue
		}
		if _, err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// queue adds a new pending message, due now.
func queue(tx *bolt.Tx, s Search, ep Endpoint, typ string, body []byte, now time.Time) (string, error) {
	m := &storedMessage{Message: Message{ID: randomID("msg_"), SearchID: s.ID, Endpoint: ep, Type: typ, CreatedAt: now,
		State: StatePending, NextAttempt: now}, Body: body}
	if err := putMessage(tx, nil, m); err != nil {
		return "", err
	}
	return m.ID, addCounter(tx, "queued", 1)
}

// Due implements Outbox: pending messages due at now, oldest first, with
// their endpoint as the saved search has it now (secrets included). A
// message whose search or endpoint is gone or disabled is not returned.
func (st *Store) Due(ctx context.Context, now time.Time, max int) ([]Message, error) {
	var out []Message
	err := st.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bDue).Cursor()
		limit := timeKey(now, "\xff")
		for k, _ := c.First(); k != nil && len(out) < max; k, _ = c.Next() {
			if string(k[:8]) > string(limit[:8]) {
				break
			}
			m, err := getMessage(tx, string(k[8:]))
			if err != nil {
				return err
			}
			s, err := getSearch(tx, m.SearchID)
			if err != nil {
				continue
			}
			var ep *Endpoint
			for i := range s.Endpoints {
				if s.Endpoints[i].ID == m.Endpoint.ID {
					ep = &s.Endpoints[i]
				}
			}
			if ep == nil || ep.Disabled {
				continue
			}
			msg := m.Message
			msg.Endpoint = *ep
			msg.Body = m.Body
			out = append(out, msg)
		}
		return nil
	})
	return out, err
}

// change applies fn to message id in one transaction.
func (st *Store) change(id string, fn func(m *storedMessage) error) error {
	return st.db.Update(func(tx *bolt.Tx) error {
		old, err := getMessage(tx, id)
		if err != nil {
			return err
		}
		m := *old
		if err := fn(&m); err != nil {
			return err
		}
		if err := putMessage(tx, old, &m); err != nil {
			return err
		}
		if m.State != StatePending {
			return pruneFinished(tx)
		}
		return nil
	})
}

// Delivered implements Outbox.
func (st *Store) Delivered(ctx context.Context, id string, at time.Time, status int) error {
	return st.change(id, func(m *storedMessage) error {
		m.State, m.Attempts, m.DeliveredAt, m.LastStatus, m.LastError = StateDelivered, m.Attempts+1, at.UTC(), status, ""
		m.NextAttempt = time.Time{}
		return nil
	})
}

// Retry implements Outbox.
func (st *Store) Retry(ctx context.Context, id string, next time.Time, status int, errText string) error {
	return st.change(id, func(m *storedMessage) error {
		if m.State != StatePending {
			return fmt.Errorf("message %s is %s, not pending", id, m.State)
		}
		m.Attempts++
		m.NextAttempt, m.LastStatus, m.LastError = next.UTC(), status, oneLine(errText)
		return nil
	})
}

// Dead implements Outbox.
func (st *Store) Dead(ctx context.Context, id string, status int, errText string) error {
	return st.change(id, func(m *storedMessage) error {
		m.State, m.Attempts, m.LastStatus, m.LastError = StateDead, m.Attempts+1, status, oneLine(errText)
		m.NextAttempt = time.Time{}
		return nil
	})
}

// DisableEndpoint implements Outbox.
func (st *Store) DisableEndpoint(ctx context.Context, searchID, endpointID, reason string) error {
	return st.db.Update(func(tx *bolt.Tx) error {
		s, err := getSearch(tx, searchID)
		if err != nil {
			return err
		}
		found := false
		for i := range s.Endpoints {
			if s.Endpoints[i].ID == endpointID {
				s.Endpoints[i].Disabled, s.Endpoints[i].DisabledReason, found = true, oneLine(reason), true
			}
		}
		if !found {
			return fmt.Errorf("saved search %s has no endpoint %s", searchID, clip(endpointID))
		}
		if err := putSearch(tx, s); err != nil {
			return err
		}
		var pending []*storedMessage
		c := tx.Bucket(bDue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			m, err := getMessage(tx, string(k[8:]))
			if err != nil {
				return err
			}
			if m.SearchID == searchID && m.Endpoint.ID == endpointID {
				pending = append(pending, m)
			}
		}
		for _, old := range pending {
			m := *old
			m.State, m.NextAttempt, m.LastError = StateDead, time.Time{}, "endpoint disabled: "+oneLine(reason)
			if err := putMessage(tx, old, &m); err != nil {
				return err
			}
		}
		return pruneFinished(tx)
	})
}

// Messages implements Outbox.
func (st *Store) Messages(ctx context.Context, state string, max int) ([]Message, error) {
	var out []Message
	err := st.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bByTime).Cursor()
		for k, _ := c.Last(); k != nil && len(out) < max; k, _ = c.Prev() {
			m, err := getMessage(tx, string(k[8:]))
			if err != nil {
				return err
			}
			if state == "" || m.State == state {
				msg := m.Message
				msg.Body = m.Body
				out = append(out, msg)
			}
		}
		return nil
	})
	return out, err
}

// Counts returns how many messages of a saved search ("" for all) are in
// each state.
func (st *Store) Counts(ctx context.Context, searchID string) (map[string]int, error) {
	out := map[string]int{StatePending: 0, StateDelivered: 0, StateDead: 0}
	err := st.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
			var m struct {
				SearchID string `json:"search_id"`
				State    string `json:"state"`
			}
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if searchID == "" || m.SearchID == searchID {
				out[m.State]++
			}
			return nil
		})
	})
	return out, err
}

// keepFinished is KeepFinished (tests lower it).
var keepFinished = KeepFinished

// pruneFinished keeps the newest KeepFinished delivered or dead messages.
func pruneFinished(tx *bolt.Tx) error {
	finished := countKeys(tx.Bucket(bOutbox)) - countKeys(tx.Bucket(bDue))
	if finished <= keepFinished {
		return nil
	}
	excess := finished - keepFinished
	var drop []*storedMessage
	c := tx.Bucket(bByTime).Cursor()
	for k, _ := c.First(); k != nil && len(drop) < excess; k, _ = c.Next() {
		m, err := getMessage(tx, string(k[8:]))
		if err != nil {
			return err
		}
		if m.State != StatePending {
			drop = append(drop, m)
		}
	}
	for _, m := range drop {
		if err := deleteMessage(tx, m); err != nil {
			return err
		}
	}
	return addCounter(tx, "pruned", len(drop))
}

// oneLine keeps the first line of s, at most 300 bytes.
func oneLine(s string) string {
	for i, r := range s {
		if r == '\n' || r == '\r' {
			s = s[:i]
			break
		}
	}
	if len(s) > 300 {
		cut := 300
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
