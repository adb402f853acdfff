package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/store"
)

// archiveStore holds editions from 2021-05-25 to 2021-07-20, ten articles
// each but 52 on the newest, every third article tagged flood; it returns
// the store and each edition's articles by date.
func archiveStore(t *testing.T) (*store.Store, map[string][]content.Article) {
	t.Helper()
	s, err := store.Open(context.Background(), t.TempDir()+"/paperboy.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	eds := map[string][]content.Article{}
	day := time.Date(2021, 5, 25, 0, 0, 0, 0, time.UTC)
	for d := day; !d.After(time.Date(2021, 7, 20, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		date := d.Format("2006-01-02")
		n := 10
		if date == "2021-07-20" {
			n = 52
		}
		saveTestEdition(t, s, date, n, eds)
	}
	return s, eds
}

// saveTestEdition saves n articles of their own wording as date's edition.
func saveTestEdition(t *testing.T, s *store.Store, date string, n int, eds map[string][]content.Article) {
	t.Helper()
	var arts []content.Article
	for i := range n {
		title := fmt.Sprintf("%s 第%d条 本地新闻", date, i)
		a := content.Article{
			ID:         content.StableID(date, content.KindArticle, title),
			Kind:       content.KindArticle,
			Title:      title,
			Byline:     "本报讯（记者郭树勋 通讯员王小明）",
			Authors:    []content.Author{{Name: "郭树勋", Role: "记者"}, {Name: "王小明", Role: "通讯员"}},
			Paragraphs: []string{fmt.Sprintf("第%d条的正文 %s，编号 %d。", i, date, i*7919%1000), "第二段。"},
			Date:       date,
			Lines:      [2]int{i*10 + 1, i*10 + 9},
			Source:     "pages/" + date + ".txt",
		}
		if i%3 == 0 {
			a.Topics = []string{"flood"}
		}
		arts = append(arts, a)
	}
	if _, err := s.SaveEdition(context.Background(), content.Edition{Date: date, Source: "pages/" + date + ".txt", Articles: arts}, date+fmt.Sprint(n)); err != nil {
		t.Fatal(err)
	}
	eds[date] = arts
}

// doc is a fetched feed document: its entries' ids and its archive links.
type doc struct {
	ids                    []string
	prev, next, current    string
	archive, self          bool
	body                   []byte
	cacheControl, modified string
	etag                   string
}

// fetchDoc GETs url (an absolute site URL) from srv and reads it in
// format f: gofeed for the entries, a strict XML decode for the links
// gofeed does not keep, JSON for next_url.
func fetchDoc(t *testing.T, srv *httptest.Server, cfg Config, f Format, url string) doc {
	t.Helper()
	// The server mounts the site under base_url's path: keep the path.
	resp, err := http.Get(srv.URL + strings.TrimPrefix(url, cfg.Site.BaseURL.Scheme+"://"+cfg.Site.BaseURL.Host))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	strictCheck(t, f, body)
	d := doc{body: body, cacheControl: resp.Header.Get("Cache-Control"), modified: resp.Header.Get("Last-Modified"), etag: resp.Header.Get("ETag")}
	fd, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	updated := map[string]bool{}
	for _, it := range fd.Items {
		d.ids = append(d.ids, it.GUID)
		// The W3C validator warns on two entries with the same updated.
		if f == Atom {
			if updated[it.Updated] {
				t.Errorf("%s: two entries updated %s", url, it.Updated)
			}
			updated[it.Updated] = true
		}
	}
	if f == JSON {
		var v struct {
			FeedURL string `json:"feed_url"`
			NextURL string `json:"next_url"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		d.prev, d.self = v.NextURL, v.FeedURL == url
		return d
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Space == nsHistory && se.Name.Local == "archive" {
			d.archive = true
		}
		if se.Name.Space != nsAtom || se.Name.Local != "link" {
			continue
		}
		var rel, href string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "rel":
				rel = a.Value
			case "href":
				href = a.Value
			}
		}
		switch rel {
		case "prev-archive":
			d.prev = href
		case "next-archive":
			d.next = href
		case "current":
			d.current = href
		case "self":
			d.self = href == url
		}
	}
	return d
}

// TestArchiveWalk: from every subscription document, main and topic, in
// every format, walking prev-archive meets every stored article of the
// feed exactly once; every document holds whole editions; the newest
// edition's 52 items are all in the subscription document; archive
// documents are marked, link back to the current feed and, once the feed
// has moved past their month, are cacheable for a year.
func TestArchiveWalk(t *testing.T) {
	s, eds := archiveStore(t)
	for _, base := range []string{"https://news.example.org/", "https://example.org/paper/"} {
		t.Run(base, func(t *testing.T) { archiveWalk(t, s, eds, base) })
	}
}

func archiveWalk(t *testing.T, s *store.Store, eds map[string][]content.Article, base string) {
	cfg := testConfig(t)
	cfg.Site = testSite(t, base)
	svc, err := NewService(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg = svc.Config()
	srv := httptest.NewServer(serveMux(svc))
	t.Cleanup(srv.Close)
	for _, slug := range []string{"", "flood"} {
		want := map[string]string{} // tag id -> edition date
		perEdition := map[string]int{}
		for date, arts := range eds {
			for _, a := range arts {
				if slug == "" || slices.Contains(a.Topics, slug) {
					want[cfg.TagURI(a.ID)] = date
					perEdition[date]++
				}
			}
		}
		for _, f := range cfg.Formats {
			t.Run(FeedPath(slug, f), func(t *testing.T) {
				seen := map[string]int{}
				url := cfg.URL(FeedPath(slug, f))
				docs := 0
				for url != "" {
					d := fetchDoc(t, srv, cfg, f, url)
					if !d.self {
						t.Errorf("%s: no self link to itself", url)
					}
					if docs == 0 {
						if d.archive {
							t.Errorf("the subscription document is marked fh:archive")
						}
						if len(d.ids) > cfg.Items && perEdition["2021-07-20"] <= cfg.Items {
							t.Errorf("subscription document has %d items", len(d.ids))
						}
					} else if f != JSON {
						if !d.archive || d.current != cfg.URL(FeedPath(slug, f)) {
							t.Errorf("%s: fh:archive %v, current %q", url, d.archive, d.current)
						}
						_, rest, _ := strings.Cut(url, "/archive/")
						if month, _, _ := strings.Cut(rest, "/"); month < "2021-07" && d.cacheControl != cfg.ArchiveCacheControl {
							t.Errorf("%s: Cache-Control %q for a finished month", url, d.cacheControl)
						}
					}
					count := map[string]int{}
					for _, id := range d.ids {
						seen[id]++
						count[want[id]]++
					}
					for date, n := range count {
						if n != perEdition[date] {
							t.Errorf("%s: edition %s has %d of its %d items: cut in half", url, date, n, perEdition[date])
						}
					}
					if docs == 0 && count["2021-07-20"] != perEdition["2021-07-20"] {
						t.Errorf("newest edition: %d of %d items in the subscription document", count["2021-07-20"], perEdition["2021-07-20"])
					}
					url = d.prev
					if docs++; docs > 20 {
						t.Fatal("prev-archive chain does not end")
					}
				}
				for id := range want {
					if seen[id] != 1 {
						t.Errorf("article %s met %d times", id, seen[id])
					}
				}
				if len(seen) != len(want) {
					t.Errorf("walk met %d articles, store has %d", len(seen), len(want))
				}
				if docs != 4 { // current + July, June, May
					t.Errorf("%d documents in the walk, want 4", docs)
				}
			})
		}
	}
}

// TestUpdateRendersOnlyWhatChanged: Sync after a correction in an old
// month re-renders that month's archive document and nothing else; after a
// new edition, the subscription documents and the archive the displaced
// editions join. Last-Modified and ETag move together.
func TestUpdateRendersOnlyWhatChanged(t *testing.T) {
	s, eds := archiveStore(t)
	svc := refreshedService(t, s)
	ctx := context.Background()
	get := func(path string) *Resource { return resource(t, svc, path) }
	current, may, june := get("/atom.xml"), get("/archive/2021-05/atom.xml"), get("/archive/2021-06/atom.xml")

	// Nothing changed: Sync does nothing.
	if urls, err := svc.Sync(ctx); err != nil || len(urls) != 0 {
		t.Fatalf("sync without change = %v, %v", urls, err)
	}

	// A correction in May.
	arts := eds["2021-05-27"]
	arts[3].Paragraphs = []string{"更正后的正文。", "第二段。"}
	if _, err := s.SaveEdition(ctx, content.Edition{Date: "2021-05-27", Source: "pages/2021-05-27.txt", Articles: arts}, "fixed"); err != nil {
		t.Fatal(err)
	}
	urls, err := svc.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(urls) != 0 || get("/atom.xml") != current || get("/archive/2021-06/atom.xml") != june {
		t.Errorf("a May correction re-rendered other documents: %v", urls)
	}
	may2 := get("/archive/2021-05/atom.xml")
	if may2 == may || !bytes.Contains(may2.Body, []byte("更正后的正文")) {
		t.Fatal("the May archive does not show the correction")
	}
	if !may2.Modified.After(may.Modified) {
		t.Errorf("May archive changed but Last-Modified stayed %v", may.Modified)
	}

	// A new edition: the subscription documents change, and June's
	// archive (where 2021-07-01's edition... does not go) stays.
	saveTestEdition(t, s, "2021-07-21", 10, eds)
	urls, err = svc.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(urls, svc.Config().URL("/atom.xml")) || !slices.Contains(urls, svc.Config().URL("/topics/flood/feed.json")) {
		t.Errorf("changed feeds %v lack the main and topic feeds", urls)
	}
	if get("/archive/2021-06/atom.xml") != june {
		t.Error("June's archive was re-rendered for a July edition")
	}
	c2 := get("/atom.xml")
	if c2.ETag == current.ETag || !c2.Modified.After(current.Modified) {
		t.Errorf("new edition: ETag %s -> %s, Last-Modified %v -> %v", current.ETag, c2.ETag, current.Modified, c2.Modified)
	}

	// An article removed from the newest edition: the bytes change
	// without a newer item, and Last-Modified still moves with the ETag.
	arts = eds["2021-07-21"][:9]
	if _, err := s.SaveEdition(ctx, content.Edition{Date: "2021-07-21", Source: "pages/2021-07-21.txt", Articles: arts}, "cut"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	c3 := get("/atom.xml")
	if c3.ETag == c2.ETag || !c3.Modified.After(c2.Modified) {
		t.Errorf("removal: ETag %s -> %s, Last-Modified %v -> %v; want both to move", c2.ETag, c3.ETag, c2.Modified, c3.Modified)
	}
}

// TestEmptyTopicFeedDate: a topic nothing is tagged with is dated when
// the site began (its tag authority's date), not 1970, in every format.
func TestEmptyTopicFeedDate(t *testing.T) {
	s, _ := archiveStore(t)
	svc := refreshedService(t, s) // "economy" has no articles
	for _, f := range svc.Config().Formats {
		r := resource(t, svc, FeedPath("economy", f))
		strictCheck(t, f, r.Body)
		if bytes.Contains(r.Body, []byte("1970")) || r.Modified.Year() != 2020 && r.Modified.Year() != 2021 {
			t.Errorf("%s: dated %v:\n%s", f, r.Modified, r.Body)
		}
	}
}

// TestArchiveCacheBounded: walking every archive document of a long
// archive keeps at most maxArchives rendered, and an evicted one renders
// again, the same bytes.
func TestArchiveCacheBounded(t *testing.T) {
	s, _ := store.Open(context.Background(), t.TempDir()+"/paperboy.db")
	t.Cleanup(func() { s.Close() })
	eds := map[string][]content.Article{}
	// One edition a month for ten years: 120 months, 9 documents each.
	for m := range 120 {
		saveTestEdition(t, s, time.Date(2011, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), 3, eds)
	}
	cfg := testConfig(t)
	cfg.Items = 3
	svc, err := NewService(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	first := resource(t, svc, "/archive/2011-01/atom.xml")
	files, err := svc.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 119*3 {
		t.Fatalf("%d files", len(files))
	}
	svc.archiveMu.Lock()
	n, order := len(svc.archives), len(svc.archiveOrder)
	svc.archiveMu.Unlock()
	if n > maxArchives || order != n {
		t.Errorf("%d archives cached (%d in order), want at most %d", n, order, maxArchives)
	}
	again := resource(t, svc, "/archive/2011-01/atom.xml")
	if again == first || !bytes.Equal(again.Body, first.Body) || again.ETag != first.ETag {
		t.Error("an evicted archive did not render again to the same bytes")
	}
}
