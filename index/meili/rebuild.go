package meili

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// ErrShrunk is wrapped by the error of a Rebuild that refused to swap in
// an index holding more than ShrinkLimit fewer documents than the live one.
var ErrShrunk = errors.New("the rebuilt index is too small")

// ShrinkLimit is the share of the live index's documents a rebuilt index
// may lack and still go live (unless RebuildOptions.AllowShrink).
const ShrinkLimit = 0.10

// DefaultClockSkew is how far apart the clocks of the processes writing
// into an index are assumed to be at most (see RebuildOptions.Lookback).
const DefaultClockSkew = time.Minute

// rebuildInfix separates the live index's uid from a rebuild's start time
// (Unix seconds) in the uid of the index a rebuild builds: jobs__rebuild_1767225600.
const rebuildInfix = "__rebuild_"

// Bounds of a rebuild's catch-up: at most catchUpPasses passes before the
// swap, fewer when a pass copies at most catchUpFew documents.
const (
	catchUpPasses = 3
	catchUpFew    = 100
)

// RebuildOptions are Rebuild's knobs. The zero value rebuilds with the
// defaults.
type RebuildOptions struct {
	// AllowShrink swaps the rebuilt index in even when it holds more than
	// ShrinkLimit fewer documents than the live one.
	AllowShrink bool
	// Fence, when set, is called right before the swap; when it fails,
	// nothing is swapped, the rebuilt index is deleted and its error
	// returned. Whatever it holds (writers paused, say) should hold until
	// Rebuild returns: the swap and the last catch-up come after it.
	Fence func(ctx context.Context) error
	// Progress, when set, is called as the bulk copy goes, with the
	// documents copied so far and how many the live index holds.
	Progress func(copied, total int64)
	// Lookback is how much further back than the start of the previous
	// pass a catch-up pass looks for writes: it must cover how far the
	// clocks of the processes writing into the index may be from this
	// one's, and how long a write may take to reach the server after it
	// was stamped (0: DefaultClockSkew plus the request timeout, Timeout;
	// negative: none).
	Lookback time.Duration
}

// RebuildReport says what a Rebuild did.
type RebuildReport struct {
	Index     string // the live index's uid
	TempIndex string // the uid the new index was built under (the old one's, after the swap, until deleted)
	// Leftovers are the indexes of earlier rebuilds that did not finish,
	// deleted at the start; Salvaged counts the documents copied back from
	// those that had already been swapped out (see Rebuild).
	Leftovers []string
	Salvaged  int64
	Copied    int64 // documents the bulk pass copied
	CaughtUp  int64 // documents copied again because they were written during the copy
	Passes    int   // catch-up passes before the swap
	OldCount  int64 // documents in the live index before the swap
	NewCount  int64 // documents in the live index after it
	// Renamed is set when there was no live index: the rebuilt (empty)
	// index was renamed into place instead of swapped.
	Renamed  bool
	Duration time.Duration
}

// afterSwap, when set (by tests), is called once the swap succeeded,
// before the last catch-up.
var afterSwap func()

// Rebuild builds the index afresh from its own documents and swaps the new
// one in, blue/green. Searches keep being answered by the live index
// throughout, and writers may keep writing.
//
//  1. Indexes left by earlier rebuilds that did not finish ({uid}__rebuild_*)
//     are deleted. One that was already swapped out (it holds the old live
//     documents: it was created before that rebuild started) first has the
//     documents written during that rebuild copied into the live index,
//     where the live copy is missing or older (see 6).
//  2. The live index's settings are brought up to date (as by a first
//     write), and a new index {uid}__rebuild_{unix} is created with them
//     before any document goes in.
//  3. Bulk copy: every document of the live index, a page of BatchSize at a
//     time (so memory stays bounded), is added to the new index; every task
//     is waited for and checked. Pages are re-anchored on the previous
//     page's documents, so documents deleted or added meanwhile shift none
//     past the cursor unseen.
//  4. Catch-up: each write of this package stamps what it writes with the
//     time it is sent (see writtenField). Documents written since the copy
//     started are copied again, pass after pass (each first waits until the
//     live index's queue holds nothing enqueued before the pass began), until
//     a pass finds few or after three.
//  5. The new index's count is checked: more than ShrinkLimit fewer
//     documents than the live one refuses the swap (ErrShrunk) unless
//     AllowShrink; its settings are checked too. Then Fence, then POST
//     /swap-indexes (with rename when there is no live index yet, or a
//     freshly created empty live index on a server too old to rename).
//  6. Meilisearch runs the swap after every task enqueued before it, so the
//     old index, now under the temporary uid, holds every write sent before
//     the swap and the live one every write sent after. Documents of the old
//     one written since the last pass began are copied into the live one
//     where its copy is missing or older. Then the old one is deleted.
//
// A rebuild that fails or is interrupted before the swap leaves the live
// index as it was, and deletes the new one (or the next rebuild does).
// Deletions made during a rebuild may be undone by it (a deleted posting
// comes back, and the crawler deletes it again on its next run). Writers
// still running a jobcrawl that does not stamp its writes should be
// stopped first: their writes during the copy are not caught up.
func (ix *Index) Rebuild(ctx context.Context, opts RebuildOptions) (RebuildReport, error) {
	start := time.Now()
	live := ix.cfg.Index
	tmp := live + rebuildInfix + strconv.FormatInt(start.Unix(), 10)
	rep := RebuildReport{Index: live, TempIndex: tmp}
	if !indexUIDRe.MatchString(tmp) {
		return rep, fmt.Errorf("meilisearch: rebuild %s: the uid %s is too long for an index (400 bytes at most)", live, tmp)
	}
	margin := opts.Lookback
	switch {
	case margin == 0:
		// a write is stamped before it is sent: it may be enqueued up
		// to a request timeout later
		margin = DefaultClockSkew + ix.cfg.Timeout
	case margin < 0:
		margin = 0
	}

	leftovers, salvaged, err := ix.cleanUp(ctx, margin)
	rep.Leftovers, rep.Salvaged = leftovers, salvaged
	if err != nil {
		return rep, err
	}
	exists, err := ix.exists(ctx, live)
	if err != nil {
		return rep, err
	}
	if exists {
		if err := ix.ensure(ctx); err != nil {
			return rep, err
		}
	}
	if err := ix.create(ctx, tmp); err != nil {
		return rep, err
	}
	swapped := false
	defer func() {
		if !swapped {
			// interrupted or refused: the new index goes (the next
			// rebuild deletes it if this cannot)
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ix.cfg.TaskTimeout)
			defer cancel()
			_ = ix.drop(cctx, tmp)
		}
	}()

	var lastPass time.Time
	if exists {
		lastPass = time.Now()
		if err := ix.waitQueue(ctx, live); err != nil {
			return rep, err
		}
		rep.Copied, err = ix.copyAll(ctx, live, tmp, "", opts.Progress)
		if err != nil {
			return rep, fmt.Errorf("meilisearch: rebuild %s: copy: %w", live, err)
		}
		for rep.Passes < catchUpPasses {
			since := lastPass.Add(-margin).UnixMilli()
			lastPass = time.Now()
			if err := ix.waitQueue(ctx, live); err != nil {
				return rep, err
			}
			n, err := ix.copyAll(ctx, live, tmp, writtenSince(since), nil)
			rep.Passes++
			rep.CaughtUp += n
			if err != nil {
				return rep, fmt.Errorf("meilisearch: rebuild %s: catch up: %w", live, err)
			}
			if n <= catchUpFew {
				break
			}
		}
		if rep.OldCount, err = ix.count(ctx, live); err != nil {
			return rep, err
		}
	}
	newCount, err := ix.count(ctx, tmp)
	if err != nil {
		return rep, err
	}
	if !opts.AllowShrink && float64(newCount) < (1-ShrinkLimit)*float64(rep.OldCount) {
		return rep, fmt.Errorf("meilisearch: rebuild %s: %w: it holds %d documents, the live index %d (%.0f%% fewer, more than %.0f%%); the live index is unchanged",
			live, ErrShrunk, newCount, rep.OldCount, 100*(1-float64(newCount)/float64(rep.OldCount)), 100*ShrinkLimit)
	}
	if err := ix.checkSettings(ctx, tmp); err != nil {
		return rep, err
	}
	if opts.Fence != nil {
		if err := opts.Fence(ctx); err != nil {
			return rep, fmt.Errorf("meilisearch: rebuild %s: not swapped: %w", live, err)
		}
	}

	if !exists {
		err := ix.swap(ctx, tmp, live, true)
		switch {
		case err == nil:
			swapped, rep.Renamed = true, true
			rep.NewCount = newCount
			rep.Duration = time.Since(start)
			return rep, nil
		case !errors.Is(err, errRenameUnsupported):
			return rep, fmt.Errorf("meilisearch: rebuild %s: %w", live, err)
		}
		// a server before v1.18: swap with an empty live index instead
		if err := ix.ensure(ctx); err != nil {
			return rep, err
		}
	}
	if err := ix.swap(ctx, live, tmp, false); err != nil {
		return rep, fmt.Errorf("meilisearch: rebuild %s: %w", live, err)
	}
	swapped = true
	if afterSwap != nil {
		afterSwap()
	}
	// the old index is frozen under tmp now
	if exists {
		n, err := ix.catchUp(ctx, tmp, live, lastPass.Add(-margin).UnixMilli())
		rep.CaughtUp += n
		if err != nil {
			return rep, fmt.Errorf("meilisearch: rebuild %s: swapped, but the last catch-up failed (the next rebuild finishes it from %s): %w", live, tmp, err)
		}
	}
	if err := ix.drop(ctx, tmp); err != nil {
		return rep, fmt.Errorf("meilisearch: rebuild %s: swapped, but the old index (now %s) could not be deleted (the next rebuild deletes it): %w", live, tmp, err)
	}
	if rep.NewCount, err = ix.count(ctx, live); err != nil {
		return rep, err
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// writtenSince is the filter of documents stamped at or after ms.
func writtenSince(ms int64) string { return fmt.Sprintf("%s >= %d", writtenField, ms) }

// cleanUp deletes the indexes of earlier rebuilds of this index that did
// not finish. One created before its rebuild started is an old live index
// that was swapped out (the swap moves an index's creation date with it)
// and whose last catch-up may not have run: the documents written during
// that rebuild are copied from it into the live index first, where the
// live copy is missing or older.
func (ix *Index) cleanUp(ctx context.Context, margin time.Duration) (deleted []string, salvaged int64, err error) {
	prefix := ix.cfg.Index + rebuildInfix
	var found []*meilisearch.IndexResult
	for offset := int64(0); ; {
		var res *meilisearch.IndexesResults
		if err := ix.do(ctx, "list indexes", func(ctx context.Context) (err error) {
			res, err = ix.client.ListIndexes(ctx, &meilisearch.IndexesQuery{Offset: offset, Limit: 100})
			return err
		}); err != nil {
			return nil, 0, err
		}
		for _, r := range res.Results {
			if started, ok := strings.CutPrefix(r.UID, prefix); ok {
				if _, err := strconv.ParseInt(started, 10, 64); err == nil {
					found = append(found, r)
				}
			}
		}
		offset += int64(len(res.Results))
		if len(res.Results) == 0 || offset >= res.Total {
			break
		}
	}
	for _, r := range found {
		started, _ := strconv.ParseInt(strings.TrimPrefix(r.UID, prefix), 10, 64)
		since := time.Unix(started, 0).Add(-margin)
		if !r.CreatedAt.IsZero() && r.CreatedAt.Before(since) {
			n, err := ix.catchUp(ctx, r.UID, ix.cfg.Index, since.UnixMilli())
			salvaged += n
			if err != nil {
				return deleted, salvaged, fmt.Errorf("meilisearch: recover the writes left in %s by an interrupted rebuild: %w", r.UID, err)
			}
		}
		if err := ix.drop(ctx, r.UID); err != nil {
			return deleted, salvaged, err
		}
		deleted = append(deleted, r.UID)
	}
	return deleted, salvaged, nil
}

// exists reports whether the index uid exists.
func (ix *Index) exists(ctx context.Context, uid string) (bool, error) {
	n, err := ix.retry(ctx, func(ctx context.Context) error {
		_, err := ix.client.Index(uid).FetchInfo(ctx)
		return err
	})
	switch {
	case err == nil:
		return true, nil
	case isCode(err, meilisearch.APIErrCodeIndexNotFound):
		return false, nil
	}
	return false, ix.translate(ctx, "read index "+uid, err, n)
}

// create creates the index uid with primary key "id" and jobcrawl's
// settings, before any document goes in.
func (ix *Index) create(ctx context.Context, uid string) error {
	var t *meilisearch.TaskInfo
	if err := ix.do(ctx, "create index "+uid, func(ctx context.Context) (err error) {
		t, err = ix.client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: primaryKey})
		return err
	}); err != nil {
		return err
	}
	if err := ix.wait(ctx, t); err != nil {
		return err
	}
	if err := ix.do(ctx, "update the settings of "+uid, func(ctx context.Context) (err error) {
		t, err = ix.client.Index(uid).UpdateSettings(ctx, ix.settings())
		return err
	}); err != nil {
		return err
	}
	return ix.wait(ctx, t)
}

// checkSettings makes sure the index uid still has jobcrawl's settings and
// primary key (another rebuild of the same index could have deleted it,
// and a document addition re-created it bare).
func (ix *Index) checkSettings(ctx context.Context, uid string) error {
	var info *meilisearch.IndexResult
	if err := ix.do(ctx, "read index "+uid, func(ctx context.Context) (err error) {
		info, err = ix.client.Index(uid).FetchInfo(ctx)
		return err
	}); err != nil {
		return err
	}
	var have *meilisearch.Settings
	n, err := ix.retry(ctx, func(ctx context.Context) (err error) {
		have, err = ix.client.Index(uid).GetSettings(ctx)
		return err
	})
	var me *meilisearch.Error
	if errors.As(err, &me) && me.ErrCode == meilisearch.ErrCodeResponseUnmarshalBody {
		have, err = nil, nil // settings this client cannot read: the primary key tells
	}
	if err != nil {
		return ix.translate(ctx, "read the settings of "+uid, err, n)
	}
	if info.PrimaryKey != primaryKey || have != nil && !settingsMatch(have, ix.settings()) {
		return fmt.Errorf("meilisearch: rebuild %s: the new index %s lost its settings while it was built (is another rebuild running?); nothing swapped", ix.cfg.Index, uid)
	}
	return nil
}

// drop deletes the index uid and waits for it; one that is not there is
// no error.
func (ix *Index) drop(ctx context.Context, uid string) error {
	var t *meilisearch.TaskInfo
	if err := ix.do(ctx, "delete index "+uid, func(ctx context.Context) (err error) {
		t, err = ix.client.DeleteIndex(ctx, uid)
		return err
	}); err != nil {
		return err
	}
	err := ix.wait(ctx, t)
	var te *TaskError
	if errors.As(err, &te) && te.Code == string(meilisearch.APIErrCodeIndexNotFound) {
		return nil
	}
	return err
}

// count is the number of documents of the index uid.
func (ix *Index) count(ctx context.Context, uid string) (int64, error) {
	var st *meilisearch.StatsIndex
	if err := ix.do(ctx, "read the stats of "+uid, func(ctx context.Context) (err error) {
		st, err = ix.client.Index(uid).GetStats(ctx, nil)
		return err
	}); err != nil {
		return 0, err
	}
	return st.NumberOfDocuments, nil
}

// waitQueue waits until every task enqueued on the index uid so far has
// finished, whatever its outcome (they are other writers'): the newest
// one that has not, since Meilisearch runs an index's tasks in order.
func (ix *Index) waitQueue(ctx context.Context, uid string) error {
	var res *meilisearch.TaskResult
	if err := ix.do(ctx, "list the tasks of "+uid, func(ctx context.Context) (err error) {
		res, err = ix.client.GetTasks(ctx, &meilisearch.TasksQuery{IndexUIDS: []string{uid}, Limit: 1,
			Statuses: []meilisearch.TaskStatus{meilisearch.TaskStatusEnqueued, meilisearch.TaskStatusProcessing}})
		return err
	}); err != nil {
		return err
	}
	if len(res.Results) == 0 {
		return nil
	}
	t := res.Results[0]
	wctx, cancel := context.WithTimeout(ctx, ix.cfg.TaskTimeout)
	defer cancel()
	n, err := ix.retry(wctx, func(ctx context.Context) error {
		_, err := ix.client.WaitForTask(ctx, t.UID, ix.cfg.PollInterval)
		return err
	})
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return fmt.Errorf("meilisearch: wait for the tasks of %s (up to %d, %s): not finished after %s: %w",
			uid, t.UID, t.Type, ix.cfg.TaskTimeout, context.DeadlineExceeded)
	}
	return ix.translate(ctx, fmt.Sprintf("wait for task %d (%s)", t.UID, t.Type), err, n)
}

// docID is a document's id as a string (a number's JSON text).
func docID(h meilisearch.Hit) string {
	raw := h[primaryKey]
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// stampOf is a document's write stamp, 0 when it has none.
func stampOf(h meilisearch.Hit) int64 {
	var ms float64
	if raw, ok := h[writtenField]; ok && json.Unmarshal(raw, &ms) == nil {
		return int64(ms)
	}
	return 0
}

// Bounds of walk's search for its place after the documents shifted.
const (
	walkStepsBack = 8
	walkRestarts  = 3
)

// walk calls fn with the documents of the index uid that match filter (""
// for all), reading fields (nil: all), a page of BatchSize at a time, with
// the number that match. It pages by offset, and each page after the first
// starts a little before where the previous one ended: the newest of the
// previous page's documents found in it anchors the page, and only what
// follows is passed on. So documents deleted before the cursor meanwhile
// (which shift the rest back) make it skip none. Documents added meanwhile
// may be missed (a rebuild catches them up by their stamp). When no
// anchor is found, it looks further back, and at worst starts again from
// the first page (passing documents again).
func (ix *Index) walk(ctx context.Context, uid, filter string, fields []string, fn func(docs meilisearch.Hits, total int64) error) error {
	limit := ix.cfg.BatchSize
	overlap := min(max(limit/8, 1), limit-1)
	var prev map[string]bool
	offset, back, restarts := 0, 0, 0
	for {
		q := &meilisearch.DocumentsQuery{Offset: int64(offset), Limit: int64(limit), Fields: fields}
		if filter != "" {
			q.Filter = filter
		}
		var res meilisearch.DocumentsResult
		if err := ix.do(ctx, "list documents of "+uid, func(ctx context.Context) error {
			res = meilisearch.DocumentsResult{}
			return ix.client.Index(uid).GetDocuments(ctx, q, &res)
		}); err != nil {
			return err
		}
		docs, start := res.Results, 0
		if prev != nil {
			anchor := -1
			for k := len(docs) - 1; k >= 0; k-- {
				if prev[docID(docs[k])] {
					anchor = k
					break
				}
			}
			if anchor < 0 {
				if offset > 0 && back < walkStepsBack {
					back++
					offset = max(0, offset-limit)
					continue
				}
				if restarts++; restarts > walkRestarts {
					return fmt.Errorf("the documents of %s changed too fast to be listed (started over %d times)", uid, walkRestarts)
				}
				prev, offset, back = nil, 0, 0
				continue
			}
			start = anchor + 1
		}
		if err := fn(docs[start:], res.Total); err != nil {
			return err
		}
		if len(docs) < limit {
			return nil
		}
		if overlap > 0 {
			prev = make(map[string]bool, len(docs))
			for _, h := range docs {
				prev[docID(h)] = true
			}
		}
		offset += len(docs) - overlap
		back = 0
	}
}

// pendingTasks is how many copy batches may be enqueued before they are
// waited for.
const pendingTasks = 8

// copyAll copies the documents of src matching filter into dst, as they
// are (the write stamp included), waiting for and checking every task.
// progress, when set, is told the documents copied so far.
func (ix *Index) copyAll(ctx context.Context, src, dst, filter string, progress func(copied, total int64)) (int64, error) {
	var copied int64
	var pending []*meilisearch.TaskInfo
	flush := func() error {
		for _, t := range pending {
			if err := ix.wait(ctx, t); err != nil {
				return err
			}
		}
		pending = pending[:0]
		return nil
	}
	err := ix.walk(ctx, src, filter, nil, func(docs meilisearch.Hits, total int64) error {
		if len(docs) > 0 {
			ts, err := ix.addTo(ctx, dst, docs)
			pending = append(pending, ts...)
			if err != nil {
				return err
			}
			copied += int64(len(docs))
		}
		if len(pending) >= pendingTasks {
			if err := flush(); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(copied, max(total, copied))
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return copied, err
}

// addTo adds documents to the index uid as they are; a batch the server
// finds too large is split in halves and each sent again.
func (ix *Index) addTo(ctx context.Context, uid string, docs meilisearch.Hits) ([]*meilisearch.TaskInfo, error) {
	var t *meilisearch.TaskInfo
	pk := primaryKey
	err := ix.do(ctx, fmt.Sprintf("add %d documents to %s", len(docs), uid), func(ctx context.Context) (err error) {
		t, err = ix.client.Index(uid).AddDocuments(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		return err
	})
	switch {
	case err == nil:
		return []*meilisearch.TaskInfo{t}, nil
	case !errors.Is(err, ErrPayloadTooLarge):
		return nil, err
	case len(docs) == 1:
		return nil, fmt.Errorf("document %s: %w", docID(docs[0]), err)
	}
	half := len(docs) / 2
	first, err := ix.addTo(ctx, uid, docs[:half])
	if err != nil {
		return first, err
	}
	second, err := ix.addTo(ctx, uid, docs[half:])
	return append(first, second...), err
}

// catchUp copies into dst the documents of src stamped at or after
// sinceMS whose copy in dst is missing or stamped earlier, and returns how
// many it copied.
func (ix *Index) catchUp(ctx context.Context, src, dst string, sinceMS int64) (int64, error) {
	var copied int64
	var pending []*meilisearch.TaskInfo
	err := ix.walk(ctx, src, writtenSince(sinceMS), nil, func(docs meilisearch.Hits, _ int64) error {
		if len(docs) == 0 {
			return nil
		}
		ids := make([]string, len(docs))
		for i, h := range docs {
			ids[i] = docID(h)
		}
		have, err := ix.stamps(ctx, dst, ids)
		if err != nil {
			return err
		}
		var newer meilisearch.Hits
		for i, h := range docs {
			if at, ok := have[ids[i]]; !ok || at < stampOf(h) {
				newer = append(newer, h)
			}
		}
		if len(newer) == 0 {
			return nil
		}
		ts, err := ix.addTo(ctx, dst, newer)
		pending = append(pending, ts...)
		copied += int64(len(newer))
		return err
	})
	for _, t := range pending {
		if err != nil {
			break
		}
		err = ix.wait(ctx, t)
	}
	return copied, err
}

// stamps returns the write stamps of those of ids that are documents of
// the index uid (0 for one without a stamp): one fetch by ids, or, from a
// server too old to fetch by ids (before v1.14), one request per id.
func (ix *Index) stamps(ctx context.Context, uid string, ids []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	fields := []string{primaryKey, writtenField}
	var res meilisearch.DocumentsResult
	n, err := ix.retry(ctx, func(ctx context.Context) error {
		res = meilisearch.DocumentsResult{}
		return ix.client.Index(uid).GetDocuments(ctx, &meilisearch.DocumentsQuery{Ids: ids, Fields: fields,
			Limit: int64(len(ids))}, &res)
	})
	var me *meilisearch.Error
	if errors.As(err, &me) && me.StatusCode == http.StatusBadRequest {
		for _, id := range ids {
			if !validID(id) {
				continue // not a jobcrawl document: not in the index
			}
			var doc meilisearch.Hit
			n, err := ix.retry(ctx, func(ctx context.Context) error {
				doc = nil
				return ix.client.Index(uid).GetDocument(ctx, id, &meilisearch.DocumentQuery{Fields: fields}, &doc)
			})
			switch {
			case err == nil:
				out[id] = stampOf(doc)
			case !isCode(err, meilisearch.APIErrCodeDocumentNotFound):
				return nil, ix.translate(ctx, "read a document of "+uid, err, n)
			}
		}
		return out, nil
	}
	if err != nil {
		return nil, ix.translate(ctx, "read documents of "+uid, err, n)
	}
	for _, h := range res.Results {
		out[docID(h)] = stampOf(h)
	}
	return out, nil
}

// errRenameUnsupported is a swap with rename refused by a server before
// Meilisearch v1.18.
var errRenameUnsupported = errors.New("this Meilisearch cannot rename an index by a swap (v1.18 or later can)")

// swap swaps the indexes a and b (POST /swap-indexes), or renames a to b
// (b must not exist), and waits for the task. The request is made here
// rather than by meilisearch-go, which always sends "rename", a field
// Meilisearch before v1.18 refuses.
func (ix *Index) swap(ctx context.Context, a, b string, rename bool) error {
	one := map[string]any{"indexes": []string{a, b}}
	if rename {
		one["rename"] = true
	}
	body, err := json.Marshal([]any{one})
	if err != nil {
		return err
	}
	what := "swap indexes " + a + " and " + b
	if rename {
		what = "rename index " + a + " to " + b
	}
	var t *meilisearch.TaskInfo
	n, err := ix.retry(ctx, func(ctx context.Context) (err error) {
		t, err = ix.post(ctx, "/swap-indexes", body)
		return err
	})
	var me *meilisearch.Error
	if rename && errors.As(err, &me) && me.StatusCode == http.StatusBadRequest {
		return fmt.Errorf("%s: %w (%s)", what, errRenameUnsupported, me.APIError.Message)
	}
	if err != nil {
		return ix.translate(ctx, what, err, n)
	}
	if err := ix.wait(ctx, t); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// post sends body to path and reads the task it enqueues, failing the way
// meilisearch-go does (a *meilisearch.Error) so that retry and translate
// read the answer alike.
func (ix *Index) post(ctx context.Context, path string, body []byte) (*meilisearch.TaskInfo, error) {
	fail := func(code meilisearch.ErrCode, status int, api meilisearch.APIErrorDetails, origin error) error {
		return &meilisearch.Error{Endpoint: path, Method: http.MethodPost, Function: "post", StatusCode: status,
			StatusCodeExpected: []int{http.StatusAccepted}, APIError: api, ErrCode: code, OriginError: origin}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(ix.cfg.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if ix.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+ix.cfg.APIKey)
	}
	resp, err := ix.http.Do(req)
	if err != nil {
		return nil, fail(meilisearch.CommunicationError, 0, meilisearch.APIErrorDetails{}, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fail(meilisearch.CommunicationError, resp.StatusCode, meilisearch.APIErrorDetails{}, err)
	}
	if resp.StatusCode != http.StatusAccepted {
		var api meilisearch.APIErrorDetails
		if json.Unmarshal(data, &api) != nil || api.Code == "" {
			return nil, fail(meilisearch.APIErrorWithoutMessage, resp.StatusCode, meilisearch.APIErrorDetails{}, nil)
		}
		return nil, fail(meilisearch.APIError, resp.StatusCode, api, nil)
	}
	var t meilisearch.TaskInfo
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fail(meilisearch.ErrCodeResponseUnmarshalBody, resp.StatusCode, meilisearch.APIErrorDetails{}, err)
	}
	return &t, nil
}
