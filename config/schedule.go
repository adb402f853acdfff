package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// ScheduleParser is the cron parser for every schedule in paperboy: five
// fields, an optional leading seconds field, and descriptors such as
// "@daily" and "@every 1h". The scheduler must parse with it too, so that
// what `paperboy check` accepts is what runs.
var ScheduleParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a cron spec with ScheduleParser. The schedule runs
// in loc unless the spec starts with CRON_TZ= (or TZ=); "@every" runs a
// fixed interval after start whatever the zone. A spec that can never fire
// (say, February 30th) is an error.
func ParseSchedule(spec string, loc *time.Location) (s cron.Schedule, err error) {
	trimmed := strings.TrimSpace(spec)
	hasTZ := strings.HasPrefix(trimmed, "CRON_TZ=") || strings.HasPrefix(trimmed, "TZ=")
	if hasTZ && !strings.Contains(trimmed, " ") {
		// cron v3.0.1 panics on a zone with no fields after it.
		return nil, fmt.Errorf("bad cron spec %q: a CRON_TZ= zone must be followed by the schedule's fields, e.g. \"CRON_TZ=UTC 0 7 * * *\"", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("bad cron spec %q: %v", spec, r)
		}
	}()
	s, err = ScheduleParser.Parse(trimmed)
	if err != nil {
		return nil, fmt.Errorf("bad cron spec %q: %v (use 5 fields \"minute hour day-of-month month day-of-week\", e.g. \"0 7 * * *\")", spec, err)
	}
	if ss, ok := s.(*cron.SpecSchedule); ok && !hasTZ {
		ss.Location = loc
	}
	if s.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("bad cron spec %q: it never fires", spec)
	}
	return s, nil
}

// NextRuns returns the next n times s fires after t.
func NextRuns(s cron.Schedule, t time.Time, n int) []time.Time {
	runs := make([]time.Time, 0, n)
	for range n {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		runs = append(runs, t)
	}
	return runs
}
