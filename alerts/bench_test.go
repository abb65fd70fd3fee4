package alerts_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/alerts"
	"github.com/jobcrawl/jobcrawl/index/indextest"
)

// benchSearches are ten saved searches of the kinds users keep: words,
// filters, both, and one with neither.
var benchSearches = []alerts.Spec{
	{Query: "senior engineer", Filters: []string{"countries=United States"}},
	{Query: "kubernetes"},
	{Query: "data pipelines", Filters: []string{"workplace_type=remote"}},
	{Filters: []string{"job_family=Sales"}},
	{Query: "analyst", Filters: []string{"countries=Germany", "countries=France"}},
	{Query: "manager", Filters: []string{"employment_type=full_time"}},
	{Query: "golang"},
	{Filters: []string{"site=contoso", "team=Payments"}},
	{Query: "designer"},
	{},
}

// BenchmarkEvaluate: one evaluation of 10 saved searches over an index of
// 100,000 postings, after a run that added 200 new ones. Run it with
//
//	go test ./alerts -run - -bench Evaluate -benchtime 5x
func BenchmarkEvaluate(b *testing.B) {
	ix := openIndex(b)
	st := openStore(b, b.TempDir())
	c := newClock(st)
	g := indextest.NewGenerator(7)
	const total = 100_000
	for done := 0; done < total; done += 5000 {
		recs := g.Next(5000)
		for i := range recs {
			recs[i].FirstSeen = c.t.Add(-time.Duration(done+i) * time.Minute)
			recs[i].LastSeen = c.t
			recs[i].Normalize()
		}
		if err := ix.Upsert(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	for i, spec := range benchSearches {
		spec.Name = fmt.Sprintf("bench %d", i)
		if _, _, err := st.Create(ctx, ix, spec); err != nil {
			b.Fatal(err)
		}
	}
	var read, recorded int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		c.add(time.Hour)
		recs := g.Next(200)
		for i := range recs {
			recs[i].FirstSeen, recs[i].LastSeen = c.t.Add(-time.Minute), c.t
			recs[i].Normalize()
		}
		if err := ix.Upsert(ctx, recs); err != nil {
			b.Fatal(err)
		}
		c.add(time.Minute)
		b.StartTimer()
		res, err := st.Evaluate(ctx, ix, alerts.EvalOptions{})
		if err != nil {
			b.Fatal(err)
		}
		read += res.Read
		recorded += res.Recorded
	}
	b.ReportMetric(float64(read)/float64(b.N), "read/op")
	b.ReportMetric(float64(recorded)/float64(b.N), "recorded/op")
}
