package extract

import (
	"net/url"
	"strings"
)

// linkResolver resolves the links of one page against the page's address,
// as url.Parse and URL.ResolveReference do. Most links are paths from the
// site's root written in plain characters ("/careers/job/123/some-title",
// "/search?pg=2"): resolving one of those changes nothing in its path and
// query, and its address is the page's origin followed by the link. For
// them it parses nothing and builds one small URL; any other link takes
// net/url's way.
type linkResolver struct {
	base   *url.URL // nil: links stay as written
	origin string   // what the address of a root path starts with: "https://host"
	fast   bool     // whether plain root paths may skip net/url
	web    bool     // whether the origin is http or https
}

// newLinkResolver resolves links against base, the page's address (nil
// when it is not known).
func newLinkResolver(base *url.URL) linkResolver {
	r := linkResolver{base: base, fast: base == nil}
	if base != nil && base.Opaque == "" {
		r.origin = strings.TrimSuffix(base.ResolveReference(&url.URL{Path: "/"}).String(), "/")
		r.fast = true
		r.web = base.Scheme == "http" || base.Scheme == "https"
	}
	return r
}

// resolvedLink is a link resolved against the page's address.
type resolvedLink struct {
	u     *url.URL // its path and query; all of it but for a plain root path
	plain bool     // a plain root path: its address is the page's origin and href
	href  string
}

// resolve resolves href (trimmed, not empty). ok is false for a link that
// does not parse or is no web link ("mailto:", "javascript:").
func (r *linkResolver) resolve(href string) (l resolvedLink, ok bool) {
	if r.fast {
		if path, query, plain := plainRootPath(href); plain {
			return resolvedLink{u: &url.URL{Path: path, RawQuery: query}, plain: true, href: href}, true
		}
	}
	u, err := url.Parse(href)
	if err != nil || u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return l, false
	}
	if r.base != nil {
		u = r.base.ResolveReference(u)
	}
	return resolvedLink{u: u}, true
}

// isPage reports whether l is the page itself (its address, without a
// fragment).
func (r *linkResolver) isPage(l resolvedLink) bool {
	return r.base != nil && (l.plain || l.u.Host == r.base.Host) &&
		l.u.Path == r.base.Path && l.u.RawQuery == r.base.RawQuery
}

// address is l's address, as URL.String writes it.
func (r *linkResolver) address(l resolvedLink) string {
	if l.plain {
		return r.origin + l.href
	}
	return l.u.String()
}

// isWeb reports whether l's address is an http or https one that parsing
// and resolving against any page gives back unchanged, as for a plain root
// path on a web page: a plain path and an origin net/url wrote itself.
func (r *linkResolver) isWeb(l resolvedLink) bool {
	return l.plain && r.web
}

// plainRootPath splits href into its path and query when it is a path from
// the root ("/…" but not "//host…") of letters, digits and - _ . ~ /,
// with no "." or ".." segment and no empty one, and a query, if any, of
// letters, digits and - _ . ~ = & + , : % /. Such a link parses, resolves
// and is written back unchanged.
func plainRootPath(href string) (path, query string, ok bool) {
	path, query, hasQuery := strings.Cut(href, "?")
	if len(path) < 1 || path[0] != '/' || hasQuery && query == "" {
		return "", "", false
	}
	segStart := 1
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			if c := path[i]; !isAlnumASCII(c) && c != '-' && c != '_' && c != '.' && c != '~' {
				return "", "", false
			}
			continue
		}
		// a segment ends at i
		if seg := path[segStart:i]; seg == "." || seg == ".." || seg == "" && i < len(path) {
			return "", "", false
		}
		segStart = i + 1
	}
	for i := 0; i < len(query); i++ {
		if c := query[i]; !isAlnumASCII(c) && !strings.ContainsRune("-_.~=&+,:%/", rune(c)) {
			return "", "", false
		}
	}
	return path, query, true
}

func isAlnumASCII(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
