package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// deliveryState reads a delivery's status and last_error.
func deliveryState(t *testing.T, s *Store, runID int64, rcpt string) (status DeliveryStatus, lastErr string) {
	t.Helper()
	if err := s.db.QueryRow(`SELECT status, last_error FROM deliveries WHERE run_id = ? AND recipient = ?`, runID, rcpt).Scan(&status, &lastErr); err != nil {
		t.Fatal(err)
	}
	return status, lastErr
}

// sendRun creates a run of digest "daily" for slot to rcpts, marks every
// delivery not skipped as sent a minute after slot, and returns the run id.
func sendRun(t *testing.T, s *Store, slot time.Time, rcpts ...string) int64 {
	t.Helper()
	ctx := context.Background()
	var rs []OutboxRecipient
	for _, a := range rcpts {
		rs = append(rs, OutboxRecipient{Address: a, List: "residents", MessageID: msgID(slot, a)})
	}
	run, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: slot, Status: RunSending, WindowEnd: slot}, slices.Values(rs))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range rcpts {
		if st, _ := deliveryState(t, s, run.ID, a); st == DeliveryPending {
			if err := s.MarkDeliverySent(ctx, run.ID, a, slot.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return run.ID
}

func msgID(slot time.Time, a string) string {
	return slot.Format("20060102") + "." + a + "@news.example.cn"
}

func TestSuppressedAddressesAreSkippedWithTheirReason(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		if added, err := s.Suppress(ctx, Suppression{Address: "Gone@Example.com", Reason: SuppressHardBounce, Evidence: "5.1.1 user unknown"}); err != nil || !added {
			t.Fatalf("suppress: %v %v", added, err)
		}
		if added, err := s.Suppress(ctx, Suppression{Address: "gone@example.com", Reason: SuppressManual}); err != nil || added {
			t.Fatalf("second suppress: added=%v err=%v; want the first reason kept", added, err)
		}
		slot := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		run, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: slot, Status: RunSending, WindowEnd: slot},
			slices.Values([]OutboxRecipient{
				{Address: "a@example.com", List: "residents", MessageID: "m1"},
				{Address: "gone@example.com", List: "residents", MessageID: "m2"},
				{Address: "later@example.com", List: "residents", MessageID: "m3"},
			}))
		if err != nil {
			t.Fatal(err)
		}
		if st, why := deliveryState(t, s, run.ID, "gone@example.com"); st != DeliverySkipped || why != "suppressed: hard-bounce" {
			t.Fatalf("suppressed delivery: %s %q", st, why)
		}
		// Suppressing an address while its run is still sending skips it too.
		if _, err := s.Suppress(ctx, Suppression{Address: "later@example.com", Reason: SuppressComplaint}); err != nil {
			t.Fatal(err)
		}
		if st, why := deliveryState(t, s, run.ID, "later@example.com"); st != DeliverySkipped || why != "suppressed: complaint" {
			t.Fatalf("delivery suppressed mid-run: %s %q", st, why)
		}
		c, err := s.DeliveryCounts(ctx, run.ID)
		if err != nil || c.Pending != 1 || c.Skipped != 2 {
			t.Fatalf("counts %+v, %v", c, err)
		}
		counts, err := s.SuppressionCounts(ctx)
		if err != nil || counts[SuppressHardBounce] != 1 || counts[SuppressComplaint] != 1 {
			t.Fatalf("suppression counts %v, %v", counts, err)
		}
		if err := s.Unsuppress(ctx, "GONE@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := s.Unsuppress(ctx, "gone@example.com"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second unsuppress: %v, want ErrNotFound", err)
		}
		if _, err := s.Suppressed(ctx, "gone@example.com"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after unsuppress: %v", err)
		}
	})
}

func TestSoftBouncesSuppressOnlyInARow(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		day := func(n int) time.Time { return time.Date(2021, 7, 20+n, 23, 0, 0, 0, time.UTC) }
		soft := func(s *Store, n int, report string) BounceOutcome {
			t.Helper()
			out, err := s.RecordBounce(ctx, Bounce{
				Address: "full@example.com", Kind: BounceSoft, Status: "4.2.2", Detail: "over quota",
				MessageID: msgID(day(n), "full@example.com"), ReportID: report, Received: day(n).Add(time.Hour),
			}, 3)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		for _, tc := range []struct {
			name    string
			bounced []int // days whose digest soft-bounced, in arrival order
			want    bool
		}{
			{"three in a row", []int{0, 1, 2}, true},
			{"three in a row, reported out of order", []int{2, 0, 1}, true},
			{"one went through in between", []int{0, 1, 3}, false},
			{"two only", []int{1, 2}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := db.open(t)
				for n := range 4 {
					sendRun(t, s, day(n), "full@example.com", "fine@example.com")
				}
				var suppressed bool
				for i, n := range tc.bounced {
					out := soft(s, n, "report-"+string(rune('a'+i)))
					suppressed = suppressed || out.Suppressed
				}
				if suppressed != tc.want {
					t.Fatalf("suppressed = %v, want %v", suppressed, tc.want)
				}
				sup, err := s.Suppressed(ctx, "full@example.com")
				if tc.want && (err != nil || sup.Reason != SuppressSoftBounces) {
					t.Fatalf("suppression %+v, %v", sup, err)
				}
				// The same report read again counts once.
				if out := soft(s, tc.bounced[0], "report-a"); !out.Duplicate || out.Suppressed {
					t.Fatalf("re-read report: %+v", out)
				}
			})
		}
	})
}

func TestHardBounceWithoutMessageIDCountsAgainstTheLatestSend(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		slot := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		sendRun(t, s, slot, "x@example.com")
		out, err := s.RecordBounce(ctx, Bounce{Address: "X@example.com", Kind: BounceHard, Status: "5.1.1", ReportID: "r1", Received: slot.Add(time.Hour)}, 3)
		if err != nil || !out.Suppressed || out.Reason != SuppressHardBounce {
			t.Fatalf("outcome %+v, %v", out, err)
		}
		var id string
		if err := s.db.QueryRow(`SELECT message_id FROM bounces WHERE report_id = 'r1'`).Scan(&id); err != nil || id != msgID(slot, "x@example.com") {
			t.Fatalf("bounce attributed to %q (%v)", id, err)
		}
		// A run created now leaves x out, whatever case the list spells it in.
		run := sendRun(t, s, slot.Add(24*time.Hour), "x@Example.com")
		if st, why := deliveryState(t, s, run, "x@Example.com"); st != DeliverySkipped || why != "suppressed: hard-bounce" {
			t.Fatalf("delivery %s %q", st, why)
		}
	})
}

func TestMailboxMark(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		if v, u, err := s.MailboxMark(ctx, "INBOX"); err != nil || v != 0 || u != 0 {
			t.Fatalf("fresh mark %d %d %v", v, u, err)
		}
		for _, m := range [][2]uint32{{7, 10}, {7, 12}, {9, 1}} {
			if err := s.SetMailboxMark(ctx, "INBOX", m[0], m[1]); err != nil {
				t.Fatal(err)
			}
			if v, u, err := s.MailboxMark(ctx, "INBOX"); err != nil || v != m[0] || u != m[1] {
				t.Fatalf("mark %d %d %v, want %v", v, u, err, m)
			}
		}
	})
}

func TestUnsuppressStartsTheSoftBounceCountAfresh(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		day := func(n int) time.Time { return time.Date(2021, 7, 20+n, 23, 0, 0, 0, time.UTC) }
		for n := range 3 {
			sendRun(t, s, day(n), "full@example.com")
		}
		bounce := func(n int) BounceOutcome {
			t.Helper()
			out, err := s.RecordBounce(ctx, Bounce{Address: "full@example.com", Kind: BounceSoft, Status: "4.2.2",
				MessageID: msgID(day(n), "full@example.com"), ReportID: "r" + day(n).Format("0102"), Received: day(n).Add(time.Hour)}, 2)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		if out := bounce(0); out.Suppressed {
			t.Fatal("one soft bounce suppressed")
		}
		if out := bounce(1); !out.Suppressed || out.Reason != SuppressSoftBounces {
			t.Fatalf("second soft bounce in a row: %+v", out)
		}
		if err := s.Unsuppress(ctx, "full@example.com"); err != nil {
			t.Fatal(err)
		}
		if out := bounce(2); out.Suppressed {
			t.Fatal("the first soft bounce after an unsuppress suppressed again")
		}
	})
}
