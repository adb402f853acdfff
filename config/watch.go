package config

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/paperboy-news/paperboy/schedule"
)

// ReloadFunc loads, validates and applies the configuration file. It
// returns the validation error (naming file:line and key) when the file is
// bad, in which case the running configuration must stay as it was.
type ReloadFunc func(ctx context.Context) error

// WatcherConfig configures a Watcher.
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

// LoadStatus is the configuration's load state shown by /admin/status.
type LoadStatus struct {
	Path        string    `json:"path"`
	LoadedAt    time.Time `json:"loaded_at"`             // when the running configuration was loaded
	LastAttempt time.Time `json:"last_attempt,omitzero"` // the latest reload attempt
	LastError   string    `json:"last_error,omitempty"`  // why the latest attempt failed; "" if it succeeded
	// Problems are LastError's problems when the file was refused (Load's
	// Problems), each with its file, line and key; nil when the latest
	// attempt succeeded or failed otherwise.
	Problems Problems `json:"-"`
	Reloads  int      `json:"reloads"` // successful reloads since start
}

// Watcher reloads the configuration when its file changes or the
// process gets SIGHUP, and keeps the outcome for status. It lives with the
// configuration it reloads; the scheduler only lends it WatchDir.
type Watcher struct {
	cfg WatcherConfig
	log *slog.Logger

	mu     sync.Mutex
	status LoadStatus
	// applied is the hash of the file's bytes at the latest reload attempt
	// (or at start), so that a file event that brings no new bytes (an
	// editor touching the file, the write of the console's own save, which
	// reloads at once) does not reload again.
	applied [32]byte
}

// NewWatcher returns a watcher; Run starts it.
func NewWatcher(cfg WatcherConfig) (*Watcher, error) {
	if cfg.Path == "" || cfg.Reload == nil {
		return nil, errors.New("config: watcher needs a path and a reload function")
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
	w := &Watcher{cfg: cfg, log: cfg.Logger, status: LoadStatus{Path: cfg.Path, LoadedAt: cfg.LoadedAt}}
	w.applied, _ = w.fileSum()
	return w, nil
}

// fileSum is the hash of the file's bytes now; ok is false when it can't
// be read (then a reload runs and reports why).
func (w *Watcher) fileSum() (sum [32]byte, ok bool) {
	data, err := os.ReadFile(w.cfg.Path)
	if err != nil {
		return sum, false
	}
	return sha256.Sum256(data), true
}

// Status is the config load state: when the running configuration was
// loaded, and the last reload error if the latest attempt failed.
func (w *Watcher) Status() LoadStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// ReloadNow reloads at once and records the outcome, as a file change or
// SIGHUP would.
func (w *Watcher) ReloadNow(ctx context.Context) error {
	if sum, ok := w.fileSum(); ok {
		w.mu.Lock()
		w.applied = sum
		w.mu.Unlock()
	}
	err := w.cfg.Reload(ctx)
	now := w.cfg.Now()
	w.mu.Lock()
	w.status.LastAttempt = now
	w.status.Problems = nil
	if err != nil {
		w.status.LastError = err.Error()
		errors.As(err, &w.status.Problems)
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

// unchanged reports whether the file holds the bytes of the latest reload.
func (w *Watcher) unchanged() bool {
	sum, ok := w.fileSum()
	w.mu.Lock()
	defer w.mu.Unlock()
	return ok && sum == w.applied
}

// Run watches until ctx is done. Reloads happen one at a time on Run's
// goroutines; a change during a reload triggers another.
func (w *Watcher) Run(ctx context.Context) error {
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
	var signalled atomic.Bool // a SIGHUP reloads even when the bytes are the same
	request := func() {
		select {
		case requests <- struct{}{}:
		default: // one queued already
		}
	}
	watchErr := make(chan error, 1)
	go func() { watchErr <- schedule.WatchFile(ctx, w.cfg.Path, w.cfg.Debounce, w.log, request) }()
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
			signalled.Store(true)
			request()
		case <-requests:
			if !signalled.Swap(false) && w.unchanged() {
				w.log.Debug("config_unchanged", "path", w.cfg.Path)
				continue
			}
			_ = w.ReloadNow(ctx) // logged and kept in Status
		}
	}
}
