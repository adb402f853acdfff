package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/fixture"
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

func TestWatcher(t *testing.T) {
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
			return Problems{{File: path, Line: 3, Message: "unknown key digest.shedule"}}
		}
		applied.Store(string(b))
		return nil
	}
	sigs := make(chan os.Signal, 1)
	w, err := NewWatcher(WatcherConfig{Path: path, Reload: reload, Debounce: 50 * time.Millisecond, Signals: sigs})
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
		fixture.WaitUntil(t, "reload of ok 2", func() bool { return applied.Load() == "ok 2" })
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
		fixture.WaitUntil(t, "failed reload", func() bool { return w.Status().LastError != "" })
		st := w.Status()
		if !strings.Contains(st.LastError, "config.toml:3: unknown key digest.shedule") || applied.Load() != "ok 2" || st.Reloads != 1 {
			t.Errorf("status = %+v, applied %v", st, applied.Load())
		}
		if len(st.Problems) != 1 || st.Problems[0].Line != 3 {
			t.Errorf("status problems = %+v, want the file's one problem at line 3", st.Problems)
		}
	})
	t.Run("SIGHUP reloads", func(t *testing.T) {
		if err := os.WriteFile(path, []byte("ok 3"), 0o644); err != nil { // in place: also an event, so count on the state only
			t.Fatal(err)
		}
		sigs <- nil
		fixture.WaitUntil(t, "reload of ok 3", func() bool { return applied.Load() == "ok 3" && w.Status().LastError == "" })
		if st := w.Status(); st.Problems != nil {
			t.Errorf("problems after a good reload = %+v, want none", st.Problems)
		}
	})
	t.Run("bytes already applied do not reload again", func(t *testing.T) {
		// The console saves and reloads at once; the write's own file
		// event, or a rewrite of the same bytes, must not reload again.
		writeAtomically(t, path, "ok 4")
		if err := w.ReloadNow(ctx); err != nil {
			t.Fatal(err)
		}
		before := calls.Load()
		writeAtomically(t, path, "ok 4")
		time.Sleep(300 * time.Millisecond)
		if n := calls.Load(); n != before {
			t.Errorf("reloads after rewriting the applied bytes = %d, want 0", n-before)
		}
		writeAtomically(t, path, "ok 5")
		fixture.WaitUntil(t, "reload of ok 5", func() bool { return applied.Load() == "ok 5" })
	})
	t.Run("SIGHUP reloads the same bytes", func(t *testing.T) {
		time.Sleep(200 * time.Millisecond) // the ok 5 event has settled
		before := calls.Load()
		sigs <- nil
		fixture.WaitUntil(t, "reload on SIGHUP", func() bool { return calls.Load() == before+1 })
	})
}
