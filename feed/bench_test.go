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
			for _, f := range cfg.Formats {
				size += len(resource(b, svc, FeedPath("", f)).Body)
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
		arts := placeAll(benchArticles()[:cfg.Items])
		size := 0
		b.ReportAllocs()
		for b.Loop() {
			items, err := cfg.items(arts)
			if err != nil {
				b.Fatal(err)
			}
			size = 0
			for _, f := range AllFormats {
				body, err := cfg.renderFormat(f, cfg.MainMeta(), items, docLinks{})
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

func (s *bumpSource) EditionCounts(ctx context.Context, topic string, dates ...string) ([]store.EditionCount, error) {
	return s.src.EditionCounts(ctx, topic, dates...)
}

func (s *bumpSource) EditionRange(ctx context.Context, topic, from, to string) ([]store.PlacedArticle, error) {
	arts, err := s.src.EditionRange(ctx, topic, from, to)
	if err != nil || !s.bump || len(arts) == 0 {
		return arts, err
	}
	s.n++
	arts = append([]store.PlacedArticle(nil), arts...)
	arts[0].Updated = arts[0].Updated.Add(time.Duration(s.n) * time.Second)
	arts[0].Created = arts[0].Updated.Add(-time.Hour)
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
	res := resource(b, svc, "/atom.xml")
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

// BenchmarkSync measures the daemon's once-a-second poll on the
// 100,000-article store. "no-change" is the poll that finds nothing (one
// read of the change counter); "one-article" corrects one article of the
// newest edition before each op (not timed) and times the poll that
// finds it: reading the changed editions, re-counting them and
// re-rendering the documents they touch (main and topic feeds, three
// formats each, gzipped).
func BenchmarkSync(b *testing.B) {
	ctx := context.Background()
	s := openBenchStore(b)
	cfg := testConfig(b)
	svc, err := NewService(cfg, s)
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("no-change", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			urls, err := svc.Sync(ctx)
			if err != nil || len(urls) != 0 {
				b.Fatalf("sync = %v, %v", urls, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/poll")
	})
	newest := benchArticles()[:50]
	edits := 0 // across runs: each op's correction differs from every earlier one
	for _, where := range []string{"newest", "old"} {
		b.Run("one-article-"+where, func(b *testing.B) {
			arts := append([]content.Article(nil), newest...)
			if where == "old" {
				arts = append([]content.Article(nil), benchArticles()[50*1500:50*1501]...)
			}
			ed := content.Edition{Date: arts[0].Date, Source: "pages/" + arts[0].Date + ".txt", Articles: arts}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				edits++
				arts[7].Paragraphs = []string{fmt.Sprintf("更正 %d：示范区强化措施确保安全度汛。", edits), arts[7].Paragraphs[1]}
				if _, err := s.SaveEdition(ctx, ed, fmt.Sprint("bench", edits)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				urls, err := svc.Sync(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if where == "newest" && len(urls) == 0 {
					b.Fatal("a correction in the newest edition changed no feed")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/update")
		})
	}
	// archive-month: what the first request after an old month's
	// correction costs: reading the month (about 1,500 articles) and
	// rendering and gzipping its Atom archive document.
	b.Run("archive-month", func(b *testing.B) {
		path := ArchivePath("", benchArticles()[50*1500].Date[:7], Atom)
		size := 0
		for b.Loop() {
			svc.archiveMu.Lock()
			delete(svc.archives, path)
			svc.archiveMu.Unlock()
			r, err := svc.Resource(ctx, path)
			if err != nil || r == nil {
				b.Fatalf("%s: %v", path, err)
			}
			size = len(r.Body)
		}
		b.SetBytes(int64(size))
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/render")
	})
}
