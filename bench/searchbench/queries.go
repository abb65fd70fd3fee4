package main

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"github.com/jobcrawl/jobcrawl/index"
)

// The query shapes, in report order.
const (
	shapeText   = "text+2filters+4facets" // (a)
	shapeTypo   = "typo"                  // (b)
	shapeFacets = "facets"                // (c)
	shapeByDate = "text-by-date"          // (d)
)

var shapes = []string{shapeText, shapeTypo, shapeFacets, shapeByDate}

// checkedShapes are the shapes whose totals must agree across backends.
var checkedShapes = map[string]bool{shapeText: true, shapeFacets: true, shapeByDate: true}

// querySet is the queries of every shape, made once per corpus and size
// by the parent process and read by every backend's child.
type querySet struct {
	Shapes map[string][]index.Query `json:"shapes"`
	// Words are the query words of each frequency band, with the share of
	// postings holding them, for the report.
	Words map[string][]string `json:"words"`
}

// corpusStats is what the queries are chosen from: the document frequency
// of every word of the searchable fields, and the values of the facets
// the filters use.
type corpusStats struct {
	docs   int
	df     map[string]int
	folded map[string]bool // ASCII words that a word with diacritics folds to
	// real, when set, are the words of real text: queries prefer them to
	// the realistic corpus's made-up rare terms.
	real      map[string]bool
	countries map[string]int
	employ    map[string]int
}

// collectStats reads n postings of src.
func collectStats(src source, n int) *corpusStats {
	st := &corpusStats{df: map[string]int{}, folded: map[string]bool{}, countries: map[string]int{}, employ: map[string]int{}}
	seen := map[string]bool{}
	for done := 0; done < n; done += batchSize {
		for _, r := range src.Next(min(batchSize, n-done)) {
			st.docs++
			clear(seen)
			for _, s := range append([]string{r.Title, r.Company, r.JobFamily, r.Team, r.Department, r.Description},
				append(r.Locations, r.Qualifications...)...) {
				for _, w := range queryWords(s) {
					// Count the folded form of a word with diacritics too:
					// the engine and FTS5 fold "é" to "e", Bleve does not.
					f := foldASCII(w)
					if f != w {
						st.folded[f] = true
					}
					for _, v := range []string{w, f} {
						if !seen[v] {
							seen[v] = true
							st.df[v]++
						}
					}
				}
			}
			for _, c := range r.Countries {
				st.countries[c]++
			}
			st.employ[r.EmploymentType]++
		}
	}
	return st
}

// foldASCII drops the diacritics of Latin letters, roughly as the engine
// and FTS5's unicode61 do; other letters are kept.
func foldASCII(w string) string {
	const from, to = "àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőřśšşțťùúûüūůűýÿźżž", "aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorssstttuuuuuuuyyzzz"
	fromRunes, toRunes := []rune(from), []rune(to)
	return strings.Map(func(r rune) rune {
		if i := slices.Index(fromRunes, r); i >= 0 {
			return toRunes[i]
		}
		return r
	}, w)
}

// band is a range of document frequency, as a share of the postings.
type band struct {
	name     string
	min, max float64
}

var bands = []band{
	{"common (5-30%)", 0.05, 0.30},
	{"mid (0.5-5%)", 0.005, 0.05},
	{"rare (<0.5%)", 0, 0.005},
}

// wordsPerBand is how many query words each band contributes.
const wordsPerBand = 40

// vocabChecker tells the words on which the three backends' text
// semantics agree: Bleve matches words exactly after dropping English
// stop words and folding plurals; the engine and SQLite match the last
// word as a prefix too; the engine also matches words within its typo
// budget. A word matches the same postings in all three when it is no
// stop word, no word with diacritics folds to it ("sao" of "São": the
// engine and FTS5 fold, Bleve does not), no other word of the vocabulary
// shares its plural stem, none extends it, and none is within its typo
// budget.
type vocabChecker struct {
	words  []string // sorted
	folded map[string]bool
	stems  map[string]int
	stop   analysis.TokenMap
	plur   *en.EnglishPluralStemmerFilter
}

func newVocabChecker(df map[string]int, folded map[string]bool) *vocabChecker {
	c := &vocabChecker{folded: folded, stems: map[string]int{}, stop: analysis.NewTokenMap(), plur: en.NewEnglishPluralStemmerFilter()}
	if err := c.stop.LoadBytes(en.EnglishStopWords); err != nil {
		panic(err) // Bleve's own list
	}
	for w := range df {
		c.words = append(c.words, w)
		c.stems[c.stem(w)]++
	}
	slices.Sort(c.words)
	return c
}

// stem is Bleve's plural stem of w.
func (c *vocabChecker) stem(w string) string {
	ts := c.plur.Filter(analysis.TokenStream{{Term: []byte(w)}})
	return string(ts[0].Term)
}

// clean reports whether w matches the same postings in every backend.
func (c *vocabChecker) clean(w string) bool {
	if len(w) < 3 || !isASCIILetters(w) || c.stop[w] || c.folded[w] || c.stem(w) != w || c.stems[w] != 1 {
		return false
	}
	// an extension of w sorts right after it
	i := sort.SearchStrings(c.words, w)
	if i+1 < len(c.words) && strings.HasPrefix(c.words[i+1], w) {
		return false
	}
	k := typoBudget(w)
	if k == 0 {
		return true
	}
	for _, v := range c.words {
		if v != w && abs(len(v)-len(w)) <= k && osaWithin(w, v, k) {
			return false
		}
	}
	return true
}

// typoBudget is the engine's: one typo from 5 letters, two from 9.
func typoBudget(w string) int {
	switch n := len([]rune(w)); {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// osaWithin reports whether the optimal string alignment distance of a
// and b (Levenshtein with adjacent swaps) is at most k, over bytes: the
// words it is asked about are ASCII on one side, so a multi-byte letter
// on the other only counts as more typos, never fewer, and the checker
// errs on the side of leaving a word out.
func osaWithin(a, b string, k int) bool {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)] <= k
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// makeQueries picks the query words from st and writes n queries of each
// shape, the same for the same seed and corpus.
func makeQueries(st *corpusStats, n int, seed uint64) (*querySet, error) {
	r := rand.New(rand.NewPCG(seed, 3))
	chk := newVocabChecker(st.df, st.folded)
	qs := &querySet{Shapes: map[string][]index.Query{}, Words: map[string][]string{}}

	// Words of each band, clean ones only, in random order.
	var picked [][]string
	for _, b := range bands {
		var cands []string
		for w, d := range st.df {
			share := float64(d) / float64(st.docs)
			if share >= b.min && share < b.max && d >= 2 {
				cands = append(cands, w)
			}
		}
		slices.Sort(cands)
		r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
		if st.real != nil {
			slices.SortStableFunc(cands, func(a, b string) int { return cmp.Compare(boolInt(!st.real[a]), boolInt(!st.real[b])) })
		}
		var ws []string
		for _, w := range cands {
			if len(ws) == wordsPerBand {
				break
			}
			if chk.clean(w) {
				ws = append(ws, w)
			}
		}
		if len(ws) == 0 {
			continue
		}
		picked = append(picked, ws)
		for _, w := range ws {
			qs.Words[b.name] = append(qs.Words[b.name], fmt.Sprintf("%s %.2f%%", w, 100*float64(st.df[w])/float64(st.docs)))
		}
	}
	if len(picked) == 0 {
		return nil, fmt.Errorf("no query word of the corpus means the same in every backend")
	}
	word := func() string {
		ws := picked[r.IntN(len(picked))]
		return ws[r.IntN(len(ws))]
	}
	// text is one word, or two from any bands.
	text := func() string {
		if r.IntN(5) < 3 {
			return word()
		}
		return word() + " " + word()
	}
	// Filters pick from the popular values, as a user does.
	countries := topValues(st.countries, 6)
	employ := topValues(st.employ, 3)

	var typoSources []string
	for _, ws := range picked {
		for _, w := range ws {
			if len(w) >= 6 {
				typoSources = append(typoSources, w)
			}
		}
	}
	if len(typoSources) == 0 {
		return nil, fmt.Errorf("no query word of 6 letters or more to misspell")
	}

	for range n {
		filters := []index.Filter{
			{Field: "countries", Values: pickSome(r, countries, 1+r.IntN(2))},
			{Field: "employment_type", Values: pickSome(r, employ, 1)},
		}
		qs.Shapes[shapeText] = append(qs.Shapes[shapeText], index.Query{Text: text(), Filters: filters,
			Facets: []string{"job_family", "locations", "countries", "workplace_type"}, Limit: 20})

		typo := misspell(r, typoSources[r.IntN(len(typoSources))], st.df)
		if r.IntN(2) == 0 {
			typo = word() + " " + typo
		}
		qs.Shapes[shapeTypo] = append(qs.Shapes[shapeTypo], index.Query{Text: typo,
			Facets: []string{"job_family", "countries"}, Limit: 20})

		qs.Shapes[shapeFacets] = append(qs.Shapes[shapeFacets], index.Query{
			Facets: []string{"job_family", "team", "locations", "workplace_type"}, Limit: 20})

		qs.Shapes[shapeByDate] = append(qs.Shapes[shapeByDate], index.Query{Text: text(),
			Sort: []index.Sort{{Field: "date_posted", Desc: true}}, Limit: 20})
	}
	return qs, nil
}

// misspell makes a typo in w (a letter dropped, two swapped, or one
// replaced) that is no word of the vocabulary and keeps 5 letters or
// more, so that the engine's typo budget covers it.
func misspell(r *rand.Rand, w string, df map[string]int) string {
	for {
		b := []byte(w)
		i := 1 + r.IntN(len(b)-2) // keep the first letter, as most typos do
		switch r.IntN(3) {
		case 0:
			b = append(b[:i], b[i+1:]...)
		case 1:
			b[i], b[i+1] = b[i+1], b[i]
		default:
			b[i] = byte('a' + r.IntN(26))
		}
		if t := string(b); t != w && df[t] == 0 && len(t) >= 5 {
			return t
		}
	}
}

// topValues are the k values with the highest counts, ties by value.
func topValues(counts map[string]int, k int) []string {
	var vs []string
	for v := range counts {
		if v != "" {
			vs = append(vs, v)
		}
	}
	slices.SortFunc(vs, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	return vs[:min(k, len(vs))]
}

// pickSome returns k distinct values of vs.
func pickSome(r *rand.Rand, vs []string, k int) []string {
	perm := r.Perm(len(vs))
	out := make([]string, 0, k)
	for _, i := range perm[:min(k, len(vs))] {
		out = append(out, vs[i])
	}
	return out
}
