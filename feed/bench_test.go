package feed

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/store"
)

// benchArticles is 100,000 articles of realistic size: 2,000 editions of
// 50 items, each five paragraphs of about 150 characters, newest first.
var benchArticles = sync.OnceValue(func() []content.Article {
	const editions, perEdition = 2000, 50
	para := strings.Repeat("示范区强化措施确保安全度汛，扎实做好防汛工作。", 7)
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	arts := make([]content.Article, 0, editions*perEdition)
	for e := 0; e < editions; e++ {
		date := day.AddDate(0, 0, -e).Format("2006-01-02")
		for i := 0; i < perEdition; i++ {
			title := fmt.Sprintf("第%d版 新闻%d：示范区召开工作推进会", e, i)
			arts = append(arts, content.Article{
				ID:         content.StableID(date, content.KindArticle, title),
				Kind:       content.KindArticle,
				Title:      title,
				Byline:     "本报讯（记者郭树勋）",
				Authors:    []content.Author{{Name: "郭树勋", Role: "记者"}},
				Paragraphs: []string{para, para, para, para, para},
				Date:       date,
				Topics:     benchTopics(i),
				Created:    day.AddDate(0, 0, -e),
				Updated:    day.AddDate(0, 0, -e).Add(time.Duration(i) * time.Second),
			})
		}
	}
	return arts
})

func benchTopics(i int) []string {
	if i%5 == 0 {
		return []string{"flood"}
	}
	return nil
}

// BenchmarkRenderFeeds renders the main feed in all three formats from a
// SQLite store of 100,000 articles: each op reads the newest 50 and renders RSS,
// Atom and JSON. "changed" also gzips, as a refresh after an ingest does.
func BenchmarkRenderFeeds(b *testing.B) {
	for _, changed := range []bool{false, true} {
		b.Run(fmt.Sprintf("changed=%v", changed), func(b *testing.B) {
			s := openBenchStore(b)
			src := &bumpSource{src: s, bump: changed}
			cfg := testConfig(b)
			cfg.Site.Topics = nil
			svc, err := NewService(cfg, src)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if err := svc.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
			size := 0
			for _, f := range svc.Files() {
				size += len(f.Body)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := svc.Refresh(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(3*b.N)/b.Elapsed().Seconds(), "renders/s")
		})
	}
	// render-only: the same 50 articles, already read, through all three
	// renderers; the cost without the query.
	b.Run("render-only", func(b *testing.B) {
		cfg, err := testConfig(b).withDefaults()
		if err != nil {
			b.Fatal(err)
		}
		arts := benchArticles()[:cfg.Items]
		size := 0
		b.ReportAllocs()
		for b.Loop() {
			items, err := cfg.items(arts)
			if err != nil {
				b.Fatal(err)
			}
			size = 0
			for _, f := range AllFormats {
				body, err := cfg.renderFormat(f, cfg.MainMeta(), items)
				if err != nil {
					b.Fatal(err)
				}
				size += len(body)
			}
		}
		b.SetBytes(int64(size))
		b.ReportMetric(float64(3*b.N)/b.Elapsed().Seconds(), "renders/s")
	})
}

// bumpSource moves the newest article's Updated on every read when bump
// is set, so every refresh sees a change.
type bumpSource struct {
	src  ArticleSource
	bump bool
	n    int
}

func (s *bumpSource) LatestArticles(ctx context.Context, topic string, limit int) ([]content.Article, error) {
	arts, err := s.src.LatestArticles(ctx, topic, limit)
	if err != nil || !s.bump || len(arts) == 0 {
		return arts, err
	}
	s.n++
	arts = append([]content.Article(nil), arts...)
	arts[0].Updated = arts[0].Updated.Add(time.Duration(s.n) * time.Second)
	return arts, nil
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler, not a recorder's buffer.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkServeAtom serves /atom.xml (50 items from a store of 100,000
// articles)
// through the registered mux: plain, gzip, a 304 revalidation, and over
// loopback HTTP with keep-alive.
func BenchmarkServeAtom(b *testing.B) {
	svc := refreshedService(b, openBenchStore(b))
	mux := serveMux(svc)
	res := svc.Resource("/atom.xml")
	cases := []struct {
		name   string
		header http.Header
		size   int
	}{
		{"identity", nil, len(res.Body)},
		{"gzip", http.Header{"Accept-Encoding": {"gzip, deflate, br"}}, len(res.Gzipped())},
		{"304", http.Header{"If-None-Match": {res.ETag}}, 0},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(tc.size))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", "/atom.xml", nil)
				req.Header = tc.header.Clone()
				if req.Header == nil {
					req.Header = http.Header{}
				}
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					mux.ServeHTTP(w, req)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
		})
	}
	b.Run("loopback-gzip", func(b *testing.B) {
		srv := httptest.NewServer(mux)
		defer srv.Close()
		tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		b.SetBytes(int64(len(res.Gzipped())))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest("GET", srv.URL+"/atom.xml", nil)
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	})
}

// benchStorePath is a SQLite store of benchArticles, built once per test
// binary (seeding 100,000 articles takes a while) and removed by TestMain.
var benchStorePath = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "paperboy-feed-bench-")
	if err != nil {
		return "", err
	}
	benchDirs = append(benchDirs, dir)
	path := filepath.Join(dir, "bench.db")
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		return "", err
	}
	defer s.Close()
	arts := benchArticles()
	for i := 0; i < len(arts); {
		date := arts[i].Date
		j := i
		for j < len(arts) && arts[j].Date == date {
			j++
		}
		ed := content.Edition{Date: date, Source: "pages/" + date + ".txt", Articles: arts[i:j]}
		if _, err := s.SaveEdition(ctx, ed, date); err != nil {
			return "", fmt.Errorf("seed %s: %w", date, err)
		}
		i = j
	}
	return path, nil
})

var benchDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func openBenchStore(b *testing.B) *store.Store {
	b.Helper()
	path, err := benchStorePath()
	if err != nil {
		b.Fatal(err)
	}
	s, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	n, err := s.CountArticles(context.Background())
	if err != nil || n != len(benchArticles()) {
		b.Fatalf("bench store has %d articles (%v), want %d", n, err, len(benchArticles()))
	}
	return s
}
