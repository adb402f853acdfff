package admin

import (
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/site"
)

func TestDescribeSchedule(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	zh, en := site.ConsoleWordsFor("zh-CN"), site.ConsoleWordsFor("en")
	tests := []struct {
		name, spec string
		w          *site.ConsoleWords
		want       string
	}{
		{"daily", "0 7 * * *", zh, "每天 07:00（北京时间）"},
		{"daily, English", "0 7 * * *", en, "every day at 07:00 (Beijing time)"},
		{"twice a day", "30 6,18 * * *", zh, "每天 06:30、18:30（北京时间）"},
		{"working days", "0 8 * * 1-5", zh, "工作日（周一至周五）08:00（北京时间）"},
		{"working days, English", "0 8 * * 1,2,3,4,5", en, "every weekday (Monday to Friday) at 08:00 (Beijing time)"},
		{"weekends", "0 9 * * 6,7", zh, "周末（周六、周日）09:00（北京时间）"},
		{"some days, Sunday first", "0 8 * * 3,0", zh, "每周日、周三 08:00（北京时间）"},
		{"Sunday as 7", "0 8 * * 7", en, "every Sunday at 08:00 (Beijing time)"},
		{"monthly", "0 9 1,15 * *", zh, "每月 1、15 日 09:00（北京时间）"},
		{"own zone", "CRON_TZ=UTC 0 7 * * *", zh, "每天 07:00（UTC）"},
		{"zone without a name", "CRON_TZ=Europe/Berlin 0 7 * * *", zh, "每天 07:00（Europe/Berlin）"},
		{"seconds field zero", "0 30 6 * * *", zh, "每天 06:30（北京时间）"},
		{"seconds field not zero", "5 30 6 * * *", zh, "cron 5 30 6 * * *"},
		{"every five minutes", "*/5 * * * *", zh, "每 5 分钟"},
		{"hourly", "15 * * * *", en, "every hour at minute 15"},
		{"every two hours", "0 */2 * * *", zh, "每 2 小时"},
		{"@daily", "@daily", zh, "每天 00:00（北京时间）"},
		{"@every", "@every 10m", en, "every 10m from start"},
		{"month field", "0 7 * 1 *", zh, "cron 0 7 * 1 *"},
		{"both day fields", "0 7 1 * 1", zh, "cron 0 7 1 * 1"},
		{"out of range", "0 25 * * *", zh, "cron 0 25 * * *"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describeSchedule(tt.w, tt.spec, shanghai); got != tt.want {
				t.Errorf("describeSchedule(%q) = %q, want %q", tt.spec, got, tt.want)
			}
		})
	}
}

// The next runs are in the zone the words name: the spec's own CRON_TZ=
// if it has one.
func TestNextRunsZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for spec, want := range map[string]string{
		"0 7 * * *":             "2026-12-02 07:00 CST",
		"CRON_TZ=UTC 0 7 * * *": "2026-12-02 07:00 UTC",
	} {
		next := nextRuns(spec, shanghai, now)
		if len(next) != 5 || next[0].Format("2006-01-02 15:04 MST") != want {
			t.Errorf("nextRuns(%q) = %v, want five from %s", spec, next, want)
		}
	}
}
