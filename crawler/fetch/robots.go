package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// The run reads robots.txt itself rather than through colly: colly ignores
// Crawl-delay, and reads a robots.txt that answered 5xx as allowing
// everything. Here a robots.txt that cannot be read (5xx or no answer,
// after retries) makes every page of its origin fail, so the run is
// incomplete and closes nothing (RFC 9309 says to assume a full disallow).

// maxRobotsSize is the most of a robots.txt read (RFC 9309 asks for at least 500 KiB).
const maxRobotsSize = 512 << 10

// robots holds the rules of each origin of a run, fetched on first use.
type robots struct {
	client  *http.Client // through the run's polite transport
	ua      string
	retries int
	backoff time.Duration
	log     *slog.Logger
	onDelay func(hostport string, d time.Duration)

	mu      sync.Mutex
	origins map[string]*robotsEntry
}

type robotsEntry struct {
	once sync.Once
	data *robotstxt.RobotsData
	err  error
}

// allowed reports whether robots.txt lets the run fetch u.
func (rb *robots) allowed(ctx context.Context, u *url.URL) (bool, error) {
	origin := u.Scheme + "://" + u.Host
	rb.mu.Lock()
	e := rb.origins[origin]
	if e == nil {
		e = &robotsEntry{}
		rb.origins[origin] = e
	}
	rb.mu.Unlock()
	e.once.Do(func() {
		e.data, e.err = rb.fetch(ctx, origin)
		if e.err != nil {
			return
		}
		if d := e.data.FindGroup(rb.ua).CrawlDelay; d > 0 {
			rb.log.Info("robots.txt asks for a crawl delay", "origin", origin, "crawl_delay", d)
			rb.onDelay(u.Host, d)
		}
	})
	if e.err != nil {
		return false, e.err
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return e.data.TestAgent(path, rb.ua), nil
}

// fetch reads origin's robots.txt, retrying what may succeed later.
func (rb *robots) fetch(ctx context.Context, origin string) (*robotstxt.RobotsData, error) {
	var last error
	for attempt := 0; attempt <= rb.retries; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, backoff(rb.backoff, attempt-1, 0)); err != nil {
				return nil, err
			}
		}
		status, body, err := rb.get(ctx, origin+"/robots.txt")
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, ErrOffSite):
			return nil, fmt.Errorf("%w: %v", ErrRobotsUnavailable, err)
		case err != nil:
			last = err
			continue
		case status == http.StatusTooManyRequests || status >= 500:
			last = fmt.Errorf("status %d", status)
			continue
		case status >= 400:
			return robotstxt.FromStatusAndBytes(status, nil) // none: everything allowed
		}
		data, err := robotstxt.FromStatusAndBytes(status, body)
		if err != nil {
			// lines it cannot read: RFC 9309 parses what it can, this
			// parser nothing, so nothing is disallowed
			rb.log.Warn("robots.txt does not parse: ignored", "origin", origin, "error", err)
			return robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
		}
		return data, nil
	}
	return nil, fmt.Errorf("%w: %s/robots.txt: %w", ErrRobotsUnavailable, origin, last)
}

func (rb *robots) get(ctx context.Context, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", rb.ua)
	resp, err := rb.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsSize))
	return resp.StatusCode, body, err
}
