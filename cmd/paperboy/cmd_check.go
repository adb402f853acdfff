package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
)

// runCheck validates the configuration file and prints what it sets up.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, help, err := configCommand("check", "Validates the configuration file and prints a summary; exits 1 if it has problems.", args, stderr)
	if help || err != nil {
		return err
	}
	return printSummary(stdout, c, time.Now())
}

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

// printSummary writes what the configuration sets up, in the order of
// config.toml's sections.
func printSummary(w io.Writer, c *config.Config, now time.Time) error {
	p := &summaryWriter{w: w}
	p.f("%s: ok\n", c.Path)
	p.f("site: %s, %s, %s, %s\n", c.Site.Title, c.Site.BaseURL, c.Site.Language, c.Site.Location)
	markdown := "off"
	if c.Content.MarkdownDir != "" {
		markdown = "in " + c.Content.MarkdownDir
	}
	p.f("content: page files in %s, Markdown %s\n", c.Content.PagesDir, markdown)
	p.f("store: %s\n", c.Store.Path)
	p.f("server: http://%s, feeds %s with %d items\n", c.Server.Listen, strings.Join(c.Feeds.Formats, "/"), c.Feeds.Items)
	switch c.SMTP.Transport {
	case "file":
		p.f("mail: written as .eml files into %s\n", c.SMTP.FileDir)
	default:
		p.f("mail: smtp %s:%d, tls %s, %g msg/s over %d connection(s)\n", c.SMTP.Host, c.SMTP.Port, c.SMTP.TLS, c.SMTP.Rate, c.SMTP.Connections)
	}
	p.f("%d topic(s):", len(c.Topics))
	for _, t := range c.Topics {
		p.f(" %s (%s)", t.Name, t.Slug)
	}
	p.f("\n%d list(s):\n", len(c.Lists))
	for _, l := range c.Lists {
		rs, err := config.LoadRecipients(l)
		if err != nil {
			return fmt.Errorf("list %s: %w", l.Name, err)
		}
		p.f("  %s: %d recipient(s)\n", l.Name, len(rs))
	}
	p.f("%d digest(s):\n", len(c.Digests))
	for _, d := range c.Digests {
		p.f("  %s: %q to %s; next %s\n", d.Name, d.Schedule, strings.Join(d.Lists, ", "), formatRuns(schedule.NextRuns(d.Cron, now, 3), c.Site.Location))
	}
	if c.Jobs.IngestCron != nil {
		p.f("ingest: %q; next %s", c.Jobs.Ingest, formatRuns(schedule.NextRuns(c.Jobs.IngestCron, now, 1), c.Site.Location))
	} else {
		p.f("ingest: not scheduled")
	}
	if c.Jobs.WatchPages {
		p.f("; also when a page file lands")
	}
	p.f("\n")
	return p.err
}

func formatRuns(runs []time.Time, loc *time.Location) string {
	s := make([]string, len(runs))
	for i, r := range runs {
		s[i] = r.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	return strings.Join(s, ", ")
}

// summaryWriter keeps the first write error so printSummary reports it
// once.
type summaryWriter struct {
	w   io.Writer
	err error
}

func (p *summaryWriter) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
