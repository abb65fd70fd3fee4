// Package meili is the Meilisearch index backend, for production and for
// several crawlers sharing one index. It implements index.Index on
// meilisearch-go against Meilisearch's HTTP API (v1.x, as documented at
// https://www.meilisearch.com/docs/reference/api; filter escaping needs
// v1.4 or later).
//
// Open makes no request. The first write (Upsert, Delete, or Each, which
// the crawler calls before writing) creates the index with primary key
// "id" when it is missing and brings its settings in line with jobcrawl's
// (searchable, filterable and sortable attributes, ranking rules, faceting
// and pagination limits; the README lists them). Reads (Search, Get,
// Stats) need only a key with the search (or documents.get, stats.get)
// action, so a front end's search-only key works. Writes are sent in batches of Config.BatchSize and each task is
// waited for, within Config.TaskTimeout and the caller's context; a failed
// task is a *TaskError. Answers 429, 502, 503 and 504 are retried with
// back-off; a batch refused as too large (413) is split in two and sent
// again. Every write stamps what it writes with the time it was sent
// (written_ms), so that Rebuild, which builds the index afresh beside the
// live one and swaps it in, can copy again what was written meanwhile.
package meili

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/words"
)

// Config says where the index is and how to talk to it. It is plain data;
// Open fills the zero values it documents.
type Config struct {
	URL   string // the server, e.g. http://127.0.0.1:7700
	Index string // the index uid (a-z A-Z 0-9 - _), e.g. jobs
	// APIKey is sent as "Authorization: Bearer …" when not empty. It is a
	// secret: no error or message of this package contains it.
	APIKey string
	// KeySource names where the key comes from ("$MEILI_MASTER_KEY"), for
	// error messages.
	KeySource string

	BatchSize    int           // records per write request (0: 1000)
	Timeout      time.Duration // one HTTP request (0: 30s)
	TaskTimeout  time.Duration // waiting for one task to finish (0: 5m)
	PollInterval time.Duration // between reads of a task's status (0: 50ms)
	MaxRetries   int           // further attempts after a 429/502/503/504 (0: none)
	RetryBackoff time.Duration // pause before the first retry, doubling after (0: 500ms)

	// MaxValuesPerFacet is the faceting setting: how many values of a facet
	// Meilisearch counts at most (0: 100). Query.FacetSize beyond it gets
	// no more.
	MaxValuesPerFacet int
	// MaxTotalHits is the pagination setting: how far into the results a
	// search can page, and the largest total it reports exactly (0: 10000).
	MaxTotalHits int
}

// Defaults for Config's zero values.
const (
	DefaultBatchSize         = 1000
	DefaultTimeout           = 30 * time.Second
	DefaultTaskTimeout       = 5 * time.Minute
	DefaultPollInterval      = 50 * time.Millisecond
	DefaultRetryBackoff      = 500 * time.Millisecond
	DefaultMaxValuesPerFacet = 100
	DefaultMaxTotalHits      = 10000
)

// primaryKey is the document field Meilisearch identifies records by.
const primaryKey = "id"

var indexUIDRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,400}$`)

// Index is an index.Index on a Meilisearch index. It is safe for
// concurrent use.
type Index struct {
	cfg    Config
	url    string // cfg.URL without credentials, for messages
	http   *http.Client
	client meilisearch.ServiceManager

	// ready is a one-slot semaphore guarding setUp; set once it succeeded.
	sem   chan struct{}
	ready bool

	closeOnce sync.Once
}

var _ index.Index = (*Index)(nil)

// Open checks cfg and returns the backend. It sends no request: see the
// package documentation for when the index is created.
func Open(cfg Config) (*Index, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("meilisearch: url %q is not an http(s) URL", redactURL(cfg.URL))
	}
	if !indexUIDRe.MatchString(cfg.Index) {
		return nil, fmt.Errorf("meilisearch: index %q: want 1 to 400 of a-z A-Z 0-9 - _", cfg.Index)
	}
	if cfg.BatchSize < 0 || cfg.Timeout < 0 || cfg.TaskTimeout < 0 || cfg.PollInterval < 0 || cfg.MaxRetries < 0 ||
		cfg.RetryBackoff < 0 || cfg.MaxValuesPerFacet < 0 || cfg.MaxTotalHits < 0 {
		return nil, errors.New("meilisearch: negative setting")
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&cfg.BatchSize, DefaultBatchSize)
	def(&cfg.MaxValuesPerFacet, DefaultMaxValuesPerFacet)
	def(&cfg.MaxTotalHits, DefaultMaxTotalHits)
	defDur(&cfg.Timeout, DefaultTimeout)
	defDur(&cfg.TaskTimeout, DefaultTaskTimeout)
	defDur(&cfg.PollInterval, DefaultPollInterval)
	defDur(&cfg.RetryBackoff, DefaultRetryBackoff)

	hc := &http.Client{Timeout: cfg.Timeout, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	// Retries are ours (retry): meilisearch-go's would pause a fixed
	// second per attempt and hide the status of the last answer.
	opts := []meilisearch.Option{meilisearch.WithCustomClient(hc), meilisearch.DisableRetries()}
	if cfg.APIKey != "" {
		opts = append(opts, meilisearch.WithAPIKey(cfg.APIKey))
	}
	client := meilisearch.New(strings.TrimRight(cfg.URL, "/"), opts...)
	return &Index{cfg: cfg, url: redactURL(cfg.URL), http: hc, client: client, sem: make(chan struct{}, 1)}, nil
}

// index returns a handle on the index for one call. meilisearch-go's
// handles are not safe for concurrent use (AddDocuments and FetchInfo
// record the primary key in them), and they cost one small allocation.
func (ix *Index) index() meilisearch.IndexManager { return ix.client.Index(ix.cfg.Index) }

// redactURL hides a password in a URL's user info.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// settings are the index settings jobcrawl applies (and re-applies when
// they differ on the server). Sorting on dates uses the Unix-seconds
// fields; "sort" comes first among the ranking rules so an explicit sort
// wins over relevance, and results without one end newest first.
func (ix *Index) settings() *meilisearch.Settings {
	return &meilisearch.Settings{
		RankingRules:         []string{"sort", "words", "typo", "proximity", "attribute", "exactness", "date_posted_ts:desc"},
		SearchableAttributes: searchableAttributes(),
		FilterableAttributes: filterableAttributes(),
		SortableAttributes:   slices.Clone(sortableAttributes),
		Faceting: &meilisearch.Faceting{MaxValuesPerFacet: int64(ix.cfg.MaxValuesPerFacet),
			SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount}},
		Pagination: &meilisearch.Pagination{MaxTotalHits: int64(ix.cfg.MaxTotalHits)},
	}
}

// searchableAttributes are the schema's searchable fields in ranking order,
// the other lists at the rank of qualifications (the last), then the job
// number, so that a job number typed as it is finds its job.
func searchableAttributes() []string {
	return append(append(slices.Clone(index.SearchableFields), index.ListFields...), "job_number")
}

// filterableAttributes are the facets plus the Unix-seconds dates, and the
// write stamp (see writtenField), which a rebuild filters on.
func filterableAttributes() []string {
	return append(slices.Clone(index.FacetFields), "date_posted_ts", "first_seen_ts", "last_seen_ts", writtenField)
}

// writtenField is the document field every write of this package stamps
// with the writer's clock, in Unix milliseconds, when it sends the write:
// Upsert the whole record, Touch the fields it changes. It is bookkeeping
// for Rebuild (which copies again what was written while it copied); no
// record read back (Get, Search, Each) carries it.
const writtenField = "written_ms"

// stamped is a record as Upsert sends it.
type stamped struct {
	index.Record
	WrittenMS int64 `json:"written_ms"`
}

// stamp sets the write stamp of docs to now.
func stamp(docs []stamped) {
	now := time.Now().UnixMilli()
	for i := range docs {
		docs[i].WrittenMS = now
	}
}

// sortField maps the schema's sort fields to the attributes sorted on.
var sortField = map[string]string{"date_posted": "date_posted_ts", "first_seen": "first_seen_ts",
	"last_seen": "last_seen_ts", "title": "title", "salary_min": "salary_min", "salary_max": "salary_max"}

var sortableAttributes = []string{"date_posted_ts", "first_seen_ts", "last_seen_ts", "title", "salary_min", "salary_max"}

// ensure creates the index and syncs its settings, once per Index; a
// failed attempt is tried again on the next call.
func (ix *Index) ensure(ctx context.Context) error {
	select {
	case ix.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-ix.sem }()
	if ix.ready {
		return nil
	}
	if err := ix.setUp(ctx); err != nil {
		return err
	}
	ix.ready = true
	return nil
}

func (ix *Index) setUp(ctx context.Context) error {
	var info *meilisearch.IndexResult
	n, err := ix.retry(ctx, func(ctx context.Context) (err error) {
		info, err = ix.index().FetchInfo(ctx)
		return err
	})
	switch {
	case isCode(err, meilisearch.APIErrCodeIndexNotFound):
		var t *meilisearch.TaskInfo
		err := ix.do(ctx, "create index "+ix.cfg.Index, func(ctx context.Context) (err error) {
			t, err = ix.client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: ix.cfg.Index, PrimaryKey: primaryKey})
			return err
		})
		if err == nil {
			err = ix.wait(ctx, t)
		}
		var te *TaskError
		if errors.As(err, &te) && te.Code == string(meilisearch.APIErrCodeIndexAlreadyExists) {
			err = nil // another crawler created it meanwhile
		}
		if err != nil {
			return err
		}
	case err != nil:
		return ix.translate(ctx, "read index "+ix.cfg.Index, err, n)
	case info.PrimaryKey == "":
		var t *meilisearch.TaskInfo
		err := ix.do(ctx, "set the primary key", func(ctx context.Context) (err error) {
			t, err = ix.index().UpdateIndex(ctx, &meilisearch.UpdateIndexRequestParams{PrimaryKey: primaryKey})
			return err
		})
		if err == nil {
			err = ix.wait(ctx, t)
		}
		if err != nil {
			return err
		}
	case info.PrimaryKey != primaryKey:
		return fmt.Errorf("meilisearch: index %q on %s has primary key %q; jobcrawl needs %q (use another index name)",
			ix.cfg.Index, ix.url, info.PrimaryKey, primaryKey)
	}

	want := ix.settings()
	var have *meilisearch.Settings
	n, err = ix.retry(ctx, func(ctx context.Context) (err error) {
		have, err = ix.index().GetSettings(ctx)
		return err
	})
	var me *meilisearch.Error
	if errors.As(err, &me) && me.ErrCode == meilisearch.ErrCodeResponseUnmarshalBody {
		have, err = nil, nil // settings this client cannot read: set ours
	}
	if err != nil {
		return ix.translate(ctx, "read settings", err, n)
	}
	if have != nil && settingsMatch(have, want) {
		return nil
	}
	var t *meilisearch.TaskInfo
	if err := ix.do(ctx, "update settings", func(ctx context.Context) (err error) {
		t, err = ix.index().UpdateSettings(ctx, want)
		return err
	}); err != nil {
		return err
	}
	return ix.wait(ctx, t)
}

// settingsMatch reports whether the server's settings already are ours.
func settingsMatch(have, want *meilisearch.Settings) bool {
	set := func(s []string) []string {
		s = slices.Clone(s)
		sort.Strings(s)
		return slices.Compact(s)
	}
	return slices.Equal(have.RankingRules, want.RankingRules) &&
		slices.Equal(have.SearchableAttributes, want.SearchableAttributes) &&
		slices.Equal(set(have.FilterableAttributes), set(want.FilterableAttributes)) &&
		slices.Equal(set(have.SortableAttributes), set(want.SortableAttributes)) &&
		have.Faceting != nil && have.Faceting.MaxValuesPerFacet == want.Faceting.MaxValuesPerFacet &&
		fmt.Sprint(have.Faceting.SortFacetValuesBy) == fmt.Sprint(want.Faceting.SortFacetValuesBy) &&
		have.Pagination != nil && have.Pagination.MaxTotalHits == want.Pagination.MaxTotalHits
}

// wait waits for a task to finish, within TaskTimeout and ctx, and turns
// its failure into a *TaskError.
func (ix *Index) wait(ctx context.Context, t *meilisearch.TaskInfo) error {
	wctx, cancel := context.WithTimeout(ctx, ix.cfg.TaskTimeout)
	defer cancel()
	var task *meilisearch.Task
	n, err := ix.retry(wctx, func(ctx context.Context) (err error) {
		task, err = ix.index().WaitForTask(ctx, t.TaskUID, ix.cfg.PollInterval)
		return err
	})
	what := fmt.Sprintf("wait for task %d (%s)", t.TaskUID, t.Type)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return fmt.Errorf("meilisearch: %s: %w (the task may still finish on the server)", what, ctx.Err())
	case wctx.Err() != nil:
		return fmt.Errorf("meilisearch: %s: not finished after %s: %w (the task may still finish on the server)",
			what, ix.cfg.TaskTimeout, context.DeadlineExceeded)
	default:
		return ix.translate(ctx, what, err, n)
	}
	switch task.Status {
	case meilisearch.TaskStatusSucceeded:
		return nil
	case meilisearch.TaskStatusFailed, meilisearch.TaskStatusCanceled:
		return ix.clean(&TaskError{UID: t.TaskUID, Type: string(task.Type), Status: string(task.Status),
			Code: string(task.Error.Code), Message: task.Error.Message})
	}
	return fmt.Errorf("meilisearch: task %d (%s): unexpected status %q", t.TaskUID, task.Type, task.Status)
}

// Upsert implements index.Index: records go in batches of BatchSize; all
// batches are enqueued, then every task is waited for.
func (ix *Index) Upsert(ctx context.Context, recs []index.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := ix.ensure(ctx); err != nil {
		return err
	}
	docs := make([]stamped, len(recs))
	for i, r := range recs {
		r.Normalize()
		docs[i] = stamped{Record: r}
	}
	var tasks []*meilisearch.TaskInfo
	for i := 0; i < len(docs); i += ix.cfg.BatchSize {
		ts, err := ix.add(ctx, docs[i:min(i+ix.cfg.BatchSize, len(docs))])
		tasks = append(tasks, ts...)
		if err != nil {
			return err
		}
	}
	for _, t := range tasks {
		if err := ix.wait(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// add sends one batch, stamped as it is sent (see writtenField); a batch
// the server finds too large is split in halves and each sent again.
func (ix *Index) add(ctx context.Context, docs []stamped) ([]*meilisearch.TaskInfo, error) {
	var t *meilisearch.TaskInfo
	pk := primaryKey
	err := ix.do(ctx, fmt.Sprintf("add %d documents", len(docs)), func(ctx context.Context) (err error) {
		stamp(docs)
		t, err = ix.index().AddDocuments(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		return err
	})
	switch {
	case err == nil:
		return []*meilisearch.TaskInfo{t}, nil
	case !errors.Is(err, ErrPayloadTooLarge):
		return nil, err
	case len(docs) == 1:
		return nil, fmt.Errorf("record %s: %w", docs[0].ID, err)
	}
	half := len(docs) / 2
	first, err := ix.add(ctx, docs[:half])
	if err != nil {
		return first, err
	}
	second, err := ix.add(ctx, docs[half:])
	return append(first, second...), err
}

// Delete implements index.Index.
func (ix *Index) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := ix.ensure(ctx); err != nil {
		return err
	}
	for i := 0; i < len(ids); i += ix.cfg.BatchSize {
		batch := ids[i:min(i+ix.cfg.BatchSize, len(ids))]
		var t *meilisearch.TaskInfo
		if err := ix.do(ctx, fmt.Sprintf("delete %d documents", len(batch)), func(ctx context.Context) (err error) {
			t, err = ix.index().DeleteDocuments(ctx, batch, nil)
			return err
		}); err != nil {
			return err
		}
		if err := ix.wait(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// validID reports whether id can be a Meilisearch document id; no other
// can be in the index (and it must not reach the URL path unchecked).
func validID(id string) bool {
	if id == "" || len(id) > 511 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Get implements index.Index. An id that is not there, or an index that is
// not there, is index.ErrNotFound (the latter also ErrIndexMissing).
func (ix *Index) Get(ctx context.Context, id string) (index.Record, error) {
	var r index.Record
	if !validID(id) {
		return r, fmt.Errorf("%w: %s", index.ErrNotFound, id)
	}
	n, err := ix.retry(ctx, func(ctx context.Context) error {
		r = index.Record{}
		return ix.index().GetDocument(ctx, id, nil, &r)
	})
	switch {
	case err == nil:
		return r, nil
	case isCode(err, meilisearch.APIErrCodeDocumentNotFound):
		return index.Record{}, fmt.Errorf("%w: %s", index.ErrNotFound, id)
	case isCode(err, meilisearch.APIErrCodeIndexNotFound):
		return index.Record{}, fmt.Errorf("%w: %s (%w)", index.ErrNotFound, id, ix.translate(ctx, "get document", err, n))
	}
	return index.Record{}, ix.translate(ctx, "get document "+id, err, n)
}

// Search implements index.Index. It asks for a page with hitsPerPage and
// page, the mode in which Meilisearch counts matches exhaustively, so
// Total is exact (up to MaxTotalHits, beyond which it reads MaxTotalHits
// and no further page can be fetched). The query text is sent as its words
// (see queryText), every one of which must match (matchingStrategy "all"),
// as in the embedded backend. Facet counts are disjunctive: a facet that
// is also filtered on is counted by a query of its own without that
// filter, all of them in one multi-search request. Facet values are those
// Meilisearch counts (the MaxValuesPerFacet most frequent), cut to
// q.FacetSize, without empty ones. String filters ignore case in
// Meilisearch. Snippets are made here from the hits' descriptions, by the
// same rules as the embedded backend's.
func (ix *Index) Search(ctx context.Context, q index.Query) (index.Result, error) {
	if err := q.Validate(); err != nil {
		return index.Result{}, err
	}
	text := queryText(q.Text)
	perPage, page, skip := pageWindow(q.Offset, q.Limit, ix.cfg.MaxTotalHits)
	// the facets the main query counts, and those filtered on (counted apart)
	var own, apart []string
	for _, f := range q.Facets {
		if q.HasFilter(f) {
			apart = append(apart, f)
		} else {
			own = append(own, f)
		}
	}
	main, err := ix.searchRequest(text, q.Filters, own, perPage, page)
	if err != nil {
		return index.Result{}, err
	}
	for _, s := range q.Sort {
		dir := ":asc"
		if s.Desc {
			dir = ":desc"
		}
		main.Sort = append(main.Sort, sortField[s.Field]+dir)
	}
	reqs := []*meilisearch.SearchRequest{main}
	for _, f := range apart {
		var rest []index.Filter
		for _, fl := range q.Filters {
			if fl.Field != f {
				rest = append(rest, fl)
			}
		}
		r, err := ix.searchRequest(text, rest, []string{f}, 0, 1)
		if err != nil {
			return index.Result{}, err
		}
		reqs = append(reqs, r)
	}

	var resps []meilisearch.SearchResponse
	if err := ix.do(ctx, "search", func(ctx context.Context) error {
		if len(reqs) == 1 {
			resp, err := ix.index().Search(ctx, text, main)
			if err == nil {
				resps = []meilisearch.SearchResponse{*resp}
			}
			return err
		}
		for _, r := range reqs {
			r.IndexUID = ix.cfg.Index
		}
		resp, err := ix.client.MultiSearch(ctx, &meilisearch.MultiSearchRequest{Queries: reqs})
		if err == nil {
			if len(resp.Results) != len(reqs) {
				return fmt.Errorf("meilisearch: multi-search answered %d results to %d queries", len(resp.Results), len(reqs))
			}
			resps = resp.Results
		}
		return err
	}); err != nil {
		return index.Result{}, err
	}

	resp := resps[0]
	out := index.Result{Total: int(resp.TotalHits), Hits: []index.Record{}, Facets: map[string]map[string]int{}}
	hits := resp.Hits[min(int(skip), len(resp.Hits)):]
	sn := words.NewSnippeter(q.Text, words.SnippetLen)
	for _, h := range hits[:min(q.Limit, len(hits))] {
		r, err := decodeHit(h)
		if err != nil {
			return index.Result{}, err
		}
		r.Snippet = sn.Snippet(r.Description)
		out.Hits = append(out.Hits, r)
	}
	counted := map[string]map[string]int{}
	for i, resp := range resps {
		var dist map[string]map[string]int
		if len(resp.FacetDistribution) > 0 {
			if err := json.Unmarshal(resp.FacetDistribution, &dist); err != nil {
				return index.Result{}, fmt.Errorf("meilisearch: search: read facet distribution: %w", err)
			}
		}
		for f, counts := range dist {
			if i == 0 && slices.Contains(own, f) || i > 0 && f == apart[i-1] {
				counted[f] = counts
			}
		}
	}
	for _, f := range q.Facets {
		for v := range counted[f] {
			if strings.TrimSpace(v) == "" {
				delete(counted[f], v)
			}
		}
		out.Facets[f] = topValues(counted[f], q.FacetSize)
	}
	return out, nil
}

// searchRequest is a search for text (see queryText) within filters,
// counting facets, one page of perPage hits.
func (ix *Index) searchRequest(text string, filters []index.Filter, facets []string, perPage, page int64) (*meilisearch.SearchRequest, error) {
	filter, err := Filter(filters)
	if err != nil {
		return nil, err
	}
	req := &meilisearch.SearchRequest{
		Query:            text,
		HitsPerPage:      &perPage,
		Page:             page,
		MatchingStrategy: meilisearch.All,
		Facets:           facets,
	}
	if filter != "" {
		req.Filter = filter
	}
	return req, nil
}

// queryText is what Meilisearch is asked for a query: its words as the
// embedded backend reads them (see words.Query), joined by spaces, and a
// final space when the last word must not match as a prefix. So words
// joined by punctuation must all match, and the query operators of
// Meilisearch (a "quoted phrase", -negation) are plain words, as in the
// embedded backend.
func queryText(q string) string {
	ws := words.Query(q)
	if len(ws) == 0 {
		return ""
	}
	s := strings.Join(ws, " ")
	if !words.LastIsPrefix(q) {
		s += " "
	}
	return s
}

// pageWindow chooses the page of hitsPerPage results that holds results
// [offset, offset+limit): the smallest page size of at least limit whose
// page boundaries do not cut that range (so at most about twice as many
// hits as asked for are fetched). skip is where the range starts in the
// page. Beyond maxTotalHits there is nothing to fetch, so a zero-size page
// asks only for the total.
func pageWindow(offset, limit, maxTotalHits int) (perPage, page, skip int64) {
	if offset >= maxTotalHits {
		return 0, 1, 0
	}
	last := offset + limit - 1
	h := limit
	for offset/h != last/h {
		h++
	}
	return int64(h), int64(offset/h + 1), int64(offset % h)
}

// topValues keeps the n most frequent values (ties by value).
func topValues(counts map[string]int, n int) map[string]int {
	out := map[string]int{}
	if len(counts) <= n {
		for k, v := range counts {
			out[k] = v
		}
		return out
	}
	keys := index.ByCount(counts)
	for _, k := range keys[:n] {
		out[k] = counts[k]
	}
	return out
}

// decodeHit reads a document as Meilisearch returns it.
func decodeHit(h meilisearch.Hit) (index.Record, error) {
	var r index.Record
	b, err := json.Marshal(h)
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err != nil {
		return r, fmt.Errorf("meilisearch: decode document: %w", err)
	}
	return r, nil
}

// Each implements index.Index through the documents API (POST
// /indexes/{uid}/documents/fetch with a filter on site), BatchSize
// documents a page by offset. That API is not bound by MaxTotalHits, so
// every record is reached; it walks documents in Meilisearch's internal
// order, which updates keep but deletions made by others during the walk
// shift (a record may then be skipped).
func (ix *Index) Each(ctx context.Context, site string, fn func(index.Record) error) error {
	return ix.each(ctx, site, nil, fn)
}

// entryFields are the document fields Entries reads.
var entryFields = []string{"id", "job_number", "content_hash", "status", "first_seen", "last_seen", "closed_at",
	"checked_at", "fetch", "cards"}

// Entries implements index.Index: the documents API with only the
// bookkeeping fields, so no text crosses the network.
func (ix *Index) Entries(ctx context.Context, site string, fn func(index.Entry) error) error {
	return ix.each(ctx, site, entryFields, func(r index.Record) error { return fn(index.EntryOf(r)) })
}

// each pages through the documents of site, reading fields (nil: all).
func (ix *Index) each(ctx context.Context, site string, fields []string, fn func(index.Record) error) error {
	if err := ix.ensure(ctx); err != nil {
		return err
	}
	filter, err := Filter([]index.Filter{{Field: "site", Values: []string{site}}})
	if err != nil {
		return err
	}
	for offset := 0; ; {
		var res meilisearch.DocumentsResult
		if err := ix.do(ctx, "list documents of "+site, func(ctx context.Context) error {
			res = meilisearch.DocumentsResult{}
			return ix.index().GetDocuments(ctx, &meilisearch.DocumentsQuery{Offset: int64(offset), Limit: int64(ix.cfg.BatchSize),
				Filter: filter, Fields: fields}, &res)
		}); err != nil {
			return err
		}
		for _, h := range res.Results {
			r, err := decodeHit(h)
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		offset += len(res.Results)
		if len(res.Results) == 0 || int64(offset) >= res.Total {
			return nil
		}
	}
}

// touchDoc is the partial document a Touch sends: only the fields it
// changes, merged into the stored document by Meilisearch's update
// (PUT /indexes/{uid}/documents).
type touchDoc map[string]any

func touchDocument(t index.Touch) touchDoc {
	d := touchDoc{"id": t.ID}
	if !t.LastSeen.IsZero() {
		d["last_seen"], d["last_seen_ts"] = t.LastSeen, t.LastSeen.Unix()
	}
	if t.CheckedAt != nil {
		d["checked_at"] = *t.CheckedAt
	}
	if t.Fetch != nil {
		d["fetch"] = t.Fetch
	}
	if t.Cards != nil {
		d["cards"] = t.Cards
	}
	var r index.Record
	switch t.Status {
	case index.StatusOpen:
		d["status"], d["closed_at"] = index.StatusOpen, nil
	case index.StatusClosed:
		t.Apply(&r)
		d["status"], d["closed_at"] = index.StatusClosed, r.ClosedAt
	}
	return d
}

// existing returns which of ids are documents of the index: one fetch by
// ids, or, from a server too old to fetch by ids (before v1.14), one
// request per id.
func (ix *Index) existing(ctx context.Context, ids []string) (map[string]bool, error) {
	exists := make(map[string]bool, len(ids))
	var res meilisearch.DocumentsResult
	n, err := ix.retry(ctx, func(ctx context.Context) error {
		res = meilisearch.DocumentsResult{}
		return ix.index().GetDocuments(ctx, &meilisearch.DocumentsQuery{Ids: ids, Fields: []string{"id"},
			Limit: int64(len(ids))}, &res)
	})
	var me *meilisearch.Error
	if errors.As(err, &me) && me.StatusCode == http.StatusBadRequest {
		for _, id := range ids {
			var doc map[string]any
			err := ix.do(ctx, "look up a touched document", func(ctx context.Context) error {
				return ix.index().GetDocument(ctx, id, &meilisearch.DocumentQuery{Fields: []string{"id"}}, &doc)
			})
			switch {
			case err == nil:
				exists[id] = true
			case !errors.Is(err, index.ErrNotFound) && !isCode(err, meilisearch.APIErrCodeDocumentNotFound):
				return nil, err
			}
		}
		return exists, nil
	}
	if err != nil {
		return nil, ix.translate(ctx, "look up touched documents", err, n)
	}
	for _, h := range res.Results {
		var doc struct {
			ID string `json:"id"`
		}
		if b, err := json.Marshal(h); err == nil && json.Unmarshal(b, &doc) == nil {
			exists[doc.ID] = true
		}
	}
	return exists, nil
}

// Touch implements index.Index with partial updates, which Meilisearch
// merges into the stored documents. An update would create a document
// for an unknown id, so the ids are looked up first and only those that
// exist are sent.
func (ix *Index) Touch(ctx context.Context, touches []index.Touch) error {
	if len(touches) == 0 {
		return nil
	}
	if err := ix.ensure(ctx); err != nil {
		return err
	}
	var tasks []*meilisearch.TaskInfo
	for i := 0; i < len(touches); i += ix.cfg.BatchSize {
		batch := touches[i:min(i+ix.cfg.BatchSize, len(touches))]
		ids := make([]string, 0, len(batch))
		for _, t := range batch {
			if validID(t.ID) {
				ids = append(ids, t.ID)
			}
		}
		exists, err := ix.existing(ctx, ids)
		if err != nil {
			return err
		}
		docs := make([]touchDoc, 0, len(exists))
		for _, t := range batch {
			if exists[t.ID] {
				docs = append(docs, touchDocument(t))
			}
		}
		if len(docs) == 0 {
			continue
		}
		pk := primaryKey
		var t *meilisearch.TaskInfo
		if err := ix.do(ctx, fmt.Sprintf("update %d documents", len(docs)), func(ctx context.Context) (err error) {
			now := time.Now().UnixMilli()
			for _, d := range docs {
				d[writtenField] = now
			}
			t, err = ix.index().UpdateDocuments(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
			return err
		}); err != nil {
			return err
		}
		tasks = append(tasks, t)
	}
	for _, t := range tasks {
		if err := ix.wait(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// Stats implements index.Index: the number of documents, and the size of
// the raw documents database when the server reports it (Meilisearch ≥ 1.13).
func (ix *Index) Stats(ctx context.Context) (index.Stats, error) {
	var st *meilisearch.StatsIndex
	if err := ix.do(ctx, "read stats", func(ctx context.Context) (err error) {
		st, err = ix.index().GetStats(ctx, nil)
		return err
	}); err != nil {
		return index.Stats{}, err
	}
	out := index.Stats{Documents: st.NumberOfDocuments}
	if size, ok := st.RawDocumentDbSize.(float64); ok {
		out.SizeBytes = int64(size)
	}
	return out, nil
}

// Close implements index.Index; it releases idle connections.
func (ix *Index) Close() error {
	ix.closeOnce.Do(ix.http.CloseIdleConnections)
	return nil
}
