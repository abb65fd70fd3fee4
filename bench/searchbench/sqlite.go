package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	_ "modernc.org/sqlite" // registers the "sqlite" driver: SQLite compiled to pure Go

	"github.com/jobcrawl/jobcrawl/index"
)

// SQLite is a search index on SQLite FTS5, written for this benchmark only:
// the third column beside Bleve and the engine. It answers index.Query the
// way the engine does where FTS5 can:
//
//   - every query word must match one of the searchable fields (FTS5's
//     implicit AND); the last word also matches as a prefix ("word"*),
//     unless the text ends with a separator; no typo tolerance: FTS5 has none
//   - filters are SQL IN lists compared with COLLATE NOCASE, OR-ed within a
//     field and AND-ed across fields
//   - facet counts are GROUP BY queries, disjunctive: a facet's counts ignore
//     the filters on that facet
//   - text without a sort ranks by bm25 (weights like Bleve's boosts), then
//     newest first; no text and no sort: newest first
//
// Single-valued facets are columns of records, each with an index;
// multi-valued ones (locations, cities, regions, countries) are rows of
// record_values. The text is in a contentless FTS5 table keyed by the
// records' rowid; the record itself is stored as JSON for the hits.
type SQLite struct {
	db *sql.DB
}

// sqliteFile is the database file inside the index directory.
const sqliteFile = "search.db"

// sqliteSingle are the single-valued facet fields, stored as columns.
var sqliteSingle = []string{"site", "company", "job_family", "team", "department", "employment_type",
	"workplace_type", "status", "remote", "salary_currency", "salary_period", "job_number"}

// sqliteMulti are the multi-valued facet fields, stored in record_values.
var sqliteMulti = []string{"locations", "cities", "regions", "countries"}

// sqliteSortColumns maps the schema's sort fields to columns.
var sqliteSortColumns = map[string]string{"date_posted": "date_posted_ts", "title": "title_sort",
	"first_seen": "first_seen_ts", "last_seen": "last_seen_ts", "salary_min": "salary_min", "salary_max": "salary_max"}

// sqliteSchema creates the tables. The FTS5 columns are index.SearchableFields
// in order; prefix='2 3' adds prefix indexes for the short prefixes a
// search-as-you-type box sends (longer prefixes are read from the term
// b-tree, which FTS5 keeps sorted).
func sqliteSchema() []string {
	var cols []string
	for _, f := range sqliteSingle {
		cols = append(cols, f+" TEXT COLLATE NOCASE")
	}
	stmts := []string{
		`CREATE TABLE records (
			rowid INTEGER PRIMARY KEY,
			id TEXT NOT NULL UNIQUE,
			doc BLOB NOT NULL,
			date_posted_ts INTEGER, first_seen_ts INTEGER, last_seen_ts INTEGER,
			salary_min REAL, salary_max REAL, title_sort TEXT,
			` + strings.Join(cols, ",\n\t\t\t") + `)`,
		`CREATE TABLE record_values (
			field TEXT NOT NULL,
			value TEXT NOT NULL COLLATE NOCASE,
			doc INTEGER NOT NULL,
			PRIMARY KEY (field, value, doc)) WITHOUT ROWID`,
		`CREATE INDEX record_values_doc ON record_values (doc, field, value)`,
		`CREATE INDEX records_date ON records (date_posted_ts)`,
		`CREATE VIRTUAL TABLE fts USING fts5(` + strings.Join(index.SearchableFields, ", ") +
			`, content='', contentless_delete=1, tokenize='unicode61', prefix='2 3')`,
	}
	for _, f := range sqliteSingle {
		stmts = append(stmts, fmt.Sprintf("CREATE INDEX records_%s ON records (%s)", f, f))
	}
	return stmts
}

// OpenSQLite opens the index in dir, creating it when missing.
func OpenSQLite(dir string) (*SQLite, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create index dir: %w", err)
	}
	path := filepath.Join(dir, sqliteFile)
	_, statErr := os.Stat(path)
	fresh := errors.Is(statErr, os.ErrNotExist)
	// WAL with synchronous=NORMAL: durable at checkpoints, which Close
	// runs; a large page cache and mmap because the engine holds its index
	// in memory too.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=cache_size(-65536)&_pragma=mmap_size(1073741824)&_pragma=temp_store(MEMORY)&_pragma=busy_timeout(3000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One connection: the benchmark is sequential, and every connection
	// would keep its own page cache.
	db.SetMaxOpenConns(1)
	if fresh {
		for _, stmt := range sqliteSchema() {
			if _, err := db.Exec(stmt); err != nil {
				db.Close()
				return nil, fmt.Errorf("create schema: %w", err)
			}
		}
	}
	return &SQLite{db: db}, nil
}

// Upsert adds or replaces records by id, in one transaction.
func (s *SQLite) Upsert(ctx context.Context, recs []index.Record) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	cols := append([]string{"id", "doc", "date_posted_ts", "first_seen_ts", "last_seen_ts", "salary_min", "salary_max", "title_sort"}, sqliteSingle...)
	insRec, err := tx.PrepareContext(ctx, "INSERT INTO records ("+strings.Join(cols, ", ")+") VALUES (?"+strings.Repeat(", ?", len(cols)-1)+")")
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	insFTS, err := tx.PrepareContext(ctx, "INSERT INTO fts (rowid, "+strings.Join(index.SearchableFields, ", ")+") VALUES (?"+strings.Repeat(", ?", len(index.SearchableFields))+")")
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	insVal, err := tx.PrepareContext(ctx, "INSERT OR IGNORE INTO record_values (field, value, doc) VALUES (?, ?, ?)")
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	for i := range recs {
		r := recs[i]
		r.Normalize()
		if err := s.remove(ctx, tx, r.ID); err != nil {
			return err
		}
		doc, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode %s: %w", r.ID, err)
		}
		args := []any{r.ID, doc, nullInt(r.DatePostedTS), r.FirstSeenTS, r.LastSeenTS, nullFloat(r.SalaryMin), nullFloat(r.SalaryMax), strings.ToLower(r.Title)}
		for _, f := range sqliteSingle {
			args = append(args, nullString(singleValue(&r, f)))
		}
		res, err := insRec.ExecContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("insert %s: %w", r.ID, err)
		}
		rowid, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("insert %s: %w", r.ID, err)
		}
		text := []any{rowid, r.Title, r.Company, r.JobFamily, r.Team, r.Department,
			strings.Join(r.Locations, "\n"), r.Description, strings.Join(r.Qualifications, "\n")}
		if _, err := insFTS.ExecContext(ctx, text...); err != nil {
			return fmt.Errorf("index text of %s: %w", r.ID, err)
		}
		for _, f := range sqliteMulti {
			for _, v := range multiValues(&r, f) {
				if v = strings.TrimSpace(v); v == "" {
					continue
				}
				if _, err := insVal.ExecContext(ctx, f, v, rowid); err != nil {
					return fmt.Errorf("insert %s of %s: %w", f, r.ID, err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit batch of %d: %w", len(recs), err)
	}
	return nil
}

// remove deletes the record with id, its text and its values, if present.
func (s *SQLite) remove(ctx context.Context, tx *sql.Tx, id string) error {
	var rowid int64
	err := tx.QueryRowContext(ctx, "SELECT rowid FROM records WHERE id = ?", id).Scan(&rowid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up %s: %w", id, err)
	}
	for _, stmt := range []string{"DELETE FROM fts WHERE rowid = ?", "DELETE FROM record_values WHERE doc = ?", "DELETE FROM records WHERE rowid = ?"} {
		if _, err := tx.ExecContext(ctx, stmt, rowid); err != nil {
			return fmt.Errorf("replace %s: %w", id, err)
		}
	}
	return nil
}

// Optimize merges the FTS5 segments into one, as the other backends merge
// theirs: the benchmark times it as part of building the index.
func (s *SQLite) Optimize(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "INSERT INTO fts (fts) VALUES ('optimize')"); err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// Close checkpoints the write-ahead log into the database and closes it.
func (s *SQLite) Close() error {
	if _, err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		s.db.Close()
		return fmt.Errorf("checkpoint: %w", err)
	}
	return s.db.Close()
}

// clause is one condition of a search: the text match or one filter.
type clause struct {
	field string // "" for the text
	sql   string
	args  []any
}

// where joins the clauses, leaving out those on field skip (when not "").
func where(cs []clause, skip string) (string, []any) {
	var parts []string
	var args []any
	for _, c := range cs {
		if skip != "" && c.field == skip {
			continue
		}
		parts = append(parts, c.sql)
		args = append(args, c.args...)
	}
	if len(parts) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(parts, " AND "), args
}

// Search runs q: the total, the disjunctive facet counts and a page of hits.
func (s *SQLite) Search(ctx context.Context, q index.Query) (index.Result, error) {
	if err := q.Validate(); err != nil {
		return index.Result{}, err
	}
	res := index.Result{Hits: []index.Record{}, Facets: map[string]map[string]int{}}
	var cs []clause
	match := ftsMatch(q.Text)
	if match != "" {
		cs = append(cs, clause{sql: "r.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)", args: []any{match}})
	}
	for _, f := range q.Filters {
		marks := "?" + strings.Repeat(", ?", len(f.Values)-1)
		args := make([]any, 0, len(f.Values)+1)
		if slices.Contains(sqliteMulti, f.Field) {
			args = append(args, f.Field)
			for _, v := range f.Values {
				args = append(args, strings.TrimSpace(v))
			}
			cs = append(cs, clause{f.Field, "r.rowid IN (SELECT doc FROM record_values WHERE field = ? AND value IN (" + marks + "))", args})
			continue
		}
		for _, v := range f.Values {
			args = append(args, strings.TrimSpace(v))
		}
		cs = append(cs, clause{f.Field, "r." + f.Field + " IN (" + marks + ")", args})
	}

	w, args := where(cs, "")
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM records r"+w, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count: %w", err)
	}
	for _, f := range q.Facets {
		if _, done := res.Facets[f]; done {
			continue
		}
		counts, err := s.facet(ctx, f, cs, q.FacetSize)
		if err != nil {
			return res, err
		}
		res.Facets[f] = counts
	}
	if q.Offset >= res.Total {
		return res, nil
	}
	hits, err := s.page(ctx, &q, cs, match)
	if err != nil {
		return res, err
	}
	res.Hits = hits
	return res, nil
}

// facet counts the values of field over the records every clause but
// those on field keeps.
func (s *SQLite) facet(ctx context.Context, field string, cs []clause, size int) (map[string]int, error) {
	w, args := where(cs, field)
	var query string
	if slices.Contains(sqliteMulti, field) {
		query = "SELECT value, count(*) FROM record_values WHERE field = ?"
		args = append([]any{field}, args...)
		if w != "" {
			query += " AND doc IN (SELECT r.rowid FROM records r" + w + ")"
		}
		query += " GROUP BY value"
	} else {
		cond := " WHERE r." + field + " IS NOT NULL"
		if w != "" {
			cond = w + " AND r." + field + " IS NOT NULL"
		}
		query = "SELECT r." + field + ", count(*) FROM records r" + cond + " GROUP BY r." + field
	}
	query += " ORDER BY 2 DESC, 1 LIMIT ?"
	rows, err := s.db.QueryContext(ctx, query, append(args, size)...)
	if err != nil {
		return nil, fmt.Errorf("facet %s: %w", field, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var v string
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			return nil, fmt.Errorf("facet %s: %w", field, err)
		}
		out[v] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("facet %s: %w", field, err)
	}
	return out, nil
}

// page reads the hits of q's page, in order.
func (s *SQLite) page(ctx context.Context, q *index.Query, cs []clause, match string) ([]index.Record, error) {
	var query string
	var args []any
	switch {
	case len(q.Sort) > 0:
		var order []string
		for _, o := range q.Sort {
			col := sqliteSortColumns[o.Field]
			if o.Desc {
				col += " DESC"
			}
			order = append(order, col)
		}
		w, a := where(cs, "")
		query, args = "SELECT r.doc FROM records r"+w+" ORDER BY "+strings.Join(order, ", ")+", r.id", a
	case match != "":
		// Rank with FTS5 itself: join on the rowids of the match.
		// Weights follow Bleve's field boosts, in SearchableFields order.
		w, a := where(cs[1:], "")
		cond := " WHERE fts MATCH ?"
		if w != "" {
			cond += " AND" + strings.TrimPrefix(w, " WHERE")
		}
		query = "SELECT r.doc FROM fts JOIN records r ON r.rowid = fts.rowid" + cond +
			" ORDER BY bm25(fts, 5, 2, 2, 2, 1.5, 1.5, 1, 1), r.date_posted_ts DESC, r.id"
		args = append([]any{match}, a...)
	default:
		w, a := where(cs, "")
		query, args = "SELECT r.doc FROM records r"+w+" ORDER BY r.date_posted_ts DESC, r.id", a
	}
	rows, err := s.db.QueryContext(ctx, query+" LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("hits: %w", err)
	}
	defer rows.Close()
	var hits []index.Record
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("hits: %w", err)
		}
		var r index.Record
		if err := json.Unmarshal(doc, &r); err != nil {
			return nil, fmt.Errorf("decode hit: %w", err)
		}
		hits = append(hits, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hits: %w", err)
	}
	return hits, nil
}

// maxQueryWords is how many words of a text query count, as in the engine.
const maxQueryWords = 10

// ftsMatch turns free text into an FTS5 query: each word quoted (so no
// word is read as an operator), all required, the last one a prefix
// unless the text ends with a separator. "" when the text has no word.
func ftsMatch(text string) string {
	ws := queryWords(text)
	if len(ws) == 0 {
		return ""
	}
	ws = ws[:min(len(ws), maxQueryWords)]
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = `"` + w + `"`
	}
	if r, _ := utf8.DecodeLastRuneInString(text); unicode.IsLetter(r) || unicode.IsDigit(r) {
		parts[len(parts)-1] += "*"
	}
	return strings.Join(parts, " ")
}

// queryWords splits text into lowercase runs of letters and digits, the
// way all three backends tokenize.
func queryWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// singleValue is the value of a single-valued facet field of r.
func singleValue(r *index.Record, field string) string {
	switch field {
	case "site":
		return r.Site
	case "company":
		return r.Company
	case "job_family":
		return r.JobFamily
	case "team":
		return r.Team
	case "department":
		return r.Department
	case "employment_type":
		return r.EmploymentType
	case "workplace_type":
		return r.WorkplaceType
	case "status":
		return r.Status
	case "remote":
		return strconv.FormatBool(r.Remote)
	case "salary_currency":
		return r.SalaryCurrency
	case "salary_period":
		return r.SalaryPeriod
	case "job_number":
		return r.JobNumber
	}
	panic("searchbench: unknown single-valued facet " + field)
}

// multiValues are the values of a multi-valued facet field of r.
func multiValues(r *index.Record, field string) []string {
	switch field {
	case "locations":
		return r.Locations
	case "cities":
		return r.Cities
	case "regions":
		return r.Regions
	case "countries":
		return r.Countries
	}
	panic("searchbench: unknown multi-valued facet " + field)
}

func nullString(s string) any {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return s
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullFloat(f float64) any {
	if f == 0 {
		return nil
	}
	return f
}
