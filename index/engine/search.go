package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/words"
)

// Bounds of a text query, as Meilisearch has them: they keep the cost of a
// query independent of the size of the vocabulary. (Words after the tenth
// are ignored: see words.Query.)
const (
	maxPrefixTerms = 512 // a last word matching more words as a prefix keeps its most frequent ones
	maxTypoTerms   = 256 // words within the typo budget of a query word
)

// wordMatch is where one query word matches: the postings of its variants
// (the word itself, the words it is a prefix of when it is the last word,
// the words within its typo budget) grouped by number of typos and by
// field, and their union. Ranking intersects the groups with the matches
// of the whole query before combining them (see restrict), so the unions
// it needs are of small sets.
type wordMatch struct {
	groups [3][nText][]docset // [typos][field]: postings of the variants
	all    docset
}

// matchWord finds the variants of a query word in the vocabulary.
func (v *view) matchWord(w string, last bool) (*wordMatch, error) {
	type variant struct {
		id    uint32
		typos int
	}
	var vars []variant
	pos := map[uint32]int{}
	add := func(id uint32, typos int) {
		if i, ok := pos[id]; ok {
			vars[i].typos = min(vars[i].typos, typos)
			return
		}
		pos[id] = len(vars)
		vars = append(vars, variant{id, typos})
	}
	if id, ok := v.vocab.get([]byte(w)); ok {
		add(id, 0)
	}
	if last {
		var ids []uint32
		if err := v.vocab.prefix([]byte(w), func(_ []byte, id uint32) bool { ids = append(ids, id); return true }); err != nil {
			return nil, err
		}
		if len(ids) > maxPrefixTerms {
			df := make(map[uint32]uint64, len(ids))
			for _, id := range ids {
				df[id] = v.termFreq(id)
			}
			slices.SortFunc(ids, func(a, b uint32) int {
				if df[a] != df[b] {
					if df[a] > df[b] {
						return -1
					}
					return 1
				}
				return int(a) - int(b)
			})
			ids = ids[:maxPrefixTerms]
		}
		for _, id := range ids {
			add(id, 0) // a prefix is no typo
		}
	}
	if budget := words.TypoBudget(w); budget > 0 {
		n := 0
		err := v.vocab.fuzzy(newLevAutomaton(w, budget), func(key []byte, id uint32, dist int) bool {
			if dist > 0 {
				// a typo on the first letter counts as two
				if dist += words.FirstLetterCost(w, string(key)); dist <= budget {
					add(id, dist)
				}
			}
			n++
			return n < maxTypoTerms
		})
		if err != nil {
			return nil, err
		}
	}

	m := &wordMatch{}
	var all []docset
	for _, vr := range vars {
		tp := v.posts.at(vr.id)
		for f := range nText {
			if s := tp.field(f); len(s) > 0 {
				m.groups[vr.typos][f] = append(m.groups[vr.typos][f], s)
				all = append(all, s)
			}
		}
	}
	m.all = or(all...)
	return m, nil
}

// restrict returns, within rest, the docs each group of the word matches:
// byTypo[t] in any field with t typos, byField[f] in field f with any.
func (m *wordMatch) restrict(rest docset) (byTypo [3]docset, byField [nText]docset) {
	var fields [nText][]docset
	for t := range m.groups {
		var parts []docset
		for f, g := range m.groups[t] {
			var in []docset
			for _, s := range g {
				if x := and(s, rest); len(x) > 0 {
					in = append(in, x)
				}
			}
			if x := or(in...); len(x) > 0 {
				parts = append(parts, x)
				fields[f] = append(fields[f], x)
			}
		}
		byTypo[t] = or(parts...)
	}
	for f := range fields {
		byField[f] = or(fields[f]...)
	}
	return byTypo, byField
}

// termFreq is the number of (field, document) postings of a term.
func (v *view) termFreq(id uint32) uint64 {
	var n uint64
	if tp := v.posts.at(id); tp != nil {
		for _, s := range tp.sets {
			n += s.card()
		}
	}
	return n
}

// textMatch is what a text query matches.
type textMatch struct {
	words   []*wordMatch
	jobDocs docset   // records whose job number is the whole query
	parts   []docset // the matches are their intersection: every word's, or (with jobDocs) one set
}

// matchText matches the words of a query: all of them must match (the
// last as a prefix too, unless the text ends with a separator). A query
// that is a job number as typed ("R-12345") also finds that record.
func (v *view) matchText(text string) (*textMatch, error) {
	ws := queryWords(text)
	if len(ws) == 0 {
		return nil, nil
	}
	prefix := words.LastIsPrefix(text)
	tm := &textMatch{}
	for i, w := range ws {
		m, err := v.matchWord(w, prefix && i == len(ws)-1)
		if err != nil {
			return nil, err
		}
		tm.words = append(tm.words, m)
		tm.parts = append(tm.parts, m.all)
	}
	fx := &v.facets[facetJobNumber]
	if id, ok := fx.dict.get([]byte(foldValue(text))); ok {
		tm.jobDocs = fx.value(id).docs
		tm.parts = []docset{or(andAll(tm.parts...), tm.jobDocs)}
	}
	return tm, nil
}

// filterSet is the docs one filter keeps: any of its values (OR).
func (v *view) filterSet(f index.Filter) docset {
	fx := &v.facets[facetNum(f.Field)]
	var parts []docset
	for _, val := range f.Values {
		folded := foldValue(val)
		if folded == "" {
			continue
		}
		if id, ok := fx.dict.get([]byte(folded)); ok {
			parts = append(parts, fx.value(id).docs)
		}
	}
	return or(parts...)
}

// search runs q on the view: the total, the facet counts, and the docnums
// of the page, in order.
func (v *view) search(q *index.Query) (index.Result, []uint32, error) {
	res := index.Result{Hits: []index.Record{}, Facets: map[string]map[string]int{}}
	tm, err := v.matchText(q.Text)
	if err != nil {
		return res, nil, err
	}
	// base: the sets every count intersects: the text's, and the current
	// records unless the postings hold no tombstoned docnum
	var base []docset
	if tm != nil {
		base = append(base, tm.parts...)
	}
	if len(base) == 0 || v.live.card() != uint64(v.ndocs) {
		base = append(base, v.live)
	}
	clauses := make([]docset, len(q.Filters))
	for i, f := range q.Filters {
		clauses[i] = v.filterSet(f)
	}
	// one intersection, smallest set first
	match := andAll(append(slices.Clone(base), clauses...)...)
	res.Total = int(match.card())

	// Disjunctive facet counts: a facet's values are counted over the
	// records every filter keeps except those on the facet itself, so
	// ticking one value still shows what the others hold.
	for _, name := range q.Facets {
		if _, done := res.Facets[name]; done {
			continue
		}
		set := match
		if q.HasFilter(name) {
			parts := slices.Clone(base)
			for i, f := range q.Filters {
				if f.Field != name {
					parts = append(parts, clauses[i])
				}
			}
			set = andAll(parts...)
		}
		res.Facets[name] = v.facetCounts(facetNum(name), set, q.FacetSize)
	}

	if q.Offset >= res.Total {
		return res, nil, nil
	}
	var page []uint32
	switch {
	case len(q.Sort) > 0:
		keys := make([]sortKey, len(q.Sort))
		for i, s := range q.Sort {
			keys[i] = sortKey{slices.Index(sortFields, s.Field), s.Desc}
		}
		page = v.topK(match, q.Offset+q.Limit, keys)
	case tm == nil:
		page = v.topK(match, q.Offset+q.Limit, newestFirst)
	default:
		return res, v.ranked(match, tm, q.Offset, q.Limit), nil
	}
	if len(page) <= q.Offset {
		return res, nil, nil
	}
	return res, page[q.Offset:], nil
}

// ranked returns the page of a text query's matches, ranked as Meilisearch
// does, bucket by bucket: the record whose job number is the query first;
// then by the total number of typos of the words (exact first); within
// that, by attribute: the worst field among each word's best field (all
// words in the title first, a word only in the description last); within
// a bucket, newest date_posted first, then id. Buckets are computed in
// order and only until the page is full: the matches after it are never
// sorted.
func (v *view) ranked(match docset, tm *textMatch, offset, limit int) []uint32 {
	var page []uint32
	skip := offset
	emit := func(bucket docset) (full bool) {
		n := int(bucket.card())
		if n == 0 {
			return false
		}
		if skip >= n {
			skip -= n
			return false
		}
		top := v.topK(bucket, min(n, skip+limit-len(page)), newestFirst)
		page = append(page, top[skip:]...)
		skip = 0
		return len(page) >= limit
	}
	rest := match
	if len(tm.jobDocs) > 0 {
		jobs := and(match, tm.jobDocs)
		if emit(jobs) {
			return page
		}
		rest = andNot(match, jobs)
	}

	// byTypos[T]: the docs whose words' typos add up to T. Each word
	// matches every doc of rest with some least number of typos (exact[t]),
	// and the sums follow by convolution.
	byField := make([][nText]docset, len(tm.words))
	byTypos := []docset{rest}
	for i, w := range tm.words {
		byTypo, fields := w.restrict(rest)
		byField[i] = fields
		var exact [3]docset
		var seen docset
		for t := range exact {
			exact[t] = andNot(byTypo[t], seen)
			seen = or(seen, exact[t])
		}
		next := make([]docset, len(byTypos)+2)
		for total, docs := range byTypos {
			if len(docs) == 0 {
				continue
			}
			for t, ex := range exact {
				if x := and(docs, ex); len(x) > 0 {
					next[total+t] = or(next[total+t], x)
				}
			}
		}
		byTypos = next
	}

	// inField(f): the docs where every word matches in field f or better
	cum := make([]docset, len(tm.words))
	var inField []docset
	level := func(f int) docset {
		for len(inField) <= f {
			g := len(inField)
			for i := range tm.words {
				cum[i] = or(cum[i], byField[i][g])
			}
			inField = append(inField, andAll(slices.Clone(cum)...))
		}
		return inField[f]
	}
	for _, docs := range byTypos {
		for f := 0; f < nText && len(docs) > 0; f++ {
			bucket := and(docs, level(f))
			if emit(bucket) {
				return page
			}
			docs = andNot(docs, bucket)
		}
		if emit(docs) { // none left: level(nText-1) holds every match
			return page
		}
	}
	return page
}

// Search implements index.Index. The page's records are read from the
// store after the view answered the query; a record written after the view
// was loaded (a write committing at that moment) makes the search run
// again on the next view, so the hits always agree with the total, the
// facets and the filters.
func (e *Engine) Search(ctx context.Context, q index.Query) (index.Result, error) {
	if err := q.Validate(); err != nil {
		return index.Result{}, err
	}
	const attempts = 20
	for attempt := 1; ; attempt++ {
		if e.closed.Load() {
			return index.Result{}, ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return index.Result{}, err
		}
		v := e.view.Load()
		res, page, err := v.search(&q)
		if err != nil {
			return index.Result{}, fmt.Errorf("search: %w", err)
		}
		hits, ok, err := e.readHits(v, page, attempt == attempts)
		if err != nil {
			return index.Result{}, fmt.Errorf("search: %w", err)
		}
		if ok {
			if len(hits) > 0 && q.Text != "" {
				sn := words.NewSnippeter(q.Text, words.SnippetLen)
				for i := range hits {
					hits[i].Snippet = sn.Snippet(hits[i].Description)
				}
			}
			res.Hits = hits
			return res, nil
		}
		// the writer committed and is about to publish: wait for its view
		for i := 0; i < 1000 && e.view.Load() == v; i++ {
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// readHits reads the records of a page as the view knew them. It reports
// false when one changed after the view (unless lenient, which skips it).
func (e *Engine) readHits(v *view, page []uint32, lenient bool) ([]index.Record, bool, error) {
	hits := make([]index.Record, 0, len(page))
	if len(page) == 0 {
		return hits, true, nil
	}
	ok := true
	err := e.db.View(func(tx *bbolt.Tx) error {
		for _, d := range page {
			r, seq, found, err := readRecord(tx, v.ids.at(d))
			if err != nil {
				return err
			}
			if !found || seq > v.seq {
				if !lenient {
					ok = false
					return nil
				}
				if !found {
					continue
				}
			}
			hits = append(hits, r)
		}
		e.releaseRead(tx, len(page))
		return nil
	})
	return hits, ok, err
}
