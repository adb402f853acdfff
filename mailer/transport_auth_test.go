package mailer

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/store"
)

// TestCredentialsNeverCrossWithoutTLS: a server that offers no STARTTLS
// but CRAM-MD5 and PLAIN, as the review's relay did, gets neither an AUTH
// command nor a message while a user is set, unless the configuration
// allows plaintext auth for a local relay.
func TestCredentialsNeverCrossWithoutTLS(t *testing.T) {
	tests := []struct {
		name      string
		policy    TLSPolicy
		allow     bool
		wantAuths bool
	}{
		{"opportunistic becomes mandatory", TLSOpportunistic, false, false},
		{"mandatory", TLSMandatory, false, false},
		// Allowed, the client authenticates in clear (here CRAM-MD5, which
		// the sink refuses, so still nothing is delivered).
		{"opportunistic with allow_plaintext_auth", TLSOpportunistic, true, true},
		{"none with allow_plaintext_auth", TLSNone, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startSinkWith(t, smtptest.Config{User: "paperboy", Password: "s3cret", Mechanisms: []string{"CRAM-MD5", sasl.Plain}})
			st := sampleStore(t)
			cfg := testConfig(s, 2)
			cfg.SMTP.TLSPolicy = tc.policy
			cfg.SMTP.Username, cfg.SMTP.Password = "paperboy", "s3cret"
			cfg.SMTP.AllowPlaintextAuth = tc.allow
			m := newDigests(t, cfg, st, st)
			res, err := m.Run(context.Background(), "daily", slot)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.srv.AuthAttempts(); (got > 0) != tc.wantAuths {
				t.Errorf("AUTH commands = %d, want any: %v", got, tc.wantAuths)
			}
			if s.srv.Total() != 0 || res.Sent != 0 {
				t.Fatalf("run = %+v, server accepted %d: want nothing sent in clear", res, s.srv.Total())
			}
			runs, _ := st.RecentDigestRuns(context.Background(), "daily", 1)
			if errs := strings.Join(runs[0].LastErrors, "\n"); tc.policy == TLSOpportunistic && !tc.allow &&
				!strings.Contains(errs, "TLS is required because a user is set") {
				t.Errorf("errors = %q, want the reason TLS was required", errs)
			}
		})
	}
}

func TestPlaintextPolicyWithUserRefusedAtConfig(t *testing.T) {
	cfg := testConfig(&sink{port: 2525}, 1)
	cfg.SMTP.TLSPolicy = TLSNone
	cfg.SMTP.Username, cfg.SMTP.Password = "paperboy", "s3cret"
	_, _, err := cfg.withDefaults()
	if err == nil || !strings.Contains(err.Error(), "allow_plaintext_auth") {
		t.Fatalf("err = %v, want the plaintext refusal naming allow_plaintext_auth", err)
	}
	cfg.SMTP.AllowPlaintextAuth = true
	if _, _, err := cfg.withDefaults(); err != nil {
		t.Fatalf("with allow_plaintext_auth: %v", err)
	}
}

// TestCertificateVerificationAlwaysOn: a server whose certificate no root
// trusts is refused even when the given TLS settings say to skip
// verification; naming its CA in CAFile makes it work.
func TestCertificateVerificationAlwaysOn(t *testing.T) {
	cert, _ := selfSigned(t)
	s := startSinkWith(t, smtptest.Config{User: "paperboy", Password: "s3cret"}, func(srv *smtp.Server) {
		srv.AllowInsecureAuth = false
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	st := sampleStore(t)
	tests := []struct {
		name   string
		caFile string
		sent   int
	}{
		{"InsecureSkipVerify ignored", "", 0},
		{"CA file", caFile, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(s, 2)
			cfg.Digests[0].Name = strings.ReplaceAll(tc.name, " ", "-")
			cfg.SMTP.TLSPolicy = TLSMandatory
			cfg.SMTP.Username, cfg.SMTP.Password = "paperboy", "s3cret"
			cfg.SMTP.TLSConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the point: it is overridden
			cfg.SMTP.CAFile = tc.caFile
			m := newDigests(t, cfg, st, st)
			res, err := m.Run(context.Background(), cfg.Digests[0].Name, slot)
			if err != nil || res.Sent != tc.sent {
				t.Fatalf("run = %+v, %v; want %d sent", res, err, tc.sent)
			}
			if tc.sent == 0 {
				if res.Status != store.RunFailed {
					t.Fatalf("status = %s, want failed", res.Status)
				}
				runs, _ := st.RecentDigestRuns(context.Background(), cfg.Digests[0].Name, 1)
				if errs := strings.Join(runs[0].LastErrors, "\n"); !strings.Contains(errs, "certificate") {
					t.Fatalf("errors = %q, want a certificate error", errs)
				}
			}
		})
	}
	bad := testConfig(s, 1)
	bad.SMTP.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if _, _, err := bad.withDefaults(); err == nil || !strings.Contains(err.Error(), "smtp.ca_file") {
		t.Fatalf("missing CA file: err = %v", err)
	}
}
