package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

// postgresEnv names the variable holding a connection string to a
// PostgreSQL server the tests may create databases on (.ci/with-postgres
// starts one and sets it).
const postgresEnv = "PAPERBOY_TEST_POSTGRES"

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
				needPostgres(t)
			}
			test(t, testDB{driver: d})
		})
	}
}

// needPostgres skips t, or fails it under CI, when no PostgreSQL server is
// configured.
func needPostgres(t testing.TB) {
	t.Helper()
	if os.Getenv(postgresEnv) != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set: CI runs the PostgreSQL half too (see .ci/with-postgres)", postgresEnv)
	}
	t.Skipf("PostgreSQL half skipped: set %s to a server's connection string, or run the tests through .ci/with-postgres", postgresEnv)
}

var testDatabases atomic.Int64

// fresh returns where a new, empty database is: a file path in a temporary
// directory, or the connection string of a database created for t and
// dropped after it.
func (d testDB) fresh(t testing.TB) string {
	t.Helper()
	if d.driver == DriverSQLite {
		return filepath.Join(t.TempDir(), "paperboy.db")
	}
	return freshPostgres(t)
}

// freshPostgres creates a database for t on the test server and returns its
// connection string; it is dropped when t ends.
func freshPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	name := fmt.Sprintf("paperboy_test_%d_%d", os.Getpid(), testDatabases.Add(1))
	admin, err := openPostgres(base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := openPostgres(base)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	cfg.Database = name
	return replaceDatabase(base, name)
}

// replaceDatabase is dsn (a URL) naming database instead.
func replaceDatabase(dsn, database string) string {
	scheme, rest, _ := strings.Cut(dsn, "://")
	hostPart, query, _ := strings.Cut(rest, "?")
	host, _, _ := strings.Cut(hostPart, "/")
	out := scheme + "://" + host + "/" + database
	if query != "" {
		out += "?" + query
	}
	return out
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

// exec runs a statement straight on s's database, for tests that set up
// states the API does not make.
func exec(t testing.TB, s *Store, query string, args ...any) sql.Result {
	t.Helper()
	res, err := s.db.Exec(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return res
}
