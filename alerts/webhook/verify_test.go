package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// This file receives webhooks as a receiver would, and checks their
// signatures with its own code (not the package's): it parses the headers,
// recomputes each HMAC, compares in constant time and checks the
// timestamp's tolerance.

// received is one POST a receiver got.
type received struct {
	ID, Timestamp, Signature string
	Header                   http.Header
	Body                     []byte
	At                       time.Time
}

// receiver records what it is sent; answer decides each answer (n counts
// from 1).
type receiver struct {
	mu     sync.Mutex
	got    []received
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, received{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
		Signature: r.Header.Get("webhook-signature"), Header: r.Header.Clone(), Body: body, At: time.Now()})
	n := len(rc.got)
	rc.mu.Unlock()
	if rc.answer != nil {
		rc.answer(n, w, r)
	}
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// verifySignature reports how many of the v1 signatures of got are valid
// for secret, and fails the test when the timestamp is not within
// tolerance of now or the header is malformed.
func verifySignature(tb testing.TB, got received, secret string, tolerance time.Duration) int {
	tb.Helper()
	if got.ID == "" || got.Timestamp == "" || got.Signature == "" {
		tb.Fatalf("missing webhook headers: id %q, timestamp %q, signature %q", got.ID, got.Timestamp, got.Signature)
	}
	ts, err := strconv.ParseInt(got.Timestamp, 10, 64)
	if err != nil {
		tb.Fatalf("webhook-timestamp %q is not an integer", got.Timestamp)
	}
	if d := time.Since(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		tb.Fatalf("webhook-timestamp %d is %s away from now", ts, d)
	}
	for _, part := range strings.Split(got.Signature, " ") {
		if _, sig, ok := strings.Cut(part, ","); !ok {
			tb.Fatalf("signature %q is not version,signature", part)
		} else if _, err := base64.StdEncoding.DecodeString(sig); err != nil {
			tb.Fatalf("signature %q is not base64: %v", sig, err)
		}
	}
	return verifySignatureAt(got, secret)
}

// verifySignatureAt counts the v1 signatures of got valid for secret.
func verifySignatureAt(got received, secret string) int {
	encoded, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return 0
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return 0
	}
	signed := got.ID + "." + got.Timestamp + "." + string(got.Body)
	h := hmac.New(sha256.New, key)
	h.Write([]byte(signed))
	want := h.Sum(nil)
	valid := 0
	for _, part := range strings.Split(got.Signature, " ") {
		version, sig, _ := strings.Cut(part, ",")
		if version != "v1" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(raw, want) {
			valid++
		}
	}
	return valid
}
