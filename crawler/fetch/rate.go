package fetch

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Rate is a number of requests per period, written "10/s", "300/m", "2/h",
// "5/1500ms" or a bare number (per second) in config. The zero Rate is no
// cap.
type Rate struct {
	N   int
	Per time.Duration
}

// Interval is the least time between two request starts that keeps to the
// rate, 0 for no cap.
func (r Rate) Interval() time.Duration {
	if r.N <= 0 || r.Per <= 0 {
		return 0
	}
	return r.Per / time.Duration(r.N)
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Rate) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	bad := fmt.Errorf("%q is not a rate (like 10/s, 300/m or 5)", b)
	num, unit, found := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 {
		return bad
	}
	per := time.Second
	if found {
		switch unit = strings.TrimSpace(unit); unit {
		case "s":
		case "m", "min":
			per = time.Minute
		case "h":
			per = time.Hour
		default:
			if per, err = time.ParseDuration(unit); err != nil || per <= 0 {
				return bad
			}
		}
	}
	*r = Rate{N: n, Per: per}
	if n == 0 {
		*r = Rate{}
	}
	return nil
}

// UnmarshalYAML reads a rate and names the line of a bad one.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	if err := r.UnmarshalText([]byte(n.Value)); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

func (r Rate) String() string {
	switch {
	case r.N <= 0:
		return "0"
	case r.Per == time.Second:
		return strconv.Itoa(r.N) + "/s"
	case r.Per == time.Minute:
		return strconv.Itoa(r.N) + "/m"
	case r.Per == time.Hour:
		return strconv.Itoa(r.N) + "/h"
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}
