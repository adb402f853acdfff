package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
)

// realArticle is an article with its own wording, as on a real page.
func realArticle(date, title string, paragraphs ...string) content.Article {
	a := testArticle(date, title)
	a.Paragraphs = paragraphs
	return a
}

func samplePage(date string) []content.Article {
	return []content.Article{
		realArticle(date, "示范区召开党政联席会议", "7月19日，示范区召开党政联席会议，研究部署防汛救灾工作。", "会议要求各部门压实责任。"),
		realArticle(date, "黄河大桥项目完成投资765万元", "截至目前，黄河大桥项目已完成投资765万元，占年度计划的六成。", "项目部表示将加快施工进度。"),
		realArticle(date, "社区开展夏季消防演练", "连日来，各社区组织居民开展夏季消防演练，普及逃生知识。"),
	}
}

// TestCorrectionKeepsID: a headline typo fix and a figure fix on a
// re-ingested page keep the article's id; a new article in the same place
// gets a new one; the removed article's id is recorded as gone.
func TestCorrectionKeepsID(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		const date = "2021-07-20"
		page := samplePage(date)
		mustSave(t, s, testEdition(date, page...), "h1")
		gen1, err := s.ChangeGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}

		fixed := samplePage(date)
		fixed[1] = realArticle(date, "黄河大桥项目完成投资766万元", "截至目前，黄河大桥项目已完成投资766万元，占年度计划的六成。", "项目部表示将加快施工进度。")
		if fixed[1].ID == page[1].ID {
			t.Fatal("test setup: the corrected headline should give the parser a new id")
		}
		got := mustSave(t, s, testEdition(date, fixed...), "h2")
		if got != (EditionChange{Updated: 1, Unchanged: 2}) {
			t.Fatalf("correction = %+v, want 1 updated 2 unchanged", got)
		}
		a, err := s.Article(ctx, page[1].ID)
		if err != nil {
			t.Fatalf("corrected article lost its id: %v", err)
		}
		if a.Title != "黄河大桥项目完成投资766万元" || !a.Updated.After(a.Created) {
			t.Errorf("corrected article: title %q created %v updated %v", a.Title, a.Created, a.Updated)
		}
		if _, err := s.Article(ctx, fixed[1].ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("the corrected headline's own id exists too: %v", err)
		}
		// Re-ingesting the corrected page again changes nothing.
		if got := mustSave(t, s, testEdition(date, fixed...), "h3"); got != (EditionChange{Unchanged: 3}) {
			t.Errorf("re-ingest = %+v, want 3 unchanged", got)
		}
		dates, gen2, err := s.ChangedEditions(ctx, gen1)
		if err != nil {
			t.Fatal(err)
		}
		if gen2 <= gen1 || !slices.Equal(dates, []string{date}) {
			t.Errorf("changed editions since %d = %v (gen %d), want [%s] and a newer gen", gen1, dates, gen2, date)
		}

		// The third article really removed, a different one in its place.
		other := realArticle(date, "图书馆延长开放时间", "市图书馆自下周起延长开放时间至晚上九点。")
		got = mustSave(t, s, testEdition(date, fixed[0], fixed[1], other), "h4")
		if got != (EditionChange{Added: 1, Removed: 1, Unchanged: 2}) {
			t.Fatalf("replacement = %+v, want 1 added 1 removed 2 unchanged", got)
		}
		if moved, err := s.GoneArticle(ctx, page[2].ID); err != nil || moved != "" {
			t.Errorf("removed article: moved %q err %v, want gone", moved, err)
		}
		if _, err := s.GoneArticle(ctx, other.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("existing article reported gone: %v", err)
		}
		dates, _, _ = s.ChangedEditions(ctx, gen2)
		if !slices.Equal(dates, []string{date}) {
			t.Errorf("changed editions = %v", dates)
		}
	})
}

// TestRenamedFileMovesPermalink: a page file renamed to another date (the
// date was wrong) removes its articles and adds them under the new date's
// ids; the old ids point at the new ones.
func TestRenamedFileMovesPermalink(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		page := samplePage("2021-07-02")
		mustSave(t, s, testEdition("2021-07-02", page...), "h1")
		if _, err := s.RemoveSource(ctx, "2021-07-02.txt"); err != nil {
			t.Fatal(err)
		}
		again := samplePage("2021-07-20")
		mustSave(t, s, testEdition("2021-07-20", again...), "h1")
		for i := range page {
			moved, err := s.GoneArticle(ctx, page[i].ID)
			if err != nil || moved != again[i].ID {
				t.Errorf("article %d: moved to %q (%v), want %s", i, moved, err, again[i].ID)
			}
		}
	})
}

// TestEditionRange: whole editions with ordinals that are the same in a
// topic as in the whole edition.
func TestEditionRange(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		for _, date := range []string{"2021-07-19", "2021-07-20"} {
			page := samplePage(date)
			page[2].Topics = []string{"life"}
			mustSave(t, s, testEdition(date, page...), "h-"+date)
		}
		all, err := s.EditionRange(ctx, "", "2021-07-19", "2021-07-20")
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, p := range all {
			got = append(got, p.Ordinal)
		}
		if !slices.Equal(got, []int{0, 1, 2, 0, 1, 2}) || all[0].Date != "2021-07-20" {
			t.Errorf("ordinals %v, first date %s", got, all[0].Date)
		}
		life, err := s.EditionRange(ctx, "life", "2021-07-20", "2021-07-20")
		if err != nil {
			t.Fatal(err)
		}
		if len(life) != 1 || life[0].Ordinal != 2 || !slices.Equal(life[0].Topics, []string{"life"}) {
			t.Errorf("topic range = %+v", life)
		}
		counts, err := s.EditionCounts(ctx, "life")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(counts, []EditionCount{{"2021-07-20", 1}, {"2021-07-19", 1}}) {
			t.Errorf("counts = %v", counts)
		}
	})
}

// TestChangesNotify: on PostgreSQL a save by another process (another
// Store) reaches Changes within seconds; on SQLite Changes is nil and
// readers poll.
func TestChangesNotify(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		loc := db.fresh(t)
		reader, writer := db.openAt(t, loc), db.openAt(t, loc)
		ch := reader.Changes(ctx, func(err error) { t.Errorf("listen: %v", err) })
		if db.driver == DriverSQLite {
			if ch != nil {
				t.Fatal("SQLite Changes is not nil")
			}
			return
		}
		time.Sleep(300 * time.Millisecond) // the listener connects
		mustSave(t, writer, testEdition("2021-07-20", testArticle("2021-07-20", "示范区党政联席会议召开")), "h1")
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("no notice within 5s of another store's save")
		}
	})
}
