package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/web"
)

func runDaemon(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("daemon", "[--listen HOST:PORT] [--demo]",
		"Runs until stopped: crawls each site on its schedule (sites[].schedule, cron syntax),\n"+
			"never two runs of one site at once and at most max_concurrent_sites at a time, and\n"+
			"serves the search page, the JSON API, /healthz and /metrics.\n\n"+
			"SIGINT or SIGTERM stops it gracefully: no new run starts, runs in progress are\n"+
			"cancelled (keeping what they found, closing nothing), HTTP requests are drained, and\n"+
			"it exits 0 within daemon.stop_timeout (default 10s). SIGHUP reloads the configuration;\n"+
			"a configuration with an error is logged and the running one kept.\n\n"+
			"Several daemons may share one config.yaml, one Meilisearch and one Redis\n"+
			"(coordination.backend: redis): each tick runs in one daemon, each site has one crawler\n"+
			"at a time, and hosts see one politeness budget. JOBCRAWL_ID names this daemon in\n"+
			"jobcrawl status. See \"Running several daemons\" in docs/daemon.md.\n\n"+
			"--demo serves the built-in demo careers site on 127.0.0.1 and crawls it at start and\n"+
			"every 15 minutes, instead of the configured sites.")
	// The daemon's log is its record of runs: info by default.
	if f := fs.Lookup("log-level"); f != nil {
		f.DefValue = "info"
		f.Value.Set("info")
	}
	listen := fs.String("listen", "", "serve HTTP on `host:port` (default: daemon.listen, else "+defaultListen+")")
	demo := fs.Bool("demo", false, "crawl the built-in demo careers site")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("daemon takes no arguments (got %q)", pos)
	}
	if *listen != "" {
		if _, _, err := net.SplitHostPort(*listen); err != nil {
			return usagef("--listen: %q is not host:port (like 127.0.0.1:7800)", *listen)
		}
	}

	var cfg *Config
	if *demo {
		var stop func()
		if cfg, stop, err = demoConfig(e.configPath); err != nil {
			return err
		}
		defer stop()
		cfg.Sites[0].Schedule, cfg.Sites[0].RunOnStart = "@every 15m", true
	} else if cfg, err = loadConfig(e.configPath); err != nil {
		return err
	}
	if err := cfg.requireSites("daemon"); err != nil {
		return err
	}
	addr := cfg.Daemon.Listen
	if *listen != "" {
		addr = *listen
	}
	log := e.logger

	ix, err := openIndex(cfg)
	if err != nil {
		return indexLocked(cfg, err)
	}
	defer ix.Close()
	if err := adoptRenamed(ctx, ix, cfg, cfg.Sites, e.stderr); err != nil {
		return err
	}
	co, err := openCoordinator(cfg, log)
	if err != nil {
		return err
	}
	defer co.Close()
	c := newCrawler(cfg, ix, log)
	c.Shared = co.Hosts()
	al, err := startAlerts(ctx, e, cfg, ix, addr)
	if err != nil {
		return err
	}
	defer al.close()
	sched := daemon.New(c, log, daemon.WithCoordinator(co, cfg.Coordination.Backend, cfg.leaseTTL()),
		daemon.WithRunFinished(al.runFinished))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if err := sched.Start(schedulerConfig(cfg)); err != nil {
		ln.Close()
		return usagef("config %s: %v", cfg.path, err)
	}
	al.start(sched)
	if !isLoopback(ln.Addr()) {
		log.Warn("listening beyond loopback: whoever reaches this address can search and start crawls", "listen", ln.Addr().String())
	}
	srv := &http.Server{
		Handler:           web.New(ix, sched, log, web.WithSearchLimits(cfg.Search.limits()), al.webOption(), deliveriesOption(al.store)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("daemon started", "listen", "http://"+ln.Addr().String(), "sites", len(cfg.Sites), "index", cfg.dataDir(),
		"coordination", cfg.Coordination.Backend, "id", co.ID(), "version", version)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if e.listening != nil {
		e.listening("http://" + ln.Addr().String())
	}
	var failure error
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case <-hup:
			if *demo {
				log.Warn("reload: not available with --demo")
				continue
			}
			reload(log, e.configPath, cfg, sched)
		case err := <-served:
			failure = fmt.Errorf("http server: %w", err)
			break wait
		}
	}

	bound := time.Duration(cfg.Daemon.StopTimeout)
	log.Info("stopping", "within", bound)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bound)
	defer cancel()
	var wg sync.WaitGroup
	var httpErr, runErr error
	wg.Go(func() { httpErr = srv.Shutdown(stopCtx) })
	wg.Go(func() { runErr = sched.Stop(stopCtx) })
	wg.Wait()
	al.stop(stopCtx) // after the runs: what they wrote is evaluated once more
	if httpErr != nil {
		srv.Close()
		log.Warn("stop: HTTP requests cut off", "error", httpErr)
	}
	if runErr != nil {
		// The index is closed under the runs that did not end: a batch is
		// written whole or not at all, and nothing is closed by them.
		return errors.Join(failure, runErr)
	}
	log.Info("stopped")
	return failure
}

// schedulerConfig is the part of the configuration the scheduler runs.
func schedulerConfig(cfg *Config) daemon.Config {
	return daemon.Config{Sites: cfg.Sites, MaxConcurrent: cfg.MaxConcurrentSites}
}

// reload reads the configuration again and hands its sites to the
// scheduler. A configuration with an error is logged and changes nothing.
// Settings the running daemon was built with need a restart; reload says so.
func reload(log *slog.Logger, path string, running *Config, sched *daemon.Scheduler) {
	cfg, err := loadConfig(path)
	if err != nil {
		log.Error("reload: configuration rejected, keeping the running one", "error", err)
		return
	}
	changes, err := sched.Reload(schedulerConfig(cfg))
	if err != nil {
		log.Error("reload: configuration rejected, keeping the running one", "error", err)
		return
	}
	for key, changed := range map[string]bool{
		"data_dir":            cfg.dataDir() != running.dataDir(),
		"index.backend":       cfg.Index != running.Index,
		"user_agent":          cfg.UserAgent != running.UserAgent,
		"max_close_share":     cfg.MaxCloseShare != running.MaxCloseShare,
		"daemon.listen":       cfg.Daemon.Listen != running.Daemon.Listen,
		"daemon.stop_timeout": cfg.Daemon.StopTimeout != running.Daemon.StopTimeout,
		"search":              cfg.Search != running.Search,
	} {
		if changed {
			log.Warn("reload: this setting changes only on restart", "key", key)
		}
	}
	log.Info("configuration reloaded", "sites", len(cfg.Sites), "added", changes.Added, "removed", changes.Removed,
		"rescheduled", changes.Rescheduled)
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
