package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/daemon"
	"github.com/jobcrawl/jobcrawl/index"
)

// SitesInput is list_sites' input.
type SitesInput struct {
	Site string `json:"site,omitempty" jsonschema:"Only this site (its name); empty: every site."`
}

// SitesOutput is list_sites' answer.
type SitesOutput struct {
	Sites       []SiteInfo `json:"sites" jsonschema:"The sites, by name."`
	LastRunNote string     `json:"last_run_note,omitempty" jsonschema:"Why last_run is null for every site, when it is."`
	Truncated   bool       `json:"truncated,omitempty" jsonschema:"True when there are more sites than listed (500)."`
}

// SiteInfo is one site.
type SiteInfo struct {
	Name       string `json:"name" jsonschema:"The site's name, as the site filter takes it."`
	Company    string `json:"company,omitempty" jsonschema:"The company the site hires for, as configured."`
	Configured bool   `json:"configured" jsonschema:"False for a site whose postings the index holds but that the configuration no longer names."`
	Schedule   string `json:"schedule,omitempty" jsonschema:"The site's cron schedule; empty: crawled only when asked."`
	Postings   int    `json:"postings" jsonschema:"The site's postings in the index, open and closed."`
	Open       int    `json:"open" jsonschema:"Its open postings."`
	Closed     int    `json:"closed" jsonschema:"Its closed postings."`
	// LastSeen is read from the index, so known in every mode.
	LastSeen *time.Time         `json:"last_seen,omitempty" jsonschema:"When a posting of the site was last seen: the end of the last run that saw any."`
	LastRun  *RunInfo           `json:"last_run" jsonschema:"The site's last finished crawl run; null when none is known (see last_run_note)."`
	Coverage map[string]float64 `json:"coverage,omitempty" jsonschema:"The share (0 to 1) of the site's postings carrying each field: a low share shows an extraction that broke."`
	// CoverageFrom says which postings Coverage counts.
	CoverageFrom string `json:"coverage_from,omitempty" jsonschema:"last_run: the postings the last run read; index: the site's open postings in the index (up to 2000 of them)."`
}

// RunInfo is a crawl run as list_sites shows it.
type RunInfo struct {
	Trigger  string    `json:"trigger" jsonschema:"What started it: schedule, manual (asked through the API) or start (run_on_start)."`
	Started  time.Time `json:"started,omitzero" jsonschema:"When it started."`
	Finished time.Time `json:"finished,omitzero" jsonschema:"When it finished."`
	Seconds  float64   `json:"duration_seconds,omitempty" jsonschema:"How long it took."`
	Outcome  string    `json:"outcome,omitempty" jsonschema:"ok, incomplete, failed or cancelled."`
	Reason   string    `json:"reason,omitempty" jsonschema:"Why it was not ok."`
	Counts   RunCounts `json:"counts" jsonschema:"What it did."`
}

// RunCounts are a run's numbers.
type RunCounts struct {
	Pages     int `json:"pages" jsonschema:"Result and posting pages fetched."`
	Postings  int `json:"postings" jsonschema:"Postings read."`
	New       int `json:"new" jsonschema:"Postings seen for the first time."`
	Updated   int `json:"updated" jsonschema:"Postings whose content changed."`
	Unchanged int `json:"unchanged" jsonschema:"Postings seen again unchanged."`
	Closed    int `json:"closed" jsonschema:"Postings closed: no longer listed."`
	Reopened  int `json:"reopened" jsonschema:"Closed postings listed again."`
	Rejected  int `json:"rejected" jsonschema:"Pages or postings refused (no job number, say)."`
	Errors    int `json:"errors" jsonschema:"Requests that failed."`
}

func runOf(r *daemon.Run) *RunInfo {
	if r == nil {
		return nil
	}
	c := r.Counts
	return &RunInfo{Trigger: r.Trigger, Started: r.Started, Finished: r.Finished, Seconds: r.Seconds, Outcome: r.Outcome,
		Reason: r.Reason, Counts: RunCounts{Pages: c.Pages, Postings: c.Postings, New: c.New, Updated: c.Updated,
			Unchanged: c.Unchanged, Closed: c.Closed, Reopened: c.Reopened, Rejected: c.Rejected, Errors: c.Errors}}
}

// errEnough stops a walk over a site's records.
var errEnough = errors.New("enough")

func (s *server) listSites(ctx context.Context, _ *mcp.CallToolRequest, in SitesInput) (*mcp.CallToolResult, SitesOutput, error) {
	out := SitesOutput{Sites: []SiteInfo{}, LastRunNote: s.NoRuns}
	var configured []daemon.SiteStatus
	if s.Sites != nil {
		var err error
		if configured, err = s.Sites(ctx); err != nil {
			return nil, out, s.fail("list_sites", err)
		}
	}
	ctx, done, err := s.enter(ctx)
	if err != nil {
		return nil, out, err
	}
	defer done()
	rows := map[string]*SiteInfo{}
	status := map[string]daemon.SiteStatus{}
	for _, st := range configured {
		rows[st.Name] = &SiteInfo{Name: st.Name, Company: st.Company, Configured: true, Schedule: st.Schedule, LastRun: runOf(st.LastRun)}
		status[st.Name] = st
	}
	// The sites the index holds, configured or not.
	res, err := s.Index.Search(ctx, index.Query{Facets: []string{"site"}, Limit: 1, FacetSize: MaxSites + 1})
	if err != nil {
		return nil, out, s.fail("list_sites", err)
	}
	for name := range res.Facets["site"] {
		if rows[name] == nil {
			rows[name] = &SiteInfo{Name: name}
		}
	}
	names := slices.Sorted(maps.Keys(rows))
	if in.Site != "" {
		if rows[in.Site] == nil {
			known, more := names[:min(len(names), 20)], ""
			if len(names) > len(known) {
				more = fmt.Sprintf(" and %d more", len(names)-len(known))
			}
			if len(names) == 0 {
				return nil, out, badf("no site named %s: no site is configured or indexed", quoted(in.Site))
			}
			return nil, out, badf("no site named %s: the sites are %s%s", quoted(in.Site), strings.Join(known, ", "), more)
		}
		names = []string{in.Site}
	}
	if len(names) > MaxSites {
		names, out.Truncated = names[:MaxSites], true
	}
	for _, name := range names {
		row := rows[name]
		q := index.Query{Filters: []index.Filter{{Field: "site", Values: []string{name}}}, Facets: []string{"status"},
			Sort: []index.Sort{{Field: "last_seen", Desc: true}}, Limit: 1}
		r, err := s.Index.Search(ctx, q)
		if err != nil {
			return nil, out, s.fail("list_sites", err)
		}
		row.Open, row.Closed = r.Facets["status"][index.StatusOpen], r.Facets["status"][index.StatusClosed]
		row.Postings = r.Total
		if len(r.Hits) > 0 && !r.Hits[0].LastSeen.IsZero() {
			t := r.Hits[0].LastSeen
			row.LastSeen = &t
		}
		if c := status[name].Coverage; len(c) > 0 {
			row.Coverage, row.CoverageFrom = maps.Clone(c), "last_run"
		} else if row.Open > 0 {
			if row.Coverage, err = s.coverage(ctx, name); err != nil {
				return nil, out, s.fail("list_sites", err)
			}
			row.CoverageFrom = "index"
		}
		out.Sites = append(out.Sites, *row)
	}
	return nil, out, nil
}

// coverage is the share of a site's open postings in the index that carry
// each field, over CoverageSample of them at most.
func (s *server) coverage(ctx context.Context, site string) (map[string]float64, error) {
	var cov crawler.Coverage
	n := 0
	err := s.Index.Each(ctx, site, func(r index.Record) error {
		if r.Status != index.StatusOpen {
			return nil
		}
		cov.Add(r.Posting)
		if n++; n >= CoverageSample {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	return cov.Shares(), nil
}
