package schedule

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/fixture"
)

func TestWatchDirPages(t *testing.T) {
	dir := t.TempDir()
	var fired atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- WatchDir(ctx, dir, PageFile, 100*time.Millisecond, nil, func() { fired.Add(1) }) }()
	time.Sleep(100 * time.Millisecond)
	// A page arriving in several writes, plus an editor's swap file.
	f, err := os.Create(filepath.Join(dir, "2021-07-20.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		f.WriteString("示范区新闻\n")
		time.Sleep(10 * time.Millisecond)
	}
	f.Close()
	os.WriteFile(filepath.Join(dir, ".2021-07-21.txt.swp"), []byte("x"), 0o644)
	fixture.WaitUntil(t, "the page watch to fire", func() bool { return fired.Load() > 0 })
	time.Sleep(300 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := fired.Load(); n != 1 {
		t.Fatalf("fired %d times, want 1", n)
	}
	if err := WatchDir(context.Background(), filepath.Join(dir, "missing"), PageFile, time.Second, nil, func() {}); err == nil {
		t.Fatal("watching a missing directory: no error")
	}
}

func TestPageFile(t *testing.T) {
	for name, want := range map[string]bool{
		"2021-07-20.txt": true, "page.md": true, ".hidden": false, "a.txt~": false,
		"a.txt.swp": false, "upload.part": false, "#a.txt#": false, "": false,
	} {
		if got := PageFile(name); got != want {
			t.Errorf("PageFile(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestWatchDirPictures: a picture dropped into a page's picture
// directory, existing or new, fires the watch as a page does.
func TestWatchDirPictures(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "2021-07-20")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	var fired atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go WatchDir(ctx, dir, PageFile, 50*time.Millisecond, nil, func() { fired.Add(1) })
	time.Sleep(100 * time.Millisecond)
	os.WriteFile(filepath.Join(existing, "1.jpg"), []byte("jpeg"), 0o644)
	fixture.WaitUntil(t, "the watch to fire for a picture in an existing directory", func() bool { return fired.Load() == 1 })

	fresh := filepath.Join(dir, "2021-07-21")
	if err := os.Mkdir(fresh, 0o755); err != nil {
		t.Fatal(err)
	}
	fixture.WaitUntil(t, "the watch to fire for a new directory", func() bool { return fired.Load() == 2 })
	time.Sleep(100 * time.Millisecond) // the new directory is being watched by now
	os.WriteFile(filepath.Join(fresh, "1.jpg"), []byte("jpeg"), 0o644)
	fixture.WaitUntil(t, "the watch to fire for a picture in the new directory", func() bool { return fired.Load() == 3 })
}

// TestWatchFile: a write of the file fires the watch; a file of the same
// name in a directory below, or another file beside it, does not.
func TestWatchFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	sub := filepath.Join(dir, "backup")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	var fired atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- WatchFile(ctx, path, 50*time.Millisecond, nil, func() { fired.Add(1) }) }()
	time.Sleep(100 * time.Millisecond) // let the watch start
	for _, p := range []string{filepath.Join(sub, "config.toml"), filepath.Join(dir, "paperboy.db")} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := fired.Load(); n != 0 {
		t.Errorf("fired %d times for other files, want 0", n)
	}
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	fixture.WaitUntil(t, "the file watch to fire", func() bool { return fired.Load() == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
