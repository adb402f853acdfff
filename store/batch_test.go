package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/paperboy-news/paperboy/content"
)

// TestSaveEditionOf40000Items: an edition (the issue asks for 20,000) past SQLite's bound
// parameters per statement (32766) saves, saves again unchanged and with
// one item corrected; its stored rows all come back.
func TestSaveEditionOf40000Items(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		s := db.open(t)
		const n = 40000
		arts := make([]content.Article, n)
		for i := range arts {
			arts[i] = testArticle("2021-07-20", fmt.Sprintf("标题%05d", i), "politics")
		}
		ed := testEdition("2021-07-20", arts...)
		if ch := mustSave(t, s, ed, "h1"); ch.Added != n {
			t.Fatalf("first save = %+v, want %d added", ch, n)
		}
		if ch := mustSave(t, s, ed, "h1"); ch.Added+ch.Updated+ch.Removed != 0 {
			t.Fatalf("unchanged save = %+v, want no change", ch)
		}
		// One corrected item among them.
		ed.Articles[n-1].Paragraphs = []string{"更正后的正文。"}
		if ch := mustSave(t, s, ed, "h2"); ch.Updated != 1 || ch.Added+ch.Removed != 0 {
			t.Fatalf("corrected save = %+v, want 1 updated", ch)
		}
		got, err := s.EditionArticles(context.Background(), "2021-07-20")
		if err != nil || len(got) != n {
			t.Fatalf("edition articles = %d, %v; want %d", len(got), err, n)
		}
		if n, err := s.CountArticles(context.Background()); err != nil || n != 40000 {
			t.Fatalf("count = %d, %v", n, err)
		}
	})
}
