// Command paperboy publishes a newspaper's daily edition as feeds, web pages
// and an email digest. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: paperboy NAME [flags] [args].
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands in the order the usage shows them.
func commands() []command {
	return []command{
		{"serve", "run the daemon: web site, feeds, scheduled ingest and digests", runServe},
		{"check", "validate the configuration file and print a summary", runCheck},
		{"parse", "parse page files and print their items as JSON", runParse},
		{"ingest", "parse new or changed edition files into the database", runIngest},
		{"feeds", "write the feeds and web pages as static files", runFeeds},
		{"digest", "run, preview (-preview DIR) or test-send (-to ADDRESS) a digest", runDigest},
		{"status", "show recent digest runs with sent, pending and failed counts", runStatus},
		{"schedule", "list the jobs with their next runs and last run", runSchedule},
		{"subscribers", "list, add, remove, import or export the subscribers of a list open for sign-up", runSubscribers},
		{"admin-password", "print a named admin's line for server.admins_file (password on stdin)", runAdminPassword},
		{"suppressions", "list, add, remove or export suppressed addresses; read the bounce mailbox", runSuppressions},
		{"store", "copy a SQLite database into PostgreSQL (store copy -from sqlite:PATH -to postgres)", runStore},
	}
}

// errUsage marks an error the user can fix by reading the usage; main exits 2.
var errUsage = errors.New("usage")

func main() {
	// The first SIGINT/SIGTERM cancels ctx so the command shuts down
	// gracefully; NotifyContext's stop restores the default action, so a
	// second signal kills the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// SIGHUP means "reload" to the daemon; until its config watcher listens
	// (and after it stops, during shutdown) the default action would kill
	// the process, e.g. on a `systemctl reload` while it starts.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "paperboy:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "paperboy:", err)
		os.Exit(1)
	}
}

// run is the whole program minus the process: tests call it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("paperboy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(fs.Output()) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() == 0 {
		usage(stderr)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	name := fs.Arg(0)
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, fs.Args()[1:], stdout, stderr)
		}
	}
	if name == "help" {
		usage(stdout)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("%w: unknown command %q", errUsage, name)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: paperboy COMMAND [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'paperboy COMMAND -h' for a command's flags.")
}
