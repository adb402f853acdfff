package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
)

// runDigest runs, previews or test-sends one digest.
func runDigest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := commandFlags("digest", "digest NAME [-config FILE] [-preview DIR] [-to ADDRESS]",
		"Without flags, runs the digest now through the outbox: every recipient once, resumable.", stderr)
	preview := fs.String("preview", "", "write NAME.html, NAME.txt and NAME.eml for one recipient into `dir`; send nothing")
	to := fs.String("to", "", "send one test message to `address` (outside the outbox); with -preview, preview for it")
	name, err := parseWithName(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	c, st, err := openConfigured(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	mcfg, err := mailerConfig(c, c.Logger(stderr))
	if err != nil {
		return err
	}
	mcfg = withSubscribers(mcfg, c, st)
	m, err := mailer.New(mcfg, st, st)
	if err != nil {
		return err
	}

	switch {
	case *preview != "":
		recipient := *to
		if recipient == "" {
			if recipient, err = firstRecipient(c, name); err != nil {
				return err
			}
		}
		res, err := m.Preview(ctx, name, recipient, *preview)
		if err != nil {
			return err
		}
		if res.Fallback != "" {
			fmt.Fprintf(stdout, "%s; previewing the latest edition, %s (a run now would send nothing)\n", res.Empty, res.Fallback)
		}
		fmt.Fprintf(stdout, "preview of %s for %s: %s (%d article(s))\n  %s\n  %s\n  %s\n",
			name, recipient, res.Subject, res.Articles, res.HTMLPath, res.TextPath, res.EML)
		if res.WouldSkip {
			fmt.Fprintln(stdout, "nothing new: a run now would send nothing (skip_empty)")
		}
		return nil
	case *to != "":
		sent, err := m.SendTest(ctx, name, *to)
		if err != nil {
			return err
		}
		if sent.Fallback != "" {
			fmt.Fprintf(stdout, "%s; sending the latest edition, %s (a run now would send nothing)\n", sent.Empty, sent.Fallback)
		}
		fmt.Fprintf(stdout, "sent a test of %s to %s: %d article(s) (Message-ID <%s>)\n", name, *to, sent.Articles, sent.MessageID)
		return nil
	}

	// While this command sends, it holds the scheduler lease: a daemon on
	// the same database would otherwise send the same run at the same time.
	err = schedule.WithLease(ctx, st, 0, func(ctx context.Context) error {
		return sendDigestNow(ctx, c, m, name, stdout)
	})
	if errors.Is(err, schedule.ErrLeaseHeld) {
		return fmt.Errorf("digest %s: a paperboy daemon runs the schedule on this database, and it sends digests: "+
			"ask it with POST /admin/jobs/%s/run, or stop it first (%w)", name, mailer.JobName(name), err)
	}
	return err
}

// sendDigestNow runs digest name through the mailer's lifecycle, the same
// as the daemon's: an unfinished run is resumed within its window (and
// then no new run starts) or closed past it; otherwise the run is for now.
func sendDigestNow(ctx context.Context, c *config.Config, m *mailer.Digests, name string, stdout io.Writer) error {
	var progress func(mailer.Progress)
	tty := isTerminal(stdout)
	if tty {
		progress = func(p mailer.Progress) {
			fmt.Fprintf(stdout, "\r\033[Ksent %d · failed %d · remaining %d · %.0f msg/s", p.Sent, p.Failed, p.Remaining, p.Rate)
		}
	}
	res, err := m.Run(ctx, name, time.Time{}, mailer.WithProgress(progress))
	if tty {
		fmt.Fprintln(stdout)
	}
	what := "new run"
	if res.Resumed {
		what = "resumed run"
	}
	fmt.Fprintf(stdout, "digest %s (%s %d for %s): %s, %d article(s); sent %d, failed %d, skipped %d, pending %d\n",
		name, what, res.RunID, res.Slot.In(c.Site.Location).Format(time.DateTime), res.Status, res.Articles, res.Sent, res.Failed, res.Skipped, res.Pending)
	if res.Error != "" {
		fmt.Fprintf(stdout, "  %s\n", res.Error)
	}
	return err
}

// parseWithName parses flags before and after the one NAME argument.
func parseWithName(fs *flag.FlagSet, args []string) (string, error) {
	var names []string
	for {
		help, err := parseFlags(fs, args)
		if err != nil {
			return "", err
		}
		if help {
			return "", flag.ErrHelp
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(names) != 1 {
		return "", fmt.Errorf("%w: %s takes one digest name, got %q", errUsage, fs.Name(), names)
	}
	return names[0], nil
}

// mailerConfig maps the configuration onto the mailer's, reading the SMTP
// password and the unsubscribe secret from the environment. The lists are
// read now and, if any has a file, again at each run through a ListReader.
func mailerConfig(c *config.Config, logger *slog.Logger) (mailer.Config, error) {
	password, err := c.SMTP.Password()
	if err != nil {
		return mailer.Config{}, err
	}
	secret, err := c.Unsubscribe.Secret()
	if errors.Is(err, config.ErrSecretUnset) && c.SMTP.Transport == "file" {
		// Nothing leaves the machine with the file transport: let a fresh
		// clone run the whole flow. The secret is random, so nobody can
		// forge a link the daemon accepts, and it lives only in this
		// process, so the links stop working when the process exits.
		logger.Warn("unsubscribe_secret_unset", "env", c.Unsubscribe.SecretEnv, "transport", "file",
			"consequence", "unsubscribe links in the .eml files only work while this process runs; set "+c.Unsubscribe.SecretEnv+" to keep them working")
		secret, err = processSecret(), nil
	}
	if err != nil {
		return mailer.Config{}, err
	}
	// Every list is in mc.Lists already, so a list whose file is empty
	// stays a defined list with no one on it.
	// A list file is not read here: the listReader streams it into the
	// outbox at each run, so a long one is never held in memory.
	mc := c.Mailer()
	for _, l := range c.Lists {
		if l.File != "" {
			mc.ListReader = listReader{c, logger}
			// config.Load read the file through already: log the lines
			// it left out now, at start, rather than read it again.
			logSkipped(logger, l, slices.DeleteFunc(slices.Clone(c.ListWarnings), func(w config.Problem) bool { return w.File != l.File }))
			if len(l.Addresses) == 0 {
				continue
			}
			l.File = ""
		}
		addrs, err := readList(l, logger)
		if err != nil {
			return mailer.Config{}, err
		}
		mc.Lists[l.Name] = append(mc.Lists[l.Name], addrs...)
	}
	mc.UnsubscribeSecret = secret
	mc.UnsubscribeOldSecrets = c.Unsubscribe.PreviousSecrets()
	mc.SMTP.Password = password
	mc.Logger = logger
	if c.Store.Driver == store.DriverPostgres {
		// Instances on one database send runs together, each its own
		// claimed batches; a dead one's are taken over after the same
		// time as its schedule.
		host, _ := os.Hostname()
		mc.Share = &mailer.Sharing{Holder: fmt.Sprintf("%s:%d", host, os.Getpid()), ClaimTTL: c.Store.FailoverTimeout}
	}
	return mc, nil
}

// listReader reads the configuration's recipient lists, files included,
// for the mailer at each run.
type listReader struct {
	c   *config.Config
	log *slog.Logger
}

// ReadList implements mailer.ListReader.
func (r listReader) ReadList(_ context.Context, name string) ([]string, error) {
	l, err := r.c.List(name)
	if err != nil {
		return nil, err
	}
	return readList(l, r.log)
}

// StreamList implements mailer.ListStreamer: the list's addresses are
// handed over as the file is read, so a run to a long list never holds it.
func (r listReader) StreamList(_ context.Context, name string, yield func(entry string) bool) error {
	l, err := r.c.List(name)
	if err != nil {
		return err
	}
	warnings, err := config.StreamRecipients(l, func(rc config.Recipient) bool { return yield(entryOf(rc)) })
	if err != nil {
		return err
	}
	logSkipped(r.log, l, warnings)
	return nil
}

// entryOf is a recipient as a list entry: with the reader's name, for the
// To header.
func entryOf(rc config.Recipient) string {
	if rc.Name != "" {
		return (&mail.Address{Name: rc.Name, Address: rc.Address}).String()
	}
	return rc.Address
}

// logSkipped logs the lines of l's file left out. They are logged at each
// read, so a typo in a list file shows in the log of every run until it
// is fixed.
func logSkipped(logger *slog.Logger, l config.List, warnings config.Problems) {
	for _, w := range warnings {
		logger.Warn("recipient_skipped", "list", l.Name, "file", w.File, "line", w.Line, "problem", w.Message,
			"action", "fix the line; the address gets no mail until then")
	}
}

// readList is list l's addresses as config parsed them. The lines left out
// are logged at each read, so a typo in a list file shows in the log of
// every run until it is fixed.
func readList(l config.List, logger *slog.Logger) ([]string, error) {
	rs, warnings, err := config.ReadRecipients(l)
	if err != nil {
		return nil, err
	}
	logSkipped(logger, l, warnings)
	addrs := make([]string, len(rs))
	for i, r := range rs {
		addrs[i] = entryOf(r)
	}
	return addrs, nil
}

// processSecret is the unsubscribe secret of a file-transport setup with
// none in the environment: random, made once per process so that links
// keep working across config reloads, never stored or logged.
var processSecret = sync.OnceValue(func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails; it crashes the program if it cannot read
	return b
})

// firstRecipient is the first address of the digest's first list, for a
// preview without -to.
func firstRecipient(c *config.Config, digest string) (string, error) {
	to, err := c.FirstRecipient(digest)
	if err != nil {
		return "", fmt.Errorf("%w; give -to ADDRESS", err)
	}
	return to, nil
}

// isTerminal reports whether w is a terminal (a character device), for
// progress lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
