package ats_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract/ats"
)

const (
	guessNote = "board is the employer's domain as Eightfold knows it; %s is a guess from the host: check it against the domain= of the careers page's requests"
	v2Note    = `if a run fails with 403 "PCSX is not enabled", the tenant runs Eightfold's older interface: use platform: eightfold-v2`
)

func TestRecognize(t *testing.T) {
	cases := []struct {
		url                                    string
		platform, board, apiURL, name, company string
		notes                                  []string
	}{
		// Greenhouse: board pages, postings, the EU hosts, the embed, the API
		{"https://boards.greenhouse.io/vaulttec", "greenhouse", "vaulttec", "", "vaulttec", "Vaulttec", nil},
		{"https://job-boards.greenhouse.io/vaulttec/jobs/4012345006", "greenhouse", "vaulttec", "", "vaulttec", "Vaulttec", nil},
		{"https://boards.eu.greenhouse.io/acme-corp", "greenhouse", "acme-corp", "", "acme-corp", "Acme Corp", nil},
		{"https://job-boards.eu.greenhouse.io/acme/jobs/1?gh_src=x", "greenhouse", "acme", "", "acme", "Acme", nil},
		{"https://boards.greenhouse.io/embed/job_board?for=vaulttec", "greenhouse", "vaulttec", "", "vaulttec", "Vaulttec", nil},
		{"https://boards.greenhouse.io/embed/job_app?for=vaulttec&token=4012345006", "greenhouse", "vaulttec", "", "vaulttec", "Vaulttec", nil},
		{"https://boards-api.greenhouse.io/v1/boards/vaulttec/jobs?content=true", "greenhouse", "vaulttec", "", "vaulttec", "Vaulttec", nil},
		{"boards.greenhouse.io/vaulttec", "greenhouse", "vaulttec", "", "vaulttec", "Vaulttec", nil},
		{"  HTTPS://Boards.Greenhouse.IO/Vault_Tec  ", "greenhouse", "Vault_Tec", "", "vault-tec", "Vault Tec", nil},
		// Lever, and its EU instance
		{"https://jobs.lever.co/leverdemo", "lever", "leverdemo", "", "leverdemo", "Leverdemo", nil},
		{"https://jobs.lever.co/leverdemo/5ac21346-8e0c-4494-8e7a-3eb92ff77902/apply", "lever", "leverdemo", "", "leverdemo", "Leverdemo", nil},
		{"https://jobs.eu.lever.co/acme", "lever", "acme", "https://api.eu.lever.co", "acme", "Acme", nil},
		{"https://api.lever.co/v0/postings/leverdemo?mode=json", "lever", "leverdemo", "", "leverdemo", "Leverdemo", nil},
		{"https://api.eu.lever.co/v0/postings/acme", "lever", "acme", "https://api.eu.lever.co", "acme", "Acme", nil},
		// Ashby
		{"https://jobs.ashbyhq.com/ashby", "ashby", "ashby", "", "ashby", "Ashby", nil},
		{"https://jobs.ashbyhq.com/ashby/57ecd675-e7ad-4fad-8b4a-29c62d07e645", "ashby", "ashby", "", "ashby", "Ashby", nil},
		{"https://api.ashbyhq.com/posting-api/job-board/ashby?includeCompensation=true", "ashby", "ashby", "", "ashby", "Ashby", nil},
		// SmartRecruiters
		{"https://careers.smartrecruiters.com/BoschGroup", "smartrecruiters", "BoschGroup", "", "boschgroup", "Boschgroup", nil},
		{"https://jobs.smartrecruiters.com/BoschGroup/744000012345601-software-engineer", "smartrecruiters", "BoschGroup", "", "boschgroup", "Boschgroup", nil},
		{"https://api.smartrecruiters.com/v1/companies/BoschGroup/postings?offset=0", "smartrecruiters", "BoschGroup", "", "boschgroup", "Boschgroup", nil},
		// Workday: with and without a locale, a posting, the cxs API
		{"https://autodesk.wd1.myworkdayjobs.com/Ext", "workday", "autodesk.wd1/Ext", "", "autodesk", "Autodesk", nil},
		{"https://autodesk.wd1.myworkdayjobs.com/en-US/Ext", "workday", "autodesk.wd1/Ext", "", "autodesk", "Autodesk", nil},
		{"https://autodesk.wd1.myworkdayjobs.com/en-US/Ext/job/Montreal-QC-CAN/Senior_24WD81528", "workday", "autodesk.wd1/Ext", "", "autodesk", "Autodesk", nil},
		{"https://autodesk.wd1.myworkdayjobs.com/Ext/job/Montreal-QC-CAN/Senior_24WD81528?source=x", "workday", "autodesk.wd1/Ext", "", "autodesk", "Autodesk", nil},
		{"https://autodesk.wd1.myworkdayjobs.com/wday/cxs/autodesk/Ext/jobs", "workday", "autodesk.wd1/Ext", "", "autodesk", "Autodesk", nil},
		{"https://Big-Co.WD103.myworkdayjobs.com/fr-FR/Careers_Site", "workday", "big-co.wd103/Careers_Site", "", "big-co", "Big Co", nil},
		// Eightfold: Microsoft's hosts, a tenant's, its domain given or guessed
		{"https://apply.careers.microsoft.com/careers?query=engineer", "eightfold", "microsoft.com", "", "microsoft", "Microsoft", []string{v2Note}},
		{"https://jobs.careers.microsoft.com/global/en/job/200012004", "eightfold", "microsoft.com", "https://apply.careers.microsoft.com", "microsoft", "Microsoft", []string{v2Note}},
		{"https://careers.microsoft.com/", "eightfold", "microsoft.com", "https://apply.careers.microsoft.com", "microsoft", "Microsoft", []string{v2Note}},
		{"https://eaton.eightfold.ai/careers?domain=eaton.com", "eightfold", "eaton.com", "", "eaton", "Eaton", []string{v2Note}},
		{"https://acme.eightfold.ai/careers/job/123", "eightfold", "acme.com", "", "acme", "Acme",
			[]string{strings.Replace(guessNote, "%s", "acme.com", 1), v2Note}},
		{"https://acme.eightfold.ai/api/pcsx/search?domain=acme.co.uk&start=0", "eightfold", "acme.co.uk", "", "acme", "Acme", []string{v2Note}},
		// not a board
		{"https://example.com/careers", "", "", "", "", "", nil},
		{"https://greenhouse.io/", "", "", "", "", "", nil},
		{"https://boards.greenhouse.io/", "", "", "", "", "", nil},
		{"https://boards.greenhouse.io/embed/job_board", "", "", "", "", "", nil},
		{"https://jobs.lever.co", "", "", "", "", "", nil},
		{"https://api.lever.co/v1/postings/acme", "", "", "", "", "", nil},
		{"https://api.ashbyhq.com/other/acme", "", "", "", "", "", nil},
		{"https://api.smartrecruiters.com/v1/users/x", "", "", "", "", "", nil},
		{"https://autodesk.wd1.myworkdayjobs.com/", "", "", "", "", "", nil},
		{"https://autodesk.wd1.myworkdayjobs.com/en-US", "", "", "", "", "", nil},
		{"https://autodesk.wd1.myworkdayjobs.com/wday/cxs/autodesk", "", "", "", "", "", nil},
		{"https://autodesk.myworkdayjobs.com/Ext", "", "", "", "", "", nil},
		{"https://www.eightfold.ai/careers", "", "", "", "", "", nil},
		{"https://app.eightfold.ai/", "", "", "", "", "", nil},
		{"https://microsoft.com/careers", "", "", "", "", "", nil},
		{"", "", "", "", "", "", nil},
		{"not a url", "", "", "", "", "", nil},
		{"http://[::1", "", "", "", "", "", nil},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			b, a, ok := ats.Recognize(c.url)
			if c.platform == "" {
				if ok {
					t.Errorf("recognised as %s %q", a.Name(), b.Board)
				}
				return
			}
			if !ok {
				t.Fatal("not recognised")
			}
			if a.Name() != c.platform || b.Platform != c.platform || b.Board != c.board || b.APIURL != c.apiURL {
				t.Errorf("got %s (adapter %s) board %q api_url %q; want %s %q %q", b.Platform, a.Name(), b.Board, b.APIURL, c.platform, c.board, c.apiURL)
			}
			if b.Name != c.name || b.Company != c.company {
				t.Errorf("name %q, company %q; want %q, %q", b.Name, b.Company, c.name, c.company)
			}
			if want := "the URL of " + ats.ABoard(c.platform); b.How != want {
				t.Errorf("how %q, want %q", b.How, want)
			}
			if !slices.Equal(b.Notes, c.notes) {
				t.Errorf("notes %q, want %q", b.Notes, c.notes)
			}
			// what is proposed opens, Workday's cxs path excepted
			if _, err := a.Open(b); err != nil {
				t.Errorf("the proposed board does not open: %v", err)
			}
		})
	}
}

func TestRecognizePage(t *testing.T) {
	const page = `<html><head><script src="https://static.vscdn.net/eightfold/app.js"></script>
<script>window.__CONFIG__ = {"domain": "contoso.com", "brand": "Contoso"}</script></head></html>`
	b, a, ok := ats.RecognizePage("https://careers.contoso.com/careers?start=0", []byte(page))
	if !ok {
		t.Fatal("an Eightfold site on the employer's host was not recognised")
	}
	want := ats.Board{Platform: "eightfold", Board: "contoso.com", APIURL: "https://careers.contoso.com", Name: "contoso", Company: "Contoso",
		How: "the page (https://careers.contoso.com/careers?start=0) is an Eightfold career site", Notes: []string{v2Note}}
	if a.Name() != "eightfold" || b.Platform != want.Platform || b.Board != want.Board || b.APIURL != want.APIURL ||
		b.Name != want.Name || b.Company != want.Company || b.How != want.How || !slices.Equal(b.Notes, want.Notes) {
		t.Errorf("got %+v\nwant %+v", b, want)
	}
	for name, body := range map[string]string{
		"no Eightfold": `<script>var cfg = {"domain": "contoso.com"}</script>`,
		"no domain":    `<script src="https://static.eightfold.ai/app.js"></script>`,
	} {
		if b, _, ok := ats.RecognizePage("https://careers.contoso.com/", []byte(body)); ok {
			t.Errorf("%s: recognised as %+v", name, b)
		}
	}
}

func TestFindBoardURLs(t *testing.T) {
	page := `<html><body>
<a href="https://boards.greenhouse.io/vaulttec">Jobs</a>
<iframe src="https://boards.greenhouse.io/embed/job_board?for=vaulttec&amp;b=https%3A%2F%2Fvault.example"></iframe>
<script>var cfg = {"board": "https:\/\/jobs.lever.co\/leverdemo", 'x': 'https://jobs.ashbyhq.com/ashby'};</script>
<a href='HTTPS://autodesk.wd1.myworkdayjobs.com/en-US/Ext'>Workday</a> (https://acme.eightfold.ai/careers)
<a href="https://careers.smartrecruiters.com/BoschGroup">SR</a>
<a href="https://example.com/careers">elsewhere</a>
</body></html>`
	got := ats.FindBoardURLs([]byte(page))
	want := []string{
		"https://boards.greenhouse.io/vaulttec",
		"https://boards.greenhouse.io/embed/job_board?for=vaulttec&b=https%3A%2F%2Fvault.example",
		"https://jobs.lever.co/leverdemo",
		"https://jobs.ashbyhq.com/ashby",
		"HTTPS://autodesk.wd1.myworkdayjobs.com/en-US/Ext",
		"https://acme.eightfold.ai/careers",
		"https://careers.smartrecruiters.com/BoschGroup",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	var boards []string
	for _, u := range got {
		if b, _, ok := ats.Recognize(u); ok {
			boards = append(boards, b.Platform+" "+b.Board)
		}
	}
	wantBoards := []string{"greenhouse vaulttec", "greenhouse vaulttec", "lever leverdemo", "ashby ashby", "workday autodesk.wd1/Ext",
		"eightfold acme.com", "smartrecruiters BoschGroup"}
	if !slices.Equal(boards, wantBoards) {
		t.Errorf("boards %q\nwant %q", boards, wantBoards)
	}
}

func TestRegistry(t *testing.T) {
	var names []string
	for _, a := range ats.Registry {
		names = append(names, a.Name())
	}
	if want := []string{"greenhouse", "lever", "ashby", "smartrecruiters", "workday", "eightfold", "eightfold-v2", "sitemap", "json"}; !slices.Equal(names, want) {
		t.Errorf("registry %q, want %q", names, want)
	}
	if got := ats.PlatformNames(); !slices.Equal(got, names[:7]) {
		t.Errorf("platforms %q", got)
	}
	for in, want := range map[string]string{"Acme Corp.": "acme-corp", "  BoschGroup ": "boschgroup", "Acme & Sons": "acme-sons", "--": ""} {
		if got := ats.SiteName(in); got != want {
			t.Errorf("SiteName(%q) = %q, want %q", in, got, want)
		}
	}
	// every parser is a platform of the registry, under its name
	for _, p := range ats.All {
		a, ok := ats.LookupPlatform(p.Name())
		if !ok || a.Name() != p.Name() {
			t.Errorf("parser %s has no platform in the registry", p.Name())
		}
	}
	for _, name := range []string{"sitemap", "json"} {
		if _, ok := ats.Lookup(name); !ok {
			t.Errorf("no %s entry", name)
		}
		if _, ok := ats.LookupPlatform(name); ok {
			t.Errorf("%s is not a platform", name)
		}
	}
	if _, ok := ats.Lookup("taleo"); ok {
		t.Error("taleo found")
	}
	for name, want := range map[string]string{"greenhouse": "a Greenhouse board", "ashby": "an Ashby board", "eightfold-v2": "an Eightfold board",
		"smartrecruiters": "a SmartRecruiters board"} {
		if got := ats.ABoard(name); got != want {
			t.Errorf("ABoard(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestKindAndKey(t *testing.T) {
	for k, want := range map[ats.Kind]string{ats.KindList: "list", ats.KindDetail: "detail", ats.KindSitemap: "sitemap", ats.KindPage: "page", 0: "Kind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	get := &ats.Request{URL: "https://x.example/a"}
	post := &ats.Request{Method: "POST", URL: "https://x.example/a", Body: []byte(`{"offset":0}`)}
	post2 := &ats.Request{Method: "POST", URL: "https://x.example/a", Body: []byte(`{"offset":20}`)}
	if get.Key() != "GET https://x.example/a" || post.Key() == post2.Key() || !strings.HasPrefix(post.Key(), "POST https://x.example/a ") {
		t.Errorf("keys %q %q %q", get.Key(), post.Key(), post2.Key())
	}
}
