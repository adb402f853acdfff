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

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"bare", "reader@example.cn", "reader@example.cn", true},
		{"domain folded, local part kept", " Zhang@Example.CN ", "Zhang@example.cn", true},
		{"display name", "张三 <zhang@example.cn>", "", false},
		{"angle brackets", "<zhang@example.cn>", "", false},
		{"no at", "zhang.example.cn", "", false},
		{"header injection", "a@example.cn\r\nBcc: b@example.cn", "", false},
		{"two addresses", "a@example.cn, b@example.cn", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("Parse(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestMailbox(t *testing.T) {
	tests := []struct {
		name, in, addr, display string
		ok                      bool
	}{
		{"bare", " Zhang@Example.CN ", "Zhang@example.cn", "", true},
		{"display name", "张三 <Zhang@Example.CN>", "Zhang@example.cn", "张三", true},
		{"angle brackets alone", "<zhang@example.cn>", "", "", false},
		{"no at", "张三 <zhang.example.cn>", "", "", false},
		{"header injection", "a@example.cn\r\nBcc: b@example.cn", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr, display, err := Mailbox(tc.in)
			if (err == nil) != tc.ok || addr != tc.addr || display != tc.display {
				t.Errorf("Mailbox(%q) = %q, %q, %v; want %q, %q, ok %v", tc.in, addr, display, err, tc.addr, tc.display, tc.ok)
			}
		})
	}
}
