// Package store keeps paperboy's articles, outbox and job history in SQLite
// (modernc.org/sqlite, pure Go). It is the only package that speaks SQL; the
// rest of the program calls its methods.
//
// The SQL sticks to standard forms where one exists, so that a PostgreSQL
// backend can follow with the same methods.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/paperboy-news/paperboy/internal/fsutil"
)

// ErrNotFound is returned, wrapped, when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

//go:embed migrations/*.sql
var migrationFiles embed.FS

// timeLayout is how times are stored: UTC, fixed width, so TEXT sorts in
// time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Store is an open paperboy database.
type Store struct {
	db   *sql.DB
	path string
	// now is the clock; tests may replace it.
	now func() time.Time
	// stmts caches prepared statements; see stmtCache.
	stmts stmtCache
}

// Open opens (creating if needed) the SQLite database at path and brings its
// schema up to date. It refuses a database whose schema is newer than this
// binary knows.
func Open(ctx context.Context, path string) (*Store, error) {
	// SQLite creates a new database file 0644 less the umask, and its -wal
	// and -shm files with the database file's mode: make the file first,
	// owner-only, so all three hold subscribers' addresses privately.
	if err := fsutil.PrivateFileAt(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	q := url.Values{}
	// busy_timeout first: the pragmas run in order on every new
	// connection, and switching a new file to WAL takes a lock that
	// another process opening it at the same moment must wait for.
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Checkpoint every ~40 MB of WAL rather than SQLite's 4 MB: pages a
	// bulk ingest rewrites in many transactions (index interiors) are
	// copied back once, not once per few editions (+9% ingest throughput).
	q.Add("_pragma", "wal_autocheckpoint(10000)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: time.Now}
	if err := s.migrateRetryingBusy(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := s.foldUnsubscribes(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return s, nil
}

// foldUnsubscribes brings unsubscribes recorded before addresses were
// matched by one rule (internal/address: ASCII case folded) into that
// form, so that the reader who left as "Zhang@example.org" stays away when
// a list spells the address "zhang@example.org". It is a data fix, not a
// schema change: it writes only when such rows exist, and SQLite's lower()
// folds exactly what address.Key folds.
func (s *Store) foldUnsubscribes(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM unsubscribes WHERE address <> lower(address)`).Scan(&n); err != nil {
		return fmt.Errorf("fold unsubscribed addresses: %w", err)
	}
	if n == 0 {
		return nil
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		// A row whose folded form is already there is a duplicate: it goes.
		if _, err := tx.ExecContext(ctx, `UPDATE OR IGNORE unsubscribes SET address = lower(address) WHERE address <> lower(address)`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM unsubscribes WHERE address <> lower(address)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("fold unsubscribed addresses: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmts.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		body, err := fs.ReadFile(migrationFiles, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the embedded migrations the database lacks, all in one
// immediate transaction together with their rows in schema_migrations:
// another process opening the same database at the same moment waits for
// it (busy timeout) and then finds the schema current, and a failed
// upgrade leaves the database as it was.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL)`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return err
		}
		if current > len(ms) {
			return fmt.Errorf("database schema version %d is newer than this paperboy (knows %d): upgrade paperboy or use another database", current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, formatTime(s.now())); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrateRetryingBusy runs migrate, trying again for a while when SQLite
// answers busy without waiting: while another process converts a brand-new
// file to WAL, a connection opening it can be refused at once (the busy
// handler is not consulted on that path), which a moment later succeeds.
func (s *Store) migrateRetryingBusy(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		err := s.migrate(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (or an extended code
// of it).
func isBusy(err error) bool {
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		return coder.Code()&0xff == 5
	}
	return false
}

// SchemaVersion is the number of the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// withTx runs fn in a transaction, committing if it returns nil and rolling
// back otherwise.
func (s *Store) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error from fn is the one that matters
		return err
	}
	return tx.Commit()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stored time %q: %w", s, err)
	}
	return t, nil
}
