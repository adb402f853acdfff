package store

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestUnsubscribeMatchesAddressesCaseInsensitively: a reader who left as
// "Zhang@Example.org" stays away when the list spells it otherwise,
// including an unsubscribe recorded before the rule (stored as written),
// which Open folds; and SQLite's lower() agrees with address.Key on the
// stored rows.
func TestUnsubscribeMatchesAddressesCaseInsensitively(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		path := db.fresh(t)
		s := db.openAt(t, path)
		if err := s.Unsubscribe(ctx, "residents", "Zhang@Example.org"); err != nil {
			t.Fatal(err)
		}
		// As an older paperboy stored them: the local part as written, and a
		// spelling twice.
		for _, a := range []string{"Li.Si@example.org", "LI.SI@example.org", "wang@example.org"} {
			if _, err := s.db.ExecContext(ctx, `INSERT INTO unsubscribes (list, address, created_at) VALUES ('residents', ?, '')`, a); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		s = db.openAt(t, path)
		var stored []string
		rows, err := s.db.QueryContext(ctx, `SELECT address FROM unsubscribes ORDER BY address`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a string
			rows.Scan(&a)
			stored = append(stored, a)
		}
		rows.Close()
		if want := []string{"li.si@example.org", "wang@example.org", "zhang@example.org"}; !slices.Equal(stored, want) {
			t.Fatalf("stored unsubscribes = %q, want %q", stored, want)
		}
		for _, a := range []string{"zhang@example.org", "ZHANG@EXAMPLE.ORG", "li.si@Example.org", "Wang@example.org"} {
			if ok, err := s.IsUnsubscribed(ctx, "residents", a); err != nil || !ok {
				t.Errorf("IsUnsubscribed(%q) = %v, %v; want true", a, ok, err)
			}
		}
		slot := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		run := DigestRun{Digest: "daily", Slot: slot, Status: RunSending, WindowEnd: slot, Lists: []string{"residents"}}
		rcpts := []OutboxRecipient{
			{Address: "zhang@example.org", List: "residents", MessageID: "m1@x"},
			{Address: "Li.Si@example.org", List: "residents", MessageID: "m2@x"},
			{Address: "stays@example.org", List: "residents", MessageID: "m3@x"},
		}
		got, _, err := s.CreateDigestRun(ctx, run, slices.Values(rcpts))
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.DeliveryCounts(ctx, got.ID)
		if err != nil || c.Pending != 1 {
			t.Fatalf("counts = %+v, %v; want only stays@ pending", c, err)
		}
		// Leaving after the run was made, as the list spelled the address
		// otherwise: the run's deliveries say so, however they are read.
		rcpts = []OutboxRecipient{{Address: "Late@Example.org", List: "residents", MessageID: "m4@x"}}
		run.Slot = slot.Add(24 * time.Hour)
		late, _, err := s.CreateDigestRun(ctx, run, slices.Values(rcpts))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Unsubscribe(ctx, "residents", "late@example.org"); err != nil {
			t.Fatal(err)
		}
		due, err := s.DueDeliveries(ctx, late.ID, "", slot.Add(48*time.Hour), 10)
		if err != nil || len(due) != 1 || !due[0].Unsubscribed {
			t.Errorf("DueDeliveries = %+v, %v; want Late@ unsubscribed", due, err)
		}
		all, err := s.RunDeliveries(ctx, late.ID, 10)
		if err != nil || len(all) != 1 || !all[0].Unsubscribed {
			t.Errorf("RunDeliveries = %+v, %v; want Late@ unsubscribed", all, err)
		}
	})
}
