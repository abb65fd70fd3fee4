package main

import (
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/crawler"
)

// TestExampleConfigFreshness: the example config.yaml sets the freshness
// and politeness keys, and they read as the README says.
func TestExampleConfigFreshness(t *testing.T) {
	cfg, err := loadConfig("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(cfg.ClosedRetention) != 90*24*time.Hour {
		t.Errorf("closed_retention: got %s, want 90d", cfg.ClosedRetention)
	}
	s, _ := cfg.site("contoso")
	inc, l := s.Incremental, s.Limits
	if !inc.SkipUnchangedCards || inc.Card == "" || time.Duration(inc.RefreshAfter) != 7*24*time.Hour {
		t.Errorf("incremental: %+v", inc)
	}
	if l.Rate != (crawler.Rate{N: 5, Per: time.Second}) || time.Duration(l.RetryBackoff) != 250*time.Millisecond ||
		l.Breaker != (crawler.Breaker{Failures: 10, Pause: crawler.Duration(30 * time.Second), MaxPauses: 4}) {
		t.Errorf("limits: rate %v, retry_backoff %s, breaker %+v", l.Rate, l.RetryBackoff, l.Breaker)
	}
	// a site that sets none of them gets the defaults
	f, _ := cfg.site("fabrikam")
	if f.Incremental.SkipUnchangedCards || f.Limits.Rate.N != 0 || f.Limits.Breaker != crawler.DefaultLimits.Breaker {
		t.Errorf("defaults: incremental %+v, rate %v, breaker %+v", f.Incremental, f.Limits.Rate, f.Limits.Breaker)
	}
}

func TestFreshnessConfigErrors(t *testing.T) {
	site := "sites:\n  - name: x\n    start_urls: [\"http://x.example/\"]\n    pagination: {next: a}\n    job_links: a\n"
	cases := []struct{ yaml, say string }{
		{"closed_retention: soon\n", "is not a duration"},
		{site + "    incremental: {skip_unchanged_cards: true}\n", "sites[0].incremental.card: needed"},
		{site + "    incremental: {card: \"li[\"}\n", "incremental.card"},
		{site + "    limits: {rate: fast}\n", "is not a rate"},
		{site + "    limits: {breaker: {failures: -1}}\n", "limits.breaker.failures"},
	}
	for _, c := range cases {
		t.Run(c.say, func(t *testing.T) {
			code, _, errOut := jobcrawl(t, "validate", "--config", writeConfig(t, c.yaml))
			if code != exitUsage || !strings.Contains(errOut, c.say) {
				t.Errorf("exit %d, stderr %q: want exit 2 saying %q", code, errOut, c.say)
			}
		})
	}
}
