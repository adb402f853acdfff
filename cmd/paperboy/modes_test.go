//go:build unix

package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPrivateFileModesUnderUmask022 runs ingest, a preview and a digest
// run from a fresh clone with the common umask 022 and checks that
// everything holding subscriber data is owner-only.
func TestPrivateFileModesUnderUmask022(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "cmd-test-secret-0123456789")
	cfg := freshClone(t)
	dir := filepath.Dir(cfg)
	// Yesterday's edition, within the digest's period, so the run sends.
	yesterday := time.Now().In(mustZone(t, "Asia/Shanghai")).AddDate(0, 0, -1).Format(time.DateOnly)
	if err := os.Rename(filepath.Join(dir, "pages", "2021-07-20.txt"), filepath.Join(dir, "pages", yesterday+".txt")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	for _, args := range [][]string{
		{"ingest", "-config", cfg},
		{"digest", "daily", "-config", cfg, "-preview", filepath.Join(dir, "preview")},
		{"digest", "daily", "-config", cfg},
	} {
		if err := run(ctx, args, &stdout, &stderr); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, stderr.String())
		}
	}
	want := map[string]fs.FileMode{
		"data":               0o700,
		"data/paperboy.db":   0o600,
		"outbox":             0o700,
		"preview":            0o700,
		"preview/daily.html": 0o600,
		"preview/daily.txt":  0o600,
		"preview/daily.eml":  0o600,
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(emls) == 0 {
		t.Fatal("the digest run wrote no .eml files")
	}
	for _, p := range emls {
		want[strings.TrimPrefix(p, dir+"/")] = 0o600
	}
	// The WAL and shared-memory files exist while a connection is open;
	// open one to see the modes SQLite gives them.
	st := openStore(t, dir)
	if _, err := st.CountArticles(ctx); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(filepath.Join(dir, "data", "paperboy.db"+suffix)); err == nil {
			want["data/paperboy.db"+suffix] = 0o600
		}
	}
	if _, ok := want["data/paperboy.db-wal"]; !ok {
		t.Error("no -wal file while the database is open: the check of its mode did not run")
	}
	for rel, mode := range want {
		fi, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %#o, want %#o", rel, got, mode)
		}
	}
}
