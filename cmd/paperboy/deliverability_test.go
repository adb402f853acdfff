package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/csv"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/bounces"
	"github.com/paperboy-news/paperboy/internal/imaptest"
	"github.com/paperboy-news/paperboy/store"
)

// shippedLine is the line of the shipped config.toml holding s.
func shippedLine(t *testing.T, s string) int {
	t.Helper()
	return lineOf(t, string(shipped(t, "config.toml")), s)
}

// smtpConfig is the shipped config.toml with transport "smtp" and the
// replacements applied, written into a temp dir; it returns its path.
func smtpConfig(t *testing.T, extra string, replace ...string) string {
	t.Helper()
	dir := t.TempDir()
	path := copyShipped(t, dir, "config.toml")
	data := strings.Replace(string(shipped(t, "config.toml")), `transport = "file"`, `transport = "smtp"`, 1)
	data = strings.NewReplacer(replace...).Replace(data) + extra
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckRefusesProductionMistakes(t *testing.T) {
	t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "")
	path := smtpConfig(t, "")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"check", "-config", path}, &stdout, &stderr)
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "3 problem(s) for sending real mail") {
		t.Fatalf("err = %v, want 3 problems (exit 1)\n%s", err, stderr.String())
	}
	for _, want := range []string{
		fmt.Sprintf("%s:%d: site.base_url: http://127.0.0.1:8080/ points at this machine", path, shippedLine(t, "base_url =")),
		fmt.Sprintf("%s:%d: smtp.from: news@example.org is a reserved example domain", path, shippedLine(t, "from =")),
		fmt.Sprintf("%s:%d: unsubscribe.secret_env: environment variable PAPERBOY_UNSUBSCRIBE_SECRET is not set", path, shippedLine(t, "secret_env =")),
		fmt.Sprintf("warning: %s:%d: dkim.key_file: not set", path, shippedLine(t, "key_file =")),
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stderr.String())
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("a refused file printed a summary:\n%s", stdout.String())
	}

	// Plain http on a real host, and a Message-ID domain that is an example.
	for _, tc := range []struct{ base, want string }{
		{"http://news.paper.cn/", "plain http"},
		{"https://news.example.com/", "Message-IDs and List-Ids are made on it"},
		{"https://[::1]:8443/", "points at this machine"},
	} {
		t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "cmd-test-secret-0123456789")
		path := smtpConfig(t, "", `base_url = "http://127.0.0.1:8080/"`, `base_url = "`+tc.base+`"`, `from = "news@example.org"`, `from = "news@paper.cn"`)
		stderr.Reset()
		err := run(context.Background(), []string{"check", "-config", path}, &stdout, &stderr)
		if err == nil || !strings.Contains(stderr.String(), fmt.Sprintf(":%d: site.base_url: ", shippedLine(t, "base_url ="))) || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("base_url %s: err = %v, output:\n%s", tc.base, err, stderr.String())
		}
	}
}

func TestCheckPrintsTheDKIMRecord(t *testing.T) {
	t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "cmd-test-secret-0123456789")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path := smtpConfig(t, "",
		`base_url = "http://127.0.0.1:8080/"`, `base_url = "https://news.paper.cn/"`, `from = "news@example.org"`, `from = "news@paper.cn"`,
		`key_file = ""`, `key_file = "keys/dkim.pem"`, `selector = "paperboy"`, `selector = "pb2026"`,
		`return_path = ""`, `return_path = "bounces@paper.cn"`)
	keyPath := filepath.Join(filepath.Dir(path), "keys", "dkim.pem")
	if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"check", "-config", path}, &stdout, &stderr); err != nil {
		t.Fatalf("check: %v\n%s", err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("warnings for a file with DKIM and a return path:\n%s", stderr.String())
	}
	m := regexp.MustCompile(`(?m)^  pb2026\._domainkey\.paper\.cn\. IN TXT \( (.*) \)$`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no TXT record for pb2026._domainkey.paper.cn in:\n%s", stdout.String())
	}
	// The record is quoted strings of at most 255 bytes, joined as DNS does.
	var txt strings.Builder
	for _, q := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(m[1], -1) {
		if len(q[1]) > 255 {
			t.Fatalf("TXT string of %d bytes", len(q[1]))
		}
		txt.WriteString(q[1])
	}
	p, ok := strings.CutPrefix(txt.String(), "v=DKIM1; k=rsa; p=")
	if !ok {
		t.Fatalf("record %q", txt.String())
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil || !key.PublicKey.Equal(pub) {
		t.Fatalf("the record's key is not the key file's (%v)", err)
	}

	// A key too weak is refused at its line.
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	err = run(context.Background(), []string{"check", "-config", path}, &stdout, &stderr)
	keyLine := shippedLine(t, "key_file =")
	if want := fmt.Sprintf("%s:%d: dkim.key_file: ", path, keyLine); err == nil || !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "1024 bits") {
		t.Fatalf("weak key: err = %v, want %q ... 1024 bits in:\n%s", err, want, stderr.String())
	}
}

func TestSuppressionsCommand(t *testing.T) {
	cfgPath, dir := digestSetup(t)
	ctx := context.Background()
	sup := func(args ...string) (string, error) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		// -config before the subcommand's own flags and addresses, or
		// (with no subcommand) before the subcommand.
		full := []string{"suppressions", "-config", cfgPath}
		if len(args) > 0 && args[0] != "frobnicate" {
			full = []string{"suppressions", args[0], "-config", cfgPath}
			args = args[1:]
		}
		err := run(ctx, append(full, args...), &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}
	if out, err := sup(); err != nil || !strings.Contains(out, "no suppressed addresses") {
		t.Fatalf("empty list: %q, %v", out, err)
	}
	if out, err := sup("add", "-note", "asked by phone", "reader2@example.org"); err != nil || !strings.Contains(out, "suppressed reader2@example.org") {
		t.Fatalf("add: %q, %v", out, err)
	}
	if out, err := sup("add", "READER2@example.org"); err != nil || !strings.Contains(out, "suppressed already") {
		t.Fatalf("add again: %q, %v", out, err)
	}
	if _, err := sup("add", "not an address"); !errors.Is(err, errUsage) {
		t.Fatalf("bad address: %v, want a usage error", err)
	}
	if _, err := sup("frobnicate"); !errors.Is(err, errUsage) {
		t.Fatalf("unknown subcommand: %v, want a usage error", err)
	}
	out, err := sup("list")
	if err != nil || !regexp.MustCompile(`(?m)^reader2@example\.org +manual +20\d\d-\d\d-\d\d \d\d:\d\d CST +asked by phone$`).MatchString(out) {
		t.Fatalf("list: %v\n%s", err, out)
	}

	// The next digest skips the suppressed address.
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"digest", "-config", cfgPath, "daily"}, &stdout, &stderr); err != nil {
		t.Fatalf("digest: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "sent 1, failed 0") {
		t.Fatalf("digest summary = %q, want 1 sent", stdout.String())
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(emls) != 1 {
		t.Fatalf("outbox has %d .eml files, want 1", len(emls))
	}
	if raw, _ := os.ReadFile(emls[0]); bytes.Contains(raw, []byte("reader2@example.org")) {
		t.Fatal("the suppressed address was mailed")
	}

	stdout.Reset()
	if err := run(ctx, []string{"status", "-config", cfgPath}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "suppressed addresses: 1 (manual 1)") {
		t.Fatalf("status: %v\n%s", err, stdout.String())
	}

	csvPath := filepath.Join(dir, "suppressions.csv")
	if _, err := sup("export", "-o", csvPath); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Addresses: readable by the service's user only, as a subscriber export.
	if fi, err := f.Stat(); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("export mode = %v; want 0600", fi.Mode())
	}
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 2 || strings.Join(rows[0], ",") != "address,reason,created_at,evidence" ||
		rows[1][0] != "reader2@example.org" || rows[1][1] != "manual" || rows[1][3] != "asked by phone" {
		t.Fatalf("csv %v, %v", rows, err)
	}
	if out, err := sup("remove", "reader2@example.org"); err != nil || !strings.Contains(out, "will get digests again") {
		t.Fatalf("remove: %q, %v", out, err)
	}
	if _, err := sup("remove", "reader2@example.org"); err == nil || !strings.Contains(err.Error(), "not suppressed: reader2@example.org") {
		t.Fatalf("remove again: %v", err)
	}
}

// withBounceMailbox starts a test IMAP server and points the config file
// at it as the bounce mailbox (return path bounces@news.paper.cn), read on
// schedule, with the other replacements applied.
func withBounceMailbox(t *testing.T, cfgPath, schedule string, replace ...string) *imaptest.Server {
	t.Helper()
	mb := imaptest.Start(t)
	t.Setenv("PAPERBOY_IMAP_PASSWORD", imaptest.Password)
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer(append(replace,
		`return_path = ""`, `return_path = "bounces@news.paper.cn"`,
		`schedule = ""`, `schedule = "`+schedule+`"`,
		`imap_host = ""`, `imap_host = "`+mb.Host+`"`,
		`imap_port = 993`, fmt.Sprintf("imap_port = %d", mb.Port),
		`imap_tls = "implicit"`, `imap_tls = "none"`,
		`imap_user = ""`, `imap_user = "`+imaptest.User+`"`,
	)...).Replace(string(data))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return mb
}

func TestSuppressionsReadTheBounceMailbox(t *testing.T) {
	cfgPath, _ := digestSetup(t)
	ctx := context.Background()
	mb := withBounceMailbox(t, cfgPath, "*/10 * * * *")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"digest", "-config", cfgPath, "daily"}, &stdout, &stderr); err != nil {
		t.Fatalf("digest: %v\n%s", err, stderr.String())
	}
	dsn, err := os.ReadFile(filepath.Join("..", "..", "bounces", "testdata", "hard.eml"))
	if err != nil {
		t.Fatal(err)
	}
	verp := bounces.ReturnPath("bounces@news.paper.cn", []byte("cmd-test-secret-0123456789"), "reader2@example.org")
	mb.Deliver(t, []byte(strings.NewReplacer("{{VERP}}", verp, "{{RCPT}}", "reader2@example.org", "{{MSGID}}", "unknown@news.paper.cn").Replace(string(dsn))))

	stdout.Reset()
	if err := run(ctx, []string{"suppressions", "read", "-config", cfgPath}, &stdout, &stderr); err != nil {
		t.Fatalf("read: %v\n%s", err, stderr.String())
	}
	if want := "read 1 message(s): 1 hard bounce(s), 0 soft, 0 delayed, 0 complaint(s), 0 left alone; 1 address(es) suppressed"; !strings.Contains(stdout.String(), want) {
		t.Fatalf("read said %q, want %q", stdout.String(), want)
	}
	stdout.Reset()
	if err := run(ctx, []string{"suppressions", "-config", cfgPath}, &stdout, &stderr); err != nil ||
		!regexp.MustCompile(`(?m)^reader2@example\.org +hard-bounce .*5\.1\.1; 550 5\.1\.1`).MatchString(stdout.String()) {
		t.Fatalf("list: %v\n%s", err, stdout.String())
	}
	// The daemon's schedule has the job.
	stdout.Reset()
	if err := run(ctx, []string{"schedule", "-config", cfgPath}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "bounces") {
		t.Fatalf("schedule: %v\n%s", err, stdout.String())
	}
}

func TestDaemonReadsTheBounceMailboxOnSchedule(t *testing.T) {
	cfgPath, dir := digestSetup(t)
	mb := withBounceMailbox(t, cfgPath, "@every 1s",
		`listen = "127.0.0.1:8080"`, `listen = "127.0.0.1:0"`,
		`ingest = "*/5 * * * *"`, `ingest = ""`,
		`watch_pages = true`, `watch_pages = false`)
	dsn, err := os.ReadFile(filepath.Join("..", "..", "bounces", "testdata", "arf.eml"))
	if err != nil {
		t.Fatal(err)
	}
	verp := bounces.ReturnPath("bounces@news.paper.cn", []byte("cmd-test-secret-0123456789"), "reader1@example.org")
	mb.Deliver(t, []byte(strings.NewReplacer("{{VERP}}", verp, "{{BASE}}", "bounces@news.paper.cn", "{{MSGID}}", "x@news.paper.cn").Replace(string(dsn))))

	if err := os.MkdirAll(filepath.Join(dir, "pages"), 0o755); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(t.TempDir(), "daemon.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "-config", cfgPath}, io.Discard, logFile) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v", err)
		}
		if t.Failed() {
			log, _ := os.ReadFile(logFile.Name())
			t.Logf("daemon log:\n%s", log)
		}
	}()

	st, err := store.Open(context.Background(), filepath.Join(dir, "data", "paperboy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		sup, err := st.Suppressed(context.Background(), "reader1@example.org")
		if err == nil {
			if sup.Reason != store.SuppressComplaint {
				t.Fatalf("suppressed as %q, want a complaint", sup.Reason)
			}
			break
		}
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon did not read the complaint within 20 s")
		}
	}
	if seen := mb.Contents(t); len(seen) != 1 || !seen["arf-1626945291-7731@arf.example.net"] {
		t.Fatalf("mailbox after the job: %v", seen)
	}
}
