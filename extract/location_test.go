package extract

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// randomPlaces returns texts built from pieces of place names, codes,
// digits, separators and case and encoding tricks.
func randomPlaces(n int) []string {
	pieces := []string{"WORK from home", "home-based", "Home Based", "telework", "telecommute", "anywhere", "_", "x", "9",
		"remotely", "wfhx", "Virtual", "US-CA-", "GB-", "ABC-12-", "Houston (TX)", "(", ")", ") ", "Remote", "remote", "WFH", "virtual", "Paris", "75008", "10001", "-1234", "1234", " ", "  ", "\t", "\n", ",", "(", ")", "TX", "WA", "tx",
		"Kirkland", "New York", "NY", "Georgia", "QUEBEC", "ontario", "England", "LOCATIONS", "n/a", "TBD", "İ",
		"\u212a", "ſ", "é", "\xff", "-", "a", "Z", "9", "United States", "usa", "Multiple Locations"}
	rng := rand.New(rand.NewSource(2))
	var out []string
	for range n {
		var b strings.Builder
		for range rng.Intn(6) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		out = append(out, b.String())
	}
	return out
}

// TestPlaceFastPaths checks the cheap tests in front of expressions and
// lower-cased lookups against what they stand for.
func TestPlaceFastPaths(t *testing.T) {
	inputs := append(randomPlaces(50000), "", "75008 Paris", "New York, NY 10001", "New York NY 10001-1234",
		"Kirkland WA", "Kirkland  WA", "Kirkland\tWA", "Kirkland\nWA", " WA", "KirklandWA", "MULTİPLE LOCATİONS",
		"Kansas", "\u212aansas", "Washington", "georgia", "QC", "Quebec", "BRITISH COLUMBIA")
	oldRegion := func(region string) string { // regionCountry before its name map
		if _, ok := usStates[region]; ok {
			return "United States"
		}
		if _, ok := caProvinces[region]; ok {
			return "Canada"
		}
		l := strings.ToLower(region)
		for _, name := range usStates {
			if strings.ToLower(name) == l && l != "georgia" && l != "washington" && l != "new york" {
				return "United States"
			}
		}
		for _, name := range caProvinces {
			if strings.ToLower(name) == l {
				return "Canada"
			}
		}
		return ""
	}
	for _, s := range inputs {
		if got, want := findPostalCode(s), postalCode.FindStringSubmatch(s); !slices.Equal(got, want) {
			t.Errorf("findPostalCode(%q) = %q, want %q", s, got, want)
		}
		if got, want := findCodedPlace(s), codedPlace.FindStringSubmatch(s); !slices.Equal(got, want) {
			t.Errorf("findCodedPlace(%q) = %q, want %q", s, got, want)
		}
		if got, want := findParenthetic(s), parenthetic.FindStringSubmatch(s); !slices.Equal(got, want) {
			t.Errorf("findParenthetic(%q) = %q, want %q", s, got, want)
		}
		if got, ok := replaceRemoteWords(s); got != remoteWord.ReplaceAllString(s, " ") || ok != remoteWord.MatchString(s) {
			t.Errorf("replaceRemoteWords(%q) = %q, %v, want %q, %v", s, got, ok, remoteWord.ReplaceAllString(s, " "),
				remoteWord.MatchString(s))
		}
		if got, want := findTrailingCode(s), trailingCode.FindStringSubmatch(s); !slices.Equal(got, want) {
			t.Errorf("findTrailingCode(%q) = %q, want %q", s, got, want)
		}
		if got, want := lookupLower(noiseParts, s), noiseParts[strings.ToLower(s)]; got != want {
			t.Errorf("lookupLower(noiseParts, %q) = %v, want %v", s, got, want)
		}
		if got, want := lookupLower(countryByName, s), countryByName[strings.ToLower(s)]; got != want {
			t.Errorf("lookupLower(countryByName, %q) = %q, want %q", s, got, want)
		}
		if got, want := regionCountry(s), oldRegion(s); got != want {
			t.Errorf("regionCountry(%q) = %q, want %q", s, got, want)
		}
	}
}

// benchLocations are the locations of the listing benchmark page's cards.
var benchLocations = []string{"Austin, TX, United States", "Bengaluru, Karnataka, India", "Edinburgh, Scotland, United Kingdom",
	"Paris, Île-de-France, France", "Remote, Australia", "Remote, Canada", "Tel Aviv, Israel", "Tokyo, Japan",
	"Vancouver, BC, Canada", "Warsaw, Poland", "Hybrid - Austin, TX", "US-CA-San Jose", "75008 Paris", "Kirkland WA"}

func BenchmarkParseLocation(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		for _, s := range benchLocations {
			ParseLocation(s)
		}
	}
}
