// Package meilitest is a fake Meilisearch server for tests: an
// httptest.Server that answers the part of Meilisearch's HTTP API jobcrawl
// uses as the API reference documents it (Meilisearch v1.x; the routes,
// bodies, status codes and error objects of
// https://www.meilisearch.com/docs/reference/api). It keeps indexes,
// documents and settings in memory, runs writes as asynchronous tasks,
// really evaluates filters (ParseFilter), matches words, sorts, pages and
// counts facets, lists indexes and tasks, swaps and renames indexes
// (POST /swap-indexes), and can be told to refuse a key, answer 413 or
// 503, keep tasks enqueued for a while or leave them unfinished, or lose
// documents. It records every request so tests can check what a client
// sent.
//
// It does not imitate typo tolerance, proximity ranking, stemming or
// Unicode normalisation beyond lower-casing.
package meilitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configure a Server.
type Options struct {
	// Key is the master key. Empty: the server is unprotected and ignores
	// the Authorization header.
	Key string
	// SearchKey, when set, is a key that may only search (POST
	// /indexes/{uid}/search), like a default "Search API Key".
	SearchKey string
	// MaxPayload is the largest request body accepted, in bytes (0: 100 MB,
	// Meilisearch's default for --http-payload-size-limit).
	MaxPayload int64
	// TaskPolls is how many times a task's status can be read as enqueued
	// or processing before it finishes (0: 1).
	TaskPolls int
	// TaskDelay keeps every task enqueued for at least this long after it
	// was enqueued, however often it is polled, as a busy server's queue
	// does (0: none). Tasks still finish in the order they were enqueued.
	TaskDelay time.Duration
	// NoRename answers POST /swap-indexes as Meilisearch before v1.18 does:
	// a swap object may hold only "indexes", so "rename" is refused.
	NoRename bool
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	At     time.Time
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	URL string

	opt Options
	srv *httptest.Server

	mu       sync.Mutex
	indexes  map[string]*fakeIndex
	tasks    []*task
	requests []Request
	overload int // answer 503 to the next overload requests
	stall    bool
	// lose, when set, says which added documents to drop silently (LoseDocuments).
	lose func(uid string, doc map[string]any) bool
}

// New starts a fake server on a loopback address; it stops when the test ends.
func New(tb testing.TB, opt Options) *Server {
	tb.Helper()
	if opt.MaxPayload == 0 {
		opt.MaxPayload = 100 << 20
	}
	if opt.TaskPolls == 0 {
		opt.TaskPolls = 1
	}
	s := &Server{opt: opt, indexes: map[string]*fakeIndex{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// Close stops the server (New also arranges it at the end of the test).
func (s *Server) Close() { s.srv.Close() }

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Overload makes the next n requests fail with 503 Service Unavailable.
func (s *Server) Overload(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overload = n
}

// Stall, while on, leaves every task enqueued or processing.
func (s *Server) Stall(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall = on
}

// LoseDocuments makes the server drop, without a word, every document
// added to an index for which lose returns true (nil: none), as a server
// losing data would: the task still succeeds. Tests use it to make a copy
// come out short.
func (s *Server) LoseDocuments(lose func(uid string, doc map[string]any) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose = lose
}

// Indexes returns the uids of the indexes that exist, sorted.
func (s *Server) Indexes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.indexes))
	for uid := range s.indexes {
		out = append(out, uid)
	}
	slices.Sort(out)
	return out
}

// Backdate moves the creation date of index uid d into the past, as if it
// had been created that much earlier.
func (s *Server) Backdate(uid string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ix := s.indexes[uid]; ix != nil {
		ix.created = ix.created.Add(-d)
	}
}

// CreateIndex creates an index directly, as if by an earlier task.
func (s *Server) CreateIndex(uid, primaryKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.indexes[uid] = newIndex(uid, primaryKey)
}

// Documents returns the documents of index uid in their internal order.
func (s *Server) Documents(uid string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indexes[uid]
	if ix == nil {
		return nil
	}
	out := make([]map[string]any, 0, len(ix.order))
	for _, id := range ix.order {
		out = append(out, ix.docs[id])
	}
	return out
}

// Settings returns the settings of index uid as GET /indexes/{uid}/settings
// does, or nil when it does not exist.
func (s *Server) Settings(uid string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indexes[uid]
	if ix == nil {
		return nil
	}
	return ix.settingsJSON()
}

// apiError is Meilisearch's error object.
type apiError struct {
	status  int
	Message string `json:"message"`
	Code    string `json:"code"`
	Type    string `json:"type"`
	Link    string `json:"link"`
}

func errorf(status int, code, typ, format string, args ...any) *apiError {
	return &apiError{status: status, Message: fmt.Sprintf(format, args...), Code: code, Type: typ,
		Link: "https://docs.meilisearch.com/errors#" + code}
}

func badRequest(code, format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, code, "invalid_request", format, args...)
}

func indexNotFound(uid string) *apiError {
	return errorf(http.StatusNotFound, "index_not_found", "invalid_request", "Index `%s` not found.", uid)
}

var (
	indexUIDRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,400}$`)
	docIDRe    = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,511}$`)
)

// ValidDocumentID reports whether s is a valid Meilisearch document id:
// only a-z A-Z 0-9 - _, 1 to 511 bytes.
func ValidDocumentID(s string) bool { return docIDRe.MatchString(s) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body) // all of it, so tests see what was sent
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: body, At: time.Now()})

	if s.overload > 0 {
		s.overload--
		writeJSON(w, http.StatusServiceUnavailable, errorf(http.StatusServiceUnavailable, "too_many_search_requests", "system",
			"Too many search requests running at the same time: 1000. Retry after 10s."))
		return
	}
	if r.URL.Path == "/health" {
		writeJSON(w, http.StatusOK, map[string]string{"status": "available"})
		return
	}
	if e := s.authorize(r); e != nil {
		writeJSON(w, e.status, e)
		return
	}
	if int64(len(body)) > s.opt.MaxPayload {
		writeJSON(w, http.StatusRequestEntityTooLarge, errorf(http.StatusRequestEntityTooLarge, "payload_too_large", "invalid_request",
			"The provided payload reached the size limit. The maximum accepted payload size is %d B.", s.opt.MaxPayload))
		return
	}
	if len(body) > 0 && r.Method != http.MethodGet {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			writeJSON(w, http.StatusUnsupportedMediaType, errorf(http.StatusUnsupportedMediaType, "invalid_content_type", "invalid_request",
				"The Content-Type `%s` is invalid. Accepted values for the Content-Type header are: `application/json`, `application/x-ndjson`, `text/csv`", ct))
			return
		}
	}
	status, v, e := s.route(r, body)
	if e != nil {
		writeJSON(w, e.status, e)
		return
	}
	writeJSON(w, status, v)
}

func (s *Server) authorize(r *http.Request) *apiError {
	if s.opt.Key == "" {
		return nil
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return errorf(http.StatusUnauthorized, "missing_authorization_header", "auth",
			"The Authorization header is missing. It must use the bearer authorization method.")
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	switch {
	case ok && token == s.opt.Key:
		return nil
	case ok && s.opt.SearchKey != "" && token == s.opt.SearchKey && r.Method == http.MethodPost &&
		(strings.HasPrefix(r.URL.Path, "/indexes/") && strings.HasSuffix(r.URL.Path, "/search") || r.URL.Path == "/multi-search"):
		return nil
	}
	return errorf(http.StatusForbidden, "invalid_api_key", "auth", "The provided API key is invalid.")
}

// route dispatches a request; it runs with s.mu held.
func (s *Server) route(r *http.Request, body []byte) (int, any, *apiError) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	m := r.Method
	switch {
	case len(parts) == 2 && parts[0] == "tasks" && m == http.MethodGet:
		return s.getTask(parts[1])
	case len(parts) == 1 && parts[0] == "tasks" && m == http.MethodGet:
		return s.listTasks(r.URL.Query())
	case len(parts) == 1 && parts[0] == "indexes" && m == http.MethodPost:
		return s.createIndex(body)
	case len(parts) == 1 && parts[0] == "indexes" && m == http.MethodGet:
		return s.listIndexes(r.URL.Query())
	case len(parts) == 1 && parts[0] == "swap-indexes" && m == http.MethodPost:
		return s.swapIndexes(body)
	case len(parts) == 1 && parts[0] == "multi-search" && m == http.MethodPost:
		return s.multiSearch(body)
	case len(parts) < 2 || parts[0] != "indexes":
		return 0, nil, errorf(http.StatusNotFound, "not_found", "invalid_request", "Route %s %s not found.", m, r.URL.Path)
	}
	uid := parts[1]
	if !indexUIDRe.MatchString(uid) {
		return 0, nil, badRequest("invalid_index_uid",
			"`%s` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 400 bytes.", uid)
	}
	ix := s.indexes[uid]
	rest := strings.Join(parts[2:], "/")
	switch {
	case rest == "" && m == http.MethodGet:
		if ix == nil {
			return 0, nil, indexNotFound(uid)
		}
		return http.StatusOK, ix.info(), nil
	case rest == "" && m == http.MethodPatch:
		var req struct {
			PrimaryKey *string `json:"primaryKey"`
		}
		if e := decodeStrict(body, &req); e != nil {
			return 0, nil, e
		}
		return s.enqueue(uid, "indexUpdate", map[string]any{"primaryKey": req.PrimaryKey}, func(*task) *apiError {
			ix := s.indexes[uid]
			if ix == nil {
				return indexNotFound(uid)
			}
			if req.PrimaryKey != nil {
				if len(ix.docs) > 0 && ix.primaryKey != "" {
					return badRequest("index_primary_key_already_exists", "Index `%s`: Index already has a primary key: `%s`.", uid, ix.primaryKey)
				}
				ix.primaryKey = *req.PrimaryKey
			}
			return nil
		})
	case rest == "" && m == http.MethodDelete:
		return s.enqueue(uid, "indexDeletion", map[string]any{"deletedDocuments": nil}, func(t *task) *apiError {
			ix := s.indexes[uid]
			if ix == nil {
				return indexNotFound(uid)
			}
			t.details["deletedDocuments"] = len(ix.docs)
			delete(s.indexes, uid)
			return nil
		})
	case rest == "settings" && m == http.MethodGet:
		if ix == nil {
			return 0, nil, indexNotFound(uid)
		}
		return http.StatusOK, ix.settingsJSON(), nil
	case rest == "settings" && m == http.MethodPatch:
		var patch map[string]json.RawMessage
		if e := decodeStrict(body, &patch); e != nil {
			return 0, nil, e
		}
		if e := validateSettings(patch); e != nil {
			return 0, nil, e
		}
		details := map[string]any{}
		for k, v := range patch {
			details[k] = v
		}
		return s.enqueue(uid, "settingsUpdate", details, func(*task) *apiError {
			ix := s.indexes[uid]
			if ix == nil { // a settings update creates the index
				ix = newIndex(uid, "")
				s.indexes[uid] = ix
			}
			return ix.applySettings(patch)
		})
	case rest == "stats" && m == http.MethodGet:
		if ix == nil {
			return 0, nil, indexNotFound(uid)
		}
		return http.StatusOK, s.stats(ix), nil
	case rest == "documents" && m == http.MethodPost:
		return s.addDocuments(uid, r.URL.Query(), body, false)
	case rest == "documents" && m == http.MethodPut:
		// add or update: fields of a document that exists are replaced
		// one by one, the others kept
		return s.addDocuments(uid, r.URL.Query(), body, true)
	case rest == "documents/fetch" && m == http.MethodPost:
		if ix == nil {
			return 0, nil, indexNotFound(uid)
		}
		return ix.fetch(body)
	case rest == "documents/delete-batch" && m == http.MethodPost:
		var ids []any
		if err := json.Unmarshal(body, &ids); err != nil {
			return 0, nil, badRequest("bad_request", "Invalid value type: expected an array of document ids: %v", err)
		}
		return s.enqueue(uid, "documentDeletion", map[string]any{"providedIds": len(ids), "deletedDocuments": nil}, func(t *task) *apiError {
			ix := s.indexes[uid]
			if ix == nil {
				return indexNotFound(uid)
			}
			n := 0
			for _, id := range ids {
				if ix.remove(idString(id)) {
					n++
				}
			}
			t.details["deletedDocuments"] = n
			return nil
		})
	case strings.HasPrefix(rest, "documents/") && m == http.MethodGet && len(parts) == 4:
		if ix == nil {
			return 0, nil, indexNotFound(uid)
		}
		doc, ok := ix.docs[parts[3]]
		if !ok {
			return 0, nil, errorf(http.StatusNotFound, "document_not_found", "invalid_request", "Document `%s` not found.", parts[3])
		}
		return http.StatusOK, doc, nil
	case rest == "search" && m == http.MethodPost:
		if ix == nil {
			return 0, nil, indexNotFound(uid)
		}
		return ix.search(body)
	}
	return 0, nil, errorf(http.StatusNotFound, "not_found", "invalid_request", "Route %s %s not found.", m, r.URL.Path)
}

// decodeStrict decodes a JSON body, refusing unknown fields as Meilisearch does.
func decodeStrict(body []byte, v any) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("bad_request", "Invalid request body: %v", err)
	}
	return nil
}

func idString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func (s *Server) createIndex(body []byte) (int, any, *apiError) {
	var req struct {
		UID        string  `json:"uid"`
		PrimaryKey *string `json:"primaryKey"`
	}
	if e := decodeStrict(body, &req); e != nil {
		return 0, nil, e
	}
	if req.UID == "" {
		return 0, nil, badRequest("missing_index_uid", "Missing field `uid`")
	}
	if !indexUIDRe.MatchString(req.UID) {
		return 0, nil, badRequest("invalid_index_uid", "`%s` is not a valid index uid.", req.UID)
	}
	pk := ""
	if req.PrimaryKey != nil {
		pk = *req.PrimaryKey
	}
	return s.enqueue(req.UID, "indexCreation", map[string]any{"primaryKey": req.PrimaryKey}, func(*task) *apiError {
		if s.indexes[req.UID] != nil {
			return errorf(http.StatusConflict, "index_already_exists", "invalid_request", "Index `%s` already exists.", req.UID)
		}
		s.indexes[req.UID] = newIndex(req.UID, pk)
		return nil
	})
}

func (s *Server) addDocuments(uid string, q url.Values, body []byte, update bool) (int, any, *apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return 0, nil, badRequest("missing_payload", "A json payload is missing.")
	}
	var docs []map[string]any
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var one map[string]any
		if err := json.Unmarshal(body, &one); err != nil {
			return 0, nil, badRequest("malformed_payload", "The `json` payload provided is malformed. `%v`.", err)
		}
		docs = []map[string]any{one}
	} else if err := json.Unmarshal(body, &docs); err != nil {
		return 0, nil, badRequest("malformed_payload", "The `json` payload provided is malformed. `%v`.", err)
	}
	pkParam := q.Get("primaryKey")
	skipCreation := q.Get("skipCreation") == "true"
	return s.enqueue(uid, "documentAdditionOrUpdate", map[string]any{"receivedDocuments": len(docs), "indexedDocuments": nil},
		func(t *task) *apiError {
			ix := s.indexes[uid]
			if ix == nil {
				ix = newIndex(uid, "")
				s.indexes[uid] = ix
			}
			pk := ix.primaryKey
			switch {
			case pk != "" && pkParam != "" && pkParam != pk:
				return badRequest("index_primary_key_already_exists", "Index `%s`: Index already has a primary key: `%s`.", uid, pk)
			case pk == "" && pkParam != "":
				pk = pkParam
			case pk == "":
				pk = "id"
				if len(docs) > 0 {
					if _, ok := docs[0]["id"]; !ok {
						return badRequest("index_primary_key_no_candidate_found", "Index `%s`: The primary key inference failed as the engine did not find any field ending with `id` in its name. Please specify the primary key manually using the `primaryKey` query parameter.", uid)
					}
				}
			}
			for _, d := range docs {
				v, ok := d[pk]
				if !ok {
					return badRequest("missing_document_id", "Document doesn't have a `%s` attribute: `%s`.", pk, compact(d))
				}
				switch id := v.(type) {
				case string:
					if !ValidDocumentID(id) {
						return badRequest("invalid_document_id", "Document identifier `%q` is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.", id)
					}
				case float64:
					if id != float64(int64(id)) || id < 0 {
						return badRequest("invalid_document_id", "Document identifier `%v` is invalid.", id)
					}
				default:
					return badRequest("invalid_document_id", "Document identifier `%v` is invalid.", v)
				}
			}
			ix.primaryKey = pk
			for _, d := range docs {
				if s.lose != nil && s.lose(uid, d) {
					continue
				}
				id := idString(d[pk])
				old, exists := ix.docs[id]
				switch {
				case !exists && skipCreation:
					continue
				case exists && update:
					merged := make(map[string]any, len(old)+len(d))
					for k, v := range old {
						merged[k] = v
					}
					for k, v := range d {
						merged[k] = v
					}
					d = merged
				}
				ix.put(id, d)
			}
			t.details["indexedDocuments"] = len(docs)
			return nil
		})
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *Server) stats(ix *fakeIndex) map[string]any {
	fields := map[string]int{}
	size := 0
	for _, d := range ix.docs {
		size += len(compact(d))
		for k := range d {
			fields[k]++
		}
	}
	avg := 0
	if len(ix.docs) > 0 {
		avg = size / len(ix.docs)
	}
	indexing := false
	for _, t := range s.tasks {
		if t.indexUID == ix.uid && !t.done() {
			indexing = true
		}
	}
	return map[string]any{"numberOfDocuments": len(ix.docs), "rawDocumentDbSize": size, "avgDocumentSize": avg,
		"isIndexing": indexing, "numberOfEmbeddings": 0, "numberOfEmbeddedDocuments": 0, "fieldDistribution": fields}
}

// task is one asynchronous operation.
type task struct {
	uid        int
	indexUID   string
	typ        string
	status     string
	details    map[string]any
	err        *apiError
	enqueuedAt time.Time
	startedAt  time.Time
	finishedAt time.Time
	reads      int
	apply      func(*task) *apiError
}

func (t *task) done() bool { return t.status != "enqueued" && t.status != "processing" }

func (t *task) json() map[string]any {
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	var e any
	if t.err != nil {
		e = t.err
	}
	var duration any
	if !t.finishedAt.IsZero() {
		duration = fmt.Sprintf("PT%.6fS", t.finishedAt.Sub(t.startedAt).Seconds())
	}
	return map[string]any{"uid": t.uid, "batchUid": nil, "indexUid": nullable(t.indexUID), "status": t.status, "type": t.typ,
		"canceledBy": nil, "details": t.details, "error": e, "duration": duration,
		"enqueuedAt": ts(t.enqueuedAt), "startedAt": ts(t.startedAt), "finishedAt": ts(t.finishedAt)}
}

// enqueue registers a task and answers 202 Accepted with its summary. A
// global task (an index swap) has no index: uid "", null in JSON.
func (s *Server) enqueue(uid, typ string, details map[string]any, apply func(*task) *apiError) (int, any, *apiError) {
	t := &task{uid: len(s.tasks), indexUID: uid, typ: typ, status: "enqueued", details: details,
		enqueuedAt: time.Now(), apply: apply}
	s.tasks = append(s.tasks, t)
	return http.StatusAccepted, map[string]any{"taskUid": t.uid, "indexUid": nullable(uid), "status": "enqueued", "type": typ,
		"enqueuedAt": t.enqueuedAt.UTC().Format(time.RFC3339Nano)}, nil
}

// nullable is s, or JSON null when it is empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// process runs every unfinished task up to and including uid, in order, as
// Meilisearch's queue does.
func (s *Server) process(uid int) {
	for _, t := range s.tasks[:uid+1] {
		if t.done() {
			continue
		}
		t.startedAt = time.Now()
		if e := t.apply(t); e != nil {
			t.status, t.err = "failed", e
		} else {
			t.status = "succeeded"
		}
		t.finishedAt = time.Now()
	}
}

func (s *Server) getTask(id string) (int, any, *apiError) {
	n, err := strconv.Atoi(id)
	if err != nil || n < 0 {
		return 0, nil, badRequest("invalid_task_uids", "Invalid value in parameter `taskUid`: could not parse `%s` as a positive integer", id)
	}
	if n >= len(s.tasks) {
		return 0, nil, errorf(http.StatusNotFound, "task_not_found", "invalid_request", "Task `%d` not found.", n)
	}
	t := s.tasks[n]
	if !t.done() && !s.stall && time.Since(t.enqueuedAt) >= s.opt.TaskDelay {
		t.reads++
		switch {
		case t.reads > s.opt.TaskPolls:
			s.process(n)
		case t.reads > 1:
			t.status, t.startedAt = "processing", time.Now()
		}
	}
	return http.StatusOK, t.json(), nil
}

// multiSearch answers POST /multi-search without federation: each query
// names its index (indexUid) and is answered as that index's search, the
// results in the order of the queries. An error in one query fails the
// request, its message prefixed with the query's position.
func (s *Server) multiSearch(body []byte) (int, any, *apiError) {
	var req struct {
		Queries    []map[string]json.RawMessage `json:"queries"`
		Federation json.RawMessage              `json:"federation"`
	}
	if e := decodeStrict(body, &req); e != nil {
		return 0, nil, e
	}
	if len(req.Federation) > 0 && string(req.Federation) != "null" {
		return 0, nil, badRequest("bad_request", "federated multi-search is not supported by this fake")
	}
	if req.Queries == nil {
		return 0, nil, badRequest("missing_queries", "Missing field `queries`")
	}
	results := make([]any, 0, len(req.Queries))
	for i, q := range req.Queries {
		var uid string
		if raw, ok := q["indexUid"]; !ok || json.Unmarshal(raw, &uid) != nil {
			return 0, nil, badRequest("missing_index_uid", "Missing field `indexUid` inside `.queries[%d]`", i)
		}
		delete(q, "indexUid")
		ix := s.indexes[uid]
		if ix == nil {
			e := indexNotFound(uid)
			e.Message = fmt.Sprintf("Inside `.queries[%d]`: %s", i, e.Message)
			return 0, nil, e
		}
		one, err := json.Marshal(q)
		if err != nil {
			return 0, nil, badRequest("bad_request", "%v", err)
		}
		_, res, e := ix.search(one)
		if e != nil {
			e.Message = fmt.Sprintf("Inside `.queries[%d]`: %s", i, e.Message)
			return 0, nil, e
		}
		m := res.(map[string]any)
		m["indexUid"] = uid
		results = append(results, m)
	}
	return http.StatusOK, map[string]any{"results": results}, nil
}
