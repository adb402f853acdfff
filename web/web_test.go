package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// memSource answers like the store over a slice ordered newest edition
// first, page order within.
type memSource struct {
	arts []content.Article
	err  error
}

func (m *memSource) Article(ctx context.Context, id string) (content.Article, error) {
	if m.err != nil {
		return content.Article{}, m.err
	}
	for _, a := range m.arts {
		if a.ID == id {
			return a, nil
		}
	}
	return content.Article{}, fmt.Errorf("article %s: %w", id, store.ErrNotFound)
}

func (m *memSource) LatestArticles(ctx context.Context, topic string, limit int) ([]content.Article, error) {
	if m.err != nil {
		return nil, m.err
	}
	var out []content.Article
	for _, a := range m.arts {
		if len(out) == limit {
			break
		}
		if topic == "" || slices.Contains(a.Topics, topic) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memSource) EditionArticles(ctx context.Context, date string) ([]content.Article, error) {
	if m.err != nil {
		return nil, m.err
	}
	var out []content.Article
	for _, a := range m.arts {
		if a.Date == date {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("edition %s: %w", date, store.ErrNotFound)
	}
	return out, nil
}

func (m *memSource) EditionCounts(ctx context.Context, topic string, dates ...string) ([]store.EditionCount, error) {
	if m.err != nil {
		return nil, m.err
	}
	return fixture.EditionCounts(m.arts, topic, dates...), nil
}

func (m *memSource) EditionRange(ctx context.Context, topic, from, to string) ([]store.PlacedArticle, error) {
	if m.err != nil {
		return nil, m.err
	}
	return fixture.EditionRange(m.arts, topic, from, to), nil
}

func (m *memSource) GoneArticle(ctx context.Context, id string) (string, error) {
	return "", fmt.Errorf("gone article %s: %w", id, store.ErrNotFound)
}

// ImageFile has no pictures: the picture tests use a real store.
func (m *memSource) ImageFile(ctx context.Context, name string) (store.ImageFile, error) {
	return store.ImageFile{}, fmt.Errorf("image file %s: %w", name, store.ErrNotFound)
}

func (m *memSource) Editions(ctx context.Context, limit int) ([]EditionSummary, error) {
	if m.err != nil {
		return nil, m.err
	}
	var out []EditionSummary
	for _, a := range m.arts {
		if n := len(out); n == 0 || out[n-1].Date != a.Date {
			if n == limit {
				break
			}
			out = append(out, EditionSummary{Date: a.Date})
		}
		e := &out[len(out)-1]
		e.Articles++
		if a.Updated.After(e.Updated) {
			e.Updated = a.Updated
		}
	}
	return out, nil
}

func newSite(t *testing.T, src Source) *Site {
	t.Helper()
	return newSiteAt(t, src, "https://news.example.org")
}

// newSiteAt is the test site published at base.
func newSiteAt(t *testing.T, src Source, base string) *Site {
	t.Helper()
	return newSiteWith(t, src, func(s *site.Settings) { s.BaseURL = base })
}

// newSiteWith is the test site with change made to its settings.
func newSiteWith(t *testing.T, src Source, change func(*site.Settings)) *Site {
	t.Helper()
	settings := site.Settings{
		Title:       "示范区报",
		Description: "示范区报每日电子版",
		BaseURL:     "https://news.example.org",
		Language:    "zh-CN",
		TimeZone:    "Asia/Shanghai",
		Topics:      []site.Topic{{Name: "防汛", Slug: "flood", Keywords: []string{"防汛"}}, {Name: "经济", Slug: "economy", Keywords: []string{"经济"}}},
	}
	change(&settings)
	st, ps := site.New(settings)
	if ps != nil {
		t.Fatal(ps.Err("site"))
	}
	fsrc, _ := src.(feed.ArticleSource)
	fs, err := feed.NewService(feed.Config{
		Site:         st,
		Items:        50,
		Formats:      feed.AllFormats,
		TagAuthority: "example.org,2021",
		Logger:       slog.New(slog.DiscardHandler),
	}, fsrc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Logger: slog.New(slog.DiscardHandler)}, src, fs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func serve(t *testing.T, src Source) (*Site, *httptest.Server) {
	t.Helper()
	site := newSite(t, src)
	if err := site.feeds.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(siteHandler(site))
	t.Cleanup(srv.Close)
	return site, srv
}

func fetch(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

var autodiscovery = []string{
	`<link rel="alternate" type="application/atom+xml" title="示范区报 (Atom)" href="/atom.xml">`,
	`<link rel="alternate" type="application/rss+xml" title="示范区报 (RSS)" href="/rss.xml">`,
	`<link rel="alternate" type="application/feed+json" title="示范区报 (JSON Feed)" href="/feed.json">`,
}

func TestPages(t *testing.T) {
	arts := append([]content.Article{fixture.NastyArticle()}, fixture.SampleArticles(t)...)
	_, srv := serve(t, &memSource{arts: arts})
	first := arts[1]
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       []string
		notWant    []string
	}{
		{"index", "/", 200, []string{`<html lang="zh-CN">`, "近期版面", "2021年7月20日 星期二", "13 篇", `href="/editions/2021-07-20/"`, `href="` + site.ArticlePath(first.ID) + `"`, "示范区党政联席会议召开"}, nil},
		{"edition", "/editions/2021-07-20/", 200, []string{"<h1>2021年7月20日 星期二</h1>", "本期共 13 篇", "示范区党政联席会议召开", `<span class="badge">图片新闻</span><a class="t"`, "记者 郭树勋 · "}, []string{fixture.NastyArticle().ID}},
		{"article", site.ArticlePath(first.ID), 200, []string{"<h1>示范区党政联席会议召开</h1>", `<span class="byline">记者 郭树勋</span>`, `<time datetime="2021-07-20">2021年7月20日 星期二</time>`, "<p>" + first.Paragraphs[1] + "</p>", `href="/topics/flood/" rel="tag">防汛</a>`, `href="/editions/2021-07-20/"`}, []string{"更新"}},
		{"corrected article", site.ArticlePath(arts[2].ID), 200, []string{"更新 <time", ">2021-07-20 06:31</time>"}, nil},
		{"photo article", site.ArticlePath(arts[5].ID), 200, []string{"<figure><figcaption>", "万千", `<span class="badge">图片新闻</span>`}, nil},
		{"nasty article", site.ArticlePath(fixture.NastyArticle().ID), 200, []string{`<p class="kicker">引题 &lt;b&gt;粗&lt;/b&gt;</p>`, "<h1>标题&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt; 控制</h1>", `<p class="subtitle">副题 😀</p>`, "记者 A&amp;B &lt;x@y&gt;、通讯员 张三", ">经济</a>", "第二段 ]]]]&gt;&gt;&lt;![CDATA[ x"}, []string{"<script", "\x00", "\x01", "\x0b", "\x1f", "/topics/unknown-topic/"}},
		{"topic", "/topics/flood/", 200, []string{"专题：防汛", `href="/topics/flood/" aria-current="page">防汛</a>`, `href="/topics/flood/atom.xml"`, "示范区党政联席会议召开"}, []string{"示范区四家企业获省级高质量发展专项资金"}},
		{"unknown article", "/articles/2021-07-15-000000000000/", 404, []string{"页面不存在"}, nil},
		{"malformed article id", "/articles/..%2f..%2fetc/", 404, []string{"页面不存在"}, nil},
		{"unknown edition", "/editions/2020-01-01/", 404, []string{"页面不存在"}, nil},
		{"unknown topic", "/topics/nope/", 404, []string{"页面不存在"}, nil},
		{"unknown topic feed", "/topics/nope/atom.xml", 404, []string{"页面不存在"}, nil},
		{"unknown path", "/wp-admin.php", 404, []string{"页面不存在"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fetch(t, "GET", srv.URL+tc.path, nil)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tc.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("content security policy %q", csp)
			}
			for _, w := range append(tc.want, autodiscovery...) {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page contains %q", w)
				}
			}
			if strings.Contains(body, "<script") {
				t.Errorf("page has a script element")
			}
		})
	}
}

func TestPageRedirectsConditionalsHealth(t *testing.T) {
	arts := fixture.SampleArticles(t)
	_, srv := serve(t, &memSource{arts: arts})
	resp, _ := fetch(t, "GET", srv.URL+"/articles/"+arts[0].ID, nil)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != site.ArticlePath(arts[0].ID) {
		t.Errorf("slashless article: %d to %q, want 301 to the permalink", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = fetch(t, "GET", srv.URL+"/editions/2021-07-20", nil)
	if resp.StatusCode != http.StatusMovedPermanently {
		t.Errorf("slashless edition: %d, want 301", resp.StatusCode)
	}
	resp, _ = fetch(t, "GET", srv.URL+"/", nil)
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Last-Modified") == "" {
		t.Fatalf("index has no validators: %v", resp.Header)
	}
	resp, body := fetch(t, "GET", srv.URL+"/", http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match: %d with %d bytes, want 304", resp.StatusCode, len(body))
	}
	resp, _ = fetch(t, "GET", srv.URL+"/", http.Header{"Accept-Encoding": {"gzip"}})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("index not gzipped when asked")
	}
	resp, body = fetch(t, "HEAD", srv.URL+site.ArticlePath(arts[0].ID), nil)
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: %d with %d bytes", resp.StatusCode, len(body))
	}
	resp, body = fetch(t, "GET", srv.URL+"/healthz", nil)
	if resp.StatusCode != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
	resp, _ = fetch(t, "GET", srv.URL+"/atom.xml", nil)
	if resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Errorf("feeds not mounted with the site: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestPageStoreError(t *testing.T) {
	src := &memSource{arts: fixture.SampleArticles(t)}
	_, srv := serve(t, src)
	src.err = errors.New("database disk image is malformed")
	resp, body := fetch(t, "GET", srv.URL+"/", nil)
	if resp.StatusCode != 500 || !strings.Contains(body, "服务暂时不可用") || strings.Contains(body, "malformed") {
		t.Errorf("store failure: %d, want the 500 page without the error text\n%s", resp.StatusCode, body)
	}
}

// TestSiteOnStore serves and exports the sample edition from a real SQLite
// store: every article of the store has its page, linked from its edition.
func TestSiteOnStore(t *testing.T) {
	s, ed := fixture.StoreWithSample(t)
	ws, srv := serve(t, s)
	_, index := fetch(t, "GET", srv.URL+"/", nil)
	if !strings.Contains(index, fmt.Sprintf("%d 篇", len(ed.Articles))) {
		t.Errorf("index lacks the edition's article count %d", len(ed.Articles))
	}
	_, edition := fetch(t, "GET", srv.URL+site.EditionPath(ed.Date), nil)
	for _, a := range ed.Articles {
		if !strings.Contains(edition, `href="`+site.ArticlePath(a.ID)+`"`) {
			t.Errorf("edition page does not link %s", a.ID)
		}
		resp, page := fetch(t, "GET", srv.URL+site.ArticlePath(a.ID), nil)
		if resp.StatusCode != 200 || !strings.Contains(page, a.Authors[0].Name) {
			t.Errorf("%s: status %d, author %q shown: %v", a.ID, resp.StatusCode, a.Authors[0].Name, strings.Contains(page, a.Authors[0].Name))
		}
	}
	n, err := ws.Export(context.Background(), filepath.Join(t.TempDir(), "out"), ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := 9 + 6 + 1 + 1 + 2 + 1 + 1 + len(ed.Articles); n != want { // feeds, OPML, XSLT and 4 icons, 404, index, topics, month, edition, articles
		t.Errorf("exported %d files, want %d", n, want)
	}
}

// siteHandler is a mux with everything Site.Register mounts.
func siteHandler(s *Site) http.Handler {
	mux := http.NewServeMux()
	s.Register(mux)
	return mux
}

// TestBasePath publishes the site under a path, as behind a reverse proxy
// at https://news.example.org/paper/: every route, link and feed is under
// it, and nothing answers outside it.
func TestBasePath(t *testing.T) {
	arts := fixture.SampleArticles(t)
	ws := newSiteAt(t, &memSource{arts: arts}, "https://news.example.org/paper")
	if err := ws.feeds.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(siteHandler(ws))
	t.Cleanup(srv.Close)
	article := "/paper" + site.ArticlePath(arts[0].ID)
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/paper/", 200, []string{`href="` + article + `"`, `href="/paper/editions/2021-07-20/"`, `href="/paper/topics/flood/"`, `href="/paper/atom.xml"`, `<a class="name" href="/paper/">`}},
		{article, 200, []string{`<link rel="canonical" href="https://news.example.org` + article + `">`, `href="/paper/editions/2021-07-20/"`}},
		{"/paper/atom.xml", 200, []string{`href="https://news.example.org/paper/atom.xml" rel="self"`, `<link href="https://news.example.org` + article + `"`}},
		{"/paper/topics/flood/feed.json", 200, []string{`"feed_url": "https://news.example.org/paper/topics/flood/feed.json"`}},
		{"/", 404, nil},
		{site.ArticlePath(arts[0].ID), 404, nil},
		{"/atom.xml", 404, nil},
	}
	for _, tc := range tests {
		resp, body := fetch(t, "GET", srv.URL+tc.path, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: lacks %s", tc.path, w)
			}
		}
	}
	resp, _ := fetch(t, "GET", srv.URL+strings.TrimSuffix(article, "/"), nil)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != article {
		t.Errorf("slashless article: %d to %q, want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), article)
	}
}

// TestEnglishSite: the site's language picks the pages' words, as it picks
// the mail's and the feeds'.
func TestEnglishSite(t *testing.T) {
	arts := fixture.SampleArticles(t)
	ws := newSiteWith(t, &memSource{arts: arts}, func(s *site.Settings) { s.Language = "en" })
	if err := ws.feeds.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(siteHandler(ws))
	t.Cleanup(srv.Close)
	for path, want := range map[string][]string{
		"/":                          {`<html lang="en">`, "Latest articles", "Recent editions", "Tuesday, July 20, 2021", "13 articles", "Photo news"},
		"/editions/2021-07-20/":      {"13 articles in this edition", "Tuesday, July 20, 2021"},
		site.ArticlePath(arts[0].ID): {"This edition", "Topics: "},
		"/nowhere":                   {"Page not found", "Back to the home page"},
	} {
		_, body := fetch(t, "GET", srv.URL+path, nil)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", path, w)
			}
		}
		for _, zh := range []string{"首页", "篇", "星期", "图片新闻", "专题"} {
			if strings.Contains(body, zh) {
				t.Errorf("GET %s shows the Chinese word %q on an English site", path, zh)
			}
		}
	}
}
