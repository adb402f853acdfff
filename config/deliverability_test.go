package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDeliverabilityProblems(t *testing.T) {
	tests := []struct {
		name  string
		toml  string
		line  int // within toml (a key it leaves out: its table's)
		key   string
		match string
	}{
		{"missing key file", "[dkim]\nkey_file = \"nowhere.pem\"\nselector = \"s1\"\n", 2, "dkim.key_file", "no such file"},
		{"bad selector", "[dkim]\nkey_file = \"k.pem\"\nselector = \"two words\"\n", 3, "dkim.selector", "DNS label"},
		{"misaligned domain", "[dkim]\nkey_file = \"k.pem\"\nselector = \"s1\"\ndomain = \"other.cn\"\n", 4, "dkim.domain", "does not align"},
		{"return path with plus", "[bounces]\nreturn_path = \"bounces+x@paper.cn\"\n", 2, "bounces.return_path", "must not contain '+'"},
		{"return path not an address", "[bounces]\nreturn_path = \"Bounces <b@paper.cn>\"\n", 2, "bounces.return_path", "bare address"},
		{"bad imap tls", "[bounces]\nimap_tls = \"ssl\"\n", 2, "bounces.imap_tls", "implicit"},
		{"schedule without host", "[bounces]\nschedule = \"*/15 * * * *\"\n", 1, "bounces.imap_host", "host name"},
		{"bad schedule", "[bounces]\nschedule = \"every 15 minutes\"\nimap_host = \"imap.paper.cn\"\n", 2, "bounces.schedule", "bad"},
		{"negative soft limit", "[bounces]\nsoft_bounce_limit = -1\n", 2, "bounces.soft_bounce_limit", "1 or more"},
		{"secret in file", "[bounces]\nimap_password_env = \"hunter2!\"\n", 2, "bounces.imap_password_env", "environment variable name"},
		{"misspelled key", "[bounces]\nsoft_bounce_limt = 2\n", 2, "bounces.soft_bounce_limt", "did you mean soft_bounce_limit?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadWith(t, "[smtp]\nfrom = \"news@paper.cn\"\n"+strings.ReplaceAll(tt.toml, "k.pem", ed25519Key(t)))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want Problems", err)
			}
			want := tt.line + 2 // after the two [smtp] lines
			for _, p := range ps {
				if p.Line == want && p.Key == tt.key && strings.Contains(p.Message, tt.match) {
					return
				}
			}
			t.Errorf("want line %d key %q message containing %q; got:\n%v", want, tt.key, tt.match, err)
		})
	}
}

// ed25519Key writes a fresh Ed25519 key and returns its path.
func ed25519Key(t *testing.T) string {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDeliverabilityDefaults(t *testing.T) {
	key := ed25519Key(t)
	c, err := loadWith(t, "[smtp]\nfrom = \"news@News.Paper.cn\"\n[dkim]\nkey_file = \""+key+"\"\nselector = \"pb\"\n[bounces]\nreturn_path = \"bounces@paper.cn\"\nimap_tls = \"starttls\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if !c.DKIM.Enabled() || c.DKIM.Domain != "news.paper.cn" || c.DKIM.KeyFile != key {
		t.Errorf("dkim = %+v", c.DKIM)
	}
	// Zero values are the poller's defaults (its NewPoller fills them in).
	b := c.Bounces
	if b.IMAPPasswordEnv != "PAPERBOY_IMAP_PASSWORD" || b.Cron != nil {
		t.Errorf("bounces = %+v", b)
	}
	if pc := c.BouncePoller(); pc.IMAP.TLS != "starttls" || pc.ReturnPath != "bounces@paper.cn" {
		t.Errorf("poller settings = %+v", pc)
	}
	if d := c.Mailer().Deliverability; d.DKIM == nil || d.DKIM.Domain != "news.paper.cn" || d.ReturnPath != "bounces@paper.cn" {
		t.Errorf("mailer deliverability = %+v", d)
	}
	// Aligned: a parent domain of the sender's signs for it.
	if _, err := loadWith(t, "[smtp]\nfrom = \"news@news.paper.cn\"\n[dkim]\nkey_file = \""+key+"\"\nselector = \"pb\"\ndomain = \"paper.cn\"\n"); err != nil {
		t.Errorf("parent signing domain refused: %v", err)
	}
	// The file transport has nothing to say about production.
	if len(c.Production.Problems)+len(c.Production.Warnings) != 0 {
		t.Errorf("production notes for the file transport: %+v", c.Production)
	}
}

func TestProductionNotes(t *testing.T) {
	t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "config-test-secret-0123456789")
	key := ed25519Key(t)
	for _, tc := range []struct {
		name             string
		toml             string
		problems, warned []string // keys
	}{
		{"ready", "[site]\nbase_url = \"https://news.paper.cn/\"\n[smtp]\ntransport = \"smtp\"\nhost = \"smtp.paper.cn\"\nfrom = \"news@paper.cn\"\n[dkim]\nkey_file = \"" + key + "\"\nselector = \"s\"\n[bounces]\nreturn_path = \"bounces@mail.paper.cn\"\n", nil, nil},
		{"defaults", "[smtp]\ntransport = \"smtp\"\nhost = \"smtp.paper.cn\"\nfrom = \"news@paper.cn\"\n", []string{"site.base_url"}, []string{"dkim.key_file", "bounces.return_path"}},
		{"example sender and return path", "[site]\nbase_url = \"https://news.paper.cn/\"\n[smtp]\ntransport = \"smtp\"\nhost = \"smtp.paper.cn\"\nfrom = \"news@mail.example.net\"\n[bounces]\nreturn_path = \"bounces@example.net\"\n", []string{"smtp.from", "bounces.return_path"}, []string{"dkim.key_file"}},
		{"return path elsewhere", "[site]\nbase_url = \"https://news.paper.cn/\"\n[smtp]\ntransport = \"smtp\"\nhost = \"smtp.paper.cn\"\nfrom = \"news@paper.cn\"\n[bounces]\nreturn_path = \"b@bounce-service.io\"\n", nil, []string{"dkim.key_file", "bounces.return_path"}},
		{"private network", "[site]\nbase_url = \"https://192.168.1.10/\"\n[smtp]\ntransport = \"smtp\"\nhost = \"smtp.paper.cn\"\nfrom = \"news@paper.cn\"\n", []string{"site.base_url"}, []string{"dkim.key_file", "bounces.return_path"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadWith(t, tc.toml)
			if err != nil {
				t.Fatal(err)
			}
			keys := func(ps Problems) []string {
				var out []string
				for _, p := range ps {
					out = append(out, p.Key)
				}
				return out
			}
			if got := keys(c.Production.Problems); strings.Join(got, " ") != strings.Join(tc.problems, " ") {
				t.Errorf("problems %v, want %v:\n%v", got, tc.problems, c.Production.Problems)
			}
			if got := keys(c.Production.Warnings); strings.Join(got, " ") != strings.Join(tc.warned, " ") {
				t.Errorf("warnings %v, want %v:\n%v", got, tc.warned, c.Production.Warnings)
			}
		})
	}
}
