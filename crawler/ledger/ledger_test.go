package ledger

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var day0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// held builds held open jobs 1..n, each read from page u<i> with hash h<i>.
func held(n int) []Held {
	var out []Held
	for i := 1; i <= n; i++ {
		out = append(out, Held{ID: id(i), JobNumber: num(i), LastSeen: day0.Add(-24 * time.Hour),
			Copies: []Copy{{Key: key(i), Hash: hash(i)}}})
	}
	return out
}

func num(i int) string  { return fmt.Sprint(i) }
func id(i int) string   { return "s_" + num(i) }
func key(i int) string  { return "u" + num(i) }
func hash(i int) string { return "h" + num(i) }

func ids(is ...int) []string {
	var out []string
	for _, i := range is {
		out = append(out, id(i))
	}
	slices.Sort(out)
	return out
}

// closed marks held job i closed at t.
func closed(h []Held, i int, at time.Time) []Held {
	h[i-1].Closed, h[i-1].ClosedAt = true, at
	return h
}

// An ev is one event of a run, with the action it must answer (for Fetched).
type ev func(tb testing.TB, l *Ledger)

func page() ev { return func(_ testing.TB, l *Ledger) { l.ResultPage() } }
func pageFailed(start bool, f Failure) ev {
	return func(_ testing.TB, l *Ledger) { l.ResultPageFailed(start, f) }
}
func fetched(i int, k, h string, want Action) ev {
	return func(tb testing.TB, l *Ledger) {
		tb.Helper()
		if got := l.Fetched(num(i), Copy{Key: k, Hash: h}); got != want {
			tb.Errorf("fetched job %d from %s (%s): got %s, want %s", i, k, h, got, want)
		}
	}
}
func same(i int, want Action) ev { return fetched(i, key(i), hash(i), want) }

// seeAll fetches jobs from..to unchanged.
func seeAll(from, to int) ev {
	return func(tb testing.TB, l *Ledger) {
		tb.Helper()
		for i := from; i <= to; i++ {
			same(i, Touch)(tb, l)
		}
	}
}
func notModified(k string, want ...int) ev {
	return func(tb testing.TB, l *Ledger) {
		tb.Helper()
		var w []string
		for _, i := range want {
			w = append(w, num(i))
		}
		if got := l.NotModified(k); !slices.Equal(got, w) {
			tb.Errorf("not modified %s: touch %v, want %v", k, got, w)
		}
	}
}
func gone(k string) ev              { return func(_ testing.TB, l *Ledger) { l.Gone(k) } }
func failed(k string, f Failure) ev { return func(_ testing.TB, l *Ledger) { l.Failed(k, f) } }
func limit() ev                     { return func(_ testing.TB, l *Ledger) { l.LimitHit() } }
func short(listed, announced int) ev {
	return func(_ testing.TB, l *Ledger) { l.ShortListing(listed, announced) }
}
func evs(e ...ev) []ev                 { return e }
func cfg(share float64) Config         { return Config{Now: day0, MaxCloseShare: share} }
func retain(d time.Duration) Config    { return Config{Now: day0, Retention: d} }
func copyOf(i int, k, h string) []Copy { return []Copy{{Key: k, Hash: h}} }

// want is the part of a plan a row checks.
type want struct {
	outcome                           Outcome
	reason                            string
	newN, changed, unchanged, reopen  int
	close, del                        []string
	guard                             bool
	postings, dups, errors, protected int
	gone                              int
}

func TestLedgerRules(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		held   []Held
		events []ev
		ending Ending
		want   want
	}{
		{
			name:   "first run: every job is new",
			held:   nil,
			events: evs(page(), fetched(1, "a", "x", Write), fetched(2, "b", "y", Write), page(), fetched(3, "c", "z", Write)),
			want:   want{outcome: Complete, newN: 3, postings: 3},
		},
		{
			name:   "a sighting of an unchanged job touches it",
			held:   held(1),
			events: evs(page(), same(1, Touch)),
			want:   want{outcome: Complete, unchanged: 1, postings: 1},
		},
		{
			name:   "a changed job is written",
			held:   held(1),
			events: evs(page(), fetched(1, key(1), "new", Write)),
			want:   want{outcome: Complete, changed: 1, postings: 1},
		},
		{
			name:   "a job found under a new URL is written (its URLs changed)",
			held:   held(1),
			events: evs(page(), fetched(1, "elsewhere", hash(1), Write)),
			want:   want{outcome: Complete, changed: 1, postings: 1},
		},
		{
			name:   "a closed job seen unchanged reopens with a touch",
			held:   closed(held(2), 1, day0.Add(-48*time.Hour)),
			events: evs(page(), same(1, Touch), same(2, Touch)),
			want:   want{outcome: Complete, reopen: 1, unchanged: 1, postings: 2},
		},
		{
			name:   "a closed job seen changed reopens with a write",
			held:   closed(held(2), 1, day0.Add(-48*time.Hour)),
			events: evs(page(), fetched(1, key(1), "new", Write), same(2, Touch)),
			want:   want{outcome: Complete, reopen: 1, unchanged: 1, postings: 2},
		},
		{
			name:   "a complete run closes what it did not see",
			held:   held(10),
			events: evs(page(), seeAll(1, 8)),
			want:   want{outcome: Complete, unchanged: 8, close: ids(9, 10), postings: 8},
		},
		{
			name:   "mass-close guard: 4 of 10 is over 30%, none closed",
			held:   held(10),
			events: evs(page(), seeAll(1, 6)),
			want:   want{outcome: Complete, unchanged: 6, guard: true, postings: 6},
		},
		{
			name:   "mass-close guard at a share of 0.5 lets 4 of 10 close",
			cfg:    cfg(0.5),
			held:   held(10),
			events: evs(page(), seeAll(1, 6)),
			want:   want{outcome: Complete, unchanged: 6, close: ids(7, 8, 9, 10), postings: 6},
		},
		{
			name:   "mass-close guard counts gone pages too",
			held:   held(10),
			events: evs(page(), seeAll(1, 6), gone(key(7)), gone(key(8)), gone(key(9)), gone(key(10))),
			want:   want{outcome: Complete, unchanged: 6, guard: true, postings: 6, gone: 4},
		},
		{
			name:   "a site emptied by a broken selector closes nothing",
			held:   held(20),
			events: evs(page()),
			want:   want{outcome: Complete, guard: true},
		},
		{
			name:   "a posting in a redirect loop stays open, and the run is incomplete",
			held:   held(10),
			events: evs(page(), seeAll(1, 9), failed(key(10), RedirectLoop)),
			want:   want{outcome: Incomplete, reason: ReasonFailed, unchanged: 9, postings: 9, errors: 1, protected: 1},
		},
		{
			name: "a job with one page gone and another failing is not closed",
			held: append(held(9), Held{ID: id(10), JobNumber: num(10),
				Copies: []Copy{{Key: "u10a", Hash: "h"}, {Key: "u10b", Hash: "h"}}}),
			events: evs(page(), seeAll(1, 9), gone("u10a"), failed("u10b", Transient)),
			want:   want{outcome: Incomplete, reason: ReasonFailed, unchanged: 9, postings: 9, errors: 1, protected: 1, gone: 1},
		},
		{
			name:   "gone pages close at once, even in an incomplete run",
			held:   held(10),
			events: evs(page(), seeAll(1, 8), gone(key(9)), failed("other", Transient)),
			want:   want{outcome: Incomplete, reason: ReasonFailed, unchanged: 8, close: ids(9), postings: 8, errors: 1, gone: 1},
		},
		{
			name: "a job gone under one URL but seen under another stays open",
			held: append(held(9), Held{ID: id(10), JobNumber: num(10),
				Copies: []Copy{{Key: "u10a", Hash: "h"}, {Key: "u10b", Hash: "h"}}}),
			events: evs(page(), seeAll(1, 9), gone("u10a"), fetched(10, "u10b", "h", Touch)),
			want:   want{outcome: Complete, unchanged: 10, postings: 10, gone: 1},
		},
		{
			name:   "a start page that fails fails the run, and closes nothing",
			held:   held(10),
			events: evs(pageFailed(true, Transient)),
			want:   want{outcome: Failed, reason: ReasonStartFailed, errors: 1},
		},
		{
			name:   "a start page in a redirect loop fails the run",
			held:   held(10),
			events: evs(pageFailed(true, RedirectLoop)),
			want:   want{outcome: Failed, reason: ReasonStartFailed, errors: 1},
		},
		{
			name:   "a start page that fails fails the run even when other pages were walked",
			held:   held(4),
			events: evs(page(), seeAll(1, 2), pageFailed(true, Refused)),
			want:   want{outcome: Failed, reason: ReasonStartFailed, unchanged: 2, postings: 2, errors: 1},
		},
		{
			name:   "a run that read no result page failed, never complete with 0 postings",
			held:   held(10),
			events: nil,
			want:   want{outcome: Failed, reason: ReasonNoPages},
		},
		{
			name:   "a later result page that fails leaves the run incomplete",
			held:   held(10),
			events: evs(page(), seeAll(1, 5), pageFailed(false, Transient)),
			want:   want{outcome: Incomplete, reason: ReasonFailed, unchanged: 5, postings: 5, errors: 1},
		},
		{
			name:   "a cancelled run closes only what is gone",
			held:   held(10),
			events: evs(page(), seeAll(1, 3), gone(key(4))),
			ending: Cancelled,
			want:   want{outcome: Stopped, reason: ReasonCancelled, unchanged: 3, close: ids(4), postings: 3, gone: 1},
		},
		{
			name:   "a run that lost its lease closes nothing, not even what is gone",
			held:   held(10),
			events: evs(page(), seeAll(1, 9), gone(key(10))),
			ending: LeaseLost,
			want:   want{outcome: Stopped, reason: ReasonLeaseLost, unchanged: 9, postings: 9, gone: 1},
		},
		{
			name:   "a run the index failed under closes nothing",
			held:   held(10),
			events: evs(page(), seeAll(1, 9), gone(key(10))),
			ending: StoreFailed,
			want:   want{outcome: Failed, reason: ReasonStore, unchanged: 9, postings: 9, gone: 1},
		},
		{
			name:   "a run that timed out is incomplete",
			held:   held(10),
			events: evs(page(), seeAll(1, 5)),
			ending: TimedOut,
			want:   want{outcome: Incomplete, reason: ReasonTimeout, unchanged: 5, postings: 5},
		},
		{
			name:   "a run that hit its page limit closes nothing it did not see",
			held:   held(10),
			events: evs(page(), seeAll(1, 9), limit()),
			want:   want{outcome: Incomplete, reason: ReasonLimit, unchanged: 9, postings: 9},
		},
		{
			name:   "a listing shorter than announced closes nothing",
			held:   held(10),
			events: evs(page(), seeAll(1, 9), short(9, 10)),
			want:   want{outcome: Incomplete, reason: "listed 9 of the 10 postings the API announced", unchanged: 9, postings: 9},
		},
		{
			name:   "304 Not Modified is an unchanged sighting",
			held:   held(3),
			events: evs(page(), notModified(key(1), 1), notModified(key(2), 2), same(3, Touch)),
			want:   want{outcome: Complete, unchanged: 3, postings: 3},
		},
		{
			name:   "304 of a closed job reopens it",
			held:   closed(held(2), 2, day0.Add(-time.Hour)),
			events: evs(page(), same(1, Touch), notModified(key(2), 2)),
			want:   want{outcome: Complete, unchanged: 1, reopen: 1, postings: 2},
		},
		{
			name: "304 of a page that held two jobs sees both",
			held: []Held{{ID: id(1), JobNumber: num(1), Copies: copyOf(1, "list", "a")},
				{ID: id(2), JobNumber: num(2), Copies: copyOf(2, "list", "b")}},
			events: evs(page(), notModified("list", 1, 2), notModified("list")),
			want:   want{outcome: Complete, unchanged: 2, postings: 2, dups: 2},
		},
		{
			name:   "copies of a new job: one write, then merges; one posting",
			held:   nil,
			events: evs(page(), fetched(1, "a", "x", Write), fetched(1, "b", "y", Merge), fetched(1, "c", "x", Merge)),
			want:   want{outcome: Complete, newN: 1, postings: 1, dups: 2},
		},
		{
			name:   "the same copy twice is nothing the second time",
			held:   nil,
			events: evs(page(), fetched(1, "a", "x", Write), fetched(1, "a", "x", Nothing)),
			want:   want{outcome: Complete, newN: 1, postings: 1, dups: 1},
		},
		{
			name: "an unchanged job whose other copy changed becomes changed",
			held: []Held{{ID: id(1), JobNumber: num(1),
				Copies: []Copy{{Key: "a", Hash: "x"}, {Key: "b", Hash: "y"}}}},
			events: evs(page(), fetched(1, "a", "x", Touch), fetched(1, "b", "y2", Merge)),
			want:   want{outcome: Complete, changed: 1, postings: 1, dups: 1},
		},
		{
			name: "an unchanged job whose other copy is unchanged stays unchanged",
			held: []Held{{ID: id(1), JobNumber: num(1),
				Copies: []Copy{{Key: "a", Hash: "x"}, {Key: "b", Hash: "y"}}}},
			events: evs(page(), fetched(1, "a", "x", Touch), fetched(1, "b", "y", Nothing)),
			want:   want{outcome: Complete, unchanged: 1, postings: 1, dups: 1},
		},
		{
			name:   "retention: a complete run deletes what was closed longer ago",
			cfg:    retain(90 * 24 * time.Hour),
			held:   closed(closed(held(12), 11, day0.Add(-91*24*time.Hour)), 12, day0.Add(-10*24*time.Hour)),
			events: evs(page(), seeAll(1, 10)),
			want:   want{outcome: Complete, unchanged: 10, postings: 10, del: ids(11)},
		},
		{
			name:   "retention: an incomplete run deletes nothing",
			cfg:    retain(90 * 24 * time.Hour),
			held:   closed(held(11), 11, day0.Add(-91*24*time.Hour)),
			events: evs(page(), seeAll(1, 10), failed("x", Transient)),
			want:   want{outcome: Incomplete, reason: ReasonFailed, unchanged: 10, postings: 10, errors: 1},
		},
		{
			name:   "retention: a closed job seen again is reopened, not deleted",
			cfg:    retain(90 * 24 * time.Hour),
			held:   closed(held(11), 11, day0.Add(-91*24*time.Hour)),
			events: evs(page(), seeAll(1, 11)),
			want:   want{outcome: Complete, unchanged: 10, reopen: 1, postings: 11},
		},
		{
			name: "retention: without closed_at, last_seen stands for it",
			cfg:  retain(90 * 24 * time.Hour),
			held: append(held(10), Held{ID: id(11), JobNumber: num(11), Closed: true,
				LastSeen: day0.Add(-100 * 24 * time.Hour)}),
			events: evs(page(), seeAll(1, 10)),
			want:   want{outcome: Complete, unchanged: 10, postings: 10, del: ids(11)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cfg
			if c.Now.IsZero() {
				c.Now = day0
			}
			l := New(c)
			for _, h := range tc.held {
				l.Hold(h)
			}
			for _, e := range tc.events {
				e(t, l)
			}
			p := l.End(tc.ending)
			got := want{outcome: p.Outcome, reason: p.Reason, newN: p.New, changed: p.Changed, unchanged: p.Unchanged,
				reopen: p.Reopened, close: p.Close, del: p.Delete, guard: p.Guard != "", postings: p.Postings,
				dups: p.Duplicates, errors: p.Errors, protected: p.Protected, gone: p.Gone}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("plan:\n got  %+v\n want %+v", got, tc.want)
			}
			if p.Postings != p.New+p.Changed+p.Unchanged+p.Reopened {
				t.Errorf("%d postings, but new+changed+unchanged+reopened = %d", p.Postings, p.New+p.Changed+p.Unchanged+p.Reopened)
			}
			if (p.Outcome == Complete) != (p.Reason == "") {
				t.Errorf("outcome %s with reason %q", p.Outcome, p.Reason)
			}
		})
	}
}

// Every failure class is an error of the run, leaves it incomplete, and
// protects the posting it happened to.
func TestLedgerFailureClasses(t *testing.T) {
	for f := Transient; f <= Capped; f++ {
		t.Run(f.String(), func(t *testing.T) {
			if strings.HasPrefix(f.String(), "failure(") {
				t.Fatalf("class %d has no name", f)
			}
			l := New(Config{Now: day0})
			for _, h := range held(4) {
				l.Hold(h)
			}
			l.ResultPage()
			for i := 1; i <= 3; i++ {
				l.Fetched(num(i), Copy{Key: key(i), Hash: hash(i)})
			}
			l.Failed(key(4), f)
			p := l.End(Finished)
			if p.Outcome != Incomplete || len(p.Close) != 0 || p.Protected != 1 || p.Errors != 1 || p.Failures[f] != 1 {
				t.Errorf("got outcome %s, close %v, protected %d, errors %d %v; want incomplete, none, 1, 1",
					p.Outcome, p.Close, p.Protected, p.Errors, p.Failures)
			}
		})
	}
}

func TestLedgerSkipCard(t *testing.T) {
	week := 7 * 24 * time.Hour
	fresh, stale := day0.Add(-time.Hour), day0.Add(-8*24*time.Hour)
	mk := func(checked time.Time, closed bool, cards ...string) *Ledger {
		l := New(Config{Now: day0})
		l.Hold(Held{ID: "s_1", JobNumber: "1", Closed: closed, CheckedAt: checked, Cards: cards,
			Copies: []Copy{{Key: "a", Hash: "x"}}})
		return l
	}
	tests := []struct {
		name string
		l    *Ledger
		key  string
		fp   string
		want bool
	}{
		{"card as before, checked lately", mk(fresh, false, "fp"), "a", "fp", true},
		{"card changed", mk(fresh, false, "old"), "a", "fp", false},
		{"due a check", mk(stale, false, "fp"), "a", "fp", false},
		{"never checked", mk(time.Time{}, false, "fp"), "a", "fp", false},
		{"closed", mk(fresh, true, "fp"), "a", "fp", false},
		{"unknown page", mk(fresh, false, "fp"), "b", "fp", false},
		{"no fingerprint", mk(fresh, false, ""), "a", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			touch, skip := tc.l.SkipCard(tc.key, tc.fp, week)
			if skip != tc.want || (skip && !slices.Equal(touch, []string{"1"})) {
				t.Errorf("got skip %v touch %v, want %v", skip, touch, tc.want)
			}
			tc.l.ResultPage()
			if p := tc.l.End(Finished); tc.want && p.Unchanged != 1 {
				t.Errorf("a skipped page's job must count as unchanged: %+v", p)
			}
		})
	}
}

func TestLedgerHeldLookups(t *testing.T) {
	l := New(Config{Now: day0})
	l.Hold(Held{ID: "s_1", JobNumber: "1", Copies: []Copy{{Key: "a", Hash: "x"}, {Key: "b", Hash: "y"}}})
	l.Hold(Held{ID: "s_2", JobNumber: "2", Copies: []Copy{{Key: "b", Hash: "z"}}})
	if got := l.HeldAt("b"); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("held at b: got %v, want [1 2]", got)
	}
	if h, ok := l.Held("2"); !ok || h.ID != "s_2" {
		t.Errorf("held 2: got %+v, %v", h, ok)
	}
	if _, ok := l.Held("3"); ok {
		t.Error("held 3: found, want not held")
	}
	l.Fetched("1", Copy{Key: "b", Hash: "y2"})
	if got := l.Copies("1"); fmt.Sprint(got) != "[{b y2  } {a x  }]" {
		t.Errorf("copies of 1 after a changed copy at b: got %v, want [{b y2} {a x}]", got)
	}
	// holding a record twice counts it once
	l.Hold(Held{ID: "s_2", JobNumber: "2", Copies: []Copy{{Key: "b", Hash: "z"}}})
	if p := l.End(Finished); p.Outcome != Failed || len(p.Close) != 0 {
		t.Errorf("no page walked: got %s, close %v", p.Outcome, p.Close)
	}
}
