package mailer

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/store"
)

// interleaved is the real store with a hook run after each ArticlesSince,
// to commit an ingest between a digest's selection and its outbox.
type interleaved struct {
	*store.Store
	afterSelect func()
}

func (s *interleaved) ArticlesSince(ctx context.Context, q store.ArticleQuery) ([]content.Article, error) {
	arts, err := s.Store.ArticlesSince(ctx, q)
	if s.afterSelect != nil {
		s.afterSelect()
		s.afterSelect = nil
	}
	return arts, err
}

// TestArticleCommittingDuringARunGoesToTheNextRun: an ingest waiting for
// the write lock commits after a digest has selected its articles but
// before it records its run; its article goes to the next run, not behind
// the window of the run that could not see it.
func TestArticleCommittingDuringARunGoesToTheNextRun(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "paperboy.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	saveEdition(t, st, sampleEdition(t, "2021-07-20"))
	cfg := testConfig(nil, 1)
	cfg.FileDir = t.TempDir()
	src := &interleaved{Store: st}
	m := newDigests(t, cfg, st, src)
	if res, err := m.Run(ctx, "daily", slot); err != nil || res.Articles != 13 {
		t.Fatalf("first run = %+v, %v", res, err)
	}

	// Another writer holds the lock; the ingest of a new edition waits.
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh := sampleEdition(t, "2021-07-22")[:1]
	ingested := make(chan error, 1)
	go func() {
		ed := content.Edition{Date: "2021-07-22", Source: "pages/2021-07-22.txt", Articles: fresh}
		_, err := st.SaveEdition(ctx, ed, "hash-fresh")
		ingested <- err
	}()
	time.Sleep(200 * time.Millisecond) // the ingest is waiting for the lock

	// The digest selects while the ingest waits, and the ingest commits
	// before the digest records its run.
	src.afterSelect = func() {
		if err := lock.Rollback(); err != nil {
			t.Error(err)
		}
		if err := <-ingested; err != nil {
			t.Error(err)
		}
	}
	second, err := m.Run(ctx, "daily", slot.Add(24*time.Hour))
	if err != nil || second.Status != store.RunSkipped {
		t.Fatalf("second run = %+v, %v; want skipped: it could not see the article", second, err)
	}
	third, err := m.Run(ctx, "daily", slot.Add(48*time.Hour))
	if err != nil || third.Articles != 1 || third.Sent != 1 {
		t.Fatalf("third run = %+v, %v; want the article committed during the second", third, err)
	}
}
