package extract

import (
	"math/rand"
	"strings"
	"testing"
)

// TestLineScreen checks that the screens never turn away a line their
// expression matches, on the expressions' own phrases and random lines
// built from their words, separators, case and folding tricks.
func TestLineScreen(t *testing.T) {
	pieces := []string{"apply", "apply now", "apply for this job", "apply to the role", "apply online", "apply here",
		"easy apply", "quick apply", "start your application", "start application", "submit application",
		"submit your application", "bewerben", "jetzt bewerben", "online bewerben", "postuler", "postuler maintenant",
		"candidater", "candidatar", "candidatarse", "postularme", "solliciteer", "申请职位", "立即申请", "申请", "応募する",
		"share", "share this job", "share on linkedin", "share this position on xing", "share via email", "tweet",
		"tweet this", "email a friend", "email to a friend", "send to a friend", "email this job", "copy link",
		"copy job link", "print", "print this job", "save", "save this job", "saved", "bookmark", "back",
		"back to search results", "back to the jobs", "back to listings", "prev", "previous job", "next posting",
		"job 3 of 1,200", "previous job » job 3 of 12 » next", "follow us", "linkedin", "facebook", "twitter", "xing",
		"instagram", "refer a friend", "not the right fit?", "view all jobs", "see all jobs", "similar jobs",
		"apply later", "x", "job", "of", "12", "·", " ", " ", ":", "»", "-", "_", "\t", "(", ")", "é", "ſ", "\u212a",
		"APPLY", "Share", "Next", "JOB", "hare", "pply", "s", "k", "a", "1", "the", "Senior engineer", "\xff"}
	cases := append([]string{}, pieces...)
	rng := rand.New(rand.NewSource(3))
	for range 200000 {
		var b strings.Builder
		for range rng.Intn(5) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	screened := 0
	for _, c := range cases {
		for _, e := range []struct {
			screen lineScreen
			re     *filteredRegexp
		}{{applyFirst, applyText}, {chromeFirst, chromeLine}} {
			if !e.screen.mayMatch(c) {
				screened++
				if e.re.MatchString(c) {
					t.Errorf("the screen turns away %q, which %s matches", c, e.re)
				}
			}
		}
	}
	if screened < len(cases)/2 {
		t.Errorf("the screens turned away %d of %d lines, want most", screened, 2*len(cases))
	}
}

// TestDescClassASCII checks the hand matcher of description class names
// against descClass on real and random class attributes.
func TestDescClassASCII(t *testing.T) {
	pieces := []string{"job", "position", "posting", "vacancy", "description", "details", "body", "jd", "content",
		"info", "-", "_", " ", "  ", "\t", "\n", "\v", "\f", "\r", ".", "x", "Job", "DESCRIPTION", "Details", "JD",
		"desc", "descr", "detail", "ſ", "\u212a", "é", "\xff", "1", "main", "col-md-8"}
	cases := []string{"job-description", "jobDescription", "job_details", "job-details col", "jd-info", "x jd_body y",
		"posting-body", "description", "position-description\tx", "job.description", "job-description-x"}
	rng := rand.New(rand.NewSource(5))
	for range 200000 {
		var b strings.Builder
		for range 1 + rng.Intn(6) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	matched := 0
	for _, c := range cases {
		want := descClass.MatchString(c)
		if m, ok := descClassASCII(c); ok && m != want {
			t.Fatalf("descClassASCII(%q) = %v, want %v", c, m, want)
		}
		if got := descLike(c); got != (len(c) >= 2 && want) {
			t.Fatalf("descLike(%q) = %v, want %v", c, got, want)
		}
		if want {
			matched++
		}
	}
	if matched < 1000 {
		t.Errorf("only %d of %d texts match: the test says little", matched, len(cases))
	}
}

// TestSplitIDsSeparator checks splitIDs' hand split against idSeparator.
func TestSplitIDsSeparator(t *testing.T) {
	pieces := []string{"322695", "R-1", " ", ",", ";", "|", "\t", "\n", "\v", "\f", "\r", "\u00a0", "#", ":", "(", ")",
		"é", "\xff", "JR 12", "x"}
	rng := rand.New(rand.NewSource(6))
	for range 100000 {
		var b strings.Builder
		for range rng.Intn(8) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		s := b.String()
		var want []string
		for _, f := range idSeparator.Split(cleanString(s), -1) {
			if f = strings.Trim(f, "#:()[]"); f != "" {
				want = append(want, f)
			}
		}
		if got := splitIDs(s); strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
			t.Fatalf("splitIDs(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestContainsFold checks containsFold against a test at every place.
func TestContainsFold(t *testing.T) {
	naive := func(s, sub string) bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if hasPrefixFoldString(s[i:], sub) {
				return true
			}
		}
		return false
	}
	pieces := []string{"c", "C", "o", "O", "k", "cookie", "COOKIE", "Cook", "no longer", "No", " ", "é", "\xff", "-", "1"}
	subs := []string{"", "c", "cookie", "no longer", "-", "1", "ok"}
	rng := rand.New(rand.NewSource(8))
	for range 100000 {
		var b strings.Builder
		for range rng.Intn(8) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		s := b.String()
		for _, sub := range subs {
			if got, want := containsFold(s, sub), naive(s, sub); got != want {
				t.Fatalf("containsFold(%q, %q) = %v, want %v", s, sub, got, want)
			}
		}
	}
}
