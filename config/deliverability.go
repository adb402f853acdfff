package config

import (
	"crypto"
	"fmt"
	"os"
	"regexp"
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

// dnsLabelRE is a DKIM selector: DNS labels joined by dots.
var dnsLabelRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)

// deliverability validates [dkim] and [bounces]; smtp must have been
// validated first (the signing domain defaults to the sender's).
func (v *validator) deliverability(f *fileConfig, dir string, c *Config) {
	fromDomain := ""
	if _, d, ok := strings.Cut(c.SMTP.From, "@"); ok {
		fromDomain = strings.ToLower(d)
	}
	fd := f.DKIM
	c.DKIM = DKIM{KeyFile: resolve(dir, fd.KeyFile), Selector: fd.Selector, Domain: strings.ToLower(fd.Domain)}
	if fd.KeyFile != "" {
		key, err := mailer.LoadDKIMKey(c.DKIM.KeyFile)
		if err != nil {
			v.add("dkim.key_file", "%v", err)
		}
		c.DKIM.Key = key
		if !dnsLabelRE.MatchString(fd.Selector) || len(fd.Selector) > 63 {
			v.add("dkim.selector", "%q is not a DNS label such as \"paperboy2026\"; the key is published at SELECTOR._domainkey.DOMAIN", fd.Selector)
		}
		if c.DKIM.Domain == "" {
			c.DKIM.Domain = fromDomain
		}
		if !dnsLabelRE.MatchString(c.DKIM.Domain) || len(c.DKIM.Domain) > 71 {
			v.add("dkim.domain", "%q is not a domain of at most 71 characters", c.DKIM.Domain)
		} else if fromDomain != "" && !aligned(fromDomain, c.DKIM.Domain) {
			v.add("dkim.domain", "%s does not align with smtp.from's domain %s, so DMARC would fail: sign with %s (or a parent domain of it)", c.DKIM.Domain, fromDomain, fromDomain)
		}
	}

	fb := f.Bounces
	c.Bounces = Bounces{
		ReturnPath: fb.ReturnPath, Schedule: fb.Schedule, IMAPHost: fb.IMAPHost, IMAPPort: fb.IMAPPort,
		IMAPTLS: fb.IMAPTLS, IMAPUser: fb.IMAPUser, IMAPPasswordEnv: fb.IMAPPasswordEnv,
		Mailbox: fb.Mailbox, SoftBounceLimit: fb.SoftBounceLimit,
	}
	b := &c.Bounces
	if b.ReturnPath != "" {
		if err := bounces.CheckReturnPath(b.ReturnPath); err != nil {
			v.add("bounces.return_path", "%v", err)
		}
	}
	if b.IMAPTLS == "" {
		b.IMAPTLS = bounces.TLSImplicit
	}
	switch b.IMAPTLS {
	case bounces.TLSImplicit, bounces.TLSStartTLS, bounces.TLSNone:
	default:
		v.add("bounces.imap_tls", "%q is not \"implicit\" (port 993), \"starttls\" (port 143) or \"none\"", b.IMAPTLS)
	}
	if b.IMAPPort == 0 {
		b.IMAPPort = 993
		if b.IMAPTLS != bounces.TLSImplicit {
			b.IMAPPort = 143
		}
	}
	if b.IMAPPort < 1 || b.IMAPPort > 65535 {
		v.add("bounces.imap_port", "%d is not a port from 1 to 65535", b.IMAPPort)
	}
	if b.Mailbox == "" {
		b.Mailbox = "INBOX"
	}
	if b.IMAPPasswordEnv == "" {
		b.IMAPPasswordEnv = "PAPERBOY_IMAP_PASSWORD"
	}
	v.envVar("bounces.imap_password_env", b.IMAPPasswordEnv, false)
	switch {
	case b.SoftBounceLimit == 0:
		b.SoftBounceLimit = 3
	case b.SoftBounceLimit < 0:
		v.add("bounces.soft_bounce_limit", "must be 1 or more, got %d", b.SoftBounceLimit)
	}
	b.Cron = v.schedule("bounces.schedule", b.Schedule, c.Site.Location, false)
	if b.Schedule != "" && strings.TrimSpace(b.IMAPHost) == "" {
		v.add("bounces.imap_host", "a bounce mailbox schedule needs the IMAP server's host name")
	}
}

// aligned reports whether DKIM domain d aligns with the From domain under
// DMARC's relaxed rule, approximated without the public suffix list: one
// is the other or a subdomain of it.
func aligned(from, d string) bool {
	return from == d || strings.HasSuffix(from, "."+d) || strings.HasSuffix(d, "."+from)
}
