package extract

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parseDateBefore is ParseDate as it was before its fast paths (ISO dates,
// text without digits), kept to compare against.
func parseDateBefore(s string, now time.Time) string {
	s = cleanString(s)
	if s == "" {
		return ""
	}
	s = datePrefix.ReplaceAllString(s, "")
	s = ordinal.ReplaceAllString(s, "$1")
	layouts := wordDateLayouts
	if s[0] >= '0' && s[0] <= '9' {
		layouts = numericDateLayouts
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return plausible(t)
		}
	}
	if d := dayMonthYear(s); d != "" {
		return d
	}
	if m := relativeDate.FindStringSubmatch(s); m != nil {
		n := 1
		if v, err := strconv.Atoi(m[1]); err == nil {
			n = v
		}
		t := now
		switch strings.ToLower(m[2]) {
		case "minute", "min":
			t = now.Add(-time.Duration(n) * time.Minute)
		case "hour", "hr":
			t = now.Add(-time.Duration(n) * time.Hour)
		case "day":
			t = now.AddDate(0, 0, -n)
		case "week", "wk":
			t = now.AddDate(0, 0, -7*n)
		case "month", "mo":
			t = now.AddDate(0, -n, 0)
		case "year", "yr":
			t = now.AddDate(-n, 0, 0)
		}
		return t.Format(time.DateOnly)
	}
	if yesterday.MatchString(s) {
		return now.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if todayWords.MatchString(s) {
		return now.Format(time.DateOnly)
	}
	if m := isoDateIn.FindString(s); m != "" {
		if t, err := time.Parse(time.DateOnly, m); err == nil {
			return plausible(t)
		}
	}
	return ""
}

// TestParseDateFastPaths compares ParseDate with parseDateBefore on dates,
// near-dates and other text, where the old code panicked ("Posted:") ParseDate gives no date.
func TestParseDateFastPaths(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	pieces := []string{"2026", "1989", "-", "11", "13", "02", "30", "-03", "T10:00", "Z", "/", ".", " ", "Nov", "3rd",
		",", "Posted", ":", "on", "days ago", "an hour", "today", "yesterday", "New", "٣", "\u212a", "é", "\xff", "0"}
	inputs := []string{"2026-11-03", "2026-13-03", "2026-02-30", "1989-12-31", "2201-01-01", "0000-00-00",
		"2026-11-03T10:00", "Oct 29, 2026", "Product Management", "Posted:", "Posted", "Posted 2026-11-03"}
	rng := rand.New(rand.NewSource(3))
	for range 30000 {
		var b strings.Builder
		for range rng.Intn(6) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		inputs = append(inputs, b.String())
	}
	try := func(f func(string, time.Time) string, s string) (out string, panicked bool) {
		defer func() { panicked = recover() != nil }()
		return f(s, now), false
	}
	for _, s := range inputs {
		got, gotPanic := try(ParseDate, s)
		want, wantPanic := try(parseDateBefore, s)
		if wantPanic {
			// the old code read past a bare "Posted:"; now it is no date
			want, wantPanic = "", false
		}
		if got != want || gotPanic != wantPanic {
			t.Errorf("ParseDate(%q) = %q (panic %v), want %q (panic %v)", s, got, gotPanic, want, wantPanic)
		}
	}
}

// TestEmploymentTypePrefilter compares employmentType with the expressions
// tried one by one, without the prefilter for all of them.
func TestEmploymentTypePrefilter(t *testing.T) {
	if len(anyEmploymentType.need) == 0 {
		t.Log("no prefilter for all employment types: every text is tried")
	}
	pieces := []string{"full", "part", "-", "_", " ", "time", "Time", "intern", "ship", "contract", "or", "temp",
		"permanent", "regular", "cdi", "cdd", "co-op", "coop", "1099", "other", "per diem", "volunteer", "Sales",
		"International", "ſ", "\u212a", "é", "\xff", "Product Management", "+1 more", "Tel Aviv, Israel"}
	inputs := []string{"", "Full Time", "FULL_TIME", "Werkstudent", "Internship", "Part-time internship", "Other"}
	rng := rand.New(rand.NewSource(5))
	for range 30000 {
		var b strings.Builder
		for range rng.Intn(5) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		inputs = append(inputs, b.String())
	}
	for _, s := range inputs {
		want, wantOK := "", false
		r := strings.ReplaceAll(s, "_", " ")
		for _, et := range employmentTypes {
			if et.re.MatchString(r) {
				want, wantOK = et.kind, true
				break
			}
		}
		if got, ok := employmentType(s); got != want || ok != wantOK {
			t.Errorf("employmentType(%q) = %q, %v, want %q, %v", s, got, ok, want, wantOK)
		}
	}
}

// TestISODate compares isoDate with time.Parse and plausible on every
// month and day number around the calendar's edges.
func TestISODate(t *testing.T) {
	for _, y := range []int{0, 1, 1900, 1989, 1990, 2000, 2023, 2024, 2100, 2200, 2201, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
				want, wantOK := "", false
				if tm, err := time.Parse(time.DateOnly, s); err == nil {
					want, wantOK = plausible(tm), true
				}
				if got, ok := isoDate(s); got != want || ok != wantOK {
					t.Errorf("isoDate(%q) = %q, %v, want %q, %v", s, got, ok, want, wantOK)
				}
			}
		}
	}
	for _, s := range []string{"", "2024-1-011", "2024/01/01", "2024-01-0a", "+024-01-01", "2024-01-01T"} {
		if _, ok := isoDate(s); ok {
			t.Errorf("isoDate(%q) is a date", s)
		}
	}
}
