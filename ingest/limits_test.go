package ingest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/internal/fixture"
)

// TestIngestRefusesAHugeFileUnread: a 200 MB page file fails with its name
// and the limit, without being read (the run allocates a few MB at most,
// not the 3 GB parsing it took), and the other files go in.
func TestIngestRefusesAHugeFileUnread(t *testing.T) {
	dir := pagesDir(t, map[string][]byte{"2021-07-20.txt": fixture.SamplePage()})
	huge := filepath.Join(dir, "2021-07-21.txt")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 200 MB to stat and read, no 200 MB of disk.
	if err := f.Truncate(200 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s := fixture.NewStore(t)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sum, err := Run(context.Background(), Config{PagesDir: dir}, s, nil)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Editions != 1 || len(sum.Failed) != 1 || sum.Failed[0].File != huge || !errors.Is(sum.Failed[0].Err, ErrTooLarge) {
		t.Fatalf("summary = %+v, want the sample saved and the huge file failed as too large", sum)
	}
	msg := sum.Failed[0].Error()
	for _, want := range []string{"2021-07-21.txt", "200 MB", "8 MB", "max_page_size"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("the run allocated %d MB: the huge file was read", alloc>>20)
	}
}

func TestIngestSizeLimitIsConfigurable(t *testing.T) {
	seed := fixture.SamplePage()
	dir := pagesDir(t, map[string][]byte{"2021-07-20.txt": seed})
	s := fixture.NewStore(t)
	sum, err := Run(context.Background(), Config{PagesDir: dir, MaxFileSize: int64(len(seed)) - 1}, s, nil)
	if err != nil || len(sum.Failed) != 1 || !errors.Is(sum.Failed[0].Err, ErrTooLarge) {
		t.Fatalf("one byte over the limit: %+v, %v", sum, err)
	}
	mustRun(t, Config{PagesDir: dir, MaxFileSize: int64(len(seed))}, s)
}

// TestIngestTruncatesWarningsInTheLog: a junk tail of 200 KB becomes a
// warning whose log line is short; the warning itself keeps the text.
func TestIngestTruncatesWarningsInTheLog(t *testing.T) {
	junk := strings.Repeat("乱码乱码乱码乱码乱码", 7000) // 210 KB, no sentence end
	page := append(fixture.SamplePage(), []byte("\n\n"+junk+"\n")...)
	dir := pagesDir(t, map[string][]byte{"2021-07-20.txt": page})
	var logs bytes.Buffer
	s := fixture.NewStore(t)
	sum := mustRun(t, Config{PagesDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, s)
	if sum.Warnings == 0 {
		t.Fatal("the junk tail gave no warning")
	}
	found := false
	for _, line := range strings.Split(logs.String(), "\n") {
		if len(line) > 1000 {
			t.Errorf("log line of %d bytes: %.200s...", len(line), line)
		}
		if strings.Contains(line, "乱码") && strings.Contains(line, "more bytes; paperboy parse FILE shows all") {
			found = true
		}
	}
	if !found {
		t.Errorf("no truncated warning in the log:\n%.2000s", logs.String())
	}
	ed, err := parse(file{path: filepath.Join(dir, "2021-07-20.txt")}, bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	full := false
	for _, w := range ed.Warnings {
		full = full || strings.Contains(w.String(), junk)
	}
	if !full {
		t.Error("the parser's warning lost the junk's full text")
	}
}
