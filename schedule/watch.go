package schedule

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
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
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("schedule: watch %s: %w", dir, err)
	}
	defer w.Close()
	if err := watchTree(w, dir); err != nil {
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
			if ev.Has(fsnotify.Create) {
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

// ReloadFunc loads, validates and applies the configuration file. It
// returns the validation error (naming file:line and key) when the file is
// bad, in which case the running configuration must stay as it was.
type ReloadFunc func(ctx context.Context) error

// WatcherConfig configures a ConfigWatcher.
type WatcherConfig struct {
	// Path is the config file; its directory is watched.
	Path string
	// Reload is called after the file changes or on SIGHUP.
	Reload ReloadFunc
	// Debounce is the quiet time after a change before reloading; zero
	// means 300ms.
	Debounce time.Duration
	// Signals, if set, replaces SIGHUP as the reload signal source (tests).
	Signals <-chan os.Signal
	Logger  *slog.Logger
	Now     func() time.Time
	// LoadedAt is when the running configuration was loaded (at start).
	LoadedAt time.Time
}

// ConfigStatus is the config load state shown by /admin/status.
type ConfigStatus struct {
	Path        string    `json:"path"`
	LoadedAt    time.Time `json:"loaded_at"`             // when the running configuration was loaded
	LastAttempt time.Time `json:"last_attempt,omitzero"` // the latest reload attempt
	LastError   string    `json:"last_error,omitempty"`  // why the latest attempt failed; "" if it succeeded
	Reloads     int       `json:"reloads"`               // successful reloads since start
}

// ConfigWatcher reloads the configuration when its file changes or the
// process gets SIGHUP, and keeps the outcome for status.
type ConfigWatcher struct {
	cfg WatcherConfig
	log *slog.Logger

	mu     sync.Mutex
	status ConfigStatus
}

// NewConfigWatcher returns a watcher; Run starts it.
func NewConfigWatcher(cfg WatcherConfig) (*ConfigWatcher, error) {
	if cfg.Path == "" || cfg.Reload == nil {
		return nil, errors.New("schedule: config watcher needs a path and a reload function")
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = 300 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LoadedAt.IsZero() {
		cfg.LoadedAt = cfg.Now()
	}
	return &ConfigWatcher{cfg: cfg, log: cfg.Logger, status: ConfigStatus{Path: cfg.Path, LoadedAt: cfg.LoadedAt}}, nil
}

// Status is the config load state: when the running configuration was
// loaded, and the last reload error if the latest attempt failed.
func (w *ConfigWatcher) Status() ConfigStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// ReloadNow reloads at once and records the outcome, as a file change or
// SIGHUP would.
func (w *ConfigWatcher) ReloadNow(ctx context.Context) error {
	err := w.cfg.Reload(ctx)
	now := w.cfg.Now()
	w.mu.Lock()
	w.status.LastAttempt = now
	if err != nil {
		w.status.LastError = err.Error()
	} else {
		w.status.LastError = ""
		w.status.LoadedAt = now
		w.status.Reloads++
	}
	w.mu.Unlock()
	if err != nil {
		w.log.Error("config_reload_failed", "path", w.cfg.Path, "error", err, "action", "keeping the running configuration")
		return err
	}
	w.log.Info("config_reloaded", "path", w.cfg.Path)
	return nil
}

// Run watches until ctx is done. Reloads happen one at a time on Run's
// goroutines; a change during a reload triggers another.
func (w *ConfigWatcher) Run(ctx context.Context) error {
	sigs := w.cfg.Signals
	if sigs == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGHUP)
		defer signal.Stop(ch)
		sigs = ch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	requests := make(chan struct{}, 1)
	request := func() {
		select {
		case requests <- struct{}{}:
		default: // one queued already
		}
	}
	dir, name := filepath.Split(filepath.Clean(w.cfg.Path))
	if dir == "" {
		dir = "."
	}
	watchErr := make(chan error, 1)
	go func() {
		watchErr <- WatchDir(ctx, dir, func(n string) bool { return n == name }, w.cfg.Debounce, w.log, request)
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-watchErr:
			if err != nil {
				return err
			}
			return nil
		case <-sigs:
			w.log.Info("config_reload_signal", "path", w.cfg.Path)
			request()
		case <-requests:
			_ = w.ReloadNow(ctx) // logged and kept in Status
		}
	}
}
