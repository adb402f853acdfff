package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/store"
)

// tempConfig copies the shipped config.toml into a temporary directory
// with its database there too, and returns the copy's path.
func tempConfig(t *testing.T) (cfgPath, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "pages"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfgPath = shippedConfig(t, dir, [2]string{`path = "data/paperboy.db"`, `path = "db/paperboy.db"`})
	return cfgPath, filepath.Join(dir, "db", "paperboy.db")
}

func TestScheduleCommand(t *testing.T) {
	ctx := context.Background()
	cfg, db := tempConfig(t)

	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"schedule", "-config", cfg}, &stdout, &stderr); err != nil {
		t.Fatalf("schedule: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"digest:daily\n  spec      0 7 * * * (Asia/Shanghai)\n  catch-up  3h0m0s\n  next      ",
		"07:00:00 CST, ", "feeds\n  spec      none: runs when triggered\n  last run  never\n",
		"ingest\n  spec      */5 * * * * (Asia/Shanghai)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "CST, "); n != 4 { // two jobs × three runs
		t.Errorf("%d run separators, want 4 (three next runs each for digest and ingest):\n%s", n, out)
	}

	// A recorded run shows up as the last run, in the site's zone.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 7, 19, 23, 0, 0, 0, time.UTC)
	run1 := store.JobRun{Job: "digest:daily", Slot: slot, Trigger: "catchup", Outcome: store.OutcomeRunning, StartedAt: slot}
	if err := st.ClaimJobRun(ctx, run1, false); err != nil {
		t.Fatal(err)
	}
	run1.Outcome, run1.Error, run1.FinishedAt, run1.Duration = store.OutcomeFailed, "smtp: 451 try later", slot.Add(2*time.Second), 2*time.Second
	if err := st.FinishJobRun(ctx, run1, true); err != nil {
		t.Fatal(err)
	}
	st.Close()
	stdout.Reset()
	if err := run(ctx, []string{"schedule", "-config", cfg}, &stdout, &stderr); err != nil {
		t.Fatalf("schedule: %v\n%s", err, stderr.String())
	}
	if want := "  last run  2026-07-20 07:00:00 CST failed (catchup, 2s): smtp: 451 try later\n"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, stdout.String())
	}
}

func TestScheduleCommandErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"extra argument", []string{"schedule", "now"}, "usage"},
		{"bad config", []string{"schedule", "-config", "testdata/bad-config.toml"}, "paperboy check"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
