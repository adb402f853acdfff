package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestAuditLog(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		for i, e := range []AuditEntry{
			{Actor: "chen", Action: "config", Key: "digests.daily.schedule", Old: `"0 7 * * *"`, New: `"30 6 * * *"`, At: at},
			{Actor: "li (token)", Action: "run", Key: "digest:daily", At: at.Add(time.Minute)},
		} {
			if err := s.AddAudit(ctx, e); err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
		}
		got, err := s.AuditLog(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Actor != "li (token)" || got[1].New != `"30 6 * * *"` || !got[1].At.Equal(at) {
			t.Errorf("audit log = %+v, want both, newest first", got)
		}
		if got, _ := s.AuditLog(ctx, 1); len(got) != 1 {
			t.Errorf("limit 1 gave %d entries", len(got))
		}
	})
}

func TestRetryFailedDeliveries(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		slot := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
		run, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: slot, Status: RunSending}, slices.Values([]OutboxRecipient{
			{Address: "a@example.com", List: "l", MessageID: "m1@x"},
			{Address: "b@example.com", List: "l", MessageID: "m2@x"},
		}))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDeliverySent(ctx, run.ID, "a@example.com", slot); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDeliveryFailed(ctx, run.ID, "b@example.com", 451, "try later"); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishDigestRun(ctx, run.ID, RunDone, ""); err != nil {
			t.Fatal(err)
		}
		n, err := s.RetryFailedDeliveries(ctx, run.ID)
		if err != nil || n != 1 {
			t.Fatalf("retry = %d, %v; want 1", n, err)
		}
		got, err := s.DigestRunByID(ctx, run.ID)
		if err != nil || got.Status != RunSending || !got.Finished.IsZero() {
			t.Errorf("run after retry = %+v, %v; want sending, unfinished", got, err)
		}
		ds, err := s.RunDeliveries(ctx, run.ID, 10)
		if err != nil || len(ds) != 2 || ds[0].Recipient != "b@example.com" || ds[0].Status != DeliveryPending || ds[1].Status != DeliverySent {
			t.Errorf("deliveries = %+v, %v; want b pending first, a still sent", ds, err)
		}
		// Failed again, and suppressed since: skipped, not retried.
		if err := s.MarkDeliveryFailed(ctx, run.ID, "b@example.com", 550, "no such user"); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishDigestRun(ctx, run.ID, RunDone, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Suppress(ctx, Suppression{Address: "b@example.com", Reason: SuppressHardBounce}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.RetryFailedDeliveries(ctx, run.ID); err != nil || n != 0 {
			t.Errorf("retry of a suppressed address = %d, %v; want 0", n, err)
		}
		if got, _ := s.DigestRunByID(ctx, run.ID); got.Status != RunDone {
			t.Errorf("run with nothing to retry reopened: %s", got.Status)
		}
		if c, _ := s.DeliveryCounts(ctx, run.ID); c.Skipped != 1 || c.Failed != 0 || c.Pending != 0 {
			t.Errorf("counts = %+v, want the suppressed address skipped", c)
		}
		if _, err := s.DigestRunByID(ctx, run.ID+1); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing run: %v, want ErrNotFound", err)
		}
		if _, err := s.CurrentLease(ctx, "scheduler"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing lease: %v, want ErrNotFound", err)
		}
	})
}
