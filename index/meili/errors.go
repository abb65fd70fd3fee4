package meili

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// The failures a user meets, wrapped by the errors this package returns.
var (
	// ErrUnreachable means the server could not be reached, or did not
	// answer within the request timeout.
	ErrUnreachable = errors.New("server unreachable")
	// ErrUnauthorized means the server refused the API key (HTTP 401: no
	// key sent though one is needed; 403: a wrong key, or one without the
	// permission for the action).
	ErrUnauthorized = errors.New("API key refused")
	// ErrIndexMissing means the index does not exist on the server.
	ErrIndexMissing = errors.New("index not found")
	// ErrPayloadTooLarge means the server refused a request as too large
	// (HTTP 413), even after Upsert split the batch down to one record.
	ErrPayloadTooLarge = errors.New("payload too large")
	// ErrOverloaded means the server kept answering 429, 502, 503 or 504
	// through every retry.
	ErrOverloaded = errors.New("server overloaded")
	// ErrTaskFailed is matched by every *TaskError.
	ErrTaskFailed = errors.New("task failed")
)

// TaskError is an asynchronous Meilisearch task (a write) that failed or
// was canceled.
type TaskError struct {
	UID     int64  // the task's uid
	Type    string // documentAdditionOrUpdate, settingsUpdate, indexCreation…
	Status  string // failed or canceled
	Code    string // Meilisearch's error code, e.g. invalid_document_id
	Message string // Meilisearch's message
}

func (e *TaskError) Error() string {
	if e.Status == string(meilisearch.TaskStatusCanceled) {
		return fmt.Sprintf("meilisearch task %d (%s) was canceled", e.UID, e.Type)
	}
	return fmt.Sprintf("meilisearch task %d (%s) failed: %s: %s", e.UID, e.Type, e.Code, e.Message)
}

// Is makes errors.Is(err, ErrTaskFailed) hold.
func (e *TaskError) Is(target error) bool { return target == ErrTaskFailed }

// retryable reports whether err is an answer worth retrying after a pause:
// the server (or a proxy before it) is overloaded or restarting.
func retryable(err error) bool {
	var me *meilisearch.Error
	if !errors.As(err, &me) || (me.ErrCode != meilisearch.APIError && me.ErrCode != meilisearch.APIErrorWithoutMessage) {
		return false
	}
	switch me.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retry calls fn until it succeeds, fails in a way not worth retrying, or
// has failed MaxRetries+1 times, pausing between attempts (RetryBackoff,
// doubling up to 30s, plus up to 25% jitter so crawlers sharing a server
// spread out). It returns fn's last error untranslated and how many
// attempts it made.
func (ix *Index) retry(ctx context.Context, fn func(context.Context) error) (int, error) {
	pause := ix.cfg.RetryBackoff
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || !retryable(err) || attempt > ix.cfg.MaxRetries {
			return attempt, err
		}
		t := time.NewTimer(pause + time.Duration(rand.Int64N(int64(pause)/4+1)))
		select {
		case <-ctx.Done():
			t.Stop()
			return attempt, err
		case <-t.C:
		}
		pause = min(2*pause, maxBackoff)
	}
}

const maxBackoff = 30 * time.Second

// do is retry, with the error translated.
func (ix *Index) do(ctx context.Context, op string, fn func(context.Context) error) error {
	n, err := ix.retry(ctx, fn)
	return ix.translate(ctx, op, err, n)
}

// translate turns a meilisearch-go error into one a user can act on,
// wrapping this package's sentinels (and the context's error when the
// context ended). It never includes the API key.
func (ix *Index) translate(ctx context.Context, op string, err error, attempts int) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("meilisearch: %s: %w", op, cerr)
	}
	var me *meilisearch.Error
	if !errors.As(err, &me) {
		return ix.clean(fmt.Errorf("meilisearch: %s: %w", op, err))
	}
	switch me.ErrCode {
	case meilisearch.TimeoutError, meilisearch.CommunicationError:
		// The context is live (checked above), so a timeout is the HTTP
		// client's: the server took longer than Timeout to answer.
		var ne net.Error
		if me.ErrCode == meilisearch.TimeoutError || errors.As(me.OriginError, &ne) && ne.Timeout() {
			return ix.clean(fmt.Errorf("meilisearch: %s: %w: %s did not answer within %s", op, ErrUnreachable, ix.url, ix.cfg.Timeout))
		}
		cause := me.OriginError
		var oe *net.OpError
		if errors.As(cause, &oe) {
			cause = oe
		}
		return ix.clean(fmt.Errorf("meilisearch: %s: %w: %s: %v (is Meilisearch running there?)", op, ErrUnreachable, ix.url, cause))
	case meilisearch.ErrCodeResponseUnmarshalBody:
		return ix.clean(fmt.Errorf("meilisearch: %s: unexpected answer from %s (HTTP %d; is it Meilisearch?): %v", op, ix.url, me.StatusCode, me.OriginError))
	case meilisearch.APIError, meilisearch.APIErrorWithoutMessage:
	default:
		return ix.clean(fmt.Errorf("meilisearch: %s: %v", op, me.OriginError))
	}
	status, code, msg := me.StatusCode, string(me.APIError.Code), me.APIError.Message
	if me.ErrCode == meilisearch.APIErrorWithoutMessage {
		code, msg = "", http.StatusText(status)
	}
	what := fmt.Sprintf("HTTP %d", status)
	if code != "" {
		what += " " + code
	}
	var out error
	switch {
	case status == http.StatusUnauthorized:
		out = fmt.Errorf("meilisearch: %s: %w (%s): %s; put the key in %s", op, ErrUnauthorized, what, msg, ix.keySource())
	case status == http.StatusForbidden:
		out = fmt.Errorf("meilisearch: %s: %w (%s): %s; check the key in %s (crawling needs a key allowed to manage the index %q, searching one with the search action)",
			op, ErrUnauthorized, what, msg, ix.keySource(), ix.cfg.Index)
	case me.APIError.Code == meilisearch.APIErrCodeIndexNotFound:
		out = fmt.Errorf("meilisearch: %s: %w: there is no index %q on %s (\"jobcrawl crawl\" creates it)", op, ErrIndexMissing, ix.cfg.Index, ix.url)
	case status == http.StatusRequestEntityTooLarge || me.APIError.Code == meilisearch.APIErrCodePayloadTooLarge:
		out = fmt.Errorf("meilisearch: %s: %w (%s): %s", op, ErrPayloadTooLarge, what, msg)
	case retryable(err):
		out = fmt.Errorf("meilisearch: %s: %w (%s), gave up after %d attempts: %s", op, ErrOverloaded, what, attempts, msg)
	default:
		out = fmt.Errorf("meilisearch: %s: %s: %s", op, what, msg)
	}
	return ix.clean(out)
}

func (ix *Index) keySource() string {
	if ix.cfg.KeySource != "" {
		return ix.cfg.KeySource
	}
	return "the configured API key"
}

// redacted is an error whose message had the API key cut out.
type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// clean makes sure err's message does not hold the API key. No message
// built here or by meilisearch-go includes it; this is the last guard.
func (ix *Index) clean(err error) error {
	if err == nil || ix.cfg.APIKey == "" {
		return err
	}
	if s := err.Error(); strings.Contains(s, ix.cfg.APIKey) {
		return &redacted{msg: strings.ReplaceAll(s, ix.cfg.APIKey, "[redacted]"), err: err}
	}
	return err
}

// isCode reports whether err is an answer from Meilisearch with code.
func isCode(err error, code meilisearch.APIErrCode) bool {
	var me *meilisearch.Error
	return errors.As(err, &me) && me.HasCode(code)
}
