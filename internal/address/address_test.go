package address

import "testing"

func TestKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"reader@example.org", "reader@example.org"},
		{"Zhang.San@Example.ORG", "zhang.san@example.org"},
		{"ÄBC@例子.中国", "Äbc@例子.中国"}, // non-ASCII letters are left alone, as SQLite's lower() does
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := Key(tc.in); got != tc.want {
				t.Errorf("Key(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if !Equal("Zhang@Example.org", "zhang@example.ORG") || Equal("zhang@example.org", "zhang2@example.org") {
		t.Error("Equal disagrees with Key")
	}
}
