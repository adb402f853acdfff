package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
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
