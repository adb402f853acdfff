package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/paperboy-news/paperboy/admin"
	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/schedule"
)

// newConsole is the admin console of the daemon: one for the process, so
// sessions outlive reloads, reading the generation being served.
func (d *daemon) newConsole(logger *slog.Logger) *admin.Console {
	return admin.NewConsole(admin.ConsoleConfig{
		Admin:       d.admin,
		Scheduler:   d.sched,
		ConfigState: d.watcher,
		Store:       d.st,
		Current: func() (*config.Config, admin.DigestMailer) {
			g := d.gen.Load()
			return g.cfg, g.digests
		},
		Reload:    d.watcher.ReloadNow,
		LeaseName: schedule.LeaseName,
		DigestJob: func(digest string) string { return jobDigestPrefix + digest },
		Logger:    logger,
	})
}

// resumeOpenRun is "run now" for a digest that has an unfinished run
// within its window (cut short, or reopened by the console's "retry
// failed"): as with `paperboy digest NAME`, the run now is that run,
// resumed and sending only what is pending, not a new one. It reports
// whether there was one.
func (d *daemon) resumeOpenRun(ctx context.Context, g *generation, name string, catchUp time.Duration, now time.Time) (bool, error) {
	open, err := d.st.UnfinishedDigestRuns(ctx)
	if err != nil {
		return false, err
	}
	for _, r := range open {
		if r.Digest != name || catchUp <= 0 || now.Sub(r.Slot) > catchUp {
			continue
		}
		d.logger.Info("digest_run_resumed", "digest", name, "run", r.ID, "run_slot", r.Slot, "trigger", "manual")
		_, err := d.digestsForRun(g, name).RunWithProgress(ctx, name, r.Slot, d.countMessages(name))
		return true, err
	}
	return false, nil
}
