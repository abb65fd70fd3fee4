package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon/coord"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// openCoordinator opens the configured coordination backend. Redis is
// connected lazily: a daemon starts while Redis is down, and its ticks
// are skipped until Redis answers.
func openCoordinator(cfg *Config, log *slog.Logger) (coord.Coordinator, error) {
	c := cfg.Coordination
	id := strings.TrimSpace(os.Getenv(daemonIDEnv))
	if c.Backend != "redis" {
		return coord.NewLocal(id), nil
	}
	r, err := coord.NewRedis(coord.RedisOptions{URL: c.URL, ID: id, Prefix: c.Prefix, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("coordination: %w", err)
	}
	return r, nil
}

// daemonIDEnv names this process among the daemons (the holder of its
// leases in jobcrawl status); the default is host:pid.
const daemonIDEnv = "JOBCRAWL_ID"

// leaseTTL is coordination.lease_ttl.
func (c *Config) leaseTTL() time.Duration { return time.Duration(c.Coordination.LeaseTTL) }

// indexLocked explains an embedded index held by another process: with
// several daemons, the index must be a server.
func indexLocked(cfg *Config, err error) error {
	if !errors.Is(err, embedded.ErrLocked) {
		return err
	}
	msg := "another jobcrawl process (a daemon, or a crawl) has the embedded index in %s open: stop it first, " +
		"or search through it with --server"
	if cfg.Coordination.Backend == "redis" {
		msg = "the embedded index in %s is one process's, and another daemon has it open: several daemons " +
			"need index.backend: meilisearch (see \"Running several daemons\" in the README)"
	}
	return fmt.Errorf(msg+": %w", cfg.dataDir(), err)
}

// runLeased runs one site under its lease, as a daemon would: the run
// stops when the lease is lost, and commits only while it holds the
// newest lease of the site.
func runLeased(ctx context.Context, co coord.Coordinator, ttl time.Duration, c *crawler.Crawler, site *crawler.Site,
	progress func(crawler.Stats)) (crawler.Stats, error) {
	leaseCtx, held, err := coord.Hold(ctx, co, site.Name, ttl, nil)
	switch {
	case errors.Is(err, coord.ErrHeld):
		return crawler.Stats{Site: site.Name}, fmt.Errorf("not crawled: %w", err)
	case err != nil:
		return crawler.Stats{Site: site.Name}, fmt.Errorf("not crawled: take the site's lease: %w", err)
	}
	defer held.Release(context.WithoutCancel(ctx))
	return c.Run(crawler.WithCommitGate(leaseCtx, held.Commit), site, progress)
}

func init() {
	reindexFence = reindexLease
}

// reindexLease holds a lease on the index being rebuilt while reindex
// runs: two rebuilds never swap the same index, and a rebuild whose lease
// was lost (paused past it) is refused at the swap.
func reindexLease(ctx context.Context, cfg *Config) (func(context.Context) error, func(), error) {
	co, err := openCoordinator(cfg, nil)
	if err != nil {
		return nil, nil, err
	}
	name := "reindex:" + cfg.Index.Backend
	if cfg.Index.Backend == "meilisearch" {
		name += ":" + cfg.Index.Meilisearch.Index
	}
	_, held, err := coord.Hold(ctx, co, name, cfg.leaseTTL(), nil)
	if err != nil {
		co.Close()
		if errors.Is(err, coord.ErrHeld) {
			return nil, nil, fmt.Errorf("another reindex of this index is running: %w", err)
		}
		return nil, nil, fmt.Errorf("take the reindex lease: %w", err)
	}
	release := func() {
		rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		held.Release(rctx)
		co.Close()
	}
	return held.Commit, release, nil
}
