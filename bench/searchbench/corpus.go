package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

// The corpora.
const (
	corpusGenerated = "generated"
	corpusRealistic = "realistic"
)

// source makes postings, the same ones for the same seed, a batch at a time.
type source interface {
	Next(n int) []index.Record
}

// newSource returns the postings of corpus name. corpusDir is where the
// realistic corpus reads its text from.
func newSource(name string, seed uint64, corpusDir string) (source, error) {
	switch name {
	case corpusGenerated:
		// The generator of the project's own index benchmarks: a vocabulary
		// of ~90 words, each in a large share of the postings.
		return indextest.NewGenerator(seed), nil
	case corpusRealistic:
		pool, err := loadTextPool(corpusDir)
		if err != nil {
			return nil, err
		}
		return newRealistic(seed, pool), nil
	}
	return nil, fmt.Errorf("unknown corpus %q (want %s or %s)", name, corpusGenerated, corpusRealistic)
}

// textPool is what the realistic corpus is made of: real sentences, a
// word-bigram chain over them, and real titles and locations.
type textPool struct {
	sentences [][]string          // words of each real sentence
	next      map[string][]string // bigram chain: word → words that followed it ("" starts a sentence)
	titles    []string            // real job titles
	locations []string            // real "City, Region, Country" strings
	companies []string            // real company names
	words     []string            // distinct lowercase words of the sentences, sorted
	files     int                 // source files read
}

var (
	tagRe      = regexp.MustCompile(`(?s)<[^>]*>`)
	scriptRe   = regexp.MustCompile(`(?is)<(script|style|noscript)\b.*?</(script|style|noscript)>`)
	sentenceRe = regexp.MustCompile(`[.!?;:]\s+|\n+|•|\*\*`)
	blockRe    = regexp.MustCompile(`(?i)<(br|p|li|div|h[1-6]|tr)\b[^>]*>`)
)

// loadTextPool reads every careers page, API response and text file under
// dir: descriptions and page text become sentences, and the manifest's
// expected postings give titles, companies and locations.
func loadTextPool(dir string) (*textPool, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%w: %w", errNoCorpus, err)
	}
	p := &textPool{next: map[string][]string{}}
	var texts []string
	seenTitle, seenLoc, seenCo := map[string]bool{}, map[string]bool{}, map[string]bool{}
	addPosting := func(m map[string]any) {
		if t, ok := m["title"].(string); ok && t != "" && !seenTitle[t] && isLatin(t) {
			seenTitle[t] = true
			p.titles = append(p.titles, t)
		}
		if c, ok := m["company"].(string); ok && c != "" && !seenCo[c] && isLatin(c) {
			seenCo[c] = true
			p.companies = append(p.companies, c)
		}
		for _, key := range []string{"location", "locations"} {
			if l, ok := m[key].(string); ok && strings.Count(l, ",") >= 1 && !seenLoc[l] && isLatin(l) {
				seenLoc[l] = true
				p.locations = append(p.locations, l)
			}
		}
	}
	// walk finds postings (objects with a title) and long text in any JSON.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["title"]; ok {
				addPosting(v)
			}
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "description" || k == "content") {
					texts = append(texts, pageText(html.UnescapeString(s)))
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		p.files++
		switch filepath.Ext(path) {
		case ".html", ".htm":
			texts = append(texts, pageText(string(b)))
		case ".txt":
			texts = append(texts, string(b))
		case ".json":
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			walk(v)
		case ".jsonl":
			for line := range strings.Lines(string(b)) {
				var v any
				if json.Unmarshal([]byte(line), &v) == nil {
					walk(v)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read corpus %s: %w", dir, err)
	}

	seen := map[string]bool{}
	vocab := map[string]bool{}
	for _, t := range texts {
		for _, s := range sentenceRe.Split(t, -1) {
			ws := strings.Fields(s)
			// Whole sentences of mostly Latin script (the listings in
			// Chinese are left out), between 4 and 60 words, once each.
			if len(ws) < 4 || len(ws) > 60 || !isLatin(s) || seen[s] {
				continue
			}
			seen[s] = true
			p.sentences = append(p.sentences, ws)
			prev := ""
			for _, w := range ws {
				p.next[prev] = append(p.next[prev], w)
				prev = w
				for _, t := range queryWords(w) {
					vocab[t] = true
				}
			}
		}
	}
	if len(p.sentences) < 100 || len(p.titles) < 10 || len(p.locations) < 5 {
		return nil, fmt.Errorf("corpus %s: only %d sentences, %d titles, %d locations: too little text", dir,
			len(p.sentences), len(p.titles), len(p.locations))
	}
	p.words = slices.Sorted(func(yield func(string) bool) {
		for w := range vocab {
			if !yield(w) {
				return
			}
		}
	})
	return p, nil
}

// pageText is the visible text of an HTML page or fragment, one block per line.
func pageText(s string) string {
	s = scriptRe.ReplaceAllString(s, " ")
	s = blockRe.ReplaceAllString(s, "\n")
	return html.UnescapeString(tagRe.ReplaceAllString(s, " "))
}

// isLatin reports whether nine in ten letters of s are Latin.
func isLatin(s string) bool {
	var letters, latin int
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(unicode.Latin, r) {
				latin++
			}
		}
	}
	return letters > 0 && latin*10 >= letters*9
}

// realistic makes postings from a textPool. A description is 8 to 20
// sentences, half of them real sentences and half random walks of the
// bigram chain (so the words keep their real frequencies, in new
// combinations), plus a few rare terms: compounds of two real words drawn
// from a Zipf distribution over 50,000 of them, standing for the product
// names, tools and proper nouns that make a real vocabulary's long tail.
// Titles, companies and locations are real ones; families, teams and the
// other facets are drawn like the generated corpus's.
type realistic struct {
	r     *rand.Rand
	pool  *textPool
	rare  []string
	zipf  *rand.Zipf
	n     int
	sites []string
}

const rareTerms = 50_000

func newRealistic(seed uint64, pool *textPool) *realistic {
	r := rand.New(rand.NewPCG(seed, 17))
	g := &realistic{r: r, pool: pool, zipf: rand.NewZipf(r, 1.1, 1, rareTerms-1)}
	seen := map[string]bool{}
	for _, w := range pool.words {
		seen[w] = true
	}
	long := slices.DeleteFunc(slices.Clone(pool.words), func(w string) bool { return len(w) < 3 || !isASCIILetters(w) })
	for len(g.rare) < rareTerms {
		w := long[r.IntN(len(long))] + long[r.IntN(len(long))]
		if len(w) <= 18 && !seen[w] {
			seen[w] = true
			g.rare = append(g.rare, w)
		}
	}
	for _, c := range pool.companies {
		if s := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r
			}
			return -1
		}, strings.ToLower(c)); s != "" && !slices.Contains(g.sites, s) {
			g.sites = append(g.sites, s)
		}
	}
	if len(g.sites) == 0 {
		g.sites = []string{"acme"}
	}
	return g
}

var (
	realFamilies = []string{"Software Engineering", "Data Science", "Sales", "Marketing", "Design", "Finance",
		"Human Resources", "Legal", "Operations", "Customer Success", "Hardware Engineering", "Product Management",
		"Supply Chain", "Research", "Security", "Program Management"}
	realTeams   = []string{"Cloud", "Identity", "Payments", "Search", "Mobile", "Growth", "Enterprise", "Platform", "Research", "Support", "Infrastructure", "Analytics", "Devices", "Retail", "Logistics", "Ads"}
	realEmploys = []string{"full_time", "full_time", "full_time", "full_time", "part_time", "contract", "internship", "temporary"}
	realWork    = []string{"onsite", "onsite", "hybrid", "remote"}
)

// Next implements source.
func (g *realistic) Next(n int) []index.Record {
	out := make([]index.Record, 0, n)
	seen := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	r, p := g.r, g.pool
	for range n {
		g.n++
		site := g.sites[g.n%len(g.sites)]
		num := strconv.Itoa(2_000_000 + g.n)
		// Locations: one, sometimes two, the popular ones more often.
		var locs []string
		for k := range 1 + boolInt(r.IntN(5) == 0) {
			l := p.locations[min(r.IntN(len(p.locations)), r.IntN(len(p.locations)))]
			if k == 0 || !slices.Contains(locs, l) {
				locs = append(locs, l)
			}
		}
		var cities, regions, countries []string
		for _, l := range locs {
			parts := strings.Split(l, ", ")
			addUnique(&cities, parts[0])
			if len(parts) > 2 {
				addUnique(&regions, parts[1])
			}
			addUnique(&countries, parts[len(parts)-1])
		}
		var desc strings.Builder
		for s := range 8 + r.IntN(13) {
			if s > 0 {
				desc.WriteString(". ")
			}
			var ws []string
			if r.IntN(2) == 0 {
				ws = p.sentences[r.IntN(len(p.sentences))]
			} else {
				ws = g.walk()
			}
			desc.WriteString(strings.Join(ws, " "))
			if r.IntN(3) == 0 {
				desc.WriteString(" " + g.rare[g.zipf.Uint64()])
			}
		}
		desc.WriteByte('.')
		fam := realFamilies[r.IntN(len(realFamilies))]
		title := p.titles[r.IntN(len(p.titles))]
		post := extract.Posting{
			JobNumber: num, Title: title, Company: p.companies[g.n%len(p.companies)],
			URL:       fmt.Sprintf("https://careers.%s.example/jobs/%s", site, num),
			Locations: locs, Cities: cities, Regions: regions, Countries: countries,
			JobFamily: fam, Team: realTeams[r.IntN(len(realTeams))],
			EmploymentType: realEmploys[r.IntN(len(realEmploys))], WorkplaceType: realWork[r.IntN(len(realWork))],
			DatePosted:  seen.AddDate(0, 0, -r.IntN(180)).Format(time.DateOnly),
			Description: desc.String(),
			Qualifications: []string{strings.Join(p.sentences[r.IntN(len(p.sentences))], " "),
				strings.Join(p.sentences[r.IntN(len(p.sentences))], " ")},
		}
		post.Remote = post.WorkplaceType == "remote"
		out = append(out, index.Record{ID: index.RecordID(site, num), Site: site, Posting: post, FirstSeen: seen, LastSeen: seen,
			ContentHash: num, Status: index.StatusOpen})
	}
	return out
}

// walk is a random sentence of the bigram chain, 4 to 30 words.
func (g *realistic) walk() []string {
	var ws []string
	prev := ""
	for len(ws) < 30 {
		nx := g.pool.next[prev]
		if len(nx) == 0 {
			break
		}
		w := nx[g.r.IntN(len(nx))]
		ws = append(ws, w)
		prev = w
	}
	if len(ws) < 4 {
		return g.pool.sentences[g.r.IntN(len(g.pool.sentences))]
	}
	return ws
}

func addUnique(s *[]string, v string) {
	if v != "" && !slices.Contains(*s, v) {
		*s = append(*s, v)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isASCIILetters(s string) bool {
	for i := range len(s) {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}

// errNoCorpus is returned when the realistic corpus's text is missing.
var errNoCorpus = errors.New("shared corpus missing")
