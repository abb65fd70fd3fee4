package meilitest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// listIndexes answers GET /indexes: the indexes in uid order, paged by
// offset and limit (default 20), with the total.
func (s *Server) listIndexes(q url.Values) (int, any, *apiError) {
	offset, limit := 0, 20
	for name, dst := range map[string]*int{"offset": &offset, "limit": &limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 0, nil, badRequest("invalid_index_"+name, "Invalid value in parameter `%s`: could not parse `%s` as a positive integer", name, v)
			}
			*dst = n
		}
	}
	uids := make([]string, 0, len(s.indexes))
	for uid := range s.indexes {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	results := []any{}
	for i := offset; i < len(uids) && i < offset+limit; i++ {
		results = append(results, s.indexes[uids[i]].info())
	}
	return http.StatusOK, map[string]any{"results": results, "offset": offset, "limit": limit, "total": len(uids)}, nil
}

var taskStatuses = []string{"enqueued", "processing", "succeeded", "failed", "canceled"}

// listTasks answers GET /tasks: the tasks matching the filters (uids,
// indexUids, statuses, types: comma-separated, OR-ed within a parameter),
// newest first, from the uid "from" down, limit (default 20) of them, with
// the total matching and the uid the next page starts from. It finishes
// no task (reading one task does, see getTask).
func (s *Server) listTasks(q url.Values) (int, any, *apiError) {
	list := func(name string) []string {
		if v := q.Get(name); v != "" && v != "*" {
			return strings.Split(v, ",")
		}
		return nil
	}
	statuses := list("statuses")
	for _, st := range statuses {
		if !slices.Contains(taskStatuses, st) {
			return 0, nil, badRequest("invalid_task_statuses", "Task status `%s` is invalid. Available task statuses are `enqueued`, `processing`, `succeeded`, `failed`, `canceled`.", st)
		}
	}
	var uids []int
	for _, v := range list("uids") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, nil, badRequest("invalid_task_uids", "Invalid value in parameter `uids`: could not parse `%s` as a positive integer", v)
		}
		uids = append(uids, n)
	}
	limit, from := 20, -1
	for name, dst := range map[string]*int{"limit": &limit, "from": &from} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 0, nil, badRequest("invalid_task_"+name, "Invalid value in parameter `%s`: could not parse `%s` as a positive integer", name, v)
			}
			*dst = n
		}
	}
	indexUIDs, types := list("indexUids"), list("types")
	var matching []*task
	for i := len(s.tasks) - 1; i >= 0; i-- {
		t := s.tasks[i]
		switch {
		case statuses != nil && !slices.Contains(statuses, t.status),
			uids != nil && !slices.Contains(uids, t.uid),
			indexUIDs != nil && !slices.Contains(indexUIDs, t.indexUID),
			types != nil && !slices.Contains(types, t.typ):
			continue
		}
		matching = append(matching, t)
	}
	results := []any{}
	var next any
	for _, t := range matching {
		if from >= 0 && t.uid > from {
			continue
		}
		if len(results) == limit {
			next = t.uid
			break
		}
		results = append(results, t.json())
	}
	var first any
	if len(results) > 0 {
		first = results[0].(map[string]any)["uid"]
	}
	return http.StatusOK, map[string]any{"results": results, "total": len(matching), "limit": limit, "from": first, "next": next}, nil
}

// swapRequest is one object of a POST /swap-indexes body.
type swapRequest struct {
	Indexes []string `json:"indexes"`
	Rename  bool     `json:"rename"`
}

// swapIndexes answers POST /swap-indexes: an array of swaps, each naming
// two indexes and, since v1.18, whether the first is to be renamed to the
// second (which must not exist) instead of swapped with it. It enqueues
// one global indexSwap task (indexUid null). The task fails with
// index_not_found when an index to swap (or to rename) does not exist,
// and with index_already_exists when a rename's target does; otherwise
// the indexes (documents, settings) trade uids all at once, and so do
// their tasks in the history.
func (s *Server) swapIndexes(body []byte) (int, any, *apiError) {
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return 0, nil, badRequest("bad_request", "Invalid value type: expected an array: %v", err)
	}
	allowed := "`indexes`, `rename`"
	if s.opt.NoRename {
		allowed = "`indexes`"
	}
	swaps := make([]swapRequest, len(raw))
	seen := map[string]bool{}
	for i, obj := range raw {
		for k := range obj {
			if k != "indexes" && (k != "rename" || s.opt.NoRename) {
				return 0, nil, badRequest("bad_request", "Unknown field `%s` inside `[%d]`: expected one of %s", k, i, allowed)
			}
		}
		ixs, ok := obj["indexes"]
		if !ok {
			return 0, nil, badRequest("missing_swap_indexes", "Missing field `indexes` inside `[%d]`", i)
		}
		if err := json.Unmarshal(ixs, &swaps[i].Indexes); err != nil {
			return 0, nil, badRequest("invalid_swap_indexes", "Invalid value type at `[%d].indexes`: expected an array: %v", i, err)
		}
		if r, ok := obj["rename"]; ok {
			if err := json.Unmarshal(r, &swaps[i].Rename); err != nil {
				return 0, nil, badRequest("invalid_swap_rename", "Invalid value type at `[%d].rename`: expected a boolean, but found `%s`", i, r)
			}
		}
		if n := len(swaps[i].Indexes); n != 2 {
			return 0, nil, badRequest("invalid_swap_indexes", "Two indexes must be given for each swap. The list `%q` contains %d indexes.", swaps[i].Indexes, n)
		}
		for _, uid := range swaps[i].Indexes {
			if !indexUIDRe.MatchString(uid) {
				return 0, nil, badRequest("invalid_index_uid", "`%s` is not a valid index uid.", uid)
			}
			if seen[uid] {
				return 0, nil, badRequest("invalid_swap_duplicate_index_found", "Indexes must be declared only once during a swap. `%s` was specified several times.", uid)
			}
			seen[uid] = true
		}
	}
	details := make([]map[string]any, len(swaps))
	for i, sw := range swaps {
		details[i] = map[string]any{"indexes": sw.Indexes}
		if !s.opt.NoRename {
			details[i]["rename"] = sw.Rename
		}
	}
	return s.enqueue("", "indexSwap", map[string]any{"swaps": details}, func(t *task) *apiError {
		var missing []string
		for _, sw := range swaps {
			lhs, rhs := sw.Indexes[0], sw.Indexes[1]
			if s.indexes[lhs] == nil {
				missing = append(missing, lhs)
			}
			switch {
			case s.indexes[rhs] == nil && !sw.Rename:
				missing = append(missing, rhs)
			case s.indexes[rhs] != nil && sw.Rename:
				return errorf(http.StatusConflict, "index_already_exists", "invalid_request",
					"Cannot rename `%s` to `%s` as the index already exists", lhs, rhs)
			}
		}
		switch {
		case len(missing) == 1:
			return indexNotFound(missing[0])
		case len(missing) > 1:
			slices.Sort(missing)
			quoted := make([]string, len(missing))
			for i, m := range missing {
				quoted[i] = "`" + m + "`"
			}
			return errorf(http.StatusNotFound, "index_not_found", "invalid_request", "Indexes %s not found.", strings.Join(quoted, ", "))
		}
		for _, sw := range swaps {
			lhs, rhs := sw.Indexes[0], sw.Indexes[1]
			a, b := s.indexes[lhs], s.indexes[rhs]
			delete(s.indexes, lhs)
			delete(s.indexes, rhs)
			a.uid = rhs
			s.indexes[rhs] = a
			if b != nil {
				b.uid = lhs
				s.indexes[lhs] = b
			}
			// the history follows the data; tasks enqueued after the
			// swap keep the uid they were sent to
			for _, old := range s.tasks[:t.uid] {
				switch old.indexUID {
				case lhs:
					old.indexUID = rhs
				case rhs:
					old.indexUID = lhs
				}
			}
		}
		return nil
	})
}
