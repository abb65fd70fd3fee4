package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/internal/demosite"
)

// runMainEnv makes the test binary run jobcrawl's main instead of the
// tests: the kill test starts it as a crawl process.
const runMainEnv = "JOBCRAWL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// snapshot returns the first_seen of every record in the index in dir,
// by id. Opening it is part of the check: it must open after any kill.
func snapshot(tb testing.TB, dir string) map[string]time.Time {
	tb.Helper()
	ix, err := embedded.Open(dir)
	if err != nil {
		tb.Fatalf("open the index: %v", err)
	}
	defer ix.Close()
	out := map[string]time.Time{}
	err = ix.Each(context.Background(), "contoso", func(r index.Record) error {
		out[r.ID] = r.FirstSeen
		return nil
	})
	if err != nil {
		tb.Fatalf("read the index: %v", err)
	}
	return out
}

// TestKilledCrawlLosesNothing kills crawl processes with SIGKILL at several
// points — while reading the index, while walking the site, while writing
// records — and checks each time that the index opens with every record it
// held before; then a run completes normally.
func TestKilledCrawlLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills crawl processes")
	}
	site := demosite.New(demosite.Options{Jobs: 300, PerPage: 50, Seed: 17})
	pages := site.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond) // a walk long enough to be killed in
		pages.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
data_dir: ./data
sites:
  - name: contoso
    start_urls: [%q]
    pagination: {next: "a[rel=next]"}
    job_links: "a.job-title"
    limits: {parallelism: 8, delay: 0s, max_retries: 2}
`, demosite.StartURL(srv.URL)))
	dataDir := filepath.Join(filepath.Dir(cfg), "data")
	if code, _, errOut := jobcrawl(t, "crawl", "--config", cfg, "--quiet"); code != exitOK {
		t.Fatalf("first crawl: exit %d\n%s", code, errOut)
	}

	// every killed run has work to write: new jobs and changed ones
	for i := range 40 {
		site.Add(&demosite.Job{Number: fmt.Sprint(900000 + i), ReqID: fmt.Sprint(8000000 + i), Title: "Field Engineer",
			Family: "Sales", Team: "Partner Sales", Employment: "FULL_TIME", Workplace: "onsite", Style: "jsonld",
			Posted:    time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			Locations: []demosite.Place{{City: "Toronto", Region: "ON", Country: "Canada", Code: "CA"}}})
	}
	changed := map[string]string{} // job number → new title
	for _, j := range site.Jobs[50:90] {
		site.Change(j.Number, func(j *demosite.Job) { j.Title = "Senior " + j.Title })
		changed[j.Number] = j.Title
	}

	// when to kill: a time after the start, or after the process says it
	// writes records
	kills := []struct {
		after time.Duration
		atLog string
	}{
		{0, ""}, {30 * time.Millisecond, ""}, {0, "result page"}, {100 * time.Millisecond, "result page"},
		{0, "writing records"}, {2 * time.Millisecond, "writing records"}, {10 * time.Millisecond, "writing records"},
		{40 * time.Millisecond, "writing records"},
	}
	for i, k := range kills {
		held := snapshot(t, dataDir)
		cmd := exec.Command(os.Args[0], "crawl", "--config", cfg, "--quiet", "--log-level", "debug", "--log-format", "json")
		cmd.Env = append(os.Environ(), runMainEnv+"=1")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		seen := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(stderr)
			once := false
			for sc.Scan() {
				if !once && k.atLog != "" && strings.Contains(sc.Text(), k.atLog) {
					once = true
					close(seen)
				}
			}
			io.Copy(io.Discard, stderr)
		}()
		if k.atLog != "" {
			select {
			case <-seen:
			case <-time.After(30 * time.Second):
				t.Fatalf("kill %d: the crawl never logged %q", i, k.atLog)
			}
		}
		time.Sleep(k.after)
		cmd.Process.Kill()
		state, _ := cmd.Process.Wait()
		killed := !state.Exited()

		after := snapshot(t, dataDir)
		for id, first := range held {
			got, ok := after[id]
			switch {
			case !ok:
				t.Errorf("kill %d (%s after %q): record %s lost", i, k.after, k.atLog, id)
			case !got.Equal(first):
				t.Errorf("kill %d: record %s first_seen moved from %s to %s", i, id, first, got)
			}
		}
		t.Logf("kill %d (%s after %q): killed %v, %d records before, %d after", i, k.after, k.atLog, killed, len(held), len(after))
	}

	// a run after all that completes normally
	code, out, errOut := jobcrawl(t, "crawl", "--config", cfg, "--quiet", "--json")
	if code != exitOK {
		t.Fatalf("crawl after the kills: exit %d\n%s", code, errOut)
	}
	var summary struct {
		Sites []struct {
			Postings, New, Updated, Unchanged, Closed int
			Complete                                  bool
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out), &summary); err != nil || len(summary.Sites) != 1 {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	s := summary.Sites[0]
	if !s.Complete || s.Postings != 340 || s.Closed != 0 || s.New+s.Updated+s.Unchanged != 340 {
		t.Errorf("final run: %+v, want complete with 340 postings, none closed", s)
	}
	final := snapshot(t, dataDir)
	if len(final) != 340 {
		t.Errorf("records after the final run: %d, want 340", len(final))
	}
	ix, err := embedded.Open(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for num, title := range changed {
		rec, err := ix.Get(context.Background(), index.RecordID("contoso", num))
		if err != nil || rec.Title != title || rec.Status != index.StatusOpen {
			t.Errorf("changed job %s: %v, title %q (want %q), status %s", num, err, rec.Title, title, rec.Status)
		}
	}
}
