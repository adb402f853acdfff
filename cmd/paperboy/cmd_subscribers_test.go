package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/store"
)

// TestSubscribersCommand: the shipped config's list "demo" is open for
// sign-up. add sends a confirmation (file transport: an .eml in the
// outbox) and subscribes no one; import -no-confirm subscribes with the
// reason recorded; the next digest goes to the list's addresses and the
// imported subscribers; export of one address gives its data; remove
// -forget erases it and keeps it from coming back; status counts.
func TestSubscribersCommand(t *testing.T) {
	cfgPath, dir := digestSetup(t)
	ctx := context.Background()
	sub := func(args ...string) (string, error) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		full := append([]string{"subscribers"}, args...)
		full = append(full, "-config", cfgPath)
		err := run(ctx, full, &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}
	if out, err := sub("demo"); err != nil || !strings.Contains(out, "no subscribers on demo") {
		t.Fatalf("empty list: %q, %v", out, err)
	}
	if out, err := sub("demo", "add", "asked@example.net"); err != nil || !strings.Contains(out, "confirmation requested") {
		t.Fatalf("add: %q, %v", out, err)
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "confirm.*.eml"))
	if len(emls) != 1 {
		t.Fatalf("add wrote %d confirmation mails, want 1", len(emls))
	}
	csv := filepath.Join(dir, "import.csv")
	if err := os.WriteFile(csv, []byte("email,topics\nsheet1@example.net,flood-control\nSheet2@Example.NET,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sub("demo", "import", csv); err != nil {
		t.Fatalf("import with confirmation: %v", err)
	}
	if emls, _ = filepath.Glob(filepath.Join(dir, "outbox", "confirm.*.eml")); len(emls) != 3 {
		t.Fatalf("import wrote %d more confirmation mails, want 2", len(emls)-1)
	}
	if out, err := sub("demo", "import", csv, "-no-confirm", "paper form at the 2026 fair"); err != nil || strings.Count(out, "subscribed without confirmation") != 2 {
		t.Fatalf("import -no-confirm: %q, %v", out, err)
	}
	out, err := sub("demo", "list")
	if err != nil || !regexp.MustCompile(`(?m)^sheet1@example\.net +confirmed +import +flood-control `).MatchString(out) ||
		!regexp.MustCompile(`(?m)^asked@example\.net +pending +signup `).MatchString(out) {
		t.Fatalf("list:\n%s", out)
	}

	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"digest", "-config", cfgPath, "daily"}, &stdout, &stderr); err != nil {
		t.Fatalf("digest: %v\n%s", err, stderr.String())
	}
	// sheet1 chose flood-control, which the sample edition has nothing of
	// (the store has no topics tagged): it is skipped this run.
	if !strings.Contains(stdout.String(), "sent 3, failed 0, skipped 1") {
		t.Fatalf("digest summary = %q, want 3 sent (2 configured, Sheet2 imported; not the pending one) and sheet1 skipped (its topic has nothing)", stdout.String())
	}

	out, err = sub("demo", "export", "sheet1@example.net")
	var rec store.AddressRecord
	if err != nil || json.Unmarshal([]byte(out), &rec) != nil || len(rec.Subscriptions) != 1 ||
		rec.Subscriptions[0].Note != "paper form at the 2026 fair" || rec.Deliveries != 1 {
		t.Fatalf("export of one address: %v\n%s", err, out)
	}
	if out, err := sub("demo", "export"); err != nil || !strings.HasPrefix(out, "address,status,source,topics,") || strings.Count(out, "\n") != 4 {
		t.Fatalf("export:\n%s", out)
	}
	stdout.Reset()
	if err := run(ctx, []string{"status", "-config", cfgPath}, &stdout, &stderr); err != nil ||
		!strings.Contains(stdout.String(), "list demo (sign-up): 2 confirmed, 1 pending, 0 unsubscribed, 0 suppressed") {
		t.Fatalf("status: %v\n%s", err, stdout.String())
	}

	if out, err := sub("demo", "remove", "--forget", "sheet1@example.net"); err != nil || !strings.Contains(out, "erased") {
		t.Fatalf("remove --forget: %q, %v", out, err)
	}
	out, _ = sub("demo", "export", "sheet1@example.net")
	if json.Unmarshal([]byte(out), &rec) != nil || len(rec.Subscriptions) != 0 || rec.Deliveries != 0 {
		t.Fatalf("after --forget, export still has data:\n%s", out)
	}
	out, err = sub("demo", "import", csv, "-no-confirm", "again")
	if err == nil || !strings.Contains(err.Error(), "erased on request") {
		t.Fatalf("re-import of a forgotten address: %v\n%s", err, out)
	}
	// An address config.toml lists is erased from the store, with a
	// warning that the file still sends to it.
	if out, err := sub("demo", "remove", "-forget", "READER1@example.org"); err != nil || !strings.Contains(out, "still on list demo") {
		t.Fatalf("forget a configured address: %q, %v", out, err)
	}
	if _, err := sub("demo", "frobnicate"); !errors.Is(err, errUsage) {
		t.Fatalf("unknown subcommand: %v", err)
	}
}
