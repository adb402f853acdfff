package feed

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// openSampleStore saves the sample edition, tagged with the test site's
// topics, into a real SQLite store in t.TempDir().
func openSampleStore(t *testing.T) (*store.Store, content.Edition) {
	t.Helper()
	ed := fixture.SampleEdition(t)
	fixture.TagTopics(ed.Articles)
	return fixture.NewStore(t, ed), ed
}

// TestFeedsFromStore renders the sample edition from a real store and
// checks every feed against the store's own articles.
func TestFeedsFromStore(t *testing.T) {
	s, ed := openSampleStore(t)
	ctx := context.Background()
	svc := refreshedService(t, s)
	cfg := svc.Config()
	for _, slug := range []string{"", "flood"} {
		want, err := s.EditionRange(ctx, slug, ed.Date, ed.Date)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("topic %q: store has no articles", slug)
		}
		for _, f := range cfg.Formats {
			path := FeedPath(slug, f)
			t.Run(path, func(t *testing.T) {
				res := resource(t, svc, path)
				strictCheck(t, f, res.Body)
				fd, err := gofeed.NewParser().Parse(bytes.NewReader(res.Body))
				if err != nil {
					t.Fatal(err)
				}
				if len(fd.Items) != len(want) {
					t.Fatalf("%d items, store has %d", len(fd.Items), len(want))
				}
				for i, it := range fd.Items {
					a := want[i]
					if it.GUID != cfg.TagURI(a.ID) || it.Link != cfg.URL(site.ArticlePath(a.ID)) {
						t.Errorf("item %d: id %q link %q, want %s", i, it.GUID, it.Link, a.ID)
					}
					// 06:00 for the edition's first item, a second earlier
					// for each item before it on the pages, in every feed.
					wantPub := time.Date(2021, 7, 20, 6, 0, 0, 0, cfg.Site.Location).Add(-time.Duration(a.Ordinal) * time.Second)
					if a.Date != ed.Date || it.PublishedParsed == nil || !it.PublishedParsed.Equal(wantPub) {
						t.Errorf("item %d: published %v (edition %s), want %v", i, it.PublishedParsed, a.Date, wantPub)
					}
					// Never corrected: updated is published.
					if f != RSS && (it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(wantPub)) {
						t.Errorf("item %d: updated %v, want %v (never corrected)", i, it.UpdatedParsed, wantPub)
					}
					if len(it.Authors) == 0 || it.Authors[0].Name != a.Authors[0].Name {
						t.Errorf("item %d: authors %v, want %v", i, it.Authors, a.Authors)
					}
					if slug != "" && !slices.Contains(it.Categories, "防汛") {
						t.Errorf("item %d: topic feed item lacks its topic: %q", i, it.Categories)
					}
				}
			})
		}
	}

	// An unchanged store re-renders to the same bytes; a re-ingest of the
	// same edition does not move any published time.
	before := resource(t, svc, "/atom.xml")
	if _, err := s.SaveEdition(ctx, ed, "sample-again"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if after := resource(t, svc, "/atom.xml"); after.ETag != before.ETag {
		t.Errorf("re-ingesting the same edition changed the feed: %s -> %s", before.ETag, after.ETag)
	}

	// A correction keeps the id and published time and moves updated.
	ed.Articles[0].Paragraphs = append([]string{"（更正）"}, ed.Articles[0].Paragraphs...)
	if _, err := s.SaveEdition(ctx, ed, "corrected"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	after := resource(t, svc, "/atom.xml")
	if after.ETag == before.ETag {
		t.Fatal("a correction did not change the feed")
	}
	fb, _ := gofeed.NewParser().Parse(bytes.NewReader(before.Body))
	fa, _ := gofeed.NewParser().Parse(bytes.NewReader(after.Body))
	b0, a0 := fb.Items[0], fa.Items[0]
	if a0.GUID != b0.GUID || !a0.PublishedParsed.Equal(*b0.PublishedParsed) || !a0.UpdatedParsed.After(*b0.UpdatedParsed) {
		t.Errorf("correction: id %s -> %s, published %v -> %v, updated %v -> %v; want same id and published, updated later",
			b0.GUID, a0.GUID, b0.PublishedParsed, a0.PublishedParsed, b0.UpdatedParsed, a0.UpdatedParsed)
	}
	if !strings.Contains(a0.Content, "（更正）") {
		t.Errorf("correction missing from the content")
	}
}
