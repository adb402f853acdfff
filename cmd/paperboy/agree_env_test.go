package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCheckAgreesWithServeEnv extends TestCheckAgreesWithServe to the
// settings read from environment variables: check refuses exactly what
// serve refuses, at the line of the key naming the variable, and says
// which variable to set.
func TestCheckAgreesWithServeEnv(t *testing.T) {
	const (
		tokenKey  = `admin_token_env = "PAPERBOY_ADMIN_TOKEN"`
		secretKey = `secret_env = "PAPERBOY_UNSUBSCRIBE_SECRET"`
		smtpKey   = `password_env = "PAPERBOY_SMTP_PASSWORD"`
		imapKey   = `imap_password_env = "PAPERBOY_IMAP_PASSWORD"`
	)
	smtpUser := [2]string{`user = ""`, `user = "news"`}
	bounces := [][2]string{{`imap_user = ""`, `imap_user = "bounces"`}, {`schedule = ""`, `schedule = "0 3 * * *"`},
		{`imap_host = ""`, `imap_host = "imap.example.org"`}}
	tests := []struct {
		name    string
		env     map[string]string
		edits   [][2]string
		lineOf  string // the key whose line the problem is at; "" if both accept
		problem string // what the problem says, besides the key
	}{
		{name: "admin token of 31", env: map[string]string{"PAPERBOY_ADMIN_TOKEN": strings.Repeat("ab", 15) + "c"},
			lineOf: tokenKey, problem: "server.admin_token_env: the token in PAPERBOY_ADMIN_TOKEN has 31 characters, want at least 32"},
		{name: "admin token all a", env: map[string]string{"PAPERBOY_ADMIN_TOKEN": strings.Repeat("a", 36)},
			lineOf: tokenKey, problem: "server.admin_token_env: the token in PAPERBOY_ADMIN_TOKEN is one character repeated"},
		{name: "admin token of 32", env: map[string]string{"PAPERBOY_ADMIN_TOKEN": strings.Repeat("ab", 16)}},
		{name: "unsubscribe secret of 15", env: map[string]string{"PAPERBOY_UNSUBSCRIBE_SECRET": strings.Repeat("s", 15)},
			lineOf: secretKey, problem: "unsubscribe.secret_env: the unsubscribe secret has 15 bytes, want at least 16: set the environment variable PAPERBOY_UNSUBSCRIBE_SECRET"},
		{name: "unsubscribe secret of 16", env: map[string]string{"PAPERBOY_UNSUBSCRIBE_SECRET": strings.Repeat("s", 16)}},
		{name: "smtp user, file transport, no password", edits: [][2]string{smtpUser}},
		{name: "smtp user, smtp transport, no password", edits: [][2]string{smtpUser, {`transport = "file"`, `transport = "smtp"`}},
			lineOf: smtpKey, problem: "smtp.password_env: environment variable PAPERBOY_SMTP_PASSWORD is not set"},
		{name: "bounce mailbox without password", edits: bounces,
			lineOf: imapKey, problem: "bounces.imap_password_env: environment variable PAPERBOY_IMAP_PASSWORD is not set"},
		{name: "bounce mailbox with password", edits: bounces, env: map[string]string{"PAPERBOY_IMAP_PASSWORD": "secret"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, env := range []string{"PAPERBOY_ADMIN_TOKEN", "PAPERBOY_UNSUBSCRIBE_SECRET", "PAPERBOY_SMTP_PASSWORD", "PAPERBOY_IMAP_PASSWORD"} {
				t.Setenv(env, tc.env[env])
			}
			_, path := shippedWith(t, tc.edits...)
			var stdout, stderr bytes.Buffer
			checkErr := run(context.Background(), []string{"check", "-config", path}, &stdout, &stderr)
			if tc.lineOf == "" {
				if checkErr != nil {
					t.Fatalf("check: %v\n%s", checkErr, stderr.String())
				}
				startDaemon(t, path)
				return
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("config.toml:%d: %s", lineOf(t, string(data), tc.lineOf), tc.problem)
			if checkErr == nil || !strings.Contains(stderr.String(), want) {
				t.Errorf("check: %v, want the problem %q:\n%s", checkErr, want, stderr.String())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			serveErr := run(ctx, []string{"serve", "-config", path}, &out, &errOut)
			if serveErr == nil || ctx.Err() != nil {
				t.Fatalf("serve: %v (context %v), want it refused\n%s", serveErr, ctx.Err(), errOut.String())
			}
			if !strings.Contains(errOut.String()+serveErr.Error(), want) {
				t.Errorf("serve refused with %v\n%s\nwant %q", serveErr, errOut.String(), want)
			}
		})
	}
}

// TestSuppressionsReadFailurePrintsOnlyTheError: a bounce mailbox read
// that fails (here: no IMAP password) prints no "read 0 message(s)"
// summary, only the error.
func TestSuppressionsReadFailurePrintsOnlyTheError(t *testing.T) {
	t.Setenv("PAPERBOY_IMAP_PASSWORD", "")
	_, path := shippedWith(t, [2]string{`imap_user = ""`, `imap_user = "bounces"`}, [2]string{`imap_host = ""`, `imap_host = "imap.example.org"`})
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"suppressions", "read", "-config", path}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "PAPERBOY_IMAP_PASSWORD") {
		t.Fatalf("read: %v, want an error naming PAPERBOY_IMAP_PASSWORD", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("read failed and printed %q", stdout.String())
	}
}
