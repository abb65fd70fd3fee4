package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobcrawl/jobcrawl/extract"
	"github.com/jobcrawl/jobcrawl/index"
)

// full is a record with every field the API shows set.
func full() index.Record {
	seen := time.Date(2026, 11, 3, 10, 30, 0, 0, time.UTC)
	closed := seen.Add(48 * time.Hour)
	checked := seen
	r := index.Record{ID: "contoso_R-1", Site: "contoso", Posting: extract.Posting{
		JobNumber: "R-1", AltIDs: []string{"A1", "A2"}, Title: `=HYPERLINK("http://x","y")`, Company: "Contoso, Ltd.",
		URL: "https://careers.contoso.example/jobs/R-1", URLs: []string{"https://a.example/1", "https://b.example/1"},
		ApplyURL: "https://careers.contoso.example/apply/R-1", Locations: []string{"Houston, TX, United States", "Remote, United States"},
		Cities: []string{"Houston", "Remote"}, Regions: []string{"TX", ""}, Countries: []string{"United States", "United States"},
		Remote: true, WorkplaceType: "remote", EmploymentType: "full_time", JobFamily: "Software Engineering", Team: "+Cloud",
		Department: "@Engineering", SalaryMin: 120000, SalaryMax: 150000.5, SalaryCurrency: "USD", SalaryPeriod: "YEAR",
		DatePosted: "2026-11-01", ValidThrough: "2026-12-31",
		Description:    "Build \"reliable\" services, at scale.\nSecond line\r\nthird, with a comma",
		Qualifications: []string{"Go", "SQL"}, Responsibilities: []string{"-Ship", "Own"}, Benefits: []string{"\tHealth", "\rPTO"},
	}, FirstSeen: seen, LastSeen: seen.Add(time.Hour), ClosedAt: &closed, ContentHash: "h", Status: index.StatusClosed,
		Fetch: []index.Fetch{{URL: "u", ETag: "e"}}, Cards: []string{"c"}, CheckedAt: &checked, Snippet: "s"}
	r.Normalize()
	return r
}

func writeAll(t *testing.T, f Format, opts Options, recs ...index.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Count() != int64(len(recs)) || w.Bytes() != int64(buf.Len()) {
		t.Errorf("count %d bytes %d, want %d and %d", w.Count(), w.Bytes(), len(recs), buf.Len())
	}
	return buf.Bytes()
}

// The CSV columns are the JSON fields of the API's record, in its order.
func TestColumnsAreTheAPIFields(t *testing.T) {
	r := full().Public()
	r.Snippet = ""
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.Token()
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	if !slices.Equal(keys, Columns) {
		t.Errorf("CSV columns\n%q\nAPI fields\n%q", Columns, keys)
	}
}

func TestCSV(t *testing.T) {
	r := full()
	plain := full()
	plain.ID, plain.Title, plain.Team, plain.Department, plain.Responsibilities, plain.Benefits = "contoso_R-2", "Engineer", "Cloud", "", nil, nil
	out := writeAll(t, CSV, Options{}, r, plain)
	if bytes.HasPrefix(out, []byte("\ufeff")) {
		t.Error("BOM without --excel")
	}
	if !bytes.HasPrefix(out, []byte(strings.Join(Columns, ",")+"\r\n")) {
		t.Errorf("header line: %.200q", out)
	}
	// RFC 4180: quotes doubled inside a quoted field, line breaks kept inside quotes
	if !bytes.Contains(out, []byte(`"'=HYPERLINK(""http://x"",""y"")"`)) {
		t.Errorf("title cell not quoted and inert: %.600q", out)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want header + 2", len(rows))
	}
	cell := func(row int, col string) string { return rows[row][slices.Index(Columns, col)] }
	for col, want := range map[string]string{
		"title":            `'=HYPERLINK("http://x","y")`,
		"team":             "'+Cloud",
		"department":       "'@Engineering",
		"responsibilities": "'-Ship; Own",
		"benefits":         "'\tHealth; PTO", // encoding/csv with CRLF line ends drops a lone CR
		"company":          "Contoso, Ltd.",
		"locations":        "Houston, TX, United States; Remote, United States",
		"alt_ids":          "A1; A2",
		"salary_min":       "120000",
		"salary_max":       "150000.5",
		"remote":           "true",
		"closed_at":        "2026-11-05T10:30:00Z",
		"first_seen":       "2026-11-03T10:30:00Z",
		"status":           "closed",
		// csv reads a quoted CRLF back as LF
		"description": "Build \"reliable\" services, at scale.\nSecond line\nthird, with a comma",
	} {
		if got := cell(1, col); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
	if cell(2, "title") != "Engineer" || cell(2, "department") != "" || cell(2, "responsibilities") != "" {
		t.Errorf("plain row: %q", rows[2])
	}
	for _, c := range rows[1] {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			t.Errorf("cell %q is live", c)
		}
	}

	bom := writeAll(t, CSV, Options{Excel: true}, plain)
	if !bytes.HasPrefix(bom, []byte("\ufeffid,site,")) {
		t.Errorf("--excel: %.40q", bom)
	}
	empty := writeAll(t, CSV, Options{Excel: true})
	if string(empty) != "\ufeff"+strings.Join(Columns, ",")+"\r\n" {
		t.Errorf("empty export: %q", empty)
	}
}

func TestInert(t *testing.T) {
	for in, want := range map[string]string{"": "", "=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b", "'x": "'x", " =x": " =x"} {
		if got := Inert(in); got != want {
			t.Errorf("Inert(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONLD(t *testing.T) {
	r := full()
	other := full()
	other.ID, other.Remote, other.WorkplaceType, other.SalaryMin, other.SalaryMax, other.Locations = "contoso_R-2", false, "onsite", 0, 0, []string{"Berlin, Germany"}
	other.Cities, other.Regions, other.Countries, other.EmploymentType = []string{"Berlin"}, nil, []string{"Germany"}, "internship"
	out := writeAll(t, JSONLD, Options{}, r, other)
	var doc struct {
		Context string           `json:"@context"`
		Graph   []map[string]any `json:"@graph"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Context != "https://schema.org" || len(doc.Graph) != 2 {
		t.Fatalf("context %q, %d nodes", doc.Context, len(doc.Graph))
	}
	jp := doc.Graph[0]
	typ := func(v any) string {
		m, _ := v.(map[string]any)
		s, _ := m["@type"].(string)
		return s
	}
	if typ(jp) != "JobPosting" || jp["title"] != r.Title || jp["datePosted"] != "2026-11-01" || jp["validThrough"] != "2026-12-31" ||
		jp["employmentType"] != "FULL_TIME" || jp["jobLocationType"] != "TELECOMMUTE" || jp["url"] != r.URL ||
		jp["occupationalCategory"] != "Software Engineering" || jp["description"] != r.Description {
		t.Errorf("posting: %v", jp)
	}
	id := jp["identifier"].(map[string]any)
	if typ(id) != "PropertyValue" || id["value"] != "R-1" || id["name"] != "Contoso, Ltd." {
		t.Errorf("identifier: %v", id)
	}
	org := jp["hiringOrganization"].(map[string]any)
	if dept, _ := org["department"].(map[string]any); typ(org) != "Organization" || org["name"] != "Contoso, Ltd." ||
		typ(dept) != "Organization" || dept["name"] != "@Engineering" {
		t.Errorf("hiringOrganization: %v", org)
	}
	locs := jp["jobLocation"].([]any)
	addr := locs[0].(map[string]any)["address"].(map[string]any)
	if len(locs) != 2 || typ(locs[0]) != "Place" || typ(addr) != "PostalAddress" || addr["addressLocality"] != "Houston" ||
		addr["addressRegion"] != "TX" || addr["addressCountry"] != "United States" {
		t.Errorf("jobLocation: %v", locs)
	}
	sal := jp["baseSalary"].(map[string]any)
	val := sal["value"].(map[string]any)
	if typ(sal) != "MonetaryAmount" || sal["currency"] != "USD" || typ(val) != "QuantitativeValue" ||
		val["minValue"] != 120000.0 || val["maxValue"] != 150000.5 || val["unitText"] != "YEAR" {
		t.Errorf("baseSalary: %v", sal)
	}
	if req := jp["applicantLocationRequirements"].([]any); typ(req[0]) != "Country" {
		t.Errorf("applicantLocationRequirements: %v", req)
	}
	second := doc.Graph[1]
	if _, ok := second["jobLocationType"]; ok || second["employmentType"] != "INTERN" || second["baseSalary"] != nil {
		t.Errorf("onsite posting: %v", second)
	}
	if a := second["jobLocation"].([]any)[0].(map[string]any)["address"].(map[string]any); a["addressCountry"] != "Germany" || a["addressLocality"] != "Berlin" {
		t.Errorf("single location: %v", a)
	}

	var empty map[string]any
	if err := json.Unmarshal(writeAll(t, JSONLD, Options{}), &empty); err != nil || len(empty["@graph"].([]any)) != 0 {
		t.Errorf("empty export: %v %v", empty, err)
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	a, b := full(), full()
	b.ID, b.JobNumber, b.Status, b.ClosedAt = "contoso_R-2", "R-2", index.StatusOpen, nil
	out := writeAll(t, JSONL, Options{}, a, b)
	if n := bytes.Count(out, []byte("\n")); n != 2 {
		t.Fatalf("%d lines", n)
	}
	if bytes.Contains(out, []byte("content_hash")) || bytes.Contains(out, []byte("snippet")) || bytes.Contains(out, []byte("fetch")) {
		t.Errorf("bookkeeping exported: %s", out)
	}
	var got []index.Record
	err := Read(bytes.NewReader(out), func(r index.Record) error { got = append(got, r); return nil },
		func(le *LineError) error { return le })
	if err != nil {
		t.Fatal(err)
	}
	want := []index.Record{a.Public(), b.Public()}
	for i := range want {
		want[i].Snippet = ""
	}
	if len(got) != 2 || !reflect.DeepEqual(publics(got), want) {
		t.Errorf("read back\n%+v\nwant\n%+v", publics(got), want)
	}
}

func publics(rs []index.Record) []index.Record {
	out := make([]index.Record, len(rs))
	for i, r := range rs {
		out[i] = r.Public()
	}
	return out
}

func TestReadBadLines(t *testing.T) {
	good := func(n int) string {
		return fmt.Sprintf(`{"id":"s_%d","site":"s","job_number":"%d","title":"T","first_seen":"2026-11-01T00:00:00Z","last_seen":"2026-11-01T00:00:00Z","status":"open"}`, n, n)
	}
	long := strings.Repeat("x", 5000)
	lines := []string{
		"\ufeff" + good(1),
		`{"id":"s_2","site":"s","title": oops ` + long + `}`,
		"",
		good(3),
		`{"site":"s","job_number":"R.4","title":"derived id"}`,
		`{"id":"s_5","site":"s","job_number":"5","status":"` + long + `"}`,
		`{"id":"s_6","job_number":"6"}`,
		`{"id":"s_7","site":"s","job_number":"7","first_seen":"` + long + `"}`,
		`{"id":"s 8","site":"s","job_number":"8"}`,
		`{"id":"s_9","site":"s","job_number":"9"} {"id":"s_10"}`,
		`{"id":"s_11","site":"s","job_number":"11","salary_min":"lots"}`,
		"\xff\xfe",
		`{"id":"s_13","site":"s","job_number":"13","status":"closed","last_seen":"2026-11-02T00:00:00Z"}`,
		strings.Repeat("y", MaxLine+10),
		good(15),
	}
	var got []index.Record
	var bad []*LineError
	err := Read(strings.NewReader(strings.Join(lines, "\n")), func(r index.Record) error { got = append(got, r); return nil },
		func(le *LineError) error { bad = append(bad, le); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{"s_1", "s_3", index.RecordID("s", "R.4"), "s_13", "s_15"}) {
		t.Errorf("imported %q", ids)
	}
	if got[3].ClosedAt == nil || !got[3].ClosedAt.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)) || got[1].Status != "open" {
		t.Errorf("closed record without closed_at: %+v", got[3])
	}
	wantLines := []int64{2, 6, 7, 8, 9, 10, 11, 12, 14}
	var lineNums []int64
	for _, le := range bad {
		lineNums = append(lineNums, le.Line)
		if len(le.Reason) > 120 || strings.Contains(le.Reason, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") {
			t.Errorf("line %d: reason not clipped: %.200q", le.Line, le.Reason)
		}
	}
	if !slices.Equal(lineNums, wantLines) {
		t.Errorf("bad lines %v, want %v (%v)", lineNums, wantLines, bad)
	}
	for _, le := range bad {
		t.Logf("line %d: %s", le.Line, le.Reason)
	}

	stop := errors.New("stop")
	err = Read(strings.NewReader("{}\n"+good(2)), func(index.Record) error { t.Error("read past a stop"); return nil },
		func(*LineError) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("bad's error: %v", err)
	}
}
