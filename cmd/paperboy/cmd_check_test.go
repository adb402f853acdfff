package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/mailer"
)

func TestCheckShippedConfig(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"check", "-config", "../../config.toml"}, &stdout, &stderr); err != nil {
		t.Fatalf("check shipped config.toml: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"ok", "示范区新闻", "3 topic(s)", "demo: 2 recipient(s)", "1 digest(s)", "daily: \"0 7 * * *\" to demo; next ", "07:00:00 CST"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestCheckBadConfig(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"check", "-config", "testdata/bad-config.toml"}, &stdout, &stderr)
	if err == nil {
		t.Fatalf("check passed a bad config:\n%s", stdout.String())
	}
	if errors.Is(err, errUsage) {
		t.Errorf("err = %v is a usage error (exit 2), want exit 1", err)
	}
	if !strings.Contains(err.Error(), "3 problem(s)") {
		t.Errorf("err = %v, want 3 problems", err)
	}
	for _, want := range []string{
		`testdata/bad-config.toml:11: lists.addresses: list "demo": "reader2.example.org" is not an email address`,
		`testdata/bad-config.toml:17: digests.skip_emtpy: unknown key digests.skip_emtpy; did you mean skip_empty?`,
		`testdata/bad-config.toml:21: digests.schedule: bad cron spec "0 25 * * *"`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stderr.String())
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("a bad config printed a summary:\n%s", stdout.String())
	}
}

func TestCheckUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"check", "extra"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("err = %v, want a usage error", err)
	}
}

// TestCheckAgreesWithServe: the files. What check accepts, the
// daemon's wiring (newSite, mailerConfig, mailer.New) starts with; what it
// would refuse, check reports at its line.
func TestCheckAgreesWithServe(t *testing.T) {
	tests := []struct {
		name, from, to string
		problem        string // "" if both accept; %d stands for the changed line
	}{
		{"email tag authority", `tag_authority = "example.org,2021"`, `tag_authority = "editor@example.org,2021"`, ""},
		{"base_url with a path", `base_url = "http://127.0.0.1:8080/"`, `base_url = "https://example.org/paper/"`, ""},
		{"English", `language = "zh-CN"`, `language = "en"`, ""},
		{"base_url with a query", `base_url = "http://127.0.0.1:8080/"`, `base_url = "https://example.org/?from=rss"`, "config.toml:%d: site.base_url: "},
		{"base_url with port 99999", `base_url = "http://127.0.0.1:8080/"`, `base_url = "http://127.0.0.1:99999/"`, "config.toml:%d: site.base_url: \"http://127.0.0.1:99999/\" has port \"99999\", not a number from 1 to 65535"},
		{"base_url with port 65535", `base_url = "http://127.0.0.1:8080/"`, `base_url = "http://127.0.0.1:65535/"`, ""},
		{"tag authority without a date", `tag_authority = "example.org,2021"`, `tag_authority = "example.org"`, "config.toml:%d: feeds.tag_authority: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := feedsSite(t)
			path := filepath.Join(dir, "config.toml")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(data, []byte(tc.from)) {
				t.Fatalf("config.toml has no %s", tc.from)
			}
			changed := bytes.Replace(data, []byte(tc.from), []byte(tc.to), 1)
			if err := os.WriteFile(path, changed, 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			checkErr := run(context.Background(), []string{"check", "-config", path}, &stdout, &stderr)
			if tc.problem != "" {
				problem := fmt.Sprintf(tc.problem, lineOf(t, string(changed), tc.to))
				if checkErr == nil || !strings.Contains(stderr.String(), problem) {
					t.Fatalf("check: %v, want a problem %q:\n%s", checkErr, problem, stderr.String())
				}
				return
			}
			if checkErr != nil {
				t.Fatalf("check: %v\n%s", checkErr, stderr.String())
			}
			c, st, err := openConfigured(context.Background(), path, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			logger := slog.New(slog.DiscardHandler)
			if _, err := newSite(c, st, logger, nil); err != nil {
				t.Errorf("check accepted it, the site refuses: %v", err)
			}
			mc, err := mailerConfig(c, logger)
			if err == nil {
				_, err = mailer.New(mc, st, st)
			}
			if err != nil {
				t.Errorf("check accepted it, the mailer refuses: %v", err)
			}
		})
	}
}

// TestCheckExplainsTLSForALogin: check says what a user does to the TLS
// policy, and refuses "none" with a user unless plaintext auth is allowed.
func TestCheckExplainsTLSForALogin(t *testing.T) {
	shippedText := string(shipped(t, "config.toml"))
	tests := []struct {
		name, tls string
		allow     bool
		want      string
		refused   bool
	}{
		{"opportunistic", "opportunistic", false, "TLS is required because a user is set (opportunistic acts as mandatory)", false},
		{"mandatory", "mandatory", false, "login news over TLS only; certificates verified", false},
		{"none", "none", false, `smtp.tls: "none" with user "news" would send the password and every message in clear`, true},
		{"none, allowed", "none", true, "allow_plaintext_auth is on", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(shippedText, `transport = "file"`, `transport = "smtp"`, 1)
			// A file otherwise fit for real mail, so that only the TLS
			// policy decides (check refuses the shipped base_url and sender
			// with transport "smtp").
			text = strings.NewReplacer(`base_url = "http://127.0.0.1:8080/"`, `base_url = "https://news.paper.cn/"`,
				`from = "news@example.org"`, `from = "news@paper.cn"`).Replace(text)
			t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "cmd-test-secret-0123456789")
			t.Setenv("PAPERBOY_SMTP_PASSWORD", "cmd-test-password") // the user's, without which serve refuses
			text = strings.Replace(text, `tls = "mandatory"`, `tls = "`+tc.tls+`"`, 1)
			text = strings.Replace(text, `user = ""`, `user = "news"`, 1)
			if tc.allow {
				text = strings.Replace(text, `allow_plaintext_auth = false`, `allow_plaintext_auth = true`, 1)
			}
			dir := t.TempDir()
			copyShipped(t, dir, "pages/2021-07-20.txt")
			cfg := filepath.Join(dir, "config.toml")
			if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"check", "-config", cfg}, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if err != nil {
				out += err.Error()
			}
			if (err != nil) != tc.refused || !strings.Contains(out, tc.want) {
				t.Errorf("check: %v; want refused %v and %q in:\n%s", err, tc.refused, tc.want, out)
			}
		})
	}
}
