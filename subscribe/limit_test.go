package subscribe

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"direct", "203.0.113.7:5000", "", nil, "203.0.113.7"},
		{"header ignored without trusted proxies", "203.0.113.7:5000", "198.51.100.1", nil, "203.0.113.7"},
		{"header ignored from an untrusted peer", "203.0.113.7:5000", "198.51.100.1", proxies, "203.0.113.7"},
		{"through a trusted proxy", "10.0.0.2:5000", "198.51.100.1", proxies, "198.51.100.1"},
		{"a forged hop left of the client is ignored", "10.0.0.2:5000", "1.2.3.4, 198.51.100.1", proxies, "198.51.100.1"},
		{"two trusted proxies", "10.0.0.2:5000", "198.51.100.1, 10.0.0.9", proxies, "198.51.100.1"},
		{"garbage stops the walk", "10.0.0.2:5000", "nonsense", proxies, "10.0.0.2"},
		{"IPv6 counts by /64", "[2001:db8:1:2:3:4:5:6]:443", "", nil, "2001:db8:1:2::/64"},
		{"IPv6 proxy", "[::1]:443", "2001:db8::9", proxies, "2001:db8::/64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/subscribe/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := clientIP(r, tc.trusted); got != tc.want {
				t.Errorf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIPLimiterRefills(t *testing.T) {
	l := NewIPLimiter(2, time.Minute)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, want := range []bool{true, true, false} {
		if got := l.Allow("a", now); got != want {
			t.Fatalf("request %d: %v, want %v", i, got, want)
		}
	}
	if !l.Allow("b", now) {
		t.Fatal("another IP is limited")
	}
	if l.Allow("a", now.Add(30*time.Second)) {
		t.Fatal("refilled after half the interval")
	}
	if !l.Allow("a", now.Add(61*time.Second)) {
		t.Fatal("not refilled after the interval")
	}
}
