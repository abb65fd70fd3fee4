package crawler_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/extract"
)

// TestSiteValidateReportsEveryProblem: Validate does not stop at the first
// problem; each names its key, relative to the site.
func TestSiteValidateReportsEveryProblem(t *testing.T) {
	s := crawler.Site{
		Name:      "Bad Name",
		StartURLs: []string{"https://ok.example/", "ftp://x.example/"},
		Fields:    extract.Rules{"title": {Selector: "h1["}},
		Timezone:  "Mars/Olympus",
		Limits:    crawler.Limits{Parallelism: -1, Breaker: crawler.Breaker{Pause: -1}},
	}
	err := s.Validate()
	var ve crawler.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %T %v, want a crawler.ValidationError", err, err)
	}
	var keys []string
	for _, fe := range ve {
		keys = append(keys, fe.Key)
	}
	want := []string{"name", "start_urls[1]", "pagination", "job_links", "fields.title.selector", "timezone",
		"limits.parallelism", "limits.breaker.pause"}
	if !slices.Equal(keys, want) {
		t.Errorf("got keys %q, want %q\n%v", keys, want, err)
	}
	var fe *crawler.FieldError
	if !errors.As(err, &fe) || fe.Key != "name" {
		t.Errorf("errors.As FieldError: got %v, want the first problem (name)", fe)
	}
}

// TestSiteValidateOneProblemReadsAsBefore: with one problem, the error's
// text is that problem's, "key: what is wrong".
func TestSiteValidateOneProblemReadsAsBefore(t *testing.T) {
	cases := []struct {
		name string
		site crawler.Site
		want string
	}{
		{"pagination", crawler.Site{Name: "a", StartURLs: []string{"https://a.example/"}, JobLinks: "a"},
			"pagination: set next or page_param"},
		{"name", crawler.Site{StartURLs: []string{"https://a.example/"}, JobLinks: "a", Pagination: crawler.Pagination{Next: "a"}},
			"name: missing"},
		{"source", crawler.Site{Name: "a", Source: "rss"}, `source: "rss" is not html, json or sitemap`},
		{"valid", crawler.Site{Name: "a", StartURLs: []string{"https://a.example/"}, JobLinks: "a",
			Pagination: crawler.Pagination{PageParam: "pg"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.site.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
