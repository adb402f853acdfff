package store

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestSaveEditionStampsOnceItHoldsTheWriteLock: an ingest that waits for
// another writer stamps its articles with the time it got the lock, not
// the time it started waiting, so an article's created_at never falls
// inside a window a digest has already read.
func TestSaveEditionStampsOnceItHoldsTheWriteLock(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		path := db.fresh(t)
		s, other := db.openAt(t, path), db.openAt(t, path)
		var clock atomic.Pointer[time.Time]
		waiting, locked := time.Date(2021, 7, 20, 1, 0, 0, 0, time.UTC), time.Date(2021, 7, 20, 1, 0, 5, 0, time.UTC)
		clock.Store(&waiting)
		s.now = func() time.Time { return *clock.Load() }

		// Another writer holds the lock (BEGIN IMMEDIATE).
		tx, err := other.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if db.driver == DriverPostgres { // the write lock is the stamp's row
			if _, err := tx.Exec(other.sql(lockStamp)); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan error, 1)
		go func() {
			_, err := s.SaveEdition(ctx, testEdition("2021-07-20", testArticle("2021-07-20", "示范区党政联席会议召开")), "h1")
			done <- err
		}()
		time.Sleep(200 * time.Millisecond) // let the ingest reach the lock and wait
		clock.Store(&locked)
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		arts, err := s.EditionArticles(ctx, "2021-07-20")
		if err != nil || len(arts) != 1 {
			t.Fatalf("edition = %d articles, %v", len(arts), err)
		}
		if !arts[0].Created.Equal(locked) || !arts[0].Updated.Equal(locked) {
			t.Fatalf("created %v, updated %v; want %v, when the ingest got the lock, not %v, when it began waiting",
				arts[0].Created, arts[0].Updated, locked, waiting)
		}
	})
}

// TestSaveEditionStampsAfterEveryEarlierStamp: stamps follow commit order
// even when the clock steps back, and LatestArticleStamp is the newest.
func TestSaveEditionStampsAfterEveryEarlierStamp(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		clock := withClock(s)
		if got, err := s.LatestArticleStamp(ctx); err != nil || !got.IsZero() {
			t.Fatalf("latest stamp of an empty store = %v, %v; want zero", got, err)
		}
		mustSave(t, s, testEdition("2021-07-20", testArticle("2021-07-20", "第一条")), "h1")
		first := clock.now()
		clock.advance(-time.Hour) // NTP stepped the clock back
		mustSave(t, s, testEdition("2021-07-21", testArticle("2021-07-21", "第二条")), "h2")
		arts, err := s.EditionArticles(ctx, "2021-07-21")
		if err != nil || len(arts) != 1 {
			t.Fatalf("edition = %d articles, %v", len(arts), err)
		}
		if want := first.Add(time.Microsecond); !arts[0].Created.Equal(want) {
			t.Fatalf("created %v after a clock step back; want %v, just after the stamp before it", arts[0].Created, want)
		}
		if got, err := s.LatestArticleStamp(ctx); err != nil || !got.Equal(arts[0].Created) {
			t.Fatalf("latest stamp = %v, %v; want %v", got, err, arts[0].Created)
		}
	})
}
