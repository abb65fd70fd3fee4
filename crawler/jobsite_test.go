package crawler_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
)

// jobsiteDir is the shared synthetic careers site (../shared/jobsite).
var jobsiteDir = filepath.Join("..", "..", "shared", "jobsite")

// startJobsite builds ../shared/jobsite and serves it on a free loopback
// port with args, writing its ground truth to truth; it returns the base
// URL. The test skips, saying why, when ../shared is absent.
func startJobsite(tb testing.TB, truth string, args ...string) string {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(jobsiteDir, "main.go")); err != nil {
		tb.Skipf("../shared/jobsite is absent (%v): the JSON API harness needs it", err)
	}
	bin := filepath.Join(tb.TempDir(), "jobsite")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = jobsiteDir
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("build jobsite: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append(args, "-addr", "127.0.0.1:0", "-truth", truth)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	serving := regexp.MustCompile(`serving .* at (http://\S+)`)
	select {
	case line := <-lines:
		m := serving.FindStringSubmatch(line)
		if m == nil {
			tb.Fatalf("jobsite said %q, not where it serves", line)
		}
		return m[1]
	case <-time.After(60 * time.Second):
		tb.Fatal("jobsite did not start in a minute")
	}
	return ""
}

type truthJob struct {
	Type           string   `json:"type"`
	JobNumber      string   `json:"job_number"`
	Title          string   `json:"title"`
	Locations      []string `json:"locations"`
	JobFamily      string   `json:"job_family"`
	Team           string   `json:"team"`
	WorkplaceType  string   `json:"workplace_type"`
	EmploymentType string   `json:"employment_type"`
	DatePosted     string   `json:"date_posted"`
	ValidThrough   string   `json:"valid_through"`
	Salary         *struct {
		Min, Max         float64
		Currency, Period string
	} `json:"salary"`
	Description string `json:"description"`
	Cards       int    `json:"listing_entries"`
}

// jobsiteAPISite is the site block that crawls the jobsite's JSON API,
// as config.yaml writes it.
func jobsiteAPISite(base string) *crawler.Site {
	return &crawler.Site{Name: "jobsite-api", Company: "Contoso", Source: "json", JSON: &crawler.JSONSource{
		URL:    base + "/api/jobs?offset={offset}&limit={limit}",
		Items:  "jobs",
		Paging: crawler.JSONPaging{Style: "offset", Limit: 100, Total: "total"},
		Fields: map[string]string{
			"job_number": "job_number", "alt_ids": "requisition_id", "title": "title", "company": "company",
			"url": "url", "locations": "locations", "remote": "remote", "workplace_type": "workplace_type",
			"employment_type": "employment_type", "job_family": "job_family", "team": "team", "salary": "salary",
			"date_posted": "date_posted", "valid_through": "valid_through", "description": "description_html",
		},
	}, Limits: crawler.Limits{Parallelism: 4, MaxRetries: 3}}
}

// TestJobsiteAPI crawls the JSON API of ../shared/jobsite (offset/limit
// paging, duplicates among the cards) and compares every record with the
// site's ground truth.
func TestJobsiteAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and serves ../shared/jobsite; skipped with -short")
	}
	jobs := "2000"
	if raceEnabled {
		jobs = "300" // still four pages of 100; the figures in bench/README.md are without -race
	}
	truthPath := filepath.Join(t.TempDir(), "truth-api.jsonl")
	base := startJobsite(t, truthPath, "-jobs", jobs, "-style", "mixed", "-dup-rate", "0.15")

	site := jobsiteAPISite(base)
	if err := site.Validate(); err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t)
	start := time.Now()
	st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), site, nil)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)

	f, err := os.Open(truthPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var truth []truthJob
	var cards int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var j truthJob
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			t.Fatal(err)
		}
		if j.Type == "site" {
			cards = j.Cards
			continue
		}
		truth = append(truth, j)
	}
	if !st.Complete || st.Errors != 0 {
		t.Fatalf("run not complete: %+v", st)
	}
	if st.Postings != len(truth) || st.Postings+st.Duplicates != cards {
		t.Errorf("postings %d + duplicates %d; want %d unique jobs of %d cards", st.Postings, st.Duplicates, len(truth), cards)
	}

	fields := []string{"job_number", "title", "locations", "job_family", "team", "workplace_type", "employment_type",
		"date_posted", "valid_through", "salary", "description"}
	right := map[string]int{}
	var wrong []string
	for _, j := range truth {
		rec, err := ix.Get(context.Background(), index.RecordID(site.Name, j.JobNumber))
		if err != nil {
			wrong = append(wrong, fmt.Sprintf("job %s: %v", j.JobNumber, err))
			continue
		}
		emp := map[string]string{"FULL_TIME": "full_time", "PART_TIME": "part_time", "CONTRACTOR": "contract",
			"INTERN": "internship", "TEMPORARY": "temporary"}[j.EmploymentType]
		sal := ""
		if j.Salary != nil {
			sal = fmt.Sprintf("%v-%v %s %s", j.Salary.Min, j.Salary.Max, j.Salary.Currency, j.Salary.Period)
		}
		got := map[string][2]string{
			"job_number":      {rec.JobNumber, j.JobNumber},
			"title":           {rec.Title, j.Title},
			"locations":       {strings.Join(rec.Locations, "; "), strings.Join(j.Locations, "; ")},
			"job_family":      {rec.JobFamily, j.JobFamily},
			"team":            {rec.Team, j.Team},
			"workplace_type":  {rec.WorkplaceType, j.WorkplaceType},
			"employment_type": {rec.EmploymentType, emp},
			"date_posted":     {rec.DatePosted, j.DatePosted},
			"valid_through":   {rec.ValidThrough, j.ValidThrough},
			"description":     {rec.Description, j.Description},
		}
		if rec.SalaryMax > 0 {
			got["salary"] = [2]string{fmt.Sprintf("%v-%v %s %s", rec.SalaryMin, rec.SalaryMax, rec.SalaryCurrency, rec.SalaryPeriod), sal}
		} else {
			got["salary"] = [2]string{"", sal}
		}
		for _, fld := range fields {
			if got[fld][0] == got[fld][1] {
				right[fld]++
			} else if len(wrong) < 10 {
				wrong = append(wrong, fmt.Sprintf("job %s %s: got %q, want %q", j.JobNumber, fld, got[fld][0], got[fld][1]))
			}
		}
	}
	var report []string
	for _, fld := range fields {
		report = append(report, fmt.Sprintf("%s %d/%d", fld, right[fld], len(truth)))
	}
	t.Logf("jobsite /api/jobs: %d cards, %d unique jobs; crawled %d postings (%d duplicates merged) in %d list pages, %d requests, %s",
		cards, len(truth), st.Postings, st.Duplicates, st.Pages, st.Requests, elapsed.Round(time.Millisecond))
	t.Logf("fields equal to the truth: %s", strings.Join(report, ", "))
	for _, w := range wrong {
		t.Error(w)
	}
	if res := searchAll(t, ix); res.Total != len(truth) {
		t.Errorf("search finds %d open records, want %d", res.Total, len(truth))
	}
}
