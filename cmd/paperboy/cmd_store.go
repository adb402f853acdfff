package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/store"
)

const storeUsage = `Copies a database into the configured one, ids and outbox history intact:
the move from SQLite to PostgreSQL. The destination must be empty; stop
paperboy first, and point its [store] at the destination afterwards.

  paperboy store copy -from sqlite:PATH -to postgres [-config FILE]

-to postgres is the PostgreSQL database of [store] dsn_env in the
configuration (its driver may still be sqlite while you move).`

// runStore is `paperboy store copy`.
func runStore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "copy" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(stderr, "usage: paperboy store copy -from sqlite:PATH -to postgres\n"+storeUsage)
			return nil
		}
		return fmt.Errorf("%w: paperboy store copy -from sqlite:PATH -to postgres", errUsage)
	}
	fs, path := commandFlags("store copy", "store copy -from sqlite:PATH -to postgres [flags]", storeUsage, stderr)
	from := fs.String("from", "", "the database to copy: sqlite:`PATH`")
	to := fs.String("to", "", "the destination: postgres (the database [store] dsn_env names)")
	if help, err := parseFlags(fs, args[1:]); help || err != nil {
		return err
	}
	src, ok := strings.CutPrefix(*from, "sqlite:")
	if !ok || src == "" {
		return fmt.Errorf("%w: -from must be sqlite:PATH, got %q", errUsage, *from)
	}
	if *to != "postgres" {
		return fmt.Errorf("%w: -to must be postgres, got %q", errUsage, *to)
	}
	c, err := loadConfig(*path, stderr)
	if err != nil {
		return err
	}
	if c.Store.DSNEnv == "" || c.Store.DSN() == "" {
		return fmt.Errorf("store copy: set [store] dsn_env in %s to the variable holding the PostgreSQL connection string, and that variable", c.Path)
	}
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("store copy: %w", err)
	}
	fromSt, err := store.Open(ctx, src)
	if err != nil {
		return err
	}
	defer fromSt.Close()
	toSt, err := store.OpenPostgres(ctx, c.Store.DSN())
	if err != nil {
		return err
	}
	defer toSt.Close()
	start := time.Now()
	stats, err := store.Copy(ctx, fromSt, toSt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %s to %s in %s:", src, toSt.Path(), time.Since(start).Round(time.Millisecond))
	for _, t := range store.CopyTables {
		fmt.Fprintf(stdout, " %s %d", t, stats[t])
	}
	fmt.Fprintln(stdout)
	return nil
}
