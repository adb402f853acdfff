package config

import (
	"crypto"
	"fmt"
	"os"
	"strings"

	"github.com/robfig/cron/v3"

	"github.com/paperboy-news/paperboy/bounces"
	"github.com/paperboy-news/paperboy/mailer"
)

// DKIM is DKIM signing: [dkim]. Signing is off when KeyFile is "".
type DKIM struct {
	// KeyFile is the PEM private key (RSA 2048 bits or more, or Ed25519);
	// Key is it, loaded and checked.
	KeyFile string
	Key     crypto.Signer
	// Selector names the key in DNS: Selector._domainkey.Domain.
	Selector string
	// Domain is the signing domain; default smtp.from's domain.
	Domain string
}

// Enabled reports whether digests are signed.
func (d DKIM) Enabled() bool { return d.Key != nil }

// Bounces is the bounce handling: [bounces].
type Bounces struct {
	// ReturnPath is the base of each message's VERP envelope sender
	// (bounces+TOKEN@domain); "" keeps smtp.from as the envelope sender.
	ReturnPath string
	// Schedule is when the bounce mailbox is read (Cron parsed); "" never.
	Schedule string
	Cron     cron.Schedule
	// The bounce mailbox over IMAP.
	IMAPHost        string
	IMAPPort        int
	IMAPTLS         string // implicit, starttls or none
	IMAPUser        string
	IMAPPasswordEnv string
	Mailbox         string
	// SoftBounceLimit is how many soft bounces in a row suppress an
	// address.
	SoftBounceLimit int
}

// IMAPPassword reads the bounce mailbox's password from its environment
// variable; an error if a user is set and the variable is empty.
func (b Bounces) IMAPPassword() (string, error) {
	p := os.Getenv(b.IMAPPasswordEnv)
	if p == "" && b.IMAPUser != "" {
		return "", fmt.Errorf("config: bounces.imap_user %q: environment variable %s is not set", b.IMAPUser, b.IMAPPasswordEnv)
	}
	return p, nil
}

type fileDKIM struct {
	KeyFile  string `toml:"key_file"`
	Selector string `toml:"selector"`
	Domain   string `toml:"domain"`
}

type fileBounces struct {
	ReturnPath      string `toml:"return_path"`
	Schedule        string `toml:"schedule"`
	IMAPHost        string `toml:"imap_host"`
	IMAPPort        int    `toml:"imap_port"`
	IMAPTLS         string `toml:"imap_tls"`
	IMAPUser        string `toml:"imap_user"`
	IMAPPasswordEnv string `toml:"imap_password_env"`
	Mailbox         string `toml:"mailbox"`
	SoftBounceLimit int    `toml:"soft_bounce_limit"`
}

// deliverability reads [dkim] and [bounces]: what only the file knows (the
// key file, the schedule, the password's variable). The rules about the
// settings are the mailer's and the bounce poller's (their Validate,
// called by build). smtp must have been read first: the signing domain
// defaults to the sender's.
func (v *validator) deliverability(f *fileConfig, dir string, c *Config) {
	fd := f.DKIM
	c.DKIM = DKIM{KeyFile: resolve(dir, fd.KeyFile), Selector: fd.Selector, Domain: strings.ToLower(fd.Domain)}
	if fd.KeyFile != "" {
		key, err := mailer.LoadDKIMKey(c.DKIM.KeyFile)
		if err != nil {
			v.add("dkim.key_file", "%v", err)
		}
		c.DKIM.Key = key
		if _, from, ok := strings.Cut(c.SMTP.From, "@"); ok && c.DKIM.Domain == "" {
			c.DKIM.Domain = strings.ToLower(from)
		}
	}

	fb := f.Bounces
	c.Bounces = Bounces{
		ReturnPath: fb.ReturnPath, Schedule: fb.Schedule, IMAPHost: fb.IMAPHost, IMAPPort: fb.IMAPPort,
		IMAPTLS: fb.IMAPTLS, IMAPUser: fb.IMAPUser, IMAPPasswordEnv: fb.IMAPPasswordEnv,
		Mailbox: fb.Mailbox, SoftBounceLimit: fb.SoftBounceLimit,
	}
	b := &c.Bounces
	if b.IMAPPasswordEnv == "" {
		b.IMAPPasswordEnv = "PAPERBOY_IMAP_PASSWORD"
	}
	v.envVar("bounces.imap_password_env", b.IMAPPasswordEnv, false)
	b.Cron = v.schedule("bounces.schedule", b.Schedule, c.location(), false)
	if b.Schedule != "" && strings.TrimSpace(b.IMAPHost) == "" {
		v.add("bounces.imap_host", "a bounce mailbox schedule needs the IMAP server's host name")
	}
}

// deliverability is the mailer's DKIM and return path settings (hook:
// mail, issue 13; see Mailer).
func (c *Config) deliverability() mailer.Deliverability {
	d := mailer.Deliverability{ReturnPath: c.Bounces.ReturnPath}
	if c.DKIM.KeyFile != "" {
		d.DKIM = &mailer.DKIM{Domain: c.DKIM.Domain, Selector: c.DKIM.Selector, Key: c.DKIM.Key}
	}
	return d
}

// BouncePoller is the bounce mailbox reader's settings from the file. The
// caller adds what the file does not hold: the IMAP password (see
// Bounces.IMAPPassword), the unsubscribe secret, the recipients and a
// logger.
func (c *Config) BouncePoller() bounces.Config {
	b := c.Bounces
	return bounces.Config{
		IMAP: bounces.IMAPConfig{
			Host: b.IMAPHost, Port: b.IMAPPort, TLS: b.IMAPTLS, User: b.IMAPUser, Mailbox: b.Mailbox,
		},
		ReturnPath:      b.ReturnPath,
		SoftBounceLimit: b.SoftBounceLimit,
	}
}
