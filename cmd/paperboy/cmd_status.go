package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/store"
)

// runStatus prints the recent runs of every digest with their delivery
// counts and last errors.
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := commandFlags("status", "status [-config FILE] [-n N]",
		"Shows each digest's recent runs: sent, pending, failed and the last errors.", stderr)
	n := fs.Int("n", 5, "show the last `n` runs of each digest")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 || *n < 1 {
		return fmt.Errorf("%w: status takes no arguments and -n of 1 or more", errUsage)
	}
	c, st, err := openConfigured(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	p := &summaryWriter{w: stdout}
	for _, d := range c.Digests {
		runs, err := st.RecentDigestRuns(ctx, d.Name, *n)
		if err != nil {
			return err
		}
		p.f("digest %s (%s):\n", d.Name, d.Schedule)
		if len(runs) == 0 {
			p.f("  no runs yet\n")
		}
		for _, r := range runs {
			subject := r.Subject
			if r.Status == store.RunSkipped {
				subject = "(nothing new)"
			}
			p.f("  %s  %-7s  sent %d, pending %d, failed %d, skipped %d  %s\n",
				r.Slot.In(c.Site.Location).Format("2006-01-02 15:04 MST"), r.Status,
				r.Counts.Sent, r.Counts.Pending, r.Counts.Failed, r.Counts.Skipped, subject)
			if r.Error != "" {
				p.f("      error: %s\n", r.Error)
			}
			if end, ok := mailer.WindowEnd(r.Slot, d.CatchUp); ok && r.Status == store.RunSending {
				p.f("      unfinished: sends (or is resumed by the next paperboy serve or digest) until %s; then what is left is skipped\n",
					end.In(c.Site.Location).Format(time.DateTime))
			}
			if r.Status == store.RunSending && !r.Counts.NextAttempt.IsZero() {
				p.f("      next retry: %s\n", r.Counts.NextAttempt.In(c.Site.Location).Format(time.DateTime))
			}
			for _, e := range r.LastErrors {
				p.f("      %s\n", e)
			}
		}
	}
	// Hook (mail, issue 13): the suppression list's size by reason.
	if err := suppressionStatus(ctx, p, st); err != nil {
		return err
	}
	return p.err
}
