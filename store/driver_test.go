package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/paperboy-news/paperboy/internal/pgtest"
)

// testDB is one engine the store's tests run on.
type testDB struct {
	driver string
}

// eachDriver runs test once on SQLite and once on PostgreSQL, as subtests
// named after the driver. Without a PostgreSQL server the second is skipped
// with a message, or fails under CI=true.
func eachDriver(t *testing.T, test func(t *testing.T, db testDB)) {
	t.Helper()
	for _, d := range []string{DriverSQLite, DriverPostgres} {
		t.Run(d, func(t *testing.T) {
			if d == DriverPostgres {
				pgtest.Need(t)
			}
			test(t, testDB{driver: d})
		})
	}
}

// fresh returns where a new, empty database is: a file path in a temporary
// directory, or the connection string of a database created for t and
// dropped after it.
func (d testDB) fresh(t testing.TB) string {
	t.Helper()
	if d.driver == DriverSQLite {
		return filepath.Join(t.TempDir(), "paperboy.db")
	}
	return pgtest.Fresh(t)
}

// reopen opens the database at loc (from fresh) again, as another process
// would.
func (d testDB) reopen(ctx context.Context, loc string) (*Store, error) {
	if d.driver == DriverPostgres {
		return OpenPostgres(ctx, loc)
	}
	return Open(ctx, loc)
}

// openAt opens loc, closing it when t ends.
func (d testDB) openAt(t testing.TB, loc string) *Store {
	t.Helper()
	s, err := d.reopen(context.Background(), loc)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// open opens a new, empty database, closed when t ends.
func (d testDB) open(t testing.TB) *Store {
	t.Helper()
	return d.openAt(t, d.fresh(t))
}
