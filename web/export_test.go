package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

// expIndex is an index whose Scan the test chooses.
type expIndex struct {
	index.Index
	scan func(ctx context.Context, q index.Query, fn func(index.Record) error) error
}

func (x expIndex) Scan(ctx context.Context, q index.Query, fn func(index.Record) error) error {
	return x.scan(ctx, q, fn)
}

// expServer serves n generated postings (every fourth closed) from an
// embedded index; wrap may replace the index the server sees.
func expServer(t *testing.T, n int, wrap func(index.Index) index.Index) (*Server, *httptest.Server, index.Index) {
	t.Helper()
	ix, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	recs := indextest.NewGenerator(9).Next(n)
	for i := range recs {
		if i%4 == 3 {
			recs[i].Status = index.StatusClosed
		}
	}
	if err := ix.Upsert(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	var served index.Index = ix
	if wrap != nil {
		served = wrap(ix)
	}
	s := New(served, nil, nil)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv, ix
}

func expGet(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestExportAPI(t *testing.T) {
	s, srv, ix := expServer(t, 300, nil)
	resp, body := expGet(t, srv.URL+"/api/export?format=jsonl&all=true")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="jobcrawl-`) ||
		!strings.HasSuffix(resp.Header.Get("Content-Disposition"), `.jsonl"`) {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	if n := strings.Count(body, "\n"); n != 300 || resp.Trailer.Get(trailerExportCount) != "300" {
		t.Errorf("%d lines, trailer count %q", n, resp.Trailer.Get(trailerExportCount))
	}
	first := strings.SplitN(body, "\n", 2)[0]
	var rec map[string]any
	if err := json.Unmarshal([]byte(first), &rec); err != nil || rec["content_hash"] != nil || rec["id"] == nil || rec["job_number"] == nil {
		t.Errorf("a line is not the API's record: %v %s", err, first)
	}

	// the query of /api/search: open postings unless all or a status filter
	_, body = expGet(t, srv.URL+"/api/export")
	if n := strings.Count(body, "\n"); n != 225 {
		t.Errorf("default: %d records, want the 225 open", n)
	}
	res, err := ix.Search(context.Background(), index.Query{Text: "data pipelines", Filters: []index.Filter{{Field: "status", Values: []string{"open"}},
		{Field: "countries", Values: []string{"Germany", "France"}}}, Limit: 1})
	if err != nil || res.Total == 0 {
		t.Fatal(res.Total, err)
	}
	_, body = expGet(t, srv.URL+"/api/export?q=data+pipelines&filter=countries=Germany&filter=countries:France&sort=date_posted:desc")
	if n := strings.Count(body, "\n"); n != res.Total {
		t.Errorf("text query: %d records, search says %d", n, res.Total)
	}

	resp, body = expGet(t, srv.URL+"/api/export?format=csv&excel=1&filter=status=closed")
	if resp.Header.Get("Content-Type") != "text/csv; charset=utf-8; header=present" || !strings.HasPrefix(body, "\ufeffid,site,") ||
		strings.Count(body, "\r\n") < 76 {
		t.Errorf("csv: %v %.100q", resp.Header, body)
	}
	resp, body = expGet(t, srv.URL+"/api/export?format=jsonld&all=true")
	var doc struct {
		Context string            `json:"@context"`
		Graph   []json.RawMessage `json:"@graph"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || resp.Header.Get("Content-Type") != "application/ld+json" ||
		doc.Context != "https://schema.org" || len(doc.Graph) != 300 {
		t.Errorf("jsonld: %v %d nodes", err, len(doc.Graph))
	}

	long := strings.Repeat("x", 500)
	for _, bad := range []string{"format=xml", "limit=5", "filter=title=x", "q=a&q=b", "excel=maybe", "format=" + long, "sort=" + long} {
		resp, body := expGet(t, srv.URL+"/api/export?"+bad)
		if resp.StatusCode != 400 || strings.Contains(body, strings.Repeat("x", 60)) {
			t.Errorf("%.40s: %d %.300s", bad, resp.StatusCode, body)
		}
	}
	resp, _ = expGet(t, srv.URL+"/api/export?format=csv")
	if resp.StatusCode != 200 {
		t.Errorf("csv: %d", resp.StatusCode)
	}
	if resp, err := http.Head(srv.URL + "/api/export?format=csv"); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8; header=present" {
		t.Errorf("HEAD: %v %v", resp, err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/export", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %v %v", resp.StatusCode, err)
	}
	if running, served, failed, rejected, records := s.ExportStats(); running != 0 || served != 6 || failed != 0 || rejected != 0 || records < 900 {
		t.Errorf("stats: running %d served %d failed %d rejected %d records %d", running, served, failed, rejected, records)
	}
}

// Exports beyond maxExports at once are turned away with 503 and
// Retry-After, and counted.
func TestExportCap(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, maxExports)
	s, srv, _ := expServer(t, 20, func(ix index.Index) index.Index {
		return expIndex{Index: ix, scan: func(ctx context.Context, q index.Query, fn func(index.Record) error) error {
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
			return index.Scan(ctx, ix, q, fn)
		}}
	})
	done := make(chan int, maxExports)
	for range maxExports {
		go func() {
			resp, err := http.Get(srv.URL + "/api/export?all=true")
			if err != nil {
				done <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			done <- resp.StatusCode
		}()
	}
	for range maxExports {
		<-started
	}
	resp, body := expGet(t, srv.URL+"/api/export")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "30" || !strings.Contains(body, "exports are running") {
		t.Errorf("over the cap: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if running, _, _, rejected, _ := s.ExportStats(); running != maxExports || rejected != 1 {
		t.Errorf("running %d rejected %d", running, rejected)
	}
	close(release)
	for range maxExports {
		if code := <-done; code != 200 {
			t.Errorf("capped export: %d", code)
		}
	}
	if resp, _ := expGet(t, srv.URL+"/api/export"); resp.StatusCode != 200 {
		t.Errorf("after the others: %d", resp.StatusCode)
	}
}

// A client that goes away stops the scan, and frees its slot.
func TestExportClientGone(t *testing.T) {
	stopped := make(chan error, 1)
	s, srv, _ := expServer(t, 5, func(ix index.Index) index.Index {
		return expIndex{Index: ix, scan: func(ctx context.Context, q index.Query, fn func(index.Record) error) error {
			r := indextest.NewGenerator(1).Next(1)[0]
			for i := 0; ; i++ {
				r.ID = fmt.Sprintf("endless_%d", i)
				if err := fn(r); err != nil {
					stopped <- err
					return err
				}
				if err := ctx.Err(); err != nil {
					stopped <- err
					return err
				}
			}
		}}
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/export", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	for range 200 {
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	resp.Body.Close()
	select {
	case err := <-stopped:
		t.Logf("scan stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the scan goes on after the client left")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		running, _, failed, _, _ := s.ExportStats()
		if running == 0 && failed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("running %d failed %d", running, failed)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A scan that fails before the first byte is an error status; after it,
// the trailer says so.
func TestExportFailure(t *testing.T) {
	var fail func(n int) error
	_, srv, _ := expServer(t, 5, func(ix index.Index) index.Index {
		return expIndex{Index: ix, scan: func(ctx context.Context, q index.Query, fn func(index.Record) error) error {
			r := indextest.NewGenerator(1).Next(1)[0]
			for i := 0; ; i++ {
				if err := fail(i); err != nil {
					return err
				}
				if err := fn(r); err != nil {
					return err
				}
			}
		}}
	})
	fail = func(int) error {
		return fmt.Errorf("%w: the query's text matches at least 10000 postings (http://secret-backend:7700)", index.ErrScanLimit)
	}
	resp, body := expGet(t, srv.URL+"/api/export?q=engineer")
	if resp.StatusCode != 400 || !strings.Contains(body, "at least 10000") || resp.Header.Get("Content-Disposition") != "" {
		t.Errorf("scan limit: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	fail = func(i int) error {
		if i == 0 {
			return errors.New("disk on fire at /var/lib/jobcrawl")
		}
		return nil
	}
	resp, body = expGet(t, srv.URL+"/api/export")
	if resp.StatusCode != 500 || strings.Contains(body, "/var/lib") {
		t.Errorf("failure before the first byte: %d %s", resp.StatusCode, body)
	}
	fail = func(i int) error {
		if i == 2000 {
			return errors.New("disk on fire at /var/lib/jobcrawl")
		}
		return nil
	}
	resp, body = expGet(t, srv.URL+"/api/export")
	if resp.StatusCode != 200 || resp.Trailer.Get(trailerExportError) == "" || strings.Contains(resp.Trailer.Get(trailerExportError), "/var/lib") ||
		resp.Trailer.Get(trailerExportCount) != "" || strings.Count(body, "\n") >= 2000 {
		t.Errorf("failure midway: %d, trailer %v, %d lines", resp.StatusCode, resp.Trailer, strings.Count(body, "\n"))
	}
}

// An export outlives the server's WriteTimeout (the daemon's is 60 s) as
// long as the client reads: each write gets exportIdle of its own.
func TestExportOutlivesWriteTimeout(t *testing.T) {
	ix, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	slow := expIndex{Index: ix, scan: func(ctx context.Context, q index.Query, fn func(index.Record) error) error {
		r := indextest.NewGenerator(1).Next(1)[0]
		deadline := time.Now().Add(1500 * time.Millisecond)
		for i := 0; time.Now().Before(deadline); i++ {
			r.ID = fmt.Sprintf("slow_%d", i)
			if err := fn(r); err != nil {
				return err
			}
			time.Sleep(2 * time.Millisecond)
		}
		return nil
	}}
	srv := httptest.NewUnstartedServer(New(slow, nil, nil))
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	resp, body := expGet(t, srv.URL+"/api/export")
	n := strings.Count(body, "\n")
	if resp.StatusCode != 200 || n < 100 || resp.Trailer.Get(trailerExportCount) != fmt.Sprint(n) {
		t.Errorf("%d, %d lines, trailer %v", resp.StatusCode, n, resp.Trailer)
	}
}

// The export families /metrics shows (once metrics calls writeExportMetrics).
func TestExportMetrics(t *testing.T) {
	s, srv, _ := expServer(t, 3, nil)
	expGet(t, srv.URL+"/api/export?all=true")
	var b strings.Builder
	bw := bufio.NewWriter(&b)
	s.writeExportMetrics(&promWriter{w: bw})
	bw.Flush()
	for _, want := range []string{"# TYPE jobcrawl_exports_running gauge\njobcrawl_exports_running 0\n",
		`jobcrawl_exports_total{outcome="ok"} 1` + "\n", `jobcrawl_exports_total{outcome="rejected"} 0` + "\n",
		"jobcrawl_export_records_total 3\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
}
