package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/site"
)

// validator turns a decoded fileConfig into a Config, collecting every
// problem on the way instead of stopping at the first.
type validator struct {
	path     string
	lines    keyLines
	problems Problems
}

// add records a problem with the key at path, e.g. "digests[1].schedule";
// the reported key drops the index, as the admin wrote it.
func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{
		File:    v.path,
		Line:    v.lines.line(path),
		Key:     unindexed(path),
		Message: fmt.Sprintf(format, args...),
	})
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

func unindexed(path string) string { return indexRE.ReplaceAllString(path, "") }

func indexed(table string, i int, key string) string {
	return table + "[" + strconv.Itoa(i) + "]." + key
}

// unknownKeys reports keys the decoder did not use, with the nearest known
// key as a suggestion. Under an unknown table only the table is reported.
func (v *validator) unknownKeys(keys []toml.Key) {
	seen := map[string]int{}
	reported := map[string]bool{}
	for _, k := range keys {
		plain := strings.Join(k, ".")
		n := seen[plain]
		seen[plain]++
		parent := strings.Join(k[:len(k)-1], ".")
		if reported[parent] {
			reported[plain] = true
			continue
		}
		reported[plain] = true
		known, ok := knownKeys[parent]
		if !ok {
			// Its parent is a known key holding a value, not a table.
			known = nil
		}
		msg := "unknown key " + plain
		if s := suggest(k[len(k)-1], known); s != "" {
			msg += "; did you mean " + s + "?"
		} else if len(known) > 0 {
			msg += "; known keys here: " + strings.Join(known, ", ")
		}
		v.problems = append(v.problems, Problem{File: v.path, Line: v.lines.nth(plain, n), Key: plain, Message: msg})
	}
}

// resolve makes a path from the file relative to its directory.
func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

var envVarRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// build checks what only the file knows (its paths, durations, cron specs,
// environment variable names and list files) and leaves every rule about
// the settings themselves to the packages that use them: site.New,
// feed.Config.Validate and mailer.Config.Validate, whose problems it puts
// at their lines. So whatever Load accepts, the services start with.
func (v *validator) build(f *fileConfig, dir string) *Config {
	c := &Config{Path: v.path, Dir: dir}
	v.site(f, c)
	c.Content = Content{PagesDir: resolve(dir, f.Content.PagesDir), MarkdownDir: resolve(dir, f.Content.MarkdownDir),
		MaxPageSize: v.size("content.max_page_size", f.Content.MaxPageSize)}
	if f.Content.PagesDir == "" {
		v.add("content.pages_dir", "must name the directory of page text files")
	}
	v.store(f.Store, dir, c)
	v.server(f.Server, c)
	v.admins(f.Server.AdminsFile, dir, c)
	v.log(f.Log, c)
	c.Feeds = Feeds{Items: f.Feeds.Items, Formats: f.Feeds.Formats, TagAuthority: f.Feeds.TagAuthority, Hubs: f.Feeds.Hubs}
	v.smtp(f.SMTP, dir, c)
	c.Unsubscribe = Unsubscribe{SecretEnv: f.Unsubscribe.SecretEnv, PreviousSecretEnvs: f.Unsubscribe.PreviousSecretEnvs}
	v.envVar("unsubscribe.secret_env", f.Unsubscribe.SecretEnv, true)
	for _, env := range f.Unsubscribe.PreviousSecretEnvs {
		v.envVar("unsubscribe.previous_secret_envs", env, true)
		if env == f.Unsubscribe.SecretEnv {
			v.add("unsubscribe.previous_secret_envs", "%s is secret_env itself; list only the variables holding earlier secrets", env)
		}
	}
	v.lists(f.Lists, dir, c)
	v.digests(f.Digests, c)
	v.jobs(f.Jobs, c)
	// Hook (mail, issue 13): [dkim] and [bounces] before the mailer's
	// settings, which carry them.
	v.deliverability(f, dir, c)
	v.environment(c)
	v.packageProblems(c.Feed(nil).Validate())
	v.packageProblems(c.Mailer().Validate())
	v.packageProblems(c.BouncePoller().Validate()) // hook (mail, issue 13)
	v.production(c)                                // hook (mail, issue 13)
	return c
}

// packageProblems puts a package's settings problems at the lines of the
// keys they name. A package's "no site" is left out: the site's own
// problems, which are why there is none, are reported instead.
func (v *validator) packageProblems(ps site.Problems) {
	for _, p := range ps {
		if p.Key != "site" {
			v.add(p.Key, "%s", p.Message)
		}
	}
}

// location is the site's time zone, or UTC when it is refused, so that
// schedules can still be checked.
func (c *Config) location() *time.Location {
	if c.Site == nil {
		return time.UTC
	}
	return c.Site.Location
}

func (v *validator) site(f *fileConfig, c *Config) {
	s := site.Settings{
		Title:            f.Site.Title,
		Description:      f.Site.Description,
		BaseURL:          f.Site.BaseURL,
		Language:         f.Site.Language,
		TimeZone:         f.Site.TimeZone,
		PublisherAddress: f.Site.PublisherAddress,
	}
	for _, t := range f.Topics {
		s.Topics = append(s.Topics, site.Topic{Name: t.Name, Slug: t.Slug, Keywords: t.Keywords})
	}
	st, ps := site.New(s)
	v.packageProblems(ps)
	c.Site = st
}

func (v *validator) server(f fileServer, c *Config) {
	c.Server = Server{Listen: f.Listen, AdminTokenEnv: f.AdminTokenEnv}
	v.listenPort("server.listen", f.Listen, `e.g. "127.0.0.1:8080"`)
	v.envVar("server.admin_token_env", f.AdminTokenEnv, true)
	c.Server.AdminListen = f.AdminListen
	if f.AdminListen != "" {
		n, ok := v.listenPort("server.admin_listen", f.AdminListen, `e.g. "127.0.0.1:9090"; "" serves /admin on listen`)
		if ok && f.AdminListen == f.Listen && n != 0 {
			v.add("server.admin_listen", "%q is listen itself; use another port, or \"\" to serve /admin on listen", f.AdminListen)
		}
	}
	c.Server.ShutdownTimeout = v.duration("server.shutdown_timeout", f.ShutdownTimeout, false)
	for _, p := range f.TrustedProxies {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				v.add("server.trusted_proxies", "%q is not an IP address or prefix, e.g. \"127.0.0.1\" or \"10.0.0.0/8\"", p)
				continue
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		c.Server.TrustedProxies = append(c.Server.TrustedProxies, prefix.Masked())
	}
}

// listenPort checks a host:port to listen on and returns its port; ok is
// false if it is not one, which it reports with hint.
func (v *validator) listenPort(path, addr, hint string) (port int, ok bool) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		v.add(path, "%q is not host:port, %s", addr, hint)
		return 0, false
	}
	if port, err = strconv.Atoi(p); err != nil || port < 0 || port > 65535 {
		v.add(path, "port %q is not a number from 0 to 65535", p)
		return 0, false
	}
	return port, true
}

func (v *validator) log(f fileLog, c *Config) {
	c.Log.Format = f.Format
	if f.Format != "text" && f.Format != "json" {
		v.add("log.format", "%q is not \"text\" or \"json\"", f.Format)
	}
	if err := c.Log.Level.UnmarshalText([]byte(f.Level)); err != nil {
		v.add("log.level", "%q is not one of debug, info, warn, error", f.Level)
		c.Log.Level = slog.LevelInfo
	}
}

func (v *validator) smtp(f fileSMTP, dir string, c *Config) {
	c.SMTP = SMTP{
		Transport:   f.Transport,
		FileDir:     resolve(dir, f.FileDir),
		Host:        f.Host,
		Port:        f.Port,
		TLS:         f.TLS,
		User:        f.User,
		PasswordEnv: f.PasswordEnv,
		From:        f.From,
		FromName:    f.FromName,
		Rate:        f.Rate,
		Connections: f.Connections,
		Retries:     f.Retries,
	}
	c.SMTP.AllowPlaintextAuth = f.AllowPlaintextAuth
	c.SMTP.CAFile = resolve(dir, f.CAFile)
	if f.CAFile != "" {
		if _, err := mailer.LoadCAFile(c.SMTP.CAFile); err != nil {
			v.add("smtp.ca_file", "%v", err)
		}
	}
	// from may carry the display name, "示范区新闻 <news@example.org>"; the
	// mailer judges the bare address.
	if a, err := mail.ParseAddress(f.From); err == nil {
		c.SMTP.From = a.Address
		if c.SMTP.FromName == "" {
			c.SMTP.FromName = a.Name
		}
	}
	v.envVar("smtp.password_env", f.PasswordEnv, f.User != "")
	// retries is the file's word for the mailer's MaxAttempts-1, whose
	// 0 means its default.
	if f.Retries < 0 {
		v.add("smtp.retries", "must be 0 or more, got %d", f.Retries)
	}
	c.SMTP.Backoff = v.duration("smtp.backoff", f.Backoff, false)
	c.SMTP.Timeout = v.duration("smtp.timeout", f.Timeout, false)
}

func (v *validator) lists(fs []fileList, dir string, c *Config) {
	names := map[string]bool{}
	for i, f := range fs {
		at := func(key string) string { return indexed("lists", i, key) }
		// Problems in the addresses go to their line, or the name's when
		// there are none.
		line, ok := v.lines.byPath[at("addresses")]
		if !ok {
			line = v.lines.line(at("name"))
		}
		l := List{Name: f.Name, Addresses: f.Addresses, File: resolve(dir, f.File), cfgPath: v.path, line: line,
			Signup: f.Signup, Title: content.OneLine(f.Title), Description: content.OneLine(f.Description)}
		if l.Title == "" {
			l.Title = l.Name
		}
		c.Lists = append(c.Lists, l)
		var ps site.Problems
		if !mailer.ValidName(f.Name) {
			ps.Add(at("name"), "%q is not a list name: letters, digits, '.', '_' and '-'", f.Name)
		} else {
			ps.Distinct(at("name"), "list name", f.Name, names)
		}
		v.packageProblems(ps)
		// Only the warnings are wanted: the list is streamed, not held.
		warnings, err := StreamRecipients(l, func(Recipient) bool { return true })
		c.ListWarnings = append(c.ListWarnings, warnings...)
		if err != nil {
			if ps, ok := err.(Problems); ok {
				v.problems = append(v.problems, ps...)
			} else {
				v.add(at("file"), "%v", err)
			}
		}
	}
}

func (v *validator) digests(fs []fileDigest, c *Config) {
	for i, f := range fs {
		at := func(key string) string { return indexed("digests", i, key) }
		d := Digest{
			Name:        f.Name,
			Schedule:    f.Schedule,
			Lists:       f.Lists,
			Topics:      f.Topics,
			Subject:     f.Subject,
			SkipEmpty:   f.SkipEmpty == nil || *f.SkipEmpty,
			MaxArticles: f.MaxArticles,
			Paused:      f.Paused,
		}
		d.Cron = v.schedule(at("schedule"), f.Schedule, c.location(), true)
		if f.CatchUp == "" {
			f.CatchUp = defaultCatchUp
		}
		// The mailer judges a digest's durations (mailer.Config.Validate);
		// here they are only parsed, so a bad one gets one message.
		d.CatchUp, _ = v.parseDuration(at("catch_up"), f.CatchUp)
		if f.Period != "" {
			var ok bool
			if d.Period, ok = v.parseDuration(at("period"), f.Period); ok && d.Period == 0 {
				v.add(at("period"), "must be longer than zero, got %q", f.Period)
			}
		} else if d.Cron != nil {
			d.Period = derivePeriod(d.Cron, c.location())
		}
		c.Digests = append(c.Digests, d)
	}
}

// derivePeriod is a digest's default period: the time between two of its
// runs, and at least a day, since editions are dated by day.
func derivePeriod(s interface{ Next(time.Time) time.Time }, loc *time.Location) time.Duration {
	ref := time.Date(2026, time.January, 5, 0, 0, 0, 0, loc)
	first := s.Next(ref)
	gap := s.Next(first).Sub(first)
	return max(gap, 24*time.Hour)
}

func (v *validator) jobs(f fileJobs, c *Config) {
	c.Jobs = Jobs{Ingest: f.Ingest, WatchPages: f.WatchPages, Feeds: f.Feeds}
	c.Jobs.IngestCron = v.schedule("jobs.ingest", f.Ingest, c.location(), false)
	v.schedule("jobs.feeds", f.Feeds, c.location(), false) // checked here, parsed by the scheduler
}

// schedule parses a cron spec; an empty one is allowed unless required.
func (v *validator) schedule(path, spec string, loc *time.Location, required bool) cron.Schedule {
	if spec == "" {
		if required {
			v.add(path, "needs a cron spec, e.g. \"0 7 * * *\" for 07:00 daily")
		}
		return nil
	}
	// The scheduler's own parser, so that what `paperboy check` accepts is
	// exactly what runs.
	s, err := schedule.ParseSpec(spec, loc)
	if err != nil {
		v.add(path, "bad %v", err)
		return nil
	}
	return s
}

// duration parses a Go duration such as "3h" or "90s"; zero is allowed
// only if zeroOK, a negative one never.
func (v *validator) duration(path, s string, zeroOK bool) time.Duration {
	d, ok := v.parseDuration(path, s)
	switch {
	case !ok:
	case d < 0 && zeroOK:
		v.add(path, "must be zero or longer, got %q", s)
	case d < 0 || (d == 0 && !zeroOK):
		v.add(path, "must be longer than zero, got %q", s)
	}
	return d
}

// parseDuration parses a duration whose range another package judges;
// ok is false if it is not one, which it reports.
func (v *validator) parseDuration(path, s string) (d time.Duration, ok bool) {
	d, err := time.ParseDuration(s)
	if err != nil {
		v.add(path, "%q is not a duration, e.g. \"30s\", \"15m\", \"3h\"", s)
		return 0, false
	}
	return d, true
}

// size parses a size such as "8MB", "512KB" or a plain number of bytes.
func (v *validator) size(path, s string) int64 {
	num, unit := strings.TrimSpace(s), int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(strings.ToUpper(num), u.suffix); ok {
			num, unit = strings.TrimSpace(rest), u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/unit {
		v.add(path, "%q is not a size, e.g. \"8MB\", \"512KB\"", s)
		return 0
	}
	return n * unit
}

// envVar checks the name of an environment variable holding a secret.
func (v *validator) envVar(path, name string, required bool) {
	switch {
	case name == "" && required:
		v.add(path, "must name an environment variable (secrets never go in this file)")
	case name != "" && !envVarRE.MatchString(name):
		v.add(path, "%q is not an environment variable name; put the secret in the environment and its name here", name)
	}
}

// store checks [store]: SQLite needs a path, PostgreSQL the variable
// holding its connection string.
func (v *validator) store(f fileStore, dir string, c *Config) {
	c.Store = Store{Driver: f.Driver, Path: resolve(dir, f.Path), DSNEnv: f.DSNEnv, FailoverTimeout: 15 * time.Second}
	switch f.Driver {
	case "", "sqlite":
		c.Store.Driver = "sqlite"
		if f.Path == "" {
			v.add("store.path", "must name the database file")
		}
	case "postgres":
		v.envVar("store.dsn_env", f.DSNEnv, true)
	default:
		v.add("store.driver", "%q is not a database driver: use \"sqlite\" (the default) or \"postgres\"", f.Driver)
	}
	if f.FailoverTimeout != "" {
		d, err := time.ParseDuration(f.FailoverTimeout)
		switch {
		case err != nil:
			v.add("store.failover_timeout", "%q is not a duration (e.g. \"15s\")", f.FailoverTimeout)
		case d < 3*time.Second || d > 10*time.Minute:
			v.add("store.failover_timeout", "%s is out of range: between 3s and 10m", d)
		default:
			c.Store.FailoverTimeout = d
		}
	}
}
