package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperboy-news/paperboy/admin"
	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/ingest"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
	"github.com/paperboy-news/paperboy/subscribe"
	"github.com/paperboy-news/paperboy/web"
)

// runServe runs the daemon until ctx ends (SIGINT/SIGTERM): the web site
// and feeds, the unsubscribe and admin endpoints, and the scheduled jobs,
// reloading config.toml when it changes or on SIGHUP.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, help, err := configCommand("serve", "Runs paperboy: web pages, feeds, scheduled ingest and digests; reloads the config file on change or SIGHUP.", args, stderr)
	if help || err != nil {
		return err
	}
	return serve(ctx, c, stdout, stderr)
}

// generation is everything built from one configuration. A reload builds a
// new one and swaps it in whole; a job already running keeps the
// generation it started with, so it finishes under the old settings.
type generation struct {
	cfg     *config.Config
	site    *web.Site
	digests *mailer.Digests
	signup  *subscribe.Handler
	handler http.Handler
}

// daemon is the running process's state: what lives across reloads.
type daemon struct {
	logger  *slog.Logger
	st      *store.Store
	metrics *admin.Metrics
	sched   *schedule.Scheduler
	watcher *config.Watcher
	console *admin.Console
	gen     atomic.Pointer[generation]
	// admin serves /admin and /metrics, on every generation's mux or, with
	// server.admin_listen (adminListen, fixed at start), on its own.
	admin       *admin.Handler
	adminListen string
	// signupLimiter caps sign-up form posts per client IP across reloads.
	signupLimiter *subscribe.IPLimiter

	// reloadMu serialises reloads (a file change and SIGHUP may coincide)
	// and feed refreshes with them.
	reloadMu sync.Mutex
	// pages watches the pages directory; restarted when a reload moves it.
	pages pagesWatch
}

// pagesWatch is the running watcher of the pages directory.
type pagesWatch struct {
	dir    string
	cancel context.CancelFunc
	done   chan struct{}
}

func serve(ctx context.Context, c *config.Config, stdout, stderr io.Writer) error {
	logger := c.Logger(stderr)
	d := &daemon{logger: logger, metrics: admin.NewMetrics(), signupLimiter: defaultSignupLimiter()}

	st, err := openConfiguredStore(ctx, c)
	if err != nil {
		return err
	}
	d.st = st
	defer st.Close()
	if err := d.metrics.CountSuppressions(st); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if err := d.metrics.CountSubscribers(st); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logProduction(logger, c)

	var leaseTTL time.Duration // the scheduler's default
	if st.Driver() == store.DriverPostgres {
		// Instances share the database: the lease's life is how long a
		// dead leader keeps the others waiting.
		leaseTTL = c.Store.FailoverTimeout
	}
	d.sched, err = schedule.New(schedule.Config{
		Store:    st,
		Location: c.Site.Location,
		Logger:   logger,
		LeaseTTL: leaseTTL,
		OnRun:    func(r store.JobRun) { d.metrics.JobRun(r.Job, string(r.Outcome), r.Duration) },
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	d.watcher, err = config.NewWatcher(config.WatcherConfig{
		Path:     c.Path,
		Reload:   d.reload,
		Logger:   logger,
		LoadedAt: time.Now(),
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	d.admin, err = admin.New(admin.Config{
		Token:        c.Server.AdminToken(),
		TokenEnv:     c.Server.AdminTokenEnv,
		Scheduler:    d.sched,
		ConfigState:  d.watcher,
		Outbox:       d.st,
		Suppressions: d.st,
		Subscribers:  d.st,
		Metrics:      d.metrics,
		Logger:       d.logger,
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	d.adminListen = c.Server.AdminListen
	d.console = d.newConsole(logger)

	g, err := d.build(ctx, c)
	if err != nil {
		return err
	}
	d.gen.Store(g)

	ln, err := net.Listen("tcp", c.Server.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s (server.listen in %s): %w", c.Server.Listen, c.Path, err)
	}
	srv := newHTTPServer(d, logger)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if d.adminListen != "" {
		stopAdmin, err := d.serveAdmin(c)
		if err != nil {
			srv.Close()
			return err
		}
		defer stopAdmin()
	}
	defer func() {
		// The HTTP server stops after the scheduler (reverse start order):
		// unsubscribe links keep working while the last mails go out.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			logger.Warn("http_shutdown_failed", "err", err)
		}
		// Sign-ups answered are finished (their confirmation mails sent)
		// before the store closes, within the same five seconds.
		signedUp := make(chan struct{})
		go func() { d.gen.Load().signup.Wait(); close(signedUp) }()
		select {
		case <-signedUp:
		case <-sctx.Done():
			logger.Warn("signups_unfinished", "consequence", "their confirmation mails may not have gone; readers can sign up again")
		}
	}()

	// Jobs get a context of their own: SIGTERM stops new runs at once but
	// lets running ones finish, up to server.shutdown_timeout.
	startSched := func() error {
		g := d.gen.Load()
		jobs, err := d.scheduled(g)
		if err != nil {
			return err
		}
		if err := d.sched.Start(context.WithoutCancel(ctx), jobs); err != nil {
			return err
		}
		d.closeRemovedDigestRuns(ctx, g)
		if err := d.sched.Trigger(jobIngest, schedule.TriggerStartup); err != nil {
			logger.Warn("startup_ingest_not_triggered", "err", err)
		}
		return nil
	}
	standby := make(chan struct{})
	err = startSched()
	switch {
	case err == nil:
		close(standby)
	case errors.Is(err, schedule.ErrLeaseHeld):
		// Another instance runs the schedule (on SQLite: a second daemon,
		// or a hand-run digest sending): serve the site and feeds, and
		// take the schedule over when it is free. Only PostgreSQL's
		// instances share the sending meanwhile.
		logger.Info("scheduler_standby", "leader", err.Error(), "failover_timeout", c.Store.FailoverTimeout)
		hctx, stopHelping := context.WithCancel(ctx)
		helped := make(chan struct{})
		go func() {
			defer close(helped)
			if st.Driver() == store.DriverPostgres {
				d.helpSend(hctx)
			}
		}()
		go func() {
			defer close(standby)
			defer func() { stopHelping(); <-helped }()
			d.awaitSchedule(ctx, c.Store.FailoverTimeout, startSched)
		}()
	default:
		return fmt.Errorf("serve: %w", err)
	}
	defer func() {
		<-standby
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.gen.Load().cfg.Server.ShutdownTimeout)
		defer cancel()
		if err := d.sched.Stop(sctx); err != nil {
			logger.Warn("scheduler_stop_failed", "err", err)
		}
	}()

	wctx, stopWatching := context.WithCancel(ctx)
	// The pages watch starts before the config watcher, whose reloads move
	// it: d.pages is the reloads' from then on.
	d.watchPages(wctx, c)
	// Any process's change to the store reaches the feeds within a second.
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		// PostgreSQL notifies changes (another instance's ingest) at once;
		// the one-second poll stays the rule, and SQLite's only way.
		changes := st.Changes(wctx, func(err error) { logger.Warn("store_listen_failed", "err", err) })
		feed.Follow(wctx, time.Second, changes, func() *feed.Service { return d.gen.Load().site.Feeds() }, logger)
	}()
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if err := d.watcher.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("config_watch_failed", "err", err)
		}
	}()
	defer func() {
		stopWatching()
		<-watched
		<-followed
		d.stopPagesWatch()
	}()

	logger.Info("serving", "addr", ln.Addr().String(), "config", c.Path, "store", c.Store.Describe())
	fmt.Fprintf(stdout, "paperboy: serving http://%s\n", ln.Addr())

	select {
	case <-ctx.Done():
		logger.Info("shutting_down", "reason", context.Cause(ctx))
		return nil
	case <-d.sched.LeaseLost():
		return errors.New("serve: another paperboy took over the schedule on this database; stopping")
	case err := <-served:
		return fmt.Errorf("serve: http: %w", err)
	}
}

// newHTTPServer is an HTTP server of the daemon's, public or admin: its
// timeouts bound what a slow or stalled client holds, and its errors go to
// the log as warnings.
func newHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// ServeHTTP serves with the current generation's handler, so a reload
// switches the site without dropping connections.
func (d *daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.gen.Load().handler.ServeHTTP(w, r)
}

// serveAdmin serves /admin and /metrics on server.admin_listen, apart from
// the public listener; the returned func stops it.
func (d *daemon) serveAdmin(c *config.Config) (stop func(), err error) {
	ln, err := net.Listen("tcp", d.adminListen)
	if err != nil {
		return nil, fmt.Errorf("serve: listen on %s (server.admin_listen in %s): %w", d.adminListen, c.Path, err)
	}
	mux := http.NewServeMux()
	d.admin.Register(mux)
	d.console.Register(mux)
	srv := newHTTPServer(mux, d.logger)
	go srv.Serve(ln) //nolint:errcheck // ErrServerClosed after Shutdown
	d.logger.Info("serving_admin", "addr", ln.Addr().String())
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			d.logger.Warn("admin_http_shutdown_failed", "err", err)
		}
	}, nil
}

// build makes a generation from c: the site with its feeds rendered, the
// mailer (built once per generation; it reads list files at each run) and
// the HTTP routes. It changes nothing the daemon serves.
func (d *daemon) build(ctx context.Context, c *config.Config) (*generation, error) {
	mc, err := mailerConfig(c, d.logger)
	if err != nil {
		return nil, err
	}
	mc = withSubscribers(mc, c, d.st)
	digests, err := mailer.New(mc, d.st, d.st)
	if err != nil {
		return nil, err
	}
	site, err := newSite(c, d.st, d.logger, digests)
	if err != nil {
		return nil, err
	}
	if err := site.Feeds().Refresh(ctx); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	site.Register(mux)
	mux.Handle(mc.Site.Path(mc.UnsubscribePath), digests.UnsubscribeHandler())
	signup, err := subscribe.New(signupConfig(c, mc, digests, d.signupLimiter, d.logger), d.st, digests)
	if err != nil {
		return nil, err
	}
	signup.Register(mux)
	if d.admin != nil && d.adminListen == "" {
		d.admin.Register(mux)
		d.console.Register(mux)
	}
	return &generation{cfg: c, site: site, digests: digests, signup: signup, handler: web.AccessLog(d.logger, mux)}, nil
}

// reload loads the config file again; if it is valid, the new settings
// replace the old whole, otherwise nothing changes and the error (every
// problem with file:line and key) goes to the log and /admin/status.
func (d *daemon) reload(ctx context.Context) error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	old := d.gen.Load()
	c, err := config.Load(old.cfg.Path)
	if err != nil {
		return err
	}
	for _, k := range restartKeys(old.cfg, c) {
		d.logger.Warn("config_change_needs_restart", "key", k)
	}
	logProduction(d.logger, c)
	g, err := d.build(ctx, c)
	if err != nil {
		return err
	}
	jobs, err := d.scheduled(g)
	if err != nil {
		return err
	}
	if err := d.sched.Reload(ctx, jobs); err != nil {
		return err
	}
	d.gen.Store(g)
	d.closeRemovedDigestRuns(ctx, g)
	d.watchPages(ctx, c)
	return nil
}

// restartKeys names the settings that differ between a and b but only
// take effect at start.
func restartKeys(a, b *config.Config) []string {
	var keys []string
	if a.Server.Listen != b.Server.Listen {
		keys = append(keys, "server.listen")
	}
	if a.Server.AdminListen != b.Server.AdminListen {
		keys = append(keys, "server.admin_listen")
	}
	if a.Store != b.Store {
		keys = append(keys, "store")
	}
	if a.Log != b.Log {
		keys = append(keys, "log")
	}
	return keys
}

// scheduled is the scheduler's job set under generation g: ingest, feeds
// and bounces are the daemon's, each digest's job is the mailer's.
func (d *daemon) scheduled(g *generation) ([]schedule.Job, error) {
	return scheduleJobs(g.cfg, jobWork{
		ingest: func(ctx context.Context, _ time.Time, _ schedule.Trigger) error { return d.ingest(ctx, g) },
		feeds:  func(ctx context.Context, _ time.Time, _ schedule.Trigger) error { return d.refreshFeeds(ctx) },
		bounces: func(ctx context.Context, _ time.Time, _ schedule.Trigger) error {
			_, err := readBounces(ctx, g.cfg, d.st, d.logger)
			return err
		},
		digest: func(dc config.Digest) (schedule.Job, error) {
			return g.digests.Job(dc.Name, dc.ScheduledSpec(), g.cfg.Site.Location, func() func(mailer.Progress) { return d.countMessages(dc.Name) })
		},
	})
}

// ingest reads new and changed files and, if any article changed, has the
// feeds re-rendered.
func (d *daemon) ingest(ctx context.Context, g *generation) error {
	sum, err := ingest.Run(ctx, ingestConfig(g.cfg, d.logger), d.st, nil)
	d.metrics.ItemsIngested(sum.Added + sum.Updated)
	if sum.Changed() {
		if terr := d.sched.Trigger(jobFeeds, schedule.TriggerChain); terr != nil {
			d.logger.Warn("feeds_not_triggered", "err", terr)
		}
	}
	if err != nil {
		return err
	}
	for _, f := range sum.Failed {
		d.logger.Warn("ingest_file_skipped", "file", f.File, "err", f.Err)
	}
	if ferr := sum.Err(); ferr != nil {
		return fmt.Errorf("ingest: %d file(s) skipped: %w", len(sum.Failed), ferr)
	}
	if !sum.Changed() {
		return fmt.Errorf("%w: no new or changed files", schedule.ErrSkip)
	}
	return nil
}

// refreshFeeds re-renders the feeds of the site being served. It waits
// for a reload in progress, whose new site was rendered before this
// refresh's ingest finished: refreshing the old site would leave the new
// one stale.
func (d *daemon) refreshFeeds(ctx context.Context) error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	if err := d.gen.Load().site.Feeds().Refresh(ctx); err != nil {
		return err
	}
	d.metrics.FeedRendered()
	return nil
}

// countMessages is a run's progress callback that adds its messages to
// /metrics as they go.
func (d *daemon) countMessages(digest string) func(mailer.Progress) {
	var last mailer.Progress
	return func(p mailer.Progress) {
		d.metrics.MessagesSent(digest, p.Sent-last.Sent)
		d.metrics.MessagesFailed(digest, p.Failed-last.Failed)
		d.metrics.MessagesRetried(digest, p.Retried-last.Retried)
		last = p
	}
}

// closeRemovedDigestRuns has g's mailer close the unfinished runs of
// digests its configuration no longer has.
func (d *daemon) closeRemovedDigestRuns(ctx context.Context, g *generation) {
	if _, err := g.digests.CloseRemoved(ctx); err != nil {
		d.logger.Error("digest_runs_not_closed", "err", err)
	}
}

// watchPages starts (or moves) the watcher that ingests as soon as a page
// file lands, as c asks.
func (d *daemon) watchPages(ctx context.Context, c *config.Config) {
	dir := ""
	if c.Jobs.WatchPages {
		dir = c.Content.PagesDir
	}
	if dir == d.pages.dir {
		return
	}
	d.stopPagesWatch()
	if dir == "" {
		return
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	d.pages = pagesWatch{dir: dir, cancel: cancel, done: done}
	go func() {
		defer close(done)
		err := schedule.WatchDir(wctx, dir, schedule.PageFile, 2*time.Second, d.logger, func() {
			if err := d.sched.Trigger(jobIngest, schedule.TriggerWatch); err != nil {
				d.logger.Warn("watch_ingest_not_triggered", "err", err)
			}
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			d.logger.Error("pages_watch_failed", "dir", dir, "err", err)
		}
	}()
}

func (d *daemon) stopPagesWatch() {
	if d.pages.cancel != nil {
		d.pages.cancel()
		<-d.pages.done
	}
	d.pages = pagesWatch{}
}

// awaitSchedule tries start (taking the scheduler lease) every sixth of
// the failover timeout until it succeeds or ctx ends, so that a standby
// instance takes over within the timeout and a little more after the
// leader's last renewal.
func (d *daemon) awaitSchedule(ctx context.Context, failover time.Duration, start func() error) {
	t := time.NewTicker(max(failover/6, 500*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := start()
		switch {
		case err == nil:
			d.logger.Info("scheduler_took_over")
			return
		case !errors.Is(err, schedule.ErrLeaseHeld):
			d.logger.Error("scheduler_start_failed", "err", err)
		}
	}
}

// helpSend sends with the leader while this instance stands by: every
// second it joins the runs being sent (mailer.Digests.Help), until ctx
// ends (this instance took the schedule over, or stops).
func (d *daemon) helpSend(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := d.gen.Load().digests.Help(ctx)
		if err != nil && ctx.Err() == nil {
			d.logger.Warn("digest_help_failed", "err", err)
		}
		if n > 0 {
			d.logger.Info("digest_helped", "sent", n)
		}
	}
}
