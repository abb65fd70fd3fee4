package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/daemon/coord"
)

// statusRow is one site in `jobcrawl status`.
type statusRow struct {
	Site    string            `json:"site"`
	State   string            `json:"state,omitempty"` // from a daemon: idle, queued, running
	Lease   *daemon.SiteLease `json:"lease"`           // nil: nobody crawls it now
	NextRun *time.Time        `json:"next_run,omitempty"`
	LastRun *daemon.Run       `json:"last_run,omitempty"`
}

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("status", "[--server URL] [--json]",
		`Show which daemon crawls which site now. With coordination.backend: redis it reads the
site leases from Redis, whichever daemon holds them; otherwise (or with --server) it asks a
running daemon (GET /api/sites), which also tells each site's state, next run and last run.
A site nobody holds shows "-".`)
	server := fs.String("server", "", "ask the daemon at `URL` (default: Redis when configured, else http://daemon.listen)")
	asJSON := fs.Bool("json", false, "print JSON")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after `duration`")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("status takes no arguments (got %q)", pos[0])
	}
	cfg, err := loadConfigOrDefault(e.configPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	var rows []statusRow
	var source string
	if *server == "" && cfg.Coordination.Backend == "redis" {
		rows, err = statusFromRedis(ctx, cfg)
		source = "redis"
	} else {
		if *server == "" {
			*server = "http://" + cfg.Daemon.Listen
		}
		rows, err = statusFromDaemon(ctx, *server)
		source = *server
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Source string      `json:"source"`
			Sites  []statusRow `json:"sites"`
		}{source, rows})
	}
	printStatus(e.stdout, rows)
	return nil
}

// statusFromRedis lists the configured sites with their lease holders.
func statusFromRedis(ctx context.Context, cfg *Config) ([]statusRow, error) {
	co, err := openCoordinator(cfg, nil)
	if err != nil {
		return nil, err
	}
	defer co.Close()
	hs, err := co.Holders(ctx)
	if err != nil {
		return nil, fmt.Errorf("status: read the site leases: %w", err)
	}
	rows := make([]statusRow, 0, len(cfg.Sites))
	for _, s := range cfg.Sites {
		r := statusRow{Site: s.Name}
		if h, ok := hs[s.Name]; ok {
			r.Lease = leaseOf(h)
			delete(hs, s.Name)
		}
		rows = append(rows, r)
	}
	for name, h := range hs { // held, but not in this configuration
		rows = append(rows, statusRow{Site: name, Lease: leaseOf(h)})
	}
	return rows, nil
}

// leaseOf is a holder as status shows it.
func leaseOf(h coord.Holder) *daemon.SiteLease {
	return &daemon.SiteLease{Holder: h.Holder, Token: h.Token, ExpiresIn: h.TTL.Seconds()}
}

// statusFromDaemon asks a daemon's /api/sites.
func statusFromDaemon(ctx context.Context, server string) ([]statusRow, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--server: %q is not an http(s) URL", server)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(server, "/")+"/api/sites", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("status: the daemon at %s does not answer: %w", server, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("status: read the daemon's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status: the daemon answered %s", resp.Status)
	}
	var got struct {
		Sites []daemon.SiteStatus `json:"sites"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		return nil, fmt.Errorf("status: the daemon's answer is not a site list: %w", err)
	}
	rows := make([]statusRow, 0, len(got.Sites))
	for _, s := range got.Sites {
		rows = append(rows, statusRow{Site: s.Name, State: s.State, Lease: s.Lease, NextRun: s.NextRun, LastRun: s.LastRun})
	}
	return rows, nil
}

func printStatus(w io.Writer, rows []statusRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tSTATE\tHELD BY\tTOKEN\tEXPIRES IN\tNEXT RUN\tLAST RUN")
	for _, r := range rows {
		holder, token, expires := "-", "-", "-"
		if r.Lease != nil {
			holder, token, expires = r.Lease.Holder, fmt.Sprint(r.Lease.Token), fmt.Sprintf("%.0fs", r.Lease.ExpiresIn)
			if r.Lease.Mine {
				holder += " (this daemon)"
			}
		}
		state, next, last := orDash(r.State), "-", "-"
		if r.NextRun != nil {
			next = r.NextRun.Local().Format("2006-01-02 15:04:05")
		}
		if r.LastRun != nil {
			last = r.LastRun.Outcome
			if !r.LastRun.Finished.IsZero() {
				last += " at " + r.LastRun.Finished.Local().Format("15:04:05")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Site, state, holder, token, expires, next, last)
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
