package ats

// SetSitemapCap lowers ParseSitemap's cap on a decompressed sitemap (tests
// of the cap need not inflate 64 MB) and returns what restores it.
func SetSitemapCap(n int) (restore func()) {
	old := sitemapCap
	sitemapCap = n
	return func() { sitemapCap = old }
}
