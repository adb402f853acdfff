package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/paperboy-news/paperboy/bounces"
	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
)

// jobBounces is the scheduled job that reads the bounce mailbox.
const jobBounces schedule.JobName = "bounces"

// checkProduction prints what the file would get wrong sending real mail
// (transport "smtp"), warnings included, and refuses it if there is
// anything more than warnings.
func checkProduction(c *config.Config, stderr io.Writer) error {
	for _, w := range c.Production.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	for _, p := range c.Production.Problems {
		fmt.Fprintln(stderr, p)
	}
	if n := len(c.Production.Problems); n > 0 {
		return fmt.Errorf("%s: %d problem(s) for sending real mail (transport \"smtp\"); fix them and run 'paperboy check' again", c.Path, n)
	}
	return nil
}

// logProduction logs what `paperboy check` says about sending real mail
// with c, for a daemon started (or reloaded) without running check: the
// warnings (DKIM off, no bounce handling) and the problems, which check
// refuses but the daemon runs with, so that a test setup against a local
// server still works.
func logProduction(logger *slog.Logger, c *config.Config) {
	for _, w := range c.Production.Warnings {
		logger.Warn("production_warning", "file", w.File, "line", w.Line, "key", w.Key, "problem", w.Message)
	}
	for _, p := range c.Production.Problems {
		logger.Warn("production_problem", "file", p.File, "line", p.Line, "key", p.Key, "problem", p.Message,
			"action", "real mail needs this fixed; run 'paperboy check'")
	}
}

// deliverabilitySummary adds DKIM (with the DNS record to publish) and
// bounce handling to check's summary.
func deliverabilitySummary(p *summaryWriter, c *config.Config) {
	if d := c.Mailer().Deliverability.DKIM; d != nil {
		record, err := d.Record()
		if err != nil {
			p.err = err
			return
		}
		p.f("dkim: signing as %s with selector %s (%s); publish this DNS TXT record:\n", d.Domain, d.Selector, c.DKIM.KeyFile)
		p.f("  %s. IN TXT %s\n", d.RecordName(), quoteTXT(record))
	} else {
		p.f("dkim: off (digests are not signed)\n")
	}
	b, pc := c.Bounces, c.BouncePoller().WithDefaults()
	switch {
	case b.ReturnPath == "":
		p.f("bounces: return path is smtp.from; bounces are not matched to recipients\n")
	case b.Cron == nil:
		p.f("bounces: return path %s (VERP); the bounce mailbox is not read\n", b.ReturnPath)
	default:
		p.f("bounces: return path %s (VERP); %s on %s:%d (%s) read %q; %d soft bounces in a row suppress\n",
			b.ReturnPath, pc.IMAP.Mailbox, pc.IMAP.Host, pc.IMAP.Port, pc.IMAP.TLS, b.Schedule, pc.SoftBounceLimit)
	}
}

// quoteTXT splits a TXT record's text into quoted strings of at most 255
// bytes, as DNS requires (a 2048-bit RSA key is longer).
func quoteTXT(s string) string {
	out := ""
	for len(s) > 0 {
		n := min(len(s), 255)
		if out != "" {
			out += " "
		}
		out += `"` + s[:n] + `"`
		s = s[n:]
	}
	return "( " + out + " )"
}

// readBounces reads the bounce mailbox once: the bounce job's work, and
// `paperboy suppressions read`.
func readBounces(ctx context.Context, c *config.Config, st *store.Store, logger *slog.Logger) (bounces.Result, error) {
	password, err := c.Bounces.IMAPPassword()
	if err != nil {
		return bounces.Result{}, err
	}
	secret, err := c.Unsubscribe.Secret()
	if err != nil && c.Bounces.ReturnPath != "" {
		// The tokens were made with it: without it none can be matched.
		return bounces.Result{}, err
	}
	var addrs []string
	for _, l := range c.Lists {
		rs, err := config.LoadRecipients(l)
		if err != nil {
			return bounces.Result{}, err
		}
		for _, r := range rs {
			addrs = append(addrs, r.Address)
		}
	}
	pc := c.BouncePoller()
	pc.IMAP.Password, pc.Secret, pc.Addresses, pc.Logger = password, secret, addrs, logger
	p, err := bounces.NewPoller(pc, st)
	if err != nil {
		return bounces.Result{}, err
	}
	res, err := p.Run(ctx)
	logger.Info("bounces_read", "read", res.Read, "hard", res.Hard, "soft", res.Soft, "delayed", res.Delayed,
		"complaints", res.Complaints, "left_alone", res.Unknown, "suppressed", res.Suppressed)
	return res, err
}

// suppressionStatus adds the suppression list's size, by reason, to
// `paperboy status`.
func suppressionStatus(ctx context.Context, p *summaryWriter, st *store.Store) error {
	counts, err := st.SuppressionCounts(ctx)
	if err != nil {
		return err
	}
	total := 0
	var parts []string
	for _, reason := range slices.Sorted(maps.Keys(counts)) {
		total += counts[reason]
		parts = append(parts, fmt.Sprintf("%s %d", reason, counts[reason]))
	}
	if total == 0 {
		p.f("suppressed addresses: none\n")
		return nil
	}
	p.f("suppressed addresses: %d (%s); see paperboy suppressions\n", total, strings.Join(parts, ", "))
	return nil
}
