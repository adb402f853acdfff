package store

import (
	"context"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/pgtest"
)

// BenchmarkCopyToPostgres copies a SQLite store of 10,000 generated
// editions (130,000 items) into a fresh PostgreSQL database per iteration
// (paperboy store copy).
//
//	.ci/with-postgres go test ./store/ -run '^$' -bench CopyToPostgres -benchtime 1x
func BenchmarkCopyToPostgres(b *testing.B) {
	const editions = 10000
	ctx := context.Background()
	from := testDB{driver: DriverSQLite}.open(b)
	day := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range editions {
		if _, err := from.SaveEdition(ctx, benchEdition(day.AddDate(0, 0, i).Format(time.DateOnly)), "hash"); err != nil {
			b.Fatal(err)
		}
	}
	var articles int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		to, err := OpenPostgres(ctx, pgtest.Fresh(b))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		stats, err := Copy(ctx, from, to)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		articles += stats["articles"]
		if n, err := to.CountArticles(ctx); err != nil || n != stats["articles"] {
			b.Fatalf("copied %d articles, counted %d, %v", stats["articles"], n, err)
		}
		to.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(articles)/b.Elapsed().Seconds(), "articles/s")
	b.ReportMetric(float64(editions*b.N)/b.Elapsed().Seconds(), "editions/s")
}
