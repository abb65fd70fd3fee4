package meili_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/indextest"
	"github.com/jobcrawl/jobcrawl/index/meili"
	"github.com/jobcrawl/jobcrawl/index/meili/meilitest"
)

// rig is an index to rebuild and the means to look at it from outside: on
// the fake server, or on a real one ($MEILI_URL) in a throw-away index.
type rig struct {
	url, key, uid string
	fake          *meilitest.Server // nil on a real server
	// lookback is the rebuild's lookback (0: 2s, more than a write takes
	// to reach the server here).
	lookback time.Duration
}

// fakeRig makes rigs on fake servers started with opt.
func fakeRig(opt meilitest.Options) func(testing.TB) *rig {
	return func(tb testing.TB) *rig {
		tb.Helper()
		opt.Key = testKey
		srv := meilitest.New(tb, opt)
		return &rig{url: srv.URL, key: testKey, uid: "jobs", fake: srv}
	}
}

// realRig makes a rig on the server at $MEILI_URL, in an index of its own
// that is deleted afterwards with whatever its rebuilds left.
func realRig(tb testing.TB) *rig {
	tb.Helper()
	r := &rig{url: strings.TrimRight(os.Getenv("MEILI_URL"), "/"), key: os.Getenv("MEILI_MASTER_KEY"),
		uid: fmt.Sprintf("jobcrawl_test_rebuild_%d_%d", time.Now().UnixNano(), realIndexSeq.Add(1))}
	tb.Cleanup(func() {
		for _, uid := range append(r.leftovers(tb), r.uid) {
			deleteRealIndex(tb, r.url, r.key, uid)
		}
	})
	return r
}

// config is the backend's configuration for the index uid: small batches,
// so that a copy spans many pages.
func (r *rig) config(uid string) meili.Config {
	cfg := meili.Config{URL: r.url, Index: uid, APIKey: r.key, BatchSize: 10, PollInterval: time.Millisecond,
		Timeout: 2 * time.Second, TaskTimeout: 30 * time.Second}
	if r.fake == nil {
		cfg.PollInterval, cfg.MaxRetries, cfg.RetryBackoff = 20*time.Millisecond, 3, 200*time.Millisecond
	}
	return cfg
}

func (r *rig) open(tb testing.TB, uid string) *meili.Index {
	tb.Helper()
	return r.openConfig(tb, r.config(uid))
}

func (r *rig) openConfig(tb testing.TB, cfg meili.Config) *meili.Index {
	tb.Helper()
	ix, err := meili.Open(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

// request sends a request to the server and decodes its answer into out.
func (r *rig) request(tb testing.TB, method, path string, body, out any) int {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.url+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if r.key != "" {
		req.Header.Set("Authorization", "Bearer "+r.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			tb.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// documents returns the documents of index uid by id, as stored.
func (r *rig) documents(tb testing.TB, uid string) map[string]map[string]any {
	tb.Helper()
	var res struct {
		Results []map[string]any `json:"results"`
	}
	if code := r.request(tb, http.MethodPost, "/indexes/"+uid+"/documents/fetch", map[string]any{"limit": 100000}, &res); code != http.StatusOK {
		tb.Fatalf("fetch the documents of %s: HTTP %d", uid, code)
	}
	out := map[string]map[string]any{}
	for _, d := range res.Results {
		out[d["id"].(string)] = d
	}
	return out
}

// indexes lists the uids of the indexes whose uid starts with prefix.
func (r *rig) indexes(tb testing.TB, prefix string) []string {
	tb.Helper()
	var out []string
	for offset := 0; ; {
		var res struct {
			Results []struct {
				UID string `json:"uid"`
			} `json:"results"`
			Total int `json:"total"`
		}
		r.request(tb, http.MethodGet, fmt.Sprintf("/indexes?offset=%d&limit=100", offset), nil, &res)
		for _, x := range res.Results {
			if strings.HasPrefix(x.UID, prefix) {
				out = append(out, x.UID)
			}
		}
		offset += len(res.Results)
		if len(res.Results) == 0 || offset >= res.Total {
			return out
		}
	}
}

// leftovers are the rebuild indexes of the rig's index.
func (r *rig) leftovers(tb testing.TB) []string { return r.indexes(tb, r.uid+"__rebuild_") }

// settings returns the settings of index uid.
func (r *rig) settings(tb testing.TB, uid string) map[string]any {
	tb.Helper()
	var s map[string]any
	if code := r.request(tb, http.MethodGet, "/indexes/"+uid+"/settings", nil, &s); code != http.StatusOK {
		tb.Fatalf("settings of %s: HTTP %d", uid, code)
	}
	return s
}

// seed fills the rig's index with recs: the first through the backend
// (which creates the index with its settings), the others as an older
// jobcrawl wrote them, without the write stamp.
func (r *rig) seed(tb testing.TB, recs []index.Record) {
	tb.Helper()
	if err := r.open(tb, r.uid).Upsert(ctx, recs[:1]); err != nil {
		tb.Fatal(err)
	}
	docs := make([]index.Record, len(recs)-1)
	for i, rec := range recs[1:] {
		rec.Normalize()
		docs[i] = rec
	}
	var task struct {
		TaskUID int `json:"taskUid"`
	}
	if code := r.request(tb, http.MethodPost, "/indexes/"+r.uid+"/documents?primaryKey=id", docs, &task); code != http.StatusAccepted {
		tb.Fatalf("seed: HTTP %d", code)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		var t struct {
			Status string `json:"status"`
		}
		r.request(tb, http.MethodGet, fmt.Sprintf("/tasks/%d", task.TaskUID), nil, &t)
		if t.Status == "succeeded" {
			return
		}
		if t.Status == "failed" || time.Now().After(deadline) {
			tb.Fatalf("seed: task %d %s", task.TaskUID, t.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// age makes the rig's index older than d: on the fake by backdating it,
// on a real server by waiting.
func (r *rig) age(d time.Duration) {
	if r.fake != nil {
		r.fake.Backdate(r.uid, time.Hour)
		return
	}
	time.Sleep(d)
}

// opts are the rebuild options of the tests: catch-up passes look back 2s
// (no clock skew here, and writes reach the server well within that).
func opts() meili.RebuildOptions { return meili.RebuildOptions{Lookback: 2 * time.Second} }

// sameDocuments reports the differences between two sets of documents.
func sameDocuments(tb testing.TB, got, want map[string]map[string]any) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Errorf("%d documents, want %d", len(got), len(want))
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			tb.Errorf("document %s is missing", id)
			continue
		}
		if gb, wb := compact(g), compact(w); gb != wb {
			tb.Errorf("document %s:\n got %s\nwant %s", id, gb, wb)
		}
	}
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// rebuildScenarios are run against the fake and, with $MEILI_URL, a real server.
var rebuildScenarios = []struct {
	name string
	run  func(t *testing.T, newRig func(testing.TB) *rig)
}{
	{"copies everything and swaps", testRebuildCopiesAndSwaps},
	{"concurrent writes are kept", testRebuildKeepsConcurrentWrites},
	{"refuses a rebuild 20% short", testRebuildRefusesShrink},
	{"interrupted: live untouched, next run cleans up", testRebuildInterrupted},
	{"deletes leftovers", testRebuildDeletesLeftovers},
	{"fence error: no swap", testRebuildFence},
	{"no live index: rename", testRebuildRenames},
	{"killed after the swap: next run recovers", testRebuildSalvages},
	{"deletions during the copy skip nothing", testRebuildDeletionsDuringTheCopy},
}

func TestRebuildFake(t *testing.T) {
	for _, sc := range rebuildScenarios {
		t.Run(sc.name, func(t *testing.T) {
			// TaskPolls 2: every task is seen enqueued, then processing
			sc.run(t, fakeRig(meilitest.Options{TaskPolls: 2}))
		})
	}
}

func TestRebuildReal(t *testing.T) {
	if os.Getenv("MEILI_URL") == "" {
		t.Skip("set MEILI_URL (and MEILI_MASTER_KEY) to run against a real Meilisearch")
	}
	for _, sc := range rebuildScenarios {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, realRig) })
	}
}

func testRebuildCopiesAndSwaps(t *testing.T, newRig func(testing.TB) *rig) {
	r := newRig(t)
	recs := indextest.NewGenerator(1).Next(57)
	r.seed(t, recs)
	before := r.documents(t, r.uid)
	settings := r.settings(t, r.uid)
	ix := r.open(t, r.uid)
	var progress [][2]int64
	o := opts()
	o.Progress = func(copied, total int64) { progress = append(progress, [2]int64{copied, total}) }
	rep, err := ix.Rebuild(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Copied != 57 || rep.OldCount != 57 || rep.NewCount != 57 || rep.Renamed || len(rep.Leftovers) != 0 {
		t.Errorf("report: %+v", rep)
	}
	if !strings.HasPrefix(rep.TempIndex, r.uid+"__rebuild_") {
		t.Errorf("temporary index %q", rep.TempIndex)
	}
	if len(progress) < 6 || progress[len(progress)-1] != [2]int64{57, 57} {
		t.Errorf("progress: %v", progress)
	}
	sameDocuments(t, r.documents(t, r.uid), before)
	if got, want := compact(r.settings(t, r.uid)), compact(settings); got != want {
		t.Errorf("settings after:\n got %s\nwant %s", got, want)
	}
	if l := r.leftovers(t); len(l) != 0 {
		t.Errorf("indexes left: %q", l)
	}
	// the backend reads and searches the new index as the old
	res, err := ix.Search(ctx, index.Query{Facets: []string{"site"}, Limit: 1})
	if err != nil || res.Total != 57 {
		t.Errorf("search after: %d, %v", res.Total, err)
	}
	got, err := ix.Get(ctx, recs[3].ID)
	if err != nil || got.Title != recs[3].Title {
		t.Errorf("get after: %+v, %v", got, err)
	}

	if r.fake != nil {
		// settings first, then documents, into the new index; one swap
		var calls []string
		var swaps [][]byte
		for _, q := range r.fake.Requests() {
			switch {
			case strings.HasPrefix(q.Path, "/indexes/"+rep.TempIndex) && q.Method != http.MethodGet && !strings.HasSuffix(q.Path, "/fetch"):
				calls = append(calls, q.Method+" "+strings.TrimPrefix(q.Path, "/indexes/"+rep.TempIndex))
			case q.Path == "/swap-indexes":
				swaps = append(swaps, q.Body)
			}
		}
		if len(calls) < 2 || calls[0] != "PATCH /settings" || calls[1] != "POST /documents" || calls[len(calls)-1] != "DELETE " {
			t.Errorf("requests to the new index: %q", calls)
		}
		if want := fmt.Sprintf(`[{"indexes":[%q,%q]}]`, r.uid, rep.TempIndex); len(swaps) != 1 || string(swaps[0]) != want {
			t.Errorf("swap requests: %q, want %s", swaps, want)
		}
	}
}

func testRebuildKeepsConcurrentWrites(t *testing.T, newRig func(testing.TB) *rig) {
	r := newRig(t)
	gen := indextest.NewGenerator(2)
	base := gen.Next(120)
	r.seed(t, base)
	writer := r.open(t, r.uid) // another process writing meanwhile
	var (
		mu      sync.Mutex
		titles  = map[string]string{}    // what the writer upserted last
		seen    = map[string]time.Time{} // what it touched last
		during  int                      // writes that returned while the rebuild ran
		running = true
	)
	stop := make(chan struct{})
	werr := make(chan error, 1)
	go func() {
		defer close(werr)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			batch := gen.Next(2)
			up := base[2*(i%60)] // even: updated
			up.Title = fmt.Sprintf("Updated %d", i)
			batch = append(batch, up)
			if err := writer.Upsert(ctx, batch); err != nil {
				werr <- err
				return
			}
			at := time.Date(2031, 1, 1, 0, 0, i, 0, time.UTC)
			id := base[2*(i%60)+1].ID // odd: touched
			if err := writer.Touch(ctx, []index.Touch{{ID: id, LastSeen: at}}); err != nil {
				werr <- err
				return
			}
			mu.Lock()
			for _, rec := range batch {
				titles[rec.ID] = rec.Title
			}
			seen[id] = at
			if running {
				during++
			}
			mu.Unlock()
		}
	}()
	o := opts()
	if r.lookback > 0 {
		o.Lookback = r.lookback
	}
	rep, err := r.open(t, r.uid).Rebuild(ctx, o)
	mu.Lock()
	running = false
	mu.Unlock()
	time.Sleep(30 * time.Millisecond) // and a few more writes after
	close(stop)
	if werr := <-werr; werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d writes during the rebuild; report %+v", during, rep)
	if during < 3 {
		t.Errorf("only %d writes happened during the rebuild", during)
	}
	docs := r.documents(t, r.uid)
	for id, title := range titles {
		if d, ok := docs[id]; !ok {
			t.Errorf("upserted %s is missing after the rebuild", id)
		} else if d["title"] != title {
			t.Errorf("%s: title %q, want %q (the last upsert)", id, d["title"], title)
		}
	}
	for id, at := range seen {
		if got, _ := docs[id]["last_seen"].(string); got != at.Format(time.RFC3339) {
			t.Errorf("%s: last_seen %q, want %s (the last touch)", id, got, at.Format(time.RFC3339))
		}
	}
	added := 0
	for id := range titles {
		if !slices.ContainsFunc(base, func(r index.Record) bool { return r.ID == id }) {
			added++
		}
	}
	if len(docs) != len(base)+added {
		t.Errorf("%d documents, want %d", len(docs), len(base)+added)
	}
	if l := r.leftovers(t); len(l) != 0 {
		t.Errorf("indexes left: %q", l)
	}
}

func testRebuildRefusesShrink(t *testing.T, newRig func(testing.TB) *rig) {
	r := newRig(t)
	recs := indextest.NewGenerator(3).Next(50)
	r.seed(t, recs)
	before := r.documents(t, r.uid)
	settings := compact(r.settings(t, r.uid))
	ix := r.open(t, r.uid)
	// the copy loses 10 of the 50 (20%): deleted from the new index as
	// the bulk copy ends (they bear no stamp: no catch-up brings them back)
	shrink := func(copied, total int64) {
		if copied < total {
			return
		}
		tmp := r.leftovers(t)
		if len(tmp) != 1 {
			t.Fatalf("rebuild indexes during the copy: %q", tmp)
		}
		var ids []string
		for _, rec := range recs[1:11] {
			ids = append(ids, rec.ID)
		}
		if err := r.open(t, tmp[0]).Delete(ctx, ids); err != nil {
			t.Fatal(err)
		}
	}
	o := opts()
	o.Progress = shrink
	_, err := ix.Rebuild(ctx, o)
	if !errors.Is(err, meili.ErrShrunk) {
		t.Fatalf("got %v, want ErrShrunk", err)
	}
	mustContain(t, err, "40 documents", "the live index 50", "20% fewer")
	sameDocuments(t, r.documents(t, r.uid), before)
	if got := compact(r.settings(t, r.uid)); got != settings {
		t.Errorf("live settings changed:\n got %s\nwant %s", got, settings)
	}
	if l := r.leftovers(t); len(l) != 0 {
		t.Errorf("indexes left: %q", l)
	}

	o.AllowShrink = true
	rep, err := ix.Rebuild(ctx, o)
	if err != nil {
		t.Fatalf("with AllowShrink: %v", err)
	}
	if rep.OldCount != 50 || rep.NewCount != 40 || len(r.documents(t, r.uid)) != 40 {
		t.Errorf("with AllowShrink: report %+v", rep)
	}
}

func testRebuildInterrupted(t *testing.T, newRig func(testing.TB) *rig) {
	r := newRig(t)
	r.seed(t, indextest.NewGenerator(4).Next(40))
	before := r.documents(t, r.uid)
	ix := r.open(t, r.uid)
	cctx, cancel := context.WithCancel(ctx)
	o := opts()
	o.Progress = func(copied, total int64) {
		if copied >= 10 {
			cancel()
		}
	}
	_, err := ix.Rebuild(cctx, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	sameDocuments(t, r.documents(t, r.uid), before)
	left := r.leftovers(t) // deleted on the way out, unless that failed
	rep, err := ix.Rebuild(ctx, opts())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Leftovers, left) || rep.NewCount != 40 {
		t.Errorf("next run: report %+v, want leftovers %q", rep, left)
	}
	sameDocuments(t, r.documents(t, r.uid), before)
	if l := r.leftovers(t); len(l) != 0 {
		t.Errorf("indexes left: %q", l)
	}
}

func testRebuildDeletesLeftovers(t *testing.T, newRig func(testing.TB) *rig) {
	r := newRig(t)
	r.seed(t, indextest.NewGenerator(5).Next(20))
	// what a rebuild killed during its copy leaves
	leftover := r.uid + "__rebuild_1700000000"
	if err := r.open(t, leftover).Upsert(ctx, indextest.NewGenerator(5).Next(3)); err != nil {
		t.Fatal(err)
	}
	before := r.documents(t, r.uid)
	rep, err := r.open(t, r.uid).Rebuild(ctx, opts())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Leftovers, []string{leftover}) || rep.Salvaged != 0 {
		t.Errorf("report: %+v", rep)
	}
	if l := r.leftovers(t); len(l) != 0 {
		t.Errorf("indexes left: %q", l)
	}
	sameDocuments(t, r.documents(t, r.uid), before)
}

func testRebuildFence(t *testing.T, newRig func(testing.TB) *rig) {
	r := newRig(t)
	r.seed(t, indextest.NewGenerator(6).Next(20))
	before := r.documents(t, r.uid)
	ix := r.open(t, r.uid)
	gate := errors.New("the commit gate is held by another process")
	fenced := 0
	o := opts()
	o.Fence = func(context.Context) error { fenced++; return gate }
	_, err := ix.Rebuild(ctx, o)
	if !errors.Is(err, gate) || fenced != 1 {
		t.Fatalf("got %v after %d fence calls, want the fence's error after 1", err, fenced)
	}
	mustContain(t, err, "not swapped")
	sameDocuments(t, r.documents(t, r.uid), before)
	if l := r.leftovers(t); len(l) != 0 {
		t.Errorf("indexes left: %q", l)
	}
	if r.fake != nil {
		for _, q := range r.fake.Requests() {
			if q.Path == "/swap-indexes" {
				t.Errorf("a swap was requested: %s", q.Body)
			}
		}
	}
	// a fence that lets it through
	o.Fence = func(context.Context) error { fenced++; return nil }
	if _, err := ix.Rebuild(ctx, o); err != nil || fenced != 2 {
		t.Errorf("with an open fence: %v (%d fence calls)", err, fenced)
	}
}

func testRebuildRenames(t *testing.T, newRig func(testing.TB) *rig) {
	r := newRig(t)
	ix := r.open(t, r.uid)
	rep, err := ix.Rebuild(ctx, opts())
	if err != nil {
		t.Fatal(err)
	}
	if r.fake != nil && !rep.Renamed {
		t.Errorf("report: %+v, want Renamed", rep)
	}
	if got := r.indexes(t, r.uid); !slices.Equal(got, []string{r.uid}) {
		t.Errorf("indexes: %q, want only %s", got, r.uid)
	}
	s := r.settings(t, r.uid)
	if f := fmt.Sprint(s["filterableAttributes"]); !strings.Contains(f, "written_ms") || !strings.Contains(f, "job_family") {
		t.Errorf("settings of the renamed index: %v", s)
	}
	// and it takes writes
	if err := ix.Upsert(ctx, indextest.Fixture()); err != nil {
		t.Fatal(err)
	}
}

func testRebuildSalvages(t *testing.T, newRig func(testing.TB) *rig) {
	r := newRig(t)
	recs := indextest.NewGenerator(7).Next(30)
	if err := r.open(t, r.uid).Upsert(ctx, recs); err != nil {
		t.Fatal(err)
	}
	// older than the rebuild's lookback, so that its creation date tells
	// it from an index a rebuild built
	r.age(4 * time.Second)
	ix := r.open(t, r.uid)
	late := indextest.NewGenerator(8).Next(2)
	late[0].ID, late[1].ID = index.RecordID("contoso", "late-0"), index.RecordID("contoso", "late-1")
	cctx, cancel := context.WithCancel(ctx)
	defer meili.SetAfterSwap(func() {
		// a write sent just before the swap, which landed in the old index
		// (now under the temporary uid), then the process is killed
		tmp := r.leftovers(t)
		if len(tmp) != 1 {
			t.Fatalf("rebuild indexes after the swap: %q", tmp)
		}
		if err := r.open(t, tmp[0]).Upsert(ctx, late); err != nil {
			t.Fatal(err)
		}
		cancel()
	})()
	_, err := ix.Rebuild(cctx, opts())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	mustContain(t, err, "swapped, but the last catch-up failed")
	left := r.leftovers(t)
	if len(left) != 1 {
		t.Fatalf("indexes left: %q, want the old one", left)
	}
	if _, ok := r.documents(t, r.uid)[late[0].ID]; ok {
		t.Fatal("the late write is already live")
	}
	rep, err := ix.Rebuild(ctx, opts())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Leftovers, left) || rep.Salvaged != 2 {
		t.Errorf("report: %+v, want leftovers %q and 2 salvaged", rep, left)
	}
	docs := r.documents(t, r.uid)
	for _, rec := range append(recs, late...) {
		if d, ok := docs[rec.ID]; !ok || d["title"] != rec.Title {
			t.Errorf("%s after the recovery: %v", rec.ID, d)
		}
	}
	if l := r.leftovers(t); len(l) != 0 {
		t.Errorf("indexes left: %q", l)
	}
}

// testRebuildDeletionsDuringTheCopy: documents deleted before the copy's
// cursor shift the others back; the copy still finds every other one (the
// seeded documents bear no stamp: no catch-up would make up for a skip).
func testRebuildDeletionsDuringTheCopy(t *testing.T, newRig func(testing.TB) *rig) {
	r := newRig(t)
	recs := indextest.NewGenerator(12).Next(60)
	r.seed(t, recs)
	other := r.open(t, r.uid)
	deleted := map[string]bool{}
	o := opts()
	o.Progress = func(copied, total int64) {
		var ids []string
		switch {
		case copied >= 10 && len(deleted) == 0: // more than the overlap, behind the cursor
			for _, rec := range recs[1:6] {
				ids = append(ids, rec.ID)
			}
		case copied >= 30 && len(deleted) == 5: // and a whole page's worth
			for _, rec := range recs[6:18] {
				ids = append(ids, rec.ID)
			}
		}
		for _, id := range ids {
			deleted[id] = true
		}
		if err := other.Delete(ctx, ids); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.open(t, r.uid).Rebuild(ctx, o); err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 17 {
		t.Fatalf("deleted %d documents during the copy, want 17", len(deleted))
	}
	docs := r.documents(t, r.uid)
	for _, rec := range recs {
		if _, ok := docs[rec.ID]; !ok && !deleted[rec.ID] {
			t.Errorf("%s, never deleted, is missing after the rebuild", rec.ID)
		}
	}
}

// TestRebuildCopyLosesDocuments: a server that loses a fifth of what is
// copied gets no swap.
func TestRebuildCopyLosesDocuments(t *testing.T) {
	r := fakeRig(meilitest.Options{})(t)
	r.seed(t, indextest.NewGenerator(9).Next(50))
	n := 0
	r.fake.LoseDocuments(func(uid string, doc map[string]any) bool {
		if !strings.HasPrefix(uid, "jobs__rebuild_") {
			return false
		}
		n++
		return n%5 == 0
	})
	before := r.documents(t, r.uid)
	_, err := r.open(t, r.uid).Rebuild(ctx, opts())
	if !errors.Is(err, meili.ErrShrunk) {
		t.Fatalf("got %v, want ErrShrunk", err)
	}
	mustContain(t, err, "holds 40 documents", "the live index 50")
	sameDocuments(t, r.documents(t, r.uid), before)
	if got := r.fake.Indexes(); !slices.Equal(got, []string{"jobs"}) {
		t.Errorf("indexes: %q", got)
	}
}

// TestRebuildKilledLeavesItsIndex: a rebuild that cannot delete its index
// on the way out (the server went away, as after a kill) leaves it, and
// the next one deletes it.
func TestRebuildKilledLeavesItsIndex(t *testing.T) {
	r := fakeRig(meilitest.Options{})(t)
	r.seed(t, indextest.NewGenerator(10).Next(30))
	before := r.documents(t, r.uid)
	ix := r.open(t, r.uid)
	cctx, cancel := context.WithCancel(ctx)
	o := opts()
	o.Progress = func(copied, total int64) {
		if copied >= 10 {
			r.fake.Overload(1000) // every request answered 503 from now on
			cancel()
		}
	}
	if _, err := ix.Rebuild(cctx, o); err == nil {
		t.Fatal("no error")
	}
	r.fake.Overload(0)
	left := r.leftovers(t)
	if len(left) != 1 {
		t.Fatalf("indexes left: %q, want the new one", left)
	}
	sameDocuments(t, r.documents(t, r.uid), before)
	rep, err := ix.Rebuild(ctx, opts())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Leftovers, left) || rep.Salvaged != 0 || rep.NewCount != 30 {
		t.Errorf("report: %+v", rep)
	}
	if got := r.fake.Indexes(); !slices.Equal(got, []string{"jobs"}) {
		t.Errorf("indexes: %q", got)
	}
}

// TestRebuildSplitsLargeBatches: pages the server finds too large (413
// payload_too_large) are split, and nothing is lost.
func TestRebuildSplitsLargeBatches(t *testing.T) {
	recs := indextest.NewGenerator(11).Next(40)
	one, _ := json.Marshal(recs[0])
	r := fakeRig(meilitest.Options{MaxPayload: int64(4 * (len(one) + 200))})(t)
	for i := 0; i < len(recs); i += 3 {
		if err := r.open(t, r.uid).Upsert(ctx, recs[i:min(i+3, len(recs))]); err != nil {
			t.Fatal(err)
		}
	}
	before := r.documents(t, r.uid)
	rep, err := r.open(t, r.uid).Rebuild(ctx, opts())
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, q := range r.fake.Requests() {
		if strings.HasPrefix(q.Path, "/indexes/"+rep.TempIndex+"/documents") && int64(len(q.Body)) > int64(4*(len(one)+200)) {
			refused++
		}
	}
	if refused == 0 {
		t.Error("no batch was refused as too large: the test proves nothing")
	}
	sameDocuments(t, r.documents(t, r.uid), before)
}

// TestRebuildRenameOnAnOldServer: a server before v1.18 refuses rename;
// the rebuild swaps with an empty live index instead.
func TestRebuildRenameOnAnOldServer(t *testing.T) {
	r := fakeRig(meilitest.Options{NoRename: true})(t)
	rep, err := r.open(t, r.uid).Rebuild(ctx, opts())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Renamed {
		t.Errorf("report: %+v", rep)
	}
	if got := r.fake.Indexes(); !slices.Equal(got, []string{"jobs"}) {
		t.Errorf("indexes: %q", got)
	}
}

// TestRebuildSlowQueue: with every task staying enqueued longer than the
// catch-up passes look back, writes enqueued before a pass began are
// waited for, so none is missed.
func TestRebuildSlowQueue(t *testing.T) {
	testRebuildKeepsConcurrentWrites(t, func(tb testing.TB) *rig {
		r := fakeRig(meilitest.Options{TaskDelay: 250 * time.Millisecond})(tb)
		r.lookback = 100 * time.Millisecond
		return r
	})
}

// TestSwapFake checks the fake's /swap-indexes against what Meilisearch
// documents: a global task, both indexes must exist unless renaming, a
// rename's target must not.
func TestSwapFake(t *testing.T) {
	r := fakeRig(meilitest.Options{})(t)
	for _, uid := range []string{"a", "b"} {
		if err := r.open(t, uid).Upsert(ctx, indextest.Fixture()[:1]); err != nil {
			t.Fatal(err)
		}
	}
	swap := func(body string) (code int, task map[string]any) {
		var info struct {
			TaskUID int `json:"taskUid"`
		}
		var raw json.RawMessage
		code = r.request(t, http.MethodPost, "/swap-indexes", json.RawMessage(body), &raw)
		if code != http.StatusAccepted {
			return code, nil
		}
		json.Unmarshal(raw, &info)
		if v := map[string]any{}; json.Unmarshal(raw, &v) == nil && v["indexUid"] != nil {
			t.Errorf("swap summary: indexUid %v, want null", v["indexUid"])
		}
		for range 3 {
			r.request(t, http.MethodGet, fmt.Sprintf("/tasks/%d", info.TaskUID), nil, &task)
		}
		return code, task
	}
	cases := []struct {
		body   string
		code   int
		status string
		errc   string
	}{
		{`[{"indexes":["a","b"]}]`, 202, "succeeded", ""},
		{`[{"indexes":["a","b"],"rename":false}]`, 202, "succeeded", ""},
		{`[{"indexes":["a","nope"]}]`, 202, "failed", "index_not_found"},
		{`[{"indexes":["a","c"],"rename":true}]`, 202, "succeeded", ""},
		{`[{"indexes":["c","b"],"rename":true}]`, 202, "failed", "index_already_exists"},
		{`[{"indexes":["b","b"]}]`, 400, "", ""},
		{`[{"indexes":["b"]}]`, 400, "", ""},
		{`[{"indexes":["b","c"],"x":1}]`, 400, "", ""},
	}
	for _, c := range cases {
		code, task := swap(c.body)
		if code != c.code {
			t.Errorf("%s: HTTP %d, want %d", c.body, code, c.code)
			continue
		}
		if c.status == "" {
			continue
		}
		errc := ""
		if e, ok := task["error"].(map[string]any); ok {
			errc, _ = e["code"].(string)
		}
		if task["status"] != c.status || errc != c.errc || task["type"] != "indexSwap" || task["indexUid"] != nil {
			t.Errorf("%s: task %v, want %s %s", c.body, task, c.status, c.errc)
		}
	}
	if got := r.fake.Indexes(); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("indexes after: %q, want b c (a renamed to c)", got)
	}
}
