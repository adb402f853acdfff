package main

import (
	"bytes"
	"context"
	"fmt"
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
// sample page ingested into its store as yesterday's edition (within the
// digest's period), and returns the config path.
func digestSetup(t *testing.T) (cfgPath, dir string) {
	t.Helper()
	dir = t.TempDir()
	cfgPath = copyShipped(t, dir, "config.toml")
	yesterday := time.Now().In(mustZone(t, "Asia/Shanghai")).AddDate(0, 0, -1).Format(time.DateOnly)
	writeEditionStore(t, filepath.Join(dir, "data", "paperboy.db"), yesterday)
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

// TestDigestCommandResumesAnInterruptedRun: an unfinished run is resumed
// within the digest's catch_up window (3h), and then no new run starts;
// past the window it is closed, its pending deliveries skipped, and the
// command runs the digest for now.
func TestDigestCommandResumesAnInterruptedRun(t *testing.T) {
	tests := []struct {
		name     string
		age      time.Duration // of the interrupted run's slot
		resumed  bool
		wantOut  []string
		wantEMLs int // in outbox/, besides m1
	}{
		{"within the window", time.Hour, true, []string{"(resumed run 1 for ", "done, 0 article(s); sent 1, failed 0, skipped 0, pending 0"}, 0},
		{"past the window", 4 * time.Hour, false, []string{"(new run 2 for ", "done, 13 article(s); sent 2, failed 0"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath, dir := digestSetup(t)
			ctx := context.Background()
			st := openStore(t, dir)
			slot := time.Now().Add(-tt.age).UTC().Truncate(time.Second)
			_, _, err := st.CreateDigestRun(ctx, store.DigestRun{Digest: "daily", Slot: slot, Status: store.RunSending, Subject: "interrupted"},
				slices.Values([]store.OutboxRecipient{{Address: "reader1@example.org", List: "demo", MessageID: "m1@example.org"}}))
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if err := run(ctx, []string{"digest", "daily", "-config", cfgPath}, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("output %q lacks %q", stdout.String(), want)
				}
			}
			m1, _ := filepath.Glob(filepath.Join(dir, "outbox", "m1@example.org.eml"))
			if got := len(m1) == 1; got != tt.resumed {
				t.Errorf("the interrupted run's pending delivery sent: %v, want %v", got, tt.resumed)
			}
			all, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
			if len(all)-len(m1) != tt.wantEMLs {
				t.Errorf("%d other messages, want %d", len(all)-len(m1), tt.wantEMLs)
			}
			old, err := st.DigestRunBySlot(ctx, "daily", slot)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.resumed && (old.Status != store.RunFailed || !strings.Contains(old.Error, "past the catch-up window")) {
				t.Errorf("stale run %s %q; want it closed as failed (nothing sent), past the catch-up window", old.Status, old.Error)
			}
		})
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

// TestDigestCommandOnFreshInstallWithOnlyOldEditions: the first run honours
// the digest's period: with only the 2021 sample edition stored, a run now
// sends nothing and is recorded as skipped, and `status` says why.
func TestDigestCommandOnFreshInstallWithOnlyOldEditions(t *testing.T) {
	dir := t.TempDir()
	cfgPath := copyShipped(t, dir, "config.toml")
	fixture.WriteSampleStore(t, filepath.Join(dir, "data", "paperboy.db"))
	t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "cmd-test-secret-0123456789")
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"digest", "daily", "-config", cfgPath}, &stdout, &stderr); err != nil {
		t.Fatalf("digest: %v\n%s", err, stderr.String())
	}
	const why = "nothing within the digest's period (24h): the latest edition, 2021-07-20, is older than "
	if !strings.Contains(stdout.String(), "skipped, 0 article(s); sent 0") || !strings.Contains(stdout.String(), why) {
		t.Errorf("digest output = %q; want skipped, nothing sent, and why", stdout.String())
	}
	if emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml")); len(emls) != 0 {
		t.Errorf("%d messages written; want none", len(emls))
	}
	stdout.Reset()
	if err := run(ctx, []string{"status", "-config", cfgPath}, &stdout, &stderr); err != nil {
		t.Fatalf("status: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "skipped  sent 0, pending 0, failed 0, skipped 0  (nothing new)") || !strings.Contains(stdout.String(), "error: skipped: "+why) {
		t.Errorf("status = %q; want the skipped run and why", stdout.String())
	}

	// A preview and a test message show the latest edition instead, and
	// say so: a new admin sees a real digest.
	sample := fixture.SampleArticles(t)
	stdout.Reset()
	preview := filepath.Join(dir, "preview")
	if err := run(ctx, []string{"digest", "daily", "-config", cfgPath, "-preview", preview}, &stdout, &stderr); err != nil {
		t.Fatalf("preview: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), why) || !strings.Contains(stdout.String(), "previewing the latest edition, 2021-07-20") ||
		!strings.Contains(stdout.String(), fmt.Sprintf("(%d article(s))", len(sample))) {
		t.Errorf("preview output = %q; want the latest edition's %d articles, and why", stdout.String(), len(sample))
	}
	html, err := os.ReadFile(filepath.Join(preview, "daily.html"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(html), "今天没有新的新闻") || !strings.Contains(string(html), sample[0].Title) {
		t.Errorf("preview is empty or lacks %q", sample[0].Title)
	}
	stdout.Reset()
	if err := run(ctx, []string{"digest", "daily", "-config", cfgPath, "-to", "editor@example.org"}, &stdout, &stderr); err != nil {
		t.Fatalf("-to: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "sending the latest edition, 2021-07-20") || !strings.Contains(stdout.String(), fmt.Sprintf("%d article(s)", len(sample))) {
		t.Errorf("-to output = %q; want the latest edition sent, and why", stdout.String())
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(emls) != 1 {
		t.Fatalf("%d messages written by -to; want the one test", len(emls))
	}
	msg, err := os.ReadFile(emls[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(msg, []byte("editor@example.org")) || bytes.Contains(msg, []byte("r0001@")) {
		t.Errorf("test message not to the test address alone:\n%.600s", msg)
	}

	// The digest itself still honours its period.
	stdout.Reset()
	if err := run(ctx, []string{"digest", "daily", "-config", cfgPath}, &stdout, &stderr); err != nil {
		t.Fatalf("second digest: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "skipped, 0 article(s); sent 0") {
		t.Errorf("second digest output = %q; want skipped", stdout.String())
	}
	if emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml")); len(emls) != 1 {
		t.Errorf("%d messages in the outbox after the run; want only the test", len(emls))
	}
}
