package alerts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

var ctx = context.Background()

func openStore(tb testing.TB, dir string) *alerts.Store {
	tb.Helper()
	st, err := alerts.Open(filepath.Join(dir, "alerts.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func openIndex(tb testing.TB) index.Index {
	tb.Helper()
	ix, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

// clock is a settable clock for the store.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock(st *alerts.Store) *clock {
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	st.SetClock(c.now)
	return c
}

// rec is an open posting of site contoso first seen at seen.
func rec(num, title string, seen time.Time) index.Record {
	r := index.Record{ID: index.RecordID("contoso", num), Site: "contoso", FirstSeen: seen, LastSeen: seen,
		Status: index.StatusOpen, ContentHash: "h-" + title,
		Posting: extract.Posting{JobNumber: num, Title: title, Company: "Contoso", URL: "https://careers.contoso.example/jobs/" + num,
			Locations: []string{"Berlin, Germany"}, Countries: []string{"Germany"}, Description: "Build <b>things</b> & more."}}
	r.Normalize()
	return r
}

func upsert(tb testing.TB, ix index.Index, recs ...index.Record) {
	tb.Helper()
	if err := ix.Upsert(ctx, recs); err != nil {
		tb.Fatal(err)
	}
}

func evaluate(tb testing.TB, st *alerts.Store, ix index.Index) alerts.Result {
	tb.Helper()
	res, err := st.Evaluate(ctx, ix, alerts.EvalOptions{BaseURL: "http://jobs.example"})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// feedIDs are the record ids of a search's feed, newest first.
func feedIDs(tb testing.TB, st *alerts.Store, id string) []string {
	tb.Helper()
	_, entries, err := st.Feed(ctx, id, 0)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Posting.ID)
	}
	return out
}

// pendingPostings are the record ids in the pending messages of search id.
func pendingPostings(tb testing.TB, st *alerts.Store, id string) (ids []string, msgs int) {
	tb.Helper()
	ms, err := st.Messages(ctx, alerts.StatePending, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range ms {
		if m.SearchID != id {
			continue
		}
		msgs++
		var ev alerts.Event
		if err := json.Unmarshal(m.Body, &ev); err != nil {
			tb.Fatal(err)
		}
		for _, p := range ev.Data.Postings {
			ids = append(ids, p.ID)
		}
	}
	slices.Sort(ids)
	return ids, msgs
}

func TestOpenLockedByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	openStore(t, dir)
	start := time.Now()
	_, err := alerts.Open(filepath.Join(dir, "alerts.db"))
	if !errors.Is(err, alerts.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "alerts.db is locked") {
		t.Errorf("error %q does not name the locked file", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second open took %v: it must give up quickly", d)
	}
}

func TestCreateValidates(t *testing.T) {
	st := openStore(t, t.TempDir())
	for _, c := range []struct {
		name string
		spec alerts.Spec
		want string
	}{
		{"bad filter field", alerts.Spec{Filters: []string{"colour=red"}}, `cannot filter on "colour"`},
		{"filter without value", alerts.Spec{Filters: []string{"countries="}}, "has no value"},
		{"status filter", alerts.Spec{Filters: []string{"status=closed"}}, "open postings only"},
		{"bad sort", alerts.Spec{Sort: []string{"salary"}}, `cannot sort by "salary"`},
		{"bad realert", alerts.Spec{Realert: []string{"always"}}, `realert "always"`},
		{"bad format", alerts.Spec{Endpoints: []alerts.EndpointSpec{{URL: "https://h.example/x", Format: "teams"}}}, `endpoints[0].format "teams"`},
		{"bad mode", alerts.Spec{Endpoints: []alerts.EndpointSpec{{URL: "https://h.example/x", Mode: "weekly"}}}, `endpoints[0].mode "weekly"`},
		{"bad url", alerts.Spec{Endpoints: []alerts.EndpointSpec{{URL: "ftp://h.example/x"}}}, "endpoints[0].url"},
		{"bad secret", alerts.Spec{Endpoints: []alerts.EndpointSpec{{URL: "https://h.example/x", Secret: "hunter2"}}}, "endpoints[0].secret"},
		{"long name", alerts.Spec{Name: strings.Repeat("n", 101)}, "name is longer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := st.Create(ctx, nil, c.spec)
			if !errors.Is(err, alerts.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want ErrInvalid saying %q", err, c.want)
			}
		})
	}
	if list, _ := st.List(ctx); len(list) != 0 {
		t.Errorf("%d searches saved by invalid specs", len(list))
	}
}

func TestCRUDAndSecrets(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	given := alerts.NewSecret()
	s, gen, err := st.Create(ctx, nil, alerts.Spec{Name: "Go in Berlin", Query: "golang", Filters: []string{"countries=Germany"},
		Sort: []string{"-first_seen"}, Endpoints: []alerts.EndpointSpec{{URL: "https://hooks.example/a"}, {URL: "https://hooks.example/b", Secret: given, Mode: "daily"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.ID, "ss_") || !slices.Equal(s.Sort, []string{"first_seen:desc"}) || len(s.Endpoints) != 2 {
		t.Fatalf("saved %+v", s)
	}
	if len(gen) != 1 || !strings.HasPrefix(gen[s.Endpoints[0].ID], "whsec_") {
		t.Fatalf("generated secrets %v, want one for the first endpoint", gen)
	}
	data, _ := json.Marshal(s)
	if strings.Contains(string(data), "whsec_") {
		t.Errorf("a search's JSON holds a secret: %s", data)
	}
	st.Close()
	st = openStore(t, dir) // durable
	got, err := st.Get(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Endpoints[1].Secrets[0] != given || got.Endpoints[0].Secrets[0] != gen[s.Endpoints[0].ID] || got.Endpoints[1].Mode != "daily" {
		t.Errorf("after reopen: endpoints %+v", got.Endpoints)
	}
	if list, _ := st.List(ctx); len(list) != 1 || list[0].Name != "Go in Berlin" {
		t.Errorf("list = %+v", list)
	}
	if err := st.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, s.ID); !errors.Is(err, alerts.ErrNotFound) {
		t.Errorf("get after delete: %v, want ErrNotFound", err)
	}
	if err := st.Delete(ctx, s.ID); !errors.Is(err, alerts.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}

// TestEvaluateAlertsOnce: a new posting alerts once; the same job again
// (re-posted under a new URL, with a changed title, or closed and
// reopened) does not alert again; the backlog at creation does not alert.
func TestEvaluateAlertsOnce(t *testing.T) {
	ix := openIndex(t)
	st := openStore(t, t.TempDir())
	c := newClock(st)
	old := rec("100", "Go developer (old)", c.t.Add(-48*time.Hour))
	recent := rec("101", "Go developer (recent)", c.t.Add(-5*time.Minute))
	upsert(t, ix, old, recent, rec("102", "Accountant", c.t.Add(-time.Minute)))
	s, _, err := st.Create(ctx, ix, alerts.Spec{Name: "go", Query: "developer", Filters: []string{"countries=Germany"},
		Endpoints: []alerts.EndpointSpec{{URL: "https://hooks.example/a"}, {URL: "https://hooks.example/b", Format: "slack"}}})
	if err != nil {
		t.Fatal(err)
	}
	c.add(time.Hour)
	if res := evaluate(t, st, ix); res.Recorded != 0 || res.Queued != 0 {
		t.Fatalf("first evaluation recorded %d, queued %d: the backlog must not alert", res.Recorded, res.Queued)
	}

	fresh := rec("200", "Senior Go developer", c.t.Add(-10*time.Minute))
	upsert(t, ix, fresh, rec("201", "Go developer in Paris", c.t.Add(-10*time.Minute)))
	ix.Upsert(ctx, []index.Record{func() index.Record {
		r := rec("201", "Go developer in Paris", c.t)
		r.Countries = []string{"France"}
		return r
	}()})
	c.add(time.Minute)
	res := evaluate(t, st, ix)
	if res.Recorded != 1 || res.Queued != 2 {
		t.Fatalf("recorded %d, queued %d: want the new posting once, a message per endpoint", res.Recorded, res.Queued)
	}
	if ids, n := pendingPostings(t, st, s.ID); !slices.Equal(ids, []string{fresh.ID, fresh.ID}) || n != 2 {
		t.Errorf("pending messages carry %v (%d messages)", ids, n)
	}
	if got := feedIDs(t, st, s.ID); !slices.Equal(got, []string{fresh.ID}) {
		t.Errorf("feed = %v", got)
	}

	// the same job: a new URL and title, then closed, then reopened
	moved := fresh
	moved.URL, moved.Title, moved.ContentHash = "https://careers.contoso.example/jobs/200-new", "Senior Go developer (m/f/d)", "h-new"
	upsert(t, ix, moved)
	c.add(time.Minute)
	if res := evaluate(t, st, ix); res.Recorded != 0 {
		t.Errorf("a changed posting alerted again (%d)", res.Recorded)
	}
	if err := ix.Touch(ctx, []index.Touch{{ID: fresh.ID, Status: index.StatusClosed}}); err != nil {
		t.Fatal(err)
	}
	evaluate(t, st, ix)
	if err := ix.Touch(ctx, []index.Touch{{ID: fresh.ID, Status: index.StatusOpen, LastSeen: c.t}}); err != nil {
		t.Fatal(err)
	}
	c.add(time.Minute)
	if res := evaluate(t, st, ix); res.Recorded != 0 {
		t.Errorf("a reopened posting alerted again (%d)", res.Recorded)
	}
	if _, n := pendingPostings(t, st, s.ID); n != 2 {
		t.Errorf("%d messages pending, want still 2", n)
	}
}

func TestEvaluateRealert(t *testing.T) {
	ix := openIndex(t)
	st := openStore(t, t.TempDir())
	c := newClock(st)
	changed, _, err := st.Create(ctx, ix, alerts.Spec{Name: "changed", Query: "developer", Realert: []string{"changed"}})
	if err != nil {
		t.Fatal(err)
	}
	reopened, _, err := st.Create(ctx, ix, alerts.Spec{Name: "reopened", Query: "developer", Realert: []string{"reopened"}})
	if err != nil {
		t.Fatal(err)
	}
	c.add(time.Minute)
	r := rec("300", "Go developer", c.t)
	upsert(t, ix, r)
	c.add(time.Minute)
	if res := evaluate(t, st, ix); res.Recorded != 2 {
		t.Fatalf("recorded %d, want the new posting in both searches", res.Recorded)
	}
	// the content changes: "changed" alerts again, "reopened" does not
	c.add(time.Hour)
	r2 := r
	r2.Title, r2.ContentHash, r2.LastSeen = "Go developer, remote", "h-other", c.t
	r2.Normalize()
	upsert(t, ix, r2)
	c.add(time.Minute)
	evaluate(t, st, ix)
	if got := feedIDs(t, st, changed.ID); len(got) != 2 {
		t.Errorf("realert changed: feed %v, want the posting twice", got)
	}
	if got := feedIDs(t, st, reopened.ID); len(got) != 1 {
		t.Errorf("realert reopened: feed %v, want the posting once", got)
	}
	// closed, seen closed, reopened: "reopened" alerts again
	ix.Touch(ctx, []index.Touch{{ID: r.ID, Status: index.StatusClosed}})
	c.add(time.Hour)
	evaluate(t, st, ix)
	c.add(time.Hour)
	ix.Touch(ctx, []index.Touch{{ID: r.ID, Status: index.StatusOpen, LastSeen: c.t}})
	c.add(time.Minute)
	evaluate(t, st, ix)
	if got := feedIDs(t, st, reopened.ID); len(got) != 2 {
		t.Errorf("realert reopened: feed %v, want the posting twice", got)
	}
	if got := feedIDs(t, st, changed.ID); len(got) != 2 {
		t.Errorf("realert changed: feed %v after a reopen, want still 2", got)
	}
}

func TestBackfill(t *testing.T) {
	ix := openIndex(t)
	st := openStore(t, t.TempDir())
	c := newClock(st)
	var recs []index.Record
	for i := range 150 {
		recs = append(recs, rec(string(rune('a'+i/26))+string(rune('a'+i%26)), "Go developer", c.t.Add(-time.Duration(i)*time.Hour)))
	}
	upsert(t, ix, recs...)
	s, _, err := st.Create(ctx, ix, alerts.Spec{Query: "developer", Backfill: true, Endpoints: []alerts.EndpointSpec{{URL: "https://hooks.example/a"}}})
	if err != nil {
		t.Fatal(err)
	}
	res := evaluate(t, st, ix)
	if res.Recorded != 150 || res.Queued != 2 {
		t.Fatalf("backfill recorded %d in %d messages, want 150 in 2 (100 a message)", res.Recorded, res.Queued)
	}
	ids, n := pendingPostings(t, st, s.ID)
	if len(ids) != 150 || n != 2 {
		t.Errorf("messages carry %d postings in %d messages", len(ids), n)
	}
	if got := feedIDs(t, st, s.ID); len(got) != 150 || got[0] != recs[0].ID || got[149] != recs[149].ID {
		t.Errorf("feed holds %d, newest first want %s … %s", len(got), recs[0].ID, recs[149].ID)
	}
	if res := evaluate(t, st, ix); res.Recorded != 0 {
		t.Errorf("second evaluation recorded %d", res.Recorded)
	}
}

// TestWatermarkFloor: a run that started before an evaluation and
// commits after it is read by the next one, however long it ran.
func TestWatermarkFloor(t *testing.T) {
	ix := openIndex(t)
	st := openStore(t, t.TempDir())
	c := newClock(st)
	s, _, _ := st.Create(ctx, ix, alerts.Spec{Query: "developer"})
	runStart := c.t.Add(time.Minute)
	c.add(3 * time.Hour)
	if _, err := st.Evaluate(ctx, ix, alerts.EvalOptions{Floor: runStart}); err != nil {
		t.Fatal(err)
	}
	upsert(t, ix, rec("400", "Go developer", runStart)) // the long run commits
	c.add(time.Minute)
	evaluate(t, st, ix)
	if got := feedIDs(t, st, s.ID); len(got) != 1 {
		t.Errorf("feed %v: the long run's posting was missed", got)
	}
}

func TestOutboxTransitions(t *testing.T) {
	dir := t.TempDir()
	ix := openIndex(t)
	st := openStore(t, dir)
	c := newClock(st)
	s, _, err := st.Create(ctx, ix, alerts.Spec{Query: "developer", Endpoints: []alerts.EndpointSpec{{URL: "https://hooks.example/a"}, {URL: "https://hooks.example/b"}}})
	if err != nil {
		t.Fatal(err)
	}
	upsert(t, ix, rec("500", "Go developer", c.t.Add(time.Second)))
	c.add(time.Minute)
	evaluate(t, st, ix)
	due, err := st.Due(ctx, c.t, 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due: %d, %v", len(due), err)
	}
	for _, m := range due {
		if !strings.HasPrefix(m.ID, "msg_") || m.Type != alerts.TypeNew || len(m.Endpoint.Secrets) != 1 || m.Endpoint.URL == "" || m.State != alerts.StatePending {
			t.Errorf("due message %+v", m)
		}
		var ev map[string]any
		if err := json.Unmarshal(m.Body, &ev); err != nil || ev["type"] != "postings.new" || ev["timestamp"] == nil {
			t.Errorf("body %s: %v", m.Body, err)
		}
	}
	a, b := due[0], due[1]
	if err := st.Retry(ctx, a.ID, c.t.Add(time.Minute), 500, "500 Internal Server Error"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Due(ctx, c.t, 10); len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("due after a retry later: %v", got)
	}
	// durability: a process killed now finds the same messages again
	st.Close()
	st = openStore(t, dir)
	st.SetClock(c.now)
	got, _ := st.Due(ctx, c.t.Add(2*time.Minute), 10)
	if len(got) != 2 || got[0].ID != b.ID || got[1].ID != a.ID || got[1].Attempts != 1 || got[1].LastStatus != 500 {
		t.Fatalf("after reopen due = %+v", got)
	}
	if err := st.Delivered(ctx, a.ID, c.t, 200); err != nil {
		t.Fatal(err)
	}
	if err := st.Dead(ctx, b.ID, 400, "400 Bad Request"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Due(ctx, c.t.Add(time.Hour), 10); len(got) != 0 {
		t.Errorf("due after delivery: %v", got)
	}
	dead, _ := st.Messages(ctx, alerts.StateDead, 10)
	done, _ := st.Messages(ctx, alerts.StateDelivered, 10)
	if len(dead) != 1 || dead[0].ID != b.ID || dead[0].LastError != "400 Bad Request" || len(done) != 1 || done[0].Attempts != 2 {
		t.Errorf("dead %+v, delivered %+v", dead, done)
	}
	// 410: the endpoint is disabled, its pending messages die
	upsert(t, ix, rec("501", "Go developer", c.t.Add(time.Second)))
	c.add(time.Minute)
	evaluate(t, st, ix)
	ep := s.Endpoints[0].ID
	if err := st.DisableEndpoint(ctx, s.ID, ep, "410 Gone"); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Due(ctx, c.t, 10)
	if len(got) != 1 || got[0].Endpoint.ID == ep {
		t.Errorf("due after disabling: %+v", got)
	}
	counts, _ := st.Counts(ctx, s.ID)
	if counts[alerts.StateDead] != 2 || counts[alerts.StatePending] != 1 || counts[alerts.StateDelivered] != 1 {
		t.Errorf("counts %v", counts)
	}
	saved, _ := st.Get(ctx, s.ID)
	if !saved.Endpoints[0].Disabled || saved.Endpoints[0].DisabledReason != "410 Gone" {
		t.Errorf("endpoint %+v not disabled", saved.Endpoints[0])
	}
	c.add(time.Minute)
	upsert(t, ix, rec("502", "Go developer", c.t))
	c.add(time.Minute)
	if res := evaluate(t, st, ix); res.Queued != 1 {
		t.Errorf("queued %d, want 1 (the disabled endpoint gets none)", res.Queued)
	}
}

func TestDigest(t *testing.T) {
	ix := openIndex(t)
	st := openStore(t, t.TempDir())
	c := newClock(st) // 09:00
	s, _, err := st.Create(ctx, ix, alerts.Spec{Query: "developer", Endpoints: []alerts.EndpointSpec{{URL: "https://hooks.example/d", Mode: "daily"}}})
	if err != nil {
		t.Fatal(err)
	}
	at, err := alerts.ParseDigestTime("08:00")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alerts.ParseDigestTime("8 o'clock"); err == nil {
		t.Error("a bad digest time parsed")
	}
	// today's digest time is past: the first call marks it done
	if n, _ := st.Digest(ctx, c.t, at, ""); n != 0 {
		t.Errorf("digest with nothing gathered queued %d", n)
	}
	for i, num := range []string{"600", "601", "602"} {
		upsert(t, ix, rec(num, "Go developer", c.t.Add(time.Duration(i)*time.Minute)))
		c.add(time.Hour)
		if res := evaluate(t, st, ix); res.Queued != 0 || res.Recorded != 1 {
			t.Fatalf("evaluation %d: recorded %d, queued %d (daily: no instant message)", i, res.Recorded, res.Queued)
		}
	}
	c.t = time.Date(2026, 3, 3, 7, 59, 0, 0, time.UTC)
	if n, _ := st.Digest(ctx, c.t, at, ""); n != 0 {
		t.Errorf("digest before its time queued %d", n)
	}
	c.t = time.Date(2026, 3, 3, 8, 0, 30, 0, time.UTC)
	n, err := st.Digest(ctx, c.t, at, "")
	if err != nil || n != 1 {
		t.Fatalf("digest at its time queued %d, %v", n, err)
	}
	if n, _ := st.Digest(ctx, c.t.Add(time.Minute), at, ""); n != 0 {
		t.Errorf("a second digest the same day queued %d", n)
	}
	ms, _ := st.Messages(ctx, alerts.StatePending, 10)
	if len(ms) != 1 || ms[0].Type != alerts.TypeDigest {
		t.Fatalf("messages %+v", ms)
	}
	var ev alerts.Event
	json.Unmarshal(ms[0].Body, &ev)
	if ev.Type != "postings.digest" || len(ev.Data.Postings) != 3 || ev.Data.Search.ID != s.ID {
		t.Errorf("digest body %s", ms[0].Body)
	}
	c.t = time.Date(2026, 3, 4, 8, 1, 0, 0, time.UTC)
	if n, _ := st.Digest(ctx, c.t, at, ""); n != 0 {
		t.Errorf("next day's digest with nothing new queued %d", n)
	}
}

func TestFeedCapped(t *testing.T) {
	ix := openIndex(t)
	st := openStore(t, t.TempDir())
	c := newClock(st)
	s, _, _ := st.Create(ctx, ix, alerts.Spec{Query: "developer"})
	for round := range 3 {
		var recs []index.Record
		for i := range 90 {
			recs = append(recs, rec(strings.Repeat("x", round+1)+string(rune('a'+i/26))+string(rune('a'+i%26)), "Go developer", c.t.Add(time.Second)))
		}
		upsert(t, ix, recs...)
		c.add(time.Minute)
		evaluate(t, st, ix)
	}
	if got := feedIDs(t, st, s.ID); len(got) != alerts.FeedSize {
		t.Errorf("feed holds %d, want the cap %d", len(got), alerts.FeedSize)
	}
	stats, _ := st.Stats(ctx)
	if stats.FeedPruned != 270-alerts.FeedSize || stats.Recorded != 270 {
		t.Errorf("stats %+v", stats)
	}
}

// TestOutboxPrunesFinished: delivered and dead messages are kept up to a
// cap, the oldest pruned and counted; pending ones are never pruned.
func TestOutboxPrunesFinished(t *testing.T) {
	defer alerts.SetKeepFinished(3)()
	ix := openIndex(t)
	st := openStore(t, t.TempDir())
	c := newClock(st)
	st.Create(ctx, ix, alerts.Spec{Query: "developer", Endpoints: []alerts.EndpointSpec{{URL: "https://hooks.example/a"}}})
	for i := range 6 {
		c.add(time.Minute)
		upsert(t, ix, rec(fmt.Sprintf("70%d", i), "Go developer", c.t))
		c.add(time.Second)
		evaluate(t, st, ix)
	}
	due, _ := st.Due(ctx, c.t, 10)
	if len(due) != 6 {
		t.Fatalf("%d due, want 6", len(due))
	}
	for _, m := range due[:5] {
		if err := st.Delivered(ctx, m.ID, c.t, 200); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := st.Messages(ctx, "", 100)
	if len(all) != 4 || all[0].ID != due[5].ID || all[0].State != alerts.StatePending {
		t.Errorf("kept %d messages (newest %+v), want the pending one and the 3 newest delivered", len(all), all[0])
	}
	if s, _ := st.Stats(ctx); s.Pruned != 2 || s.Pending != 1 {
		t.Errorf("stats %+v, want 2 pruned, 1 pending", s)
	}
}

// TestDigestCapped: a digest holds at most MaxDigest postings and says how
// many more there were.
func TestDigestCapped(t *testing.T) {
	ix := openIndex(t)
	st := openStore(t, t.TempDir())
	c := newClock(st)
	at, _ := alerts.ParseDigestTime("08:00")
	st.Create(ctx, ix, alerts.Spec{Query: "developer", Endpoints: []alerts.EndpointSpec{{URL: "https://hooks.example/d", Mode: "daily"}}})
	st.Digest(ctx, c.t, at, "") // today's is done
	var recs []index.Record
	for i := range alerts.MaxDigest + 30 {
		recs = append(recs, rec(fmt.Sprintf("d%05d", i), "Go developer", c.t.Add(time.Second)))
	}
	for i := 0; i < len(recs); i += 500 {
		upsert(t, ix, recs[i:min(len(recs), i+500)]...)
	}
	c.add(time.Minute)
	if res := evaluate(t, st, ix); res.Recorded != alerts.MaxDigest+30 {
		t.Fatalf("recorded %d", res.Recorded)
	}
	c.t = time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	n, err := st.Digest(ctx, c.t, at, "")
	if err != nil || n != alerts.MaxDigest/alerts.MaxPostingsPerMessage {
		t.Fatalf("digest queued %d messages, %v; want %d", n, err, alerts.MaxDigest/alerts.MaxPostingsPerMessage)
	}
	ms, _ := st.Messages(ctx, alerts.StatePending, 100)
	total, more := 0, 0
	for _, m := range ms {
		var ev alerts.Event
		json.Unmarshal(m.Body, &ev)
		total += len(ev.Data.Postings)
		more += ev.Data.More
	}
	if total != alerts.MaxDigest || more != 30 {
		t.Errorf("digest carries %d postings and says %d more, want %d and 30", total, more, alerts.MaxDigest)
	}
	if s, _ := st.Stats(ctx); s.DigestCut != 30 {
		t.Errorf("digest_cut %d, want 30", s.DigestCut)
	}
}
