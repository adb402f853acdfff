package mailer

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"text/template"
	"time"
)

// Config is everything the mailer needs; the caller maps config.toml onto
// it and reads secrets (SMTP password, unsubscribe secret) from the
// environment.
type Config struct {
	// SiteTitle names the paper in subjects, footers and display names.
	SiteTitle string
	// BaseURL is the public site, e.g. "https://news.example.cn". The
	// unsubscribe link is BaseURL + UnsubscribePath; when it is https the
	// messages offer RFC 8058 one-click unsubscribe.
	BaseURL string
	// UnsubscribePath is where UnsubscribeHandler is mounted; default
	// "/unsubscribe".
	UnsubscribePath string
	// Language selects the reader-facing strings (see CatalogueFor);
	// default "zh-CN".
	Language string
	// Location is the site's time zone, for edition periods; default UTC.
	Location *time.Location
	// PublisherAddress is printed in every footer.
	PublisherAddress string
	// From and FromName are the sender.
	From     string
	FromName string
	// Domain is used for Message-IDs and List-Ids; default BaseURL's host.
	Domain string
	// UnsubscribeSecret signs unsubscribe tokens (HMAC-SHA256); at least
	// 16 bytes. Read it from the environment.
	UnsubscribeSecret []byte
	// UnsubscribeSecretEnv names the environment variable the secret was
	// read from, so that an error can say what to set; default
	// "PAPERBOY_UNSUBSCRIBE_SECRET".
	UnsubscribeSecretEnv string

	// Lists maps a recipient list name to its addresses.
	Lists map[string][]string
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
	// TLSConfig, if set, replaces the default TLS settings (system roots,
	// server name Host), e.g. to trust a private CA.
	TLSConfig *tls.Config
}

// Digest is one configured digest.
type Digest struct {
	// Name identifies the digest in runs, Message-IDs and List-Ids.
	Name string
	// Title is the digest's reader-facing name; default the catalogue's
	// ("每日新闻摘要").
	Title string
	// Lists are the recipient lists it goes to (names in Config.Lists).
	Lists []string
	// Topics filters the articles: any of these topic slugs; none means all.
	Topics []string
	// Subject is a text/template over SubjectData; default the
	// catalogue's, e.g. "{{.Site}} {{.Date}}：{{.Lead}} 等{{.Count}}条".
	Subject string
	// SkipEmpty sends nothing when there are no new articles; the run is
	// recorded as skipped.
	SkipEmpty bool
	// Period limits a run to editions dated within it before the slot (in
	// the site's time zone), so backfilling old editions does not flood
	// the digest; default 24h. The first run ever takes the latest edition.
	Period time.Duration
	// MaxArticles caps the articles in one digest; 0 means no cap (a long
	// digest lists the articles past the size limit as headlines only).
	MaxArticles int
}

// SubjectData is what a subject template sees.
type SubjectData struct {
	Site   string // the site title
	Digest string // the digest's title
	Date   string // newest edition date, formatted for readers ("7月20日")
	Lead   string // the first article's headline
	Count  int    // number of articles
}

// digestConf is a validated digest with its parsed subject template.
type digestConf struct {
	Digest
	subject *template.Template
}

// withDefaults validates cfg and fills in its defaults, reporting every
// problem at once.
func (cfg Config) withDefaults() (Config, map[string]*digestConf, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if cfg.Language == "" {
		cfg.Language = "zh-CN"
	}
	cat := CatalogueFor(cfg.Language)
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.UnsubscribePath == "" {
		cfg.UnsubscribePath = "/unsubscribe"
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		bad("base URL %q: want an absolute http(s) URL such as https://news.example.cn", cfg.BaseURL)
	} else {
		cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		if cfg.Domain == "" {
			cfg.Domain = base.Hostname()
		}
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil || strings.ContainsAny(cfg.From, "<>\r\n") {
		bad("from address %q: want a bare address such as news@example.cn", cfg.From)
	}
	if cfg.UnsubscribeSecretEnv == "" {
		cfg.UnsubscribeSecretEnv = "PAPERBOY_UNSUBSCRIBE_SECRET"
	}
	if len(cfg.UnsubscribeSecret) < minSecretBytes {
		bad("unsubscribe secret: %d bytes, want at least %d: set the environment variable %s to a random string of %d or more characters (e.g. the output of: openssl rand -hex 32)",
			len(cfg.UnsubscribeSecret), minSecretBytes, cfg.UnsubscribeSecretEnv, minSecretBytes)
	}
	for list, addrs := range cfg.Lists {
		for _, a := range addrs {
			if _, err := parseRecipient(a); err != nil {
				bad("list %s: %w", list, err)
			}
		}
	}
	switch cfg.Transport {
	case "", "file":
		cfg.Transport = "file"
		if cfg.FileDir == "" {
			bad("transport file: the directory for .eml files is not set")
		}
	case "smtp":
		s := &cfg.SMTP
		if s.Host == "" {
			bad("transport smtp: the SMTP host is not set")
		}
		switch s.TLSPolicy {
		case "":
			s.TLSPolicy = TLSMandatory
		case TLSMandatory, TLSOpportunistic, TLSImplicit, TLSNone:
		default:
			bad("smtp TLS policy %q: want mandatory, opportunistic, implicit or none", s.TLSPolicy)
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
	default:
		bad("transport %q: want file or smtp", cfg.Transport)
	}
	// Hook (mail, issue 13): DKIM key and return path.
	if err := cfg.Deliverability.check(); err != nil {
		bad("%w", err)
	}
	if cfg.Connections <= 0 {
		cfg.Connections = 4
	}
	if cfg.RatePerSecond < 0 {
		bad("rate per second %v: want 0 (no limit) or more", cfg.RatePerSecond)
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
		if d.Name == "" || strings.ContainsAny(d.Name, " \t\r\n<>@") {
			bad("digest %q: want a name without spaces, <, > or @", d.Name)
			continue
		}
		if _, dup := digests[d.Name]; dup {
			bad("digest %s: defined twice", d.Name)
			continue
		}
		if d.Title == "" {
			d.Title = cat.DigestTitle
		}
		if len(d.Lists) == 0 {
			bad("digest %s: no recipient lists", d.Name)
		}
		for _, l := range d.Lists {
			if _, ok := cfg.Lists[l]; !ok {
				bad("digest %s: list %q is not defined", d.Name, l)
			}
		}
		if d.Subject == "" {
			d.Subject = cat.DefaultSubject
		}
		tmpl, err := ParseSubject(d.Subject)
		if err != nil {
			bad("digest %s: subject template: %w", d.Name, err)
		}
		if d.Period <= 0 {
			d.Period = 24 * time.Hour
		}
		if d.MaxArticles < 0 {
			bad("digest %s: max articles %d: want 0 (no cap) or more", d.Name, d.MaxArticles)
		}
		digests[d.Name] = &digestConf{Digest: d, subject: tmpl}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, nil, fmt.Errorf("mailer: config: %w", err)
	}
	return cfg, digests, nil
}

// parseRecipient checks a bare address and lower-cases its domain.
func parseRecipient(addr string) (string, error) {
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(addr) {
		return "", fmt.Errorf("recipient %q: want a bare address such as reader@example.cn", addr)
	}
	local, domain, _ := strings.Cut(a.Address, "@")
	return local + "@" + strings.ToLower(domain), nil
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
