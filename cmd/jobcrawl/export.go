package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jobcrawl/jobcrawl/export"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// exportSummary is what export reports at its end (on stderr; as JSON with --json).
type exportSummary struct {
	Postings int64   `json:"postings"` // -1 through --server when the daemon did not say
	Bytes    int64   `json:"bytes"`
	Seconds  float64 `json:"seconds"`
	Format   string  `json:"format"`
	Out      string  `json:"out"`
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("export", "[QUERY] [--filter field=value]... [--sort field:asc|desc] [--all] [--format jsonl|csv|jsonld] [--out FILE|-] [--excel] [--progress] [--json] [--server URL]",
		"Streams every posting that matches QUERY and the filters out of the index, with no\n"+
			"cap: the query, filters and status rule of jobcrawl search (open postings only,\n"+
			"unless a status filter says otherwise or --all). Memory does not grow with the number\n"+
			"of postings that match.\n\n"+
			"Formats: jsonl (one posting a line, the fields of the HTTP API: jobcrawl import reads\n"+
			"it back), csv (RFC 4180, a header row, lists joined by \"; \", cells that a spreadsheet\n"+
			"would run as a formula made inert with a leading '), jsonld (one JSON-LD document of\n"+
			"schema.org JobPosting nodes). Without --sort postings come in the index's own order.\n\n"+
			"--out FILE is written beside FILE and renamed when complete: an export that fails\n"+
			"leaves no partial FILE (a device or a pipe, /dev/null, is written in place). A\n"+
			"summary (postings, bytes, seconds) goes to stderr.\n\n"+
			"Filterable fields: "+strings.Join(index.FacetFields, ", ")+"\n"+
			"Sortable fields: "+strings.Join(index.SortFields, ", ")+"\n\n"+
			"While the daemon runs, export through it: --server http://127.0.0.1:7800.\n"+
			"See docs/export.md.")
	var filters stringList
	fs.Var(&filters, "filter", "keep postings whose `field=value` (repeatable)")
	sortSpec := fs.String("sort", "", "order by `field:asc|desc` (default: the index's order)")
	all := fs.Bool("all", false, "include closed postings")
	formatName := fs.String("format", "jsonl", "output `format`: jsonl, csv or jsonld")
	out := fs.String("out", "-", "write to `FILE` (- for stdout)")
	excel := fs.Bool("excel", false, "start a CSV export with a UTF-8 byte order mark, for Excel")
	progress := fs.Bool("progress", false, "report progress on stderr (the default when stderr is a terminal)")
	asJSON := fs.Bool("json", false, `print the summary as JSON {"postings","bytes","seconds","format","out"} on stderr`)
	demo := fs.Bool("demo", false, "export the demo's index, not the configured one")
	server := fs.String("server", "", "export through a running daemon at `URL` (http://127.0.0.1:7800) instead of opening the index")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	format, err := export.ParseFormat(*formatName)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if *excel && format != export.CSV {
		return usagef("--excel is for --format csv")
	}
	q := index.Query{Text: strings.Join(pos, " ")}
	if _, err := queryFlags(&q, filters, *sortSpec, *all); err != nil {
		return err
	}
	if err := q.Validate(); err != nil {
		return usageError{err}
	}

	// the output: stdout, or a temporary file renamed over FILE at the end
	var w io.Writer = e.stdout
	commit := func() error { return nil }
	if fi, err := os.Stat(*out); err == nil && !fi.Mode().IsRegular() && *out != "-" {
		// a device or a pipe (/dev/null, a FIFO): written in place
		f, err := os.OpenFile(*out, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		w = f
	} else if *out != "-" && *out != "" {
		f, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*.tmp")
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		done := false
		defer func() {
			if !done {
				f.Close()
				os.Remove(f.Name())
			}
		}()
		w = f
		commit = func() error {
			done = true
			err := f.Chmod(0o644) // CreateTemp made it 0600
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(f.Name())
				return err
			}
			if err := os.Rename(f.Name(), *out); err != nil {
				os.Remove(f.Name())
				return err
			}
			return nil
		}
	}
	sum := exportSummary{Format: string(format), Out: *out}
	start := time.Now()
	var count, bytes atomic.Int64
	stopProgress := startExportProgress(e.stderr, *progress || isTerminal(e.stderr), &count, &bytes)
	if *server != "" {
		err = remoteExport(ctx, *server, q, format, *excel, w, &count, &bytes)
	} else {
		err = localExport(ctx, e, *demo, q, format, *excel, w, &count, &bytes)
	}
	stopProgress()
	if err == nil {
		err = commit()
	}
	if err != nil {
		return err
	}
	sum.Postings, sum.Bytes, sum.Seconds = count.Load(), bytes.Load(), time.Since(start).Seconds()
	if *asJSON {
		return json.NewEncoder(e.stderr).Encode(sum)
	}
	what := fmt.Sprintf("%d postings", sum.Postings)
	if sum.Postings < 0 {
		what = "postings"
	}
	where := ""
	if sum.Out != "-" {
		where = " to " + sum.Out
	}
	fmt.Fprintf(e.stderr, "Exported %s (%s, %s)%s in %.1fs.\n", what, exportSize(sum.Bytes), format, where, sum.Seconds)
	return nil
}

// localExport streams the records from the configured index. A query
// without text or sort on the embedded index reads its record store only
// (embedded.ScanDir), never loading the search index: constant memory
// whatever its size. Other queries open the index and scan it.
func localExport(ctx context.Context, e *env, demo bool, q index.Query, format export.Format, excel bool, w io.Writer, count, bytes *atomic.Int64) error {
	load := loadConfigOrDefault
	if demo {
		load = demoIndex
	}
	cfg, err := load(e.configPath)
	if err != nil {
		return err
	}
	ew, err := export.NewWriter(w, format, export.Options{Excel: excel})
	if err != nil {
		return err
	}
	fn := func(r index.Record) error {
		if err := ew.Write(r); err != nil {
			return fmt.Errorf("export: write: %w", err)
		}
		count.Add(1)
		bytes.Store(ew.Bytes())
		return nil
	}
	locked := func(err error) error {
		if errors.Is(err, embedded.ErrLocked) {
			return fmt.Errorf("%w\nwhile the daemon runs, export through it: jobcrawl export --server http://%s ...", err, cfg.Daemon.Listen)
		}
		return err
	}
	err = embedded.ErrNeedsIndex
	if cfg.Index.Backend == "embedded" {
		if !embedded.Exists(cfg.dataDir()) {
			return noIndexError(cfg)
		}
		err = embedded.ScanDir(ctx, cfg.dataDir(), q, fn)
	}
	if errors.Is(err, embedded.ErrNeedsIndex) {
		var ix index.Index
		ix, err = openExisting(cfg)
		if err != nil {
			return locked(err)
		}
		defer ix.Close()
		err = index.Scan(ctx, ix, q, fn)
	}
	if errors.Is(err, index.ErrBadQuery) {
		return usageError{err}
	}
	if err != nil {
		return locked(err)
	}
	if err := ew.Close(); err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	bytes.Store(ew.Bytes())
	return nil
}

// Trailers of GET /api/export (see web/export.go).
const (
	exportTrailerCount = "Jobcrawl-Export-Count"
	exportTrailerError = "Jobcrawl-Export-Error"
)

// remoteExport streams GET /api/export of a daemon to w.
func remoteExport(ctx context.Context, server string, q index.Query, format export.Format, excel bool, w io.Writer, count, bytes *atomic.Int64) error {
	base, err := url.Parse(server)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usagef("--server: %q is not an http(s) URL", server)
	}
	// the search's parameters, without its page and facets
	params := queryParams(q)
	for _, k := range []string{"limit", "offset", "facet"} {
		params.Del(k)
	}
	params.Set("format", string(format))
	if excel {
		params.Set("excel", "true")
	}
	u := base.JoinPath("/api/export")
	u.RawQuery = params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("export %s: %w", base.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var e struct {
			Error  string `json:"error"`
			Detail string `json:"detail"`
		}
		if json.Unmarshal(body, &e) != nil || e.Error == "" && e.Detail == "" {
			e.Error = resp.Status
		}
		msg := e.Error
		if msg == "" {
			msg = e.Detail
		}
		if resp.StatusCode == http.StatusBadRequest {
			return usagef("%s", msg)
		}
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			msg += " (retry after " + ra + "s)"
		}
		return fmt.Errorf("export %s: %s", base.Host, msg)
	}
	count.Store(-1)
	buf := make([]byte, 64<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return fmt.Errorf("export: write: %w", err)
			}
			bytes.Add(int64(n))
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("export %s: the stream was cut off: %w", base.Host, rerr)
		}
	}
	if msg := resp.Trailer.Get(exportTrailerError); msg != "" {
		return fmt.Errorf("export %s: the export stopped early: %s", base.Host, msg)
	}
	if n := resp.Trailer.Get(exportTrailerCount); n != "" {
		var c int64
		if _, err := fmt.Sscan(n, &c); err == nil {
			count.Store(c)
		}
	}
	return nil
}

// startExportProgress reports the count and bytes so far on w every second
// (overwriting one line on a terminal) until stop is called.
func startExportProgress(w io.Writer, on bool, count, bytes *atomic.Int64) (stop func()) {
	if !on {
		return func() {}
	}
	term := isTerminal(w)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		start := time.Now()
		printed := false
		for {
			select {
			case <-done:
				if printed && term {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-tick.C:
				n, b := count.Load(), bytes.Load()
				line := fmt.Sprintf("exporting: %s, %s, %.0fs", exportPostings(n), exportSize(b), time.Since(start).Seconds())
				if term {
					fmt.Fprint(w, "\r\033[K"+line)
				} else {
					fmt.Fprintln(w, line)
				}
				printed = true
			}
		}
	}()
	return func() { close(done); <-finished }
}

func exportPostings(n int64) string {
	if n < 0 {
		return "? postings"
	}
	return fmt.Sprintf("%d postings", n)
}

// exportSize is a byte count for a reader: "512 B", "3.4 MB".
func exportSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}
