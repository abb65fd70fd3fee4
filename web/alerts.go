package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/index"
)

// alertsState is what the saved searches routes serve: the store (nil
// when this server keeps none) and the public address for links.
type alertsState struct {
	store       *alerts.Store
	baseURL     string // "" : the request's own host
	unavailable string // why there is no store, for the 503
}

// pendingAlerts hands an Option's alerts state to the routes New
// registers next (Server has no field of its own for it): the routes take
// it out, so nothing stays here.
var pendingAlerts sync.Map // *Server → *alertsState

// WithAlerts makes the server serve the saved searches of store: the API
// (/api/searches), their feeds (/feeds/{id}.atom, .rss, .json) and the
// search page's "Save this search". baseURL is the public address used in
// links (alerts.base_url); empty, each request's own host. Without it (or
// with a nil store) those routes answer 503, saying unavailable.
func WithAlerts(store *alerts.Store, baseURL, unavailable string) Option {
	return func(s *Server) {
		pendingAlerts.Store(s, &alertsState{store: store, baseURL: strings.TrimRight(baseURL, "/"), unavailable: unavailable})
	}
}

// Bounds of the saved searches routes.
const (
	maxSearchBody = 64 << 10 // bytes of a POST /api/searches or POST /searches body
	feedLiveLimit = 50       // entries of /search.atom
	recentMatches = 20       // matches GET /api/searches/{id} shows
)

// alertRoutes registers the saved searches, feeds and deliveries routes.
func (s *Server) alertRoutes(mux *http.ServeMux) {
	st := &alertsState{unavailable: "this server keeps no saved searches"}
	if v, ok := pendingAlerts.LoadAndDelete(s); ok {
		st = v.(*alertsState)
	}
	a := &alertsHandlers{s: s, alertsState: st}
	s.handle(mux, "GET /api/searches", a.list)
	s.handle(mux, "POST /api/searches", a.create)
	s.handle(mux, "GET /api/searches/{id}", a.get)
	s.handle(mux, "DELETE /api/searches/{id}", a.delete)
	s.handle(mux, "GET /feeds/{file}", a.feed)
	s.handle(mux, "GET /search.atom", a.liveFeed)
	s.handle(mux, "POST /searches", a.savePage)
	s.handle(mux, "GET /searches/{id}", a.savedPage)
}

type alertsHandlers struct {
	s *Server
	*alertsState
}

// available answers 503 when there is no store.
func (a *alertsHandlers) available(w http.ResponseWriter) bool {
	if a.store != nil {
		return true
	}
	writeError(w, http.StatusServiceUnavailable, "saved searches are not available: "+a.unavailable)
	return false
}

// base is the public address for links: alerts.base_url, else the
// request's scheme and host.
func (a *alertsHandlers) base(r *http.Request) string {
	if a.baseURL != "" {
		return a.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// storeFailed logs a store failure and answers 500 without its details.
func (a *alertsHandlers) storeFailed(w http.ResponseWriter, what string, err error) {
	a.s.log.Error("saved searches: "+what, "error", err)
	writeError(w, http.StatusInternalServerError, what+" failed; the daemon's log says why")
}

func (a *alertsHandlers) list(w http.ResponseWriter, r *http.Request) {
	if !a.available(w) {
		return
	}
	list, err := a.store.List(r.Context())
	if err != nil {
		a.storeFailed(w, "listing the saved searches", err)
		return
	}
	out := struct {
		Searches []alerts.View `json:"searches"`
	}{Searches: []alerts.View{}}
	base := a.base(r)
	for _, s := range list {
		out.Searches = append(out.Searches, s.View(base))
	}
	writeJSON(w, http.StatusOK, out)
}

// create is POST /api/searches: a JSON alerts.Spec.
func (a *alertsHandlers) create(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSearchBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "the request body is larger than 64 KB")
		return
	}
	var spec alerts.Spec
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		writeError(w, http.StatusBadRequest, "the body is not a saved search in JSON: "+jsonProblem(err))
		return
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "the body holds more than one JSON value")
		return
	}
	if !a.available(w) {
		return
	}
	a.save(w, r, spec, func(s alerts.Search, secrets map[string]string) {
		v := s.View(a.base(r))
		if len(secrets) > 0 {
			v.Secrets = secrets
		}
		w.Header().Set("Location", "/api/searches/"+s.ID)
		writeJSON(w, http.StatusCreated, v)
	}, func(status int, msg string) { writeError(w, status, msg) })
}

// save creates spec's search and calls done, or fail with the status and
// message to answer.
func (a *alertsHandlers) save(w http.ResponseWriter, r *http.Request, spec alerts.Spec, done func(alerts.Search, map[string]string), fail func(int, string)) {
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	s, secrets, err := a.store.Create(ctx, a.s.index, spec)
	switch {
	case errors.Is(err, alerts.ErrInvalid):
		fail(http.StatusBadRequest, strings.TrimPrefix(err.Error(), alerts.ErrInvalid.Error()+": "))
	case err != nil:
		a.s.log.Error("saved searches: save", "error", err)
		fail(http.StatusInternalServerError, "saving the search failed; the daemon's log says why")
	default:
		a.s.log.Info("saved search created", "id", s.ID, "name", s.Name, "endpoints", len(s.Endpoints))
		done(s, secrets)
	}
}

// jsonProblem says what is wrong with a JSON body, without repeating it.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax error at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		return "field " + quoted(typ.Field) + " must be " + typ.Type.String()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + clip(strings.TrimPrefix(err.Error(), "json: unknown field ")) +
			" (fields: name, q, filters, sort, realert, backfill, endpoints)"
	}
	return "it does not parse"
}

// searchIDPattern is what a saved search's id looks like.
var searchIDPattern = regexp.MustCompile(`^ss_[A-Za-z0-9_-]{1,40}$`)

// lookup reads the search of the {id} path value, answering 404 itself.
func (a *alertsHandlers) lookup(w http.ResponseWriter, r *http.Request, id string) (alerts.Search, bool) {
	if !searchIDPattern.MatchString(id) {
		writeError(w, http.StatusNotFound, "no saved search "+quoted(id))
		return alerts.Search{}, false
	}
	s, err := a.store.Get(r.Context(), id)
	switch {
	case errors.Is(err, alerts.ErrNotFound):
		writeError(w, http.StatusNotFound, "no saved search "+quoted(id))
		return s, false
	case err != nil:
		a.storeFailed(w, "reading the saved search", err)
		return s, false
	}
	return s, true
}

func (a *alertsHandlers) get(w http.ResponseWriter, r *http.Request) {
	if !a.available(w) {
		return
	}
	s, ok := a.lookup(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	_, entries, err := a.store.Feed(r.Context(), s.ID, recentMatches)
	if err != nil {
		a.storeFailed(w, "reading the saved search", err)
		return
	}
	counts, err := a.store.Counts(r.Context(), s.ID)
	if err != nil {
		a.storeFailed(w, "reading the saved search", err)
		return
	}
	v := s.View(a.base(r))
	v.Messages = counts
	v.Recent = []alerts.Posting{}
	for _, e := range entries {
		v.Recent = append(v.Recent, e.Posting)
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *alertsHandlers) delete(w http.ResponseWriter, r *http.Request) {
	if !a.available(w) {
		return
	}
	id := r.PathValue("id")
	if !searchIDPattern.MatchString(id) {
		writeError(w, http.StatusNotFound, "no saved search "+quoted(id))
		return
	}
	err := a.store.Delete(r.Context(), id)
	switch {
	case errors.Is(err, alerts.ErrNotFound):
		writeError(w, http.StatusNotFound, "no saved search "+quoted(id))
	case err != nil:
		a.storeFailed(w, "deleting the saved search", err)
	default:
		a.s.log.Info("saved search deleted", "id", id)
		w.WriteHeader(http.StatusNoContent)
	}
}

// Feed formats by extension.
var feedTypes = map[string]string{
	"atom": "application/atom+xml; charset=utf-8",
	"rss":  "application/rss+xml; charset=utf-8",
	"json": "application/feed+json; charset=utf-8",
}

// feed is GET /feeds/{id}.atom|.rss|.json: the saved search's recorded
// matches, newest first.
func (a *alertsHandlers) feed(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	id, ext, _ := strings.Cut(file, ".")
	ctype, ok := feedTypes[ext]
	if !ok {
		writeError(w, http.StatusNotFound, "no feed "+quoted(file)+": feeds are ID.atom, ID.rss and ID.json")
		return
	}
	if !a.available(w) {
		return
	}
	s, ok := a.lookup(w, r, id)
	if !ok {
		return
	}
	_, entries, err := a.store.Feed(r.Context(), s.ID, alerts.FeedSize)
	if err != nil {
		a.storeFailed(w, "reading the feed", err)
		return
	}
	base := a.base(r)
	f := SavedFeed(s, entries, base, base+"/feeds/"+file)
	var body []byte
	switch ext {
	case "atom":
		body = f.Atom()
	case "rss":
		body = f.RSS()
	default:
		body = f.JSONFeed()
	}
	serveFeed(w, r, ctype, f.Updated, body)
}

// SavedFeed is the feed of a saved search's recorded entries.
func SavedFeed(s alerts.Search, entries []alerts.FeedEntry, base, self string) alerts.Feed {
	f := alerts.Feed{Key: s.ID, Title: s.Name + " · jobcrawl", Subtitle: describe(s.Query, s.Filters),
		HomeURL: base + "/searches/" + s.ID, SelfURL: self, Updated: s.Created}
	for _, e := range entries {
		if e.Found.After(f.Updated) {
			f.Updated = e.Found
		}
		f.Items = append(f.Items, alerts.ItemOf(e.Posting, e.Found, base))
	}
	return f
}

// describe says in words what a search matches.
func describe(q string, filters []string) string {
	d := "New open postings"
	if q != "" {
		d += " matching “" + q + "”"
	}
	if len(filters) > 0 {
		d += " where " + strings.Join(filters, ", ")
	}
	return d
}

// serveFeed writes a feed with validators (ETag, Last-Modified), so that
// readers that poll ask conditionally and get 304 when nothing changed.
func serveFeed(w http.ResponseWriter, r *http.Request, ctype string, updated time.Time, body []byte) {
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", updated, bytes.NewReader(body))
}

// liveParams are the parameters of GET /search.atom.
var liveParams = []string{"q", "filter", "sort", "all"}

// liveFeed is GET /search.atom: the newest postings (by first_seen) of a
// search, as Atom, run at each request.
func (a *alertsHandlers) liveFeed(w http.ResponseWriter, r *http.Request) {
	v, err := queryValues(r)
	if err == nil {
		for k := range v {
			if !slices.Contains(liveParams, k) {
				err = badRequest("unknown parameter %s (parameters: %s)", quoted(k), strings.Join(liveParams, ", "))
				break
			}
		}
	}
	var q index.Query
	if err == nil {
		v.Set("limit", strconv.Itoa(feedLiveLimit))
		q, err = parseSearch(v, feedLiveLimit)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, clientMessage(err))
		return
	}
	if len(q.Sort) == 0 {
		q.Sort = []index.Sort{{Field: "first_seen", Desc: true}}
	}
	release, err := a.s.gate.enter(r.Context())
	if err != nil {
		a.s.busy(w, err)
		return
	}
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	res, err := a.s.index.Search(ctx, q)
	if err != nil {
		a.s.log.Error("search feed failed", "error", err)
		writeError(w, http.StatusInternalServerError, "the search failed; the daemon's log says why")
		return
	}
	base := a.base(r)
	var filters []string
	for _, f := range q.Filters {
		for _, val := range f.Values {
			filters = append(filters, f.Field+"="+val)
		}
	}
	f := alerts.Feed{Key: "search:" + r.URL.RawQuery, Title: "jobcrawl search", Subtitle: describe(q.Text, filters),
		HomeURL: base + "/?" + pageQuery(v), SelfURL: base + "/search.atom?" + r.URL.RawQuery}
	if q.Text != "" {
		f.Title = q.Text + " · jobcrawl"
	}
	for _, h := range res.Hits {
		p := alerts.PostingOf(h)
		if p.FirstSeen.After(f.Updated) {
			f.Updated = p.FirstSeen
		}
		f.Items = append(f.Items, alerts.ItemOf(p, p.FirstSeen, base))
	}
	if f.Updated.IsZero() {
		f.Updated = time.Unix(0, 0)
	}
	serveFeed(w, r, feedTypes["atom"], f.Updated, f.Atom())
}

// pageQuery is the search page's query string for an API-style query.
func pageQuery(v url.Values) string {
	u := url.Values{}
	if q := v.Get("q"); q != "" {
		u.Set("q", q)
	}
	for _, f := range v["filter"] {
		if i := strings.IndexAny(f, "=:"); i > 0 {
			u.Add("f", f[:i]+":"+f[i+1:])
		}
	}
	return u.Encode()
}

// savedPageView is the page shown after "Save this search".
type savedPageView struct {
	Title        string
	AssetVersion string
	Search       alerts.View
	Describe     string
	SearchURL    string
	Hits         []hitView
	Created      bool
}

// savePage is POST /searches, the search page's "Save this search" form
// (q, f, sort as the page has them, and a name): it saves the search and
// redirects to its page, which lists its feeds.
func (a *alertsHandlers) savePage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSearchBody)
	fail := func(status int, msg string) {
		a.s.render(w, status, "message", messageView{Title: "The search was not saved", AssetVersion: assetVersion, Message: msg})
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "The form could not be read (is it larger than 64 KB?).")
		return
	}
	if a.store == nil {
		fail(http.StatusServiceUnavailable, "Saved searches are not available: "+a.unavailable+".")
		return
	}
	for _, k := range []string{"q", "name", "f", "sort"} {
		for _, val := range r.PostForm[k] {
			if !utf8.ValidString(val) {
				fail(http.StatusBadRequest, "The form holds text that is not UTF-8.")
				return
			}
		}
	}
	spec := alerts.Spec{Name: r.PostForm.Get("name"), Query: r.PostForm.Get("q"), Filters: r.PostForm["f"]}
	if r.PostForm.Get("sort") == "newest" {
		spec.Sort = []string{"date_posted:desc"}
	}
	a.save(w, r, spec, func(s alerts.Search, _ map[string]string) {
		http.Redirect(w, r, "/searches/"+s.ID+"?saved=1", http.StatusSeeOther)
	}, fail)
}

// savedPage is GET /searches/{id}: a saved search, its feed links and
// its recent matches.
func (a *alertsHandlers) savedPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if a.store == nil {
		a.s.render(w, http.StatusServiceUnavailable, "message", messageView{Title: "Saved searches are not available",
			AssetVersion: assetVersion, Message: "Saved searches are not available: " + a.unavailable + "."})
		return
	}
	if !searchIDPattern.MatchString(id) {
		a.s.notFoundPage(w, r)
		return
	}
	s, err := a.store.Get(r.Context(), id)
	if errors.Is(err, alerts.ErrNotFound) {
		a.s.notFoundPage(w, r)
		return
	}
	var entries []alerts.FeedEntry
	if err == nil {
		_, entries, err = a.store.Feed(r.Context(), id, recentMatches)
	}
	if err != nil {
		a.s.log.Error("saved search page failed", "id", id, "error", err)
		a.s.render(w, http.StatusInternalServerError, "message", messageView{Title: "Error", AssetVersion: assetVersion,
			Message: "The saved search could not be read; the daemon's log says why."})
		return
	}
	u := url.Values{}
	if s.Query != "" {
		u.Set("q", s.Query)
	}
	for _, f := range s.Filters {
		if i := strings.IndexAny(f, "=:"); i > 0 {
			u.Add("f", f[:i]+":"+f[i+1:])
		}
	}
	view := savedPageView{Title: s.Name, AssetVersion: assetVersion, Search: s.View(a.base(r)),
		Describe: describe(s.Query, s.Filters), SearchURL: "/?" + u.Encode(), Created: r.URL.Query().Get("saved") == "1"}
	for _, e := range entries {
		rec := index.Record{ID: e.Posting.ID, FirstSeen: e.Posting.FirstSeen}
		rec.Title, rec.Company, rec.Locations, rec.URL, rec.DatePosted = e.Posting.Title, e.Posting.Company, e.Posting.Locations,
			e.Posting.URL, e.Posting.DatePosted
		rec.EmploymentType, rec.WorkplaceType, rec.Description = e.Posting.EmploymentType, e.Posting.WorkplaceType, e.Posting.Summary
		view.Hits = append(view.Hits, newHitView(rec))
	}
	a.s.render(w, http.StatusOK, "saved", view)
}
