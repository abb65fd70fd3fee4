package alerts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/jobcrawl/jobcrawl/index"
)

// Bounds of the store: every list it keeps is capped, and what goes past a
// cap is counted (see Stats).
const (
	// MaxSearches is how many saved searches a store keeps.
	MaxSearches = 1000
	// MaxEndpoints is how many push endpoints one saved search may have.
	MaxEndpoints = 10
	// FeedSize is how many recorded matches of a saved search its feeds
	// show (the newest).
	FeedSize = 200
	// MaxPostingsPerMessage caps the postings of one message; the rest go
	// in the next message of the same evaluation.
	MaxPostingsPerMessage = 100
	// MaxDigest caps the postings a daily digest holds; beyond it the
	// digest says how many more there were.
	MaxDigest = 1000
	// MaxCandidates caps the postings one evaluation of one saved search
	// reads; beyond it the evaluation is counted as truncated.
	MaxCandidates = 10000
	// KeepFinished is how many delivered or dead messages the outbox keeps
	// (the newest) for the API and /metrics; older ones are pruned.
	KeepFinished = 5000
	// MaxNameLen, MaxQueryLen and MaxFilters bound a saved search.
	MaxNameLen  = 100
	MaxQueryLen = 500
	MaxFilters  = 50
	MaxSorts    = 3
	// MaxURLLen bounds an endpoint's URL.
	MaxURLLen = 2000
)

// LockTimeout is how long Open waits for the store's file lock.
const LockTimeout = 200 * time.Millisecond

var (
	// ErrLocked is returned by Open when another process holds the store
	// (another daemon sharing the data directory).
	ErrLocked = errors.New("the alerts store is locked by another process")
	// ErrNotFound is returned for an unknown saved search or message.
	ErrNotFound = errors.New("no such saved search")
	// ErrInvalid wraps the errors of a saved search that cannot be saved
	// as given: the message names the field and value at fault.
	ErrInvalid = errors.New("invalid saved search")
)

// Formats and modes of an endpoint, and re-alert options of a search.
var (
	Formats  = []string{"standard", "slack", "discord", "ntfy"}
	Modes    = []string{"instant", "daily"}
	Realerts = []string{"reopened", "changed"}
)

// Event types.
const (
	TypeNew    = "postings.new"
	TypeDigest = "postings.digest"
)

// Search is a saved search: a query whose new matches are recorded after
// each crawl run and pushed to its endpoints.
type Search struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Query   string    `json:"q"`
	Filters []string  `json:"filters"`
	Sort    []string  `json:"sort,omitempty"`
	Realert []string  `json:"realert,omitempty"`
	Created time.Time `json:"created_at"`
	// Endpoints carry their secrets in memory; the JSON form never does.
	Endpoints []Endpoint `json:"endpoints"`

	// Watermark: postings first seen before it (less the look-back) are
	// not read again by the next evaluation.
	Watermark     time.Time `json:"watermark,omitzero"`
	LastEvaluated time.Time `json:"last_evaluated,omitzero"`
	LastDigest    time.Time `json:"last_digest,omitzero"`
	// Matches counts every posting recorded for the search.
	Matches int `json:"matches"`
}

// stored is a Search as the store keeps it: with the endpoints' secrets.
type stored struct {
	Search
	Secrets map[string][]string `json:"secrets,omitempty"`
}

func (st stored) search() Search {
	s := st.Search
	s.Endpoints = slices.Clone(s.Endpoints)
	for i := range s.Endpoints {
		s.Endpoints[i].Secrets = slices.Clone(st.Secrets[s.Endpoints[i].ID])
	}
	return s
}

func storedOf(s Search) stored {
	st := stored{Search: s, Secrets: map[string][]string{}}
	st.Endpoints = slices.Clone(s.Endpoints)
	for i, ep := range st.Endpoints {
		st.Secrets[ep.ID] = slices.Clone(ep.Secrets)
		st.Endpoints[i].Secrets = nil
	}
	return st
}

// IndexQuery is the index query of the search's matches: its text and
// filters, open postings only.
func (s Search) IndexQuery() (index.Query, error) {
	q := index.Query{Text: s.Query}
	f, err := index.ParseFilters(s.Filters)
	if err != nil {
		return q, err
	}
	q.Filters = append(f, index.Filter{Field: "status", Values: []string{index.StatusOpen}})
	for _, spec := range s.Sort {
		so, err := index.ParseSort(spec)
		if err != nil {
			return q, err
		}
		q.Sort = append(q.Sort, so)
	}
	return q, q.Validate()
}

// Store keeps saved searches, what each has delivered, their feed entries
// and the outbox, in one bbolt file. It implements Outbox.
type Store struct {
	db   *bolt.DB
	path string
	now  func() time.Time
	// urlCheck, when set, also checks every endpoint URL of a search being
	// created (the deliverer's network rules: see SetURLCheck).
	urlCheck func(string) error
}

// SetURLCheck makes Create also refuse an endpoint URL that check refuses,
// such as one on a private network that alerts.allow_networks does not
// list. The deliverer refuses such a destination at every attempt anyway;
// this says so when the search is created. Call it before the store is
// shared.
func (st *Store) SetURLCheck(check func(url string) error) { st.urlCheck = check }

var _ Outbox = (*Store)(nil)

// Buckets. Each saved search has a bucket of its own under bSearch, named
// by its id, holding bDelivered, bFeed and bDigest.
var (
	bSearches  = []byte("searches")  // id → stored JSON
	bSearch    = []byte("search")    // id → {delivered, feed, digest}
	bDelivered = []byte("delivered") // record id → delivered JSON
	bFeed      = []byte("feed")      // found (8 bytes) + record id → FeedEntry JSON
	bDigest    = []byte("digest")    // record id → Posting JSON
	bOutbox    = []byte("outbox")    // message id → message JSON
	bByTime    = []byte("bytime")    // created (8 bytes) + message id → nil
	bDue       = []byte("due")       // next attempt (8 bytes) + message id → nil (pending only)
	bMeta      = []byte("meta")      // counters
)

// Open opens (creating it if needed) the store at path. When another
// process holds it, Open gives up after LockTimeout with ErrLocked.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("alerts store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s is locked)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open alerts store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bSearches, bSearch, bOutbox, bByTime, bDue, bMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open alerts store %s: %w", path, err)
	}
	return &Store{db: db, path: path, now: func() time.Time { return time.Now().UTC() }}, nil
}

// Path is the store's file.
func (st *Store) Path() string { return st.path }

// Close closes the store; it is safe to call more than once.
func (st *Store) Close() error { return st.db.Close() }

// SetClock replaces the store's clock (tests).
func (st *Store) SetClock(now func() time.Time) { st.now = now }

// randomID is prefix + 16 random characters.
func randomID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// NewSecret returns a new signing secret: "whsec_" + base64 of 24 random bytes.
func NewSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// MaskSecret shows a secret's prefix and last 4 characters only.
func MaskSecret(s string) string {
	if len(s) < 14 {
		return "whsec_…"
	}
	return s[:6] + "…" + s[len(s)-4:]
}

// Spec is a saved search as its creator gives it.
type Spec struct {
	Name      string         `json:"name"`
	Query     string         `json:"q"`
	Filters   []string       `json:"filters"`
	Sort      []string       `json:"sort"`
	Realert   []string       `json:"realert"`
	Endpoints []EndpointSpec `json:"endpoints"`
	// Backfill: the first evaluation records what matches already (up to
	// MaxCandidates) instead of marking it seen.
	Backfill bool `json:"backfill"`
}

// EndpointSpec is a push endpoint as its creator gives it. An empty
// Secret is generated (and returned once, by Create).
type EndpointSpec struct {
	URL    string `json:"url"`
	Format string `json:"format"`
	Secret string `json:"secret"`
	Mode   string `json:"mode"`
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// clip is s cut to 40 characters, quoted, for messages.
func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// validate checks spec and returns the search it describes, with the
// secrets it generated by endpoint id.
func (spec Spec) validate(now time.Time) (Search, map[string]string, error) {
	s := Search{ID: randomID("ss_"), Name: strings.TrimSpace(spec.Name), Query: strings.TrimSpace(spec.Query),
		Created: now, Filters: []string{}, Endpoints: []Endpoint{}}
	if !utf8.ValidString(s.Name) || !utf8.ValidString(s.Query) {
		return s, nil, invalid("name and q must be UTF-8")
	}
	if utf8.RuneCountInString(s.Name) > MaxNameLen {
		return s, nil, invalid("name is longer than %d characters", MaxNameLen)
	}
	if utf8.RuneCountInString(s.Query) > MaxQueryLen {
		return s, nil, invalid("q is longer than %d characters", MaxQueryLen)
	}
	if len(spec.Filters) > MaxFilters {
		return s, nil, invalid("more than %d filters", MaxFilters)
	}
	filters, err := index.ParseFilters(spec.Filters)
	if err != nil {
		return s, nil, invalid("%s", strings.TrimPrefix(err.Error(), index.ErrBadQuery.Error()+": "))
	}
	for _, f := range filters {
		if f.Field == "status" {
			return s, nil, invalid("filter on status: a saved search matches open postings only")
		}
	}
	for _, f := range spec.Filters {
		if utf8.RuneCountInString(f) > 300 {
			return s, nil, invalid("filter %s is longer than 300 characters", clip(f))
		}
		s.Filters = append(s.Filters, f)
	}
	if len(spec.Sort) > MaxSorts {
		return s, nil, invalid("more than %d sort keys", MaxSorts)
	}
	for _, spec := range spec.Sort {
		if utf8.RuneCountInString(spec) > 40 { // no sort key is this long
			return s, nil, invalid("cannot sort by %s (sortable: %s)", clip(spec), strings.Join(index.SortFields, ", "))
		}
		so, err := index.ParseSort(spec)
		if err != nil {
			return s, nil, invalid("%s", strings.TrimPrefix(err.Error(), index.ErrBadQuery.Error()+": "))
		}
		dir := "asc"
		if so.Desc {
			dir = "desc"
		}
		s.Sort = append(s.Sort, so.Field+":"+dir)
	}
	for _, r := range spec.Realert {
		switch {
		case r == "none" || r == "":
		case !slices.Contains(Realerts, r):
			return s, nil, invalid("realert %s: want reopened, changed or none", clip(r))
		case !slices.Contains(s.Realert, r):
			s.Realert = append(s.Realert, r)
		}
	}
	if s.Name == "" {
		s.Name = DefaultName(s.Query, s.Filters)
	}
	if len(spec.Endpoints) > MaxEndpoints {
		return s, nil, invalid("more than %d endpoints", MaxEndpoints)
	}
	generated := map[string]string{}
	for i, es := range spec.Endpoints {
		ep, gen, err := es.validate()
		if err != nil {
			return s, nil, invalid("endpoints[%d].%v", i, err)
		}
		if gen {
			generated[ep.ID] = ep.Secrets[0]
		}
		s.Endpoints = append(s.Endpoints, ep)
	}
	if _, err := s.IndexQuery(); err != nil {
		return s, nil, invalid("%s", strings.TrimPrefix(err.Error(), index.ErrBadQuery.Error()+": "))
	}
	return s, generated, nil
}

// DefaultName names a search by its query and filters.
func DefaultName(q string, filters []string) string {
	parts := []string{}
	if q != "" {
		parts = append(parts, q)
	}
	parts = append(parts, filters...)
	name := strings.Join(parts, " · ")
	if name == "" {
		name = "All open postings"
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		name = string([]rune(name)[:MaxNameLen-1]) + "…"
	}
	return name
}

func (es EndpointSpec) validate() (Endpoint, bool, error) {
	ep := Endpoint{ID: randomID("ep_"), URL: strings.TrimSpace(es.URL), Format: es.Format, Mode: es.Mode}
	if ep.Format == "" {
		ep.Format = "standard"
	}
	if ep.Mode == "" {
		ep.Mode = "instant"
	}
	if ep.URL == "" {
		return ep, false, errors.New("url: missing")
	}
	if len(ep.URL) > MaxURLLen {
		return ep, false, fmt.Errorf("url: longer than %d bytes", MaxURLLen)
	}
	if err := checkURL(ep.URL); err != nil {
		return ep, false, fmt.Errorf("url %s: %v", clip(ep.URL), err)
	}
	if !slices.Contains(Formats, ep.Format) {
		return ep, false, fmt.Errorf("format %s: want one of %s", clip(ep.Format), strings.Join(Formats, ", "))
	}
	if !slices.Contains(Modes, ep.Mode) {
		return ep, false, fmt.Errorf("mode %s: want instant or daily", clip(ep.Mode))
	}
	generated := false
	switch sec := strings.TrimSpace(es.Secret); sec {
	case "":
		ep.Secrets, generated = []string{NewSecret()}, true
	default:
		key, ok := strings.CutPrefix(sec, "whsec_")
		raw, err := base64.StdEncoding.DecodeString(key)
		if !ok || err != nil || len(raw) < 16 || len(raw) > 64 {
			return ep, false, errors.New("secret: want whsec_ and the base64 of 16 to 64 bytes (leave it out to have one generated)")
		}
		ep.Secrets = []string{sec}
	}
	return ep, generated, nil
}

func checkURL(raw string) error {
	u, err := parseURL(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("want an http or https URL")
	}
	if u.Host == "" {
		return errors.New("has no host")
	}
	if u.User != nil {
		return errors.New("must not hold credentials (use the secret)")
	}
	return nil
}

// searcher is what an evaluation needs of the index.
type searcher interface {
	Search(ctx context.Context, q index.Query) (index.Result, error)
}

// Create validates spec and saves it. It returns the saved search and the
// secrets it generated, by endpoint id: they are shown once, never again.
// Without Backfill, what matches now (first seen within the look-back) is
// marked delivered, so the search alerts on postings new from now on.
func (st *Store) Create(ctx context.Context, ix index.Index, spec Spec) (Search, map[string]string, error) {
	now := st.now()
	s, generated, err := spec.validate(now)
	if err != nil {
		return s, nil, err
	}
	if st.urlCheck != nil {
		for i, ep := range s.Endpoints {
			if err := st.urlCheck(ep.URL); err != nil {
				return s, nil, invalid("endpoints[%d].url %s: %v", i, clip(ep.URL), err)
			}
		}
	}
	var seen []index.Record
	if !spec.Backfill {
		s.Watermark = now
		if ix != nil {
			if seen, _, err = candidates(ctx, ix, s, now.Add(-Lookback)); err != nil {
				return s, nil, fmt.Errorf("read what matches now: %w", err)
			}
		}
	}
	err = st.db.Update(func(tx *bolt.Tx) error {
		if n := countKeys(tx.Bucket(bSearches)); n >= MaxSearches {
			return invalid("there are %d saved searches already, the most kept (remove one first)", n)
		}
		sb, err := tx.Bucket(bSearch).CreateBucket([]byte(s.ID))
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bDelivered, bFeed, bDigest} {
			if _, err := sb.CreateBucket(name); err != nil {
				return err
			}
		}
		d := sb.Bucket(bDelivered)
		for _, r := range seen {
			if err := putJSON(d, []byte(r.ID), deliveredOf(r, now, true)); err != nil {
				return err
			}
		}
		return putSearch(tx, s)
	})
	if err != nil {
		return s, nil, err
	}
	return s, generated, nil
}

func putSearch(tx *bolt.Tx, s Search) error {
	return putJSON(tx.Bucket(bSearches), []byte(s.ID), storedOf(s))
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func getSearch(tx *bolt.Tx, id string) (Search, error) {
	data := tx.Bucket(bSearches).Get([]byte(id))
	if data == nil {
		return Search{}, fmt.Errorf("%w: %s", ErrNotFound, clip(id))
	}
	var s stored
	if err := json.Unmarshal(data, &s); err != nil {
		return Search{}, fmt.Errorf("saved search %s: %w", id, err)
	}
	return s.search(), nil
}

// Get returns the saved search id (with its secrets: never show them).
func (st *Store) Get(ctx context.Context, id string) (Search, error) {
	var s Search
	err := st.db.View(func(tx *bolt.Tx) error {
		var err error
		s, err = getSearch(tx, id)
		return err
	})
	return s, err
}

// List returns every saved search, oldest first.
func (st *Store) List(ctx context.Context) ([]Search, error) {
	var out []Search
	err := st.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bSearches).ForEach(func(k, v []byte) error {
			var s stored
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("saved search %s: %w", k, err)
			}
			out = append(out, s.search())
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Search) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// Delete removes a saved search with what it delivered, its feed and its
// messages (pending ones are not sent).
func (st *Store) Delete(ctx context.Context, id string) error {
	return st.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bSearches).Get([]byte(id)) == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, clip(id))
		}
		if err := tx.Bucket(bSearches).Delete([]byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bSearch).DeleteBucket([]byte(id)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
		return forEachMessage(tx, func(m *storedMessage) (bool, error) {
			if m.SearchID == id {
				return true, deleteMessage(tx, m)
			}
			return false, nil
		})
	})
}

// FeedEntry is a posting a saved search recorded, for its feeds.
type FeedEntry struct {
	Found   time.Time `json:"found"`
	Posting Posting   `json:"posting"`
}

// Feed returns the newest recorded matches of a saved search, newest
// first, at most max (FeedSize when max ≤ 0).
func (st *Store) Feed(ctx context.Context, id string, max int) (Search, []FeedEntry, error) {
	if max <= 0 || max > FeedSize {
		max = FeedSize
	}
	var s Search
	var out []FeedEntry
	err := st.db.View(func(tx *bolt.Tx) error {
		var err error
		if s, err = getSearch(tx, id); err != nil {
			return err
		}
		sb := tx.Bucket(bSearch).Bucket([]byte(id))
		if sb == nil {
			return nil
		}
		c := sb.Bucket(bFeed).Cursor()
		for k, v := c.Last(); k != nil && len(out) < max; k, v = c.Prev() {
			var e FeedEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return s, out, err
}

// timeKey is t as 8 sortable bytes followed by id.
func timeKey(t time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	return append(k, id...)
}

// Stats are the store's counters since it was created.
type Stats struct {
	Searches    int `json:"searches"`
	Evaluations int `json:"evaluations"`
	Recorded    int `json:"recorded"`  // postings recorded as matches
	Queued      int `json:"queued"`    // messages queued
	Truncated   int `json:"truncated"` // evaluations that stopped at MaxCandidates
	DigestCut   int `json:"digest_cut"`
	Pruned      int `json:"pruned"` // finished messages pruned past KeepFinished
	FeedPruned  int `json:"feed_pruned"`
	Pending     int `json:"pending"`
}

func addCounter(tx *bolt.Tx, name string, n int) error {
	if n == 0 {
		return nil
	}
	b := tx.Bucket(bMeta)
	var v uint64
	if old := b.Get([]byte(name)); len(old) == 8 {
		v = binary.BigEndian.Uint64(old)
	}
	buf := make([]byte, 8)
	binary.BigEndian.PutUint64(buf, v+uint64(n))
	return b.Put([]byte(name), buf)
}

// Stats reports the store's counters.
func (st *Store) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := st.db.View(func(tx *bolt.Tx) error {
		get := func(name string) int {
			if v := tx.Bucket(bMeta).Get([]byte(name)); len(v) == 8 {
				return int(binary.BigEndian.Uint64(v))
			}
			return 0
		}
		s = Stats{Searches: countKeys(tx.Bucket(bSearches)), Evaluations: get("evaluations"), Recorded: get("recorded"),
			Queued: get("queued"), Truncated: get("truncated"), DigestCut: get("digest_cut"), Pruned: get("pruned"),
			FeedPruned: get("feed_pruned"), Pending: countKeys(tx.Bucket(bDue))}
		return nil
	})
	return s, err
}
