package content

import "testing"

func TestOneLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"clean text unchanged", "示范区新闻 7月20日", "示范区新闻 7月20日"},
		{"line breaks become one space", "标题\r\nBcc: x@y\n", "标题 Bcc: x@y"},
		{"controls dropped", "a\x00b\x1b[31mc\x7f\u0085d", "ab[31mc d"},
		{"unicode spaces collapse and trim", "\u3000 甲\u2028\t乙  ", "甲 乙"},
		{"empty", "\r\n\t", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OneLine(tt.in); got != tt.want {
				t.Errorf("OneLine(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
