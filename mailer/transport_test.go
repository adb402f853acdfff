package mailer

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/store"
)

func TestFileTransportWritesOneEMLPerRecipient(t *testing.T) {
	st := sampleStore(t)
	cfg := testConfig(nil, 5)
	cfg.FileDir = filepath.Join(t.TempDir(), "outbox")
	// Header injection attempts through every configurable value.
	cfg.FromName = "示范区新闻\r\nBcc: victim@example.org"
	cfg.Digests[0].Subject = "{{.Site}}\r\nBcc: victim@example.org\n{{.Lead}}"
	m := newDigests(t, cfg, st, st)
	res, err := m.Run(context.Background(), "daily", slot)
	if err != nil || res.Sent != 5 || res.Status != store.RunDone {
		t.Fatalf("run = %+v, %v", res, err)
	}
	files, err := filepath.Glob(filepath.Join(cfg.FileDir, "*.eml"))
	if err != nil || len(files) != 5 {
		t.Fatalf("%d .eml files (%v), want 5", len(files), err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(cfg.FileDir, ".*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left behind: %v", leftovers)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p := parseMessage(t, raw)
		if p.header.Get("Bcc") != "" || strings.Contains(string(raw), "\nBcc:") {
			t.Fatalf("%s: header injection got through", f)
		}
		if p.subject != "示范区新闻 Bcc: victim@example.org 示范区党政联席会议召开" {
			t.Fatalf("subject = %q", p.subject)
		}
		want := emlName(p.header.Get("Message-Id"))
		if filepath.Base(f) != want {
			t.Fatalf("file %s named for Message-ID should be %s", f, want)
		}
	}
}

func TestPreviewAndSendTest(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 3)
	// Previewed today, a first run takes the 2021 edition only if the
	// digest's period reaches back to it.
	cfg.Digests[0].Period = 10 * 365 * 24 * time.Hour
	m := newDigests(t, cfg, st, st)
	ctx := context.Background()

	dir := filepath.Join(t.TempDir(), "preview")
	pv, err := m.Preview(ctx, "daily", "r0001@example.org", dir)
	// Previewed today, the 2021 edition's date shows its year.
	wantSubject := strings.Replace(wantSubject, " 7月20日", " 2021年7月20日", 1)
	if err != nil || pv.Articles != 13 || pv.WouldSkip || pv.Subject != wantSubject {
		t.Fatalf("preview = %+v, %v", pv, err)
	}
	for _, f := range []string{pv.HTMLPath, pv.TextPath, pv.EML} {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Fatalf("preview file %s: %v", f, err)
		}
	}
	raw, _ := os.ReadFile(pv.EML)
	checkMessage(t, raw, "r0001@example.org", wantSubject, 13)

	sent, err := m.SendTest(ctx, "daily", "editor@example.org")
	id := sent.MessageID
	if err != nil {
		t.Fatal(err)
	}
	msgs := s.messages("editor@example.org")
	if len(msgs) != 1 {
		t.Fatalf("test address got %d messages", len(msgs))
	}
	if got := checkMessage(t, msgs[0], "editor@example.org", wantSubject, 13).header.Get("Message-Id"); got != "<"+id+">" {
		t.Fatalf("Message-ID %s, SendTest returned %s", got, id)
	}
	// Neither created a run nor sent to the list.
	if s.total() != 1 {
		t.Fatalf("sink has %d messages, want only the test message", s.total())
	}
	if _, err := st.DigestRunBySlot(ctx, "daily", slot); err == nil {
		t.Fatal("preview or test created a run")
	}
	if _, err := m.Preview(ctx, "nope", "a@example.org", dir); err == nil || !strings.Contains(err.Error(), `unknown digest "nope"`) {
		t.Fatalf("unknown digest: err = %v", err)
	}
}

func TestConfigErrorsAreListedTogether(t *testing.T) {
	cfg := Config{
		From:      "not an address",
		Transport: "pigeon",
		Lists:     map[string][]string{"residents": {"ok@example.org", "张三 <x@example.org>", "not an address"}},
		Digests: []Digest{
			{Name: "daily", Lists: []string{"residents", "missing"}, Subject: "{{.Nope}}"},
			{Name: "daily", Lists: []string{"residents"}},
		},
	}
	_, err := New(cfg, nil, nil)
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"site: ", "smtp.from: ", "unsubscribe secret", `smtp.transport: "pigeon"`,
		"list residents: recipient \"not an address\"", `list "missing" is not defined`, "subject: bad template", "used twice"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestMandatoryTLSAgainstPlainServerFailsClearly(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 2)
	cfg.SMTP.TLSPolicy = TLSMandatory
	m := newDigests(t, cfg, st, st)
	res, err := m.Run(context.Background(), "daily", slot)
	if err != nil || res.Status != store.RunFailed || res.Failed != 2 || s.total() != 0 {
		t.Fatalf("run = %+v, %v; want both deliveries failed and nothing sent in clear", res, err)
	}
	runs, _ := st.RecentDigestRuns(context.Background(), "daily", 1)
	if errs := strings.Join(runs[0].LastErrors, "\n"); !strings.Contains(errs, "gave up after 4 attempts: connect to 127.0.0.1") ||
		!strings.Contains(strings.ToLower(errs), "starttls") {
		t.Fatalf("errors = %q", errs)
	}
	if runs[0].Error != "all 2 deliveries failed" {
		t.Fatalf("run error = %q", runs[0].Error)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestSTARTTLSWithAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	var sawTLS atomic.Bool
	s := startSinkWith(t, smtptest.Config{User: "paperboy", Password: "s3cret"}, func(srv *smtp.Server) {
		srv.AllowInsecureAuth = false // AUTH only after STARTTLS
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, VerifyConnection: func(tls.ConnectionState) error {
			sawTLS.Store(true)
			return nil
		}}
	})
	st := sampleStore(t)
	tests := []struct {
		name     string
		password string
		sent     int
	}{
		{"right password", "s3cret", 3},
		{"wrong password", "wrong", 0},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(s, 3)
			cfg.Digests[0].Name = fmt.Sprintf("d%d", i)
			cfg.SMTP.TLSPolicy = TLSMandatory
			cfg.SMTP.Username, cfg.SMTP.Password = "paperboy", tc.password
			cfg.SMTP.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
			m := newDigests(t, cfg, st, st)
			res, err := m.Run(context.Background(), cfg.Digests[0].Name, slot)
			if err != nil || res.Sent != tc.sent || res.Sent+res.Failed != 3 {
				t.Fatalf("run = %+v, %v; want %d sent", res, err, tc.sent)
			}
		})
	}
	if !sawTLS.Load() {
		t.Fatal("the sink never negotiated TLS")
	}
	runs, _ := st.RecentDigestRuns(context.Background(), "d1", 1)
	if errs := strings.Join(runs[0].LastErrors, "\n"); !strings.Contains(errs, "535") {
		t.Fatalf("wrong password: errors = %q, want the 535 reply", errs)
	}
}
