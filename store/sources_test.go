package store

import (
	"context"
	"testing"
)

func TestSourceHashes(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		if got, err := s.SourceHashes(ctx); err != nil || len(got) != 0 {
			t.Fatalf("empty store: %v, %v", got, err)
		}
		const date = "2021-07-20"
		mustSave(t, s, testEdition(date, testArticle(date, "甲")), "h1")
		mustSave(t, s, testEdition("2021-07-21", testArticle("2021-07-21", "乙")), "h2")
		mustSave(t, s, testEdition(date, testArticle(date, "甲")), "h3") // re-ingested
		got, err := s.SourceHashes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["2021-07-20.txt"] != "h3" || got["2021-07-21.txt"] != "h2" {
			t.Errorf("source hashes = %v", got)
		}
	})
}
