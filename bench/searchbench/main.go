// Command searchbench compares, in one run and on the same postings, the
// three search backends jobcrawl has had or considered: Bleve (the old
// embedded index), the engine (index/embedded, the default) and SQLite FTS5
// (an adapter in this module, through the pure-Go modernc.org/sqlite).
//
// For each corpus, size and backend it builds an index in a fresh child
// process of its own binary, then opens it in another one and runs four
// query shapes, so each backend's RSS is its own. It prints a markdown
// table to stdout (or JSON with -json), progress to stderr, and exits
// non-zero when the backends' totals disagree where their semantics are
// the same (see README.md).
//
//	cd bench/searchbench && go run . -sizes 10000,100000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case errors.Is(err, errMismatch):
		fmt.Fprintln(os.Stderr, "searchbench:", err)
		os.Exit(3)
	case err != nil:
		fmt.Fprintln(os.Stderr, "searchbench:", err)
		os.Exit(1)
	}
}

// options are the command line, of the parent and of the children.
type options struct {
	sizes         []int
	corpora       []string
	backends      []string
	queries       int
	warmup        int
	seed          uint64
	corpusDir     string
	workDir       string
	keep          bool
	json          bool
	allowMismatch bool
	bleveMax      int
	report        string

	// child only
	child       string // "build" or "query"
	backend     string
	corpus      string
	n           int
	dir         string
	queriesFile string
}

func parseOptions(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("searchbench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: searchbench [flags]\n\nBuilds and queries Bleve, the engine and SQLite FTS5 indexes of the same postings side by side.\n\n")
		fs.PrintDefaults()
	}
	sizes := fs.String("sizes", "10000,100000", "comma-separated index sizes in postings (1000000 allowed)")
	corpora := fs.String("corpora", corpusGenerated+","+corpusRealistic, "comma-separated corpora: generated, realistic")
	backends := fs.String("backends", backendBleve+","+backendEngine+","+backendSQLite, "comma-separated backends: bleve, engine, sqlite")
	fs.IntVar(&o.queries, "queries", 200, "queries per shape")
	fs.IntVar(&o.warmup, "warmup", 50, "queries of each shape run once untimed before timing the shape")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the postings and the queries")
	fs.StringVar(&o.corpusDir, "corpus-dir", "../../../shared/corpus", "the shared corpus of real careers pages the realistic corpus reads")
	fs.StringVar(&o.workDir, "workdir", "", "where the indexes are built (default: a temporary directory, removed after)")
	fs.BoolVar(&o.keep, "keep", false, "keep the built indexes")
	fs.BoolVar(&o.json, "json", false, "print the results as JSON instead of markdown")
	fs.BoolVar(&o.allowMismatch, "allow-mismatch", false, "exit 0 even when backends' totals disagree")
	fs.IntVar(&o.bleveMax, "bleve-max", 100_000, "largest size Bleve is run at (it takes long beyond)")
	fs.StringVar(&o.report, "report", "", "print the markdown of a JSON result file written by -json, and run nothing")
	fs.StringVar(&o.child, "child", "", "internal: run one phase (build or query) of one backend and print JSON")
	fs.StringVar(&o.backend, "backend", "", "internal: the child's backend")
	fs.StringVar(&o.corpus, "corpus", "", "internal: the child's corpus")
	fs.IntVar(&o.n, "n", 0, "internal: the child's number of postings")
	fs.StringVar(&o.dir, "dir", "", "internal: the child's index directory")
	fs.StringVar(&o.queriesFile, "queries-file", "", "internal: the child's query set")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for s := range strings.SplitSeq(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-sizes: %q is no positive number", s)
		}
		o.sizes = append(o.sizes, n)
	}
	o.corpora = splitList(*corpora)
	o.backends = splitList(*backends)
	for _, c := range o.corpora {
		if c != corpusGenerated && c != corpusRealistic {
			return nil, fmt.Errorf("-corpora: unknown corpus %q", c)
		}
	}
	for _, b := range o.backends {
		if b != backendBleve && b != backendEngine && b != backendSQLite {
			return nil, fmt.Errorf("-backends: unknown backend %q", b)
		}
	}
	if o.queries <= 0 || o.warmup < 0 {
		return nil, fmt.Errorf("-queries must be positive and -warmup not negative")
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func run(ctx context.Context, args []string) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	switch o.child {
	case "":
		if o.report != "" {
			return printReport(o, o.report)
		}
		return runParent(ctx, o)
	case "build":
		res, err := build(ctx, o, o.dir)
		if err != nil {
			return err
		}
		return writeJSON(os.Stdout, res)
	case "query":
		res, err := serve(ctx, o, o.dir)
		if err != nil {
			return err
		}
		return writeJSON(os.Stdout, res)
	}
	return fmt.Errorf("-child: unknown phase %q", o.child)
}
