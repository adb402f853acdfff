package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestConfirmationMailAllowance(t *testing.T) {
	eachDriver(t, testConfirmationMailAllowance)
}

func testConfirmationMailAllowance(t *testing.T, db testDB) {
	ctx := context.Background()
	s := db.open(t)
	clock := withClock(s)
	limits := ConfirmationMailLimits{Stranger: 1, Known: 3}
	allow := func(addr string) bool {
		t.Helper()
		ok, err := s.AllowConfirmationMail(ctx, addr, limits)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	tests := []struct {
		name  string
		addr  string
		setup func()
		want  []bool
	}{
		{"a stranger, once a day", "stranger@example.net", nil, []bool{true, false, false}},
		{"a stranger in any case", "STRANGER@example.net", nil, []bool{false}},
		{"a reader who confirmed, three times", "known@example.net", func() {
			if err := s.ConfirmSubscription(ctx, "residents", "known@example.net", nil, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
		}, []bool{true, true, true, false}},
		{"a reader who left still counts as known", "left@example.net", func() {
			if err := s.ConfirmSubscription(ctx, "residents", "left@example.net", nil, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			if err := s.Unsubscribe(ctx, "residents", "left@example.net"); err != nil {
				t.Fatal(err)
			}
		}, []bool{true, true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			for i, want := range tc.want {
				if got := allow(tc.addr); got != want {
					t.Fatalf("mail %d: allowed %v, want %v", i+1, got, want)
				}
			}
		})
	}
	clock.advance(24*time.Hour + time.Second)
	if !allow("stranger@example.net") {
		t.Fatal("a stranger's allowance did not come back after a day")
	}
	// Only a hash is kept, and only for a day: yesterday's record is gone.
	var rows int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM confirmation_mails WHERE addr_hash = ?`, AddressHash("stranger@example.net")).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d records of the stranger's mails (%v), want today's one", rows, err)
	}
}

func TestSubscriberLifecycle(t *testing.T) {
	eachDriver(t, testSubscriberLifecycle)
}

func testSubscriberLifecycle(t *testing.T, db testDB) {
	ctx := context.Background()
	s := db.open(t)
	clock := withClock(s)
	if err := s.RequestSubscription(ctx, "residents", "old@example.net"); err != nil {
		t.Fatal(err)
	}
	clock.advance(49 * time.Hour)
	if err := s.RequestSubscription(ctx, "residents", "new@example.net"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ExpireSignups(ctx, clock.t.Add(-48*time.Hour)); err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want the old sign-up only", n, err)
	}
	if err := s.ConfirmSubscription(ctx, "residents", "new@example.net", []string{"flood"}, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.ExpireSignups(ctx, clock.t.Add(time.Hour)); n != 0 {
		t.Fatal("a confirmed subscriber expired")
	}
	if got, err := s.ConfirmedSubscribers(ctx, "residents"); err != nil || len(got) != 1 || got[0] != "new@example.net" {
		t.Fatalf("confirmed = %q, %v", got, err)
	}
	topics, err := s.SubscriberTopics(ctx, "residents")
	if err != nil || len(topics["new@example.net"]) != 1 {
		t.Fatalf("topics = %v, %v", topics, err)
	}

	if err := s.ForgetAddress(ctx, "NEW@example.net"); err != nil {
		t.Fatal(err)
	}
	rec, err := s.AddressData(ctx, "new@example.net")
	if err != nil || len(rec.Subscriptions) != 0 || len(rec.Unsubscribed) != 0 || rec.Suppression != nil {
		t.Fatalf("after forgetting: %+v, %v", rec, err)
	}
	if f, err := s.IsForgotten(ctx, "new@EXAMPLE.net"); err != nil || !f {
		t.Fatalf("IsForgotten = %v, %v", f, err)
	}
	err = s.AddSubscriber(ctx, Subscriber{List: "residents", Address: "new@example.net", Status: SubConfirmed, Source: SourceImport, Note: "x"})
	if !errors.Is(err, ErrForgotten) {
		t.Fatalf("re-adding a forgotten address: %v", err)
	}
	// Only the hash is left.
	sups, err := s.Suppressions(ctx)
	if err != nil || len(sups) != 1 || sups[0].Address != "sha256:"+AddressHash("new@example.net") || sups[0].Reason != "forgotten" {
		t.Fatalf("suppression list after forgetting: %+v, %v; want only the hash", sups, err)
	}
}

// TestForgetAddressEverySpelling: the record of one address and its
// erasure reach its deliveries, bounces and suppression however each
// spelled it.
func TestForgetAddressEverySpelling(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		slot := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		run, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: slot, Status: RunSending, WindowEnd: slot},
			slices.Values([]OutboxRecipient{
				{Address: "Zhang@Example.net", List: "residents", MessageID: "m1@x"},
				{Address: "other@example.net", List: "residents", MessageID: "m2@x"},
			}))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDeliverySent(ctx, run.ID, "Zhang@Example.net", slot); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordBounce(ctx, Bounce{Address: "ZHANG@example.net", Kind: BounceHard, Status: "5.1.1", MessageID: "m1@x", ReportID: "r1"}, 3); err != nil {
			t.Fatal(err)
		}
		rec, err := s.AddressData(ctx, "zhang@example.NET")
		if err != nil || rec.Deliveries != 1 || rec.Bounces != 1 || rec.Suppression == nil {
			t.Fatalf("record = %+v, %v; want one delivery, one bounce, suppressed", rec, err)
		}
		if err := s.ForgetAddress(ctx, "zhang@example.net"); err != nil {
			t.Fatal(err)
		}
		if rec, err = s.AddressData(ctx, "Zhang@Example.net"); err != nil || rec.Deliveries != 0 || rec.Bounces != 0 || rec.Suppression != nil {
			t.Fatalf("after forgetting: %+v, %v; want nothing", rec, err)
		}
		if c, err := s.DeliveryCounts(ctx, run.ID); err != nil || c.Pending != 1 {
			t.Fatalf("counts = %+v, %v; want the other reader's delivery kept", c, err)
		}
	})
}
