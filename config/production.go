package config

import (
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/paperboy-news/paperboy/mailer"
)

// Production is what the file would get wrong sending real mail (transport
// "smtp"): `paperboy check` refuses a file with Problems and prints the
// Warnings. Load accepts both, so a test setup with transport "smtp" and a
// local server still runs.
type Production struct {
	Problems Problems
	Warnings Problems
}

// production fills c.Production; site, smtp, unsubscribe, dkim and bounces
// must have been validated first.
func (v *validator) production(c *Config) {
	if c.SMTP.Transport != "smtp" {
		return
	}
	at := func(list *Problems, key, format string, args ...any) {
		*list = append(*list, Problem{File: v.path, Line: v.lines.line(key), Key: key, Message: fmt.Sprintf(format, args...)})
	}
	p := &c.Production
	if u := c.Site.BaseURL; u != nil {
		host := u.Hostname()
		switch {
		case isLocalHost(host):
			at(&p.Problems, "site.base_url", "%s points at this machine: every link and unsubscribe link in real mail would lead nowhere; set the public https address", u)
		case isExampleDomain(host):
			at(&p.Problems, "site.base_url", "%s is a reserved example domain, and Message-IDs and List-Ids are made on it: set your own domain", host)
		case u.Scheme != "https":
			at(&p.Problems, "site.base_url", "%s is plain http: mail clients offer one-click unsubscribe (RFC 8058) only for https links; set the https address", u)
		}
	}
	if _, d, ok := strings.Cut(c.SMTP.From, "@"); ok && isExampleDomain(d) {
		at(&p.Problems, "smtp.from", "%s is a reserved example domain: real mail from it fails SPF and DMARC everywhere; send from your own domain", c.SMTP.From)
	}
	if _, d, ok := strings.Cut(c.Bounces.ReturnPath, "@"); ok && isExampleDomain(d) {
		at(&p.Problems, "bounces.return_path", "%s is a reserved example domain: bounces would never come back", c.Bounces.ReturnPath)
	}
	if c.Unsubscribe.SecretEnv != "" && os.Getenv(c.Unsubscribe.SecretEnv) == "" {
		at(&p.Problems, "unsubscribe.secret_env", "environment variable %s is not set: digests cannot be sent without it (unsubscribe links are signed with it); set it to 32 random bytes, e.g. openssl rand -hex 32, and keep it stable", c.Unsubscribe.SecretEnv)
	}
	if !c.DKIM.Enabled() {
		at(&p.Warnings, "dkim.key_file", "not set: digests go out unsigned, and Gmail and Yahoo expect DKIM from bulk senders; see README, Deliverability")
	}
	_, fromDomain, _ := strings.Cut(strings.ToLower(c.SMTP.From), "@")
	if _, d, ok := strings.Cut(strings.ToLower(c.Bounces.ReturnPath), "@"); ok && fromDomain != "" && !mailer.Aligned(fromDomain, d) {
		at(&p.Warnings, "bounces.return_path", "%s does not share smtp.from's domain %s, so SPF cannot pass DMARC for these digests (DKIM still can); use an address at %s or a subdomain of it", d, fromDomain, fromDomain)
	}
	if c.Bounces.ReturnPath == "" {
		at(&p.Warnings, "bounces.return_path", "not set: bounces cannot be matched to recipients, so addresses that bounce keep being mailed")
	}
}

// isLocalHost reports whether host is this machine or a private network.
func isLocalHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast())
}

// isExampleDomain reports whether domain is reserved for documentation or
// testing (RFC 2606, RFC 6761): nobody's real mail domain.
func isExampleDomain(domain string) bool {
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	for _, reserved := range []string{"example.com", "example.org", "example.net", "example", "test", "invalid", "localhost"} {
		if d == reserved || strings.HasSuffix(d, "."+reserved) {
			return true
		}
	}
	return false
}
