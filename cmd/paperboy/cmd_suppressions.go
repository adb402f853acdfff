package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"strings"
	"text/tabwriter"
	"time"

	"github.com/paperboy-news/paperboy/internal/address"
	"github.com/paperboy-news/paperboy/store"
)

const suppressionsUsage = `Lists, adds, removes or exports suppressed addresses: no digest goes to
them, whatever list names them. Bounces and complaints read from the bounce
mailbox add them; so can you.

  paperboy suppressions [list]                 address, reason, since when, evidence
  paperboy suppressions add [-note TEXT] ADDRESS...
  paperboy suppressions remove ADDRESS...      mail them again
  paperboy suppressions export [-o FILE]       CSV: address,reason,created_at,evidence
  paperboy suppressions read                   read the bounce mailbox now`

// runSuppressions is `paperboy suppressions SUBCOMMAND`.
func runSuppressions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// The subcommand comes first, or after the flags.
	sub, explicit := "list", false
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args, explicit = args[0], args[1:], true
	}
	fs, path := commandFlags("suppressions", "suppressions [list|add|remove|export|read] [flags] [ADDRESS...]", suppressionsUsage, stderr)
	note := fs.String("note", "", "add: why, kept as the evidence")
	out := fs.String("o", "", "export: write the CSV to `file` instead of stdout")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	rest := fs.Args()
	if !explicit && len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	switch sub {
	case "list", "export", "read":
		if len(rest) > 0 {
			return fmt.Errorf("%w: suppressions %s takes no addresses, got %q", errUsage, sub, rest)
		}
	case "add", "remove":
		if len(rest) == 0 {
			return fmt.Errorf("%w: suppressions %s needs one or more addresses", errUsage, sub)
		}
	default:
		return fmt.Errorf("%w: suppressions: unknown subcommand %q; want list, add, remove, export or read", errUsage, sub)
	}
	addrs := make([]string, 0, len(rest))
	for _, a := range rest {
		addr, err := address.Parse(a)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		addrs = append(addrs, addr)
	}
	c, st, err := openConfigured(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		for _, a := range addrs {
			added, err := st.Suppress(ctx, store.Suppression{Address: a, Reason: store.SuppressManual, Evidence: strings.TrimSpace(*note)})
			if err != nil {
				return err
			}
			if added {
				fmt.Fprintf(stdout, "suppressed %s\n", a)
			} else {
				fmt.Fprintf(stdout, "%s was suppressed already\n", a)
			}
		}
		return nil
	case "remove":
		var missing []string
		for _, a := range addrs {
			err := st.Unsuppress(ctx, a)
			switch {
			case errors.Is(err, store.ErrNotFound):
				missing = append(missing, a)
			case err != nil:
				return err
			default:
				fmt.Fprintf(stdout, "%s will get digests again\n", a)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("not suppressed: %s", strings.Join(missing, ", "))
		}
		return nil
	case "read":
		if c.Bounces.IMAPHost == "" {
			return fmt.Errorf("%s: bounces.imap_host is not set: there is no bounce mailbox to read", c.Path)
		}
		res, err := readBounces(ctx, c, st, c.Logger(stderr))
		if err != nil {
			// What it read before failing is in its log line; a summary
			// here would read as success.
			return err
		}
		fmt.Fprintf(stdout, "read %d message(s): %d hard bounce(s), %d soft, %d delayed, %d complaint(s), %d left alone; %d address(es) suppressed\n",
			res.Read, res.Hard, res.Soft, res.Delayed, res.Complaints, res.Unknown, res.Suppressed)
		return nil
	}
	list, err := st.Suppressions(ctx)
	if err != nil {
		return err
	}
	if sub == "export" {
		return exportSuppressions(list, *out, stdout)
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "no suppressed addresses")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tREASON\tSINCE\tEVIDENCE")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Address, s.Reason, s.Created.In(c.Site.Location).Format("2006-01-02 15:04 MST"), s.Evidence)
	}
	return tw.Flush()
}

// exportSuppressions writes list as CSV to path (atomically), or to stdout
// when path is "".
func exportSuppressions(list []store.Suppression, path string, stdout io.Writer) error {
	return writeOut(path, stdout, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"address", "reason", "created_at", "evidence"}); err != nil {
			return err
		}
		for _, s := range list {
			if err := cw.Write([]string{s.Address, s.Reason, s.Created.UTC().Format(time.RFC3339), csvSafe(s.Evidence)}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// csvSafe keeps a spreadsheet from running evidence text (a remote
// server's words) as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
