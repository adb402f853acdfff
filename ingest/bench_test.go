package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/benchmetrics"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
)

// BenchmarkIngest ingests an archive of 10,000 editions into a fresh
// database per iteration: the seed page hard-linked under 10,000 dated
// names, so each is a distinct edition with distinct ids. It measures the
// whole path: scan, hash, parse, tag, save.
//
//	go test ./ingest/ -run '^$' -bench Ingest -benchtime 1x
func BenchmarkIngest(b *testing.B) {
	const editions = 10000
	ctx := context.Background()
	dir := b.TempDir()
	page := fixture.SamplePage()
	seed := filepath.Join(dir, "seed.txt")
	if err := os.WriteFile(seed, page, 0o644); err != nil {
		b.Fatal(err)
	}
	pages := filepath.Join(dir, "pages")
	day := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range editions {
		d := day.AddDate(0, 0, i)
		name := filepath.Join(pages, d.Format("2006"), d.Format("2006-01-02")+".txt")
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.Link(seed, name); err != nil {
			b.Fatal(err)
		}
	}
	cfg := Config{PagesDir: pages, Topics: []Topic{
		{Name: "防汛", Slug: "flood-control", Keywords: []string{"防汛", "汛期", "度汛", "抢险"}},
		{Name: "项目建设", Slug: "projects", Keywords: []string{"项目建设", "项目谋划", "签约", "开工", "投产"}},
		{Name: "金融", Slug: "finance", Keywords: []string{"金融", "银行", "资金", "融资"}},
	}}
	b.SetBytes(int64(len(page)) * editions)
	cpu0 := benchmetrics.CPUTime(b)
	b.ResetTimer()
	var articles int
	var dbSize int64
	for i := range b.N {
		b.StopTimer()
		dbPath := filepath.Join(dir, fmt.Sprintf("bench-%d.db", i))
		s, err := store.Open(ctx, dbPath)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := Run(ctx, cfg, s, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if sum.Editions != editions || len(sum.Failed) > 0 {
			b.Fatalf("ingested %d editions, %d failed: %v", sum.Editions, len(sum.Failed), sum.Err())
		}
		articles += sum.Added
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		dbSize = fileSize(b, dbPath) + fileSize(b, dbPath+"-wal")
		os.Remove(dbPath)
		os.Remove(dbPath + "-wal")
		os.Remove(dbPath + "-shm")
		b.StartTimer()
	}
	benchmetrics.ReportArchive(b, cpu0, editions*b.N, articles, float64(dbSize))
}

func fileSize(b *testing.B, path string) int64 {
	b.Helper()
	info, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		b.Fatal(err)
	}
	return info.Size()
}
