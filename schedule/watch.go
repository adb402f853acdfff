package schedule

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchDir calls fn once things settle after files in dir, or in its
// subdirectories (a page's picture directory), whose base name satisfies
// match are created or written: events are debounced, so a file copied in
// many writes, or an editor's write-to-temp-then-rename, makes one call.
// It watches the directories rather than the files because editors
// replace files, which drops a watch on the file itself. fn runs on
// WatchDir's goroutine. WatchDir returns when ctx is done (nil) or the
// watch cannot be set up.
func WatchDir(ctx context.Context, dir string, match func(name string) bool, debounce time.Duration, log *slog.Logger, fn func()) error {
	return watch(ctx, dir, true, match, debounce, log, fn)
}

// WatchFile is WatchDir for one file, path (config.toml): it watches the
// file's directory but not those under it, so neither a file of the same
// name further down nor the writes of a database or pages kept beside it
// reach the watch.
func WatchFile(ctx context.Context, path string, debounce time.Duration, log *slog.Logger, fn func()) error {
	dir, name := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	return watch(ctx, dir, false, func(n string) bool { return n == name }, debounce, log, fn)
}

// watch is WatchDir, following subdirectories only if recursive.
func watch(ctx context.Context, dir string, recursive bool, match func(name string) bool, debounce time.Duration, log *slog.Logger, fn func()) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("schedule: watch %s: %w", dir, err)
	}
	defer w.Close()
	add := w.Add
	if recursive {
		add = func(d string) error { return watchTree(w, d) }
	}
	if err := add(dir); err != nil {
		return fmt.Errorf("schedule: watch %s: %w", dir, err)
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) {
				continue
			}
			if !match(filepath.Base(ev.Name)) {
				continue
			}
			if recursive && ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					// A new directory (pictures for a page) is watched
					// too; files already in it count as written now.
					if err := watchTree(w, ev.Name); err != nil {
						log.Warn("watch_error", "dir", ev.Name, "error", err)
					}
				}
			}
			timer.Reset(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			log.Warn("watch_error", "dir", dir, "error", err) // e.g. an event queue overflow; keep watching
			timer.Reset(debounce)
		case <-timer.C:
			fn()
		}
	}
}

// watchTree adds dir and every directory under it that is not hidden.
func watchTree(w *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if path != dir && d.Name()[0] == '.' {
			return filepath.SkipDir
		}
		return w.Add(path)
	})
}

// PageFile is a WatchDir filter for a pages directory: it ignores hidden
// files and editors' and copiers' temporary files.
func PageFile(name string) bool {
	if name == "" || name[0] == '.' || name[0] == '#' {
		return false
	}
	for _, suffix := range []string{"~", ".swp", ".swx", ".tmp", ".part", ".partial"} {
		if len(name) >= len(suffix) && name[len(name)-len(suffix):] == suffix {
			return false
		}
	}
	return true
}
