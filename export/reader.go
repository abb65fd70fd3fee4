package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jobcrawl/jobcrawl/index"
)

// MaxLine is the longest line Read accepts (16 MiB): longer ones are
// reported and skipped without being held in memory.
const MaxLine = 16 << 20

// reasonLen is how many characters of a reason quote the input.
const reasonLen = 40

// LineError is a line Read skipped: its number (from 1) and why.
type LineError struct {
	Line   int64
	Reason string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// recordID is the shape of every record id (see index.RecordID).
var recordID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`)

// Read reads a JSON Lines export (one record a line, as the JSONL export
// and the HTTP API write them) and calls fn with each record, normalized.
// A line that is not a valid record is passed to bad (which may stop the
// read by returning an error) and skipped; blank lines are ignored, and so
// is a UTF-8 byte order mark at the start. A record without an id gets the
// one index.RecordID derives from its site and job number. Read returns
// the first error of fn or bad, or of reading r.
func Read(r io.Reader, fn func(index.Record) error, bad func(*LineError) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for n := int64(1); ; n++ {
		var tooLong bool
		line = line[:0]
		var err error
		for {
			var part []byte
			part, err = br.ReadSlice('\n')
			if !tooLong {
				if len(line)+len(part) > MaxLine {
					tooLong, line = true, line[:0]
				} else {
					line = append(line, part...)
				}
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil && err != io.EOF {
			return err
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		switch {
		case tooLong:
			if berr := bad(&LineError{Line: n, Reason: fmt.Sprintf("longer than %d MiB", MaxLine>>20)}); berr != nil {
				return berr
			}
		case len(bytes.TrimSpace(line)) > 0:
			rec, reason := decodeLine(line)
			if reason != "" {
				if berr := bad(&LineError{Line: n, Reason: reason}); berr != nil {
					return berr
				}
			} else if ferr := fn(rec); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// decodeLine reads one record, or says why it cannot (briefly: a reason
// never repeats more than reasonLen characters of the line).
func decodeLine(line []byte) (index.Record, string) {
	var r index.Record
	if !utf8.Valid(line) {
		return r, "not valid UTF-8"
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&r); err != nil {
		return index.Record{}, "not a JSON record: " + jsonReason(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return index.Record{}, "more than one JSON value on the line"
	}
	switch {
	case strings.TrimSpace(r.Site) == "":
		return r, "no site"
	case r.ID == "" && strings.TrimSpace(r.JobNumber) == "":
		return r, "neither id nor job_number"
	case r.Status != "" && r.Status != index.StatusOpen && r.Status != index.StatusClosed:
		return r, fmt.Sprintf("status %s is not open or closed", clip(r.Status))
	}
	if r.ID == "" {
		r.ID = index.RecordID(r.Site, r.JobNumber)
	}
	if !recordID.MatchString(r.ID) {
		return r, fmt.Sprintf("id %s is not an id (1 to 511 of A-Z a-z 0-9 _ -)", clip(r.ID))
	}
	if r.Status == index.StatusClosed && r.ClosedAt == nil && !r.LastSeen.IsZero() {
		at := r.LastSeen
		r.ClosedAt = &at
	}
	r.Normalize()
	return r, ""
}

// jsonReason is a JSON error without the input it quotes.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tim *time.ParseError
	switch {
	case errors.As(err, &tim):
		return fmt.Sprintf("a time is not RFC 3339: %s", clip(tim.Value))
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %s: want %s, got JSON %s", clip(strings.TrimPrefix(typ.Field, "Posting.")), typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the object is cut off"
	}
	return clip(err.Error())
}

// clip is s quoted, cut to reasonLen characters.
func clip(s string) string {
	if utf8.RuneCountInString(s) > reasonLen {
		s = string([]rune(s)[:reasonLen]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
