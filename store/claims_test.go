package store

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestClaimDeliveriesShareARun: three stores on one database (three
// instances) claim batches of one run together until none is left; every
// delivery is claimed by exactly one of them.
func TestClaimDeliveriesShareARun(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		const n, batch = 3000, 50
		ctx := context.Background()
		loc := db.fresh(t)
		first := db.openAt(t, loc)
		now := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		run, _, err := first.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: now, Status: RunSending, WindowEnd: now},
			iter.Seq[OutboxRecipient](func(yield func(OutboxRecipient) bool) {
				for i := range n {
					a := fmt.Sprintf("r%05d@example.org", i)
					if !yield(OutboxRecipient{Address: a, List: "residents", MessageID: "<" + a + ">"}) {
						return
					}
				}
			}))
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		claimedBy := map[string][]string{}
		var wg sync.WaitGroup
		for i := range 3 {
			s := first
			if i > 0 {
				s = db.openAt(t, loc)
			}
			holder := fmt.Sprintf("instance-%d", i)
			wg.Go(func() {
				// As the mailer does: batch after batch, then a pass from
				// the start for what others held, until one finds nothing.
				after := ""
				for {
					ds, err := s.ClaimDeliveries(ctx, run.ID, holder, after, now, now.Add(time.Minute), batch)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ds) == 0 {
						if after == "" {
							return
						}
						after = ""
						continue
					}
					after = ds[len(ds)-1].Recipient
					if len(ds) > batch {
						t.Errorf("%s claimed %d, more than the batch of %d", holder, len(ds), batch)
					}
					for _, d := range ds {
						mu.Lock()
						claimedBy[d.Recipient] = append(claimedBy[d.Recipient], holder)
						mu.Unlock()
						if err := s.MarkDeliverySent(ctx, run.ID, d.Recipient, now); err != nil {
							t.Error(err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		per := map[string]int{}
		for rcpt, hs := range claimedBy {
			if len(hs) != 1 {
				t.Errorf("%s claimed %d times (%v)", rcpt, len(hs), hs)
			}
			per[hs[0]]++
		}
		if len(claimedBy) != n {
			t.Errorf("%d deliveries claimed, want %d", len(claimedBy), n)
		}
		c, err := first.DeliveryCounts(ctx, run.ID)
		if err != nil || c.Sent != n || c.Pending != 0 {
			t.Errorf("counts %+v, %v; want all %d sent", c, err, n)
		}
		t.Logf("claims per instance: %v", per)
	})
}

// TestClaimExpires: a batch claimed by an instance that then dies is
// claimed by another only after the claim's expiry, with its Message-IDs;
// a retried delivery is free again at its next attempt.
func TestClaimExpires(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		now := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		run, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: now, Status: RunSending, WindowEnd: now},
			iter.Seq[OutboxRecipient](func(yield func(OutboxRecipient) bool) {
				for _, a := range []string{"a@x.cn", "b@x.cn", "c@x.cn"} {
					if !yield(OutboxRecipient{Address: a, List: "l", MessageID: "<" + a + ">"}) {
						return
					}
				}
			}))
		if err != nil {
			t.Fatal(err)
		}
		until := now.Add(time.Minute)
		dead, err := s.ClaimDeliveries(ctx, run.ID, "dead", "", now, until, 2)
		if err != nil || len(dead) != 2 || dead[0].Recipient != "a@x.cn" || dead[1].Recipient != "b@x.cn" {
			t.Fatalf("first claim = %+v, %v; want a and b", dead, err)
		}
		live, err := s.ClaimDeliveries(ctx, run.ID, "live", "", now.Add(time.Second), now.Add(time.Minute), 10)
		if err != nil || len(live) != 1 || live[0].Recipient != "c@x.cn" {
			t.Fatalf("claim while a and b are held = %+v, %v; want c only", live, err)
		}
		if err := s.MarkDeliveryRetry(ctx, run.ID, "c@x.cn", 451, "try later", now.Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		again, err := s.ClaimDeliveries(ctx, run.ID, "live", "", until, until.Add(time.Minute), 10)
		if err != nil || len(again) != 3 {
			t.Fatalf("claim after the expiry = %+v, %v; want a, b (expired) and c (retry due)", again, err)
		}
		for i, d := range again[:2] {
			if d.MessageID != dead[i].MessageID {
				t.Errorf("%s retaken with Message-ID %s, first claimed with %s", d.Recipient, d.MessageID, dead[i].MessageID)
			}
		}
	})
}

// TestClaimAfter: a claim takes the pending deliveries after the given
// recipient only, in recipient order, passing over the ones sent; a
// claim from "" then takes what an earlier one passed over.
func TestClaimAfter(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		now := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		addrs := []string{"a@x.cn", "b@x.cn", "c@x.cn", "d@x.cn", "e@x.cn", "f@x.cn"}
		run, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: now, Status: RunSending, WindowEnd: now},
			iter.Seq[OutboxRecipient](func(yield func(OutboxRecipient) bool) {
				for _, a := range addrs {
					if !yield(OutboxRecipient{Address: a, List: "l", MessageID: "<" + a + ">"}) {
						return
					}
				}
			}))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDeliverySent(ctx, run.ID, "d@x.cn", now); err != nil {
			t.Fatal(err)
		}
		recipients := func(ds []Delivery) []string {
			var rs []string
			for _, d := range ds {
				rs = append(rs, d.Recipient)
			}
			return rs
		}
		until := now.Add(time.Minute)
		tests := []struct {
			name, holder, after string
			limit               int
			want                []string
		}{
			{"after b, d sent", "one", "b@x.cn", 2, []string{"c@x.cn", "e@x.cn"}},
			{"after e", "one", "e@x.cn", 10, []string{"f@x.cn"}},
			{"after the last", "one", "f@x.cn", 10, nil},
			{"from the start: what was passed over", "two", "", 10, []string{"a@x.cn", "b@x.cn"}},
			{"nothing left", "two", "", 10, nil},
		}
		for _, tt := range tests {
			ds, err := s.ClaimDeliveries(ctx, run.ID, tt.holder, tt.after, now, until, tt.limit)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := recipients(ds); !slices.Equal(got, tt.want) {
				t.Errorf("%s: claimed %q, want %q", tt.name, got, tt.want)
			}
		}
	})
}
