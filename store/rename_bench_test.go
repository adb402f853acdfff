package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
)

// BenchmarkSaveWithRenameCandidates saves a new day's edition while 3,000
// gone page files of the same label are its rename candidates (an archive
// that dropped its old page files): what rename detection adds to each
// day's ingest. Each day's headlines are its own but one column title
// that recurs every day. Here (2 cores): about 105 ms a save with 3,000
// candidates, against 2 ms with none; nearly all of it is the database
// counting the candidates' headlines.
//
//	go test ./store/ -run '^$' -bench RenameCandidates -benchtime 20x
func BenchmarkSaveWithRenameCandidates(b *testing.B) {
	const gone = 3000
	ctx := context.Background()
	s := testDB{driver: DriverSQLite}.open(b)
	day := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	edition := func(i int) content.Edition {
		date := day.AddDate(0, 0, i).Format(time.DateOnly)
		ed := benchEdition(date)
		for j := range ed.Articles {
			a := &ed.Articles[j]
			if j > 0 {
				a.Title = fmt.Sprintf("%s 第%d条新闻", date, j)
				a.Paragraphs = append([]string{a.Title + "。"}, a.Paragraphs[1:]...)
			}
			a.ID = content.StableID(date, a.Kind, a.Title)
		}
		return ed
	}
	candidates := make([]string, gone)
	for i := range gone {
		ed := edition(i)
		if _, err := s.SaveEdition(ctx, ed, "old"); err != nil {
			b.Fatal(err)
		}
		candidates[i] = ed.Source
	}
	b.ResetTimer()
	for i := range b.N {
		p, err := PrepareEdition(edition(gone + i))
		if err != nil {
			b.Fatal(err)
		}
		p.MayReplace(candidates...)
		c, err := s.SavePrepared(ctx, p, "new")
		if err != nil {
			b.Fatal(err)
		}
		if c.Replaced != "" {
			b.Fatalf("a new day's edition taken as a rename of %s", c.Replaced)
		}
	}
	b.ReportMetric(gone, "candidates")
}

// BenchmarkSaveWithoutRenameCandidates is the same save with no
// candidates, to compare.
func BenchmarkSaveWithoutRenameCandidates(b *testing.B) {
	ctx := context.Background()
	s := testDB{driver: DriverSQLite}.open(b)
	day := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.SaveEdition(ctx, benchEdition(day.AddDate(0, 0, i).Format(time.DateOnly)), "new"); err != nil {
			b.Fatal(err)
		}
	}
}
