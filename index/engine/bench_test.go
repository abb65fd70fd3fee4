package engine_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/bleveidx"
	"github.com/jobcrawl/jobcrawl/index/engine"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

var (
	benchPostings = flag.Int("postings", 0, "postings BenchmarkEngine indexes (default $JOBCRAWL_BENCH_POSTINGS or 100000)")
	benchBleveMax = flag.Int("bleve-max", 0, "largest index BenchmarkEngine builds with Bleve too (default $JOBCRAWL_BENCH_BLEVE_MAX or 100000)")
)

func benchSize(v *int, env string, def int) int {
	if *v > 0 {
		return *v
	}
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkEngine indexes N generated postings (default 100,000; set with
// -postings or JOBCRAWL_BENCH_POSTINGS: 10000, 100000, 1000000) into a
// fresh index, once with this engine and once with the Bleve backend
// (index/embedded; up to -bleve-max postings, default 100,000), and reports
// side by side:
//
//   - postings/s: indexing in batches of 500, timed through Close (the
//     engine's final snapshot, Bleve's final persist)
//   - MB-on-disk, open-ms (reopening the closed index)
//   - p50/p95/p99 in ms of five query shapes, 300 runs each:
//     text+2filters+4facets (indextest.BenchQuery), typo (text with a typo
//     and two facets), facets (no text, 4 facets), bydate (a filter and a
//     sort by date_posted), deep (page 50 of a text query)
//   - touch-cpu-us/rec and touch-wall-us/rec: Touch in batches of 500
//     (last_seen moves, one in ten closes), CPU time of the whole process
//
// Run it once:
//
//	go test ./index/engine -run '^$' -bench Engine -benchtime 1x -timeout 60m [-args -postings 10000]
func BenchmarkEngine(b *testing.B) {
	n := benchSize(benchPostings, "JOBCRAWL_BENCH_POSTINGS", 100_000)
	bleveMax := benchSize(benchBleveMax, "JOBCRAWL_BENCH_BLEVE_MAX", 100_000)
	backends := []struct {
		name string
		open func(dir string) (index.Index, error)
		max  int
	}{
		{"engine", func(dir string) (index.Index, error) { return engine.Open(dir) }, 0},
		{"bleve", func(dir string) (index.Index, error) { return bleveidx.Open(dir) }, bleveMax},
	}
	for _, be := range backends {
		b.Run(fmt.Sprintf("backend=%s/postings=%d", be.name, n), func(b *testing.B) {
			if be.max > 0 && n > be.max {
				b.Skipf("%d postings is over -bleve-max %d", n, be.max)
			}
			for range b.N {
				benchBackend(b, n, be.open, be.name == "engine")
			}
		})
	}
}

// benchBackend runs the benchmark on one backend. Bleve has no typo
// tolerance: strict says whether every shape must match something.
func benchBackend(b *testing.B, n int, open func(dir string) (index.Index, error), strict bool) {
	ctx := context.Background()
	dir := b.TempDir()
	ix, err := open(dir)
	if err != nil {
		b.Fatal(err)
	}
	gen := newBenchGen(1)
	var took time.Duration // generating postings is not timed
	for done := 0; done < n; done += 500 {
		recs := gen.next(min(500, n-done))
		start := time.Now()
		if err := ix.Upsert(ctx, recs); err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
	}
	start := time.Now()
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	took += time.Since(start)
	b.ReportMetric(float64(n)/took.Seconds(), "postings/s")

	start = time.Now()
	if ix, err = open(dir); err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	b.ReportMetric(ms(time.Since(start)), "open-ms")
	st, err := ix.Stats(ctx)
	if err != nil || st.Documents != int64(n) {
		b.Fatalf("stats %+v, %v; want %d documents", st, err, n)
	}
	b.ReportMetric(float64(st.SizeBytes)/(1<<20), "MB-on-disk")

	for _, shape := range benchShapes {
		var lat []time.Duration
		for i := range 300 {
			q := shape.query(i)
			t := time.Now()
			res, err := ix.Search(ctx, q)
			lat = append(lat, time.Since(t))
			if err != nil {
				b.Fatal(err)
			}
			if i == 0 && strict && res.Total == 0 {
				b.Fatalf("%s: %+v matched nothing", shape.name, q)
			}
		}
		slices.Sort(lat)
		pct := func(p int) float64 { return ms(lat[min(len(lat)-1, len(lat)*p/100)]) }
		b.ReportMetric(pct(50), shape.name+"-p50-ms")
		b.ReportMetric(pct(95), shape.name+"-p95-ms")
		b.ReportMetric(pct(99), shape.name+"-p99-ms")
	}

	// Touch: batches of 500 random records, last_seen moved, one in ten closed
	r := rand.New(rand.NewPCG(5, 5))
	const batches = 20
	later := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	cpu0, wall0 := cpuTime(), time.Now()
	for k := range batches {
		touches := make([]index.Touch, 500)
		for i := range touches {
			touches[i] = index.Touch{ID: benchID(r.IntN(n)), LastSeen: later.Add(time.Duration(k) * time.Minute)}
			if i%10 == 0 {
				touches[i].Status = index.StatusClosed
			}
		}
		if err := ix.Touch(ctx, touches); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/(batches*500), "touch-cpu-us/rec")
	b.ReportMetric(float64(time.Since(wall0).Microseconds())/(batches*500), "touch-wall-us/rec")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchShapes are the queries the benchmark times.
var benchShapes = []struct {
	name  string
	query func(i int) index.Query
}{
	{"text+2filters+4facets", indextest.BenchQuery},
	{"typo", func(i int) index.Query {
		return index.Query{Text: []string{"senior enginer", "data pipelnes", "salse manager", "kubernets", "analsyt"}[i%5],
			Facets: []string{"job_family", "countries"}, Limit: 20}
	}},
	{"facets", func(i int) index.Query {
		return index.Query{Facets: []string{"job_family", "team", "locations", "workplace_type"}, Limit: 20,
			Filters: [][]index.Filter{nil, {{Field: "site", Values: []string{"contoso"}}}}[i%2]}
	}},
	{"bydate", func(i int) index.Query {
		return index.Query{Filters: []index.Filter{{Field: "countries", Values: []string{[]string{"United States", "Germany", "India"}[i%3]}}},
			Sort: []index.Sort{{Field: "date_posted", Desc: i%2 == 0}}, Limit: 20}
	}},
	{"deep", func(i int) index.Query {
		return index.Query{Text: []string{"engineer", "manager", "analyst"}[i%3], Offset: 1000, Limit: 20}
	}},
}

// benchGen makes postings like indextest.Generator's, with a realistic
// vocabulary: descriptions draw from 4,000 distinct words with a Zipf
// distribution (a few very common words, a long tail), and the words the
// benchmark queries sit where a word of a job posting does, in a few
// percent of the documents, not in most of them.
type benchGen struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	vocab []string
	n     int
}

var (
	benchSites     = []string{"contoso", "fabrikam", "northwind", "tailspin", "woodgrove"}
	benchFamilies  = []string{"Software Engineering", "Data Science", "Sales", "Marketing", "Design", "Finance", "Human Resources", "Legal", "Operations", "Customer Success", "Hardware Engineering", "Product Management"}
	benchTeams     = []string{"Cloud", "Identity", "Payments", "Search", "Mobile", "Growth", "Enterprise", "Platform", "Research", "Support", "Infrastructure", "Analytics"}
	benchRoles     = []string{"Engineer", "Manager", "Analyst", "Designer", "Scientist", "Specialist", "Architect", "Consultant", "Director", "Coordinator"}
	benchLevels    = []string{"", "", "Senior ", "Staff ", "Principal ", "Junior ", "Lead "}
	benchPlaces    = []string{"Houston, TX, United States", "Redmond, WA, United States", "New York, NY, United States", "Austin, TX, United States", "Toronto, ON, Canada", "London, England, United Kingdom", "Berlin, Germany", "Paris, Île-de-France, France", "Dublin, Ireland", "Bengaluru, Karnataka, India", "Tokyo, Japan", "Sydney, NSW, Australia", "São Paulo, SP, Brazil", "Warsaw, Poland", "Remote, United States"}
	benchEmploys   = []string{"full_time", "full_time", "full_time", "part_time", "contract", "internship", "temporary"}
	benchWork      = []string{"onsite", "onsite", "hybrid", "remote"}
	benchCommon    = strings.Fields("the and to of a in you our we for with will be on as is are your this that an or team work at by from have who can all us")
	benchDomain    = strings.Fields("build operate design scale improve own ship measure reliable services customers data pipelines platform teams product quality experience kubernetes golang java python sql distributed systems cloud security growth strategy roadmap stakeholders analytics machine learning models research partners sales revenue pipeline enterprise accounts compliance privacy finance planning forecasting hiring people culture mentoring collaboration communication global regions latency availability performance cost efficiency automation tooling testing engineer manager analyst senior")
	benchSyllables = strings.Fields("ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za ze zi zo zu tra pre sto gle mon ter")
)

const benchVocab = 4000

func newBenchGen(seed uint64) *benchGen {
	r := rand.New(rand.NewPCG(seed, 42))
	g := &benchGen{r: r, zipf: rand.NewZipf(r, 1.07, 2, benchVocab-1)}
	seen := map[string]bool{}
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			g.vocab = append(g.vocab, w)
		}
	}
	for _, w := range benchCommon {
		add(w)
	}
	wr := rand.New(rand.NewPCG(seed, 7))
	pseudo := func() {
		for {
			var sb strings.Builder
			for range 2 + wr.IntN(3) {
				sb.WriteString(benchSyllables[wr.IntN(len(benchSyllables))])
			}
			if w := sb.String(); !seen[w] {
				add(w)
				return
			}
		}
	}
	for len(g.vocab) < 800 {
		pseudo()
	}
	for _, w := range benchDomain { // ranks 800…: each in a few percent of the postings
		add(w)
	}
	for len(g.vocab) < benchVocab {
		pseudo()
	}
	return g
}

// benchID is the id of the i-th posting (from 0) a benchGen makes.
func benchID(i int) string {
	return index.RecordID(benchSites[(i+1)%len(benchSites)], strconv.Itoa(1_000_000+i+1))
}

func (g *benchGen) next(n int) []index.Record {
	out := make([]index.Record, 0, n)
	seen := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	r := g.r
	for range n {
		g.n++
		site := benchSites[g.n%len(benchSites)]
		num := strconv.Itoa(1_000_000 + g.n)
		fam := benchFamilies[r.IntN(len(benchFamilies))]
		locs := []string{benchPlaces[r.IntN(len(benchPlaces))]}
		if r.IntN(4) == 0 {
			locs = append(locs, benchPlaces[r.IntN(len(benchPlaces))])
		}
		var countries []string
		for _, l := range locs {
			parts := strings.Split(l, ", ")
			if c := parts[len(parts)-1]; !slices.Contains(countries, c) {
				countries = append(countries, c)
			}
		}
		var desc strings.Builder
		for p := range 5 + r.IntN(5) {
			if p > 0 {
				desc.WriteString("\n")
			}
			for w := range 40 + r.IntN(30) {
				if w > 0 {
					desc.WriteByte(' ')
				}
				desc.WriteString(g.vocab[g.zipf.Uint64()])
			}
			desc.WriteByte('.')
		}
		p := extract.Posting{
			JobNumber: num, Title: benchLevels[r.IntN(len(benchLevels))] + fam + " " + benchRoles[r.IntN(len(benchRoles))],
			Company: strings.ToUpper(site[:1]) + site[1:], URL: fmt.Sprintf("https://careers.%s.example/jobs/%s", site, num),
			Locations: locs, Countries: countries, JobFamily: fam, Team: benchTeams[r.IntN(len(benchTeams))],
			EmploymentType: benchEmploys[r.IntN(len(benchEmploys))], WorkplaceType: benchWork[r.IntN(len(benchWork))],
			DatePosted:  seen.AddDate(0, 0, -r.IntN(120)).Format(time.DateOnly),
			Description: desc.String(),
			Qualifications: []string{"Experience with " + g.vocab[g.zipf.Uint64()] + " and " + g.vocab[g.zipf.Uint64()],
				"Degree in " + strings.ToLower(fam) + " or equivalent"},
		}
		if r.IntN(3) == 0 {
			p.SalaryMin = float64(60_000 + 1000*r.IntN(100))
			p.SalaryMax = p.SalaryMin + 40_000
			p.SalaryCurrency, p.SalaryPeriod = "USD", "YEAR"
		}
		out = append(out, index.Record{ID: index.RecordID(site, num), Site: site, Posting: p, FirstSeen: seen, LastSeen: seen,
			ContentHash: num, Status: index.StatusOpen})
	}
	return out
}

// TestBenchGenVocabulary checks the benchmark's data is what it claims: the
// words the benchmark queries each occur in a few percent of the postings.
func TestBenchGenVocabulary(t *testing.T) {
	g := newBenchGen(1)
	recs := g.next(2000)
	for _, w := range []string{"data", "pipelines", "kubernetes", "sales", "analytics", "the"} {
		n := 0
		for _, r := range recs {
			if slices.Contains(strings.Fields(r.Description), w) {
				n++
			}
		}
		share := float64(n) / float64(len(recs))
		t.Logf("%-10s in %4.1f%% of descriptions", w, 100*share)
		if w != "the" && (share < 0.005 || share > 0.2) {
			t.Errorf("%q in %.1f%% of descriptions: want a few percent", w, 100*share)
		}
	}
	if got := benchID(0); got != recs[0].ID {
		t.Errorf("benchID(0) = %s, want %s", got, recs[0].ID)
	}
}

// BenchmarkEngineQuery times each query shape of BenchmarkEngine alone,
// on an engine index of -postings postings built once per run: the
// benchmark to profile a shape with (-cpuprofile).
//
//	go test ./index/engine -run '^$' -bench EngineQuery/facets -cpuprofile cpu.out -args -postings 100000
func BenchmarkEngineQuery(b *testing.B) {
	n := benchSize(benchPostings, "JOBCRAWL_BENCH_POSTINGS", 100_000)
	ix := benchIndex(b, n)
	ctx := context.Background()
	for _, shape := range benchShapes {
		b.Run(shape.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := ix.Search(ctx, shape.query(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

var benchIndexes = map[int]*engine.Engine{}

// benchIndex returns an engine index of n generated postings, built once
// per process (and never closed: the process ends with the benchmark).
func benchIndex(b *testing.B, n int) *engine.Engine {
	if ix, ok := benchIndexes[n]; ok {
		return ix
	}
	dir, err := os.MkdirTemp("", "engine-bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	ix, err := engine.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	gen := newBenchGen(1)
	for done := 0; done < n; done += 500 {
		if err := ix.Upsert(context.Background(), gen.next(min(500, n-done))); err != nil {
			b.Fatal(err)
		}
	}
	benchIndexes[n] = ix
	return ix
}
