package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/internal/smtptest"
)

// shippedWith is the shipped config.toml in a fresh site directory with
// each edit's first string replaced by its second, listening on a free
// port; it returns the site's directory and the file.
func shippedWith(t *testing.T, edits ...[2]string) (dir, path string) {
	t.Helper()
	dir, _ = feedsSite(t)
	return dir, shippedConfig(t, dir, append(edits, [2]string{`listen = "127.0.0.1:8080"`, `listen = "127.0.0.1:0"`})...)
}

// TestListFileTypoKeepsPaperboyUp: a bad line in a list file, or a list
// file that is missing, is a warning with file:line in check (which then
// passes), and serve, status and feeds run; the daemon logs the lines at
// start. Inline addresses in config.toml stay problems that refuse.
func TestListFileTypoKeepsPaperboyUp(t *testing.T) {
	const fileKey, inlineKey = `# file = "lists/demo.txt"`, `addresses = ["reader1@example.org", "读者二 <reader2@example.org>"]`
	tests := []struct {
		name    string
		list    string // the list file; "" for none
		inline  string // replaces the inline addresses; "" keeps them
		refused string // a problem check and serve both report; "" if both accept
		warn    []string
	}{
		{name: "bad-address line", list: "a@example.org\n# comment\nbad-address\n", warn: []string{"l.txt:3: ", `"bad-address" is not an email address`}},
		{name: "trailing semicolon", list: "x@y.z;\nb@example.org\n", warn: []string{"l.txt:1: ", `"x@y.z;"`}},
		{name: "missing file", warn: []string{"l.txt: ", "gets no recipients from this file"}},
		{name: "bad inline address", list: "a@example.org\n", inline: `addresses = ["bad-address"]`,
			refused: `lists.addresses: list "demo": "bad-address" is not an email address`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PAPERBOY_ADMIN_TOKEN", "")
			edits := [][2]string{{fileKey, `file = "lists/l.txt"`}}
			if tc.inline != "" {
				edits = append(edits, [2]string{inlineKey, tc.inline})
			}
			dir, cfgPath := shippedWith(t, edits...)
			listPath := filepath.Join(dir, "lists", "l.txt")
			if tc.list != "" {
				if err := os.MkdirAll(filepath.Dir(listPath), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(listPath, []byte(tc.list), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			checkErr := run(context.Background(), []string{"check", "-config", cfgPath}, &stdout, &stderr)
			if tc.refused != "" {
				if checkErr == nil || !strings.Contains(stderr.String(), tc.refused) {
					t.Fatalf("check: %v, want the problem %q:\n%s", checkErr, tc.refused, stderr.String())
				}
				var out, errOut bytes.Buffer
				if err := run(context.Background(), []string{"serve", "-config", cfgPath}, &out, &errOut); err == nil || !strings.Contains(errOut.String()+err.Error(), tc.refused) {
					t.Fatalf("serve: %v, want it refused with %q:\n%s", err, tc.refused, errOut.String())
				}
				return
			}
			if checkErr != nil {
				t.Fatalf("check refused a list-file typo: %v\n%s", checkErr, stderr.String())
			}
			for _, w := range append([]string{"warning: " + listPath}, tc.warn...) {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("check's warnings lack %q:\n%s", w, stderr.String())
				}
			}
			if !strings.Contains(stdout.String(), ": ok\n") {
				t.Errorf("check's summary: %s", stdout.String())
			}
			for _, args := range [][]string{{"status"}, {"feeds", "-out", filepath.Join(dir, "public")}} {
				var out, errOut bytes.Buffer
				if err := run(context.Background(), append(args, "-config", cfgPath), &out, &errOut); err != nil {
					t.Errorf("%s refused: %v\n%s", args[0], err, errOut.String())
				}
			}
			d := startDaemon(t, cfgPath)
			if !strings.Contains(d.log.String(), "recipient_skipped") || !strings.Contains(d.log.String(), listPath) {
				t.Errorf("the daemon did not log the left-out line at start:\n%s", d.log.String())
			}
		})
	}
}

// TestListFileBadLinesNeverMailed: a daemon running a digest to a list
// file with bad lines mails the good addresses only.
func TestListFileBadLinesNeverMailed(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	dir, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: evenSeconds, Addresses: []string{"r3@example.org"}, ListFile: true})
	writeList(t, dir, []string{"r1@example.org", "bad-address", "x@y.z;", "r2@example.org"})
	startDaemon(t, cfgPath)
	waitForCounts(t, sink, map[string]int{"r1@example.org": 1, "r2@example.org": 1, "r3@example.org": 1})
	for _, r := range sink.Recipients() {
		if !strings.HasPrefix(r, "r") {
			t.Errorf("mailed %q", r)
		}
	}
}
