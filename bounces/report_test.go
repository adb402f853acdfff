package bounces

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestOneLine: a diagnostic is stored as one line of valid UTF-8 within
// maxDetail bytes, whatever the remote server wrote.
func TestOneLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"folded", "smtp; 550 5.1.1\r\n  user unknown", "smtp; 550 5.1.1 user unknown"},
		{"control characters", "550\x00 mailbox\x1b[31m gone", "550 mailbox[31m gone"},
		// 1 + 3n bytes: byte 300 is inside a character.
		{"chinese cut on a character", "x" + strings.Repeat("邮箱已满", 40), "x" + string([]rune(strings.Repeat("邮箱已满", 25))[:99])},
		{"ascii cut", strings.Repeat("a", 400), strings.Repeat("a", maxDetail)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := oneLine(tt.in)
			if got != tt.want {
				t.Errorf("oneLine = %q, want %q", got, tt.want)
			}
			if !utf8.ValidString(got) || len(got) > maxDetail {
				t.Errorf("oneLine = %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
			}
		})
	}
}
