package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// siteRow is one line of `jobcrawl sites`.
type siteRow struct {
	Name       string     `json:"name"`
	Company    string     `json:"company,omitempty"`
	Schedule   string     `json:"schedule,omitempty"`
	Configured bool       `json:"configured"`
	Open       int        `json:"open"`
	Closed     int        `json:"closed"`
	LastSeen   *time.Time `json:"last_seen,omitempty"` // the newest sighting of a posting: the last run that saw any
	// Coverage is the share of the site's open postings that carry each
	// field (see crawler.CoverageFields).
	Coverage map[string]float64 `json:"coverage,omitempty"`
}

// openExisting opens the index cfg names for reading what it holds, or
// says that there is none (rather than creating one).
func openExisting(cfg *Config) (index.Index, error) {
	if cfg.Index.Backend == "embedded" && !embedded.Exists(cfg.dataDir()) {
		return nil, noIndexError(cfg)
	}
	return openIndex(cfg)
}

// loadExisting loads the configuration and opens its index (see
// openExisting), for commands the daemon cannot answer while it holds it.
func loadExisting(e *env) (*Config, index.Index, error) {
	cfg, err := loadConfigOrDefault(e.configPath)
	if err != nil {
		return nil, nil, err
	}
	ix, err := openExisting(cfg)
	if errors.Is(err, embedded.ErrLocked) {
		return nil, nil, fmt.Errorf("%w (stop the daemon first, or ask it: GET /api/sites)", err)
	}
	return cfg, ix, err
}

func runSites(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("sites", "[--json]", `List the sites: those configured and those whose postings the index holds, with their
open and closed postings, when a posting of each was last seen, and the share of its open
postings that carry each field (coverage: a site that lost its salary selector shows). A site in the index but
not in the configuration (renamed or removed from config.yaml) is marked so: remove its
postings with jobcrawl remove NAME.`)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("sites takes no arguments (got %q)", pos[0])
	}
	cfg, ix, err := loadExisting(e)
	if err != nil {
		return err
	}
	defer ix.Close()
	res, err := ix.Search(ctx, index.Query{Facets: []string{"site"}, Limit: 1, FacetSize: 10000})
	if err != nil {
		return err
	}
	rows := map[string]*siteRow{}
	for _, s := range cfg.Sites {
		rows[s.Name] = &siteRow{Name: s.Name, Company: s.Company, Schedule: s.Schedule, Configured: true}
	}
	for name := range res.Facets["site"] {
		if rows[name] == nil {
			rows[name] = &siteRow{Name: name}
		}
	}
	for name, row := range rows {
		q := index.Query{Filters: []index.Filter{{Field: "site", Values: []string{name}}}, Facets: []string{"status"},
			Sort: []index.Sort{{Field: "last_seen", Desc: true}}, Limit: 1}
		r, err := ix.Search(ctx, q)
		if err != nil {
			return fmt.Errorf("site %s: %w", name, err)
		}
		row.Open, row.Closed = r.Facets["status"][index.StatusOpen], r.Facets["status"][index.StatusClosed]
		var cov crawler.Coverage
		if err := ix.Each(ctx, name, func(rec index.Record) error {
			if rec.Status == index.StatusOpen {
				cov.Add(rec.Posting)
			}
			return nil
		}); err != nil {
			return fmt.Errorf("site %s: %w", name, err)
		}
		row.Coverage = cov.Shares()
		if len(r.Hits) > 0 && !r.Hits[0].LastSeen.IsZero() {
			t := r.Hits[0].LastSeen
			row.LastSeen = &t
		}
	}
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	if *asJSON {
		out := struct {
			Sites []*siteRow `json:"sites"`
		}{Sites: []*siteRow{}}
		for _, n := range names {
			out.Sites = append(out.Sites, rows[n])
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "site\topen\tclosed\tlast seen\tschedule\t")
	now := time.Now()
	for _, n := range names {
		r := rows[n]
		seen := "never"
		if r.LastSeen != nil {
			seen = r.LastSeen.Local().Format("2006-01-02 15:04") + age(r.LastSeen.UTC().Format(time.DateOnly), now)
		}
		sched := r.Schedule
		switch {
		case !r.Configured:
			sched = "NOT CONFIGURED (jobcrawl remove " + n + ")"
		case sched == "":
			sched = "(none: crawled when asked)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t\n", n, r.Open, r.Closed, seen, sched)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range names {
		if cov := rows[n].Coverage; cov != nil {
			var parts []string
			for _, f := range crawler.CoverageFields {
				parts = append(parts, fmt.Sprintf("%s %.0f%%", f, 100*cov[f]))
			}
			fmt.Fprintf(e.stdout, "%s: coverage: %s\n", n, strings.Join(parts, ", "))
		}
	}
	return nil
}

// removeBatch is how many records remove deletes at a time.
const removeBatch = 500

func runRemove(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("remove", "SITE [--yes]", `Delete every posting of SITE from the index, after asking for confirmation (type the
site's name). Use it for a site removed from (or renamed in) config.yaml; a site still
configured gets its postings back at its next crawl. --yes skips the question, for
scripts. Stop the daemon first when the index is the embedded one.`)
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("remove: name one site (see jobcrawl sites)")
	}
	name := pos[0]
	cfg, ix, err := loadExisting(e)
	if err != nil {
		return err
	}
	defer ix.Close()
	var ids []string
	if err := ix.Entries(ctx, name, func(en index.Entry) error { ids = append(ids, en.ID); return nil }); err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("the index holds no posting of site %q (see jobcrawl sites)", name)
	}
	if _, ok := cfg.site(name); ok {
		fmt.Fprintf(e.stderr, "note: %s is still in %s: its next crawl adds its postings again unless you remove it there too\n", name, cfg.path)
	}
	if !*yes {
		fmt.Fprintf(e.stderr, "Delete the %d postings of site %s from the index? Type the site's name to confirm: ", len(ids), name)
		line, err := bufio.NewReader(e.input()).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if strings.TrimSpace(line) != name {
			return usagef("remove: not confirmed; nothing deleted (pass --yes to skip the question)")
		}
	}
	for i := 0; i < len(ids); i += removeBatch {
		if err := ix.Delete(ctx, ids[i:min(i+removeBatch, len(ids))]); err != nil {
			return fmt.Errorf("remove %s: deleted %d of %d postings: %w", name, i, len(ids), err)
		}
	}
	fmt.Fprintf(e.stdout, "removed %d postings of site %s\n", len(ids), name)
	return nil
}
