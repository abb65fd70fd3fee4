package ats

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// This file is the registry: one entry (an Adapter) per source of postings
// that is not a site's own HTML pages. Each entry, in its own file, owns
// how it recognises a URL, which requests its API answers and how its
// pages follow each other, and how it reads the answers; nothing outside
// an entry's file tells the entries apart by name.

// An Adapter is one registry entry.
type Adapter interface {
	// Name is the entry's name in config.yaml: the platform: of a
	// platform ("greenhouse"), else the source: ("sitemap", "json").
	Name() string
	// Title is its name for people ("Greenhouse", "SmartRecruiters").
	Title() string
	// Recognize tells whether u is a board page, a posting, or an API
	// address of this platform, and proposes the site that reads it
	// (Board's Platform, Board, APIURL, Name, Company, How, Notes). It
	// makes no request. Sources that are no platform recognise nothing.
	Recognize(u *url.URL) (Board, bool)
	// Open checks the settings b gives this entry and builds its source.
	// Errors name the config key at fault ("board: …", "page_size: …",
	// "api_url: …", "json.paging.style: …", "sitemap.match: …").
	Open(b Board) (Source, error)
}

// A PageRecognizer is an Adapter that can also tell its sites by their
// pages' content (an Eightfold career site on the employer's own host).
type PageRecognizer interface {
	// RecognizePage tells whether body, the page served at pageURL (after
	// redirects), belongs to this platform, and proposes the site.
	RecognizePage(pageURL *url.URL, body []byte) (Board, bool)
}

// Board is the settings of one source, as config.yaml gives them (and as
// Recognize proposes them).
type Board struct {
	// Platform, Board, APIURL and PageSize are a platform site's settings
	// (platform: greenhouse, board: acme): the platform's name, the board's
	// identifier on it (Workday: TENANT.wdN/SITE; Eightfold: the employer's
	// domain), the API's address when not the platform's own, and the page
	// size when not the platform's default.
	Platform string
	Board    string
	APIURL   string
	PageSize int

	// JSON describes a careers JSON API (source: json).
	JSON *JSONSpec

	// Sitemaps are the sitemaps or sitemap indexes to read (source:
	// sitemap), Match a regular expression the posting URLs among their
	// URLs match ("" all).
	Sitemaps []string
	Match    string
	// Canonical, when set, turns a URL found in a sitemap (ref, relative
	// to the sitemap's URL base) into the crawler's canonical form, "" for
	// none to follow; Match is tried on that form. Nil resolves ref against
	// base and keeps http(s) URLs as they are.
	Canonical func(base *url.URL, ref string) string

	// What Recognize proposes besides the settings: a site name, the
	// company's name, how the URL was recognised, and notes to check
	// before relying on the site.
	Name, Company, How string
	Notes              []string
}

// Platforms are the registry's applicant-tracking platforms: the entries a
// site names with platform: and board:, in the order Recognize tries them.
var Platforms = []Adapter{Greenhouse{}, Lever{}, Ashby{}, SmartRecruiters{}, Workday{}, Eightfold{}, EightfoldV2{}}

// Registry is every entry: the platforms, then the sitemap source and the
// generic JSON source.
var Registry = append(slices.Clip(Platforms), Sitemap{}, JSONAPI{})

var (
	_ Adapter        = Greenhouse{}
	_ Adapter        = Lever{}
	_ Adapter        = Ashby{}
	_ Adapter        = SmartRecruiters{}
	_ Adapter        = Workday{}
	_ Adapter        = Eightfold{}
	_ Adapter        = EightfoldV2{}
	_ Adapter        = Sitemap{}
	_ Adapter        = JSONAPI{}
	_ PageRecognizer = Eightfold{}
)

// Lookup returns the registry entry named name.
func Lookup(name string) (Adapter, bool) {
	for _, a := range Registry {
		if a.Name() == name {
			return a, true
		}
	}
	return nil, false
}

// LookupPlatform returns the platform named name.
func LookupPlatform(name string) (Adapter, bool) {
	for _, a := range Platforms {
		if a.Name() == name {
			return a, true
		}
	}
	return nil, false
}

// PlatformNames are the platforms' names, in registry order.
func PlatformNames() []string {
	names := make([]string, len(Platforms))
	for i, a := range Platforms {
		names[i] = a.Name()
	}
	return names
}

// OpenBoard opens b.Platform's board: the platform's Open, or an error
// naming platform: when it names none.
func OpenBoard(b Board) (Source, error) {
	a, ok := LookupPlatform(b.Platform)
	if !ok {
		return nil, fmt.Errorf("platform: %q is not one of %s", b.Platform, strings.Join(PlatformNames(), ", "))
	}
	return a.Open(b)
}

// Recognize tells the platform board a URL belongs to: a board's page
// (boards.greenhouse.io/acme, jobs.lever.co/acme, jobs.ashbyhq.com/acme,
// careers.smartrecruiters.com/Acme, acme.wd5.myworkdayjobs.com/External,
// acme.eightfold.ai/careers), one of its postings, or its API, trying the
// registry's entries in turn. A URL without a scheme is read as https. It
// makes no request.
func Recognize(raw string) (Board, Adapter, bool) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		if u, err = url.Parse("https://" + raw); err != nil || u.Host == "" {
			return Board{}, nil, false
		}
	}
	for _, a := range Registry {
		if b, ok := a.Recognize(u); ok {
			return b, a, true
		}
	}
	return Board{}, nil, false
}

// RecognizePage tells the platform a careers page belongs to by its
// content, when its URL did not tell (a platform site on the employer's
// own host): pageURL is the address it was served from, after redirects.
func RecognizePage(pageURL string, body []byte) (Board, Adapter, bool) {
	u, err := url.Parse(pageURL)
	if err != nil || u.Host == "" {
		return Board{}, nil, false
	}
	for _, a := range Registry {
		if pr, ok := a.(PageRecognizer); ok {
			if b, ok := pr.RecognizePage(u, body); ok {
				return b, a, true
			}
		}
	}
	return Board{}, nil, false
}

// linker is an Adapter whose boards careers pages link to or embed, on
// hosts under these domains.
type linker interface {
	linkDomains() []string
}

// boardURL finds URLs under the registry's link domains in a page, as
// links, embeds, scripts and iframes write them (JSON-escaped slashes
// included).
var boardURL = sync.OnceValue(func() *regexp.Regexp {
	var domains []string
	for _, a := range Registry {
		if l, ok := a.(linker); ok {
			for _, d := range l.linkDomains() {
				domains = append(domains, regexp.QuoteMeta(d))
			}
		}
	}
	// The path may be JSON-escaped too (https:\/\/jobs.lever.co\/acme): a
	// backslash ends a URL unless it escapes a slash.
	return regexp.MustCompile(`(?i)https?:(?://|\\/\\/)[a-z0-9.-]*(?:` + strings.Join(domains, "|") + `)(?:\\/|[^"'\s<>)\\])*`)
})

// FindBoardURLs returns the URLs of platform boards a page links to or
// embeds, in page order, unescaped (\/ and &amp;) and ready for Recognize.
func FindBoardURLs(page []byte) []string {
	var out []string
	for _, m := range boardURL().FindAll(page, -1) {
		ref := strings.ReplaceAll(string(m), `\/`, "/")
		out = append(out, strings.ReplaceAll(ref, "&amp;", "&"))
	}
	return out
}

// ABoard is "a Greenhouse board", "an Ashby board": a board of the entry
// named name.
func ABoard(name string) string {
	t := name
	if a, ok := Lookup(name); ok {
		t = a.Title()
	}
	if t != "" && strings.ContainsRune("AEIOU", rune(t[0])) {
		return "an " + t + " board"
	}
	return "a " + t + " board"
}

// pathSegs are a URL's path segments; at(i) is "" past the end.
type pathSegs []string

func segsOf(u *url.URL) pathSegs {
	return strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
}

func (s pathSegs) at(i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// hostOf is a URL's host, lowercased, without its port.
func hostOf(u *url.URL) string { return strings.ToLower(u.Hostname()) }

// proposal completes a recognised board: how it was recognised, and the
// site's name and company proposed from nameFrom (the board, or the part
// of it that names the employer).
func proposal(b Board, nameFrom string) Board {
	b.How = "the URL of " + ABoard(b.Platform)
	b.Name, b.Company = SiteName(nameFrom), companyName(nameFrom)
	return b
}

// SiteName makes a valid site name of any text, as Recognize proposes
// them: lowercase letters and digits, runs of anything else one '-'.
func SiteName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// companyName proposes a company's name from a board: "acme-corp" → "Acme Corp".
func companyName(s string) string {
	words := strings.Split(SiteName(s), "-")
	for i, w := range words {
		if w != "" {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			words[i] = string(r)
		}
	}
	return strings.Join(words, " ")
}
