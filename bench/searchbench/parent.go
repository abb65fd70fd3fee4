package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
)

// errMismatch is returned when backends disagree where they must not.
var errMismatch = errors.New("backends disagree")

// runResult is one backend on one corpus at one size.
type runResult struct {
	Corpus  string       `json:"corpus"`
	N       int          `json:"postings"`
	Backend string       `json:"backend"`
	Build   *buildResult `json:"build"`
	Query   *queryResult `json:"query"`
}

// check is one comparison between backends over one shape's queries.
type check struct {
	Corpus     string   `json:"corpus"`
	N          int      `json:"postings"`
	Shape      string   `json:"shape"`
	What       string   `json:"what"`
	Backends   []string `json:"backends"`
	Queries    int      `json:"queries"`
	Mismatches int      `json:"mismatches"`
	Examples   []string `json:"examples,omitempty"`
	Enforced   bool     `json:"enforced"`
}

// report is the JSON output.
type report struct {
	Queries int                            `json:"queries_per_shape"`
	Warmup  int                            `json:"warmup"`
	Runs    []runResult                    `json:"runs"`
	Checks  []check                        `json:"checks"`
	Words   map[string]map[string][]string `json:"query_words"` // "corpus/size" → band → words
	Notes   []string                       `json:"notes,omitempty"`
}

// runParent runs every corpus × size × backend in child processes, then
// compares and reports.
func runParent(ctx context.Context, o *options) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	work := o.workDir
	if work == "" {
		if work, err = os.MkdirTemp("", "searchbench"); err != nil {
			return fmt.Errorf("create work dir: %w", err)
		}
		if !o.keep {
			defer os.RemoveAll(work)
		}
	}
	rep := &report{Queries: o.queries, Warmup: o.warmup, Words: map[string]map[string][]string{}}
	for _, corpus := range o.corpora {
		for _, n := range o.sizes {
			err := runOne(ctx, o, exe, work, corpus, n, rep)
			if errors.Is(err, errNoCorpus) {
				note := fmt.Sprintf("corpus %s skipped: %v", corpus, err)
				logf("%s", note)
				rep.Notes = append(rep.Notes, note)
				break
			}
			if err != nil {
				return err
			}
		}
	}
	if o.json {
		if err := writeJSON(os.Stdout, rep); err != nil {
			return err
		}
	} else {
		printMarkdown(os.Stdout, rep)
	}
	return verdict(o, rep)
}

// verdict fails a run whose enforced checks found mismatches.
func verdict(o *options, rep *report) error {
	for _, c := range rep.Checks {
		if c.Enforced && c.Mismatches > 0 && !o.allowMismatch {
			return fmt.Errorf("%w: %s %d %s %s (%s): %d of %d queries (-allow-mismatch to ignore)",
				errMismatch, c.Corpus, c.N, c.Shape, c.What, strings.Join(c.Backends, " vs "), c.Mismatches, c.Queries)
		}
	}
	return nil
}

// printReport prints the markdown of a report saved with -json.
func printReport(o *options, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read report: %w", err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("read report %s: %w", path, err)
	}
	if rep.Queries == 0 { // written before the header was
		rep.Queries, rep.Warmup = o.queries, o.warmup
	}
	printMarkdown(os.Stdout, &rep)
	return verdict(o, &rep)
}

// runOne runs the backends on one corpus at one size.
func runOne(ctx context.Context, o *options, exe, work, corpus string, n int, rep *report) error {
	logf("%s, %d postings: choosing queries", corpus, n)
	src, err := newSource(corpus, o.seed, o.corpusDir)
	if err != nil {
		return err
	}
	st := collectStats(src, n)
	if rs, ok := src.(*realistic); ok {
		st.real = map[string]bool{}
		for _, w := range rs.pool.words {
			st.real[w] = true
		}
	}
	qs, err := makeQueries(st, o.queries, o.seed)
	if err != nil {
		return fmt.Errorf("%s, %d postings: %w", corpus, n, err)
	}
	rep.Words[corpus+"/"+strconv.Itoa(n)] = qs.Words
	for b, ws := range qs.Words {
		logf("  %s words: %s", b, strings.Join(ws[:min(8, len(ws))], ", "))
	}
	base := filepath.Join(work, fmt.Sprintf("%s-%d", corpus, n))
	if err := os.MkdirAll(base, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", base, err)
	}
	qfile := filepath.Join(base, "queries.json")
	f, err := os.Create(qfile)
	if err != nil {
		return fmt.Errorf("write queries: %w", err)
	}
	if err := writeJSON(f, qs); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write queries: %w", err)
	}

	var runs []runResult
	for _, b := range o.backends {
		if b == backendBleve && n > o.bleveMax {
			logf("%s, %d postings: bleve skipped (over -bleve-max %d)", corpus, n, o.bleveMax)
			continue
		}
		dir := filepath.Join(base, b)
		args := []string{"-backend", b, "-corpus", corpus, "-n", strconv.Itoa(n), "-dir", dir,
			"-seed", strconv.FormatUint(o.seed, 10), "-corpus-dir", o.corpusDir}
		start := time.Now()
		logf("%s, %d postings, %s: building", corpus, n, b)
		var br buildResult
		if err := runChild(ctx, exe, append(args, "-child", "build"), &br); err != nil {
			return fmt.Errorf("%s %s %d: build: %w", corpus, b, n, err)
		}
		logf("%s, %d postings, %s: %.0f postings/s, %.1f MB; querying", corpus, n, b, br.Rate, mb(br.DiskBytes))
		var qr queryResult
		err := runChild(ctx, exe, append(args, "-child", "query", "-queries-file", qfile, "-warmup", strconv.Itoa(o.warmup)), &qr)
		if err != nil {
			return fmt.Errorf("%s %s %d: query: %w", corpus, b, n, err)
		}
		logf("%s, %d postings, %s: done in %s", corpus, n, b, time.Since(start).Round(time.Second))
		if !o.keep {
			os.RemoveAll(dir)
		}
		runs = append(runs, runResult{Corpus: corpus, N: n, Backend: b, Build: &br, Query: &qr})
	}
	rep.Runs = append(rep.Runs, runs...)
	rep.Checks = append(rep.Checks, compare(corpus, n, qs, runs)...)
	return nil
}

// runChild runs this binary with args and decodes its JSON output into v;
// the child's stderr (its progress) goes to ours.
func runChild(ctx context.Context, exe string, args []string, v any) error {
	cmd := exec.CommandContext(ctx, exe, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return err
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		return fmt.Errorf("read child output: %w", err)
	}
	return nil
}

// compare checks the backends' answers against each other:
//
//   - totals of the shapes in checkedShapes, every pair of backends: the
//     query words were chosen so that all three match the same postings
//   - facet counts, engine vs SQLite: both count disjunctively
//   - facet counts, Bleve vs the others, on the facets the query does not
//     also filter on: Bleve's counts are conjunctive (they honour the
//     facet's own filter), so only those can agree
//   - the dates of the hits of the by-date shape, in order (ties may be
//     ordered differently; the dates may not)
//
// The typo shape's totals are compared too but not enforced: the engine
// finds the misspelled word, Bleve and SQLite cannot.
func compare(corpus string, n int, qs *querySet, runs []runResult) []check {
	var out []check
	byName := map[string]*runResult{}
	for i := range runs {
		byName[runs[i].Backend] = &runs[i]
	}
	pairs := [][2]string{{backendBleve, backendEngine}, {backendEngine, backendSQLite}, {backendBleve, backendSQLite}}
	for _, shape := range shapes {
		queries := qs.Shapes[shape]
		for _, p := range pairs {
			a, b := byName[p[0]], byName[p[1]]
			if a == nil || b == nil {
				continue
			}
			ra, rb := a.Query.Shapes[shape], b.Query.Shapes[shape]
			c := check{Corpus: corpus, N: n, Shape: shape, What: "totals", Backends: p[:], Queries: len(queries), Enforced: checkedShapes[shape]}
			for i := range queries {
				if ra.Totals[i] != rb.Totals[i] {
					c.Mismatches++
					if len(c.Examples) < 3 {
						c.Examples = append(c.Examples, fmt.Sprintf("%s: %s %d, %s %d", describe(queries[i]), p[0], ra.Totals[i], p[1], rb.Totals[i]))
					}
				}
			}
			out = append(out, c)

			if len(ra.Facets) == len(queries) && len(rb.Facets) == len(queries) && checkedShapes[shape] {
				c := check{Corpus: corpus, N: n, Shape: shape, What: "facet counts", Backends: p[:], Queries: len(queries), Enforced: true}
				bleve := p[0] == backendBleve || p[1] == backendBleve
				if bleve {
					c.What = "facet counts of unfiltered facets"
				}
				for i, q := range queries {
					for _, f := range q.Facets {
						if bleve && q.HasFilter(f) {
							continue
						}
						if fa, fb := ra.Facets[i][f], rb.Facets[i][f]; fa != fb {
							c.Mismatches++
							if len(c.Examples) < 3 {
								c.Examples = append(c.Examples, fmt.Sprintf("%s, facet %s: %s {%s}, %s {%s}", describe(q), f,
									p[0], oneLine(fa), p[1], oneLine(fb)))
							}
							break
						}
					}
				}
				out = append(out, c)
			}
			if len(ra.Dates) == len(queries) && len(rb.Dates) == len(queries) && checkedShapes[shape] {
				c := check{Corpus: corpus, N: n, Shape: shape, What: "hit dates in order", Backends: p[:], Queries: len(queries), Enforced: true}
				for i := range queries {
					if !slices.Equal(ra.Dates[i], rb.Dates[i]) {
						c.Mismatches++
						if len(c.Examples) < 3 {
							c.Examples = append(c.Examples, fmt.Sprintf("%s: %s %v, %s %v", describe(queries[i]), p[0], ra.Dates[i], p[1], rb.Dates[i]))
						}
					}
				}
				out = append(out, c)
			}
		}
	}
	return out
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", ", ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// printMarkdown writes the results table, the totals and the checks.
func printMarkdown(w io.Writer, rep *report) {
	fmt.Fprintf(w, "Latencies in ms, p50 / p95 / p99 of %d queries per shape after %d warm-up queries.\n\n", rep.Queries, rep.Warmup)
	fmt.Fprint(w, "| corpus | postings | backend | index postings/s | disk MB | build RSS MB | query RSS MB | open ms |")
	for _, s := range shapes {
		fmt.Fprintf(w, " %s |", s)
	}
	fmt.Fprint(w, "\n|---|--:|---|--:|--:|--:|--:|--:|")
	for range shapes {
		fmt.Fprint(w, "--:|")
	}
	fmt.Fprintln(w)
	for _, r := range rep.Runs {
		fmt.Fprintf(w, "| %s | %d | %s | %.0f | %.1f | %.0f | %.0f | %.1f |", r.Corpus, r.N, r.Backend, r.Build.Rate,
			mb(r.Build.DiskBytes), mb(r.Build.PeakRSS), mb(r.Query.PeakRSS), r.Query.OpenMS)
		for _, s := range shapes {
			sr := r.Query.Shapes[s]
			fmt.Fprintf(w, " %s / %s / %s |", fmtMS(sr.P50), fmtMS(sr.P95), fmtMS(sr.P99))
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintln(w, "\nTotals: mean total per query, and how many queries matched anything.")
	fmt.Fprintln(w, "\n| corpus | postings | backend | "+strings.Join(shapes, " | ")+" |")
	fmt.Fprintln(w, "|---|--:|---|"+strings.Repeat("--:|", len(shapes)))
	for _, r := range rep.Runs {
		fmt.Fprintf(w, "| %s | %d | %s |", r.Corpus, r.N, r.Backend)
		for _, s := range shapes {
			ts := r.Query.Shapes[s].Totals
			sum, hit := 0, 0
			for _, t := range ts {
				sum += t
				if t > 0 {
					hit++
				}
			}
			fmt.Fprintf(w, " %.0f (%d/%d) |", float64(sum)/float64(len(ts)), hit, len(ts))
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintln(w, "\nChecks (enforced ones fail the run unless -allow-mismatch):")
	fmt.Fprintln(w)
	for _, c := range rep.Checks {
		status := "ok"
		if c.Mismatches > 0 {
			status = fmt.Sprintf("%d/%d MISMATCH", c.Mismatches, c.Queries)
		}
		kind := "enforced"
		if !c.Enforced {
			kind = "reported only"
		}
		fmt.Fprintf(w, "- %s %d, %s, %s, %s: %s (%s)\n", c.Corpus, c.N, c.Shape, c.What, strings.Join(c.Backends, " vs "), status, kind)
		for _, e := range c.Examples {
			fmt.Fprintf(w, "  - %s\n", e)
		}
	}
	if len(rep.Words) > 0 {
		fmt.Fprintln(w, "\nQuery words by band (share of postings holding them), first ten:")
		fmt.Fprintln(w)
		for _, k := range slices.Sorted(maps.Keys(rep.Words)) {
			for _, b := range bands {
				if ws := rep.Words[k][b.name]; len(ws) > 0 {
					fmt.Fprintf(w, "- %s, %s: %s\n", k, b.name, strings.Join(ws[:min(10, len(ws))], ", "))
				}
			}
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}

// describe is a short form of a query for the examples.
func describe(q index.Query) string {
	var parts []string
	if q.Text != "" {
		parts = append(parts, strconv.Quote(q.Text))
	}
	for _, f := range q.Filters {
		parts = append(parts, f.Field+"="+strings.Join(f.Values, "|"))
	}
	if len(parts) == 0 {
		return "(no text)"
	}
	return strings.Join(parts, " ")
}

func fmtMS(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
