package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
)

// sampleDate is the edition date of the sample page.
const sampleDate = "2021-07-15"

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

// sampleArticles is the sample edition's parser output as the store would
// return it: ids, topics and times filled in.
func sampleArticles(t testing.TB) []content.Article {
	t.Helper()
	raw, err := os.ReadFile("testdata/seed-page.expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var arts []content.Article
	if err := json.Unmarshal(raw, &arts); err != nil {
		t.Fatal(err)
	}
	created := time.Date(2021, 7, 14, 22, 30, 0, 0, time.UTC)
	for i := range arts {
		a := &arts[i]
		a.Date = sampleDate
		key := a.DisplayTitle()
		if a.Kind == content.KindPhoto {
			key = fmt.Sprintf("%s#%d", a.Byline, i)
		}
		a.ID = content.StableID(a.Date, a.Kind, key)
		a.Created = created
		a.Updated = created.Add(time.Duration(i) * time.Minute)
		if i%3 == 0 {
			a.Topics = []string{"flood"}
		}
		if i%4 == 0 {
			a.Topics = append(a.Topics, "economy")
		}
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
