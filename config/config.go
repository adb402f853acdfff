// Package config loads and validates config.toml, paperboy's one
// configuration file, into typed values.
//
// Load reports every problem in the file at once, each with the file, line
// and key, so an admin fixes them in one pass and the daemon can refuse a
// bad reload while it keeps running the old configuration. Relative paths in
// the file are resolved against the file's own directory, so paperboy runs
// the same from any working directory. Secrets never live in the file: it
// names the environment variables that hold them.
//
// No other package reads config.toml: each takes its own Config struct, and
// the commands map these values onto them.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"

	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/site"
)

// DefaultPath is the configuration file used when neither the -config flag
// nor the PAPERBOY_CONFIG environment variable names one.
const DefaultPath = "config.toml"

// EnvPath is the environment variable that names the configuration file
// when the -config flag is not given.
const EnvPath = "PAPERBOY_CONFIG"

// PathFlag registers the -config flag on fs, the same way for every
// command: the flag wins, then $PAPERBOY_CONFIG, then DefaultPath.
func PathFlag(fs *flag.FlagSet) *string {
	return fs.String("config", DefaultFilePath(), "configuration `file` (env "+EnvPath+")")
}

// DefaultFilePath is the configuration file to use when no -config flag was
// given: $PAPERBOY_CONFIG if set, otherwise DefaultPath.
func DefaultFilePath() string {
	if p := os.Getenv(EnvPath); p != "" {
		return p
	}
	return DefaultPath
}

// Config is a loaded, validated config.toml.
type Config struct {
	// Path is the file it was loaded from, as given to Load.
	Path string
	// Dir is the directory relative paths in the file are resolved against.
	Dir string

	// Site is nil only in a configuration Load refused.
	Site        *Site
	Content     Content
	Store       Store
	Server      Server
	Log         Log
	Feeds       Feeds
	SMTP        SMTP
	Unsubscribe Unsubscribe
	Lists       []List
	// ListWarnings are the list-file lines left out as Load read them (see
	// ReadRecipients): check prints them, the daemon logs them at each
	// read, and none of them refuses the file.
	ListWarnings Problems
	Digests      []Digest
	Jobs         Jobs
	// DKIM, Bounces and Production: hook (mail, issue 13); see
	// deliverability.go and production.go.
	DKIM       DKIM
	Bounces    Bounces
	Production Production
}

// Site is the newspaper as readers see it, [site] and [[topics]],
// validated by package site.
type Site = site.Site

// Topic is one [[topics]] entry.
type Topic = site.Topic

// Content is where editions come from: [content].
type Content struct {
	// PagesDir holds page text files named by edition date (*.txt).
	PagesDir string
	// MarkdownDir holds web-only Markdown articles (*.md); empty disables them.
	MarkdownDir string
	// MaxPageSize is the largest page or Markdown file ingest reads, in
	// bytes; a larger one is refused unread.
	MaxPageSize int64
}

// Store is the database: [store].
type Store struct {
	// Driver is "sqlite" (the default) or "postgres".
	Driver string
	// Path is the SQLite database file.
	Path string
	// DSNEnv names the environment variable holding the PostgreSQL
	// connection string (it may carry a password, so it never sits in
	// config.toml).
	DSNEnv string
	// FailoverTimeout bounds how long the scheduler of a dead instance
	// keeps others waiting (PostgreSQL).
	FailoverTimeout time.Duration
}

// Describe names the database for messages: the SQLite file, or
// PostgreSQL and the variable holding its connection string (never the
// string, which may carry a password).
func (s Store) Describe() string {
	if s.Driver == "postgres" {
		return "postgres (connection string in $" + s.DSNEnv + ")"
	}
	return s.Path
}

// DSN is the PostgreSQL connection string, read from the environment.
func (s Store) DSN() string { return os.Getenv(s.DSNEnv) }

// Server is the HTTP server: [server].
type Server struct {
	// Listen is the host:port to listen on.
	Listen string
	// AdminTokenEnv names the environment variable holding the bearer token
	// of the /admin endpoints; see AdminToken.
	AdminTokenEnv string
	// ShutdownTimeout bounds how long running work may take to finish after
	// SIGINT/SIGTERM.
	ShutdownTimeout time.Duration
	// AdminListen, if set, is a separate host:port (e.g. 127.0.0.1:9090)
	// for /admin and /metrics, which then leave the public listener.
	AdminListen string
	// TrustedProxies are the reverse proxies (addresses or CIDR prefixes)
	// whose X-Forwarded-For names the client: the sign-up forms' per-IP
	// limits and the confirmation IP use it. Empty: the connection's
	// address is the client.
	TrustedProxies []netip.Prefix
	// AdminsFile, if set, lists the admin console's named admins with
	// their password hashes, read into Admins; the admin token logs in
	// too.
	AdminsFile string
	Admins     []Admin
}

// AdminToken reads the admin bearer token from its environment variable.
// An empty token means the admin endpoints are disabled.
func (s Server) AdminToken() string { return os.Getenv(s.AdminTokenEnv) }

// Log is logging: [log].
type Log struct {
	// Format is "text" or "json".
	Format string
	Level  slog.Level
}

// Feeds is the published feeds: [feeds]; see Feed for the feed
// package's settings made of them.
type Feeds struct {
	// Items is how many of the newest articles each feed carries.
	Items int
	// Formats are the formats published, a subset of "rss", "atom", "json".
	Formats []string
	// TagAuthority is the authority of every item's tag: URI (RFC 4151), as
	// written; "" derives it from base_url (see feed.Config).
	TagAuthority string
	// Hubs are the WebSub hubs every feed links and the daemon pings
	// after each change; none (off) by default.
	Hubs []string
}

// SMTP is how digests leave: [smtp].
type SMTP struct {
	// Transport is "smtp" (send through Host) or "file" (write each
	// message as an .eml file into FileDir).
	Transport string
	FileDir   string
	Host      string
	Port      int
	// TLS is "mandatory" (STARTTLS required), "opportunistic", "implicit"
	// (TLS from the first byte, port 465) or "none".
	TLS  string
	User string
	// PasswordEnv names the environment variable holding the password; see
	// Password.
	PasswordEnv string
	// From is the bare sender address; FromName its display name.
	From     string
	FromName string
	// Rate is the most messages per second, over all connections.
	Rate float64
	// Connections is how many connections send in parallel.
	Connections int
	// Retries is how many times a temporary failure is retried, starting
	// Backoff apart and doubling.
	Retries int
	Backoff time.Duration
	// Timeout bounds each SMTP command.
	Timeout time.Duration
	// AllowPlaintextAuth lets User log in over a connection without TLS,
	// for a relay on the same host; otherwise a User makes TLS mandatory.
	AllowPlaintextAuth bool
	// CAFile is a PEM file of extra trusted certificates (private CA).
	CAFile string
}

// Password reads the SMTP password from its environment variable. It is an
// error for a configured user to have no password set, unless the
// transport is not "smtp": the file transport logs in nowhere.
func (s SMTP) Password() (string, error) {
	if s.PasswordEnv == "" || s.Transport != "smtp" {
		return "", nil
	}
	p := os.Getenv(s.PasswordEnv)
	if p == "" && s.User != "" {
		return "", fmt.Errorf("config: smtp user %q: environment variable %s is not set", s.User, s.PasswordEnv)
	}
	return p, nil
}

// Unsubscribe is the unsubscribe links: [unsubscribe].
type Unsubscribe struct {
	// SecretEnv names the environment variable holding the HMAC secret
	// that signs unsubscribe links; see Secret.
	SecretEnv string
	// PreviousSecretEnvs name environment variables holding earlier
	// secrets, which still open the links of mail signed with them; see
	// PreviousSecrets.
	PreviousSecretEnvs []string
}

// PreviousSecrets reads the earlier unsubscribe secrets; an unset variable
// is skipped (its links stop working), not an error, so retiring a secret
// is removing it from the environment.
func (u Unsubscribe) PreviousSecrets() [][]byte {
	var out [][]byte
	for _, env := range u.PreviousSecretEnvs {
		if v := os.Getenv(env); v != "" {
			out = append(out, []byte(v))
		}
	}
	return out
}

// ErrSecretUnset is returned, wrapped, when a secret's environment variable
// is empty.
var ErrSecretUnset = errors.New("secret not set")

// Secret reads the unsubscribe secret from its environment variable; it
// wraps ErrSecretUnset when the variable is empty.
func (u Unsubscribe) Secret() ([]byte, error) {
	v := os.Getenv(u.SecretEnv)
	if v == "" {
		return nil, fmt.Errorf("config: unsubscribe secret: environment variable %s: %w", u.SecretEnv, ErrSecretUnset)
	}
	return []byte(v), nil
}

// List is a recipient list: one [[lists]] entry. LoadRecipients reads its
// addresses.
type List struct {
	Name string
	// Addresses are written inline in config.toml.
	Addresses []string
	// File, if set, holds more addresses, one per line; # starts a comment.
	File string
	// Signup opens the list for sign-up on the site: its recipients are
	// its addresses and file plus the confirmed subscribers in the store.
	Signup bool
	// Title and Description are what readers see of a list open for
	// sign-up; Title defaults to Name.
	Title, Description string
	// line is where the list's addresses key is, for problems in them.
	line int
	// cfgPath is the config file, for problems in inline addresses.
	cfgPath string
}

// Digest is one email digest: one [[digests]] entry, the mailer's type.
type Digest = mailer.Digest

// Jobs is the background work besides digests: [jobs].
type Jobs struct {
	// Ingest is the cron spec for scanning the content directories; empty
	// disables the scheduled scan. IngestCron is it parsed.
	Ingest     string
	IngestCron cron.Schedule
	// WatchPages also ingests as soon as a file lands in the pages
	// directory.
	WatchPages bool
	// Feeds is an optional cron spec for re-rendering the feeds besides
	// after every ingest that changed something.
	Feeds string
}

// Digest returns the digest called name.
func (c *Config) Digest(name string) (Digest, error) {
	for _, d := range c.Digests {
		if d.Name == name {
			return d, nil
		}
	}
	names := make([]string, len(c.Digests))
	for i, d := range c.Digests {
		names[i] = d.Name
	}
	return Digest{}, fmt.Errorf("config: no digest %q in %s (defined: %q)", name, c.Path, names)
}

// List returns the recipient list called name.
func (c *Config) List(name string) (List, error) {
	for _, l := range c.Lists {
		if l.Name == name {
			return l, nil
		}
	}
	names := make([]string, len(c.Lists))
	for i, l := range c.Lists {
		names[i] = l.Name
	}
	return List{}, fmt.Errorf("config: no list %q in %s (defined: %q)", name, c.Path, names)
}

// Feed is the feed package's settings: the site and [feeds].
func (c *Config) Feed(logger *slog.Logger) feed.Config {
	fc := feed.Config{Site: c.Site, Items: c.Feeds.Items, TagAuthority: c.Feeds.TagAuthority, Hubs: c.Feeds.Hubs, Logger: logger}
	for _, f := range c.Feeds.Formats {
		fc.Formats = append(fc.Formats, feed.Format(f))
	}
	return fc
}

// Mailer is the mailer's settings from the file: the site, [smtp] and
// [[digests]], with every list named in Lists but holding no addresses.
// The caller adds what the file does not hold: the recipients (read at
// each run, see LoadRecipients), the SMTP password, the unsubscribe secret
// and a logger.
func (c *Config) Mailer() mailer.Config {
	lists := make(map[string][]string, len(c.Lists))
	for _, l := range c.Lists {
		lists[l.Name] = nil
	}
	return mailer.Config{
		Site:            c.Site,
		UnsubscribePath: site.UnsubscribePath,
		From:            c.SMTP.From,
		FromName:        c.SMTP.FromName,
		// Named in the error about a short secret.
		UnsubscribeSecretEnv: c.Unsubscribe.SecretEnv,
		Lists:                lists,
		Digests:              c.Digests,
		Transport:            c.SMTP.Transport,
		FileDir:              c.SMTP.FileDir,
		SMTP: mailer.SMTPConfig{
			Host: c.SMTP.Host, Port: c.SMTP.Port, TLSPolicy: mailer.TLSPolicy(c.SMTP.TLS),
			Username: c.SMTP.User, Timeout: c.SMTP.Timeout,
			AllowPlaintextAuth: c.SMTP.AllowPlaintextAuth, CAFile: c.SMTP.CAFile,
		},
		Connections:   c.SMTP.Connections,
		RatePerSecond: c.SMTP.Rate,
		MaxAttempts:   c.SMTP.Retries + 1,
		BackoffBase:   c.SMTP.Backoff,

		// Hook (mail, issue 13): DKIM and VERP return paths.
		Deliverability: c.deliverability(),
	}
}

// Logger returns a logger writing to w in the configured format and level.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Log.Level}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Load reads, validates and resolves the configuration file at path. A
// file that is not valid TOML, or has problems, yields a Problems error
// listing all of them.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parse(path, data)
}

func parse(path string, data []byte) (*Config, error) {
	c, ps := decode(path, data)
	if len(ps) > 0 {
		return nil, ps
	}
	return c, nil
}

// decode is parse that keeps the configuration it built despite its
// problems (nil only for a file that is not TOML), so a test can hand it to
// the services and see that they refuse exactly what Load refuses.
func decode(path string, data []byte) (*Config, Problems) {
	raw := defaults()
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, Problems{decodeProblem(path, err)}
	}
	v := &validator{path: path, lines: scanKeys(data)}
	v.unknownKeys(md.Undecoded())
	c := v.build(&raw, filepath.Dir(path))
	v.problems.sort()
	return c, v.problems
}

// decodeProblem turns a TOML syntax or type error into a Problem with the
// line the decoder found it on.
func decodeProblem(path string, err error) Problem {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line := pe.Position.Line
		if strings.HasSuffix(pe.Message, `got '\n' instead`) && line > 1 {
			line-- // the decoder has already moved past the line that lacks something
		}
		return Problem{File: path, Line: line, Key: pe.LastKey, Message: pe.Message}
	}
	// Type mismatches come as plain errors: "toml: line 4 (last key "x"): ...".
	if m := decodeErrRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{File: path, Line: line, Key: m[2], Message: m[3]}
	}
	return Problem{File: path, Message: err.Error()}
}

var decodeErrRE = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)
