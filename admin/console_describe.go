package admin

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/site"
)

// describeSchedule says a cron spec in words for people who do not read
// cron: "每天 07:00（北京时间）", "every Monday at 08:00 (UTC)". Specs it
// has no words for are shown as they are.
func describeSchedule(w *site.ConsoleWords, spec string, siteZone *time.Location) string {
	spec = strings.TrimSpace(spec)
	zone := siteZone.String()
	fields := strings.Fields(spec)
	if len(fields) > 0 && (strings.HasPrefix(fields[0], "CRON_TZ=") || strings.HasPrefix(fields[0], "TZ=")) {
		_, zone, _ = strings.Cut(fields[0], "=")
		fields = fields[1:]
	}
	withZone := func(s string) string {
		name := zone
		if n, ok := w.Zones[zone]; ok {
			name = n
		}
		return s + site.Fill(w.ZoneSuffix, "zone", name)
	}
	raw := site.Fill(w.RawSpec, "spec", spec)
	if len(fields) == 1 {
		switch fields[0] {
		case "@daily", "@midnight":
			return withZone(site.Fill(w.EveryDay, "time", "00:00"))
		case "@hourly":
			return site.Fill(w.Hourly, "minute", "0")
		}
		return raw
	}
	if len(fields) == 2 && fields[0] == "@every" {
		return site.Fill(w.EveryInterval, "interval", fields[1])
	}
	if len(fields) == 6 {
		if fields[0] != "0" {
			return raw
		}
		fields = fields[1:]
	}
	if len(fields) != 5 {
		return raw
	}
	minute, hour, dom, month, dow := fields[0], fields[1], fields[2], fields[3], fields[4]
	if month != "*" {
		return raw
	}
	if n, ok := strings.CutPrefix(minute, "*/"); ok && hour == "*" && dom == "*" && dow == "*" {
		return site.Fill(w.EveryNMinutes, "n", n)
	}
	mins, ok := numbers(minute, 59)
	if !ok || len(mins) != 1 {
		return raw
	}
	if hour == "*" && dom == "*" && dow == "*" {
		return site.Fill(w.Hourly, "minute", strconv.Itoa(mins[0]))
	}
	if n, ok := strings.CutPrefix(hour, "*/"); ok && mins[0] == 0 && dom == "*" && dow == "*" {
		return site.Fill(w.EveryNHours, "n", n)
	}
	hours, ok := numbers(hour, 23)
	if !ok {
		return raw
	}
	times := make([]string, len(hours))
	for i, h := range hours {
		times[i] = fmt.Sprintf("%02d:%02d", h, mins[0])
	}
	at := strings.Join(times, w.TimeSeparator)
	switch {
	case dom == "*" && dow == "*":
		return withZone(site.Fill(w.EveryDay, "time", at))
	case dom == "*":
		days, ok := numbers(dow, 7)
		if !ok {
			return raw
		}
		set := map[int]bool{}
		for _, d := range days {
			set[d%7] = true
		}
		switch {
		case len(set) == 5 && !set[0] && !set[6]:
			return withZone(site.Fill(w.WorkingDays, "time", at))
		case len(set) == 2 && set[0] && set[6]:
			return withZone(site.Fill(w.Weekends, "time", at))
		}
		names := make([]string, 0, len(set))
		for d := range 7 {
			if set[d] {
				names = append(names, w.WeekdayNames[d])
			}
		}
		return withZone(site.Fill(w.OnWeekdays, "days", strings.Join(names, w.TimeSeparator), "time", at))
	case dow == "*":
		days, ok := numbers(dom, 31)
		if !ok {
			return raw
		}
		names := make([]string, len(days))
		for i, d := range days {
			names[i] = strconv.Itoa(d)
		}
		return withZone(site.Fill(w.OnDaysOfMonth, "days", strings.Join(names, w.TimeSeparator), "time", at))
	}
	return raw
}

// numbers reads a cron field of numbers, lists and ranges ("7", "7,19",
// "1-5") up to max.
func numbers(field string, max int) ([]int, bool) {
	var out []int
	for _, part := range strings.Split(field, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 || a > max {
			return nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b > max {
				return nil, false
			}
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out, len(out) > 0
}
