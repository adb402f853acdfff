// Package pgtest gives tests a PostgreSQL database of their own on the
// server PAPERBOY_TEST_POSTGRES names (.ci/with-postgres starts a
// throw-away one and sets it). Without it, tests skip with a message;
// under CI=true they fail instead.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Env names the variable holding the test server's connection string (a
// URL).
const Env = "PAPERBOY_TEST_POSTGRES"

// Need skips t, or fails it under CI=true, when no test server is set.
func Need(t testing.TB) {
	t.Helper()
	if os.Getenv(Env) != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set: CI runs the PostgreSQL tests too (see .ci/with-postgres)", Env)
	}
	t.Skipf("PostgreSQL test skipped: set %s to a server's connection string, or run the tests through .ci/with-postgres", Env)
}

var databases atomic.Int64

// Fresh creates an empty database (UTF-8, C collation) for t and returns
// its connection string; it is dropped when t ends. It calls Need first.
func Fresh(t testing.TB) string {
	t.Helper()
	Need(t)
	base := os.Getenv(Env)
	dsn, err := url.Parse(base)
	if err != nil || dsn.Scheme == "" {
		// Not the error: it quotes the URL, password and all.
		t.Fatalf("pgtest: %s is not a URL like postgres://user:password@host:port/database", Env)
	}
	name := fmt.Sprintf("paperboy_test_%d_%d", os.Getpid(), databases.Add(1))
	admin := func(query string) error {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(context.Background(), query)
		return err
	}
	if err := admin(`CREATE DATABASE ` + name + ` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := admin(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	dsn.Path = "/" + name
	return dsn.String()
}
