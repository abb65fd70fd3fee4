package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler/fetch"
	"github.com/jobcrawl/jobcrawl/daemon"
)

func runValidate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("validate", "[--config FILE]",
		"Checks the configuration: every key known, every value valid, every site complete.\n"+
			"Prints every problem, each with its line and key, or a one-line summary when all\n"+
			"is well (and a warning when there is no site). jobcrawl config check prints the\n"+
			"configuration as resolved.")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("validate takes no arguments (got %q)", pos)
	}
	cfg, err := loadConfig(e.configPath)
	if err != nil {
		return err
	}
	where := "embedded index in " + cfg.dataDir()
	if m := cfg.Index.Meilisearch; cfg.Index.Backend == "meilisearch" {
		key := "set"
		if m.apiKey == "" {
			key = "not set: no key is sent"
		}
		where = fmt.Sprintf("meilisearch index %q at %s (API key from $%s: %s)", m.Index, redactedURL(m.URL), m.APIKeyEnv, key)
	}
	fmt.Fprintf(e.stdout, "%s: ok: %d sites, %s\n", e.configPath, len(cfg.Sites), where)
	if len(cfg.Sites) == 0 {
		// valid (search needs no site), but crawl and daemon would refuse it
		fmt.Fprintf(e.stderr, "jobcrawl: warning: %s has no sites: crawl and daemon have nothing to do "+
			"(add one under sites:, e.g. with jobcrawl add URL --write)\n", e.configPath)
	}
	for _, s := range cfg.Sites {
		if s.Render == nil {
			continue
		}
		if _, err := fetch.FindChromium(); err != nil {
			// the configuration is valid; its crawls of these sites would fail at start
			fmt.Fprintf(e.stderr, "jobcrawl: warning: site %s: %v\n", s.Name, err)
		}
	}
	now := time.Now()
	for _, s := range cfg.Sites {
		sched, _ := daemon.ParseSchedule(s.Schedule, s.Timezone) // valid: loadConfig checked it
		if sched == nil {
			fmt.Fprintf(e.stdout, "  %s: no schedule (the daemon crawls it only when asked)\n", s.Name)
			continue
		}
		next := sched.Next(now)
		if loc, err := time.LoadLocation(s.Timezone); err == nil && s.Timezone != "" {
			next = next.In(loc) // shown in the zone the expression is read in
		}
		fmt.Fprintf(e.stdout, "  %s: %q, next run %s\n", s.Name, s.Schedule, next.Format("Mon 2006-01-02 15:04:05 MST"))
	}
	return nil
}
