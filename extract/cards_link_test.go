package extract

import (
	"math/rand"
	"net/url"
	"strings"
	"testing"
)

// TestLinkResolver compares linkResolver with url.Parse and
// ResolveReference on links and page addresses of many shapes.
func TestLinkResolver(t *testing.T) {
	bases := []string{"", "https://jobs.contoso.example/careers/search?pg=1", "http://user:pw@example.com:8080/a/b/",
		"https://[::1]:443/x", "file:///tmp/page.html", "HTTPS://Example.COM", "https://example.com", "mailto:x@example.com",
		"https://example.com/careers/search", "https://h/p?", "https://h/a%2Fb/c"}
	hrefs := []string{"/", "/careers/job/381792/senior-logistics?src=similar", "/careers/search?pg=1", "/careers/search",
		"//evil.example/x", "/a//b", "/a/./b", "/a/../b", "/a/.", "/.", "/..", "/a.b/c", "/x?", "/x?a=1&b=%20", "/x#frag",
		"/x?q#f", "/x y", "/ä", "/x%41", "relative/path", "../up", "?pg=2", "https://other.example/jobs/123", "mailto:a@b",
		"javascript:void(0)", "/jobs/123/", "/~user/jobs/12345", "/x?y=1?z", "/x\x01", "/careers/search?pg=1&", "/x?a:b/c"}
	pieces := []string{"/", "jobs", "job", "123456", ".", "..", "-", "_", "~", "?", "=", "&", "%", "%2F", "#", " ", "a", "B",
		":", "@", "+", ",", ";", "ä", "\x7f"}
	rng := rand.New(rand.NewSource(7))
	for range 20000 {
		var b strings.Builder
		b.WriteString("/")
		for range rng.Intn(8) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		hrefs = append(hrefs, b.String())
	}
	for _, bs := range bases {
		var base *url.URL
		if bs != "" {
			var err error
			if base, err = url.Parse(bs); err != nil {
				t.Fatal(err)
			}
		}
		r := newLinkResolver(base)
		for _, href := range hrefs {
			l, ok := r.resolve(href)
			u, err := url.Parse(href)
			wantOK := err == nil && (u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https")
			if ok != wantOK {
				t.Errorf("base %q, resolve(%q): ok %v, want %v", bs, href, ok, wantOK)
				continue
			}
			if !ok {
				continue
			}
			isPage := false
			if base != nil {
				u = base.ResolveReference(u)
				isPage = u.Host == base.Host && u.Path == base.Path && u.RawQuery == base.RawQuery
			}
			if r.isWeb(l) {
				// fromCard takes the address as it is, for what resolve gives
				for _, page := range bases {
					x := newExtraction(Options{URL: page})
					if got := x.resolve(r.address(l)); got != r.address(l) {
						t.Errorf("base %q, page %q: resolve(%q) = %q", bs, page, r.address(l), got)
					}
				}
			}
			if l.u.Path != u.Path || l.u.RawQuery != u.RawQuery || r.address(l) != u.String() || r.isPage(l) != isPage {
				t.Errorf("base %q, resolve(%q) = %q %q %q page %v, want %q %q %q page %v", bs, href,
					l.u.Path, l.u.RawQuery, r.address(l), r.isPage(l), u.Path, u.RawQuery, u.String(), isPage)
			}
		}
	}
}
