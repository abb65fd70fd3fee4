package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/export"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
	"github.com/jobcrawl/jobcrawl/web"
)

// exportFixture writes n generated postings (every fifth closed, the
// first with a title a spreadsheet would run) into a new embedded index,
// and returns a config pointing at it.
func exportFixture(t *testing.T, n int) (cfg string, recs []index.Record) {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	ix, err := embedded.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	recs = indextest.NewGenerator(21).Next(n)
	recs[0].Title = `=HYPERLINK("http://x","y")`
	recs[1].Description = "Line one, with a comma\nand \"quotes\"."
	for i := range recs {
		if i%5 == 4 {
			recs[i].Status = index.StatusClosed
			at := recs[i].LastSeen
			recs[i].ClosedAt = &at
		}
	}
	if err := ix.Upsert(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	return writeConfig(t, fmt.Sprintf("data_dir: %q\n", data)), recs
}

// publicRecords reads every record of the index of cfg, as the API shows them.
func publicRecords(t *testing.T, cfgPath string) map[string]index.Record {
	t.Helper()
	cfg, err := loadConfigOrDefault(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]index.Record{}
	err = embedded.ScanDir(context.Background(), cfg.dataDir(), index.Query{}, func(r index.Record) error {
		out[r.ID] = r.Public()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExportImportRoundTrip: export --all to a file, import it into a
// fresh index: the same records, every field the API shows equal.
func TestExportImportRoundTrip(t *testing.T) {
	cfg, recs := exportFixture(t, 600)
	file := filepath.Join(t.TempDir(), "all.jsonl")
	code, out, errOut := jobcrawl(t, "export", "--config", cfg, "--all", "--out", file, "--json")
	if code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, errOut)
	}
	var sum exportSummary
	if err := json.Unmarshal([]byte(errOut), &sum); err != nil || sum.Postings != 600 || out != "" {
		t.Fatalf("summary %+v (%v), stdout %q", sum, err, out)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() != sum.Bytes || fi.Mode().Perm() != 0o644 {
		t.Fatalf("file: %v, %d bytes (%v), summary %d", err, fi.Size(), fi.Mode(), sum.Bytes)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*tmp")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}

	fresh := writeConfig(t, fmt.Sprintf("data_dir: %q\n", filepath.Join(t.TempDir(), "fresh")))
	code, out, errOut = jobcrawl(t, "import", "--config", fresh, file, "--json")
	if code != exitOK {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	var isum importSummary
	if err := json.Unmarshal([]byte(out), &isum); err != nil || isum.Imported != 600 || isum.Skipped != 0 {
		t.Fatalf("import summary %+v (%v)", isum, err)
	}
	before, after := publicRecords(t, cfg), publicRecords(t, fresh)
	if len(before) != len(recs) || len(after) != len(before) {
		t.Fatalf("%d records exported, %d imported", len(before), len(after))
	}
	for id, r := range before {
		if !reflect.DeepEqual(after[id], r) {
			t.Errorf("%s differs after the round trip\n%+v\n%+v", id, after[id], r)
		}
	}

	// without --all: open postings only, as search; a text query the same
	// records as search finds
	code, out, errOut = jobcrawl(t, "export", "--config", cfg)
	if code != exitOK || strings.Count(out, "\n") != 480 || !strings.Contains(errOut, "Exported 480 postings") {
		t.Errorf("open only: exit %d, %d lines, %s", code, strings.Count(out, "\n"), errOut)
	}
	code, out, _ = jobcrawl(t, "search", "--config", cfg, "data", "pipelines", "--filter", "countries=Germany", "--json", "--limit", "1")
	var res index.Result
	if err := json.Unmarshal([]byte(out), &res); code != exitOK || err != nil || res.Total == 0 {
		t.Fatalf("search: exit %d, %v", code, err)
	}
	code, out, errOut = jobcrawl(t, "export", "--config", cfg, "data", "pipelines", "--filter", "countries=Germany", "--sort", "date_posted:desc")
	if code != exitOK || strings.Count(out, "\n") != res.Total {
		t.Errorf("text export: exit %d, %d lines, search total %d\n%s", code, strings.Count(out, "\n"), res.Total, errOut)
	}
	var last string
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r index.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if i > 0 && r.DatePosted > last {
			t.Fatalf("not sorted by date_posted desc: %s after %s", r.DatePosted, last)
		}
		last = r.DatePosted
	}

	for _, args := range [][]string{{"--format", "xml"}, {"--filter", "title=x"}, {"--sort", "id"}, {"--excel"}} {
		if code, _, errOut := jobcrawl(t, append([]string{"export", "--config", cfg}, args...)...); code != exitUsage {
			t.Errorf("export %v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
}

// TestExportCSVAndJSONLD: the formats through the command: an inert
// formula, lists joined, a BOM with --excel; JSON-LD that parses.
func TestExportCSVAndJSONLD(t *testing.T) {
	cfg, recs := exportFixture(t, 40)
	code, out, errOut := jobcrawl(t, "export", "--config", cfg, "--format", "csv", "--excel", "--filter", "job_number="+recs[0].JobNumber)
	if code != exitOK || !strings.HasPrefix(out, "\ufeffid,site,job_number,") {
		t.Fatalf("csv: exit %d, %.80q\n%s", code, out, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %d rows, %v", len(rows), err)
	}
	if title := rows[1][slices.Index(export.Columns, "title")]; title != `'=HYPERLINK("http://x","y")` {
		t.Errorf("title cell %q", title)
	}
	if q := rows[1][slices.Index(export.Columns, "qualifications")]; q != strings.Join(recs[0].Qualifications, "; ") {
		t.Errorf("qualifications cell %q", q)
	}

	code, out, errOut = jobcrawl(t, "export", "--config", cfg, "--format", "jsonld", "--all")
	var doc struct {
		Context string `json:"@context"`
		Graph   []struct {
			Type  string `json:"@type"`
			Title string `json:"title"`
		} `json:"@graph"`
	}
	if err := json.Unmarshal([]byte(out), &doc); code != exitOK || err != nil || doc.Context != "https://schema.org" || len(doc.Graph) != 40 {
		t.Fatalf("jsonld: exit %d, %v, %d nodes\n%s", code, err, len(doc.Graph), errOut)
	}
	for _, n := range doc.Graph {
		if n.Type != "JobPosting" || n.Title == "" {
			t.Errorf("node %+v", n)
		}
	}
}

// TestImportBadLine: a bad line in the middle is reported by number and
// reason, clipped, and skipped; the others are imported; exit 1.
func TestImportBadLine(t *testing.T) {
	cfg, _ := exportFixture(t, 10)
	code, out, errOut := jobcrawl(t, "export", "--config", cfg, "--all")
	if code != exitOK {
		t.Fatalf("export: %s", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	long := strings.Repeat("z", 2000)
	lines = slices.Insert(lines, 4, `{"id":"bad","site":"s","title":`+long)
	file := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := writeConfig(t, fmt.Sprintf("data_dir: %q\n", filepath.Join(t.TempDir(), "fresh")))
	code, out, errOut = jobcrawl(t, "import", "--config", fresh, file)
	if code != exitSiteFailed || !strings.Contains(errOut, "in.jsonl:5: skipped: not a JSON record") || strings.Contains(errOut, "zzzzzzzzzz") ||
		!strings.Contains(out, "Imported 10 postings, skipped 1 lines") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if n := len(publicRecords(t, fresh)); n != 10 {
		t.Errorf("%d records in the index, want 10", n)
	}
	if code, _, _ := jobcrawl(t, "import", "--config", fresh); code != exitUsage {
		t.Errorf("import without a file: exit %d", code)
	}
	if code, _, _ := jobcrawl(t, "import", "--config", fresh, filepath.Join(t.TempDir(), "missing.jsonl")); code != exitUsage {
		t.Errorf("import of a missing file: exit %d", code)
	}
}

// TestExportThroughServer: --server streams GET /api/export of a daemon.
func TestExportThroughServer(t *testing.T) {
	cfg, _ := exportFixture(t, 30)
	conf, err := loadConfigOrDefault(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := embedded.Open(conf.dataDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	srv := httptest.NewServer(web.New(ix, nil, nil))
	defer srv.Close()
	// the index is held (by the "daemon"): a local export says to go through it
	if code, _, errOut := jobcrawl(t, "export", "--config", cfg); code != exitSiteFailed || !strings.Contains(errOut, "jobcrawl export --server http://") {
		t.Errorf("export of a held index: exit %d\n%s", code, errOut)
	}
	code, out, errOut := jobcrawl(t, "export", "--server", srv.URL, "--all", "--json")
	var sum exportSummary
	if err := json.Unmarshal([]byte(errOut), &sum); code != exitOK || err != nil || sum.Postings != 30 || strings.Count(out, "\n") != 30 ||
		sum.Bytes != int64(len(out)) {
		t.Errorf("exit %d, summary %+v (%v), %d lines", code, sum, err, strings.Count(out, "\n"))
	}
	if code, _, errOut := jobcrawl(t, "export", "--server", srv.URL, "--filter", "title=x"); code != exitUsage {
		t.Errorf("bad filter through the server: exit %d %s", code, errOut)
	}
}

// TestExportProgress: with progress on, a line a second on a writer that
// is not a terminal, and nothing after stop.
func TestExportProgress(t *testing.T) {
	var buf exportBuffer
	var count, bytes atomic.Int64
	count.Store(1234)
	bytes.Store(5_600_000)
	stop := startExportProgress(&buf, true, &count, &bytes)
	time.Sleep(1300 * time.Millisecond)
	stop()
	got := buf.String()
	if !strings.HasPrefix(got, "exporting: 1234 postings, 5.6 MB, 1s\n") {
		t.Errorf("progress %q", got)
	}
	time.Sleep(1100 * time.Millisecond)
	if buf.String() != got {
		t.Errorf("progress after stop: %q", buf.String())
	}
	if stop := startExportProgress(&buf, false, &count, &bytes); stop != nil {
		stop()
	}
}

// exportBuffer is a buffer safe for the progress goroutine.
type exportBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *exportBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *exportBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
