package content

import (
	"strings"
	"testing"
)

func TestInferDate(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		wantDate string
		wantLine int
		wantOK   bool
	}{
		{"latest day named wins", "2021年7月13日上午\n会议。\n7月19日5时\n7月15日", "2021-07-19", 3, true},
		{"date wrapped over lines", "召开 2021 年会议\n7\n月14日上午", "2021-07-14", 2, true},
		{"号 as day", "2020年3月2号", "2020-03-02", 1, true},
		{"no year", "7月14日上午", "", 0, false},
		{"no month and day", "2021年的工作", "", 0, false},
		{"impossible day", "2021年2月30日", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []pline
			for i, l := range strings.Split(tt.text, "\n") {
				lines = append(lines, pline{n: i + 1, raw: l, text: cleanLine(l)})
			}
			date, line, ok := inferDate(lines)
			if date != tt.wantDate || ok != tt.wantOK || (ok && line != tt.wantLine) {
				t.Errorf("inferDate = %q, line %d, %v; want %q, line %d, %v", date, line, ok, tt.wantDate, tt.wantLine, tt.wantOK)
			}
		})
	}
}

func TestPageLabel(t *testing.T) {
	tests := []struct{ name, want string }{
		{"20210720-A3.txt", "A3"},
		{"/srv/pages/2021-07-20.txt", ""},
		{"A3_2021_07_20.txt", "A3"},
		{"2021-07-20 A04.txt", "A04"},
		{"front-2021-07-20-A1.txt", "front-A1"},
		{"page.txt", "page"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := pageLabel(tt.name); got != tt.want {
			t.Errorf("pageLabel(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
