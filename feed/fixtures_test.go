package feed

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
)

// sampleDate is the edition date of the sample page.
const sampleDate = "2021-07-20"

// samplePage is the sample edition (the seed page config.toml ships).
const samplePage = "testdata/2021-07-20.txt"

// sampleTopics assigns topics by keyword, as ingest does with the
// configured topics.
var sampleTopics = map[string][]string{"flood": {"防汛", "度汛"}, "economy": {"项目", "资金", "金融"}}

// parseSample is the sample page through the real parser, with topics.
func parseSample(t testing.TB) content.Edition {
	t.Helper()
	f, err := os.Open(samplePage)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ed, err := content.ParsePage(f, content.ParseOptions{Name: filepath.Base(samplePage)})
	if err != nil {
		t.Fatal(err)
	}
	if ed.Date != sampleDate || len(ed.Articles) != 13 {
		t.Fatalf("sample parsed to %s with %d items, want %s with 13", ed.Date, len(ed.Articles), sampleDate)
	}
	ed.Source = "pages/" + filepath.Base(samplePage)
	for i := range ed.Articles {
		a := &ed.Articles[i]
		for _, slug := range []string{"flood", "economy"} {
			for _, kw := range sampleTopics[slug] {
				if strings.Contains(a.DisplayTitle()+a.Text(), kw) {
					a.Topics = append(a.Topics, slug)
					break
				}
			}
		}
	}
	return ed
}

// sampleArticles is the sample edition as the store returns it, with
// fixed times so that renders are reproducible.
func sampleArticles(t testing.TB) []content.Article {
	t.Helper()
	arts := parseSample(t).Articles
	created := time.Date(2021, 7, 19, 22, 30, 0, 0, time.UTC)
	for i := range arts {
		arts[i].Created = created
		arts[i].Updated = created.Add(time.Duration(i) * time.Minute)
	}
	return arts
}

// nastyArticle carries text that breaks naive feed writers.
func nastyArticle() content.Article {
	return content.Article{
		ID:         "2021-07-16-0123456789ab",
		Kind:       content.KindArticle,
		Kicker:     "引题 <b>粗</b>",
		Title:      "标题<script>alert(1)</script> & ]]> \x01\x0b控制",
		Subtitle:   "副题 😀",
		Byline:     "本报讯（记者A&B）",
		Authors:    []content.Author{{Name: "A&B <x@y>", Role: "记者"}, {Name: "张三", Role: "通讯员"}},
		Paragraphs: []string{"第一段 <script>alert('x')</script> ]]> & &amp; \x00\x1f尾 😀", "第二段 ]]]]>><![CDATA[ x"},
		Date:       "2021-07-16",
		Topics:     []string{"flood", "unknown-topic"},
		Created:    time.Date(2021, 7, 15, 20, 0, 0, 0, time.UTC),
		Updated:    time.Date(2021, 7, 16, 3, 4, 5, 678, time.UTC),
	}
}

// memSource is an ArticleSource over a slice, for tests that are not about
// the store; it answers as the store does: topic filter, then limit.
type memSource struct {
	arts []content.Article
	err  error
}

func (m memSource) LatestArticles(ctx context.Context, topic string, limit int) ([]content.Article, error) {
	if m.err != nil {
		return nil, m.err
	}
	var out []content.Article
	for _, a := range m.arts {
		if topic == "" || slices.Contains(a.Topics, topic) {
			out = append(out, a)
		}
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// testConfig is the site the tests render.
func testConfig(t testing.TB) Config {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Title:        "示范区报",
		Description:  "示范区报每日电子版",
		BaseURL:      "https://news.example.org/",
		Language:     "zh-CN",
		Location:     loc,
		Items:        50,
		Topics:       []Topic{{Name: "防汛", Slug: "flood"}, {Name: "经济", Slug: "economy"}},
		TagAuthority: "example.org,2021",
		Logger:       slog.New(slog.DiscardHandler),
	}
}
