package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/internal/fsutil"
	"github.com/paperboy-news/paperboy/store"
)

// The plumbing every command shares: flags, loading the configuration
// with its problems printed one per line, opening the configured store.

// configCommand parses the flags of a command that takes -config (and
// whatever flags defines) and no arguments, and loads the configuration,
// printing each problem on its own line to stderr. help reports that -h
// printed the usage and there is nothing more to do.
func configCommand(name, about string, args []string, stderr io.Writer, flags ...func(*flag.FlagSet)) (c *config.Config, help bool, err error) {
	fs, path := commandFlags(name, name+" [flags]", about, stderr)
	for _, define := range flags {
		define(fs)
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return nil, help, err
	}
	if fs.NArg() > 0 {
		return nil, false, fmt.Errorf("%w: %s takes no arguments, got %q", errUsage, name, fs.Args())
	}
	c, err = loadConfig(*path, stderr)
	return c, false, err
}

// storeCommand is configCommand for a command that works on the database:
// it also opens the configured store, which the caller closes.
func storeCommand(ctx context.Context, name, about string, args []string, stderr io.Writer, flags ...func(*flag.FlagSet)) (c *config.Config, st *store.Store, help bool, err error) {
	c, help, err = configCommand(name, about, args, stderr, flags...)
	if help || err != nil {
		return nil, nil, help, err
	}
	st, err = openConfiguredStore(ctx, c)
	return c, st, false, err
}

// commandFlags is the flag set of a command that reads the configuration:
// usage and flag errors go to stderr, -config names the file, and -h
// prints "usage: paperboy SYNOPSIS", then about, then the flags.
func commandFlags(name, synopsis, about string, stderr io.Writer) (fs *flag.FlagSet, configPath *string) {
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath = config.PathFlag(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: paperboy %s\n%s\n", synopsis, about)
		fs.PrintDefaults()
	}
	return fs, configPath
}

// parseFlags parses args into fs. help reports that -h printed the usage
// and there is nothing more to do; any other flag error wraps errUsage.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, fmt.Errorf("%w: %v", errUsage, err)
	}
	return false, nil
}

// openConfigured loads the configuration file at path, printing each
// problem to stderr, and opens its store, which the caller closes.
func openConfigured(ctx context.Context, path string, stderr io.Writer) (*config.Config, *store.Store, error) {
	c, err := loadConfig(path, stderr)
	if err != nil {
		return nil, nil, err
	}
	st, err := openConfiguredStore(ctx, c)
	return c, st, err
}

// loadConfig loads the configuration file, printing each problem on its
// own line to w.
func loadConfig(path string, w io.Writer) (*config.Config, error) {
	c, err := config.Load(path)
	var problems config.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(w, p)
		}
		return nil, fmt.Errorf("%s: %d problem(s); fix them and run 'paperboy check'", path, len(problems))
	}
	return c, err
}

// openConfiguredStore opens the configured database, creating its
// directory if needed.
func openConfiguredStore(ctx context.Context, c *config.Config) (*store.Store, error) {
	if c.Store.Driver == store.DriverPostgres {
		dsn := c.Store.DSN()
		if dsn == "" {
			return nil, fmt.Errorf("store: %s (store.dsn_env) is empty: set it to the PostgreSQL connection string", c.Store.DSNEnv)
		}
		return store.OpenPostgres(ctx, dsn)
	}
	if err := fsutil.MkdirPrivate(filepath.Dir(c.Store.Path)); err != nil {
		return nil, fmt.Errorf("store directory: %w", err)
	}
	return store.Open(ctx, c.Store.Path)
}
