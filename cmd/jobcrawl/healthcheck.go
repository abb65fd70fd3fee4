package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// runHealthcheck asks a running daemon's /healthz: for container health
// checks, where no curl is at hand.
func runHealthcheck(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("healthcheck", "[--server URL] [--timeout D]",
		`Ask a running daemon whether it is healthy (GET /healthz) and exit 0 when it is, 1 when it
is not or does not answer. Meant for container health checks (the image has no curl).`)
	server := fs.String("server", "http://127.0.0.1:7800", "the daemon's `URL`")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after `duration`")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("healthcheck takes no arguments (got %q)", pos[0])
	}
	u, err := url.Parse(*server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--server: %q is not an http(s) URL", *server)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(*server, "/")+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: the daemon does not answer: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: unhealthy (%s): %s", resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(e.stdout, "ok: %s\n", strings.TrimSpace(string(body)))
	return nil
}
