package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/admin"
	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
)

// TestDigestJobSettlesEarlierRuns: runs an error left "sending" are
// finished by the digest's next run: resumed within the catch-up window,
// closed past it; runs of a digest no longer configured are closed.
func TestDigestJobSettlesEarlierRuns(t *testing.T) {
	cfgPath, dir := digestSetup(t)
	ctx := context.Background()
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openConfiguredStore(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := &daemon{logger: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: admin.NewMetrics(), st: st}
	g, err := d.build(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	daily, err := c.Digest("daily")
	if err != nil {
		t.Fatal(err)
	}

	slot := time.Date(2021, 7, 21, 23, 0, 0, 0, time.UTC)
	open := func(digest string, at time.Time, id string) {
		t.Helper()
		_, _, err := st.CreateDigestRun(ctx, store.DigestRun{Digest: digest, Slot: at, Status: store.RunSending, Subject: "left open"},
			slices.Values([]store.OutboxRecipient{{Address: "reader1@example.org", List: "demo", MessageID: id}}))
		if err != nil {
			t.Fatal(err)
		}
	}
	open("daily", slot.Add(-daily.CatchUp/2), "within@example.org")
	open("daily", slot.Add(-daily.CatchUp-time.Hour), "past@example.org")
	open("weekly-removed", slot.Add(-time.Minute), "removed@example.org")

	d.closeRemovedDigestRuns(ctx, g)
	if err := d.sendDigest(ctx, g, "daily", slot); err != nil {
		t.Fatalf("digest run: %v", err)
	}
	if left, err := st.UnfinishedDigestRuns(ctx); err != nil || len(left) != 0 {
		t.Fatalf("unfinished runs after the digest ran = %+v, %v; want none", left, err)
	}
	sent := func(id string) bool {
		m, _ := filepath.Glob(filepath.Join(dir, "outbox", id+".eml"))
		return len(m) == 1
	}
	for id, want := range map[string]bool{"within@example.org": true, "past@example.org": false, "removed@example.org": false} {
		if got := sent(id); got != want {
			t.Errorf("%s sent = %v, want %v", id, got, want)
		}
	}
}

func TestRetryWithin(t *testing.T) {
	errBusy := errors.New("database is locked")
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name      string
		failures  int           // attempts that fail before one succeeds
		window    time.Duration // from now to the deadline
		skip      bool          // the first attempt finds nothing to do
		wantCalls int
		wantErr   error
	}{
		{"succeeds at once", 0, time.Second, false, 1, nil},
		{"retried until it succeeds", 2, 2 * time.Second, false, 3, nil},
		// Attempt 2 comes at least 100ms in; waiting 200ms more would pass
		// the 250ms window.
		{"gives up past the window", 100, 250 * time.Millisecond, false, 2, errBusy},
		{"nothing to do is not retried", 0, 2 * time.Second, true, 1, schedule.ErrSkip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := retryWithin(context.Background(), time.Now().Add(tt.window), 100*time.Millisecond, log, func() error {
				calls++
				switch {
				case tt.skip:
					return fmt.Errorf("%w: nothing new", schedule.ErrSkip)
				case calls <= tt.failures:
					return errBusy
				}
				return nil
			})
			if calls != tt.wantCalls || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("calls %d, err %v; want %d calls, err %v", calls, err, tt.wantCalls, tt.wantErr)
			}
		})
	}
	t.Run("stops when the context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := retryWithin(ctx, time.Now().Add(time.Hour), time.Hour, log, func() error {
			calls++
			cancel()
			return errBusy
		})
		if calls != 1 || !errors.Is(err, errBusy) {
			t.Errorf("calls %d, err %v; want 1 call and the run's error", calls, err)
		}
	})
}
