package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestCreateDigestRunIsOneOutboxPerSlot(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		if err := s.Unsubscribe(ctx, "residents", "gone@example.com"); err != nil {
			t.Fatal(err)
		}
		slot := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		run := DigestRun{Digest: "daily", Slot: slot, Status: RunSending, Subject: "s", ArticleIDs: []string{"a", "b"},
			WindowEnd: slot}
		rcpts := []OutboxRecipient{
			{Address: "a@example.com", List: "residents", MessageID: "m1@x"},
			{Address: "gone@example.com", List: "residents", MessageID: "m2@x"},
			{Address: "a@example.com", List: "staff", MessageID: "m3@x"},
			{Address: "b@example.com", List: "staff", MessageID: "m4@x"},
			// The same reader spelled otherwise: the database, not the
			// caller, keeps one delivery per address.Key.
			{Address: "B@Example.com", List: "residents", MessageID: "m6@x"},
		}
		got, created, err := s.CreateDigestRun(ctx, run, slices.Values(rcpts))
		if err != nil || !created {
			t.Fatalf("create: created=%v err=%v", created, err)
		}
		again, created, err := s.CreateDigestRun(ctx, run, slices.Values([]OutboxRecipient{{Address: "c@example.com", List: "x", MessageID: "m5@x"}}))
		if err != nil || created || again.ID != got.ID {
			t.Fatalf("second create: id %d vs %d, created=%v err=%v", again.ID, got.ID, created, err)
		}
		if len(again.ArticleIDs) != 2 || again.Subject != "s" || !again.Slot.Equal(slot) {
			t.Fatalf("stored run = %+v", again)
		}
		c, err := s.DeliveryCounts(ctx, got.ID)
		if err != nil || c.Pending != 2 {
			t.Fatalf("counts = %+v, %v; want 2 pending (unsubscribed and duplicate left out)", c, err)
		}
		if _, err := s.DigestRunBySlot(ctx, "daily", slot.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing slot: err = %v, want ErrNotFound", err)
		}
		if _, err := s.LastDigestRun(ctx, "other"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("no run: err = %v, want ErrNotFound", err)
		}
		if last, err := s.LastDigestRun(ctx, "daily"); err != nil || last.ID != got.ID {
			t.Fatalf("last run = %+v, %v; want the sending run", last, err)
		}
	})
}

func TestDeliveryLifecycle(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		slot := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		var rcpts []OutboxRecipient
		for _, a := range []string{"a@x.cn", "b@x.cn", "c@x.cn", "d@x.cn", "e@x.cn"} {
			rcpts = append(rcpts, OutboxRecipient{Address: a, List: "l", MessageID: a + "-id"})
		}
		run, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: slot, Status: RunSending, WindowEnd: slot}, slices.Values(rcpts))
		if err != nil {
			t.Fatal(err)
		}
		now := slot
		page, err := s.DueDeliveries(ctx, run.ID, "", now, 2)
		if err != nil || len(page) != 2 || page[0].Recipient != "a@x.cn" || page[1].Recipient != "b@x.cn" {
			t.Fatalf("first page = %+v, %v", page, err)
		}
		page, err = s.DueDeliveries(ctx, run.ID, page[1].Recipient, now, 2)
		if err != nil || len(page) != 2 || page[0].Recipient != "c@x.cn" || page[0].MessageID != "c@x.cn-id" {
			t.Fatalf("second page = %+v, %v", page, err)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.MarkDeliverySent(ctx, run.ID, "a@x.cn", now))
		must(s.MarkDeliveryRetry(ctx, run.ID, "b@x.cn", 451, "451 try later", now.Add(time.Minute)))
		must(s.MarkDeliveryFailed(ctx, run.ID, "c@x.cn", 550, "550 no such user"))
		must(s.Unsubscribe(ctx, "l", "d@x.cn"))
		if err := s.MarkDeliverySent(ctx, run.ID, "nobody@x.cn", now); !errors.Is(err, ErrNotFound) {
			t.Fatalf("mark unknown recipient: err = %v, want ErrNotFound", err)
		}

		due, err := s.DueDeliveries(ctx, run.ID, "", now, 10)
		if err != nil || len(due) != 2 || due[0].Recipient != "d@x.cn" || !due[0].Unsubscribed || due[1].Unsubscribed {
			t.Fatalf("due now = %+v, %v; want d (unsubscribed) and e", due, err)
		}
		must(s.MarkDeliverySkipped(ctx, run.ID, "d@x.cn", "unsubscribed"))
		later, err := s.DueDeliveries(ctx, run.ID, "", now.Add(time.Minute), 10)
		if err != nil || len(later) != 2 || later[0].Recipient != "b@x.cn" || later[0].Attempts != 1 || later[0].LastCode != 451 {
			t.Fatalf("due a minute later = %+v, %v", later, err)
		}
		c, err := s.DeliveryCounts(ctx, run.ID)
		want := DeliveryCounts{Pending: 2, Sent: 1, Failed: 1, Skipped: 1}
		if err != nil || c.Pending != want.Pending || c.Sent != want.Sent || c.Failed != want.Failed || c.Skipped != want.Skipped {
			t.Fatalf("counts = %+v, %v; want %+v", c, err, want)
		}
		if !c.NextAttempt.IsZero() {
			t.Fatalf("next attempt = %v; want zero while e is due now", c.NextAttempt)
		}
		must(s.MarkDeliverySent(ctx, run.ID, "e@x.cn", now))
		all, err := s.OutboxCounts(ctx)
		if err != nil || all[string(DeliveryPending)] != 1 || all[string(DeliverySent)] != 2 || all[string(DeliveryFailed)] != 1 || all[string(DeliverySkipped)] != 1 {
			t.Fatalf("outbox counts = %v, %v; want pending 1, sent 2, failed 1, skipped 1", all, err)
		}
		if c, _ = s.DeliveryCounts(ctx, run.ID); !c.NextAttempt.Equal(now.Add(time.Minute)) {
			t.Fatalf("next attempt = %v; want %v", c.NextAttempt, now.Add(time.Minute))
		}
		if open, err := s.UnfinishedDigestRuns(ctx); err != nil || len(open) != 1 || open[0].ID != run.ID {
			t.Fatalf("unfinished runs = %+v, %v; want run %d", open, err, run.ID)
		}
		must(s.FinishDigestRun(ctx, run.ID, RunDone, ""))
		if open, err := s.UnfinishedDigestRuns(ctx); err != nil || len(open) != 0 {
			t.Fatalf("unfinished runs after finishing = %+v, %v", open, err)
		}
		last, err := s.LastDigestRun(ctx, "daily")
		if err != nil || last.ID != run.ID || last.Finished.IsZero() || last.Status != RunDone {
			t.Fatalf("last run = %+v, %v", last, err)
		}
		failed, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: slot.Add(24 * time.Hour), Status: RunSending,
			WindowEnd: slot.Add(24 * time.Hour)}, nil)
		must(err)
		must(s.FinishDigestRun(ctx, failed.ID, RunFailed, "all deliveries failed"))
		if last, err = s.LastDigestRun(ctx, "daily"); err != nil || last.ID != run.ID {
			t.Fatalf("last run after a failed one = %+v, %v; want run %d", last, err, run.ID)
		}
		recent, err := s.RecentDigestRuns(ctx, "", 5)
		if err != nil || len(recent) != 2 || recent[1].Counts.Failed != 1 || len(recent[1].LastErrors) != 2 ||
			recent[1].LastErrors[0] != "c@x.cn: 550 no such user" || recent[0].Error != "all deliveries failed" {
			t.Fatalf("recent = %+v, %v", recent, err)
		}
		if ok, err := s.IsUnsubscribed(ctx, "l", "d@x.cn"); err != nil || !ok {
			t.Fatalf("IsUnsubscribed = %v, %v", ok, err)
		}
		must(s.Unsubscribe(ctx, "l", "d@x.cn")) // twice is fine
	})
}

// TestCreateDigestRunLeavesOutAddressesThatLeftAnyOfItsLists: an address
// on two of a digest's lists that unsubscribed from either gets nothing;
// one on both that stayed gets one delivery.
func TestCreateDigestRunLeavesOutAddressesThatLeftAnyOfItsLists(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		tests := []struct {
			name     string
			leftList string // "" for none
			want     int
		}{
			{"stayed on both", "", 1},
			{"left the first list", "residents", 0},
			{"left the second list", "staff", 0},
			{"left a list of another digest", "sports", 1},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				s := db.open(t)
				if tc.leftList != "" {
					if err := s.Unsubscribe(ctx, tc.leftList, "both@example.com"); err != nil {
						t.Fatal(err)
					}
				}
				slot := time.Date(2021, 7, 20, 23, 0, i, 0, time.UTC)
				run := DigestRun{Digest: "daily", Slot: slot, Status: RunSending, WindowEnd: slot, Lists: []string{"residents", "staff"}}
				rcpts := []OutboxRecipient{
					{Address: "both@example.com", List: "residents", MessageID: "m1@x"},
					{Address: "both@example.com", List: "staff", MessageID: "m1@x"},
				}
				got, _, err := s.CreateDigestRun(ctx, run, slices.Values(rcpts))
				if err != nil {
					t.Fatal(err)
				}
				c, err := s.DeliveryCounts(ctx, got.ID)
				if err != nil || c.Pending != tc.want {
					t.Fatalf("counts = %+v, %v; want %d pending", c, err, tc.want)
				}
			})
		}
	})
}

// TestCloseDigestRunSkipsWhatIsPending: closing a run marks only its
// pending deliveries skipped, keeps the sent ones, and finishes the run.
func TestCloseDigestRunSkipsWhatIsPending(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		slot := time.Date(2026, 7, 20, 23, 0, 0, 0, time.UTC)
		var rcpts []OutboxRecipient
		for _, a := range []string{"a@x.cn", "b@x.cn", "c@x.cn", "d@x.cn"} {
			rcpts = append(rcpts, OutboxRecipient{Address: a, List: "l", MessageID: a + "-id"})
		}
		run, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: slot, Status: RunSending}, slices.Values(rcpts))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDeliverySent(ctx, run.ID, "a@x.cn", slot); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDeliveryFailed(ctx, run.ID, "b@x.cn", 550, "no such user"); err != nil {
			t.Fatal(err)
		}
		c, err := s.CloseDigestRun(ctx, run.ID, RunDone, "closed past its window", "not sent: past the window")
		if err != nil || c.Sent != 1 || c.Failed != 1 || c.Skipped != 2 || c.Pending != 0 {
			t.Fatalf("close = %+v, %v; want 1 sent, 1 failed, 2 skipped, none pending", c, err)
		}
		got, err := s.DigestRunBySlot(ctx, "daily", slot)
		if err != nil || got.Status != RunDone || got.Error != "closed past its window" || got.Finished.IsZero() {
			t.Fatalf("closed run = %+v, %v", got, err)
		}
		if open, err := s.UnfinishedDigestRuns(ctx); err != nil || len(open) != 0 {
			t.Fatalf("unfinished runs after close = %+v, %v", open, err)
		}
		if _, err := s.CloseDigestRun(ctx, run.ID+1, RunDone, "", ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("close of no run: err = %v, want ErrNotFound", err)
		}
	})
}
