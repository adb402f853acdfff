package bounces_test

import (
	"testing"

	"github.com/paperboy-news/paperboy/bounces"
)

// TestTokenFoldsAsAddressKey: a token names a reader as internal/address
// does, so that ASCII case does not make two readers of one and non-ASCII
// case does not make one reader of two (whose bounce would then suppress
// the other).
func TestTokenFoldsAsAddressKey(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"ascii case", "Zhang@Example.CN", "zhang@example.cn", true},
		{"surrounding space", " zhang@example.cn ", "zhang@example.cn", true},
		{"non-ascii case", "Ärger@example.de", "ärger@example.de", false},
		{"other reader", "li@example.cn", "zhang@example.cn", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta, tb := bounces.Token(secret, tt.a), bounces.Token(secret, tt.b)
			if (ta == tb) != tt.same {
				t.Errorf("Token(%q) = %s, Token(%q) = %s: same = %v, want %v", tt.a, ta, tt.b, tb, ta == tb, tt.same)
			}
		})
	}
}
