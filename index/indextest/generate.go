package indextest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// Generator makes realistic postings for benchmarks, lazily: a hundred
// thousand postings with descriptions do not fit comfortably in memory at once.
type Generator struct {
	r     *rand.Rand
	n     int
	sites []string
}

// NewGenerator returns a deterministic generator.
func NewGenerator(seed uint64) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, 99)), sites: []string{"contoso", "fabrikam", "northwind", "tailspin", "woodgrove"}}
}

var (
	genFamilies = []string{"Software Engineering", "Data Science", "Sales", "Marketing", "Design", "Finance",
		"Human Resources", "Legal", "Operations", "Customer Success", "Hardware Engineering", "Product Management"}
	genTeams   = []string{"Cloud", "Identity", "Payments", "Search", "Mobile", "Growth", "Enterprise", "Platform", "Research", "Support", "Infrastructure", "Analytics"}
	genRoles   = []string{"Engineer", "Manager", "Analyst", "Designer", "Scientist", "Specialist", "Architect", "Consultant", "Director", "Coordinator"}
	genLevels  = []string{"", "", "Senior ", "Staff ", "Principal ", "Junior ", "Lead "}
	genPlaces  = []string{"Houston, TX, United States", "Redmond, WA, United States", "New York, NY, United States", "Austin, TX, United States", "Toronto, ON, Canada", "London, England, United Kingdom", "Berlin, Germany", "Paris, Île-de-France, France", "Dublin, Ireland", "Bengaluru, Karnataka, India", "Tokyo, Japan", "Sydney, NSW, Australia", "São Paulo, SP, Brazil", "Warsaw, Poland", "Remote, United States"}
	genWords   = strings.Fields("build operate design scale improve own ship measure reliable services customers data pipelines platform teams product quality experience kubernetes golang java python sql distributed systems cloud security growth strategy roadmap stakeholders analytics machine learning models research customers partners sales revenue pipeline enterprise accounts compliance privacy finance planning forecasting hiring people culture mentoring collaboration communication global regions latency availability performance cost efficiency automation tooling testing")
	genEmploys = []string{"full_time", "full_time", "full_time", "part_time", "contract", "internship", "temporary"}
	genWork    = []string{"onsite", "onsite", "hybrid", "remote"}
)

// Next returns the next n postings.
func (g *Generator) Next(n int) []index.Record {
	out := make([]index.Record, 0, n)
	seen := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for range n {
		r := g.r
		g.n++
		site := g.sites[g.n%len(g.sites)]
		num := strconv.Itoa(1_000_000 + g.n)
		fam := genFamilies[r.IntN(len(genFamilies))]
		locs := []string{genPlaces[r.IntN(len(genPlaces))]}
		if r.IntN(4) == 0 {
			locs = append(locs, genPlaces[r.IntN(len(genPlaces))])
		}
		var countries []string
		for _, l := range locs {
			parts := strings.Split(l, ", ")
			countries = append(countries, parts[len(parts)-1])
		}
		var desc strings.Builder
		for p := range 6 + r.IntN(6) {
			if p > 0 {
				desc.WriteByte('\n')
			}
			for w := range 40 + r.IntN(40) {
				if w > 0 {
					desc.WriteByte(' ')
				}
				desc.WriteString(genWords[r.IntN(len(genWords))])
			}
			desc.WriteByte('.')
		}
		p := extract.Posting{
			JobNumber: num, Title: genLevels[r.IntN(len(genLevels))] + fam + " " + genRoles[r.IntN(len(genRoles))],
			Company: strings.ToUpper(site[:1]) + site[1:], URL: fmt.Sprintf("https://careers.%s.example/jobs/%s", site, num),
			Locations: locs, Countries: countries, JobFamily: fam, Team: genTeams[r.IntN(len(genTeams))],
			EmploymentType: genEmploys[r.IntN(len(genEmploys))], WorkplaceType: genWork[r.IntN(len(genWork))],
			DatePosted:  seen.AddDate(0, 0, -r.IntN(120)).Format(time.DateOnly),
			Description: desc.String(),
			Qualifications: []string{"Experience with " + genWords[r.IntN(len(genWords))],
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

// BenchQuery is the search the index benchmarks time: a text query, two
// filters and four facets.
func BenchQuery(i int) index.Query {
	return index.Query{
		Text: []string{"senior engineer", "data pipelines", "sales manager", "kubernetes", "analyst"}[i%5],
		Filters: []index.Filter{
			{Field: "countries", Values: []string{"United States", "Canada"}},
			{Field: "employment_type", Values: []string{"full_time"}},
		},
		Facets: []string{"job_family", "team", "locations", "workplace_type"},
		Limit:  20,
	}
}
