package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// searchesFlags are the flags of `jobcrawl searches`, with the
// sub-commands each applies to.
var searchesFlags = map[string][]string{
	"name": {"add"}, "filter": {"add"}, "sort": {"add"}, "realert": {"add"}, "webhook": {"add"}, "format": {"add"},
	"secret": {"add"}, "mode": {"add"}, "backfill": {"add"}, "json": {"list", "add", "show", "test"}, "yes": {"rm"},
	"server": {"list", "add", "show", "rm"},
}

const searchesAbout = `Manages saved searches: queries whose new matches are recorded after each crawl run
(by the daemon, and by jobcrawl crawl), shown in their feeds and pushed to their webhooks.

    list                      the saved searches (secrets masked)
    add [QUERY] --name N ...  save a search; with --webhook, push its new matches there
    show ID                   a saved search: endpoints, messages pending and dead, recent matches
    rm ID                     delete a saved search (what it recorded, its pending messages)
    test ID                   run a saved search now: what matches, newest first

A new saved search starts with what matches now marked as seen: it alerts on postings
first seen from now on (--backfill records the current matches too, up to 10,000).
A job alerts once per saved search: a re-posted URL, a changed title or a reopened
posting of the same job number does not alert again unless --realert says so.

Filters and sort are those of jobcrawl search (--filter countries=Germany). The store
is alerts.path (default data_dir/alerts.db); while a daemon runs it keeps the store:
manage saved searches through it then, with --server http://127.0.0.1:7800.
See docs/alerts.md.`

func runSearches(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("searches", "list|add|show|rm|test [ID|QUERY] [flags]", searchesAbout)
	name := fs.String("name", "", "the saved search's `name` (add; default: its query and filters)")
	var filters, sorts, realert stringList
	fs.Var(&filters, "filter", "keep postings whose `field=value` (add; repeatable)")
	fs.Var(&sorts, "sort", "order by `field:asc|desc` (add; repeatable)")
	fs.Var(&realert, "realert", "alert again when a delivered job is `reopened|changed` (add; repeatable)")
	webhook := fs.String("webhook", "", "push new matches to `URL` (add)")
	format := fs.String("format", "standard", "the webhook's body: `standard|slack|discord|ntfy` (add)")
	secret := fs.String("secret", "", "sign the webhook with `whsec_...` (add; default: one generated and printed once)")
	mode := fs.String("mode", "instant", "`instant|daily`: a message per crawl run that found postings, or one digest a day at alerts.digest_at (add)")
	backfill := fs.Bool("backfill", false, "record what matches now too, instead of marking it seen (add)")
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Bool("yes", false, "(rm) accepted for scripts; rm asks nothing")
	server := fs.String("server", "", "manage the saved searches of a running daemon at `URL` (http://127.0.0.1:7800) through its API (list, add, show, rm)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("searches: name a sub-command: list, add, show, rm or test (see jobcrawl help searches)")
	}
	sub, pos := pos[0], pos[1:]
	if !slices.Contains([]string{"list", "add", "show", "rm", "test"}, sub) {
		return usagef("searches: %q is not list, add, show, rm or test", sub)
	}
	var misplaced error
	fs.Visit(func(f *flag.Flag) {
		if subs, ok := searchesFlags[f.Name]; ok && !slices.Contains(subs, sub) && misplaced == nil {
			misplaced = usagef("searches %s: --%s applies to searches %s only", sub, f.Name, strings.Join(subs, ", "))
		}
	})
	if misplaced != nil {
		return misplaced
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *webhook == "" {
		for _, f := range []string{"format", "secret", "mode"} {
			if set[f] {
				return usagef("searches add: --%s describes a webhook: give --webhook URL too", f)
			}
		}
	}
	if sub == "add" {
		if _, err := index.ParseFilters(filters); err != nil {
			return usagef("searches add: --filter: %s", strings.TrimPrefix(err.Error(), index.ErrBadQuery.Error()+": "))
		}
		for _, s := range sorts {
			if _, err := index.ParseSort(s); err != nil {
				return usagef("searches add: --sort: %s", strings.TrimPrefix(err.Error(), index.ErrBadQuery.Error()+": "))
			}
		}
	}
	needID := func() (string, error) {
		if len(pos) != 1 {
			return "", usagef("searches %s: name one saved search by its id (jobcrawl searches list shows them)", sub)
		}
		return pos[0], nil
	}
	if *server != "" {
		if sub == "add" {
			spec := alerts.Spec{Name: *name, Query: strings.Join(pos, " "), Filters: filters, Sort: sorts, Realert: realert, Backfill: *backfill}
			if *webhook != "" {
				spec.Endpoints = []alerts.EndpointSpec{{URL: *webhook, Format: *format, Secret: *secret, Mode: *mode}}
			}
			return remoteSearches(ctx, e, *server, sub, "", &spec, *asJSON)
		}
		id := ""
		if sub != "list" {
			if id, err = needID(); err != nil {
				return err
			}
		} else if len(pos) > 0 {
			return usagef("searches list takes no arguments (got %q)", pos[0])
		}
		return remoteSearches(ctx, e, *server, sub, id, nil, *asJSON)
	}
	cfg, err := loadConfigOrDefault(e.configPath)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		if len(pos) > 0 {
			return usagef("searches list takes no arguments (got %q)", pos[0])
		}
	case "show", "rm", "test":
		if _, err := needID(); err != nil {
			return err
		}
	case "add":
		spec := alerts.Spec{Name: *name, Query: strings.Join(pos, " "), Filters: filters, Sort: sorts, Realert: realert, Backfill: *backfill}
		if *webhook != "" {
			spec.Endpoints = []alerts.EndpointSpec{{URL: *webhook, Format: *format, Secret: *secret, Mode: *mode}}
		}
		return searchesAdd(ctx, e, cfg, spec, *asJSON)
	}
	st, err := openAlertsCLI(cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		return searchesList(ctx, e, cfg, st, *asJSON)
	case "show":
		return searchesShow(ctx, e, cfg, st, pos[0], *asJSON)
	case "rm":
		if err := st.Delete(ctx, pos[0]); err != nil {
			return searchError(err)
		}
		fmt.Fprintf(e.stdout, "Deleted saved search %s.\n", pos[0])
		return nil
	default:
		return searchesTest(ctx, e, cfg, st, pos[0], *asJSON)
	}
}

// openAlertsCLI opens the alerts store for a command, explaining a lock.
func openAlertsCLI(cfg *Config) (*alerts.Store, error) {
	st, err := openAlerts(cfg)
	if errors.Is(err, alerts.ErrLocked) {
		return nil, fmt.Errorf("%w\na daemon keeps the saved searches while it runs: manage them through it, "+
			"with --server http://%s (or its API: /api/searches)", err, cfg.Daemon.Listen)
	}
	return st, err
}

// searchError turns the store's errors into the command's: a bad or
// unknown saved search is the user's to fix.
func searchError(err error) error {
	switch {
	case errors.Is(err, alerts.ErrInvalid):
		return usagef("searches add: %s", strings.TrimPrefix(err.Error(), alerts.ErrInvalid.Error()+": "))
	case errors.Is(err, alerts.ErrNotFound):
		return usagef("%v (jobcrawl searches list shows them)", err)
	}
	return err
}

// publicBase is the address links are printed with: alerts.base_url,
// else the daemon's listen address.
func (c *Config) publicBase() string {
	if c.Alerts.BaseURL != "" {
		return strings.TrimRight(c.Alerts.BaseURL, "/")
	}
	return "http://" + c.Daemon.Listen
}

func writeSearchJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func searchesAdd(ctx context.Context, e *env, cfg *Config, spec alerts.Spec, asJSON bool) error {
	st, err := openAlertsCLI(cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// what matches now is marked seen: that needs the index (none yet:
	// nothing to mark)
	var ix index.Index
	if cfg.Index.Backend != "embedded" || embedded.Exists(cfg.dataDir()) {
		if ix, err = openIndex(cfg); err != nil {
			return indexLocked(cfg, err)
		}
		defer ix.Close()
	}
	s, secrets, err := st.Create(ctx, ix, spec)
	if err != nil {
		return searchError(err)
	}
	j := s.View(cfg.publicBase())
	if len(secrets) > 0 {
		j.Secrets = secrets
	}
	return printAdded(e, j, spec.Backfill, asJSON)
}

// printAdded prints a saved search just created, with the secrets it
// generated (shown this once).
func printAdded(e *env, j alerts.View, backfill, asJSON bool) error {
	if asJSON {
		return writeSearchJSON(e.stdout, j)
	}
	fmt.Fprintf(e.stdout, "Saved search %s (%s).\n", j.ID, j.Name)
	fmt.Fprintf(e.stdout, "Feeds (served by the daemon):\n  %s\n  %s\n  %s\n", j.Feeds.Atom, j.Feeds.RSS, j.Feeds.JSON)
	for _, ep := range j.Endpoints {
		fmt.Fprintf(e.stdout, "Webhook %s: %s (%s, %s)\n", ep.ID, ep.URL, ep.Format, ep.Mode)
		if sec, ok := j.Secrets[ep.ID]; ok {
			fmt.Fprintf(e.stdout, "  signing secret (shown once, keep it): %s\n", sec)
		}
	}
	if backfill {
		fmt.Fprintln(e.stdout, "The next evaluation records what matches now (--backfill).")
	} else {
		fmt.Fprintln(e.stdout, "What matches now is marked seen: postings first seen from now on are recorded.")
	}
	return nil
}

func searchesList(ctx context.Context, e *env, cfg *Config, st *alerts.Store, asJSON bool) error {
	list, err := st.List(ctx)
	if err != nil {
		return err
	}
	out := []alerts.View{}
	for _, s := range list {
		out = append(out, s.View(cfg.publicBase()))
	}
	return printSearches(e, out, asJSON)
}

// printSearches prints the list of saved searches.
func printSearches(e *env, list []alerts.View, asJSON bool) error {
	if asJSON {
		return writeSearchJSON(e.stdout, struct {
			Searches []alerts.View `json:"searches"`
		}{list})
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "No saved searches. Save one: jobcrawl searches add --name NAME QUERY [--filter field=value]")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tname\tquery\tendpoints\tmatches\tlast evaluated")
	for _, s := range list {
		q := s.Query
		if len(s.Filters) > 0 {
			q = strings.TrimSpace(q + " [" + strings.Join(s.Filters, ", ") + "]")
		}
		last := "never"
		if s.LastEvaluated != nil {
			last = s.LastEvaluated.Local().Format("2006-01-02 15:04")
		}
		var eps []string
		for _, ep := range s.Endpoints {
			d := ep.URL + " " + ep.Format + "/" + ep.Mode
			if ep.Disabled {
				d += " (disabled)"
			}
			eps = append(eps, d)
		}
		if len(eps) == 0 {
			eps = []string{"feeds only"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", s.ID, s.Name, q, strings.Join(eps, "; "), s.Matches, last)
	}
	return tw.Flush()
}

func searchesShow(ctx context.Context, e *env, cfg *Config, st *alerts.Store, id string, asJSON bool) error {
	s, entries, err := st.Feed(ctx, id, 20)
	if err != nil {
		return searchError(err)
	}
	counts, err := st.Counts(ctx, id)
	if err != nil {
		return err
	}
	j := s.View(cfg.publicBase())
	j.Messages, j.Recent = counts, []alerts.Posting{}
	for _, en := range entries {
		j.Recent = append(j.Recent, en.Posting)
	}
	return printSearch(e, j, asJSON)
}

// printSearch prints one saved search with its messages and recent matches.
func printSearch(e *env, j alerts.View, asJSON bool) error {
	if asJSON {
		return writeSearchJSON(e.stdout, j)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s  %s\n", j.ID, j.Name)
	fmt.Fprintf(w, "  query:    %q\n", j.Query)
	if len(j.Filters) > 0 {
		fmt.Fprintf(w, "  filters:  %s\n", strings.Join(j.Filters, ", "))
	}
	if len(j.Realert) > 0 {
		fmt.Fprintf(w, "  realert:  %s\n", strings.Join(j.Realert, ", "))
	}
	fmt.Fprintf(w, "  created:  %s\n", j.Created.Local().Format("2006-01-02 15:04"))
	fmt.Fprintf(w, "  matches:  %d recorded\n", j.Matches)
	fmt.Fprintf(w, "  feeds:    %s  %s  %s\n", j.Feeds.Atom, j.Feeds.RSS, j.Feeds.JSON)
	for _, ep := range j.Endpoints {
		state := "enabled"
		if ep.Disabled {
			state = "disabled: " + ep.DisabledReason
		}
		fmt.Fprintf(w, "  webhook:  %s %s (%s, %s, secret %s, %s)\n", ep.ID, ep.URL, ep.Format, ep.Mode, ep.Secret, state)
	}
	c := j.Messages
	fmt.Fprintf(w, "  messages: %d pending, %d delivered, %d dead\n", c[alerts.StatePending], c[alerts.StateDelivered], c[alerts.StateDead])
	if len(j.Recent) == 0 {
		fmt.Fprintln(w, "No matches recorded yet.")
		return nil
	}
	fmt.Fprintln(w, "Recent matches (newest first):")
	for _, p := range j.Recent {
		fmt.Fprintf(w, "  %s  %s — %s (%s)\n", p.FirstSeen.Local().Format("2006-01-02 15:04"), p.Title, p.Company, p.ID)
	}
	return nil
}

func searchesTest(ctx context.Context, e *env, cfg *Config, st *alerts.Store, id string, asJSON bool) error {
	s, err := st.Get(ctx, id)
	if err != nil {
		return searchError(err)
	}
	q, err := s.IndexQuery()
	if err != nil {
		return err
	}
	q.Sort, q.Limit = []index.Sort{{Field: "first_seen", Desc: true}}, 10
	ix, err := openExisting(cfg)
	if err != nil {
		return indexLocked(cfg, err)
	}
	defer ix.Close()
	res, err := ix.Search(ctx, q)
	if err != nil {
		return err
	}
	if asJSON {
		out := struct {
			Total    int              `json:"total"`
			Postings []alerts.Posting `json:"postings"`
		}{Total: res.Total, Postings: []alerts.Posting{}}
		for _, h := range res.Hits {
			out.Postings = append(out.Postings, alerts.PostingOf(h))
		}
		return writeSearchJSON(e.stdout, out)
	}
	fmt.Fprintf(e.stdout, "%s (%s) matches %d open postings now; the newest:\n", s.ID, s.Name, res.Total)
	for _, h := range res.Hits {
		fmt.Fprintf(e.stdout, "  %s  %s — %s (%s)\n", h.FirstSeen.Local().Format("2006-01-02 15:04"), h.Title, h.Company, h.ID)
	}
	return nil
}

// remoteSearches runs a sub-command through a daemon's API.
func remoteSearches(ctx context.Context, e *env, server, sub, id string, spec *alerts.Spec, asJSON bool) error {
	base, err := url.Parse(server)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usagef("--server: %q is not an http(s) URL", server)
	}
	method, path := http.MethodGet, "/api/searches"
	var body io.Reader
	switch sub {
	case "add":
		method = http.MethodPost
		b, err := json.Marshal(spec)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	case "show":
		path += "/" + url.PathEscape(id)
	case "rm":
		method, path = http.MethodDelete, path+"/"+url.PathEscape(id)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base.JoinPath(path).String(), body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("searches %s: %w", base.Host, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("searches %s: %w", base.Host, err)
	}
	if resp.StatusCode >= 300 {
		var p struct {
			Error  string `json:"error"`
			Detail string `json:"detail"`
		}
		json.Unmarshal(data, &p)
		msg := cmpOr(p.Detail, p.Error, resp.Status)
		if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusNotFound {
			return usagef("searches %s: %s", sub, msg)
		}
		return fmt.Errorf("searches %s: %s: %s", sub, base.Host, msg)
	}
	switch sub {
	case "rm":
		fmt.Fprintf(e.stdout, "Deleted saved search %s.\n", id)
		return nil
	case "list":
		var out struct {
			Searches []alerts.View `json:"searches"`
		}
		if err := json.Unmarshal(data, &out); err != nil {
			return fmt.Errorf("searches %s: %w", base.Host, err)
		}
		return printSearches(e, out.Searches, asJSON)
	}
	var j alerts.View
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("searches %s: %w", base.Host, err)
	}
	if sub == "add" {
		return printAdded(e, j, spec.Backfill, asJSON)
	}
	return printSearch(e, j, asJSON)
}

// cmpOr is the first of vals that is not empty.
func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
