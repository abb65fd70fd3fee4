package extract

import (
	"math/rand"
	"strings"
	"testing"
)

// TestClassHint checks the hand matcher against the class expressions on
// real class names and on random ones built from their words, separators
// and case and folding tricks.
func TestClassHint(t *testing.T) {
	cases := []string{
		"", "job-title", "job-posted", "job-meta", "job-location", "job-family", "job-card", "more-locations",
		"jobTitle", "JobTitle", "job_title", "subtitle", "job-subtitle", "title", "Title ", "position-name",
		"company", "company-name", "companyname", "companyName", "companies", "hiring-org", "hiringOrg",
		"hiring-orgname", "firm", "firmly", "organisation", "ORGANIZATION", "xcompany", "employer_logo",
		"loc", "location", "city", "cityscape", "place", "address", "region", "regions", "date", "updated",
		"posted", "time", "timeago", "ago", "age", "page", "agency", "employment", "schedule", "job-type",
		"jobtype", "type", "hours", "work-hours", "typed", "name", "names", "jobname", "job--title",
		"poſition", "compaſny", "\u212aind", "ca\xffmpany", "tıtle", "job\ttitle", "job\vtitle", "job\ftitle",
	}
	pieces := []string{"job", "title", "name", "position", "company", "companies", "employer", "organisation",
		"organization", "hiring", "org", "firm", "loc", "location", "city", "place", "address", "region",
		"date", "posted", "time", "ago", "age", "employment", "schedule", "type", "hours", "sub", "subtitle",
		"-", "_", " ", "\t", "\n", "\v", "\r", "\f", "x", "s", "a", "ſ", "\u212a", "é", "\xff", "JOB", "Title", "TYPE"}
	rng := rand.New(rand.NewSource(1))
	for range 50000 {
		var b strings.Builder
		for range rng.Intn(6) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		if got, want := classHint(c), classHintRegexp(c); got != want {
			t.Errorf("classHint(%q) = %d, want %d", c, got, want)
		}
	}
}
