package store

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestCopy: a SQLite store copied into an empty store of each engine has
// the same articles (ids, fields, topics, stamps), runs and deliveries
// (ids, Message-IDs, states), suppressions and unsubscribes; new runs
// continue after the copied ids; a second copy into it is refused.
func TestCopy(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		from := testDB{driver: DriverSQLite}.open(t)
		seedEditions(t, from)
		slot := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
		run, _, err := from.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: slot, Status: RunSending, WindowEnd: slot},
			iter.Seq[OutboxRecipient](func(yield func(OutboxRecipient) bool) {
				for i := range 5 {
					a := fmt.Sprintf("r%d@example.org", i)
					if !yield(OutboxRecipient{Address: a, List: "residents", MessageID: "<" + a + ">"}) {
						return
					}
				}
			}))
		if err != nil {
			t.Fatal(err)
		}
		if err := from.MarkDeliverySent(ctx, run.ID, "r0@example.org", slot); err != nil {
			t.Fatal(err)
		}
		if err := from.Unsubscribe(ctx, "residents", "gone@example.org"); err != nil {
			t.Fatal(err)
		}
		if _, err := from.Suppress(ctx, Suppression{Address: "Bounced@example.org", Reason: "hard-bounce", Created: slot}); err != nil {
			t.Fatal(err)
		}

		if err := from.AddSubscriber(ctx, Subscriber{List: "residents", Address: "Reader@example.org", Status: SubConfirmed, Source: "import"}); err != nil {
			t.Fatal(err)
		}
		if err := from.RequestSubscription(ctx, "residents", "new@example.org"); err != nil {
			t.Fatal(err)
		}

		to := db.open(t)
		stats, err := Copy(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if stats["articles"] != 9 || stats["deliveries"] != 5 || stats["digest_runs"] != 1 {
			t.Errorf("stats = %v", stats)
		}
		for _, date := range []string{"2021-07-18", "2021-07-19", "2021-07-20"} {
			want, err := from.EditionArticles(ctx, date)
			if err != nil {
				t.Fatal(err)
			}
			got, err := to.EditionArticles(ctx, date)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("edition %s differs after the copy:\n got %+v\nwant %+v", date, got, want)
			}
		}
		for _, topic := range []string{"", "projects"} {
			want, _ := from.LatestArticles(ctx, topic, 50)
			got, err := to.LatestArticles(ctx, topic, 50)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("latest of %q differ after the copy (%v)", topic, err)
			}
		}
		fs, _ := from.LatestArticleStamp(ctx)
		ts, err := to.LatestArticleStamp(ctx)
		if err != nil || !ts.Equal(fs) {
			t.Errorf("latest stamp %v, %v; want %v", ts, err, fs)
		}
		got, err := to.DigestRunBySlot(ctx, "daily", slot)
		if err != nil || got.ID != run.ID {
			t.Fatalf("copied run = %+v, %v; want id %d", got, err, run.ID)
		}
		c, err := to.DeliveryCounts(ctx, run.ID)
		if err != nil || c.Sent != 1 || c.Pending != 4 {
			t.Errorf("copied counts %+v, %v; want 1 sent, 4 pending", c, err)
		}
		due, err := to.DueDeliveries(ctx, run.ID, "", slot, 10)
		if err != nil || len(due) != 4 || due[0].MessageID != "<r1@example.org>" {
			t.Errorf("copied due deliveries %+v, %v", due, err)
		}
		if gone, err := to.IsUnsubscribed(ctx, "residents", "gone@example.org"); err != nil || !gone {
			t.Errorf("unsubscribe lost: %v, %v", gone, err)
		}
		if sup, err := to.Suppressed(ctx, "bounced@example.org"); err != nil || sup.Reason != "hard-bounce" {
			t.Errorf("suppression lost: %+v, %v", sup, err)
		}
		wantSubs, _ := from.Subscribers(ctx, "residents")
		gotSubs, err := to.Subscribers(ctx, "residents")
		if err != nil || len(wantSubs) != 2 || !reflect.DeepEqual(gotSubs, wantSubs) {
			t.Errorf("subscribers after the copy %+v, %v; want %+v", gotSubs, err, wantSubs)
		}
		next, _, err := to.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: slot.Add(24 * time.Hour), Status: RunSending, WindowEnd: slot},
			iter.Seq[OutboxRecipient](func(func(OutboxRecipient) bool) {}))
		if err != nil || next.ID != run.ID+1 {
			t.Errorf("next run id %d, %v; want %d, after the copied ids", next.ID, err, run.ID+1)
		}
		if _, err := Copy(ctx, from, to); err == nil {
			t.Error("a second copy into a store with data succeeded")
		}
	})
}

// TestCopyCoversEveryTable: every table of the schema is either copied or
// left out for a stated reason, so a table a new migration adds cannot be
// forgotten by paperboy store copy.
func TestCopyCoversEveryTable(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		s := db.open(t)
		q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
		if db.driver == DriverPostgres {
			q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
		}
		rows, err := s.db.QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			n++
			if _, left := copyLeftOut[name]; !left && !slices.Contains(CopyTables, name) {
				t.Errorf("table %s is neither copied (CopyTables) nor left out with a reason (copyLeftOut)", name)
			}
		}
		if err := rows.Err(); err != nil || n < len(CopyTables) {
			t.Fatalf("listed %d tables (%v), want at least %d", n, err, len(CopyTables))
		}
	})
}
