package content

import "testing"

// TestIsStableID checks IsStableID against the ids StableID makes, so the
// form pages accept and the form ids have cannot drift apart.
func TestIsStableID(t *testing.T) {
	for _, kind := range []Kind{KindArticle, KindPhoto} {
		for _, key := range []string{"", "会议召开", "A3\x00简讯#2"} {
			if id := StableID("2021-07-20", kind, key); !IsStableID(id) {
				t.Errorf("IsStableID(%q) = false for StableID's own id", id)
			}
		}
	}
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"well formed", "2021-07-20-0123456789ab", true},
		{"upper-case hex", "2021-07-20-0123456789AB", false},
		{"short hash", "2021-07-20-0123456789a", false},
		{"long hash", "2021-07-20-0123456789abc", false},
		{"no dash before the hash", "2021-07-200123456789abc", false},
		{"letters in the date", "2021-0x-20-0123456789ab", false},
		{"path tricks", "2021-07-20-../../etc/pa", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsStableID(tt.id); got != tt.want {
				t.Errorf("IsStableID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestIsDate(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want bool
	}{
		{"date", "2021-07-20", true},
		{"no leading zeros", "2021-7-20", false},
		{"slashes", "2021/07/20", false},
		{"with a time", "2021-07-20T06:00", false},
		{"full-width digits", "２０２１-07-20", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsDate(tt.s); got != tt.want {
				t.Errorf("IsDate(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}
