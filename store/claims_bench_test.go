package store

import (
	"context"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/pgtest"
)

// BenchmarkClaimAsRunProceeds sends one run of 100,000 deliveries the way
// the mailer does when instances share runs: claim a batch of 16 (four
// connections' worth) after the previous one, mark each delivery sent,
// claim the next. It reports claims per second over the first and the
// last tenth of the run, and their ratio: a claim should cost the same
// at the end of a run as at its start, whatever was sent before it.
//
//	.ci/with-postgres go test ./store/ -run '^$' -bench ClaimAsRunProceeds -benchtime 1x
func BenchmarkClaimAsRunProceeds(b *testing.B) {
	const n, batch = 100000, 16
	for _, driver := range []string{DriverSQLite, DriverPostgres} {
		b.Run("driver="+driver, func(b *testing.B) {
			if driver == DriverPostgres {
				pgtest.Need(b)
			}
			db := testDB{driver: driver}
			ctx := context.Background()
			var firstClaims, lastClaims int
			var firstTime, lastTime time.Duration
			for range b.N {
				b.StopTimer()
				s := db.openAt(b, db.fresh(b))
				now := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
				run, _, err := s.CreateDigestRun(ctx, DigestRun{Digest: "daily", Slot: now, Status: RunSending, WindowEnd: now},
					iter.Seq[OutboxRecipient](func(yield func(OutboxRecipient) bool) {
						for i := range n {
							a := fmt.Sprintf("r%07d@example.org", i)
							if !yield(OutboxRecipient{Address: a, List: "residents", MessageID: "<" + a + ">"}) {
								return
							}
						}
					}))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				sent, after := 0, ""
				for {
					start := time.Now()
					ds, err := s.ClaimDeliveries(ctx, run.ID, "bench", after, now, now.Add(time.Minute), batch)
					took := time.Since(start)
					if err != nil {
						b.Fatal(err)
					}
					if len(ds) == 0 {
						break
					}
					switch {
					case sent < n/10:
						firstClaims++
						firstTime += took
					case sent >= n-n/10:
						lastClaims++
						lastTime += took
					}
					for _, d := range ds {
						if err := s.MarkDeliverySent(ctx, run.ID, d.Recipient, now); err != nil {
							b.Fatal(err)
						}
					}
					sent += len(ds)
					after = ds[len(ds)-1].Recipient
				}
				b.StopTimer()
				if sent != n {
					b.Fatalf("sent %d, want %d", sent, n)
				}
			}
			first := float64(firstClaims) / firstTime.Seconds()
			last := float64(lastClaims) / lastTime.Seconds()
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(first, "first10%-claims/s")
			b.ReportMetric(last, "last10%-claims/s")
			b.ReportMetric(last/first, "last/first")
		})
	}
}
