package linediff

import (
	"strings"
	"testing"
)

func TestChanged(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       []string
	}{
		{"same", "x\ny\n", "x\ny\n", nil},
		{"one line", "a\nb\nc\n", "a\nB\nc\n", []string{"-b", "+B"}},
		{"added", "a\nc\n", "a\nb\nc\n", []string{"+b"}},
		{"removed", "a\nb\nc\n", "a\nc\n", []string{"-b"}},
		{"first and last", "a\nb\nc", "A\nb\nC", []string{"-a", "-b", "-c", "+A", "+b", "+C"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Changed(tt.a, tt.b); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Changed = %q, want %q", got, tt.want)
			}
		})
	}
}
