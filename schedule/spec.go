package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser accepts 5-field specs, 6-field specs with leading seconds (so tests
// and quick experiments can run every few seconds), descriptors (@daily,
// @every 5m) and a leading CRON_TZ= or TZ=.
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSpec parses a cron spec whose times are in loc unless the spec names
// its own zone with CRON_TZ= (or TZ=); loc is required (nil is an error,
// not the server's zone). Every
// problem, including the specs that make robfig/cron panic, comes back as an
// error that quotes the spec; it never panics.
func ParseSpec(spec string, loc *time.Location) (sched cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty cron spec: write e.g. \"0 7 * * *\" (07:00 every day)")
	}
	explicitTZ := strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=")
	if explicitTZ {
		fields := strings.Fields(spec)
		if len(fields) == 1 {
			// robfig/cron slices spec[eq+1:-1] here and panics.
			return nil, fmt.Errorf("cron spec %q names a time zone but no schedule: write e.g. %q", spec, spec+" 0 7 * * *")
		}
		if strings.HasPrefix(fields[1], "@every") {
			return nil, fmt.Errorf("cron spec %q: @every runs at a fixed interval and ignores time zones: drop %s", spec, fields[0])
		}
		// The parser splits the zone off at the first space, not any blank.
		spec = strings.Join(fields, " ")
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("cron spec %q: %v", spec, r)
		}
	}()
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	if ss, ok := s.(*cron.SpecSchedule); ok && !explicitTZ {
		if loc == nil {
			return nil, fmt.Errorf("cron spec %q: no time zone to read it in: pass the site's, or name one with CRON_TZ=", spec)
		}
		c := *ss
		c.Location = loc
		s = &c
	}
	if s.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("cron spec %q never fires", spec)
	}
	return s, nil
}

// scheduleZone is the zone a schedule's times are computed in, or nil for
// @every, which has none.
func scheduleZone(s cron.Schedule) *time.Location {
	if ss, ok := s.(*cron.SpecSchedule); ok {
		return ss.Location
	}
	return nil
}

// NextRuns lists the next n times sched fires after t. It works without a
// running cron.Cron (whose Entry.Next stays zero until Start).
func NextRuns(sched cron.Schedule, t time.Time, n int) []time.Time {
	var out []time.Time
	for len(out) < n {
		t = sched.Next(t)
		if t.IsZero() { // a spec that never fires, e.g. "0 0 30 2 *"
			break
		}
		out = append(out, t)
	}
	return out
}

// lookbacks are the windows newestSlot searches, growing so that it walks
// few slots for second-level specs yet still finds a yearly one.
var lookbacks = []time.Duration{time.Minute, time.Hour, 25 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour, 5 * 367 * 24 * time.Hour}

// newestSlot is the newest time sched fires in (after, now], if any.
func newestSlot(sched cron.Schedule, after, now time.Time) (time.Time, bool) {
	if !now.After(after) {
		return time.Time{}, false
	}
	for _, d := range lookbacks {
		from := now.Add(-d)
		if from.Before(after) {
			from = after
		}
		var newest time.Time
		for t := sched.Next(from); !t.IsZero() && !t.After(now); t = sched.Next(t) {
			newest = t
		}
		if !newest.IsZero() {
			return newest, true
		}
		if !from.After(after) {
			break
		}
	}
	return time.Time{}, false
}

// repeatedWallClock reports whether slot shows, in loc, a wall-clock time
// that an earlier instant already showed because the clocks went back (the
// second 01:30 on the first Sunday of November in America/New_York), and
// returns that earlier instant.
func repeatedWallClock(slot time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		return time.Time{}, false
	}
	t := slot.In(loc)
	_, off := t.Zone()
	_, offBefore := t.Add(-3 * time.Hour).Zone()
	if offBefore <= off {
		return time.Time{}, false
	}
	earlier := t.Add(-time.Duration(offBefore-off) * time.Second)
	if earlier.Format(time.DateTime) != t.Format(time.DateTime) {
		return time.Time{}, false
	}
	return earlier, true
}
