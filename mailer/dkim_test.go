package mailer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/paperboy-news/paperboy/bounces"
)

// writeKey writes key as a PKCS#8 PEM file and returns its path.
func writeKey(t *testing.T, key crypto.Signer) string {
	t.Helper()
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

// verify checks raw's DKIM signature with go-msgauth, which looks the key
// up in a DNS that holds only record at name.
func verify(t *testing.T, raw []byte, name, record string) *dkim.Verification {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if domain != name {
				return nil, errors.New("no such record " + domain)
			}
			return []string{record}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("%d signatures, want 1", len(vs))
	}
	return vs[0]
}

func TestDKIMSignedDigestVerifies(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		key     crypto.Signer
		keyType string
		pkcs1   bool
	}{
		{"rsa-2048 pkcs8", rsaKey, "k=rsa", false},
		{"rsa-2048 pkcs1", rsaKey, "k=rsa", true},
		{"ed25519", edKey, "k=ed25519", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeKey(t, tc.key)
			if tc.pkcs1 {
				der := x509.MarshalPKCS1PrivateKey(rsaKey)
				if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			key, err := LoadDKIMKey(path)
			if err != nil {
				t.Fatal(err)
			}
			s := startSink(t, true, nil)
			st := sampleStore(t)
			cfg := testConfig(s, 3)
			d := &DKIM{Domain: "example.cn", Selector: "pb2026", Key: key}
			cfg.Deliverability = Deliverability{DKIM: d, ReturnPath: "bounces@news.example.cn"}
			m := newDigests(t, cfg, st, st)
			if _, err := m.Run(context.Background(), "daily", slot); err != nil {
				t.Fatal(err)
			}
			record, err := d.Record()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(record, tc.keyType) || d.RecordName() != "pb2026._domainkey.example.cn" {
				t.Fatalf("record %s = %q", d.RecordName(), record)
			}
			for _, rcpt := range addresses(3) {
				raw := s.messages(rcpt)[0]
				checkMessage(t, raw, rcpt, wantSubject, 13)
				v := verify(t, raw, d.RecordName(), record)
				if v.Err != nil {
					t.Fatalf("%s: signature does not verify: %v", rcpt, v.Err)
				}
				if v.Domain != "example.cn" {
					t.Fatalf("d= %q", v.Domain)
				}
				for _, h := range []string{"from", "to", "subject", "message-id", "date", "list-unsubscribe", "list-unsubscribe-post"} {
					if !slices.ContainsFunc(v.HeaderKeys, func(k string) bool { return strings.EqualFold(k, h) }) {
						t.Fatalf("h= %v lacks %s", v.HeaderKeys, h)
					}
				}
				if !bytes.Contains(raw, []byte("c=relaxed/relaxed")) {
					t.Fatal("not relaxed/relaxed")
				}
				// The envelope sender is the recipient's own return path.
				if got, want := s.srv.Senders(rcpt)[0], bounces.ReturnPath("bounces@news.example.cn", cfg.UnsubscribeSecret, rcpt); got != want {
					t.Fatalf("MAIL FROM %q, want %q", got, want)
				}

				// A changed unsubscribe link, subject or body fails.
				for _, tamper := range [][2]string{
					{"List-Unsubscribe: <https://news.example.cn/", "List-Unsubscribe: <https://evil.example.net/"},
					{"List-Unsubscribe-Post: List-Unsubscribe=One-Click", "List-Unsubscribe-Post: List-Unsubscribe=Two-Click"},
					{"\r\n\r\n--", "\r\n\r\nextra\r\n--"},
				} {
					bad := bytes.Replace(raw, []byte(tamper[0]), []byte(tamper[1]), 1)
					if bytes.Equal(bad, raw) {
						t.Fatalf("tamper %q matched nothing", tamper[0])
					}
					if v := verify(t, bad, d.RecordName(), record); v.Err == nil {
						t.Fatalf("tampered message (%q) still verifies", tamper[0])
					}
				}
			}
		})
	}
}

func TestDKIMKeyRefused(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, pem, want string
	}{
		{"rsa 1024", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)})), "1024 bits"},
		{"not pem", "hello", "no valid PEM"},
		{"public key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "unsupported PEM block"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.pem")
			if err := os.WriteFile(path, []byte(tc.pem), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadDKIMKey(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want one naming %s and saying %q", err, path, tc.want)
			}
		})
	}
	if _, err := LoadDKIMKey(filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Fatal("a missing key file loaded")
	}
}

func TestDKIMConfigRefused(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		d    DKIM
		want string
	}{
		{"no selector", DKIM{Domain: "example.cn", Key: key}, "selector"},
		{"no domain", DKIM{Selector: "s", Key: key}, "domain"},
		{"no key", DKIM{Domain: "example.cn", Selector: "s"}, "no key"},
		{"long selector", DKIM{Domain: "example.cn", Selector: strings.Repeat("s", 72), Key: key}, "at most 63"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(nil, 1)
			cfg.Deliverability.DKIM = &tc.d
			if _, err := New(cfg, nil, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an error about %s", err, tc.want)
			}
		})
	}
}
