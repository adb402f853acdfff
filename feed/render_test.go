package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"html"
	"io"
	"os"
	"path/filepath"
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

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type renderFunc func(Config, Meta, []content.Article) ([]byte, error)

var formats = []struct {
	format Format
	render renderFunc
}{
	{RSS, RenderRSS},
	{Atom, RenderAtom},
	{JSON, RenderJSON},
}

// strictCheck fails unless b is well-formed: a strict encoding/xml decode
// for the XML formats, a JSON decode that refuses unknown fields for JSON.
// It returns the decoded JSON feed, or nil for XML.
func strictCheck(t *testing.T, f Format, b []byte) *jsonFeedDoc {
	t.Helper()
	if f == JSON {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var v jsonFeedDoc
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("json decode: %v", err)
		}
		return &v
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			t.Fatalf("strict xml decode: %v\n%s", err, b)
		}
	}
}

// jsonFeedDoc is JSON Feed 1.1 as the spec lists it; decoding with
// DisallowUnknownFields catches misspelt keys.
type jsonFeedDoc struct {
	Version     string `json:"version"`
	Title       string `json:"title"`
	HomePageURL string `json:"home_page_url"`
	FeedURL     string `json:"feed_url"`
	NextURL     string `json:"next_url"`
	Favicon     string `json:"favicon"`
	Icon        string `json:"icon"`
	Hubs        []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"hubs"`
	Description string        `json:"description"`
	Language    string        `json:"language"`
	Authors     []jsonAuthor  `json:"authors"`
	Items       []jsonItemDoc `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type jsonItemDoc struct {
	ID            string       `json:"id"`
	URL           string       `json:"url"`
	Title         string       `json:"title"`
	ContentHTML   string       `json:"content_html"`
	Summary       string       `json:"summary"`
	DatePublished string       `json:"date_published"`
	DateModified  string       `json:"date_modified"`
	Authors       []jsonAuthor `json:"authors"`
	Tags          []string     `json:"tags"`
	Image         string       `json:"image"`
}

// TestRenderReadable renders the sample edition plus a hostile article in
// every format, for the main feed and a topic feed, and reads each back
// with gofeed and a strict decoder, checking every item against its
// article.
func TestRenderReadable(t *testing.T) {
	cfg := testConfig(t)
	full, _ := cfg.withDefaults()
	arts := append([]content.Article{fixture.NastyArticle()}, fixture.SampleArticles(t)...)
	metas := map[string]Meta{"main": cfg.MainMeta(), "topic": cfg.TopicMeta(cfg.Site.Topics[0])}
	for name, m := range metas {
		for _, tf := range formats {
			t.Run(name+"/"+string(tf.format), func(t *testing.T) {
				b, err := tf.render(cfg, m, arts)
				if err != nil {
					t.Fatal(err)
				}
				doc := strictCheck(t, tf.format, b)
				fd, err := gofeed.NewParser().Parse(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("gofeed: %v", err)
				}
				if doc != nil {
					// gofeed reads a JSON author "A <b>" as name and
					// email; take the names as written.
					for i, it := range fd.Items {
						it.Authors = nil
						for _, au := range doc.Items[i].Authors {
							it.Authors = append(it.Authors, &gofeed.Person{Name: au.Name})
						}
					}
				}
				wantType := map[Format]string{RSS: "rss", Atom: "atom", JSON: "json"}[tf.format]
				if fd.FeedType != wantType {
					t.Errorf("feed type %q, want %q", fd.FeedType, wantType)
				}
				if fd.Title != m.Title {
					t.Errorf("title %q, want %q", fd.Title, m.Title)
				}
				if fd.Language != "zh-CN" {
					t.Errorf("language %q, want zh-CN", fd.Language)
				}
				wantSelf := "https://news.example.org" + FeedPath(m.Slug, tf.format)
				if fd.FeedLink != wantSelf {
					t.Errorf("self link %q, want %q", fd.FeedLink, wantSelf)
				}
				if want := "https://news.example.org" + site.TopicPath(m.Slug); fd.Link != want {
					t.Errorf("home link %q, want %q", fd.Link, want)
				}
				if fd.UpdatedParsed == nil && tf.format != RSS {
					t.Errorf("feed has no updated time")
				}
				if len(fd.Items) != len(arts) {
					t.Fatalf("%d items, want %d", len(fd.Items), len(arts))
				}
				ids := map[string]bool{}
				placed := placeAll(arts)
				for i, it := range fd.Items {
					checkItem(t, full, tf.format, it, placed[i])
					if ids[it.GUID] {
						t.Errorf("item %d: id %q repeats", i, it.GUID)
					}
					ids[it.GUID] = true
				}
			})
		}
	}
}

func checkItem(t *testing.T, cfg Config, f Format, it *gofeed.Item, p store.PlacedArticle) {
	t.Helper()
	a := p.Article
	if want := "tag:example.org,2021:" + a.ID; it.GUID != want {
		t.Errorf("%s: id %q, want %q", a.ID, it.GUID, want)
	}
	if want := "https://news.example.org/articles/" + a.ID + "/"; it.Link != want {
		t.Errorf("%s: link %q, want %q", a.ID, it.Link, want)
	}
	if it.Title != cfg.Site.Words.Title(a) {
		t.Errorf("%s: title %q, want %q", a.ID, it.Title, cfg.Site.Words.Title(a))
	}
	wantPub, _ := time.ParseInLocation("2006-01-02", a.Date, cfg.Site.Location)
	wantPub = wantPub.Add(6*time.Hour - time.Duration(p.Ordinal)*time.Second)
	if it.PublishedParsed == nil || !it.PublishedParsed.Equal(wantPub) {
		t.Errorf("%s: published %v, want %v", a.ID, it.PublishedParsed, wantPub)
	}
	if !strings.HasSuffix(it.Published, "+08:00") && !strings.HasSuffix(it.Published, "+0800") {
		t.Errorf("%s: published %q is not in the site's zone", a.ID, it.Published)
	}
	if f != RSS {
		// Published until the content is corrected, then the
		// correction's time.
		wantUpd := wantPub
		if u := a.Updated.Truncate(time.Microsecond).Add(time.Duration(p.Ordinal)); a.Updated.After(a.Created) && u.After(wantPub) {
			wantUpd = u
		}
		if it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(wantUpd) {
			t.Errorf("%s: updated %v, want %v", a.ID, it.UpdatedParsed, wantUpd)
		}
	}
	var names []string
	if f == RSS {
		if it.DublinCoreExt != nil {
			names = it.DublinCoreExt.Creator
		}
	} else {
		for _, p := range it.Authors {
			names = append(names, p.Name)
		}
	}
	if want := site.AuthorNames(a); !slices.Equal(names, want) || len(want) == 0 {
		t.Errorf("%s: authors %q, want %q", a.ID, names, want)
	}
	var wantCats []string
	for _, slug := range a.Topics {
		wantCats = append(wantCats, cfg.Site.TopicName(slug))
	}
	if !slices.Equal(it.Categories, wantCats) {
		t.Errorf("%s: categories %q, want %q", a.ID, it.Categories, wantCats)
	}
	body := it.Content
	if len(a.Paragraphs) > 0 && !strings.Contains(body, "<p>") {
		t.Errorf("%s: content has no paragraphs: %q", a.ID, body)
	}
	if a.Kind == content.KindPhoto && !strings.Contains(body, "<figcaption>") {
		t.Errorf("%s: photo content has no figcaption: %q", a.ID, body)
	}
	if f == Atom {
		// rss2email (feedparser) in its default text mode takes a
		// text/plain summary over HTML content: there must be none, and
		// the content must hold every paragraph.
		if it.Description != "" {
			t.Errorf("%s: Atom entry has a summary %q that plain-text readers would show instead of the article", a.ID, it.Description)
		}
	} else if it.Description == "" {
		t.Errorf("%s: no summary", a.ID)
	}
	for _, para := range a.Paragraphs {
		if para = strings.TrimSpace(site.Clean(para)); para != "" && !strings.Contains(html.UnescapeString(body), para) {
			t.Errorf("%s: content lacks the paragraph %q", a.ID, para)
		}
	}
	if a.Kind == content.KindPhoto {
		if c := cfg.Site.Words.Credit(a); c != "" && !strings.Contains(html.UnescapeString(body), c) {
			t.Errorf("%s: photo content lacks the credit %q", a.ID, c)
		}
	}
}

// TestRenderEscapes checks that hostile text reaches the reader as text:
// no live <script>, the CDATA terminator split, control characters gone.
func TestRenderEscapes(t *testing.T) {
	cfg := testConfig(t)
	a := fixture.NastyArticle()
	for _, tf := range formats {
		t.Run(string(tf.format), func(t *testing.T) {
			b, err := tf.render(cfg, cfg.MainMeta(), []content.Article{a})
			if err != nil {
				t.Fatal(err)
			}
			strictCheck(t, tf.format, b)
			fd, err := gofeed.NewParser().Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			it := fd.Items[0]
			if strings.Contains(it.Content, "<script") {
				t.Errorf("content has a live script tag: %q", it.Content)
			}
			if !strings.Contains(it.Content, "&lt;script&gt;") || !strings.Contains(it.Content, "]]&gt;") {
				t.Errorf("content lost the escaped text: %q", it.Content)
			}
			if !strings.Contains(it.Title, "<script>alert(1)</script> & ]]>") || !strings.Contains(it.Title, "😀") {
				t.Errorf("title did not round-trip as text: %q", it.Title)
			}
			for _, r := range it.Title + it.Content + it.Description {
				if r < 0x20 && r != '\n' && r != '\t' {
					t.Errorf("control character %U survived", r)
				}
			}
			if bytes.ContainsAny(b, "\x00\x01\x0b\x1f") {
				t.Errorf("raw control bytes in output")
			}
		})
	}
}

// TestRenderGolden compares the sample edition's feeds with the files in
// testdata; go test ./feed -run Golden -update rewrites them.
func TestRenderGolden(t *testing.T) {
	cfg := testConfig(t)
	arts := fixture.SampleArticles(t)
	for _, tf := range formats {
		t.Run(string(tf.format), func(t *testing.T) {
			b, err := tf.render(cfg, cfg.MainMeta(), arts)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tf.render(cfg, cfg.MainMeta(), arts)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, again) {
				t.Fatal("two renders of the same articles differ")
			}
			golden := filepath.Join("testdata", "sample."+tf.format.FileName())
			if *update {
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("%s differs from the render; diff it, then rerun with -update if the change is right", golden)
			}
		})
	}
}

// TestPublishedStable: a re-ingest moves Created and Updated but must not
// move the published time or the id.
func TestPublishedStable(t *testing.T) {
	cfg := testConfig(t)
	a := fixture.SampleArticles(t)[0]
	b := a
	// Corrected three days later: created stays, updated moves.
	b.Updated = a.Created.Add(72 * time.Hour)
	b.Paragraphs = append([]string{"更正："}, a.Paragraphs...)
	for _, tf := range formats {
		ra, err := tf.render(cfg, cfg.MainMeta(), []content.Article{a})
		if err != nil {
			t.Fatal(err)
		}
		rb, err := tf.render(cfg, cfg.MainMeta(), []content.Article{b})
		if err != nil {
			t.Fatal(err)
		}
		fa, _ := gofeed.NewParser().Parse(bytes.NewReader(ra))
		fb, _ := gofeed.NewParser().Parse(bytes.NewReader(rb))
		ia, ib := fa.Items[0], fb.Items[0]
		if !ia.PublishedParsed.Equal(*ib.PublishedParsed) || ia.GUID != ib.GUID {
			t.Errorf("%s: re-ingest moved published %v -> %v or id %q -> %q", tf.format, ia.PublishedParsed, ib.PublishedParsed, ia.GUID, ib.GUID)
		}
		if tf.format != RSS && !ib.UpdatedParsed.After(*ia.UpdatedParsed) {
			t.Errorf("%s: updated did not advance: %v -> %v", tf.format, ia.UpdatedParsed, ib.UpdatedParsed)
		}
	}
}

func TestRenderEmptyAndBadInput(t *testing.T) {
	cfg := testConfig(t)
	for _, tf := range formats {
		b, err := tf.render(cfg, cfg.MainMeta(), nil)
		if err != nil {
			t.Fatalf("%s: empty feed: %v", tf.format, err)
		}
		if doc := strictCheck(t, tf.format, b); doc != nil && !bytes.Contains(b, []byte(`"items": []`)) {
			t.Errorf("empty JSON feed has no items array:\n%s", b)
		}
		if _, err := gofeed.NewParser().Parse(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: empty feed unreadable: %v", tf.format, err)
		}
		bad := fixture.SampleArticles(t)[0]
		bad.Date = "15/07/2021"
		if _, err := tf.render(cfg, cfg.MainMeta(), []content.Article{bad}); err == nil || !strings.Contains(err.Error(), bad.ID) {
			t.Errorf("%s: bad date: error %v, want one naming %s", tf.format, err, bad.ID)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // the key of the one problem
	}{
		{"no site", func(c *Config) { c.Site = nil }, "site"},
		{"tag authority without date", func(c *Config) { c.TagAuthority = "example.org" }, "feeds.tag_authority"},
		{"tag authority with a bad month", func(c *Config) { c.TagAuthority = "example.org,2021-13" }, "feeds.tag_authority"},
		{"tag authority with a space", func(c *Config) { c.TagAuthority = "example org,2021" }, "feeds.tag_authority"},
		{"tag authority from an IPv6 base URL", func(c *Config) { c.TagAuthority = ""; c.Site = testSite(t, "http://[::1]:8080/") }, "site.base_url"},
		{"bad format", func(c *Config) { c.Formats = []Format{"xml"} }, "feeds.formats"},
		{"format twice", func(c *Config) { c.Formats = []Format{RSS, RSS} }, "feeds.formats"},
		{"no format", func(c *Config) { c.Formats = nil }, "feeds.formats"},
		{"no items", func(c *Config) { c.Items = 0 }, "feeds.items"},
		{"publish clock past midnight", func(c *Config) { c.PublishClock = 25 * time.Hour }, "feeds.publish_clock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			tc.change(&cfg)
			if ps := cfg.Validate(); len(ps) != 1 || ps[0].Key != tc.want {
				t.Errorf("Validate() = %v, want one problem with %s", ps, tc.want)
			}
			_, err := NewService(cfg, memSource{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
	for _, ok := range []string{"example.org,2021", "editor@example.org,2021", "news.example.org,2021-07-20", "a-b.example,2000-02", ""} {
		cfg := testConfig(t)
		cfg.TagAuthority = ok
		if _, err := NewService(cfg, memSource{}); err != nil {
			t.Errorf("tag authority %q refused: %v", ok, err)
		}
	}
}
