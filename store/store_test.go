package store

import (
	"context"
	"strings"
	"testing"
)

func TestOpenMigratesOnceAndReopens(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		path := db.fresh(t)
		s := db.openAt(t, path)
		want, _ := loadMigrations(db.driver)
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != len(want) {
			t.Fatalf("schema version = %d, %v; want %d", v, err, len(want))
		}
		s.Close()
		s = db.openAt(t, path)
		if v2, _ := s.SchemaVersion(ctx); v2 != v {
			t.Fatalf("reopen changed schema version %d -> %d", v, v2)
		}
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		path := db.fresh(t)
		s := db.openAt(t, path)
		if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '')`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err := db.reopen(ctx, path)
		if err == nil || !strings.Contains(err.Error(), "newer than this paperboy") {
			t.Fatalf("open newer schema: err = %v, want refusal", err)
		}
	})
}

func TestPragmas(t *testing.T) {
	s := testDB{driver: DriverSQLite}.open(t)
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
}

// TestOpenConcurrently: processes that open a new database at the same
// moment (the daemon starting while an admin runs ingest) all succeed and
// apply each migration once.
func TestOpenConcurrently(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		path := db.fresh(t)
		const n = 6
		errs := make(chan error, n)
		stores := make(chan *Store, n)
		for range n {
			go func() {
				s, err := db.reopen(ctx, path)
				errs <- err
				stores <- s
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("concurrent open: %v", err)
			}
			if s := <-stores; s != nil {
				defer s.Close()
			}
		}
		s := db.openAt(t, path)
		var rows, distinct int
		if err := s.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
			t.Fatal(err)
		}
		want, _ := loadMigrations(db.driver)
		if rows != len(want) || distinct != len(want) {
			t.Fatalf("schema_migrations has %d rows (%d versions); want %d", rows, distinct, len(want))
		}
	})
}

// TestMigrationsMatch: both engines count the same schema versions, so a
// migration added for one without the other fails here, not at a
// publisher's upgrade.
func TestMigrationsMatch(t *testing.T) {
	lite, err := loadMigrations(DriverSQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := loadMigrations(DriverPostgres)
	if err != nil {
		t.Fatal(err)
	}
	for i := range max(len(lite), len(pg)) {
		switch {
		case i >= len(pg):
			t.Errorf("%s has no PostgreSQL counterpart: add migrations/postgres/%s", lite[i].name, lite[i].name)
		case i >= len(lite):
			t.Errorf("postgres/%s has no SQLite counterpart", pg[i].name)
		case lite[i].name != pg[i].name:
			t.Errorf("migration %d is %s on SQLite but %s on PostgreSQL", i+1, lite[i].name, pg[i].name)
		}
	}
}

func TestRebind(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", `SELECT 1`, `SELECT 1`},
		{"numbered in order", `UPDATE t SET a = ? WHERE b = ? AND c IN (?, ?)`, `UPDATE t SET a = $1 WHERE b = $2 AND c IN ($3, $4)`},
		{"string literal kept", `SELECT '?', ? FROM t WHERE x = 'it''s?'`, `SELECT '?', $1 FROM t WHERE x = 'it''s?'`},
		{"identifier kept", `SELECT "a?" FROM t WHERE b = ?`, `SELECT "a?" FROM t WHERE b = $1`},
		{"comment kept", "SELECT ? -- why?\nFROM t WHERE b = ?", "SELECT $1 -- why?\nFROM t WHERE b = $2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rebind(tt.in); got != tt.want {
				t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
