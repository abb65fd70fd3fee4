package extract_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract"
)

func TestParseDate(t *testing.T) {
	// crawlTime is Friday 2026-11-27 09:00 UTC: relative dates count back from it.
	cases := []struct{ in, want string }{
		{"2026-11-03", "2026-11-03"},
		{"2026-11-03T10:00:00Z", "2026-11-03"},
		{"2026-11-03T23:30:00-08:00", "2026-11-03"}, // its own calendar day, not UTC's
		{"2026-11-03T10:00", "2026-11-03"},
		{"20261103", "2026-11-03"},
		{"Nov 3, 2026", "2026-11-03"},
		{"November 3rd, 2026", "2026-11-03"},
		{"3 Nov 2026", "2026-11-03"},
		{"Posted: Mon, 02 Nov 2026", "2026-11-02"},
		{"Posted on 2024-08-11 by HR", "2024-08-11"},
		{"3 days ago", "2026-11-24"},
		{"Posted 3 days ago", "2026-11-24"},
		{"Posted 30+ Days Ago", "2026-10-28"},
		{"2 weeks ago", "2026-11-13"},
		{"1 month ago", "2026-10-27"},
		{"an hour ago", "2026-11-27"},
		{"Posted today", "2026-11-27"},
		{"Just posted", "2026-11-27"},
		{"New", "2026-11-27"},
		{"yesterday", "2026-11-26"},
		// all-numeric: slashes month first, dashes and dots day first, unless a number can only be a day
		{"11/03/2026", "2026-11-03"},
		{"24/05/2025", "2025-05-24"},
		{"03.11.2026", "2026-11-03"},
		{"24-05-2025", "2025-05-24"},
		{"05-24-2025", "2025-05-24"},
		// not dates
		{"31/04/2026", ""},
		{"New York", ""},
		{"4-6 year", ""},
		{"Full Time", ""},
		{"0001-01-01", ""},
		{"", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := extract.ParseDate(c.in, crawlTime); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseSalary(t *testing.T) {
	cases := []struct {
		in   string
		want extract.Salary
		ok   bool
	}{
		{"$120,000 - $150,000 a year", extract.Salary{Min: 120000, Max: 150000, Currency: "USD", Period: "YEAR"}, true},
		{"€45k–55k", extract.Salary{Min: 45000, Max: 55000, Currency: "EUR", Period: "YEAR"}, true},
		{"USD 50/hour", extract.Salary{Min: 50, Max: 50, Currency: "USD", Period: "HOUR"}, true},
		{"$50.00 - $60.00 per hour", extract.Salary{Min: 50, Max: 60, Currency: "USD", Period: "HOUR"}, true},
		{"£30,000 per annum", extract.Salary{Min: 30000, Max: 30000, Currency: "GBP", Period: "YEAR"}, true},
		{"USD 120,000 – 180,000 per year", extract.Salary{Min: 120000, Max: 180000, Currency: "USD", Period: "YEAR"}, true},
		{"€ 3.500 - 4.200 pro Monat", extract.Salary{Min: 3500, Max: 4200, Currency: "EUR", Period: "MONTH"}, true},
		{"CHF 110'000 - 130'000", extract.Salary{Min: 110000, Max: 130000, Currency: "CHF", Period: "YEAR"}, true},
		{"₹12,00,000 - ₹18,00,000 per annum", extract.Salary{Min: 1200000, Max: 1800000, Currency: "INR", Period: "YEAR"}, true},
		{"$120K - $150K/yr", extract.Salary{Min: 120000, Max: 150000, Currency: "USD", Period: "YEAR"}, true},
		{"$25/hr", extract.Salary{Min: 25, Max: 25, Currency: "USD", Period: "HOUR"}, true},
		{"From $4,000 a month", extract.Salary{Min: 4000, Max: 4000, Currency: "USD", Period: "MONTH"}, true},
		{"$160,000 - $120,000", extract.Salary{Min: 120000, Max: 160000, Currency: "USD", Period: "YEAR"}, true},
		{"100000", extract.Salary{Min: 100000, Max: 100000, Period: "YEAR"}, true},
		{"Competitive", extract.Salary{}, false},
		{"", extract.Salary{}, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, ok := extract.ParseSalary(c.in)
			if ok != c.ok || ok && got != c.want {
				t.Errorf("got %+v, %v; want %+v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestParseLocation(t *testing.T) {
	cases := []struct {
		in, want string
		remote   bool
	}{
		// the spine's Microsoft page; this normalisation supersedes its "Houston (TX), United States"
		{"United States, Houston (TX)", "Houston, TX, United States", false},
		{"Houston, TX", "Houston, TX, United States", false},
		{"Kirkland WA", "Kirkland, WA, United States", false},
		{"Nashville, TN", "Nashville, TN, United States", false}, // TN is also Tunisia's code
		{"San Jose, CA", "San Jose, CA, United States", false},   // and CA Canada's
		{"Toronto, ON", "Toronto, ON, Canada", false},
		{"Austin, Texas, United States of America", "Austin, Texas, United States", false},
		{"London, UK", "London, United Kingdom", false},
		{"Munich, Bavaria, DE", "Munich, Bavaria, Germany", false},
		{"Bengaluru, Karnataka, India", "Bengaluru, Karnataka, India", false},
		{"US-CA-San Jose", "San Jose, CA, United States", false},
		{"New York, NY 10001", "New York, NY, United States", false},
		{"AMER - Canada - Quebec - Montreal - 10 Rue Duke", "Montreal, Quebec, Canada", false},
		{"Hybrid - Austin, TX", "Austin, TX, United States", false},
		{"Israel, Multiple Locations, Multiple Locations", "Israel", false},
		{"Paris", "Paris", false},
		{"Greater Chennai Area", "Greater Chennai Area", false},
		{"Remote - US", "Remote, United States", true},
		{"USA - Remote", "Remote, United States", true},
		{"Remote (United Kingdom)", "Remote, United Kingdom", true},
		{"Remote, Germany", "Remote, Germany", true},
		{"Anywhere", "Remote", true},
		{"Multiple Locations", "", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got := extract.ParseLocation(c.in)
			if got.String() != c.want || got.Remote != c.remote {
				t.Errorf("got %q (remote %v), want %q (remote %v)", got.String(), got.Remote, c.want, c.remote)
			}
		})
	}
}

func TestParseLocations(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Houston, TX; Austin, TX", []string{"Houston, TX, United States", "Austin, TX, United States"}},
		{"New York, NY, USA; Miami, FL, USA; Seattle, WA,\nUSA", []string{"New York, NY, United States", "Miami, FL, United States", "Seattle, WA, United States"}},
		{"Redmond, WA +2 more", []string{"Redmond, WA, United States"}},
		{"Berlin, Germany | Paris, France", []string{"Berlin, Germany", "Paris, France"}},
		{"London, UK\nRemote - UK", []string{"London, United Kingdom", "Remote, United Kingdom"}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			var got []string
			for _, p := range extract.ParseLocations(c.in) {
				got = append(got, p.String())
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestNormalizeEmploymentType(t *testing.T) {
	cases := []struct{ in, want string }{
		{"FULL_TIME", "full_time"},
		{"Full-time", "full_time"},
		{"Full Time", "full_time"},
		{"Permanent", "full_time"},
		{"Regular", "full_time"},
		{"Permanent contract", "full_time"},
		{"Vollzeit", "full_time"},
		{"PART_TIME", "part_time"},
		{"Part time", "part_time"},
		{"Teilzeit", "part_time"},
		{"CONTRACTOR", "contract"},
		{"Contract to hire", "contract"},
		{"Freelance", "contract"},
		{"TEMPORARY", "temporary"},
		{"Fixed-term contract", "temporary"},
		{"Seasonal", "temporary"},
		{"PER_DIEM", "temporary"},
		{"INTERN", "internship"},
		{"Summer Internship", "internship"},
		{"Part-time internship", "internship"},
		{"Werkstudent", "internship"},
		{"Apprenticeship", "internship"},
		{"VOLUNTEER", "other"},
		{"OTHER", "other"},
		{"International Sales", "other"}, // not an internship
		{"Contemporary art", "other"},    // not temporary
		{"", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := extract.NormalizeEmploymentType(c.in); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestNormalizeWorkplaceType(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hybrid", "hybrid"},
		{"Flexible / Hybrid", "hybrid"},
		{"TELECOMMUTE", "remote"},
		{"Remote", "remote"},
		{"Work from home", "remote"},
		{"On-site", "onsite"},
		{"Onsite", "onsite"},
		{"In office", "onsite"},
		{"", ""},
		{"Sometimes", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := extract.NormalizeWorkplaceType(c.in); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestNormalizePeriod(t *testing.T) {
	cases := []struct{ in, want string }{
		{"HOUR", "HOUR"}, {"hourly", "HOUR"}, {"DAY", "DAY"}, {"WEEK", "WEEK"}, {"MONTH", "MONTH"},
		{"YEAR", "YEAR"}, {"annual", "YEAR"}, {"", ""},
	}
	for _, c := range cases {
		if got := extract.NormalizePeriod(c.in); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

func TestValidJobNumber(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"322695", true},
		{"R-12345", true},
		{"24WD81528", true},
		{"007-927-304", true},
		{"JR_2024.11/7", true},
		{"a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b", true},
		{"2026-11-03", false},      // a date
		{"11/03/2026", false},      // a date
		{"to be announced", false}, // a sentence
		{"Sales", false},           // no digit
		{"0000", false},
		{"", false},
		{"1234567890123456789012345678901234567890123456789012345678901234567890", false}, // too long
	}
	for _, c := range cases {
		if got := extract.ValidJobNumber(c.in); got != c.want {
			t.Errorf("%q: got %v, want %v", c.in, got, c.want)
		}
	}
}

func TestPlainTextWithEntitiesKeepsItsLines(t *testing.T) {
	in := "Experience with A/B testing & SQL\nR&amp;D background\n<5 years is fine"
	ps, err := extract.Parse(strings.NewReader(`<html><head><script type="application/ld+json">`+
		`{"@type":"JobPosting","title":"Analyst","identifier":"A-123","qualifications":`+strconv.Quote(in)+`}`+
		`</script></head><body></body></html>`), extract.Options{URL: "https://x.example/j"})
	if err != nil || len(ps) != 1 {
		t.Fatalf("%v %v", ps, err)
	}
	want := []string{"Experience with A/B testing & SQL", "R&D background", "<5 years is fine"}
	if got := ps[0].Qualifications; !slices.Equal(got, want) {
		t.Errorf("qualifications: got %q, want %q", got, want)
	}
}
