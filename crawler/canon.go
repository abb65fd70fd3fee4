package crawler

import (
	"net/url"
	"slices"
	"strings"
)

// trackingParams are query parameters that say how a visitor arrived, never
// which page they asked for. Names ending in '*' are prefixes.
var trackingParams = []string{
	"utm_*", "gclid", "gclsrc", "dclid", "fbclid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id", "igshid",
	"mc_cid", "mc_eid", "_hsenc", "_hsmi", "hsctatracking", "mkt_tok", "_ga", "_gl", "s_kwcid", "ef_id", "cmpid",
	"icid", "src", "source", "ref", "referrer", "referer", "trk", "trkinfo", "trackingid", "refid", "gh_src",
	"lever-source", "lever-origin", "lever-source[]", "sourcetype", "source_type",
}

// Canonicalizer turns the many URLs of one page into one: lowercase scheme
// and host, no default port, no fragment, no tracking parameters, the
// remaining parameters in a fixed order.
type Canonicalizer struct {
	strip []string
}

// NewCanonicalizer drops the tracking parameters and extra.
func NewCanonicalizer(extra ...string) *Canonicalizer {
	c := &Canonicalizer{strip: slices.Clone(trackingParams)}
	for _, p := range extra {
		c.strip = append(c.strip, strings.ToLower(p))
	}
	return c
}

func (c *Canonicalizer) tracking(name string) bool {
	name = strings.ToLower(name)
	for _, p := range c.strip {
		if strings.HasSuffix(p, "*") {
			if strings.HasPrefix(name, p[:len(p)-1]) {
				return true
			}
		} else if name == p {
			return true
		}
	}
	return false
}

// URL returns the canonical form of u, or "" when u is not an http(s) URL.
func (c *Canonicalizer) URL(u *url.URL) string {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	v := *u
	v.Scheme = strings.ToLower(v.Scheme)
	host := strings.ToLower(v.Hostname())
	if port := v.Port(); port != "" && !(v.Scheme == "http" && port == "80") && !(v.Scheme == "https" && port == "443") {
		host += ":" + port
	}
	v.Host = host
	v.Fragment, v.RawFragment = "", ""
	v.User = nil
	if v.Path == "" {
		v.Path = "/"
	}
	if v.RawQuery != "" {
		q := v.Query()
		for k := range q {
			if c.tracking(k) {
				delete(q, k)
			}
		}
		v.RawQuery = q.Encode() // sorted by key
	}
	v.ForceQuery = false
	return v.String()
}

// String is URL for a string, resolved against base when relative.
func (c *Canonicalizer) String(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return c.URL(u)
}
