package extract

import (
	"math/rand"
	"strings"
	"testing"
)

// TestSalaryPeriod checks the hand matcher of pay periods against the
// expressions of periodWords on real pay texts and on random ones built from
// their words, separators, case and folding tricks.
func TestSalaryPeriod(t *testing.T) {
	cases := []string{
		"", "$120,000 - $150,000 a year", "€45k–55k", "USD 50/hour", "USD 120,000 – 180,000 per year",
		"EUR 113,000 – 177,000 per year", "$30 an hour", "$30 /hr", "£400 per day", "$900/wk", "3.000 € par mois",
		"45.000 € al año", "50.000 € par an", "60k p.a.", "60k P.A", "60k pa", "60k p.a.x", "60k xp.a", "60k p. a",
		"monthly", "Monatlich", "pro Monat", "pro Jahr", "Stundenlohn", "pro Stunde", "annuellement", "rémunération annuelle",
		"mensuelle", "annually", "ANNUAL", "yearly", "perhour", "per  hour", "per\thour", "per\vhour", "per\u00a0hour",
		"by the hour", "by hour", "a h", "/ h", "/h", "an hr", "3/mo", "per mo.", "a month", "por mes", "por  mois",
		"par\tmois", "al mes", "par/mois", "100 per \u212awk", "100 per wk", "100 per ſtunde", "Stunde", "per annum",
		"an annum", "a yr", "año", "année", "par année", "al año", "_hour", "/_hour", "x/hour", "9per hour",
		"$50–60 per hour", "$100,000–$120,000 USD per year", "p.a", "p.a.", "pa.", "p..a", "P.A.", "pA",
	}
	pieces := []string{"per", "a", "an", "by", "hour", "hr", "h", "hourly", "stunde", "day", "daily", "week",
		"wk", "weekly", "month", "mo", "monthly", "monat", "par", "al", "por", "mois", "mes", "mensuel",
		"year", "yr", "annum", "annual", "annually", "yearly", "jahr", "année", "año", "annuel", "p", ".", "/",
		" ", " ", " ", "\t", "\v", "\n", "\u00a0", "–", "€", "$", "1", "_", "x", "s", "ſ", "\u212a", "é",
		"PER", "Hour", "AN", "P", "A", "Year", "MO", "\xff", "ly", "le"}
	rng := rand.New(rand.NewSource(1))
	for range 200000 {
		var b strings.Builder
		for range rng.Intn(7) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	fast := 0
	for _, c := range cases {
		if _, ok := salaryPeriodFast(c); ok {
			fast++
		}
		if got, want := salaryPeriod(c), salaryPeriodRegexp(c); got != want {
			t.Errorf("salaryPeriod(%q) = %q, want %q", c, got, want)
		}
	}
	if fast < len(cases)/3 {
		t.Errorf("the hand matcher read %d of %d texts, want most", fast, len(cases))
	}
	t.Logf("hand matcher: %d of %d", fast, len(cases))
}
