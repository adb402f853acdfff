package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/ingest"
)

// runIngest scans the content directories and saves new or changed
// editions.
func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var prune bool
	c, st, help, err := storeCommand(ctx, "ingest", "Parses new or changed files of the pages and Markdown directories into the database.", args, stderr,
		func(fs *flag.FlagSet) {
			fs.BoolVar(&prune, "prune", false, "also remove the articles of files that were ingested before and are gone now")
		})
	if help || err != nil {
		return err
	}
	defer st.Close()

	var progress func(ingest.Progress)
	if isTerminal(stderr) {
		progress = newProgressLine(stderr, 100*time.Millisecond).update
	}
	cfg := ingestConfig(c, c.Logger(stderr))
	cfg.Prune = prune
	sum, err := ingest.Run(ctx, cfg, st, progress)
	if progress != nil {
		fmt.Fprint(stderr, clearLine)
	}
	for _, f := range sum.Failed {
		fmt.Fprintf(stderr, "skipped %v\n", f)
	}
	fmt.Fprintf(stdout, "ingest: %s\n", sum)
	if err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return fmt.Errorf("ingest: %d file(s) skipped for errors (listed above); the others were saved", len(sum.Failed))
	}
	return nil
}

// ingestConfig maps the configuration onto the ingest package's Config;
// the daemon's ingest job uses it too.
func ingestConfig(c *config.Config, logger *slog.Logger) ingest.Config {
	return ingest.Config{
		PagesDir:    c.Content.PagesDir,
		MarkdownDir: c.Content.MarkdownDir,
		Topics:      c.Site.Topics,
		Logger:      logger,
		MaxFileSize: c.Content.MaxPageSize,
	}
}

// clearLine returns to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// progressLine redraws one status line at most every interval.
type progressLine struct {
	w        io.Writer
	interval time.Duration
	last     time.Time
}

func newProgressLine(w io.Writer, interval time.Duration) *progressLine {
	return &progressLine{w: w, interval: interval}
}

func (p *progressLine) update(pr ingest.Progress) {
	if pr.Done < pr.Total && time.Since(p.last) < p.interval {
		return
	}
	p.last = time.Now()
	s := pr.Summary
	rate := 0.0
	if secs := s.Elapsed.Seconds(); secs > 0 {
		rate = float64(pr.Done) / secs
	}
	fmt.Fprintf(p.w, "%singest: %d/%d files (%.0f/s), %d saved, %d unchanged, %d failed; articles +%d ~%d -%d",
		clearLine, pr.Done, pr.Total, rate, s.Editions, s.Unchanged, len(s.Failed), s.Added, s.Updated+s.Retagged, s.Removed)
}
