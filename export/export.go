// Package export writes index records as a stream in the formats of
// `jobcrawl export` and GET /api/export — JSON Lines, CSV (RFC 4180) and
// JSON-LD (schema.org JobPosting) — and reads JSON Lines back for `jobcrawl
// import`. Writers hold one record at a time: memory does not depend on
// how many are written.
//
// Field names are the HTTP API's (index.Record.Public): a JSON Lines export
// is one API hit per line.
package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/jobcrawl/jobcrawl/index"
)

// Format is an export format.
type Format string

// The formats.
const (
	JSONL  Format = "jsonl"
	CSV    Format = "csv"
	JSONLD Format = "jsonld"
)

// Formats lists the formats, the default first.
var Formats = []Format{JSONL, CSV, JSONLD}

// ParseFormat reads a format name (jsonl, csv, jsonld; "ndjson" and
// "json-ld" are accepted too).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "jsonl", "ndjson":
		return JSONL, nil
	case "csv":
		return CSV, nil
	case "jsonld", "json-ld":
		return JSONLD, nil
	}
	return "", fmt.Errorf("unknown format %q (formats: jsonl, csv, jsonld)", s)
}

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8; header=present"
	case JSONLD:
		return "application/ld+json"
	}
	return "application/x-ndjson"
}

// Ext is the file name extension of the format, without the dot.
func (f Format) Ext() string { return string(f) }

// Options change what a Writer writes.
type Options struct {
	// Excel starts a CSV export with a UTF-8 byte order mark, by which
	// Excel recognizes UTF-8. Other formats ignore it.
	Excel bool
}

// bufSize is the output buffer of a Writer.
const bufSize = 64 << 10

// Writer writes records in one format. It is not safe for concurrent use.
// Close must be called to finish the output (the JSON-LD document's end, and
// the buffer).
type Writer struct {
	out    *countWriter
	buf    *bufio.Writer
	enc    recordEncoder
	count  int64
	closed bool
}

type recordEncoder interface {
	begin(w *bufio.Writer) error
	record(w *bufio.Writer, r *index.Record) error
	end(w *bufio.Writer) error
}

// NewWriter returns a writer of format f to w. Nothing is written before the
// first record or Close (a CSV export's header and BOM, a JSON-LD export's
// opening, come then).
func NewWriter(w io.Writer, f Format, opts Options) (*Writer, error) {
	cw := &countWriter{w: w}
	ew := &Writer{out: cw, buf: bufio.NewWriterSize(cw, bufSize)}
	switch f {
	case JSONL:
		ew.enc = &jsonlEncoder{}
	case CSV:
		ew.enc = &csvEncoder{bom: opts.Excel}
	case JSONLD:
		ew.enc = &jsonldEncoder{}
	default:
		return nil, fmt.Errorf("unknown format %q (formats: jsonl, csv, jsonld)", f)
	}
	return ew, nil
}

// Write writes one record, as Record.Public shows it.
func (w *Writer) Write(r index.Record) error {
	if w.closed {
		return fmt.Errorf("export: write after close")
	}
	if w.count == 0 {
		if err := w.enc.begin(w.buf); err != nil {
			return err
		}
	}
	pub := r.Public()
	pub.Snippet = ""
	if err := w.enc.record(w.buf, &pub); err != nil {
		return err
	}
	w.count++
	return nil
}

// Flush writes what is buffered to the underlying writer.
func (w *Writer) Flush() error { return w.buf.Flush() }

// Close ends the output and flushes it. It does not close the underlying
// writer.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.count == 0 {
		if err := w.enc.begin(w.buf); err != nil {
			return err
		}
	}
	if err := w.enc.end(w.buf); err != nil {
		return err
	}
	return w.buf.Flush()
}

// Count is the number of records written.
func (w *Writer) Count() int64 { return w.count }

// Bytes is the number of bytes passed to the underlying writer so far.
func (w *Writer) Bytes() int64 { return w.out.n }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// jsonlEncoder writes one JSON object a line, as the HTTP API writes a hit.
type jsonlEncoder struct{ enc *json.Encoder }

func (e *jsonlEncoder) begin(w *bufio.Writer) error {
	e.enc = json.NewEncoder(w) // escapes <, > and &, as the API does
	return nil
}

func (e *jsonlEncoder) record(w *bufio.Writer, r *index.Record) error { return e.enc.Encode(r) }

func (e *jsonlEncoder) end(w *bufio.Writer) error { return nil }
