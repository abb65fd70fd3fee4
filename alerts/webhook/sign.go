package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every signing secret (Standard Webhooks: "whsec_"
// and the key in standard base64).
const SecretPrefix = "whsec_"

// Bounds of a secret's key, in bytes: Standard Webhooks asks for 24 at
// least and 64 at most; GenerateSecret makes 32.
const (
	MinSecretBytes = 24
	MaxSecretBytes = 64
	secretBytes    = 32
)

// Headers of the Standard Webhooks convention.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// ErrSecret is wrapped by every error ValidateSecret returns.
var ErrSecret = errors.New("invalid webhook secret")

// GenerateSecret returns a new signing secret: "whsec_" and the standard
// base64 of 32 random bytes.
func GenerateSecret() (string, error) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("generate a webhook secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// ValidateSecret checks that s is a usable signing secret. Its error says
// what is wrong without repeating the secret.
func ValidateSecret(s string) error {
	_, err := secretKey(s)
	return err
}

// secretKey is the HMAC key of secret s: the base64 after "whsec_".
func secretKey(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: it must start with %q, followed by the standard base64 of %d to %d random bytes (like %q + the output of: openssl rand -base64 32)",
			ErrSecret, SecretPrefix, MinSecretBytes, MaxSecretBytes, SecretPrefix)
	}
	if rest == "" {
		return nil, fmt.Errorf("%w: nothing follows %q", ErrSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("%w: the part after %q is not standard base64 (bad character at offset %d)", ErrSecret, SecretPrefix, int64(ce))
		}
		return nil, fmt.Errorf("%w: the part after %q is not standard base64", ErrSecret, SecretPrefix)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return nil, fmt.Errorf("%w: its key is %d bytes; it must be %d to %d", ErrSecret, len(key), MinSecretBytes, MaxSecretBytes)
	}
	return key, nil
}

// Sign returns the webhook-signature header value of a message: one
// "v1,<base64 HMAC-SHA256>" per secret over "id.timestamp.body",
// separated by spaces (two during a rotation).
func Sign(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	sigs := make([]string, 0, len(secrets))
	for i, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return "", fmt.Errorf("secret %d of %d: %w", i+1, len(secrets), err)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(stamp))
		mac.Write([]byte{'.'})
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}
