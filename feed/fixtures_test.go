package feed

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"net/http"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
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
