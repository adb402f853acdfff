package content

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short enough stays whole", "示范区召开会议。", 10, "示范区召开会议。"},
		{"at a sentence end in the last third", "今天示范区召开党政联席会议。会议研究了防汛工作和下半年的重点任务安排", 20, "今天示范区召开党政联席会议。"},
		{"a closing quote stays with its sentence", "他说：“要把防汛放在首位。”随后会议研究了下半年工作", 16, "他说：“要把防汛放在首位。”"},
		{"at a clause break, with the Chinese ellipsis", "今天上午示范区召开党政联席会议，研究部署防汛救灾和灾后重建各项工作", 20, "今天上午示范区召开党政联席会议……"},
		{"never inside a number", "示范区今年完成固定资产投资额达到了123456789元并且还在增长", 24, "示范区今年完成固定资产投资额达到了……"},
		{"never inside a decimal", "今年上半年全区地区生产总值同比增长12.5%以上", 21, "今年上半年全区地区生产总值同比增长……"},
		{"a number is not cut from its unit", "全区共有一百多家企业参与了这次活动，共计投入资金3000万元", 28, "全区共有一百多家企业参与了这次活动，共计投入资金……"},
		{"Latin text is cut between words, with the one-character ellipsis", "The council met on Tuesday and agreed the flood plan for the coming summer season", 40, "The council met on Tuesday and agreed…"},
		{"Latin number kept whole", "Spending rose to 1,250,000 dollars in the year", 22, "Spending rose to…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Truncate(tc.in, tc.n)
			if got != tc.want {
				t.Fatalf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
			body := strings.TrimSuffix(strings.TrimSuffix(got, "……"), "…")
			if utf8.RuneCountInString(body) > tc.n+2 {
				t.Fatalf("%q is longer than %d characters", body, tc.n)
			}
		})
	}
}
