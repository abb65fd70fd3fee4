package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jobcrawl/jobcrawl/export"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// maxReportedLines is how many skipped lines import names one by one; the
// rest are counted.
const maxReportedLines = 100

// importSummary is what import reports (as JSON with --json).
type importSummary struct {
	Imported int64           `json:"imported"`
	Skipped  int64           `json:"skipped"`
	Seconds  float64         `json:"seconds"`
	Bad      []importBadLine `json:"bad_lines"` // the first maxReportedLines
}

type importBadLine struct {
	Line   int64  `json:"line"`
	Reason string `json:"reason"`
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("import", "FILE.jsonl|- [--batch N] [--json]",
		"Loads a JSON Lines export (jobcrawl export --format jsonl, or GET /api/export) into\n"+
			"the configured index, creating it when missing: the way to move postings between\n"+
			"backends and machines. Records are upserted by id in batches: a record already in\n"+
			"the index is replaced. A line that is not a valid record is reported on stderr with\n"+
			"its number and the reason, and skipped; every other line is imported.\n\n"+
			"Exit status 0 when every line was imported, 1 when some were skipped (or the index\n"+
			"failed), 2 for a usage error. The embedded index serves one process at a time: stop\n"+
			"the daemon before importing into it. See docs/export.md.")
	batch := fs.Int("batch", 500, "records per write to the index")
	asJSON := fs.Bool("json", false, `print {"imported","skipped","seconds","bad_lines"} as JSON on stdout`)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usagef("import: name the file to read (FILE.jsonl, or - for stdin)")
	case len(pos) > 1:
		return usagef("import takes one file (got %d)", len(pos))
	case *batch < 1 || *batch > 10000:
		return usagef("--batch %d: want 1 to 10000", *batch)
	}
	name := pos[0]
	var in io.Reader = e.input()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return usagef("import: %v", err)
		}
		defer f.Close()
		in = f
	} else {
		name = "stdin"
	}
	cfg, err := loadConfigOrDefault(e.configPath)
	if err != nil {
		return err
	}
	ix, err := openIndex(cfg)
	if errors.Is(err, embedded.ErrLocked) {
		return fmt.Errorf("%w (stop the daemon first: the embedded index serves one process at a time)", err)
	}
	if err != nil {
		return err
	}
	defer ix.Close()

	start := time.Now()
	sum := importSummary{Bad: []importBadLine{}}
	recs := make([]index.Record, 0, *batch)
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		if err := ix.Upsert(ctx, recs); err != nil {
			return fmt.Errorf("import: write to the index: %w", err)
		}
		sum.Imported += int64(len(recs))
		recs = recs[:0]
		return nil
	}
	err = export.Read(in, func(r index.Record) error {
		recs = append(recs, r)
		if len(recs) == *batch {
			return flush()
		}
		return nil
	}, func(le *export.LineError) error {
		sum.Skipped++
		if len(sum.Bad) < maxReportedLines {
			sum.Bad = append(sum.Bad, importBadLine{Line: le.Line, Reason: le.Reason})
			if !*asJSON {
				fmt.Fprintf(e.stderr, "%s:%d: skipped: %s\n", name, le.Line, le.Reason)
			}
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		if sum.Imported > 0 {
			return fmt.Errorf("%w (%d postings were imported before)", err, sum.Imported)
		}
		return err
	}
	sum.Seconds = time.Since(start).Seconds()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return err
		}
	} else {
		if more := sum.Skipped - int64(len(sum.Bad)); more > 0 {
			fmt.Fprintf(e.stderr, "%s: %d more lines skipped (not listed)\n", name, more)
		}
		fmt.Fprintf(e.stdout, "Imported %d postings, skipped %d lines, in %.1fs.\n", sum.Imported, sum.Skipped, sum.Seconds)
	}
	if sum.Skipped > 0 {
		return errQuiet{exitSiteFailed}
	}
	return nil
}
