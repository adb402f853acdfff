package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/site"
)

// runCheck validates the configuration file and prints what it sets up.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, help, err := configCommand("check", "Validates the configuration file and prints a summary; exits 1 if it has problems.", args, stderr)
	if help || err != nil {
		return err
	}
	// Left-out list lines do not stop serve, so they do not fail check.
	for _, w := range c.ListWarnings {
		fmt.Fprintf(stderr, "warning: %s (left out)\n", w)
	}
	// Hook (mail, issue 13): refuse what would go wrong with real mail.
	if err := checkProduction(c, stderr); err != nil {
		return err
	}
	return printSummary(stdout, c, time.Now())
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
	p.f("store: %s\n", c.Store.Describe())
	p.f("server: http://%s, feeds %s with %d items\n", c.Server.Listen, strings.Join(c.Feeds.Formats, "/"), c.Feeds.Items)
	switch c.SMTP.Transport {
	case "file":
		p.f("mail: written as .eml files into %s\n", c.SMTP.FileDir)
	default:
		p.f("mail: smtp %s:%d, tls %s, %g msg/s over %d connection(s)\n", c.SMTP.Host, c.SMTP.Port, c.SMTP.TLS, c.SMTP.Rate, c.SMTP.Connections)
		switch {
		case c.SMTP.User == "":
		case c.SMTP.AllowPlaintextAuth && c.SMTP.TLS != "mandatory" && c.SMTP.TLS != "implicit":
			p.f("  login %s: allow_plaintext_auth is on, so the password and the messages may cross in clear: only for a relay on this host\n", c.SMTP.User)
		case c.SMTP.TLS == "opportunistic":
			p.f("  login %s: TLS is required because a user is set (opportunistic acts as mandatory); a server without STARTTLS gets no password and no mail\n", c.SMTP.User)
		default:
			p.f("  login %s over TLS only; certificates verified\n", c.SMTP.User)
		}
	}
	p.f("%d topic(s):", len(c.Site.Topics))
	for _, t := range c.Site.Topics {
		p.f(" %s (%s)", t.Name, t.Slug)
	}
	p.f("\n%d list(s):\n", len(c.Lists))
	for _, l := range c.Lists {
		rs, warnings, err := config.ReadRecipients(l)
		if err != nil {
			return fmt.Errorf("list %s: %w", l.Name, err)
		}
		p.f("  %s: %d recipient(s)", l.Name, len(rs))
		if l.Signup {
			p.f(" configured, plus its confirmed subscribers; open for sign-up at %s as %q", c.Site.URL(site.SubscribePath), l.Title)
		}
		if len(warnings) > 0 {
			p.f(", %d line(s) left out (see the warnings)", len(warnings))
		}
		p.f("\n")
	}
	p.f("%d digest(s):\n", len(c.Digests))
	for _, d := range c.Digests {
		next := "next " + formatRuns(schedule.NextRuns(d.Cron, now, 3), c.Site.Location)
		if d.Paused {
			next = "paused (paused = true): not run on its schedule"
		}
		p.f("  %s: %q to %s; %s\n", d.Name, d.Schedule, strings.Join(d.Lists, ", "), next)
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
	deliverabilitySummary(p, c) // hook (mail, issue 13)
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
