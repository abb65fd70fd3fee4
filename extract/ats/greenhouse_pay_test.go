package ats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
	"github.com/jobcrawl/jobcrawl/index"
	"github.com/jobcrawl/jobcrawl/index/embedded"
)

// TestGreenhousePayTransparencyCrawl crawls a Greenhouse board served as
// the job board API answers (the list, then each job's record with
// ?pay_transparency=true: testdata/greenhouse_details.json, pay_input_ranges
// written to the documented shape) with the crawler, and reads the salaries
// back from the index.
func TestGreenhousePayTransparencyCrawl(t *testing.T) {
	list := read(t, "greenhouse_jobs.json")
	var details map[string]json.RawMessage
	if err := json.Unmarshal(read(t, "greenhouse_details.json"), &details); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	asked := map[string]int{} // detail requests by job id
	const prefix = "/v1/boards/vaulttec/jobs"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case r.URL.Path == prefix:
			w.Write(list)
		case strings.HasPrefix(r.URL.Path, prefix+"/"):
			id := strings.TrimPrefix(r.URL.Path, prefix+"/")
			d, ok := details[id]
			if !ok || r.URL.Query().Get("pay_transparency") != "true" {
				http.NotFound(w, r)
				return
			}
			mu.Lock()
			asked[id]++
			mu.Unlock()
			w.Write(d)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	site := &crawler.Site{Name: "vaulttec", Company: "Vault-Tec", Platform: "greenhouse", Board: "vaulttec", APIURL: srv.URL,
		Limits: crawler.Limits{Parallelism: 4}}
	if err := site.Validate(); err != nil {
		t.Fatal(err)
	}
	ix, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), site, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Complete || st.Errors != 0 {
		t.Fatalf("run not complete: %+v", st)
	}
	if len(asked) != len(details) {
		t.Errorf("asked for the records of %d jobs with pay transparency, want all %d", len(asked), len(details))
	}
	for _, c := range []struct {
		job, want string
	}{
		// two ranges: the one titled for the first location, listed second
		{"4012345006", "170000-220000 USD YEAR"},
		{"4013300006", "26-34 USD HOUR"},       // "hourly" in its title
		{"4013000006", "65000-80000 GBP YEAR"}, // "per annum"
		{"127817", "0-0  "},                    // no range
	} {
		rec, err := ix.Get(context.Background(), index.RecordID("vaulttec", c.job))
		if err != nil {
			t.Fatalf("job %s: %v", c.job, err)
		}
		if got := salaryOf(rec.Posting); got != c.want {
			t.Errorf("job %s salary: got %q, want %q", c.job, got, c.want)
		}
	}
}

func salaryOf(p extract.Posting) string {
	return fmt.Sprintf("%g-%g %s %s", p.SalaryMin, p.SalaryMax, p.SalaryCurrency, p.SalaryPeriod)
}

// TestGreenhousePayRanges: which range of several a posting takes, and
// how its period is read.
func TestGreenhousePayRanges(t *testing.T) {
	gh := ats.Greenhouse{}
	job := func(location, ranges string) string {
		return `{"jobs": [{"id": 7, "title": "Welder", "absolute_url": "https://boards.greenhouse.io/acme/jobs/7",
			"location": {"name": "` + location + `"}, "pay_input_ranges": ` + ranges + `}]}`
	}
	for _, c := range []struct {
		name, location, ranges, want string
	}{
		{"none", "Austin, TX, United States", `[]`, "0-0  "},
		{"one, period from the blurb", "Austin, TX, United States",
			`[{"min_cents": 4500000, "max_cents": 6000000, "currency_type": "usd", "title": "Pay range", "blurb": "<p>Annual base salary</p>"}]`,
			"45000-60000 USD YEAR"},
		{"the one naming the location's city", "Denver, CO, United States",
			`[{"min_cents": 5000000, "max_cents": 7000000, "currency_type": "USD", "title": "Zone A (New York City)"},
			  {"min_cents": 4000000, "max_cents": 5500000, "currency_type": "USD", "title": "Zone B (Denver, Austin)"}]`,
			"40000-55000 USD YEAR"}, // no period said: inferred from the amount
		{"no city named: the first", "Remote, United States",
			`[{"min_cents": 5000000, "max_cents": 7000000, "currency_type": "USD", "title": "Zone A"},
			  {"min_cents": 4000000, "max_cents": 5500000, "currency_type": "USD", "title": "Zone B"}]`,
			"50000-70000 USD YEAR"},
		{"a range without amounts is skipped", "Austin, TX, United States",
			`[{"min_cents": null, "max_cents": 0, "currency_type": "USD", "title": "TBD"},
			  {"min_cents": 2000, "max_cents": 2500, "currency_type": "USD", "title": "Per hour"}]`,
			"20-25 USD HOUR"},
		{"monthly", "Berlin, Germany",
			`[{"min_cents": 350000, "max_cents": 420000, "currency_type": "EUR", "title": "Monthly gross"}]`,
			"3500-4200 EUR MONTH"},
	} {
		t.Run(c.name, func(t *testing.T) {
			page, err := gh.List([]byte(job(c.location, c.ranges)))
			if err != nil {
				t.Fatal(err)
			}
			p, err := gh.Posting(page.Items[0], nil, extract.Options{URL: "https://boards-api.greenhouse.io/v1/boards/acme/jobs/7"})
			if err != nil {
				t.Fatal(err)
			}
			if got := salaryOf(p); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestGreenhouseListOnly: the list alone (no record asked for, as
// ?content=true answers it) still reads, with the salary its metadata
// states.
func TestGreenhouseListOnly(t *testing.T) {
	gh := ats.Greenhouse{}
	page, err := gh.List(read(t, "greenhouse_jobs.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		if it.Key != "4012345006" {
			continue
		}
		p, err := gh.Posting(it, nil, extract.Options{URL: "https://boards-api.greenhouse.io/v1/boards/vaulttec/jobs"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := salaryOf(p), "165000-210000 USD YEAR"; got != want {
			t.Errorf("salary from metadata: got %q, want %q", got, want)
		}
		return
	}
	t.Fatal("job 4012345006 not listed")
}
