package ats_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/extract/ats"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The fixtures are boards as each platform's API answers them (shapes from
// the platforms' documentation and recorded responses): a list response
// and, for the platforms with a detail request, the detail responses keyed
// by what the request names. Each is read into postings and compared with
// its golden file.
var fixtures = []struct {
	platform, list, details string
	apiURL                  string // the address the responses came from
}{
	{"greenhouse", "greenhouse_jobs.json", "greenhouse_details.json", "https://boards-api.greenhouse.io/v1/boards/vaulttec/jobs/1?pay_transparency=true"},
	{"lever", "lever_postings.json", "", "https://api.lever.co/v0/postings/leverdemo?mode=json"},
	{"ashby", "ashby_jobs.json", "", "https://api.ashbyhq.com/posting-api/job-board/ashby?includeCompensation=true"},
	{"smartrecruiters", "smartrecruiters_postings.json", "smartrecruiters_details.json", "https://api.smartrecruiters.com/v1/companies/BoschGroup/postings/"},
	{"workday", "workday_jobs.json", "workday_details.json", "https://autodesk.wd1.myworkdayjobs.com/wday/cxs/autodesk/Ext/job/x"},
	{"eightfold", "eightfold_search.json", "eightfold_details.json", "https://apply.careers.microsoft.com/api/pcsx/position_details?domain=microsoft.com"},
	{"eightfold-v2", "eightfold_v2_jobs.json", "eightfold_v2_details.json", "https://eaton.eightfold.ai/api/apply/v2/jobs/1?domain=eaton.com"},
}

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type golden struct {
	Total    int               `json:"total"`
	Skipped  int               `json:"skipped,omitempty"`
	Postings []extract.Posting `json:"postings"`
	Rejected []string          `json:"rejected,omitempty"`
}

func read(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.platform, func(t *testing.T) {
			pl, ok := ats.ByName(fx.platform)
			if !ok {
				t.Fatalf("no platform %q", fx.platform)
			}
			page, err := pl.List(read(t, fx.list))
			if err != nil {
				t.Fatal(err)
			}
			var details map[string]json.RawMessage
			if fx.details != "" {
				if err := json.Unmarshal(read(t, fx.details), &details); err != nil {
					t.Fatal(err)
				}
			}
			got := golden{Total: page.Total, Skipped: page.Skipped}
			for _, it := range page.Items {
				var detail map[string]any
				if details != nil {
					raw, ok := details[it.Key]
					if !ok {
						t.Fatalf("no detail for %q", it.Key)
					}
					if detail, err = pl.Detail(raw); err != nil {
						t.Fatal(err)
					}
				}
				p, err := pl.Posting(it, detail, extract.Options{URL: fx.apiURL, Now: now, Company: "Fallback Co"})
				if err != nil {
					got.Rejected = append(got.Rejected, err.Error())
					continue
				}
				got.Postings = append(got.Postings, p)
			}
			b, _ := json.MarshalIndent(got, "", "  ")
			b = append(b, '\n')
			path := filepath.Join("testdata", strings.TrimSuffix(fx.list, ".json")+".golden.json")
			if *update {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./extract/ats -update to write it)", err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("%s differs from what the fixture reads as; got:\n%s", path, b)
			}
		})
	}
}

// TestFields checks, platform by platform, the fields that are easy to get
// wrong, independently of the golden files.
func TestFields(t *testing.T) {
	postings := map[string]map[string]extract.Posting{}
	for _, fx := range fixtures {
		pl, _ := ats.ByName(fx.platform)
		page, err := pl.List(read(t, fx.list))
		if err != nil {
			t.Fatal(err)
		}
		var details map[string]json.RawMessage
		if fx.details != "" {
			json.Unmarshal(read(t, fx.details), &details)
		}
		postings[fx.platform] = map[string]extract.Posting{}
		for _, it := range page.Items {
			var detail map[string]any
			if details != nil {
				detail, _ = pl.Detail(details[it.Key])
			}
			p, err := pl.Posting(it, detail, extract.Options{URL: fx.apiURL, Now: now})
			if err == nil {
				postings[fx.platform][p.JobNumber] = p
			}
		}
	}
	cases := []struct {
		platform, job, field, want string
		got                        func(p extract.Posting) any
	}{
		// the documentation's example: content escaped twice, offices in a hierarchy
		{"greenhouse", "127817", "description", "This is the job description. Any HTML included through the hosted job application editor will be automatically converted into corresponding HTML entities.", func(p extract.Posting) any { return p.Description }},
		{"greenhouse", "127817", "locations", "[New York, NY, United States]", func(p extract.Posting) any { return p.Locations }},
		{"greenhouse", "127817", "alt_ids", "[50]", func(p extract.Posting) any { return p.AltIDs }},
		{"greenhouse", "127817", "date_posted", "2016-01-04", func(p extract.Posting) any { return p.DatePosted }},
		{"greenhouse", "4012345006", "team", "Payments Platform", func(p extract.Posting) any { return p.Team }},
		{"greenhouse", "4012345006", "department", "Engineering", func(p extract.Posting) any { return p.Department }},
		{"greenhouse", "4012345006", "employment_type (metadata)", "full_time", func(p extract.Posting) any { return p.EmploymentType }},
		{"greenhouse", "4012345006", "salary (pay transparency: the range of its first location)", "170000-220000 USD YEAR", salary},
		{"greenhouse", "4013300006", "salary (pay transparency, hourly)", "26-34 USD HOUR", salary},
		{"greenhouse", "4012345006", "qualifications", "[5+ years building backend services in Go or Java Experience with double-entry accounting systems]", func(p extract.Posting) any { return p.Qualifications }},
		{"greenhouse", "4012399006", "remote", "true", func(p extract.Posting) any { return p.Remote }},
		{"lever", "5ac21346-8e0c-4494-8e7a-3eb92ff77902", "salary", "150000-190000 USD YEAR", salary},
		{"lever", "5ac21346-8e0c-4494-8e7a-3eb92ff77902", "locations", "[San Francisco, CA, United States New York, NY, United States]", func(p extract.Posting) any { return p.Locations }},
		{"lever", "5ac21346-8e0c-4494-8e7a-3eb92ff77902", "date_posted", "2025-10-27", func(p extract.Posting) any { return p.DatePosted }},
		{"lever", "5ac21346-8e0c-4494-8e7a-3eb92ff77902", "qualifications", "[4+ years with Go, Java or Node.js Experience operating PostgreSQL]", func(p extract.Posting) any { return p.Qualifications }},
		{"lever", "b0a6c0e2-4f53-4a6a-9f0a-6c1f86a6f2b1", "locations (country code applied)", "[London, United Kingdom]", func(p extract.Posting) any { return p.Locations }},
		{"lever", "7e1e3f55-1c4b-4b21-9c5e-0f5e1c8d2a33", "salary", "24-28 USD HOUR", salary},
		{"lever", "c4d3e2f1-0a9b-4c8d-8e7f-6a5b4c3d2e1f", "workplace (unspecified)", "", func(p extract.Posting) any { return p.WorkplaceType }},
		{"lever", "f00dfeed-0000-4000-8000-000000000001", "company (none published)", "", func(p extract.Posting) any { return p.Company }},
		{"ashby", "57ecd675-e7ad-4fad-8b4a-29c62d07e645", "locations", "[Houston, Texas, United States San Francisco, California, United States]", func(p extract.Posting) any { return p.Locations }},
		{"ashby", "57ecd675-e7ad-4fad-8b4a-29c62d07e645", "salary (second tier component)", "81000-87000 USD YEAR", salary},
		{"ashby", "7458d4e9-da2e-47bd-98cb-adfda43d42b2", "workplace", "remote", func(p extract.Posting) any { return p.WorkplaceType }},
		{"ashby", "7458d4e9-da2e-47bd-98cb-adfda43d42b2", "salary", "150000-250000 EUR YEAR", salary},
		{"ashby", "d3c2b1a0-1111-4222-8333-444455556666", "description (plain only)", "Troubleshoot customer integrations for six months.", func(p extract.Posting) any { return p.Description }},
		{"ashby", "d3c2b1a0-1111-4222-8333-444455556666", "employment_type", "contract", func(p extract.Posting) any { return p.EmploymentType }},
		{"smartrecruiters", "744000012345601", "locations", "[Stuttgart, BW, Germany]", func(p extract.Posting) any { return p.Locations }},
		{"smartrecruiters", "744000012345601", "workplace", "hybrid", func(p extract.Posting) any { return p.WorkplaceType }},
		{"smartrecruiters", "744000012345601", "url (detail)", "https://jobs.smartrecruiters.com/BoschGroup/744000012345601-software-engineer-mfdiv-embedded-linux", func(p extract.Posting) any { return p.URL }},
		{"smartrecruiters", "744000012345601", "qualifications", "[Degree in a relevant field Fluent English, German is a plus]", func(p extract.Posting) any { return p.Qualifications }},
		{"smartrecruiters", "744000012345601", "alt_ids", "[REF2731W]", func(p extract.Posting) any { return p.AltIDs }},
		{"smartrecruiters", "744000012345604", "locations (remote)", "[Remote, India]", func(p extract.Posting) any { return p.Locations }},
		{"smartrecruiters", "744000012345606", "locations (country only)", "[Mexico]", func(p extract.Posting) any { return p.Locations }},
		{"workday", "24WD81528", "locations", "[Montreal, Quebec, Canada]", func(p extract.Posting) any { return p.Locations }},
		{"workday", "24WD81528", "date_posted (startDate)", "2024-09-24", func(p extract.Posting) any { return p.DatePosted }},
		{"workday", "25WD90001", "locations (additional)", "[San Francisco, CA, United States Remote, United States]", func(p extract.Posting) any { return p.Locations }},
		{"workday", "25WD90002", "workplace (remoteType object)", "remote", func(p extract.Posting) any { return p.WorkplaceType }},
		{"workday", "25WD90003", "locations (country apart)", "[Singapore]", func(p extract.Posting) any { return p.Locations }},
		{"workday", "25WD90005", "date_posted (list's relative date)", "2026-10-22", func(p extract.Posting) any { return p.DatePosted }},
		{"workday", "25WD90005", "job number (from the path)", "25WD90005", func(p extract.Posting) any { return p.JobNumber }},
		{"eightfold", "200012004", "locations (standardized)", "[Redmond, WA, United States Bellevue, WA, United States]", func(p extract.Posting) any { return p.Locations }},
		{"eightfold", "200012004", "alt_ids (position id)", "[1970393556869784]", func(p extract.Posting) any { return p.AltIDs }},
		{"eightfold", "200012004", "url", "https://apply.careers.microsoft.com/careers/job/1970393556869784", func(p extract.Posting) any { return p.URL }},
		{"eightfold", "200012004", "date_posted", "2026-05-27", func(p extract.Posting) any { return p.DatePosted }},
		{"eightfold", "1970393556860009", "url (relative positionUrl)", "https://apply.careers.microsoft.com/careers/job/1970393556860009", func(p extract.Posting) any { return p.URL }},
		{"eightfold", "1970393556860009", "locations (country first)", "[Tokyo, Tokyo, Japan]", func(p extract.Posting) any { return p.Locations }},
		{"eightfold-v2", "R41002", "department (business unit)", "Operations", func(p extract.Posting) any { return p.Department }},
		{"eightfold-v2", "R41000", "workplace", "remote", func(p extract.Posting) any { return p.WorkplaceType }},
	}
	for _, c := range cases {
		t.Run(c.platform+"/"+c.job+"/"+c.field, func(t *testing.T) {
			p, ok := postings[c.platform][c.job]
			if !ok {
				t.Fatalf("no posting %s", c.job)
			}
			got := strings.Trim(strings.ReplaceAll(toString(c.got(p)), "\n", " "), " ")
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	if _, ok := postings["ashby"]["2f0f5a8e-9a63-4b55-a1f2-3b3c7d3d9e01"]; ok {
		t.Error("ashby: an unlisted job was read")
	}
}

func salary(p extract.Posting) any {
	if p.SalaryMax == 0 {
		return ""
	}
	return toString(p.SalaryMin) + "-" + toString(p.SalaryMax) + " " + p.SalaryCurrency + " " + p.SalaryPeriod
}

func toString(v any) string {
	switch v := v.(type) {
	case []string:
		return "[" + strings.Join(v, " ") + "]"
	case float64:
		b, _ := json.Marshal(v)
		return string(b)
	case bool:
		if v {
			return "true"
		}
		return "false"
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		platform, body string
		shape          bool // a JSON document of the wrong shape, rather than no JSON at all
	}{
		{"greenhouse", `<html><body>502 Bad Gateway</body></html>`, false},
		{"greenhouse", `{"jobs": [{"id": 1, "title": "x"}`, false},
		{"greenhouse", `{"status": 404, "error": "Job not found"}`, true},
		{"greenhouse", `{"jobs": "none"}`, true},
		{"lever", `{"ok": false, "error": "Document not found"}`, true},
		{"lever", `[1, 2]`, true},
		{"ashby", `{"apiVersion": "1"}`, true},
		{"smartrecruiters", `{"totalFound": 3}`, true},
		{"workday", `{"errorCode": "HTTP_400", "message": "Bad request"}`, true},
		{"eightfold", `{"status": 403, "error": {"message": "PCSX is not enabled"}}`, true},
		{"eightfold-v2", `[]`, true},
	}
	for _, c := range cases {
		t.Run(c.platform+" "+c.body, func(t *testing.T) {
			pl, _ := ats.ByName(c.platform)
			_, err := pl.List([]byte(c.body))
			switch {
			case err == nil:
				t.Fatal("no error")
			case c.shape && !errors.Is(err, ats.ErrShape):
				t.Errorf("%v: want ErrShape", err)
			case !c.shape && !errors.Is(err, extract.ErrBadJSON):
				t.Errorf("%v: want ErrBadJSON", err)
			case !strings.HasPrefix(err.Error(), c.platform+":"):
				t.Errorf("%v: the error should name the platform", err)
			}
		})
	}
}

func TestEmptyBoard(t *testing.T) {
	for name, body := range map[string]string{
		"greenhouse":      `{"jobs": [], "meta": {"total": 0}}`,
		"lever":           `[]`,
		"ashby":           `{"apiVersion": "1", "jobs": []}`,
		"smartrecruiters": `{"offset": 0, "limit": 100, "totalFound": 0, "content": []}`,
		"workday":         `{"total": 0, "jobPostings": [], "facets": []}`,
		"eightfold":       `{"status": 200, "data": {"positions": [], "count": 0}}`,
		"eightfold-v2":    `{"positions": [], "count": 0}`,
	} {
		pl, _ := ats.ByName(name)
		page, err := pl.List([]byte(body))
		if err != nil || len(page.Items) != 0 {
			t.Errorf("%s: %d items, %v; want none and no error", name, len(page.Items), err)
		}
	}
}
