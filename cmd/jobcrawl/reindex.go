package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/meili"
)

// reindexFence, when set, guards reindex's switch against the daemons'
// writes: it is called once the configuration is loaded; reindex then
// calls fence right before it swaps the new index in (a failure means no
// swap) and release when it is done, whatever happened (after the swap,
// its last catch-up and the deletion of the old index). nil, as are a nil
// fence and a nil release, means no guard.
var reindexFence func(ctx context.Context, cfg *Config) (fence func(context.Context) error, release func(), err error)

// reindexSummary is what reindex reports (--json prints it).
type reindexSummary struct {
	Backend   string   `json:"backend"`
	Index     string   `json:"index"`     // the directory, or the Meilisearch index uid
	Copied    int64    `json:"copied"`    // postings the bulk copy copied
	CaughtUp  int64    `json:"caught_up"` // copied again: written during the copy
	Salvaged  int64    `json:"salvaged"`  // recovered from an interrupted rebuild's old index
	OldCount  int64    `json:"old_count"` // postings in the index before
	NewCount  int64    `json:"new_count"` // and after
	Renamed   bool     `json:"renamed"`   // no live index: the new one was renamed into place
	Leftovers []string `json:"leftovers"` // what interrupted rebuilds left, deleted
	Seconds   float64  `json:"seconds"`
}

func runReindex(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("reindex", "[--allow-shrink] [--demo] [--json] [--quiet]", `Rebuilds the index from the postings it holds and switches to the new one (blue/green):
settings first, then every posting, a page at a time. Searches keep being answered by the
old index until the switch. It refuses to switch when the new index holds more than 10%
fewer postings than the live one (--allow-shrink switches anyway); the live index is then
left as it was. What an interrupted reindex left behind is deleted by the next one.

Meilisearch: the new index is built as INDEX__rebuild_UNIXTIME and swapped in with POST
/swap-indexes, then the old one is deleted; crawls and daemons may keep writing meanwhile
(what they write during the copy is copied again, before and after the swap).

Embedded: the new index is built in DATA_DIR/engine.rebuild and renamed into place. It needs
the index to itself: stop the daemon (and any crawl) first.

    jobcrawl reindex
    jobcrawl reindex --json --config /etc/jobcrawl/config.yaml`)
	allowShrink := fs.Bool("allow-shrink", false, "switch even when the new index holds more than 10% fewer postings")
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	demo := fs.Bool("demo", false, "rebuild the demo's index (what crawl --demo filled), not the configured one")
	quiet := fs.Bool("quiet", false, "no progress display")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("reindex takes no arguments (got %q)", pos)
	}
	load := loadConfigOrDefault
	if *demo {
		load = demoIndex
	}
	cfg, err := load(e.configPath)
	if err != nil {
		return err
	}

	var fence func(context.Context) error
	if reindexFence != nil {
		f, release, err := reindexFence(ctx, cfg)
		if err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		if release != nil {
			defer release()
		}
		fence = f
	}
	prog := &reindexProgress{w: e.stderr, on: !*quiet && isTerminal(e.stderr)}
	start := time.Now()
	var sum reindexSummary
	switch cfg.Index.Backend {
	case "embedded":
		dir := cfg.dataDir()
		if !embedded.Exists(dir) {
			return noIndexError(cfg)
		}
		rep, err := embedded.Rebuild(ctx, dir, embedded.RebuildOptions{AllowShrink: *allowShrink, Fence: fence, Progress: prog.update})
		prog.done()
		if errors.Is(err, embedded.ErrLocked) {
			return indexLocked(cfg, err)
		}
		if err != nil {
			return shrinkHint(err, errors.Is(err, embedded.ErrShrunk))
		}
		sum = reindexSummary{Backend: "embedded", Index: dir, Copied: rep.Copied, OldCount: rep.OldCount,
			NewCount: rep.NewCount, Leftovers: rep.Leftovers}
	case "meilisearch":
		ix, err := openIndex(cfg)
		if err != nil {
			return err
		}
		defer ix.Close()
		m, ok := ix.(*meili.Index)
		if !ok {
			return fmt.Errorf("reindex: the meilisearch backend is a %T", ix)
		}
		rep, err := m.Rebuild(ctx, meili.RebuildOptions{AllowShrink: *allowShrink, Fence: fence, Progress: prog.update})
		prog.done()
		if err != nil {
			return shrinkHint(err, errors.Is(err, meili.ErrShrunk))
		}
		sum = reindexSummary{Backend: "meilisearch", Index: rep.Index, Copied: rep.Copied, CaughtUp: rep.CaughtUp,
			Salvaged: rep.Salvaged, OldCount: rep.OldCount, NewCount: rep.NewCount, Renamed: rep.Renamed, Leftovers: rep.Leftovers}
	default:
		return fmt.Errorf("reindex: index.backend %q: not available", cfg.Index.Backend)
	}
	sum.Seconds = time.Since(start).Seconds()
	if sum.Leftovers == nil {
		sum.Leftovers = []string{}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	printReindex(e.stdout, sum, cfg)
	return nil
}

// shrinkHint adds to a refused switch how to force it.
func shrinkHint(err error, shrunk bool) error {
	if !shrunk {
		return err
	}
	return fmt.Errorf("%w\nfind out why postings are missing, or pass --allow-shrink to switch anyway", err)
}

func printReindex(w io.Writer, s reindexSummary, cfg *Config) {
	where := "the embedded index in " + s.Index
	if s.Backend == "meilisearch" {
		where = fmt.Sprintf("the Meilisearch index %s on %s", s.Index, redactedURL(cfg.Index.Meilisearch.URL))
	}
	for _, l := range s.Leftovers {
		fmt.Fprintf(w, "deleted %s, left by a reindex that did not finish\n", l)
	}
	if s.Salvaged > 0 {
		fmt.Fprintf(w, "recovered %d postings written during that reindex\n", s.Salvaged)
	}
	how := "switched to"
	if s.Renamed {
		how = "created (there was none)"
	}
	fmt.Fprintf(w, "reindexed %s: %d postings copied, %d caught up; %d postings before, %d now; %s the new index in %.1fs\n",
		where, s.Copied, s.CaughtUp, s.OldCount, s.NewCount, how, s.Seconds)
}

// reindexProgress shows how far the copy is on a terminal.
type reindexProgress struct {
	w    io.Writer
	on   bool
	mu   sync.Mutex
	last time.Time
}

func (p *reindexProgress) update(copied, total int64) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 200*time.Millisecond && copied < total {
		return
	}
	p.last = time.Now()
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(copied) / float64(total)
	}
	fmt.Fprintf(p.w, "\r\033[Kreindex: %d of %d postings copied (%.0f%%)", copied, total, pct)
}

func (p *reindexProgress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
