package index_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/jobcrawl/jobcrawl/index"
)

func TestRecordID(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`)
	cases := []struct{ site, num, want string }{
		{"contoso", "322695", "contoso_322695"},
		{"acme-corp", "R-12345", "acme-corp_R-12345"},
	}
	for _, c := range cases {
		if got := index.RecordID(c.site, c.num); got != c.want {
			t.Errorf("RecordID(%q, %q) = %q, want %q", c.site, c.num, got, c.want)
		}
	}
	seen := map[string]string{}
	for _, num := range []string{"A.1", "A_1", "A/1", "A 1", "A-1", "Ä1", "a.1", strings.Repeat("9", 600), strings.Repeat("9", 601), "R#1", `"'<>`} {
		id := index.RecordID("site", num)
		if !valid.MatchString(id) {
			t.Errorf("RecordID(site, %q) = %q: not a valid id", num, id)
		}
		if other, dup := seen[id]; dup {
			t.Errorf("job numbers %q and %q share the id %q", other, num, id)
		}
		seen[id] = num
		if again := index.RecordID("site", num); again != id {
			t.Errorf("RecordID is not stable for %q: %q then %q", num, id, again)
		}
	}
	// the site/job boundary is unambiguous
	if index.RecordID("a-b", "c") == index.RecordID("a", "b-c") {
		t.Error("sites and job numbers with '-' collide")
	}
}

func TestParseFilters(t *testing.T) {
	fs, err := index.ParseFilters([]string{"countries=France", "job_family:Sales", "countries=Remote: US", "locations=Houston, TX, United States"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[0].Field != "countries" || strings.Join(fs[0].Values, "|") != "France|Remote: US" ||
		fs[1].Values[0] != "Sales" || fs[2].Values[0] != "Houston, TX, United States" {
		t.Errorf("got %+v", fs)
	}
	for _, bad := range []string{"nofield", "=x", "description=x", "countries="} {
		if _, err := index.ParseFilters([]string{bad}); !errors.Is(err, index.ErrBadQuery) {
			t.Errorf("ParseFilters(%q): got %v, want ErrBadQuery", bad, err)
		}
	}
	for spec, want := range map[string]index.Sort{"date_posted:desc": {Field: "date_posted", Desc: true}, "title": {Field: "title"}, "-first_seen": {Field: "first_seen", Desc: true}} {
		if got, err := index.ParseSort(spec); err != nil || got != want {
			t.Errorf("ParseSort(%q) = %+v, %v", spec, got, err)
		}
	}
	if _, err := index.ParseSort("description"); !errors.Is(err, index.ErrBadQuery) {
		t.Errorf("sort by description: %v", err)
	}
}
