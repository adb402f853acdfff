package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
)

// digestSetup copies the shipped config.toml into a temp dir with the
// sample page ingested into its store, and returns the config path.
func digestSetup(t *testing.T) (cfgPath, dir string) {
	t.Helper()
	dir = t.TempDir()
	cfgPath = copyShipped(t, dir, "config.toml")
	fixture.WriteSampleStore(t, filepath.Join(dir, "data", "paperboy.db"))
	t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "cmd-test-secret-0123456789")
	return cfgPath, dir
}

func TestDigestCommandPreviewRunAndStatus(t *testing.T) {
	cfgPath, dir := digestSetup(t)
	ctx := context.Background()
	var stdout, stderr bytes.Buffer

	previewDir := filepath.Join(dir, "preview")
	if err := run(ctx, []string{"digest", "daily", "-config", cfgPath, "-preview", previewDir}, &stdout, &stderr); err != nil {
		t.Fatalf("preview: %v\n%s", err, stderr.String())
	}
	for _, f := range []string{"daily.html", "daily.txt", "daily.eml"} {
		if _, err := os.Stat(filepath.Join(previewDir, f)); err != nil {
			t.Fatalf("preview file: %v", err)
		}
	}
	if !strings.Contains(stdout.String(), "reader1@example.org") {
		t.Fatalf("preview output = %q, want the first recipient", stdout.String())
	}
	if emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml")); len(emls) != 0 {
		t.Fatalf("preview sent %d messages", len(emls))
	}

	stdout.Reset()
	if err := run(ctx, []string{"digest", "-config", cfgPath, "daily"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "done") || !strings.Contains(stdout.String(), "sent 2, failed 0") {
		t.Fatalf("run summary = %q", stdout.String())
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(emls) != 2 {
		t.Fatalf("outbox has %d .eml files, want 2", len(emls))
	}

	stdout.Reset()
	if err := run(ctx, []string{"status", "-config", cfgPath}, &stdout, &stderr); err != nil {
		t.Fatalf("status: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "digest daily") || !strings.Contains(stdout.String(), "done     sent 2, pending 0, failed 0") {
		t.Fatalf("status = %q", stdout.String())
	}
}

func TestDigestCommandUsage(t *testing.T) {
	cfgPath, _ := digestSetup(t)
	var stdout, stderr bytes.Buffer
	for _, args := range [][]string{
		{"digest", "-config", cfgPath},
		{"digest", "-config", cfgPath, "daily", "weekly"},
		{"digest", "-config", cfgPath, "-bogus", "daily"},
	} {
		if err := run(context.Background(), args, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
	if err := run(context.Background(), []string{"digest", "-config", cfgPath, "nope"}, &stdout, &stderr); err == nil ||
		!strings.Contains(err.Error(), `unknown digest "nope"`) {
		t.Errorf("unknown digest: err = %v", err)
	}
}

func TestDigestCommandResumesAnInterruptedRun(t *testing.T) {
	cfgPath, dir := digestSetup(t)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "data", "paperboy.db"))
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
	_, _, err = st.CreateDigestRun(ctx, store.DigestRun{Digest: "daily", Slot: slot, Status: store.RunSending, Subject: "interrupted"},
		slices.Values([]store.OutboxRecipient{{Address: "reader1@example.org", List: "demo", MessageID: "m1@example.org"}}))
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"digest", "daily", "-config", cfgPath}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "resuming run 1 of daily for 2021-07-21 07:00:00") || !strings.Contains(stdout.String(), "sent 1, failed 0") {
		t.Fatalf("output = %q", stdout.String())
	}
	if emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "m1@example.org.eml")); len(emls) != 1 {
		t.Fatal("the interrupted run's pending delivery was not sent")
	}
}

// TestDigestCommandRefusedWhileDaemonRuns: sending by hand while a daemon
// holds the schedule would send the same run twice; the command refuses
// and says how to ask the daemon instead. Previews still work.
func TestDigestCommandRefusedWhileDaemonRuns(t *testing.T) {
	cfgPath, dir := digestSetup(t)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "data", "paperboy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	if _, err := st.AcquireLease(ctx, "scheduler", "other-host:1:daemon", "", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err = run(ctx, []string{"digest", "daily", "-config", cfgPath}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "POST /admin/jobs/digest:daily/run") || !strings.Contains(err.Error(), "other-host:1:daemon") {
		t.Fatalf("digest while a daemon runs: err = %v; want a refusal naming the holder and the admin endpoint", err)
	}
	if runs, err := st.RecentDigestRuns(ctx, "daily", 5); err != nil || len(runs) != 0 {
		t.Fatalf("runs after the refusal = %+v, %v; want none", runs, err)
	}
	if err := run(ctx, []string{"digest", "daily", "-config", cfgPath, "-preview", filepath.Join(dir, "p")}, &stdout, &stderr); err != nil {
		t.Fatalf("preview while a daemon runs: %v", err)
	}
}
