package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/admin"
	"github.com/paperboy-news/paperboy/config"
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
