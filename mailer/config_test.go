package mailer

import (
	"strings"
	"testing"
)

// TestShortSecretErrorSaysWhatToSet: the error names the environment
// variable to set and how long its value must be.
func TestShortSecretErrorSaysWhatToSet(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		wantEnv string
	}{
		{"default variable", "", "PAPERBOY_UNSUBSCRIBE_SECRET"},
		{"configured variable", "NEWS_UNSUB_KEY", "NEWS_UNSUB_KEY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(nil, 1)
			cfg.UnsubscribeSecret = []byte("short")
			cfg.UnsubscribeSecretEnv = tc.env
			_, err := New(cfg, nil, nil)
			if err == nil {
				t.Fatal("a 5-byte secret was accepted")
			}
			for _, want := range []string{"set the environment variable " + tc.wantEnv, "at least 16", "5 bytes"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

// TestFromMustBeBare: smtp.from is a bare address (config splits a display
// name off before); anything else, a header break above all, is refused.
func TestFromMustBeBare(t *testing.T) {
	tests := []struct {
		name, from string
		ok         bool
	}{
		{"bare", "news@example.cn", true},
		{"display name", "示范区新闻 <news@example.cn>", false},
		{"angle brackets", "<news@example.cn>", false},
		{"trailing CRLF", "news@example.cn\r\n", false},
		{"injected header", "news@example.cn\r\nBcc: x@example.org", false},
		{"comment", "news@example.cn (News)", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(nil, 1)
			cfg.From = tc.from
			refused := false
			for _, p := range cfg.Validate() {
				refused = refused || p.Key == "smtp.from"
			}
			if refused == tc.ok {
				t.Errorf("From %q: refused = %v, want %v", tc.from, refused, !tc.ok)
			}
		})
	}
}
