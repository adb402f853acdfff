package feed

import (
	"context"
	"log/slog"
	"testing"

	"net/http"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// memSource is an ArticleSource over a slice, for tests that are not about
// the store; it answers as the store does: topic filter, then limit.
type memSource struct {
	arts []content.Article
	err  error
}

func (m memSource) EditionCounts(ctx context.Context, topic string, dates ...string) ([]store.EditionCount, error) {
	if m.err != nil {
		return nil, m.err
	}
	return fixture.EditionCounts(m.arts, topic, dates...), nil
}

func (m memSource) EditionRange(ctx context.Context, topic, from, to string) ([]store.PlacedArticle, error) {
	if m.err != nil {
		return nil, m.err
	}
	return fixture.EditionRange(m.arts, topic, from, to), nil
}

// resource is the document at path, failing the test on an error.
func resource(tb testing.TB, svc *Service, path string) *Resource {
	tb.Helper()
	r, err := svc.Resource(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// testSite is the site the tests render, at base.
func testSite(t testing.TB, base string) *site.Site {
	t.Helper()
	st, ps := site.New(site.Settings{
		Title:       "示范区报",
		Description: "示范区报每日电子版",
		BaseURL:     base,
		Language:    "zh-CN",
		TimeZone:    "Asia/Shanghai",
		Topics:      []site.Topic{{Name: "防汛", Slug: "flood", Keywords: []string{"防汛"}}, {Name: "经济", Slug: "economy", Keywords: []string{"经济"}}},
	})
	if ps != nil {
		t.Fatal(ps.Err("site"))
	}
	return st
}

// testConfig is the feeds the tests render.
func testConfig(t testing.TB) Config {
	t.Helper()
	return Config{
		Site:         testSite(t, "https://news.example.org/"),
		Items:        50,
		Formats:      AllFormats,
		TagAuthority: "example.org,2021",
		Logger:       slog.New(slog.DiscardHandler),
	}
}

// refreshedService is a Service of testConfig over src, refreshed once.
func refreshedService(tb testing.TB, src ArticleSource) *Service {
	tb.Helper()
	svc, err := NewService(testConfig(tb), src)
	if err != nil {
		tb.Fatal(err)
	}
	if err := svc.Refresh(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return svc
}

// serveMux is a mux with svc registered on it, as the site does.
func serveMux(svc *Service) *http.ServeMux {
	mux := http.NewServeMux()
	svc.Register(mux, nil)
	return mux
}
