package export

import (
	"bufio"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/jobcrawl/jobcrawl/index"
)

// Columns are the CSV header: the fields of the API's record
// (index.Record.Public), named as there, in its order.
var Columns = []string{"id", "site", "job_number", "alt_ids", "title", "company", "url", "urls", "apply_url",
	"locations", "cities", "regions", "countries", "remote", "workplace_type", "employment_type", "job_family",
	"team", "department", "salary_min", "salary_max", "salary_currency", "salary_period", "date_posted",
	"valid_through", "description", "qualifications", "responsibilities", "benefits", "first_seen", "last_seen",
	"closed_at", "status"}

// ListSep joins the values of a multi-valued field in a CSV cell.
const ListSep = "; "

// csvEncoder writes RFC 4180 CSV: a header, one record a row, CRLF line
// ends, fields quoted when they hold a comma, a quote or a line break.
type csvEncoder struct {
	bom  bool
	w    *csv.Writer
	cell []string
}

func (e *csvEncoder) begin(w *bufio.Writer) error {
	if e.bom {
		if _, err := w.WriteString("\ufeff"); err != nil {
			return err
		}
	}
	e.w = csv.NewWriter(w)
	e.w.UseCRLF = true
	e.cell = make([]string, len(Columns))
	return e.w.Write(Columns)
}

func (e *csvEncoder) record(w *bufio.Writer, r *index.Record) error {
	c := e.cell[:0]
	list := func(v []string) string { return strings.Join(v, ListSep) }
	num := func(v float64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339Nano)
	}
	closed := ""
	if r.ClosedAt != nil {
		closed = at(*r.ClosedAt)
	}
	c = append(c, r.ID, r.Site, r.JobNumber, list(r.AltIDs), r.Title, r.Company, r.URL, list(r.URLs), r.ApplyURL,
		list(r.Locations), list(r.Cities), list(r.Regions), list(r.Countries), strconv.FormatBool(r.Remote),
		r.WorkplaceType, r.EmploymentType, r.JobFamily, r.Team, r.Department, num(r.SalaryMin), num(r.SalaryMax),
		r.SalaryCurrency, r.SalaryPeriod, r.DatePosted, r.ValidThrough, r.Description, list(r.Qualifications),
		list(r.Responsibilities), list(r.Benefits), at(r.FirstSeen), at(r.LastSeen), closed, r.Status)
	for i := range c {
		c[i] = Inert(c[i])
	}
	e.cell = c
	if err := e.w.Write(c); err != nil {
		return err
	}
	e.w.Flush() // into the bufio.Writer: cheap, and keeps csv's own buffer from growing
	return e.w.Error()
}

func (e *csvEncoder) end(w *bufio.Writer) error {
	e.w.Flush()
	return e.w.Error()
}

// Inert neutralises a spreadsheet formula: a cell starting with =, +, -,
// @, a tab or a carriage return is one a spreadsheet may evaluate
// (=HYPERLINK(…), +cmd|…, @SUM(…)), so it gets a leading ' and reads as text.
// Other cells are returned as they are.
func Inert(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
