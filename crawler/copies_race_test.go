package crawler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/jobcrawl/jobcrawl/crawler"
	"github.com/jobcrawl/jobcrawl/index"
)

// TestCopiesOnConcurrentPages crawls an API whose pages, fetched in
// parallel, list the same few jobs again and again under different URLs:
// a copy decided while another copy of its job is being decided on a page
// fetched at the same moment must find that copy's record (this once
// failed with "read back …: record not found" when the second copy was
// decided between the first's decision and its write).
func TestCopiesOnConcurrentPages(t *testing.T) {
	const pages, perPage, jobs = 60, 10, 61
	// card i (on page i/perPage) shows job jobOf(i): every page a different
	// mix of the same 61 jobs, none the first page again
	jobOf := func(i int) string { return fmt.Sprintf("J-%d", ((i%perPage)*5+(i/perPage)*11)%jobs) }
	pagesOf := map[string]map[int]bool{}
	for i := range pages * perPage {
		if pagesOf[jobOf(i)] == nil {
			pagesOf[jobOf(i)] = map[int]bool{}
		}
		pagesOf[jobOf(i)][i/perPage] = true
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var items []map[string]any
		for i := off; i < min(off+perPage, pages*perPage); i++ {
			num := jobOf(i)
			items = append(items, map[string]any{
				"id": num, "title": "Engineer " + num,
				"url":  fmt.Sprintf("http://%s/p%d/jobs/%s", r.Host, i/perPage, num),
				"city": fmt.Sprintf("City %d", i%13),
			})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"total": pages * perPage, "jobs": items})
	}))
	defer srv.Close()

	for round := range 5 {
		site := &crawler.Site{Name: "copies", Source: "json", JSON: &crawler.JSONSource{
			URL:    srv.URL + "/api/jobs?offset={offset}&limit={limit}",
			Items:  "jobs",
			Paging: crawler.JSONPaging{Style: "offset", Limit: perPage, Total: "total"},
			Fields: map[string]string{"job_number": "id", "title": "title", "url": "url", "locations": "city"},
		}, Limits: crawler.Limits{Parallelism: 8}}
		if err := site.Validate(); err != nil {
			t.Fatal(err)
		}
		ix := openIndex(t)
		st, err := (&crawler.Crawler{Index: ix}).Run(context.Background(), site, nil)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !st.Complete || st.Postings != jobs || st.Postings+st.Duplicates != pages*perPage {
			t.Fatalf("round %d: postings %d, duplicates %d, complete %v; want %d jobs of %d cards\n%+v",
				round, st.Postings, st.Duplicates, st.Complete, jobs, pages*perPage, st)
		}
		for j := range jobs {
			num := fmt.Sprintf("J-%d", j)
			rec, err := ix.Get(context.Background(), index.RecordID(site.Name, num))
			if err != nil {
				t.Fatalf("round %d: %s: %v", round, num, err)
			}
			// every copy's page is kept: one per result page that listed it
			if want := len(pagesOf[num]); len(rec.URLs) != want {
				t.Errorf("round %d: %s keeps %d URLs; want %d, one per page listing it", round, num, len(rec.URLs), want)
			}
		}
	}
}
