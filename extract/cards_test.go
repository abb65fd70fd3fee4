package extract

import (
	"bytes"
	"math/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// jobIDFromLinkBefore is jobIDFromLink as it was before it skipped
// segments, kept to compare against.
func jobIDFromLinkBefore(u *url.URL) string {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	jobPath := false
	id := ""
	for _, seg := range segs {
		seg = pageExt.ReplaceAllString(seg, "")
		wordy := hasJobStem(seg)
		var m []string
		if wordy {
			m = jobWordID.FindStringSubmatch(seg)
		}
		if m != nil && ValidJobNumber(m[1]) {
			id, jobPath = m[1], true
			continue
		}
		if jobPath {
			switch {
			case urlIDPath.MatchString(seg) && ValidJobNumber(seg):
				id = seg
			case urlIDLead.MatchString(seg):
				id = urlIDLead.FindStringSubmatch(seg)[1]
			case slugID.MatchString(seg):
				id = trailingID(seg)
			}
		}
		if wordy && jobWord.MatchString(seg) {
			jobPath = true
		}
	}
	if id != "" {
		return id
	}
	for _, kv := range queryPairs(u) {
		if !urlIDParam.MatchString(kv[0]) || (strings.EqualFold(kv[0], "id") && !jobPath) {
			continue
		}
		if ValidJobNumber(kv[1]) {
			return kv[1]
		}
	}
	return ""
}

// TestJobIDFromLink compares jobIDFromLink with jobIDFromLinkBefore on
// links of result pages and on random paths and queries.
func TestJobIDFromLink(t *testing.T) {
	links := []string{
		"/careers/job/381792/senior-logistics-specialist?src=similar", "/careers/apply/461184", "/careers/search",
		"/jobs/322695", "/job-details/89567-some-title-job", "/jobs/view/some-title-3943870863", "/job-007-927-304.html",
		"/en/jobs/R-12345", "/Jobs/Senior-Strategy-Manager_24WD81528", "/search?jobId=123456", "/p?id=4242",
		"/jobs?id=4242", "/careers/job/abcdefab-abcd-abcd-abcd-abcdefabcdef", "/careers/job/0000", "/posting/٣٣٣٣٣",
		"/vacancy_12345.aspx", "/JOB-12A4.HTML", "/jobs/2026-11-03", "/opportunities/12345/", "/req/12345-x/",
	}
	segs := []string{"jobs", "job", "careers", "Career", "position", "vacancy", "req", "job-12345", "posting_ab12",
		"12345", "2026-11-03", "1234-title", "title-123456", "title_24WD81528", "abc", "view", ".html", ".aspx", ".",
		"stellenangebote", "offres", "jobſ", "%2F", "%4A", "٣٣٣٣", "-", "_", "opportunity"}
	queries := []string{"", "id=12345", "jobId=12345", "gh_jid=4242", "ID=77", "req_id=ab12", "%69d=5", "x=1&id=9", "id=%zz"}
	rng := rand.New(rand.NewSource(4))
	for range 30000 {
		var b strings.Builder
		for range rng.Intn(5) {
			b.WriteString("/")
			for range 1 + rng.Intn(2) {
				b.WriteString(segs[rng.Intn(len(segs))])
			}
		}
		if q := queries[rng.Intn(len(queries))]; q != "" {
			b.WriteString("?" + q)
		}
		links = append(links, b.String())
	}
	for _, l := range links {
		u, err := url.Parse(l)
		if err != nil {
			continue
		}
		if got, want := jobIDFromLink(u), jobIDFromLinkBefore(u); got != want {
			t.Errorf("jobIDFromLink(%q) = %q, want %q", l, got, want)
		}
	}
}

// TestIsJobWord compares isJobWord with jobWord on path segments.
func TestIsJobWord(t *testing.T) {
	pieces := []string{"job", "jobs", "Careers", "position", "vacanc", "y", "ies", "opening", "posting", "req", "s",
		"stellen", "angebot", "e", "offre", "empleo", "vaga", "vacature", "opportunit", "-", "_", ".", "x", "ſ", "\u212a", "é"}
	segs := []string{"", "job", "JOBS", "job-details", "myjob", "jobs.html", "stellenangebote", "x.careers_", "reqs-1"}
	rng := rand.New(rand.NewSource(6))
	for range 50000 {
		var b strings.Builder
		for range rng.Intn(5) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		segs = append(segs, b.String())
	}
	for _, s := range segs {
		if got, want := isJobWord(s), jobWord.MatchString(s); got != want {
			t.Errorf("isJobWord(%q) = %v, want %v", s, got, want)
		}
		want := false
		for _, w := range jobStems {
			want = want || containsFold(s, w)
		}
		if got := hasJobStem(s); got != want {
			t.Errorf("hasJobStem(%q) = %v, want %v", s, got, want)
		}
	}
}

// BenchmarkCardPostings reads the cards of the listing benchmark page.
func BenchmarkCardPostings(b *testing.B) {
	raw, err := os.ReadFile("testdata/bench_pages/bench_listing.html")
	if err != nil {
		b.Fatal(err)
	}
	root, err := html.Parse(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{URL: "https://jobs.contoso.example/careers/search?pg=1", Now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	base, _ := url.Parse(opts.URL)
	sc := scanPage(root)
	if n := len(sc.cards(base)); n != 20 {
		b.Fatalf("%d cards, want 20", n)
	}
	b.Run("cards", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			sc.cards(base)
		}
	})
	cards := sc.cards(base)
	b.Run("postings", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			cardPostings(cards, opts)
		}
	})
}

// TestIsURLIDPath compares isURLIDPath with urlIDPath.
func TestIsURLIDPath(t *testing.T) {
	pieces := []string{"R", "JR", "abcdef", "ab", "-", "_", "1234", "12", "5", "x", "X7", "é", "٣", "deadbeef", "0a1b",
		"0a1b2c3d4e5f", "AB", "."}
	segs := []string{"", "322695", "R-12345", "JR-2026-X7", "abcdef1234", "abcde1234", "1234-", "-1234", "1234_ab",
		"123", "12345678-1234-1234-1234-123456789abc", "12345678-1234-1234-1234-123456789ABC", "1234-ab-cd"}
	rng := rand.New(rand.NewSource(8))
	for range 50000 {
		var b strings.Builder
		for range rng.Intn(6) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		segs = append(segs, b.String())
	}
	for range 2000 { // UUID-shaped
		b := []byte("0123abcd-0123-abcd-0123-0123456789ab")
		b[rng.Intn(len(b))] = "0aF-g9"[rng.Intn(6)]
		segs = append(segs, string(b))
	}
	for _, s := range segs {
		if got, want := isURLIDPath(s), urlIDPath.MatchString(s); got != want {
			t.Errorf("isURLIDPath(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestJobIDAttrsAreData checks what hasDataAttr relies on.
func TestJobIDAttrsAreData(t *testing.T) {
	for _, k := range jobIDAttrs {
		if !strings.HasPrefix(k, "data-") {
			t.Errorf("%q is no data attribute: hasDataAttr would skip it", k)
		}
	}
}
