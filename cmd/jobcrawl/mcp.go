package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/mcpserver"
	"github.com/jobcrawl/jobcrawl/web"
)

// The daemon's /mcp reports jobcrawl's release, as `jobcrawl mcp` does.
func init() { web.MCPVersion = buildInfo().Version }

// noRunsStdio is list_sites' note in stdio mode.
const noRunsStdio = "jobcrawl mcp reads the index without a daemon, and a site's run history is kept by the daemon " +
	"that ran it: ask the daemon's /mcp (or GET /api/sites) for last runs. last_seen says when each site's postings were last seen."

func runMCP(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("mcp", "[--demo]",
		"Serves the index to an AI agent (Claude Desktop, Claude Code, any MCP client) over the Model\n"+
			"Context Protocol on standard input and output: the client starts this command and talks\n"+
			"JSON-RPC on its stdin and stdout. Read-only tools: search_postings (query, filters, facets,\n"+
			"sort, paging), get_posting (one posting in full), list_facets (the valid filter values with\n"+
			"their counts) and list_sites (the sites with their postings and field coverage).\n\n"+
			"Standard output carries the protocol only; logs go to standard error. The server stops at\n"+
			"the end of its input or on SIGINT/SIGTERM.\n\n"+
			"The embedded index serves one process at a time: while the daemon runs, register the\n"+
			"daemon's endpoint with the client instead (http://127.0.0.1:7800/mcp, Streamable HTTP),\n"+
			"which also reports each site's last run. See docs/mcp.md.")
	demo := fs.Bool("demo", false, "serve the demo's index (what crawl --demo and daemon --demo filled), not the configured one")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("mcp takes no arguments (got %q); it speaks MCP on stdin and stdout", pos[0])
	}
	load := loadConfigOrDefault
	if *demo {
		load = demoIndex
	}
	cfg, err := load(e.configPath)
	if err != nil {
		return err
	}
	ix, err := openExisting(cfg)
	if errors.Is(err, embedded.ErrLocked) {
		return fmt.Errorf("%w\nwhile the daemon runs, connect the MCP client to the daemon instead: http://%s/mcp (Streamable HTTP)",
			err, cfg.Daemon.Listen)
	}
	if err != nil {
		return err
	}
	defer ix.Close()
	sites := make([]daemon.SiteStatus, 0, len(cfg.Sites))
	for _, s := range cfg.Sites {
		sites = append(sites, daemon.SiteStatus{Name: s.Name, Company: s.Company, Schedule: s.Schedule, Timezone: s.Timezone})
	}
	srv := mcpserver.New(mcpserver.Config{
		Index:   ix,
		Sites:   func(context.Context) ([]daemon.SiteStatus, error) { return sites, nil },
		NoRuns:  noRunsStdio,
		Version: buildInfo().Version,
		Logger:  e.logger.With("component", "mcp"),
	})
	e.logger.Info("mcp server on stdio", "index", cfg.Index.Backend, "sites", len(sites))
	// Not srv.Run: it logs a stop by signal as an error, and a signal is
	// how a client may well stop its server.
	ss, err := srv.Connect(ctx, mcpserver.StdioTransport(e.input(), e.stdout), nil)
	if err != nil {
		return err
	}
	ended := make(chan error, 1)
	go func() { ended <- ss.Wait() }()
	select {
	case <-ctx.Done():
		ss.Close()
		<-ended
		e.logger.Info("mcp server stopped by a signal")
		return nil
	case err := <-ended:
		if err != nil && !isEOF(err) {
			return fmt.Errorf("mcp: %w", err)
		}
		e.logger.Info("mcp server stopped: its input ended")
		return nil
	}
}

// isEOF reports whether err is the end of the client's input, however the
// transport wrapped it.
func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || strings.Contains(err.Error(), "EOF")
}
