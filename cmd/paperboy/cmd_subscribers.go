package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/internal/address"
	"github.com/paperboy-news/paperboy/internal/fsutil"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/store"
	"github.com/paperboy-news/paperboy/subscribe"
)

const subscribersUsage = `Lists and edits the subscribers of a list open for sign-up (signup = true).

  paperboy subscribers LIST [list]                     address, state, source, topics, since
  paperboy subscribers LIST add [-no-confirm REASON] ADDRESS...
  paperboy subscribers LIST remove [-forget] ADDRESS...
  paperboy subscribers LIST import [-no-confirm REASON] FILE.csv
  paperboy subscribers LIST export [-o FILE] [ADDRESS]

add and import send each address the confirmation mail a sign-up gets
(within the same daily limits); -no-confirm REASON skips it and records
REASON with each subscriber. The CSV has a header row with "address" and
optionally "topics" (slugs separated by spaces). remove -forget erases the
address everywhere (every list, deliveries, bounces) and keeps only its
hash in the suppression list, so no import brings it back. export ADDRESS
prints, as JSON, all paperboy keeps about that address.`

// runSubscribers is `paperboy subscribers LIST SUBCOMMAND`.
func runSubscribers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := commandFlags("subscribers", "subscribers LIST [list|add|remove|import|export] [flags] [ARG...]", subscribersUsage, stderr)
	noConfirm := fs.String("no-confirm", "", "add, import: skip the confirmation mail, recording `reason` (e.g. \"paper sign-up sheet, 2026-03 fair\")")
	forget := fs.Bool("forget", false, "remove: erase the address everywhere, keeping only its hash in the suppression list")
	out := fs.String("o", "", "export: write to `file` instead of stdout")
	// LIST, the subcommand and its arguments, with flags before, between
	// or after them.
	var pos []string
	for {
		for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			pos, args = append(pos, args[0]), args[1:]
		}
		if len(args) == 0 {
			break
		}
		if help, err := parseFlags(fs, args); help || err != nil {
			return err
		}
		args = fs.Args()
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: subscribers needs a list name", errUsage)
	}
	listName, sub, rest := pos[0], "list", []string(nil)
	if len(pos) > 1 {
		sub, rest = pos[1], pos[2:]
	}
	switch sub {
	case "list":
		if len(rest) > 0 {
			return fmt.Errorf("%w: subscribers %s list takes no arguments, got %q", errUsage, listName, rest)
		}
	case "add", "remove":
		if len(rest) == 0 {
			return fmt.Errorf("%w: subscribers %s %s needs one or more addresses", errUsage, listName, sub)
		}
	case "import":
		if len(rest) != 1 {
			return fmt.Errorf("%w: subscribers %s import needs one CSV file", errUsage, listName)
		}
	case "export":
		if len(rest) > 1 {
			return fmt.Errorf("%w: subscribers %s export takes at most one address", errUsage, listName)
		}
	default:
		return fmt.Errorf("%w: subscribers: unknown subcommand %q; want list, add, remove, import or export", errUsage, sub)
	}
	c, st, err := openConfigured(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := c.List(listName)
	if err != nil {
		return err
	}
	if !l.Signup && sub != "export" && sub != "remove" {
		return fmt.Errorf("list %q is not open for sign-up: set signup = true on it in %s, or edit its addresses there", l.Name, c.Path)
	}
	reason := strings.TrimSpace(*noConfirm)
	switch sub {
	case "add":
		return addSubscribers(ctx, c, st, l.Name, rest, nil, reason, store.SourceAdmin, stdout, stderr)
	case "import":
		addrs, topics, err := readSubscriberCSV(rest[0])
		if err != nil {
			return err
		}
		return addSubscribers(ctx, c, st, l.Name, addrs, topics, reason, store.SourceImport, stdout, stderr)
	case "remove":
		var missing []string
		for _, a := range rest {
			if *forget {
				if err := st.ForgetAddress(ctx, a); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "erased %s everywhere; its hash stays in the suppression list\n", a)
				for _, cl := range configListsNaming(c, a) {
					fmt.Fprintf(stdout, "warning: %s is still on list %s in %s (inline or its file): remove it there too, or digests keep going to it\n", a, cl, c.Path)
				}
				continue
			}
			err := st.RemoveSubscriber(ctx, l.Name, a)
			switch {
			case errors.Is(err, store.ErrNotFound):
				missing = append(missing, a)
			case err != nil:
				return err
			default:
				fmt.Fprintf(stdout, "removed %s from %s\n", a, l.Name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("not subscribers of %s: %s", l.Name, strings.Join(missing, ", "))
		}
		return nil
	case "export":
		if len(rest) == 1 {
			rec, err := st.AddressData(ctx, rest[0])
			if err != nil {
				return err
			}
			return writeOut(*out, stdout, func(w io.Writer) error {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(rec)
			})
		}
	}
	subs, err := st.Subscribers(ctx, l.Name)
	if err != nil {
		return err
	}
	if sub == "export" {
		return writeOut(*out, stdout, func(w io.Writer) error { return writeSubscriberCSV(w, subs) })
	}
	if len(subs) == 0 {
		fmt.Fprintf(stdout, "no subscribers on %s\n", l.Name)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tSTATE\tSOURCE\tTOPICS\tSINCE")
	for _, s := range subs {
		since := s.Created
		if !s.Confirmed.IsZero() {
			since = s.Confirmed
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Address, s.Status, s.Source, strings.Join(s.Topics, " "),
			since.In(c.Site.Location).Format("2006-01-02 15:04 MST"))
	}
	return tw.Flush()
}

// addSubscribers adds addrs to list: confirmed at once with a reason, or
// each sent the sign-up's confirmation mail.
func addSubscribers(ctx context.Context, c *config.Config, st *store.Store, list string, addrs []string, topics [][]string,
	reason, source string, stdout, stderr io.Writer) error {
	var h *subscribe.Handler
	if reason == "" {
		mc, err := mailerConfig(c, c.Logger(stderr))
		if err != nil {
			return err
		}
		mc = withSubscribers(mc, c, st)
		m, err := mailer.New(mc, st, st)
		if err != nil {
			return err
		}
		if h, err = subscribe.New(signupConfig(c, mc, m, nil, c.Logger(stderr)), st, m); err != nil {
			return err
		}
	}
	var problems []string
	for i, a := range addrs {
		var ts []string
		if i < len(topics) {
			ts = topics[i]
		}
		if h != nil {
			if err := h.Request(ctx, a, []string{list}, map[string][]string{list: ts}); err != nil {
				problems = append(problems, err.Error())
				continue
			}
			fmt.Fprintf(stdout, "%s: confirmation requested (a mail goes unless one went in the last 24 hours)\n", a)
			continue
		}
		addr, err := address.Parse(a)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		err = st.AddSubscriber(ctx, store.Subscriber{List: list, Address: addr, Topics: ts, Status: store.SubConfirmed, Source: source, Note: reason})
		if errors.Is(err, store.ErrForgotten) {
			problems = append(problems, fmt.Sprintf("%s: %v", addr, store.ErrForgotten))
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: subscribed without confirmation (%s)\n", addr, reason)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d address(es) not added:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return nil
}

// readSubscriberCSV reads an import file: a header row naming an
// "address" column and optionally "topics" (slugs separated by spaces).
func readSubscriberCSV(path string) (addrs []string, topics [][]string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: read the header row: %w", path, err)
	}
	ai, ti := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "address", "email":
			ai = i
		case "topics":
			ti = i
		}
	}
	if ai < 0 {
		return nil, nil, fmt.Errorf("%s:1: no \"address\" column in the header row %q", path, header)
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return addrs, topics, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if ai >= len(rec) || strings.TrimSpace(rec[ai]) == "" {
			continue
		}
		addrs = append(addrs, strings.TrimSpace(rec[ai]))
		var ts []string
		if ti >= 0 && ti < len(rec) {
			ts = strings.Fields(rec[ti])
		}
		topics = append(topics, ts)
	}
}

func writeSubscriberCSV(w io.Writer, subs []store.Subscriber) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"address", "status", "source", "topics", "created_at", "confirmed_at", "confirm_ip", "unsubscribed_at", "note"}); err != nil {
		return err
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, s := range subs {
		if err := cw.Write([]string{csvSafe(s.Address), string(s.Status), s.Source, strings.Join(s.Topics, " "),
			ts(s.Created), ts(s.Confirmed), s.ConfirmIP, ts(s.Unsubscribed), csvSafe(s.Note)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeOut writes with write to path (atomically) or, for "", to stdout.
func writeOut(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}
	// Private: it holds readers' addresses.
	return fsutil.WriteFileAtomic(path, 0o600, func(f *os.File) error { return write(f) })
}

// configListsNaming names the lists whose configured addresses or file
// hold addr: erasing it from the store does not take it off them.
func configListsNaming(c *config.Config, addr string) []string {
	var names []string
	for _, l := range c.Lists {
		rs, err := config.LoadRecipients(l)
		if err != nil {
			continue
		}
		for _, r := range rs {
			if address.Equal(r.Address, addr) {
				names = append(names, l.Name)
				break
			}
		}
	}
	return names
}
