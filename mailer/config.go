package mailer

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"mime"
	"os"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/address"
	"github.com/paperboy-news/paperboy/site"
)

// Config is everything the mailer needs; the config package maps
// config.toml onto it, and the caller reads secrets (SMTP password,
// unsubscribe secret) from the environment.
type Config struct {
	// Site is the validated site: its title names the paper in subjects,
	// footers and display names; links are under its base URL (one-click
	// unsubscribe is offered when it is https); its words are the mail's;
	// edition periods are in its time zone.
	Site *site.Site
	// UnsubscribePath is the site path UnsubscribeHandler is mounted at
	// (under the base URL's path); default site.UnsubscribePath.
	UnsubscribePath string
	// From and FromName are the sender.
	From     string
	FromName string
	// Domain is used for Message-IDs and List-Ids; default the base URL's
	// host.
	Domain string
	// UnsubscribeSecret signs unsubscribe tokens (HMAC-SHA256); at least
	// 16 bytes. Read it from the environment.
	UnsubscribeSecret []byte
	// UnsubscribeOldSecrets still open the tokens of links signed with
	// them (secret rotation: the new secret signs, the old ones stay here
	// while mail signed with them is in inboxes); each at least 16 bytes.
	UnsubscribeOldSecrets [][]byte
	// UnsubscribeSecretEnv names the environment variable the secret was
	// read from, so that an error can say what to set; default
	// "PAPERBOY_UNSUBSCRIBE_SECRET".
	UnsubscribeSecretEnv string

	// Lists maps a recipient list name to its addresses as loaded, each
	// bare or with the reader's name ("张三 <zhang@example.cn>"), which
	// the To header then carries.
	Lists map[string][]string
	// ListReader, if set, reads the lists again at each run (list files
	// edited without touching config.toml); a list it cannot read goes
	// out as last read, initially Lists.
	ListReader ListReader
	// Topics, if set, narrows the digest of each reader who chose topics
	// (on the sign-up or preferences page) to the run's articles in them;
	// a reader with none of them in a run is skipped for that run.
	Topics TopicReader
	// Digests are the digests this mailer can run, by Digest.Name.
	Digests []Digest

	// Transport is "file" (the default: write .eml files into FileDir) or
	// "smtp".
	Transport string
	// FileDir is where the file transport writes; required for "file".
	FileDir string
	// SMTP is the server for the smtp transport.
	SMTP SMTPConfig

	// Connections is how many SMTP connections send in parallel; default 4.
	Connections int
	// Share, when set, makes this instance claim a run's deliveries in
	// small batches that expire (the store's ClaimDeliveries), so that
	// several instances on one PostgreSQL database send a run together
	// (Help). Nil: this process sends its runs alone, page by page.
	Share *Sharing
	// RatePerSecond caps messages per second over all connections; 0 means
	// no limit.
	RatePerSecond float64
	// MaxAttempts is how often a temporarily failing delivery is tried
	// before it is marked failed; default 5.
	MaxAttempts int
	// BackoffBase and BackoffMax bound the exponential wait between
	// attempts (base, 2*base, 4*base ... up to max); defaults 1 min, 1 h.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// MaxMessageBytes is the size an encoded message must stay under (Gmail
	// clips at about 102 KB); past it, the last articles are listed as
	// headlines only, and past that they are counted in one "还有 N 条" line
	// linking to the edition page. Default 100000.
	MaxMessageBytes int

	// Deliverability is DKIM signing and VERP return paths (hook: mail,
	// issue 13).
	Deliverability Deliverability

	// Logger receives the mailer's logs; default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now. Tests set it.
	Now func() time.Time

	// listNames are the readers' names the lists gave, by address.Key.
	listNames map[string]string
}

// unsubscribeSecrets lists the signing secret, then the old ones.
func (cfg Config) unsubscribeSecrets() [][]byte {
	return append([][]byte{cfg.UnsubscribeSecret}, cfg.UnsubscribeOldSecrets...)
}

// minSecretBytes is the shortest unsubscribe secret accepted.
const minSecretBytes = 16

// TLSPolicy says how the SMTP connection is secured.
type TLSPolicy string

// The TLS policies.
const (
	// TLSMandatory requires STARTTLS (the default).
	TLSMandatory TLSPolicy = "mandatory"
	// TLSOpportunistic uses STARTTLS when the server offers it.
	TLSOpportunistic TLSPolicy = "opportunistic"
	// TLSImplicit speaks TLS from the start (SMTPS, usually port 465).
	TLSImplicit TLSPolicy = "implicit"
	// TLSNone never encrypts: only for a relay on the same host.
	TLSNone TLSPolicy = "none"
)

// SMTPConfig is the SMTP server the smtp transport delivers to.
type SMTPConfig struct {
	Host string
	// Port defaults to 587 (465 for TLSImplicit).
	Port      int
	TLSPolicy TLSPolicy
	// Username and Password enable SMTP AUTH (PLAIN or LOGIN, whichever the
	// server offers); Password comes from the environment.
	Username string
	Password string
	// Timeout bounds each SMTP command; default 30 s.
	Timeout time.Duration
	// HELO is the name sent in EHLO; default the Domain.
	HELO string
	// TLSConfig, if set, is the base of the TLS settings (default: system
	// roots, server name Host), e.g. to trust a private CA. Certificate
	// verification stays on whatever it says: InsecureSkipVerify is
	// cleared.
	TLSConfig *tls.Config
	// CAFile, if set, is a PEM file of certificates trusted besides the
	// system's roots, for a relay with a private CA.
	CAFile string
	// AllowPlaintextAuth lets Username authenticate over a connection
	// without TLS (TLSNone, or TLSOpportunistic to a server that offers no
	// STARTTLS): only for a relay on the same host. Without it, a
	// configured Username makes TLS mandatory, so that neither the
	// password (or a crackable CRAM-MD5 exchange) nor the messages cross
	// the network in clear.
	AllowPlaintextAuth bool
}

// effectivePolicy is the TLS policy the connection is made with: with
// credentials to protect, opportunistic becomes mandatory.
func (s SMTPConfig) effectivePolicy() TLSPolicy {
	if s.Username != "" && !s.AllowPlaintextAuth && s.TLSPolicy == TLSOpportunistic {
		return TLSMandatory
	}
	return s.TLSPolicy
}

// tlsConfig is the TLS configuration of every connection: TLSConfig's
// settings with verification forced on.
func (s SMTPConfig) tlsConfig() *tls.Config {
	tc := &tls.Config{}
	if s.TLSConfig != nil {
		tc = s.TLSConfig.Clone()
	}
	tc.InsecureSkipVerify = false
	if tc.ServerName == "" {
		tc.ServerName = s.Host
	}
	tc.MinVersion = max(tc.MinVersion, tls.VersionTLS12)
	return tc
}

// LoadCAFile returns the system roots plus the certificates in file, the
// pool smtp.ca_file names; config checks the file with it, so `paperboy
// check` refuses what the mailer would.
func LoadCAFile(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}

// Digest is one configured digest: one [[digests]] entry, the one type
// config, the scheduler's wiring and the mailer share.
type Digest struct {
	// Name identifies the digest in runs, Message-IDs and List-Ids.
	Name string
	// Title is the digest's reader-facing name; default the site's words'
	// ("每日新闻摘要").
	Title string
	// Schedule is the cron spec as written; Cron is it parsed, in the
	// site's time zone unless the spec starts with CRON_TZ=.
	Schedule string
	Cron     cron.Schedule
	// Lists are the recipient lists it goes to (names in Config.Lists).
	Lists []string
	// Topics filters the articles: any of these topic slugs (the site's
	// topics); none means all.
	Topics []string
	// Subject is a text/template over SubjectData; default the site's
	// words', e.g. "{{.Site}} {{.Date}}：{{.Lead}} 等{{.Count}}条".
	Subject string
	// SkipEmpty sends nothing when there are no new articles; the run is
	// recorded as skipped.
	SkipEmpty bool
	// CatchUp is the digest's window: a missed run may still be made up
	// within it after downtime (later, the slot is recorded as missed), a
	// run sends only until its slot plus CatchUp, and an interrupted run is
	// resumed within it and closed past it. Zero: an interrupted run is
	// never resumed, and a run sends until it is done.
	CatchUp time.Duration
	// Period limits a run to editions dated within it before the slot (in
	// the site's time zone), so backfilling old editions does not flood
	// the digest; default 24h. The first run ever takes the latest edition
	// only if it is dated within it.
	Period time.Duration
	// MaxArticles caps the articles in one digest; 0 means no cap (a long
	// digest lists the articles past the size limit as headlines only).
	MaxArticles int
	// Paused digests are not scheduled: no slot runs (nor is caught up
	// when the digest is resumed) until paused is false again. A run
	// asked for by hand still goes out.
	Paused bool
}

// ScheduledSpec is the cron spec the scheduler runs the digest on: its
// Schedule, or "" (run only when asked) while it is paused.
func (d Digest) ScheduledSpec() string {
	if d.Paused {
		return ""
	}
	return d.Schedule
}

// SubjectData is what a subject template sees.
type SubjectData struct {
	Site   string // the site title
	Digest string // the digest's title
	Date   string // newest edition date, formatted for readers ("7月20日", "2021年7月20日" in another year)
	Lead   string // the first article's headline
	Count  int    // number of articles
}

// digestConf is a validated digest with its parsed subject template.
type digestConf struct {
	Digest
	subject *template.Template
	// listPhrase is Title as its List-Id header's phrase, encoded once.
	listPhrase string
}

// nameRE is a digest or list name: they go into Message-IDs, List-Ids
// and job names.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// ValidName reports whether s can name a digest or a recipient list:
// letters, digits, '.', '_' and '-', as Message-IDs and List-Ids take them.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Validate reports every problem of cfg's settings, keyed by config.toml
// key. The unsubscribe secret is not a setting (it comes from the
// environment): New checks it.
func (cfg Config) Validate() site.Problems {
	var ps site.Problems
	if cfg.Site == nil {
		ps.Add("site", "the mailer needs the validated site settings")
	}
	if _, err := address.Parse(cfg.From); err != nil || strings.TrimSpace(cfg.From) != cfg.From {
		ps.Add("smtp.from", "%q is not a bare email address such as news@example.cn", cfg.From)
	}
	for list, addrs := range cfg.Lists {
		for _, a := range addrs {
			if _, err := parseRecipient(a); err != nil {
				ps.Add("lists.addresses", "list %s: %v", list, err)
			}
		}
	}
	// The server settings are checked with the file transport too, so that
	// switching to smtp cannot bring up old mistakes.
	switch cfg.SMTP.TLSPolicy {
	case "", TLSMandatory, TLSOpportunistic, TLSImplicit, TLSNone:
	default:
		ps.Add("smtp.tls", "%q is not \"mandatory\", \"opportunistic\", \"implicit\" or \"none\"", cfg.SMTP.TLSPolicy)
	}
	if s := cfg.SMTP; cfg.Transport == "smtp" && s.Username != "" && s.TLSPolicy == TLSNone && !s.AllowPlaintextAuth {
		ps.Add("smtp.tls", "\"none\" with user %q would send the password and every message in clear: use \"mandatory\" (STARTTLS) or \"implicit\", or set allow_plaintext_auth = true for a relay on this host", s.Username)
	}
	if cfg.SMTP.Port < 0 || cfg.SMTP.Port > 65535 {
		ps.Add("smtp.port", "%d is not a port from 1 to 65535 (0 for the default, 587 or 465 with implicit TLS)", cfg.SMTP.Port)
	}
	switch cfg.Transport {
	case "", "file":
		if cfg.FileDir == "" {
			ps.Add("smtp.file_dir", "transport \"file\" needs the directory to write .eml files into")
		}
	case "smtp":
		if strings.TrimSpace(cfg.SMTP.Host) == "" {
			ps.Add("smtp.host", "transport \"smtp\" needs the mail server's host name")
		}
	default:
		ps.Add("smtp.transport", "%q is not \"smtp\" or \"file\"", cfg.Transport)
	}
	if cfg.Connections < 0 {
		ps.Add("smtp.connections", "must be a positive number (0 for the default, 4), got %d", cfg.Connections)
	}
	if cfg.RatePerSecond < 0 {
		ps.Add("smtp.rate", "must be 0 (no limit) or a positive number of messages per second, got %g", cfg.RatePerSecond)
	}
	names := map[string]bool{}
	for i, d := range cfg.Digests {
		at := func(key string) string { return fmt.Sprintf("digests[%d].%s", i, key) }
		if !ValidName(d.Name) {
			ps.Add(at("name"), "%q is not a digest name: letters, digits, '.', '_' and '-'", d.Name)
		} else {
			ps.Distinct(at("name"), "digest name", d.Name, names)
		}
		if len(d.Lists) == 0 {
			ps.Add(at("lists"), "digest %q goes to no list", d.Name)
		}
		for _, l := range d.Lists {
			if _, ok := cfg.Lists[l]; !ok {
				ps.Add(at("lists"), "list %q is not defined (add a [[lists]] entry with name = %q)", l, l)
			}
		}
		for _, slug := range d.Topics {
			if cfg.Site == nil {
				break
			}
			if _, ok := cfg.Site.Topic(slug); !ok {
				ps.Add(at("topics"), "topic %q is not defined (digest topics are [[topics]] slugs)", slug)
			}
		}
		if d.Subject != "" {
			if _, err := ParseSubject(d.Subject); err != nil {
				ps.Add(at("subject"), "bad template: %v (fields: .Site .Digest .Date .Lead .Count)", err)
			}
		}
		if d.Period < 0 {
			ps.Add(at("period"), "must be longer than zero, got %v", d.Period)
		}
		if d.CatchUp < 0 {
			ps.Add(at("catch_up"), "must be zero or longer, got %v", d.CatchUp)
		}
		if d.MaxArticles < 0 {
			ps.Add(at("max_articles"), "must be 0 (no cap) or more, got %d", d.MaxArticles)
		}
	}
	// Hook (mail, issue 13): DKIM and the return path.
	ps = append(ps, cfg.Deliverability.validate(cfg.From)...)
	return ps
}

// SecretProblems is what New refuses in the unsubscribe secrets, which
// come from the environment, not the file: config.Load applies it to the
// variables' values so that check judges what serve would refuse.
func (cfg Config) SecretProblems() site.Problems {
	var ps site.Problems
	env := cfg.UnsubscribeSecretEnv
	if env == "" {
		env = "PAPERBOY_UNSUBSCRIBE_SECRET"
	}
	if len(cfg.UnsubscribeSecret) < minSecretBytes {
		ps.Add("unsubscribe.secret_env", "the unsubscribe secret has %d bytes, want at least %d: set the environment variable %s to a random string of %d or more characters (e.g. the output of: openssl rand -hex 32)",
			len(cfg.UnsubscribeSecret), minSecretBytes, env, minSecretBytes)
	}
	for i, old := range cfg.UnsubscribeOldSecrets {
		if len(old) < minSecretBytes {
			ps.Add("unsubscribe.previous_secret_envs", "previous unsubscribe secret %d has %d bytes, want at least %d", i+1, len(old), minSecretBytes)
		}
	}
	return ps
}

// withDefaults validates cfg and fills in its defaults, reporting every
// problem at once.
func (cfg Config) withDefaults() (Config, map[string]*digestConf, error) {
	ps := cfg.Validate()
	ps = append(ps, cfg.SecretProblems()...)
	if cfg.UnsubscribeSecretEnv == "" {
		cfg.UnsubscribeSecretEnv = "PAPERBOY_UNSUBSCRIBE_SECRET"
	}
	if s := &cfg.SMTP; s.CAFile != "" {
		if pool, err := LoadCAFile(s.CAFile); err != nil {
			ps.Add("smtp.ca_file", "%v", err)
		} else {
			s.TLSConfig = s.tlsConfig()
			s.TLSConfig.RootCAs = pool
		}
	}
	if err := ps.Err("mailer"); err != nil {
		return Config{}, nil, err
	}
	// Addresses are parsed here, once (Validate checked them); runs use
	// them as they are.
	// The names are kept apart (listCache), so that lists hold the bare
	// addresses deliveries are keyed by.
	lists := make(map[string][]string, len(cfg.Lists))
	cfg.listNames = map[string]string{}
	for list, entries := range cfg.Lists {
		lists[list] = make([]string, 0, len(entries))
		for _, e := range entries {
			addr, name, _ := parseMailbox(e)
			lists[list] = append(lists[list], addr)
			nameOf(cfg.listNames, addr, name)
		}
	}
	cfg.Lists = lists
	// Validate ruled out CR and LF in From; the name is made header-safe
	// here, once, not per message.
	cfg.FromName = content.OneLine(cfg.FromName)
	words := cfg.Site.Words
	if cfg.UnsubscribePath == "" {
		cfg.UnsubscribePath = site.UnsubscribePath
	}
	if cfg.Domain == "" {
		cfg.Domain = cfg.Site.BaseURL.Hostname()
	}
	if cfg.Transport == "" {
		cfg.Transport = "file"
	}
	if s := &cfg.SMTP; cfg.Transport == "smtp" {
		if s.TLSPolicy == "" {
			s.TLSPolicy = TLSMandatory
		}
		if s.Port == 0 {
			s.Port = 587
			if s.TLSPolicy == TLSImplicit {
				s.Port = 465
			}
		}
		if s.Timeout <= 0 {
			s.Timeout = 30 * time.Second
		}
		if s.HELO == "" {
			s.HELO = cfg.Domain
		}
	}
	if cfg.Connections <= 0 {
		cfg.Connections = 4
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = time.Minute
	}
	if cfg.BackoffMax < cfg.BackoffBase {
		cfg.BackoffMax = max(time.Hour, cfg.BackoffBase)
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 100_000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	digests := make(map[string]*digestConf, len(cfg.Digests))
	for _, d := range cfg.Digests {
		if d.Title == "" {
			d.Title = words.DigestTitle
		}
		if d.Subject == "" {
			d.Subject = words.DefaultSubject
		}
		tmpl, err := ParseSubject(d.Subject)
		if err != nil {
			return Config{}, nil, fmt.Errorf("mailer: digest %s: subject template: %w", d.Name, err)
		}
		if d.Period <= 0 {
			d.Period = 24 * time.Hour
		}
		digests[d.Name] = &digestConf{Digest: d, subject: tmpl,
			listPhrase: mime.BEncoding.Encode("UTF-8", content.OneLine(d.Title))}
	}
	return cfg, digests, nil
}

// parseRecipient is parseMailbox without the name: the bare address of a
// list entry, or of an address given alone, with its domain lower-cased.
func parseRecipient(addr string) (string, error) {
	a, _, err := parseMailbox(addr)
	return a, err
}

// parseMailbox parses a list entry, a bare address or one with a display
// name ("张三 <zhang@example.cn>"): the address with its domain
// lower-cased, and the name ("" if none), which the To header carries.
func parseMailbox(entry string) (addr, name string, err error) {
	addr, name, err = address.Mailbox(entry)
	if err != nil {
		return "", "", fmt.Errorf("recipient %q: want an address such as reader@example.cn or 张三 <reader@example.cn>", entry)
	}
	return addr, content.OneLine(name), nil
}

// ParseSubject parses a digest's subject template (text/template over
// SubjectData) and executes it once, so that a misspelled field fails when
// the configuration is checked rather than at 07:00.
func ParseSubject(text string) (*template.Template, error) {
	tmpl, err := template.New("subject").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	if err := tmpl.Execute(new(strings.Builder), SubjectData{}); err != nil {
		return nil, err
	}
	return tmpl, nil
}

// Sharing is how an instance takes part in sending runs with others.
type Sharing struct {
	// Holder names this instance in its claims.
	Holder string
	// ClaimTTL is how long a claimed batch stays this instance's: a batch
	// of an instance that died is sent by another after it.
	ClaimTTL time.Duration
}
