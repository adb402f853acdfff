package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
)

// testClock makes s.now return a time the test moves by hand.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time          { return c.t }
func (c *testClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func withClock(s *Store) *testClock {
	c := &testClock{t: time.Date(2021, 7, 20, 1, 0, 0, 0, time.UTC)}
	s.now = c.now
	return c
}

// testArticle builds an article the way the parser would, id included.
func testArticle(date, title string, topics ...string) content.Article {
	return content.Article{
		ID:         content.StableID(date, content.KindArticle, title),
		Kind:       content.KindArticle,
		Title:      title,
		Byline:     "本报讯（记者郭树勋）",
		Authors:    []content.Author{{Name: "郭树勋", Role: "记者"}},
		Paragraphs: []string{title + "的第一段。", title + "的第二段。"},
		Date:       date,
		Topics:     topics,
	}
}

func testEdition(date string, articles ...content.Article) content.Edition {
	for i := range articles {
		articles[i].Lines = [2]int{i*10 + 1, i*10 + 9}
		articles[i].Source = date + ".txt"
	}
	return content.Edition{Date: date, Source: date + ".txt", Articles: articles}
}

func ids(as []content.Article) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func mustSave(t *testing.T, s *Store, ed content.Edition, hash string) EditionChange {
	t.Helper()
	c, err := s.SaveEdition(context.Background(), ed, hash)
	if err != nil {
		t.Fatalf("save %s: %v", ed.Source, err)
	}
	return c
}

func TestSaveEditionLifecycle(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		clock := withClock(s)
		const date = "2021-07-20"
		a, b, c := testArticle(date, "甲", "finance"), testArticle(date, "乙"), testArticle(date, "丙", "projects", "finance")
		ed := testEdition(date, a, b, c)

		if got := mustSave(t, s, ed, "h1"); got != (EditionChange{Added: 3}) {
			t.Fatalf("first save = %+v, want 3 added", got)
		}
		stored, err := s.EditionArticles(ctx, date)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(stored), ids(ed.Articles)) {
			t.Fatalf("edition ids = %v, want page order %v", ids(stored), ids(ed.Articles))
		}
		got := stored[2]
		if got.Title != "丙" || got.Byline != c.Byline || !slices.Equal(got.Paragraphs, c.Paragraphs) ||
			!slices.Equal(got.Authors, c.Authors) || got.Lines != [2]int{21, 29} || got.Source != ed.Source || got.Date != date {
			t.Errorf("stored article = %+v, want %+v", got, c)
		}
		if !slices.Equal(got.Topics, []string{"finance", "projects"}) {
			t.Errorf("topics = %v, want [finance projects]", got.Topics)
		}
		if !got.Created.Equal(clock.t) || !got.Updated.Equal(clock.t) {
			t.Errorf("created/updated = %v/%v, want %v", got.Created, got.Updated, clock.t)
		}
		firstSave := clock.t

		// The same edition again: nothing changes.
		clock.advance(time.Hour)
		if got := mustSave(t, s, ed, "h1"); got != (EditionChange{Unchanged: 3}) {
			t.Fatalf("second save = %+v, want 3 unchanged", got)
		}
		if a2, _ := s.Article(ctx, a.ID); !a2.Updated.Equal(firstSave) {
			t.Errorf("unchanged article's updated = %v, want %v", a2.Updated, firstSave)
		}

		// One paragraph corrected, and every line shifted: one update, same id.
		clock.advance(time.Hour)
		corrected := testEdition(date, a, b, c)
		corrected.Articles[1].Paragraphs = []string{"乙的第一段，已更正。", "乙的第二段。"}
		for i := range corrected.Articles {
			corrected.Articles[i].Lines[0] += 2
			corrected.Articles[i].Lines[1] += 2
		}
		if got := mustSave(t, s, corrected, "h2"); got != (EditionChange{Updated: 1, Unchanged: 2}) {
			t.Fatalf("corrected save = %+v, want 1 updated 2 unchanged", got)
		}
		b2, err := s.Article(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b2.Paragraphs[0] != "乙的第一段，已更正。" || !b2.Created.Equal(firstSave) || !b2.Updated.Equal(clock.t) {
			t.Errorf("corrected article: paragraph %q created %v updated %v", b2.Paragraphs[0], b2.Created, b2.Updated)
		}
		if c2, _ := s.Article(ctx, c.ID); c2.Lines != [2]int{23, 31} || !c2.Updated.Equal(firstSave) {
			t.Errorf("moved article: lines %v updated %v; want new lines, old updated time", c2.Lines, c2.Updated)
		}
		if h, err := s.SourceHash(ctx, ed.Source); err != nil || h != "h2" {
			t.Errorf("source hash = %q, %v; want h2", h, err)
		}

		// An item dropped, one added, a topic changed.
		clock.advance(time.Hour)
		d := testArticle(date, "丁")
		// A new article, not a correction of the dropped one: its text is its
		// own (the fixtures' shared wording would make it look like one).
		d.Paragraphs = []string{"全新报道，与前文无关。", "城区排水管网改造进展顺利。"}
		a3 := a
		a3.Topics = []string{"projects"}
		if got := mustSave(t, s, testEdition(date, a3, c, d), "h3"); got != (EditionChange{Added: 1, Removed: 1, Unchanged: 2, Retagged: 1}) {
			t.Fatalf("third save = %+v, want 1 added 1 removed 2 unchanged (1 retagged)", got)
		}
		if _, err := s.Article(ctx, b.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("removed article: err = %v, want ErrNotFound", err)
		}
		if a4, _ := s.Article(ctx, a.ID); !slices.Equal(a4.Topics, []string{"projects"}) || !a4.Updated.Equal(firstSave) {
			t.Errorf("retagged article: topics %v updated %v; want [projects], updated unchanged", a4.Topics, a4.Updated)
		}
		var orphans int
		if err := s.db.QueryRow(`SELECT COUNT(*) FROM article_topics WHERE article_id NOT IN (SELECT id FROM articles)`).Scan(&orphans); err != nil || orphans != 0 {
			t.Errorf("orphan topics = %d, %v", orphans, err)
		}
	})
}

func TestSaveEditionRejectsBadEditions(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		const date = "2021-07-20"
		a := testArticle(date, "甲")
		tests := []struct {
			name string
			ed   content.Edition
		}{
			{"duplicate id", testEdition(date, a, a)},
			{"no id", testEdition(date, content.Article{Title: "无"})},
			{"bad date", content.Edition{Date: "20 July", Source: "x.txt", Articles: []content.Article{a}}},
			{"no source", content.Edition{Date: date, Articles: []content.Article{a}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := db.open(t)
				if _, err := s.SaveEdition(ctx, tt.ed, "h"); err == nil {
					t.Fatal("saved a bad edition")
				}
				if n, _ := s.CountArticles(ctx); n != 0 {
					t.Errorf("%d articles written by a failed save", n)
				}
				if _, err := s.SourceHash(ctx, tt.ed.Source); !errors.Is(err, ErrNotFound) {
					t.Errorf("source recorded by a failed save: %v", err)
				}
			})
		}
	})
}

// A failure inside the transaction leaves the earlier writes undone.
func TestSaveEditionIsAtomic(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		const date = "2021-07-20"
		failThird := stmt{
			sqlite: `CREATE TRIGGER fail_third BEFORE INSERT ON articles
			WHEN NEW.title = '丙' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
			postgres: `CREATE FUNCTION fail_third() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.title = '丙' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$;
			CREATE TRIGGER fail_third BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION fail_third()`,
		}
		if _, err := s.db.Exec(s.sql(failThird)); err != nil {
			t.Fatal(err)
		}
		_, err := s.SaveEdition(ctx, testEdition(date, testArticle(date, "甲"), testArticle(date, "乙"), testArticle(date, "丙")), "h")
		if err == nil {
			t.Fatal("save succeeded despite the failing insert")
		}
		if n, _ := s.CountArticles(ctx); n != 0 {
			t.Errorf("%d articles left by a failed save", n)
		}
		if _, err := s.SourceHash(ctx, date+".txt"); !errors.Is(err, ErrNotFound) {
			t.Errorf("source left by a failed save: %v", err)
		}
	})
}

func TestSaveEditionTakesOverRenamedSource(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		const date = "2021-07-20"
		ed := testEdition(date, testArticle(date, "甲"), testArticle(date, "乙"))
		mustSave(t, s, ed, "h")
		renamed := ed
		renamed.Source = "copy-of-" + ed.Source
		if got := mustSave(t, s, renamed, "h"); got != (EditionChange{Updated: 2}) {
			t.Fatalf("renamed save = %+v, want 2 updated", got)
		}
		as, err := s.EditionArticles(ctx, date)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 2 || as[0].Source != renamed.Source {
			t.Errorf("articles after rename = %d, source %q", len(as), as[0].Source)
		}
	})
}

// seedEditions saves three dated editions a day apart, each created a
// day after the one before; it returns the creation times.
func seedEditions(t *testing.T, s *Store) []time.Time {
	t.Helper()
	clock := withClock(s)
	var created []time.Time
	for i, date := range []string{"2021-07-18", "2021-07-19", "2021-07-20"} {
		clock.t = time.Date(2021, 7, 18+i, 1, 0, 0, 0, time.UTC)
		created = append(created, clock.t)
		mustSave(t, s, testEdition(date,
			testArticle(date, "头条", "projects"),
			testArticle(date, "二条", "finance"),
			testArticle(date, "三条")), "h"+date)
	}
	return created
}

func TestArticleQueries(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		created := seedEditions(t, s)
		id := func(date, title string) string { return content.StableID(date, content.KindArticle, title) }

		latest, err := s.LatestArticles(ctx, "", 4)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{id("2021-07-20", "头条"), id("2021-07-20", "二条"), id("2021-07-20", "三条"), id("2021-07-19", "头条")}
		if !slices.Equal(ids(latest), want) {
			t.Errorf("latest = %v, want %v", ids(latest), want)
		}
		finance, err := s.LatestArticles(ctx, "finance", 10)
		if err != nil {
			t.Fatal(err)
		}
		want = []string{id("2021-07-20", "二条"), id("2021-07-19", "二条"), id("2021-07-18", "二条")}
		if !slices.Equal(ids(finance), want) {
			t.Errorf("finance = %v, want %v", ids(finance), want)
		}
		// The newest of a topic stop at the limit, cut inside an edition date.
		for limit := 1; limit <= 3; limit++ {
			got, err := s.LatestArticles(ctx, "finance", limit)
			if err != nil || !slices.Equal(ids(got), want[:limit]) {
				t.Errorf("finance, limit %d = %v, %v; want %v", limit, ids(got), err, want[:limit])
			}
		}
		if finance[0].Topics[0] != "finance" {
			t.Errorf("topics not loaded: %v", finance[0].Topics)
		}
		if none, err := s.LatestArticles(ctx, "sport", 10); err != nil || len(none) != 0 {
			t.Errorf("unknown topic = %v, %v", ids(none), err)
		}

		if _, err := s.EditionArticles(ctx, "2021-07-21"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing edition: err = %v, want ErrNotFound", err)
		}
		if _, err := s.Article(ctx, "2021-07-21-000000000000"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing article: err = %v, want ErrNotFound", err)
		}

		eds, err := s.Editions(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(eds) != 2 || eds[0] != (EditionSummary{Date: "2021-07-20", Articles: 3, Updated: created[2]}) || eds[1].Date != "2021-07-19" {
			t.Errorf("editions = %+v", eds)
		}

		tests := []struct {
			name string
			q    ArticleQuery
			want []string
		}{
			{"all", ArticleQuery{}, nil},
			{"created after the first day", ArticleQuery{CreatedAfter: created[0]}, []string{
				id("2021-07-20", "头条"), id("2021-07-20", "二条"), id("2021-07-20", "三条"),
				id("2021-07-19", "头条"), id("2021-07-19", "二条"), id("2021-07-19", "三条")}},
			{"window is (after, upTo]", ArticleQuery{CreatedAfter: created[0], CreatedUpTo: created[1]}, []string{
				id("2021-07-19", "头条"), id("2021-07-19", "二条"), id("2021-07-19", "三条")}},
			{"min date", ArticleQuery{MinDate: "2021-07-20"}, []string{
				id("2021-07-20", "头条"), id("2021-07-20", "二条"), id("2021-07-20", "三条")}},
			{"topics", ArticleQuery{CreatedAfter: created[1], Topics: []string{"finance", "projects"}}, []string{
				id("2021-07-20", "头条"), id("2021-07-20", "二条")}},
			{"limit", ArticleQuery{Limit: 2}, []string{id("2021-07-20", "头条"), id("2021-07-20", "二条")}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.ArticlesSince(ctx, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				if tt.want == nil {
					if len(got) != 9 {
						t.Errorf("got %d articles, want all 9", len(got))
					}
					return
				}
				if !slices.Equal(ids(got), tt.want) {
					t.Errorf("got %v\nwant %v", ids(got), tt.want)
				}
			})
		}
	})
}

func TestLoadTopicsInBatches(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		n := topicBatch + 7
		for i := 0; i < n; i++ {
			date := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly)
			mustSave(t, s, testEdition(date, testArticle(date, fmt.Sprint("标题", i), "finance")), "h")
		}
		as, err := s.LatestArticles(ctx, "", n)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if len(a.Topics) != 1 {
				t.Fatalf("article %s has topics %v, want [finance]", a.ID, a.Topics)
			}
		}
	})
}

func TestAppendJSONStrings(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		tests := []struct {
			name string
			in   []string
		}{
			{"nil", nil},
			{"chinese", []string{"示范区党政联席会议召开", "第二段"}},
			{"quotes and backslashes", []string{`他说："项目为王"\n`, `C:\path`}},
			{"control characters", []string{"a\x00b\x1fc\td\ne\rf"}},
			{"html stays as is", []string{"<b>&</b>"}},
			{"line separators", []string{"a\u2028b\u2029c"}},
			{"empty strings", []string{"", ""}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				checkJSONStrings(t, tt.in)
			})
		}
	})
}

func FuzzAppendJSONStrings(f *testing.F) {
	f.Add("示范区", "a\"b\\c")
	f.Add("\xff\xfe bad utf-8", "\x00")
	f.Fuzz(func(t *testing.T, a, b string) { checkJSONStrings(t, []string{a, b}) })
}

// checkJSONStrings checks appendJSONStrings against encoding/json with
// HTML escaping off: the same bytes, which decode to as many strings.
func checkJSONStrings(t *testing.T, in []string) {
	t.Helper()
	got := appendJSONStrings(nil, in)
	var back []string
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("%q: not JSON: %v", got, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	want := in
	if want == nil {
		want = []string{}
	}
	if err := enc.Encode(want); err != nil {
		t.Fatal(err)
	}
	if string(got) != strings.TrimSuffix(buf.String(), "\n") {
		t.Errorf("got  %s\nwant %s", got, buf.String())
	}
	if len(back) != len(want) {
		t.Errorf("decoded %d strings, want %d", len(back), len(want))
	}
}
