package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/benchmetrics"
)

// benchEdition generates an edition shaped like the sample page: 11
// articles of four paragraphs and 2 photos, some with topics.
func benchEdition(date string) content.Edition {
	ed := content.Edition{Date: date, Source: "pages/" + date + ".txt"}
	para := strings.Repeat("示范区召开会议，研究部署项目建设和防汛工作。", 6)
	for i := range 13 {
		kind := content.KindArticle
		if i == 4 || i == 12 {
			kind = content.KindPhoto
		}
		title := fmt.Sprintf("示范区第%d条新闻标题", i)
		a := content.Article{
			ID: content.StableID(date, kind, title), Kind: kind, Title: title, Date: date,
			Byline:     "本报讯（记者郭树勋）",
			Authors:    []content.Author{{Name: "郭树勋", Role: "记者"}},
			Paragraphs: []string{para, para, para, para},
			Lines:      [2]int{i*30 + 1, i*30 + 29},
			Source:     ed.Source,
		}
		if i%3 == 0 {
			a.Topics = []string{"projects", "flood-control"}
		}
		ed.Articles = append(ed.Articles, a)
	}
	return ed
}

// BenchmarkSaveEdition saves 10,000 generated editions (130,000 items)
// into a fresh database per iteration, one transaction per edition: the
// store's share of ingesting an archive, without the parser.
//
//	go test ./store/ -run '^$' -bench SaveEdition -benchtime 1x
func BenchmarkSaveEdition(b *testing.B) {
	const editions = 10000
	ctx := context.Background()
	eds := make([]content.Edition, editions)
	day := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range eds {
		eds[i] = benchEdition(day.AddDate(0, 0, i).Format(time.DateOnly))
	}
	dir := b.TempDir()
	var articles int
	var dbSize int64
	cpu0 := benchmetrics.CPUTime(b)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		path := filepath.Join(dir, fmt.Sprintf("bench-%d.db", i))
		s, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, ed := range eds {
			c, err := s.SaveEdition(ctx, ed, "hash")
			if err != nil {
				b.Fatal(err)
			}
			articles += c.Added
		}
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		for _, suffix := range []string{"", "-wal"} {
			if info, err := os.Stat(path + suffix); err == nil {
				dbSize += info.Size()
			}
		}
		b.StartTimer()
	}
	benchmetrics.ReportArchive(b, cpu0, editions*b.N, articles, float64(dbSize)/float64(b.N))
}
