package alerts

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/jobcrawl/jobcrawl/index"
)

// Lookback is how far before a search's watermark an evaluation reads:
// room for the runs that started before the last evaluation and committed
// after it (their postings are first seen at their start) and for clocks
// that disagree. What it reads twice, the delivered set filters out.
const Lookback = 30 * time.Minute

// pageSize is how many postings an evaluation reads per index query.
const pageSize = 500

// Posting is a record as messages and feeds carry it: what identifies it
// and what a reader decides on, no description beyond a summary.
type Posting struct {
	ID             string    `json:"id"`
	Site           string    `json:"site"`
	JobNumber      string    `json:"job_number"`
	Title          string    `json:"title"`
	Company        string    `json:"company,omitempty"`
	Locations      []string  `json:"locations,omitempty"`
	URL            string    `json:"url,omitempty"`
	DatePosted     string    `json:"date_posted,omitempty"`
	EmploymentType string    `json:"employment_type,omitempty"`
	WorkplaceType  string    `json:"workplace_type,omitempty"`
	SalaryMin      float64   `json:"salary_min,omitempty"`
	SalaryMax      float64   `json:"salary_max,omitempty"`
	SalaryCurrency string    `json:"salary_currency,omitempty"`
	SalaryPeriod   string    `json:"salary_period,omitempty"`
	FirstSeen      time.Time `json:"first_seen"`
	Summary        string    `json:"summary,omitempty"`
}

// SummaryLen is how many characters of the description a Posting keeps.
const SummaryLen = 280

// PostingOf trims a record to a Posting.
func PostingOf(r index.Record) Posting {
	return Posting{ID: r.ID, Site: r.Site, JobNumber: r.JobNumber, Title: r.Title, Company: r.Company,
		Locations: slices.Clone(r.Locations), URL: r.URL, DatePosted: r.DatePosted, EmploymentType: r.EmploymentType,
		WorkplaceType: r.WorkplaceType, SalaryMin: r.SalaryMin, SalaryMax: r.SalaryMax, SalaryCurrency: r.SalaryCurrency,
		SalaryPeriod: r.SalaryPeriod, FirstSeen: r.FirstSeen.UTC(), Summary: Summary(r.Description, SummaryLen)}
}

// Summary is the start of text, whitespace collapsed, cut at a word
// within n characters.
func Summary(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)[:n]
	s := string(r)
	if i := strings.LastIndexByte(s, ' '); i > n/2 {
		s = s[:i]
	}
	return s + "…"
}

// delivered is what a saved search remembers of a posting it recorded.
type delivered struct {
	At   time.Time `json:"at"`
	Hash string    `json:"hash,omitempty"`
	// Seen: marked when the search was created (not recorded, no alert).
	Seen bool `json:"seen,omitempty"`
	// Closed: the posting was found closed since (for realert reopened).
	Closed bool `json:"closed,omitempty"`
}

func deliveredOf(r index.Record, at time.Time, seen bool) delivered {
	return delivered{At: at, Hash: r.ContentHash, Seen: seen}
}

// Event is the body of a message in the standard format.
type Event struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      EventData `json:"data"`
}

// EventData is an event's payload.
type EventData struct {
	Search   EventSearch `json:"search"`
	Postings []Posting   `json:"postings"`
	// Part and Parts number the messages one evaluation (or digest) was
	// split into (MaxPostingsPerMessage each).
	Part  int `json:"part"`
	Parts int `json:"parts"`
	// More counts the postings a digest left out past MaxDigest.
	More int `json:"more,omitempty"`
}

// EventSearch names the saved search of an event.
type EventSearch struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// Result is what one evaluation did.
type Result struct {
	Searches  int           `json:"searches"`
	Read      int           `json:"read"`     // postings read from the index
	Recorded  int           `json:"recorded"` // postings recorded as new matches
	Queued    int           `json:"queued"`   // messages queued
	Truncated int           `json:"truncated"`
	Duration  time.Duration `json:"duration"`
}

// EvalOptions tune an evaluation.
type EvalOptions struct {
	// Floor, when not zero, is the start of the oldest run still going:
	// the watermark stays at or before it, so postings that run commits
	// later are read by the next evaluation.
	Floor time.Time
	// BaseURL is the server's public address, for the links in messages.
	BaseURL string
}

// Evaluate finds, for every saved search, the open postings it matches
// and has not recorded before, records them (delivered set and feed) and
// queues a message per enabled instant endpoint (a digest entry for daily
// ones), each search in one transaction. It reads only postings first seen
// since the search's watermark less Lookback, newest first.
func (st *Store) Evaluate(ctx context.Context, ix index.Index, opts EvalOptions) (Result, error) {
	start := time.Now()
	var res Result
	searches, err := st.List(ctx)
	if err != nil {
		return res, err
	}
	var errs []string
	for _, s := range searches {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := st.evaluate(ctx, ix, s, opts, &res); err != nil {
			errs = append(errs, fmt.Sprintf("saved search %s: %v", s.ID, err))
		}
		res.Searches++
	}
	res.Duration = time.Since(start)
	if len(errs) > 0 {
		return res, fmt.Errorf("evaluate: %s", strings.Join(errs, "; "))
	}
	return res, nil
}

// candidates reads the open postings of s first seen at or after since,
// newest first, at most MaxCandidates; truncated says whether it stopped
// there.
func candidates(ctx context.Context, ix searcher, s Search, since time.Time) ([]index.Record, bool, error) {
	q, err := s.IndexQuery()
	if err != nil {
		return nil, false, err
	}
	q.Sort = []index.Sort{{Field: "first_seen", Desc: true}}
	q.Limit, q.Facets = pageSize, nil
	var out []index.Record
	for q.Offset = 0; q.Offset < MaxCandidates; q.Offset += pageSize {
		page, err := ix.Search(ctx, q)
		if err != nil {
			return nil, false, err
		}
		for _, r := range page.Hits {
			if !since.IsZero() && r.FirstSeen.Before(since) {
				return out, false, nil
			}
			out = append(out, r)
		}
		if len(page.Hits) < pageSize {
			return out, false, nil
		}
	}
	return out, true, nil
}

// recentlySeen reads the open postings of s seen at or after since
// (last_seen), for the re-alert options, at most MaxCandidates.
func recentlySeen(ctx context.Context, ix searcher, s Search, since time.Time) ([]index.Record, error) {
	q, err := s.IndexQuery()
	if err != nil {
		return nil, err
	}
	q.Sort = []index.Sort{{Field: "last_seen", Desc: true}}
	q.Limit, q.Facets = pageSize, nil
	var out []index.Record
	for q.Offset = 0; q.Offset < MaxCandidates; q.Offset += pageSize {
		page, err := ix.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Hits {
			if r.LastSeen.Before(since) {
				return out, nil
			}
			out = append(out, r)
		}
		if len(page.Hits) < pageSize {
			break
		}
	}
	return out, nil
}

// maxWatched is how many of its latest recorded postings a search with
// realert "reopened" checks for closure at each evaluation.
const maxWatched = 500

func (st *Store) evaluate(ctx context.Context, ix index.Index, s Search, opts EvalOptions, res *Result) error {
	now := st.now()
	since := time.Time{}
	if !s.Watermark.IsZero() {
		since = s.Watermark.Add(-Lookback)
	}
	recs, truncated, err := candidates(ctx, ix, s, since)
	if err != nil {
		return err
	}
	res.Read += len(recs)
	var again []index.Record
	if len(s.Realert) > 0 && !s.LastEvaluated.IsZero() {
		if again, err = recentlySeen(ctx, ix, s, s.LastEvaluated.Add(-Lookback)); err != nil {
			return err
		}
		res.Read += len(again)
	}
	var closed []string
	if slices.Contains(s.Realert, "reopened") {
		if closed, err = st.closedSince(ctx, ix, s.ID); err != nil {
			return err
		}
	}
	watermark := now
	if !opts.Floor.IsZero() && opts.Floor.Before(watermark) {
		watermark = opts.Floor
	}
	return st.db.Update(func(tx *bolt.Tx) error {
		cur, err := getSearch(tx, s.ID)
		if err != nil {
			return nil // removed meanwhile
		}
		sb := tx.Bucket(bSearch).Bucket([]byte(s.ID))
		if sb == nil {
			return nil
		}
		d := sb.Bucket(bDelivered)
		for _, id := range closed {
			var dv delivered
			if v := d.Get([]byte(id)); v != nil && json.Unmarshal(v, &dv) == nil {
				dv.Closed = true
				if err := putJSON(d, []byte(id), dv); err != nil {
					return err
				}
			}
		}
		var found []index.Record
		seen := map[string]bool{}
		consider := func(r index.Record, realert bool) error {
			if seen[r.ID] || r.Status == index.StatusClosed {
				return nil
			}
			v := d.Get([]byte(r.ID))
			if v != nil {
				var dv delivered
				json.Unmarshal(v, &dv)
				switch {
				case !realert:
					return nil
				case slices.Contains(cur.Realert, "reopened") && dv.Closed:
				case slices.Contains(cur.Realert, "changed") && !dv.Seen && r.ContentHash != "" && dv.Hash != "" && r.ContentHash != dv.Hash:
				default:
					return nil
				}
			}
			seen[r.ID] = true
			found = append(found, r)
			return putJSON(d, []byte(r.ID), deliveredOf(r, now, false))
		}
		for _, r := range recs {
			if err := consider(r, false); err != nil {
				return err
			}
		}
		for _, r := range again {
			if err := consider(r, true); err != nil {
				return err
			}
		}
		if err := st.record(tx, sb, &cur, found, now, opts.BaseURL, res); err != nil {
			return err
		}
		cur.Watermark, cur.LastEvaluated = watermark, now
		cur.Matches += len(found)
		res.Recorded += len(found)
		if truncated {
			res.Truncated++
			if err := addCounter(tx, "truncated", 1); err != nil {
				return err
			}
		}
		if err := addCounter(tx, "evaluations", 1); err != nil {
			return err
		}
		if err := addCounter(tx, "recorded", len(found)); err != nil {
			return err
		}
		return putSearch(tx, cur)
	})
}

// closedSince checks the latest postings search id recorded (at most
// maxWatched) and returns those now closed or gone.
func (st *Store) closedSince(ctx context.Context, ix index.Index, id string) ([]string, error) {
	var ids []string
	err := st.db.View(func(tx *bolt.Tx) error {
		sb := tx.Bucket(bSearch).Bucket([]byte(id))
		if sb == nil {
			return nil
		}
		c := sb.Bucket(bFeed).Cursor()
		for k, _ := c.Last(); k != nil && len(ids) < maxWatched; k, _ = c.Prev() {
			rid := string(k[8:])
			var dv delivered
			if v := sb.Bucket(bDelivered).Get([]byte(rid)); v != nil && json.Unmarshal(v, &dv) == nil && !dv.Closed {
				ids = append(ids, rid)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var closed []string
	for _, rid := range ids {
		r, err := ix.Get(ctx, rid)
		switch {
		case err == nil && r.Status == index.StatusClosed:
			closed = append(closed, rid)
		case err != nil && err != index.ErrNotFound:
			return nil, err
		}
	}
	return closed, nil
}

// record writes found into the search's feed and queues its messages (or
// digest entries), in tx.
func (st *Store) record(tx *bolt.Tx, sb *bolt.Bucket, s *Search, found []index.Record, now time.Time, baseURL string, res *Result) error {
	if len(found) == 0 {
		return nil
	}
	posts := make([]Posting, len(found))
	feed := sb.Bucket(bFeed)
	for i, r := range found {
		posts[i] = PostingOf(r)
		// newest first in the feed: the index order (first_seen desc) is
		// kept by spacing the entries a nanosecond apart
		at := now.Add(-time.Duration(i))
		if err := putJSON(feed, timeKey(at, r.ID), FeedEntry{Found: now, Posting: posts[i]}); err != nil {
			return err
		}
	}
	if err := pruneFeed(tx, feed); err != nil {
		return err
	}
	for _, ep := range s.Endpoints {
		if ep.Disabled {
			continue
		}
		if ep.Mode == "daily" {
			dg := sb.Bucket(bDigest)
			cut, held := 0, countKeys(dg)
			for _, p := range posts {
				if dg.Get([]byte(p.ID)) == nil && held >= MaxDigest {
					cut++
					continue
				}
				if dg.Get([]byte(p.ID)) == nil {
					held++
				}
				if err := putJSON(dg, []byte(p.ID), p); err != nil {
					return err
				}
			}
			if err := addCounter(tx, "digest_cut", cut); err != nil {
				return err
			}
			if err := addUint(sb, keyDigestMore, cut); err != nil {
				return err
			}
			break // the digest is shared by the daily endpoints
		}
	}
	n, err := queueParts(tx, *s, TypeNew, posts, 0, now, baseURL, func(ep Endpoint) bool { return ep.Mode != "daily" })
	res.Queued += n
	return err
}

// queueParts queues the postings to every enabled endpoint that want
// accepts, MaxPostingsPerMessage a message.
func queueParts(tx *bolt.Tx, s Search, typ string, posts []Posting, more int, now time.Time, baseURL string, want func(Endpoint) bool) (int, error) {
	parts := (len(posts) + MaxPostingsPerMessage - 1) / MaxPostingsPerMessage
	queued := 0
	for _, ep := range s.Endpoints {
		if ep.Disabled || !want(ep) {
			continue
		}
		for p := 0; p < parts; p++ {
			chunk := posts[p*MaxPostingsPerMessage : min(len(posts), (p+1)*MaxPostingsPerMessage)]
			ev := Event{Type: typ, Timestamp: now.Truncate(time.Second), Data: EventData{Search: EventSearch{ID: s.ID, Name: s.Name}, Postings: chunk,
				Part: p + 1, Parts: parts}}
			if p == parts-1 {
				ev.Data.More = more
			}
			if baseURL != "" {
				ev.Data.Search.URL = strings.TrimRight(baseURL, "/") + "/searches/" + s.ID
			}
			body, err := json.Marshal(ev)
			if err != nil {
				return queued, err
			}
			if _, err := queue(tx, s, ep, typ, body, now); err != nil {
				return queued, err
			}
			queued++
		}
	}
	return queued, nil
}

// pruneFeed keeps the newest FeedSize entries.
func pruneFeed(tx *bolt.Tx, feed *bolt.Bucket) error {
	n := countKeys(feed)
	if n <= FeedSize {
		return nil
	}
	var drop [][]byte
	c := feed.Cursor()
	for k, _ := c.First(); k != nil && len(drop) < n-FeedSize; k, _ = c.Next() {
		drop = append(drop, slices.Clone(k))
	}
	for _, k := range drop {
		if err := feed.Delete(k); err != nil {
			return err
		}
	}
	return addCounter(tx, "feed_pruned", len(drop))
}

// DigestTime is a time of day, "08:00".
type DigestTime struct{ Hour, Minute int }

// ParseDigestTime reads "HH:MM" (24-hour).
func ParseDigestTime(s string) (DigestTime, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return DigestTime{}, fmt.Errorf("%q is not a time of day like 08:00", s)
	}
	return DigestTime{t.Hour(), t.Minute()}, nil
}

// Digest queues the daily digests that are due at now: for each saved
// search with daily endpoints whose last digest is before today's digest
// time (in now's location), one "postings.digest" message per daily
// endpoint with the postings gathered since (none when nothing was), and
// the gathered postings are cleared. The daemon calls it every minute.
func (st *Store) Digest(ctx context.Context, now time.Time, at DigestTime, baseURL string) (int, error) {
	due := time.Date(now.Year(), now.Month(), now.Day(), at.Hour, at.Minute, 0, 0, now.Location())
	if now.Before(due) {
		return 0, nil
	}
	searches, err := st.List(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, s := range searches {
		if !s.LastDigest.IsZero() && !s.LastDigest.Before(due) {
			continue
		}
		err := st.db.Update(func(tx *bolt.Tx) error {
			cur, err := getSearch(tx, s.ID)
			if err != nil {
				return nil
			}
			sb := tx.Bucket(bSearch).Bucket([]byte(s.ID))
			if sb == nil {
				return nil
			}
			dg := sb.Bucket(bDigest)
			var posts []Posting
			var keys [][]byte
			err = dg.ForEach(func(k, v []byte) error {
				var p Posting
				if err := json.Unmarshal(v, &p); err != nil {
					return err
				}
				posts = append(posts, p)
				keys = append(keys, slices.Clone(k))
				return nil
			})
			if err != nil {
				return err
			}
			slices.SortFunc(posts, func(a, b Posting) int {
				if c := b.FirstSeen.Compare(a.FirstSeen); c != 0 {
					return c
				}
				return strings.Compare(a.ID, b.ID)
			})
			more := getUint(sb, keyDigestMore)
			if err := sb.Delete(keyDigestMore); err != nil {
				return err
			}
			if len(posts) > 0 {
				n, err := queueParts(tx, cur, TypeDigest, posts, more, now.UTC(), baseURL, func(ep Endpoint) bool { return ep.Mode == "daily" })
				if err != nil {
					return err
				}
				queued += n
			}
			for _, k := range keys {
				if err := dg.Delete(k); err != nil {
					return err
				}
			}
			cur.LastDigest = now.UTC()
			return putSearch(tx, cur)
		})
		if err != nil {
			return queued, fmt.Errorf("digest of saved search %s: %w", s.ID, err)
		}
	}
	return queued, nil
}

// countKeys counts the keys of b. (Bucket.Stats ignores what the running
// write transaction changed.)
func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// keyDigestMore counts, in a search's bucket, the postings its digest
// left out past MaxDigest since the last digest.
var keyDigestMore = []byte("digest_more")

func getUint(b *bolt.Bucket, key []byte) int {
	if v := b.Get(key); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v))
	}
	return 0
}

func addUint(b *bolt.Bucket, key []byte, n int) error {
	if n == 0 {
		return nil
	}
	buf := make([]byte, 8)
	binary.BigEndian.PutUint64(buf, uint64(getUint(b, key)+n))
	return b.Put(key, buf)
}
