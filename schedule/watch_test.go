package schedule

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// writeAtomically replaces path the way editors and deploy tools do: write
// a temporary file, then rename it over the original.
func writeAtomically(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestConfigWatcher(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	writeAtomically(t, path, "ok 1")
	var applied atomic.Value
	applied.Store("ok 1")
	var calls atomic.Int32
	reload := func(ctx context.Context) error {
		calls.Add(1)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasPrefix(string(b), "bad") {
			return errors.New(path + ":3: unknown key digest.shedule")
		}
		applied.Store(string(b))
		return nil
	}
	sigs := make(chan os.Signal, 1)
	w, err := NewConfigWatcher(WatcherConfig{Path: path, Reload: reload, Debounce: 50 * time.Millisecond, Signals: sigs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	time.Sleep(100 * time.Millisecond) // let the watch start

	t.Run("a replaced file reloads once", func(t *testing.T) {
		writeAtomically(t, path, "ok 2")
		waitUntil(t, "reload of ok 2", func() bool { return applied.Load() == "ok 2" })
		time.Sleep(200 * time.Millisecond)
		if n := calls.Load(); n != 1 {
			t.Errorf("reloads = %d, want 1 (debounced)", n)
		}
		if st := w.Status(); st.LastError != "" || st.Reloads != 1 {
			t.Errorf("status = %+v", st)
		}
	})
	t.Run("other files in the directory are ignored", func(t *testing.T) {
		before := calls.Load()
		writeAtomically(t, filepath.Join(dir, "recipients.txt"), "a@example.com")
		time.Sleep(200 * time.Millisecond)
		if calls.Load() != before {
			t.Error("a change to another file reloaded the config")
		}
	})
	t.Run("an invalid file keeps the old config and reports the error", func(t *testing.T) {
		writeAtomically(t, path, "bad")
		waitUntil(t, "failed reload", func() bool { return w.Status().LastError != "" })
		st := w.Status()
		if !strings.Contains(st.LastError, "config.toml:3: unknown key digest.shedule") || applied.Load() != "ok 2" || st.Reloads != 1 {
			t.Errorf("status = %+v, applied %v", st, applied.Load())
		}
	})
	t.Run("SIGHUP reloads", func(t *testing.T) {
		if err := os.WriteFile(path, []byte("ok 3"), 0o644); err != nil { // in place: also an event, so count on the state only
			t.Fatal(err)
		}
		sigs <- nil
		waitUntil(t, "reload of ok 3", func() bool { return applied.Load() == "ok 3" && w.Status().LastError == "" })
	})
}

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
	waitUntil(t, "the page watch to fire", func() bool { return fired.Load() > 0 })
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
	waitUntil(t, "the watch to fire for a picture in an existing directory", func() bool { return fired.Load() == 1 })

	fresh := filepath.Join(dir, "2021-07-21")
	if err := os.Mkdir(fresh, 0o755); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the watch to fire for a new directory", func() bool { return fired.Load() == 2 })
	time.Sleep(100 * time.Millisecond) // the new directory is being watched by now
	os.WriteFile(filepath.Join(fresh, "1.jpg"), []byte("jpeg"), 0o644)
	waitUntil(t, "the watch to fire for a picture in the new directory", func() bool { return fired.Load() == 3 })
}
