package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseSpec(t *testing.T) {
	shanghai := mustLoad(t, "Asia/Shanghai")
	from := time.Date(2026, 7, 20, 0, 0, 0, 0, time.UTC) // 08:00 in Shanghai
	tests := []struct {
		name     string
		spec     string
		want     time.Time // first run after from
		wantZone string
		wantErr  string
	}{
		{name: "site zone by default", spec: "0 7 * * *", want: time.Date(2026, 7, 20, 23, 0, 0, 0, time.UTC), wantZone: "Asia/Shanghai"},
		{name: "CRON_TZ overrides the site zone", spec: "CRON_TZ=UTC 0 7 * * *", want: time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC), wantZone: "UTC"},
		{name: "legacy TZ=", spec: "TZ=America/New_York 0 7 * * *", want: time.Date(2026, 7, 20, 11, 0, 0, 0, time.UTC), wantZone: "America/New_York"},
		{name: "tab after the zone", spec: "CRON_TZ=UTC\t0 7 * * *", want: time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC), wantZone: "UTC"},
		{name: "optional seconds", spec: "30 0 7 * * *", want: time.Date(2026, 7, 20, 23, 0, 30, 0, time.UTC), wantZone: "Asia/Shanghai"},
		{name: "descriptor in the site zone", spec: "@daily", want: time.Date(2026, 7, 20, 16, 0, 0, 0, time.UTC), wantZone: "Asia/Shanghai"},
		{name: "every has no zone", spec: "@every 5m", want: from.Add(5 * time.Minute)},
		{name: "bare CRON_TZ does not panic", spec: "CRON_TZ=UTC", wantErr: `names a time zone but no schedule`},
		{name: "bare TZ with blanks", spec: "  TZ=Asia/Shanghai  ", wantErr: `names a time zone but no schedule`},
		{name: "unknown zone", spec: "CRON_TZ=Mars/Olympus 0 7 * * *", wantErr: `bad location`},
		{name: "every with a zone", spec: "CRON_TZ=UTC @every 5m", wantErr: `ignores time zones`},
		{name: "bad field", spec: "0 25 * * *", wantErr: `cron spec "0 25 * * *"`},
		{name: "empty", spec: " ", wantErr: `empty cron spec`},
		{name: "never fires", spec: "0 0 30 2 *", wantErr: `never fires`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSpec(tc.spec, shanghai)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(from); !got.Equal(tc.want) {
				t.Errorf("next = %v, want %v", got.UTC(), tc.want)
			}
			var zone string
			if z := scheduleZone(s); z != nil {
				zone = z.String()
			}
			if zone != tc.wantZone {
				t.Errorf("zone = %q, want %q", zone, tc.wantZone)
			}
		})
	}
}

// TestDSTNewYork documents what daylight saving does to daily specs in
// America/New_York in 2026: a time inside the skipped hour does not run on
// the spring-forward day, and a time inside the repeated hour fires twice on
// the fall-back day; the second of those is a repeated wall-clock time,
// which the scheduler records as skipped for slot-keyed jobs (see
// TestCatchUpSkipsDSTRepeat).
func TestDSTNewYork(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	tests := []struct {
		name     string
		spec     string
		from     time.Time
		want     []string // next three runs, local
		repeated []bool   // which of them repeatedWallClock flags
	}{
		{"spring forward skips 02:30", "30 2 * * *", time.Date(2026, 3, 7, 12, 0, 0, 0, ny),
			[]string{"2026-03-09 02:30 EDT", "2026-03-10 02:30 EDT", "2026-03-11 02:30 EDT"}, []bool{false, false, false}},
		{"spring forward keeps 01:30", "30 1 * * *", time.Date(2026, 3, 7, 12, 0, 0, 0, ny),
			[]string{"2026-03-08 01:30 EST", "2026-03-09 01:30 EDT", "2026-03-10 01:30 EDT"}, []bool{false, false, false}},
		{"fall back fires 01:30 twice", "30 1 * * *", time.Date(2026, 10, 31, 12, 0, 0, 0, ny),
			[]string{"2026-11-01 01:30 EDT", "2026-11-01 01:30 EST", "2026-11-02 01:30 EST"}, []bool{false, true, false}},
		{"fall back 02:30 once", "30 2 * * *", time.Date(2026, 10, 31, 12, 0, 0, 0, ny),
			[]string{"2026-11-01 02:30 EST", "2026-11-02 02:30 EST", "2026-11-03 02:30 EST"}, []bool{false, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSpec(tc.spec, ny)
			if err != nil {
				t.Fatal(err)
			}
			runs := NextRuns(s, tc.from, 3)
			if len(runs) != 3 {
				t.Fatalf("runs = %v", runs)
			}
			for i, r := range runs {
				if got := r.In(ny).Format("2006-01-02 15:04 MST"); got != tc.want[i] {
					t.Errorf("run %d = %s, want %s", i, got, tc.want[i])
				}
				if _, rep := repeatedWallClock(r, ny); rep != tc.repeated[i] {
					t.Errorf("run %d (%s): repeated = %v, want %v", i, tc.want[i], rep, tc.repeated[i])
				}
			}
		})
	}
}

func TestNewestSlot(t *testing.T) {
	daily, _ := ParseSpec("0 7 * * *", time.UTC)
	everySecond, _ := ParseSpec("* * * * * *", time.UTC)
	never, _ := parser.Parse("0 0 30 2 *")
	day := func(d, h, m, s int) time.Time { return time.Date(2026, 7, d, h, m, s, 0, time.UTC) }
	tests := []struct {
		name       string
		sched      interface{ Next(time.Time) time.Time }
		after, now time.Time
		want       time.Time
		wantOK     bool
	}{
		{"one missed", daily, day(19, 7, 0, 0), day(20, 8, 0, 0), day(20, 7, 0, 0), true},
		{"several missed: the newest", daily, day(10, 7, 0, 0), day(20, 8, 0, 0), day(20, 7, 0, 0), true},
		{"slot exactly now", daily, day(19, 7, 0, 0), day(20, 7, 0, 0), day(20, 7, 0, 0), true},
		{"none since last", daily, day(20, 7, 0, 0), day(20, 23, 0, 0), time.Time{}, false},
		{"last is in the future", daily, day(21, 7, 0, 0), day(20, 23, 0, 0), time.Time{}, false},
		{"every second after a month", everySecond, day(1, 0, 0, 0), day(31, 5, 6, 7), day(31, 5, 6, 7), true},
		{"never fires", never, day(1, 0, 0, 0), day(31, 0, 0, 0), time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := newestSlot(tc.sched, tc.after, tc.now)
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Fatalf("newestSlot = %v, %v; want %v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestNoZoneIsAnError checks that a schedule never falls back to the
// server's zone (time.Local) without being told: a spec without CRON_TZ
// needs a zone, and so does a scheduler.
func TestNoZoneIsAnError(t *testing.T) {
	if _, err := ParseSpec("0 7 * * *", nil); err == nil || !strings.Contains(err.Error(), "time zone") {
		t.Errorf("ParseSpec without a zone: err = %v, want one naming the missing time zone", err)
	}
	if _, err := ParseSpec("CRON_TZ=Asia/Shanghai 0 7 * * *", nil); err != nil {
		t.Errorf("ParseSpec with its own CRON_TZ and no default zone: %v", err)
	}
	if _, err := ParseSpec("@every 5m", nil); err != nil {
		t.Errorf("ParseSpec of an interval, which has no zone: %v", err)
	}
	st, _ := openStore(t)
	if _, err := New(Config{Store: st}); err == nil || !strings.Contains(err.Error(), "time zone") {
		t.Errorf("New without a zone: err = %v, want one naming the missing time zone", err)
	}
}
