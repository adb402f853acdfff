package main

import (
	"bytes"
	"crypto/sha256"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/mailer"
)

// TestFileTransportWithoutSecretSignsWithAProcessSecret: with the shipped
// config (file transport) and no secret in the environment, unsubscribe
// links are signed with a random per-process secret: nobody can compute
// it from the config path, and it stays the same across reloads, so links
// written before a reload still work.
func TestFileTransportWithoutSecretSignsWithAProcessSecret(t *testing.T) {
	t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "")
	load := func(dir string) (mailer.Config, string) {
		t.Helper()
		raw, err := os.ReadFile("../../config.toml")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "config.toml")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := loadConfig(path, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		mcfg, err := mailerConfig(c, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return mcfg, logs.String()
	}
	dir := t.TempDir()
	first, logs := load(dir)
	if !strings.Contains(logs, "only work while this process runs") || !strings.Contains(logs, "PAPERBOY_UNSUBSCRIBE_SECRET") {
		t.Errorf("warning does not say the links die with the process and what to set:\n%s", logs)
	}
	if bytes.Contains([]byte(logs), first.UnsubscribeSecret) {
		t.Error("the secret was logged")
	}
	guessable := sha256.Sum256([]byte("paperboy development secret " + filepath.Join(dir, "config.toml")))
	if len(first.UnsubscribeSecret) < 32 || bytes.Equal(first.UnsubscribeSecret, guessable[:]) {
		t.Fatalf("secret %x is short or derived from the config path", first.UnsubscribeSecret)
	}
	reloaded, _ := load(dir)
	if !bytes.Equal(reloaded.UnsubscribeSecret, first.UnsubscribeSecret) {
		t.Fatal("a reload changed the secret: links in mail already written would stop working")
	}

	// A link forged with the old, computable secret is refused.
	forged := mailer.NewUnsubscribeKeys(first.Site.BaseURL.String(), guessable[:]).Token("residents", "victim@example.org")
	if _, _, err := mailer.NewUnsubscribeKeys(first.Site.BaseURL.String(), first.UnsubscribeSecret).Parse(forged); err == nil {
		t.Fatal("a token signed with the config-path secret was accepted")
	}
	good := mailer.NewUnsubscribeKeys(reloaded.Site.BaseURL.String(), reloaded.UnsubscribeSecret).Token("residents", "victim@example.org")
	if _, addr, err := mailer.NewUnsubscribeKeys(first.Site.BaseURL.String(), first.UnsubscribeSecret).Parse(good); err != nil || addr != "victim@example.org" {
		t.Fatalf("a genuine token from before the reload = %q, %v", addr, err)
	}
}
