package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/ingest"
	"github.com/paperboy-news/paperboy/store"
)

// freshClone copies the shipped config.toml and pages/ into a temporary
// directory, as a fresh clone would have them, and returns the config path.
func freshClone(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyShipped(t, dir, "pages/2021-07-20.txt")
	return copyShipped(t, dir, "config.toml")
}

func TestIngestCommandOnFreshClone(t *testing.T) {
	ctx := context.Background()
	cfg := freshClone(t)
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"ingest", "-config", cfg}, &stdout, &stderr); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "1 edition(s) saved") || !strings.Contains(stdout.String(), "13 added") {
		t.Errorf("first ingest output:\n%s", stdout.String())
	}
	stdout.Reset()
	t.Setenv("PAPERBOY_CONFIG", cfg) // the environment names the file this time
	if err := run(ctx, []string{"ingest"}, &stdout, &stderr); err != nil {
		t.Fatalf("second ingest: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "0 edition(s) saved, 1 unchanged") {
		t.Errorf("second ingest output:\n%s", stdout.String())
	}

	// The database is where config.toml says, relative to the file.
	s, err := store.Open(ctx, filepath.Join(filepath.Dir(cfg), "data", "paperboy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.CountArticles(ctx); err != nil || n != 13 {
		t.Errorf("articles = %d, %v; want 13", n, err)
	}
	flood, err := s.LatestArticles(ctx, "flood-control", 100)
	if err != nil || len(flood) == 0 {
		t.Errorf("no articles tagged with the shipped topic flood-control: %v", err)
	}
}

func TestIngestCommandReportsBadFiles(t *testing.T) {
	cfg := freshClone(t)
	bad := filepath.Join(filepath.Dir(cfg), "pages", "2021-07-21.txt")
	if err := os.WriteFile(bad, []byte("\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"ingest", "-config", cfg}, &stdout, &stderr)
	if err == nil || errors.Is(err, errUsage) {
		t.Fatalf("err = %v, want a failure (exit 1)", err)
	}
	if !strings.Contains(stderr.String(), "skipped "+bad+": no articles found") {
		t.Errorf("stderr does not name the bad file and reason:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "1 edition(s) saved") {
		t.Errorf("the good file was not saved:\n%s", stdout.String())
	}
}

func TestIngestCommandRefusesBadConfig(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"ingest", "-config", "testdata/bad-config.toml"}, &stdout, &stderr)
	if err == nil || !strings.Contains(stderr.String(), "bad-config.toml:21: digests.schedule") {
		t.Errorf("err = %v, stderr:\n%s", err, stderr.String())
	}
}

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := newProgressLine(&b, time.Hour)
	p.update(ingest.Progress{Done: 1, Total: 3, Summary: ingest.Summary{Editions: 1, Added: 13, Elapsed: time.Second}})
	p.update(ingest.Progress{Done: 2, Total: 3}) // within the interval: not drawn
	p.update(ingest.Progress{Done: 3, Total: 3, Summary: ingest.Summary{Editions: 2, Unchanged: 1, Added: 26, Elapsed: time.Second}})
	want := clearLine + "ingest: 1/3 files (1/s), 1 saved, 0 unchanged, 0 failed; articles +13 ~0 -0" +
		clearLine + "ingest: 3/3 files (3/s), 2 saved, 1 unchanged, 0 failed; articles +26 ~0 -0"
	if b.String() != want {
		t.Errorf("progress output\n%q\nwant\n%q", b.String(), want)
	}
}
