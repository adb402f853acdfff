package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
)

var testTopics = []Topic{
	{Name: "防汛", Slug: "flood-control", Keywords: []string{"防汛", "度汛"}},
	{Name: "金融", Slug: "finance", Keywords: []string{"金融"}},
}

// pagesDir makes a pages directory holding the given files.
func pagesDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		writeFile(t, filepath.Join(dir, name), data)
	}
	return dir
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRun(t *testing.T, cfg Config, s *store.Store) Summary {
	t.Helper()
	sum, err := Run(context.Background(), cfg, s, nil)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if len(sum.Failed) > 0 {
		t.Fatalf("ingest failures: %v", sum.Err())
	}
	return sum
}

func editionIDs(t *testing.T, s *store.Store, date string) []string {
	t.Helper()
	as, err := s.EditionArticles(context.Background(), date)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

// The check: the sample twice leaves 13 items and the same ids;
// one edited paragraph updates one article and changes no id.
func TestIngestSampleTwiceThenCorrect(t *testing.T) {
	ctx := context.Background()
	seed := fixture.SamplePage()
	dir := pagesDir(t, map[string][]byte{"2021-07-20.txt": seed})
	s := fixture.NewStore(t)
	cfg := Config{PagesDir: dir, Topics: testTopics}

	first := mustRun(t, cfg, s)
	if first.Editions != 1 || first.Added != 13 || first.Updated != 0 || first.Removed != 0 {
		t.Fatalf("first ingest = %+v, want 1 edition, 13 added", first)
	}
	ids := editionIDs(t, s, "2021-07-20")

	second := mustRun(t, cfg, s)
	if second.Editions != 0 || second.Unchanged != 1 || second.Changed() {
		t.Fatalf("second ingest = %+v, want the file skipped as unchanged", second)
	}
	if n, _ := s.CountArticles(ctx); n != 13 {
		t.Fatalf("articles after two ingests = %d, want 13", n)
	}
	if again := editionIDs(t, s, "2021-07-20"); !slices.Equal(again, ids) {
		t.Fatalf("ids changed on re-ingest:\n%v\n%v", ids, again)
	}

	// Correct one paragraph of the first article.
	const before, after = "研究安排贯彻落实工", "研究部署贯彻落实工"
	if !strings.Contains(string(seed), before) {
		t.Fatalf("sample no longer contains %q", before)
	}
	writeFile(t, filepath.Join(dir, "2021-07-20.txt"), []byte(strings.Replace(string(seed), before, after, 1)))
	third := mustRun(t, cfg, s)
	if third.Editions != 1 || third.Updated != 1 || third.Added != 0 || third.Removed != 0 {
		t.Fatalf("corrected ingest = %+v, want exactly 1 article updated", third)
	}
	if again := editionIDs(t, s, "2021-07-20"); !slices.Equal(again, ids) {
		t.Fatalf("ids changed by a corrected paragraph:\n%v\n%v", ids, again)
	}
	a, err := s.Article(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text(), "研究部署贯彻落实工作") || !a.Updated.After(a.Created) {
		t.Errorf("first article not corrected in place: updated %v created %v\n%s", a.Updated, a.Created, a.Text())
	}
	if a.Source != "pages/2021-07-20.txt" {
		t.Errorf("source = %q, want pages/2021-07-20.txt", a.Source)
	}
}

func TestIngestTagsTopics(t *testing.T) {
	ctx := context.Background()
	s := fixture.NewStore(t)
	mustRun(t, Config{PagesDir: pagesDir(t, map[string][]byte{"2021-07-20.txt": fixture.SamplePage()}), Topics: testTopics}, s)
	flood, err := s.LatestArticles(ctx, "flood-control", 100)
	if err != nil {
		t.Fatal(err)
	}
	finance, err := s.LatestArticles(ctx, "finance", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(flood) == 0 || len(finance) == 0 || len(flood) == 13 {
		t.Fatalf("tagged %d flood-control and %d finance articles of 13", len(flood), len(finance))
	}
	for _, a := range flood {
		text := a.DisplayTitle() + a.Text()
		if !strings.Contains(text, "防汛") && !strings.Contains(text, "度汛") {
			t.Errorf("%s (%s) tagged flood-control without a keyword", a.ID, a.Title)
		}
	}
	var headline bool
	for _, a := range finance {
		headline = headline || a.Title == "打造区域金融中心 强化产业发展引擎"
	}
	if !headline {
		t.Errorf("the 金融 headline was not tagged finance")
	}
}

func TestTaggerMatchesTitleAndBody(t *testing.T) {
	tag := newTagger(testTopics)
	tests := []struct {
		name string
		a    content.Article
		want []string
	}{
		{"title", content.Article{Title: "防汛工作会议"}, []string{"flood-control"}},
		{"kicker", content.Article{Kicker: "金融活水", Title: "x"}, []string{"finance"}},
		{"body", content.Article{Title: "x", Paragraphs: []string{"a", "确保安全度汛"}}, []string{"flood-control"}},
		{"both, config order", content.Article{Title: "金融", Paragraphs: []string{"防汛"}}, []string{"flood-control", "finance"}},
		{"none", content.Article{Title: "x", Paragraphs: []string{"y"}}, nil},
		{"own topic by name", content.Article{Title: "x", Topics: []string{"金融"}}, []string{"finance"}},
		{"own topic by slug", content.Article{Title: "x", Topics: []string{"flood-control"}}, []string{"flood-control"}},
		{"own unknown topic kept", content.Article{Title: "防汛", Topics: []string{"更正", "防汛"}}, []string{"flood-control", "更正"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tag.topics(tt.a); !slices.Equal(got, tt.want) {
				t.Errorf("topics = %v, want %v", got, tt.want)
			}
		})
	}
}

// A bad file is reported with its name and reason and skipped; the good
// ones are saved, and nothing of the bad one is written.
func TestIngestSkipsBadFiles(t *testing.T) {
	ctx := context.Background()
	seed := fixture.SamplePage()
	dir := pagesDir(t, map[string][]byte{
		"2021-07-20.txt":         seed,
		"2021/07/2021-07-21.txt": seed,
		"notes.txt":              []byte("随便写的几句话。\n没有日期。\n"), // no date anywhere
		"2021-07-22.txt":         []byte("\n\n"),              // nothing in it
		"2021-07-23.txt":         {0xff, 0xfe, 0x00, 0xd8},    // not text
		"2021-07-24.md":          []byte("# not a page"),      // not a page file
		".2021-07-25.txt":        seed,                        // hidden
	})
	s := fixture.NewStore(t)
	sum, err := Run(ctx, Config{PagesDir: dir}, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 5 || sum.Editions != 2 || sum.Added != 26 {
		t.Errorf("summary = %+v, want 5 files, 2 editions, 26 articles", sum)
	}
	var failed []string
	for _, f := range sum.Failed {
		failed = append(failed, filepath.Base(f.File))
		if f.Err == nil || f.Err.Error() == "" {
			t.Errorf("%s failed without a reason", f.File)
		}
	}
	if want := []string{"2021-07-22.txt", "2021-07-23.txt", "notes.txt"}; !slices.Equal(failed, want) {
		t.Errorf("failed = %v, want %v\n%v", failed, want, sum.Err())
	}
	if !strings.Contains(sum.Err().Error(), filepath.Join(dir, "notes.txt")+": ") {
		t.Errorf("error does not name the file: %v", sum.Err())
	}
	for _, name := range []string{"pages/notes.txt", "pages/2021-07-22.txt", "pages/2021-07-23.txt"} {
		if _, err := s.SourceHash(ctx, name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("failed file %s recorded: %v", name, err)
		}
	}
	if _, err := s.SourceHash(ctx, "pages/2021/07/2021-07-21.txt"); err != nil {
		t.Errorf("file in a subdirectory: %v", err)
	}
}

// A file truncated to nothing must not wipe its edition.
func TestIngestKeepsEditionWhenFileIsEmptied(t *testing.T) {
	ctx := context.Background()
	dir := pagesDir(t, map[string][]byte{"2021-07-20.txt": fixture.SamplePage()})
	s := fixture.NewStore(t)
	mustRun(t, Config{PagesDir: dir}, s)
	writeFile(t, filepath.Join(dir, "2021-07-20.txt"), []byte("\n"))
	sum, err := Run(ctx, Config{PagesDir: dir}, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != 1 || sum.Removed != 0 {
		t.Errorf("summary = %+v, want the emptied file failed and nothing removed", sum)
	}
	if n, _ := s.CountArticles(ctx); n != 13 {
		t.Errorf("articles = %d, want the 13 kept", n)
	}
}

func TestIngestProgressAndErrors(t *testing.T) {
	ctx := context.Background()
	seed := fixture.SamplePage()
	dir := pagesDir(t, map[string][]byte{"2021-07-20.txt": seed, "2021-07-21.txt": seed})
	s := fixture.NewStore(t)
	var seen []Progress
	sum, err := Run(ctx, Config{PagesDir: dir}, s, func(p Progress) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[1].Done != 2 || seen[1].Total != 2 || seen[1].Summary.Added != 26 {
		t.Errorf("progress = %+v", seen)
	}
	if !strings.Contains(sum.String(), "2 edition(s) saved") || !strings.Contains(sum.String(), "26 added") {
		t.Errorf("summary line = %q", sum.String())
	}

	if _, err := Run(ctx, Config{PagesDir: filepath.Join(dir, "missing")}, s, nil); err == nil {
		t.Error("a missing pages directory is not an error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Run(cancelled, Config{PagesDir: dir}, s, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: err = %v, want context.Canceled", err)
	}
}

// Markdown articles are ingested beside the pages, one source each, with
// the topics their front matter names.
func TestIngestMarkdown(t *testing.T) {
	ctx := context.Background()
	pages := pagesDir(t, map[string][]byte{"2021-07-20.txt": fixture.SamplePage()})
	md := pagesDir(t, map[string][]byte{
		"2021-07-20-correction.md": []byte("+++\ntitle = \"关于本报7月20日一版报道的更正\"\ndate = 2021-07-20\ntopics = [\"更正\"]\n+++\n本报7月20日一版关于防汛工作的报道中，有一处错误，特此更正。\n"),
		"broken.md":                []byte("+++\ntitel = \"x\"\n+++\nbody\n"),
	})
	s := fixture.NewStore(t)
	sum, err := Run(ctx, Config{PagesDir: pages, MarkdownDir: md, Topics: testTopics}, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Editions != 2 || sum.Added != 14 || len(sum.Failed) != 1 || filepath.Base(sum.Failed[0].File) != "broken.md" {
		t.Fatalf("summary = %+v, failures %v", sum, sum.Err())
	}
	as, err := s.EditionArticles(ctx, "2021-07-20")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, a := range as {
		if a.Source == "markdown/2021-07-20-correction.md" {
			found = true
			if !slices.Equal(a.Topics, []string{"flood-control", "更正"}) {
				t.Errorf("markdown topics = %v, want [flood-control 更正]", a.Topics)
			}
		}
	}
	if !found || len(as) != 14 {
		t.Errorf("edition has %d articles, markdown article found: %v", len(as), found)
	}
	// Re-ingesting the pages leaves the Markdown article alone.
	if second := mustRunAllowingFailures(t, Config{PagesDir: pages, MarkdownDir: md, Topics: testTopics}, s); second.Removed != 0 || second.Unchanged != 2 {
		t.Errorf("second run = %+v", second)
	}
}

func mustRunAllowingFailures(t *testing.T, cfg Config, s *store.Store) Summary {
	t.Helper()
	sum, err := Run(context.Background(), cfg, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// Two runs at once (a cron tick while a watched file lands) both finish
// without errors and leave each edition once.
func TestIngestConcurrentRuns(t *testing.T) {
	ctx := context.Background()
	seed := fixture.SamplePage()
	files := map[string][]byte{}
	for _, d := range []string{"2021-07-20", "2021-07-21", "2021-07-22", "2021-07-23"} {
		files[d+".txt"] = seed
	}
	dir := pagesDir(t, files)
	s := fixture.NewStore(t)
	errs := make(chan error, 2)
	sums := make(chan Summary, 2)
	for range 2 {
		go func() {
			sum, err := Run(ctx, Config{PagesDir: dir, Topics: testTopics}, s, nil)
			if err == nil {
				err = sum.Err()
			}
			errs <- err
			sums <- sum
		}()
	}
	added := 0
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		added += (<-sums).Added
	}
	if n, _ := s.CountArticles(ctx); n != 4*13 || added != 4*13 {
		t.Errorf("articles = %d, added %d in total; want %d once", n, added, 4*13)
	}
}

// A new topic retags the archive on the next run: same ids and times,
// new topics, nothing added or updated.
func TestIngestRetagsWhenTopicsChange(t *testing.T) {
	ctx := context.Background()
	dir := pagesDir(t, map[string][]byte{"2021-07-20.txt": fixture.SamplePage()})
	s := fixture.NewStore(t)
	mustRun(t, Config{PagesDir: dir, Topics: testTopics}, s)
	before, err := s.EditionArticles(ctx, "2021-07-20")
	if err != nil {
		t.Fatal(err)
	}
	more := append(slices.Clone(testTopics), Topic{Name: "企业", Slug: "business", Keywords: []string{"企业"}})
	sum := mustRun(t, Config{PagesDir: dir, Topics: more}, s)
	if sum.Editions != 1 || sum.Retagged == 0 || sum.Added+sum.Updated+sum.Removed != 0 || !sum.Changed() {
		t.Fatalf("retag run = %+v, want the file re-saved with only topics changed", sum)
	}
	business, err := s.LatestArticles(ctx, "business", 100)
	if err != nil || len(business) != sum.Retagged {
		t.Fatalf("business articles = %d, %v; want the %d retagged", len(business), err, sum.Retagged)
	}
	after, err := s.EditionArticles(ctx, "2021-07-20")
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		if after[i].ID != before[i].ID || !after[i].Updated.Equal(before[i].Updated) {
			t.Errorf("article %d: id %s→%s, updated %v→%v", i, before[i].ID, after[i].ID, before[i].Updated, after[i].Updated)
		}
	}
	if again := mustRun(t, Config{PagesDir: dir, Topics: more}, s); again.Unchanged != 1 || again.Changed() {
		t.Errorf("third run = %+v, want unchanged", again)
	}
}

// TestIngestGoneFiles: a page file removed from disk keeps its edition
// (an archive may drop old files to save space) unless Prune asks, and
// then its articles go with it.
func TestIngestGoneFiles(t *testing.T) {
	ctx := context.Background()
	seed := fixture.SamplePage()
	dir := pagesDir(t, map[string][]byte{"2021-07-20.txt": seed, "2021-07-21.txt": seed})
	s := fixture.NewStore(t)
	cfg := Config{PagesDir: dir}
	if sum := mustRun(t, cfg, s); sum.Added != 26 {
		t.Fatalf("first ingest = %+v, want 26 added", sum)
	}
	if err := os.Remove(filepath.Join(dir, "2021-07-20.txt")); err != nil {
		t.Fatal(err)
	}
	kept := mustRun(t, cfg, s)
	if !slices.Equal(kept.Gone, []string{"pages/2021-07-20.txt"}) || kept.Removed != 0 || kept.Changed() {
		t.Fatalf("ingest after the file went = %+v; want it listed as gone, nothing removed", kept)
	}
	if n, _ := s.CountArticles(ctx); n != 26 {
		t.Fatalf("articles = %d, want 26 kept", n)
	}
	cfg.Prune = true
	pruned := mustRun(t, cfg, s)
	if pruned.Removed != 13 || !pruned.Changed() {
		t.Fatalf("ingest -prune = %+v; want 13 removed", pruned)
	}
	if _, err := s.EditionArticles(ctx, "2021-07-20"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("pruned edition: err = %v, want ErrNotFound", err)
	}
	if n, _ := s.CountArticles(ctx); n != 13 {
		t.Fatalf("articles after prune = %d, want 13", n)
	}
	if again := mustRun(t, cfg, s); len(again.Gone) != 0 || again.Changed() {
		t.Fatalf("ingest after prune = %+v; want nothing gone or changed", again)
	}
}
