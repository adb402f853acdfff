package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"
	"golang.org/x/text/language"

	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/schedule"
)

// tagAuthority is RFC 4151's taggingEntity: an authority name (a domain,
// or an email address) and a date, YYYY, YYYY-MM or YYYY-MM-DD.
var tagAuthority = regexp.MustCompile(`^[A-Za-z0-9.@_-]+,[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$`)

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

var (
	slugRE   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	envVarRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func (v *validator) build(f *fileConfig, dir string) *Config {
	c := &Config{Path: v.path, Dir: dir}
	v.site(f.Site, c)
	c.Content = Content{PagesDir: resolve(dir, f.Content.PagesDir), MarkdownDir: resolve(dir, f.Content.MarkdownDir)}
	if f.Content.PagesDir == "" {
		v.add("content.pages_dir", "must name the directory of page text files")
	}
	c.Store = Store{Path: resolve(dir, f.Store.Path)}
	if f.Store.Path == "" {
		v.add("store.path", "must name the database file")
	}
	v.server(f.Server, c)
	v.log(f.Log, c)
	v.feeds(f.Feeds, c)
	v.topics(f.Topics, c)
	v.smtp(f.SMTP, dir, c)
	c.Unsubscribe = Unsubscribe{SecretEnv: f.Unsubscribe.SecretEnv}
	v.envVar("unsubscribe.secret_env", f.Unsubscribe.SecretEnv, true)
	v.lists(f.Lists, dir, c)
	v.digests(f.Digests, c)
	v.jobs(f.Jobs, c)
	// Hook (mail, issue 13): [dkim], [bounces], and what check says about
	// running this file for real.
	v.deliverability(f, dir, c)
	v.production(c)
	return c
}

func (v *validator) site(f fileSite, c *Config) {
	c.Site = Site{
		Title:            f.Title,
		Description:      f.Description,
		Language:         f.Language,
		TimeZone:         f.TimeZone,
		PublisherAddress: f.PublisherAddress,
	}
	if strings.TrimSpace(f.Title) == "" {
		v.add("site.title", "must not be empty")
	}
	if u, err := url.Parse(f.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add("site.base_url", "%q is not an absolute http or https URL, e.g. \"https://news.example.org/\"", f.BaseURL)
	} else {
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		c.Site.BaseURL = u
	}
	if _, err := language.Parse(f.Language); err != nil {
		v.add("site.language", "%q is not a language tag, e.g. \"zh-CN\"", f.Language)
	}
	loc, err := time.LoadLocation(f.TimeZone)
	if err != nil || f.TimeZone == "" {
		v.add("site.time_zone", "%q is not a time zone, e.g. \"Asia/Shanghai\"", f.TimeZone)
		loc = time.UTC // so schedules can still be checked
	}
	c.Site.Location = loc
	if strings.ContainsAny(f.PublisherAddress, "\r\n") {
		v.add("site.publisher_address", "must be one line")
	}
}

func (v *validator) server(f fileServer, c *Config) {
	c.Server = Server{Listen: f.Listen, AdminTokenEnv: f.AdminTokenEnv}
	if _, port, err := net.SplitHostPort(f.Listen); err != nil {
		v.add("server.listen", "%q is not host:port, e.g. \"127.0.0.1:8080\"", f.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.add("server.listen", "port %q is not a number from 0 to 65535", port)
	}
	v.envVar("server.admin_token_env", f.AdminTokenEnv, true)
	c.Server.ShutdownTimeout = v.duration("server.shutdown_timeout", f.ShutdownTimeout, false)
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

func (v *validator) feeds(f fileFeeds, c *Config) {
	c.Feeds = Feeds{Items: f.Items, Formats: f.Formats, TagAuthority: f.TagAuthority}
	if c.Feeds.TagAuthority == "" && c.Site.BaseURL != nil {
		c.Feeds.TagAuthority = c.Site.BaseURL.Hostname() + ",2021"
	}
	if !tagAuthority.MatchString(c.Feeds.TagAuthority) {
		v.add("feeds.tag_authority", "%q is not a domain or email address, a comma and a date, e.g. \"news.example.org,2021\" or \"news.example.org,2021-07-20\"", f.TagAuthority)
	}
	if f.Items <= 0 {
		v.add("feeds.items", "must be a positive number, got %d", f.Items)
	}
	if len(f.Formats) == 0 {
		v.add("feeds.formats", "list at least one of \"rss\", \"atom\", \"json\"")
	}
	seen := map[string]bool{}
	for _, format := range f.Formats {
		switch {
		case format != "rss" && format != "atom" && format != "json":
			v.add("feeds.formats", "%q is not one of \"rss\", \"atom\", \"json\"", format)
		case seen[format]:
			v.add("feeds.formats", "%q is listed twice", format)
		}
		seen[format] = true
	}
}

func (v *validator) topics(fs []fileTopic, c *Config) {
	names, slugs := map[string]bool{}, map[string]bool{}
	for i, f := range fs {
		at := func(key string) string { return indexed("topics", i, key) }
		c.Topics = append(c.Topics, Topic{Name: f.Name, Slug: f.Slug, Keywords: f.Keywords})
		switch {
		case strings.TrimSpace(f.Name) == "":
			v.add(at("name"), "every topic needs a name")
		case names[f.Name]:
			v.add(at("name"), "topic name %q is used twice", f.Name)
		}
		names[f.Name] = true
		switch {
		case !slugRE.MatchString(f.Slug):
			v.add(at("slug"), "%q is not a slug: lower-case letters, digits and single hyphens, e.g. \"flood-control\"", f.Slug)
		case slugs[f.Slug]:
			v.add(at("slug"), "topic slug %q is used twice", f.Slug)
		}
		slugs[f.Slug] = true
		if len(f.Keywords) == 0 {
			v.add(at("keywords"), "topic %q needs at least one keyword", f.Name)
		}
		for _, k := range f.Keywords {
			if strings.TrimSpace(k) == "" {
				v.add(at("keywords"), "topic %q has an empty keyword, which would match every article", f.Name)
			}
		}
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
		FromName:    f.FromName,
		Rate:        f.Rate,
		Connections: f.Connections,
		Retries:     f.Retries,
	}
	switch f.Transport {
	case "file":
		if f.FileDir == "" {
			v.add("smtp.file_dir", "transport \"file\" needs the directory to write .eml files into")
		}
	case "smtp":
		if strings.TrimSpace(f.Host) == "" {
			v.add("smtp.host", "transport \"smtp\" needs the mail server's host name")
		}
	default:
		v.add("smtp.transport", "%q is not \"smtp\" or \"file\"", f.Transport)
	}
	if f.Port < 1 || f.Port > 65535 {
		v.add("smtp.port", "%d is not a port from 1 to 65535", f.Port)
	}
	if f.TLS != "mandatory" && f.TLS != "opportunistic" && f.TLS != "implicit" && f.TLS != "none" {
		v.add("smtp.tls", "%q is not \"mandatory\", \"opportunistic\", \"implicit\" or \"none\"", f.TLS)
	}
	v.envVar("smtp.password_env", f.PasswordEnv, f.User != "")
	if a, err := mail.ParseAddress(f.From); err != nil {
		v.add("smtp.from", "%q is not an email address: %v", f.From, err)
	} else {
		c.SMTP.From = a.Address
		if c.SMTP.FromName == "" {
			c.SMTP.FromName = a.Name
		}
	}
	if strings.ContainsAny(f.FromName, "\r\n") {
		v.add("smtp.from_name", "must be one line")
	}
	if f.Rate <= 0 {
		v.add("smtp.rate", "must be a positive number of messages per second, got %g", f.Rate)
	}
	if f.Connections <= 0 {
		v.add("smtp.connections", "must be a positive number, got %d", f.Connections)
	}
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
		l := List{Name: f.Name, Addresses: f.Addresses, File: resolve(dir, f.File), cfgPath: v.path, line: v.lines.line(at("addresses"))}
		c.Lists = append(c.Lists, l)
		switch {
		case !nameRE.MatchString(f.Name):
			v.add(at("name"), "%q is not a list name: letters, digits, '.', '_' and '-'", f.Name)
		case names[f.Name]:
			v.add(at("name"), "list name %q is used twice", f.Name)
		}
		names[f.Name] = true
		if len(f.Addresses) == 0 && f.File == "" {
			v.add(at("name"), "list %q needs addresses or a file of addresses", f.Name)
		}
		if _, err := LoadRecipients(l); err != nil {
			if ps, ok := err.(Problems); ok {
				v.problems = append(v.problems, ps...)
			} else {
				v.add(at("file"), "%v", err)
			}
		}
	}
}

func (v *validator) digests(fs []fileDigest, c *Config) {
	names := map[string]bool{}
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
		}
		switch {
		case !nameRE.MatchString(f.Name):
			v.add(at("name"), "%q is not a digest name: letters, digits, '.', '_' and '-'", f.Name)
		case names[f.Name]:
			v.add(at("name"), "digest name %q is used twice", f.Name)
		}
		names[f.Name] = true
		d.Cron = v.schedule(at("schedule"), f.Schedule, c.Site.Location, true)
		if len(f.Lists) == 0 {
			v.add(at("lists"), "digest %q goes to no list", f.Name)
		}
		for _, name := range f.Lists {
			if !slices.ContainsFunc(c.Lists, func(l List) bool { return l.Name == name }) {
				v.add(at("lists"), "list %q is not defined (add a [[lists]] entry with name = %q)", name, name)
			}
		}
		for _, slug := range f.Topics {
			if !slices.ContainsFunc(c.Topics, func(t Topic) bool { return t.Slug == slug }) {
				v.add(at("topics"), "topic %q is not defined (digest topics are [[topics]] slugs)", slug)
			}
		}
		if d.Subject != "" {
			if _, err := mailer.ParseSubject(d.Subject); err != nil {
				v.add(at("subject"), "bad template: %v (fields: .Site .Digest .Date .Lead .Count)", err)
			}
		}
		if f.CatchUp == "" {
			f.CatchUp = defaultCatchUp
		}
		d.CatchUp = v.duration(at("catch_up"), f.CatchUp, true)
		if f.Period != "" {
			d.Period = v.duration(at("period"), f.Period, false)
		} else if d.Cron != nil {
			d.Period = derivePeriod(d.Cron, c.Site.Location)
		}
		if f.MaxArticles < 0 {
			v.add(at("max_articles"), "must be 0 (no cap) or more, got %d", f.MaxArticles)
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
	c.Jobs.IngestCron = v.schedule("jobs.ingest", f.Ingest, c.Site.Location, false)
	v.schedule("jobs.feeds", f.Feeds, c.Site.Location, false) // checked here, parsed by the scheduler
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
// only if zeroOK.
func (v *validator) duration(path, s string, zeroOK bool) time.Duration {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		v.add(path, "%q is not a duration, e.g. \"30s\", \"15m\", \"3h\"", s)
	case d < 0 || (d == 0 && !zeroOK):
		v.add(path, "must be longer than zero, got %q", s)
	}
	return d
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
