package main

import (
	"log/slog"

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
		Logger:    logger,
	})
}
