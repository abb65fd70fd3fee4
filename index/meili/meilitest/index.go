package meilitest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jobcrawl/jobcrawl/index/words"
)

// Meilisearch's default settings (v1.x).
var (
	defaultRankingRules = []string{"words", "typo", "proximity", "attribute", "sort", "exactness"}
	builtinRules        = map[string]bool{"words": true, "typo": true, "proximity": true, "attribute": true, "sort": true, "exactness": true}
	customRuleRe        = regexp.MustCompile(`^[^:\s]+:(asc|desc)$`)
)

const (
	defaultMaxValuesPerFacet = 100
	defaultMaxTotalHits      = 1000
	defaultSearchLimit       = 20
)

// fakeIndex is one index: its documents in internal order and its settings.
type fakeIndex struct {
	uid        string
	primaryKey string
	created    time.Time
	updated    time.Time
	docs       map[string]map[string]any
	order      []string

	rankingRules      []string
	searchable        []string
	displayed         []string
	filterable        []string
	sortable          []string
	maxValuesPerFacet int
	sortFacetValuesBy map[string]string
	maxTotalHits      int
}

func newIndex(uid, primaryKey string) *fakeIndex {
	now := time.Now()
	ix := &fakeIndex{uid: uid, primaryKey: primaryKey, created: now, updated: now, docs: map[string]map[string]any{}}
	ix.resetSettings()
	return ix
}

func (ix *fakeIndex) resetSettings() {
	ix.rankingRules = slices.Clone(defaultRankingRules)
	ix.searchable = []string{"*"}
	ix.displayed = []string{"*"}
	ix.filterable = []string{}
	ix.sortable = []string{}
	ix.maxValuesPerFacet = defaultMaxValuesPerFacet
	ix.sortFacetValuesBy = map[string]string{"*": "alpha"}
	ix.maxTotalHits = defaultMaxTotalHits
}

func (ix *fakeIndex) info() map[string]any {
	var pk any
	if ix.primaryKey != "" {
		pk = ix.primaryKey
	}
	return map[string]any{"uid": ix.uid, "primaryKey": pk, "createdAt": ix.created.UTC().Format(time.RFC3339Nano),
		"updatedAt": ix.updated.UTC().Format(time.RFC3339Nano)}
}

// put adds or replaces a document; a replaced document keeps its place.
func (ix *fakeIndex) put(id string, doc map[string]any) {
	if _, ok := ix.docs[id]; !ok {
		ix.order = append(ix.order, id)
	}
	ix.docs[id] = doc
	ix.updated = time.Now()
}

func (ix *fakeIndex) remove(id string) bool {
	if _, ok := ix.docs[id]; !ok {
		return false
	}
	delete(ix.docs, id)
	ix.order = slices.DeleteFunc(ix.order, func(s string) bool { return s == id })
	ix.updated = time.Now()
	return true
}

// settingsJSON is the body of GET /indexes/{uid}/settings.
func (ix *fakeIndex) settingsJSON() map[string]any {
	return map[string]any{
		"displayedAttributes":  ix.displayed,
		"searchableAttributes": ix.searchable,
		"filterableAttributes": ix.filterable,
		"sortableAttributes":   ix.sortable,
		"rankingRules":         ix.rankingRules,
		"stopWords":            []string{},
		"nonSeparatorTokens":   []string{},
		"separatorTokens":      []string{},
		"dictionary":           []string{},
		"synonyms":             map[string]any{},
		"distinctAttribute":    nil,
		"proximityPrecision":   "byWord",
		"typoTolerance": map[string]any{"enabled": true, "minWordSizeForTypos": map[string]int{"oneTypo": 5, "twoTypos": 9},
			"disableOnWords": []string{}, "disableOnAttributes": []string{}, "disableOnNumbers": false},
		"faceting":            map[string]any{"maxValuesPerFacet": ix.maxValuesPerFacet, "sortFacetValuesBy": ix.sortFacetValuesBy},
		"pagination":          map[string]any{"maxTotalHits": ix.maxTotalHits},
		"embedders":           map[string]any{},
		"searchCutoffMs":      nil,
		"localizedAttributes": nil,
		"facetSearch":         true,
		"prefixSearch":        "indexingTime",
	}
}

var knownSettings = map[string]bool{"rankingRules": true, "distinctAttribute": true, "searchableAttributes": true,
	"displayedAttributes": true, "stopWords": true, "synonyms": true, "filterableAttributes": true, "sortableAttributes": true,
	"typoTolerance": true, "faceting": true, "pagination": true, "proximityPrecision": true, "separatorTokens": true,
	"nonSeparatorTokens": true, "dictionary": true, "searchCutoffMs": true, "localizedAttributes": true, "facetSearch": true,
	"prefixSearch": true, "embedders": true, "chat": true, "foreignKeys": true}

type facetingSettings struct {
	MaxValuesPerFacet *int             `json:"maxValuesPerFacet"`
	SortFacetValuesBy *json.RawMessage `json:"sortFacetValuesBy"`
}

type paginationSettings struct {
	MaxTotalHits *int `json:"maxTotalHits"`
}

// validateSettings checks a settings update's format, as Meilisearch does
// before enqueueing it.
func validateSettings(patch map[string]json.RawMessage) *apiError {
	for k, raw := range patch {
		if !knownSettings[k] {
			return badRequest("bad_request", "Unknown field `%s`: expected one of the settings", k)
		}
		if string(raw) == "null" {
			continue
		}
		code := "invalid_settings_" + snake(k)
		switch k {
		case "rankingRules":
			var rules []string
			if err := json.Unmarshal(raw, &rules); err != nil {
				return badRequest(code, "Invalid value type at `.rankingRules`: %v", err)
			}
			for _, r := range rules {
				if !builtinRules[r] && !customRuleRe.MatchString(r) {
					return badRequest(code, "Invalid value at `.rankingRules[]`: `%s` ranking rule is invalid.", r)
				}
			}
		case "searchableAttributes", "displayedAttributes", "filterableAttributes", "sortableAttributes":
			var attrs []string
			if err := json.Unmarshal(raw, &attrs); err != nil {
				return badRequest(code, "Invalid value type at `.%s`: %v", k, err)
			}
		case "faceting":
			var f facetingSettings
			if err := json.Unmarshal(raw, &f); err != nil {
				return badRequest(code, "Invalid value type at `.faceting`: %v", err)
			}
			if f.SortFacetValuesBy != nil && string(*f.SortFacetValuesBy) != "null" {
				var by map[string]string
				if err := json.Unmarshal(*f.SortFacetValuesBy, &by); err != nil {
					return badRequest(code, "Invalid value type at `.faceting.sortFacetValuesBy`: %v", err)
				}
				for _, v := range by {
					if v != "alpha" && v != "count" {
						return badRequest(code, "Unknown value `%s` at `.faceting.sortFacetValuesBy`: expected one of `alpha`, `count`", v)
					}
				}
			}
		case "pagination":
			var p paginationSettings
			if err := json.Unmarshal(raw, &p); err != nil {
				return badRequest(code, "Invalid value type at `.pagination`: %v", err)
			}
		}
	}
	return nil
}

func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// applySettings applies a validated settings update; null resets a setting.
func (ix *fakeIndex) applySettings(patch map[string]json.RawMessage) *apiError {
	strs := func(raw json.RawMessage, def []string) []string {
		if string(raw) == "null" {
			return def
		}
		var v []string
		json.Unmarshal(raw, &v)
		return v
	}
	for k, raw := range patch {
		switch k {
		case "rankingRules":
			ix.rankingRules = strs(raw, slices.Clone(defaultRankingRules))
		case "searchableAttributes":
			ix.searchable = strs(raw, []string{"*"})
		case "displayedAttributes":
			ix.displayed = strs(raw, []string{"*"})
		case "filterableAttributes":
			ix.filterable = strs(raw, []string{})
		case "sortableAttributes":
			ix.sortable = strs(raw, []string{})
		case "faceting":
			var f facetingSettings
			json.Unmarshal(raw, &f)
			ix.maxValuesPerFacet = defaultMaxValuesPerFacet
			if f.MaxValuesPerFacet != nil {
				ix.maxValuesPerFacet = *f.MaxValuesPerFacet
			}
			ix.sortFacetValuesBy = map[string]string{"*": "alpha"}
			if f.SortFacetValuesBy != nil && string(*f.SortFacetValuesBy) != "null" {
				var by map[string]string
				json.Unmarshal(*f.SortFacetValuesBy, &by)
				for a, v := range by {
					ix.sortFacetValuesBy[a] = v
				}
			}
		case "pagination":
			var p paginationSettings
			json.Unmarshal(raw, &p)
			ix.maxTotalHits = defaultMaxTotalHits
			if p.MaxTotalHits != nil {
				ix.maxTotalHits = *p.MaxTotalHits
			}
		}
	}
	ix.updated = time.Now()
	return nil
}

// parseFilterParam reads the filter parameter: a string, or an array whose
// elements are AND-ed and whose inner arrays are OR-ed.
func parseFilterParam(raw json.RawMessage) (Expr, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		return ParseFilter(s)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		return nil, fmt.Errorf("invalid value type: expected a string or an array, not %s", raw)
	}
	var and And
	for _, el := range arr {
		var s string
		if err := json.Unmarshal(el, &s); err == nil {
			e, err := ParseFilter(s)
			if err != nil {
				return nil, err
			}
			and = append(and, e)
			continue
		}
		var alts []string
		if err := json.Unmarshal(el, &alts); err != nil {
			return nil, fmt.Errorf("invalid value type in the filter array: %s", el)
		}
		var or Or
		for _, s := range alts {
			e, err := ParseFilter(s)
			if err != nil {
				return nil, err
			}
			or = append(or, e)
		}
		and = append(and, or)
	}
	return and, nil
}

// checkFilterable refuses a filter on an attribute that is not filterable.
func (ix *fakeIndex) checkFilterable(e Expr, code string) *apiError {
	for _, a := range Attributes(e) {
		if !slices.Contains(ix.filterable, a) {
			return badRequest(code, "Attribute `%s` is not filterable. Available filterable attribute patterns are: `%s`.",
				a, strings.Join(ix.filterable, ", "))
		}
	}
	return nil
}

// fetch answers POST /indexes/{uid}/documents/fetch.
func (ix *fakeIndex) fetch(body []byte) (int, any, *apiError) {
	var req struct {
		Offset          *int            `json:"offset"`
		Limit           *int            `json:"limit"`
		Fields          []string        `json:"fields"`
		Filter          json.RawMessage `json:"filter"`
		RetrieveVectors bool            `json:"retrieveVectors"`
		IDs             []string        `json:"ids"`
		Sort            []string        `json:"sort"`
	}
	if len(body) > 0 {
		if e := decodeStrict(body, &req); e != nil {
			return 0, nil, e
		}
	}
	offset, limit := 0, defaultSearchLimit
	if req.Offset != nil {
		if *req.Offset < 0 {
			return 0, nil, badRequest("invalid_document_offset", "Invalid value at `.offset`: expected a positive integer")
		}
		offset = *req.Offset
	}
	if req.Limit != nil {
		if *req.Limit < 0 {
			return 0, nil, badRequest("invalid_document_limit", "Invalid value at `.limit`: expected a positive integer")
		}
		limit = *req.Limit
	}
	expr, err := parseFilterParam(req.Filter)
	if err != nil {
		return 0, nil, badRequest("invalid_document_filter", "%v", err)
	}
	if expr != nil {
		if e := ix.checkFilterable(expr, "invalid_document_filter"); e != nil {
			return 0, nil, e
		}
	}
	// sort (Meilisearch v1.16+): "attribute:asc|desc", sortable attributes
	// only, documents without the attribute last
	type sortKey struct {
		attr string
		desc bool
	}
	var sorts []sortKey
	for _, s := range req.Sort {
		attr, dir, ok := strings.Cut(s, ":")
		if !ok || (dir != "asc" && dir != "desc") {
			return 0, nil, badRequest("invalid_document_sort", "Invalid syntax for the sort parameter: expected expression ending by `:asc` or `:desc`, found `%s`.", s)
		}
		if !slices.Contains(ix.sortable, attr) {
			return 0, nil, badRequest("invalid_document_sort", "Attribute `%s` is not sortable. Available sortable attributes are: `%s`.",
				attr, strings.Join(ix.sortable, ", "))
		}
		sorts = append(sorts, sortKey{attr, dir == "desc"})
	}
	var all []map[string]any
	for _, id := range ix.order {
		d := ix.docs[id]
		if req.IDs != nil && !slices.Contains(req.IDs, id) {
			continue
		}
		if expr == nil || Match(expr, d) {
			all = append(all, d)
		}
	}
	if len(sorts) > 0 {
		slices.SortStableFunc(all, func(a, b map[string]any) int {
			for _, k := range sorts {
				if c := compareValues(a[k.attr], b[k.attr], k.desc); c != 0 {
					return c
				}
			}
			return 0
		})
	}
	results := []map[string]any{}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		results = append(results, project(all[i], req.Fields))
	}
	return http.StatusOK, map[string]any{"results": results, "offset": offset, "limit": limit, "total": len(all)}, nil
}

func project(d map[string]any, fields []string) map[string]any {
	if len(fields) == 0 || slices.Contains(fields, "*") {
		return d
	}
	out := map[string]any{}
	for _, f := range fields {
		if v, ok := d[f]; ok {
			out[f] = v
		}
	}
	return out
}

var knownSearchParams = map[string]bool{"q": true, "offset": true, "limit": true, "hitsPerPage": true, "page": true,
	"filter": true, "facets": true, "attributesToRetrieve": true, "attributesToCrop": true, "cropLength": true,
	"cropMarker": true, "attributesToHighlight": true, "highlightPreTag": true, "highlightPostTag": true,
	"showMatchesPosition": true, "sort": true, "matchingStrategy": true, "showRankingScore": true,
	"showRankingScoreDetails": true, "rankingScoreThreshold": true, "attributesToSearchOn": true, "hybrid": true,
	"vector": true, "retrieveVectors": true, "locales": true, "distinct": true, "media": true,
	"showPerformanceDetails": true, "personalize": true}

type searchRequest struct {
	Q                    *string         `json:"q"`
	Offset               *int            `json:"offset"`
	Limit                *int            `json:"limit"`
	HitsPerPage          *int            `json:"hitsPerPage"`
	Page                 *int            `json:"page"`
	Filter               json.RawMessage `json:"filter"`
	Facets               []string        `json:"facets"`
	Sort                 []string        `json:"sort"`
	MatchingStrategy     *string         `json:"matchingStrategy"`
	AttributesToRetrieve []string        `json:"attributesToRetrieve"`
}

// candidate is a document that matches a search, with what ranks it.
type candidate struct {
	pos     int
	doc     map[string]any
	words   int // query words matched, from the first
	typos   int // sum over matched words of their fewest typos
	attrSum int // sum over matched words of the best attribute's rank
	exact   int // words matched exactly, not as a prefix
}

// search answers POST /indexes/{uid}/search.
func (ix *fakeIndex) search(body []byte) (int, any, *apiError) {
	var params map[string]json.RawMessage
	if err := json.Unmarshal(body, &params); err != nil {
		return 0, nil, badRequest("bad_request", "Invalid request body: %v", err)
	}
	for k := range params {
		if !knownSearchParams[k] {
			return 0, nil, badRequest("bad_request", "Unknown field `%s`: expected one of the search parameters", k)
		}
	}
	var req searchRequest
	for name, dst := range map[string]any{"q": &req.Q, "offset": &req.Offset, "limit": &req.Limit,
		"hitsPerPage": &req.HitsPerPage, "page": &req.Page, "facets": &req.Facets, "sort": &req.Sort,
		"matchingStrategy": &req.MatchingStrategy, "attributesToRetrieve": &req.AttributesToRetrieve} {
		if raw, ok := params[name]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return 0, nil, badRequest("invalid_search_"+snake(name), "Invalid value type at `.%s`: %v", name, err)
			}
		}
	}
	req.Filter = params["filter"]
	for name, v := range map[string]*int{"offset": req.Offset, "limit": req.Limit, "hitsPerPage": req.HitsPerPage, "page": req.Page} {
		if v != nil && *v < 0 {
			return 0, nil, badRequest("invalid_search_"+snake(name), "Invalid value at `.%s`: expected a positive integer", name)
		}
	}
	strategy := "last"
	if req.MatchingStrategy != nil {
		strategy = *req.MatchingStrategy
		if strategy != "last" && strategy != "all" && strategy != "frequency" {
			return 0, nil, badRequest("invalid_search_matching_strategy", "Unknown value `%s` at `.matchingStrategy`: expected one of `last`, `all`, `frequency`", strategy)
		}
	}
	type sortKey struct {
		attr string
		desc bool
	}
	var sorts []sortKey
	for _, s := range req.Sort {
		attr, dir, ok := strings.Cut(s, ":")
		if !ok || (dir != "asc" && dir != "desc") {
			return 0, nil, badRequest("invalid_search_sort", "Invalid syntax for the sort parameter: expected expression ending by `:asc` or `:desc`, found `%s`.", s)
		}
		if !slices.Contains(ix.sortable, attr) {
			return 0, nil, badRequest("invalid_search_sort", "Attribute `%s` is not sortable. Available sortable attributes are: `%s`.",
				attr, strings.Join(ix.sortable, ", "))
		}
		sorts = append(sorts, sortKey{attr, dir == "desc"})
	}
	for _, f := range req.Facets {
		if !slices.Contains(ix.filterable, f) {
			return 0, nil, badRequest("invalid_search_facets", "Invalid facet distribution: Attribute `%s` is not filterable. Available filterable attributes patterns are: `%s`.",
				f, strings.Join(ix.filterable, ", "))
		}
	}
	expr, err := parseFilterParam(req.Filter)
	if err != nil {
		return 0, nil, badRequest("invalid_search_filter", "%v", err)
	}
	if expr != nil {
		if e := ix.checkFilterable(expr, "invalid_search_filter"); e != nil {
			return 0, nil, e
		}
	}

	q := ""
	if req.Q != nil {
		q = *req.Q
	}
	qwords := words.Query(q)
	prefixLast := words.LastIsPrefix(q)
	var cands []candidate
	for pos, id := range ix.order {
		d := ix.docs[id]
		if expr != nil && !Match(expr, d) {
			continue
		}
		c := candidate{pos: pos, doc: d}
		if len(qwords) > 0 {
			c = ix.matchWords(c, qwords, prefixLast)
			if c.words == 0 || (strategy == "all" && c.words < len(qwords)) {
				continue
			}
		}
		cands = append(cands, c)
	}
	cmpSort := func(a, b candidate) int {
		for _, s := range sorts {
			if c := compareValues(a.doc[s.attr], b.doc[s.attr], s.desc); c != 0 {
				return c
			}
		}
		return 0
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		for _, rule := range ix.rankingRules {
			var c int
			switch rule {
			case "words":
				c = b.words - a.words
			case "attribute":
				c = a.attrSum - b.attrSum
			case "exactness":
				c = b.exact - a.exact
			case "sort":
				c = cmpSort(a, b)
			case "typo":
				c = a.typos - b.typos
			case "proximity":
			default:
				if attr, dir, ok := strings.Cut(rule, ":"); ok {
					c = compareValues(a.doc[attr], b.doc[attr], dir == "desc")
				}
			}
			if c != 0 {
				return c
			}
		}
		return a.pos - b.pos
	})

	finite := req.Page != nil || req.HitsPerPage != nil
	var offset, limit int
	if finite {
		hpp, page := defaultSearchLimit, 1
		if req.HitsPerPage != nil {
			hpp = *req.HitsPerPage
		}
		if req.Page != nil {
			page = *req.Page
		}
		if page > 0 {
			offset, limit = hpp*(page-1), hpp
		}
	} else {
		limit = defaultSearchLimit
		if req.Offset != nil {
			offset = *req.Offset
		}
		if req.Limit != nil {
			limit = *req.Limit
		}
	}
	offset = min(offset, ix.maxTotalHits)
	limit = min(limit, ix.maxTotalHits-offset)
	hits := []map[string]any{}
	for i := offset; i < len(cands) && i < offset+limit; i++ {
		hits = append(hits, project(cands[i].doc, req.AttributesToRetrieve))
	}
	total := min(len(cands), ix.maxTotalHits)
	resp := map[string]any{"hits": hits, "query": q, "processingTimeMs": 0}
	if finite {
		hpp := defaultSearchLimit
		if req.HitsPerPage != nil {
			hpp = *req.HitsPerPage
		}
		page := 1
		if req.Page != nil {
			page = *req.Page
		}
		pages := 0
		if hpp > 0 {
			pages = (total + hpp - 1) / hpp
		}
		resp["hitsPerPage"], resp["page"], resp["totalPages"], resp["totalHits"] = hpp, page, pages, total
	} else {
		resp["offset"], resp["limit"], resp["estimatedTotalHits"] = offset, limit, total
	}
	if req.Facets != nil {
		dist := map[string]map[string]int{}
		for _, f := range req.Facets {
			dist[f] = ix.facet(f, cands)
		}
		resp["facetDistribution"] = dist
	}
	return http.StatusOK, resp, nil
}

// searchableValues returns the text of each searchable attribute of d, in rank order.
func (ix *fakeIndex) searchableValues(d map[string]any) [][]string {
	attrs := ix.searchable
	if slices.Contains(attrs, "*") {
		attrs = make([]string, 0, len(d))
		for k := range d {
			attrs = append(attrs, k)
		}
		sort.Strings(attrs)
	}
	out := make([][]string, len(attrs))
	for i, a := range attrs {
		for _, v := range scalars(d[a]) {
			switch v := v.(type) {
			case string:
				out[i] = append(out[i], words.Split(v)...)
			case float64:
				out[i] = append(out[i], strconv.FormatFloat(v, 'f', -1, 64))
			}
		}
	}
	return out
}

// matchWords finds which query words c's document contains, as
// Meilisearch's default typo tolerance has it: each word exactly or within
// its typo budget (see words.TypoBudget; a typo on the first letter counts
// as two), the last one (unless the query ends with a space) also as a
// prefix, which may itself carry typos.
func (ix *fakeIndex) matchWords(c candidate, qwords []string, prefixLast bool) candidate {
	vals := ix.searchableValues(c.doc)
	for i, w := range qwords {
		last := prefixLast && i == len(qwords)-1
		best, typos, exact := -1, 0, false
		for ai, toks := range vals {
			for _, t := range toks {
				n, ok := wordTypos(w, t, last)
				if !ok {
					continue
				}
				if best < 0 || n < typos {
					typos = n
				}
				if best < 0 || ai < best {
					best = ai
				}
				exact = exact || t == w
			}
		}
		if best < 0 {
			break
		}
		c.words++
		c.typos += typos
		c.attrSum += best
		if exact {
			c.exact++
		}
	}
	return c
}

// wordTypos reports whether document word t matches query word q, and with
// how many typos.
func wordTypos(q, t string, prefix bool) (int, bool) {
	if t == q || prefix && strings.HasPrefix(t, q) {
		return 0, true
	}
	budget := words.TypoBudget(q)
	if budget == 0 {
		return 0, false
	}
	d := words.Distance(q, t, prefix, budget)
	if d > 0 && d <= budget {
		d += words.FirstLetterCost(q, t)
	}
	return d, d <= budget
}

// compareValues orders two attribute values for sorting: documents without
// the attribute come last in both directions, numbers before strings.
func compareValues(a, b any, desc bool) int {
	ka, oka := sortValue(a)
	kb, okb := sortValue(b)
	switch {
	case !oka && !okb:
		return 0
	case !oka:
		return 1
	case !okb:
		return -1
	}
	c := 0
	switch {
	case ka.isNum && kb.isNum:
		c = cmpFloat(ka.num, kb.num)
	case ka.isNum:
		c = -1
	case kb.isNum:
		c = 1
	default:
		c = strings.Compare(ka.str, kb.str)
	}
	if desc {
		c = -c
	}
	return c
}

type sortable struct {
	isNum bool
	num   float64
	str   string
}

func sortValue(v any) (sortable, bool) {
	s := scalars(v)
	if len(s) == 0 {
		return sortable{}, false
	}
	switch x := s[0].(type) {
	case float64:
		if math.IsNaN(x) {
			return sortable{}, false
		}
		return sortable{isNum: true, num: x}, true
	case string:
		return sortable{str: normalize(x)}, true
	case bool:
		return sortable{str: strconv.FormatBool(x)}, true
	}
	return sortable{}, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// facet counts the values of attr among the candidates: values that differ
// only by case count together under the first spelling met; the values are
// ordered by sortFacetValuesBy and cut at maxValuesPerFacet.
func (ix *fakeIndex) facet(attr string, cands []candidate) map[string]int {
	type entry struct {
		value string
		count int
	}
	byKey := map[string]*entry{}
	var keys []string
	for _, c := range cands {
		seen := map[string]bool{}
		for _, v := range scalars(c.doc[attr]) {
			var s string
			switch v := v.(type) {
			case string:
				s = v
			case float64:
				s = strconv.FormatFloat(v, 'f', -1, 64)
			case bool:
				s = strconv.FormatBool(v)
			default:
				continue
			}
			k := normalize(s)
			if seen[k] {
				continue
			}
			seen[k] = true
			e := byKey[k]
			if e == nil {
				e = &entry{value: s}
				byKey[k] = e
				keys = append(keys, k)
			}
			e.count++
		}
	}
	by := ix.sortFacetValuesBy["*"]
	if v, ok := ix.sortFacetValuesBy[attr]; ok {
		by = v
	}
	sort.Slice(keys, func(i, j int) bool {
		if by == "count" && byKey[keys[i]].count != byKey[keys[j]].count {
			return byKey[keys[i]].count > byKey[keys[j]].count
		}
		return keys[i] < keys[j]
	})
	out := map[string]int{}
	for i, k := range keys {
		if i >= ix.maxValuesPerFacet {
			break
		}
		out[byKey[k].value] = byKey[k].count
	}
	return out
}
