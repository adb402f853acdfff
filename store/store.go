// Package store keeps paperboy's articles, outbox and job history in SQLite
// (modernc.org/sqlite, pure Go; the default) or PostgreSQL (pgx). It is the
// only package that speaks SQL; the rest of the program calls its methods,
// the same on both engines (what differs between them is in dialect.go).
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

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/paperboy-news/paperboy/internal/fsutil"
)

// ErrNotFound is returned, wrapped, when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// timeLayout is how times are stored: UTC, fixed width, so TEXT sorts in
// time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Store is an open paperboy database.
type Store struct {
	db     *sql.DB
	path   string // the SQLite file, or a description of the PostgreSQL database without its password
	driver string // DriverSQLite or DriverPostgres
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
	return open(ctx, &Store{db: db, path: path, driver: DriverSQLite, now: time.Now})
}

// OpenPostgres opens the PostgreSQL database dsn names and brings its
// schema up to date; several processes may do so at once.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := openPostgres(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	return open(ctx, &Store{db: db, path: describeDSN(dsn), driver: DriverPostgres, now: time.Now})
}

// open migrates and checks the freshly opened s.
func open(ctx context.Context, s *Store) (*Store, error) {
	if err := s.migrateRetryingBusy(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if err := s.foldUnsubscribes(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store: open %s: %w", s.path, err)
	}
	return s, nil
}

// describeDSN names the database dsn points at for messages: host, port
// and database, never the password.
func describeDSN(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "postgres"
	}
	return fmt.Sprintf("postgres %s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}

// Driver is the engine the store runs on: DriverSQLite or DriverPostgres.
func (s *Store) Driver() string { return s.driver }

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
		_, err := tx.ExecContext(ctx, s.sql(foldUnsubscribesSQL))
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

// Path is the database file's path (PostgreSQL: its host, port and name).
func (s *Store) Path() string { return s.path }

type migration struct {
	version int
	name    string
	sql     string
}

// migrationDir holds each driver's migrations.
var migrationDir = map[string]string{DriverSQLite: "migrations", DriverPostgres: "migrations/postgres"}

func loadMigrations(driver string) ([]migration, error) {
	dir := migrationDir[driver]
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		body, err := fs.ReadFile(migrationFiles, dir+"/"+e.Name())
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
	ms, err := loadMigrations(s.driver)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Read committed on PostgreSQL (nil options): after waiting for the
	// lock, the version is read as the process before left it.
	err = runTx(ctx, s.db, nil, func(tx *sql.Tx) error {
		if q := s.sql(lockMigrations); q != "" {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
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
		if err == nil || !retryable(err) || time.Now().After(deadline) {
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
//
// On SQLite the transaction is immediate: it holds the write lock from the
// start, so transactions run one after another. On PostgreSQL it is
// serializable, the same guarantee without the single writer: when the
// server cannot keep it (another transaction interfered) fn runs again
// from the start, so fn must set nothing outside but what it sets afresh.
func (s *Store) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.driver != DriverPostgres {
		return runTx(ctx, s.db, nil, fn)
	}
	opts := &sql.TxOptions{Isolation: sql.LevelSerializable}
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		err := runTx(ctx, s.db, opts, fn)
		if err == nil || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

func runTx(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error from fn is the one that matters
		return err
	}
	return tx.Commit()
}

// PostgreSQL advisory lock keys the store takes (one 64-bit space per
// database): arbitrary, fixed numbers.
const (
	advisoryMigrate   = "7316000001" // migrations, one process at a time
	advisoryChangeLog = "7316000002" // change_log writers, so seq follows commit order (in the triggers)
)

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
