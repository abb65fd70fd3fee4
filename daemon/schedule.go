package daemon

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser reads the cron expressions of sites[].schedule: the standard five
// fields, an optional leading seconds field, and descriptors (@daily,
// @hourly, @every 6h…).
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads a site's schedule and time zone. An empty spec means
// the site has no schedule (it runs only when asked to) and returns a nil
// Schedule. Expressions are read in tz, an IANA zone name ("Europe/Paris"),
// or in the local time zone when tz is empty. The error quotes the
// expression; the caller names the site.
func ParseSchedule(spec, tz string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		if tz != "" {
			return nil, fmt.Errorf("%q: the time zone is set twice (in timezone and in the expression)", spec)
		}
	} else if tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			return nil, fmt.Errorf("timezone %q: %v", tz, err)
		}
		spec = "CRON_TZ=" + tz + " " + spec
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q: %v (want 5 fields \"min hour day month weekday\", 6 with seconds first, or @daily, @hourly, @every 6h…)",
			strings.TrimPrefix(spec, "CRON_TZ="+tz+" "), err)
	}
	if every, ok := s.(cron.ConstantDelaySchedule); ok {
		s = everyAligned{every.Delay}
	}
	if s.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("%q: never fires", spec)
	}
	return s, nil
}
