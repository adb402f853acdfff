package config

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/paperboy-news/paperboy/mailer"
)

// MinAdminTokenLength is the shortest admin token accepted: 32 characters,
// e.g. openssl rand -hex 32 (64), so guessing it is out of reach even
// unthrottled.
const MinAdminTokenLength = 32

// CheckAdminToken is the rule for the admin bearer token, read from the
// environment variable env: "" (admin off) or at least
// MinAdminTokenLength characters that are not one character repeated. It
// lives here so that Load judges the token serve will use (package admin
// applies the same function).
func CheckAdminToken(token, env string) error {
	const fix = "set it to a random string such as the output of 'openssl rand -hex 32', or unset it to turn the admin endpoints off"
	if token == "" {
		return nil
	}
	if n := utf8.RuneCountInString(token); n < MinAdminTokenLength {
		return fmt.Errorf("the token in %s has %d characters, want at least %d: %s", env, n, MinAdminTokenLength, fix)
	}
	r, _ := utf8.DecodeRuneInString(token)
	if strings.Trim(token, string(r)) == "" {
		return fmt.Errorf("the token in %s is one character repeated, as guessable as a short one: %s", env, fix)
	}
	return nil
}

// environment judges the secrets the file names by their variables'
// values, as serve will read them, so that check and serve agree: each
// problem is put at the line of the key naming the variable. A variable
// whose name is bad is reported by envVar already.
func (v *validator) environment(c *Config) {
	if env := c.Server.AdminTokenEnv; envVarRE.MatchString(env) {
		if err := CheckAdminToken(os.Getenv(env), env); err != nil {
			v.add("server.admin_token_env", "%v", err)
		}
	}
	mc := mailer.Config{
		UnsubscribeSecretEnv:  c.Unsubscribe.SecretEnv,
		UnsubscribeSecret:     []byte(os.Getenv(c.Unsubscribe.SecretEnv)),
		UnsubscribeOldSecrets: c.Unsubscribe.PreviousSecrets(),
	}
	for _, p := range mc.SecretProblems() {
		// An unset secret is the transport's business: the file transport
		// makes one per process, and check refuses it for real mail (see
		// production).
		if p.Key == "unsubscribe.secret_env" && len(mc.UnsubscribeSecret) == 0 {
			continue
		}
		v.add(p.Key, "%s", p.Message)
	}
	if s := c.SMTP; s.Transport == "smtp" && s.User != "" && envVarRE.MatchString(s.PasswordEnv) && os.Getenv(s.PasswordEnv) == "" {
		v.add("smtp.password_env", "environment variable %s is not set: user %q cannot log in to the SMTP server without it; set it, or remove user if the server needs no login", s.PasswordEnv, s.User)
	}
	if b := c.Bounces; b.IMAPUser != "" && b.Schedule != "" && envVarRE.MatchString(b.IMAPPasswordEnv) && os.Getenv(b.IMAPPasswordEnv) == "" {
		v.add("bounces.imap_password_env", "environment variable %s is not set: imap_user %q cannot read the bounce mailbox on its schedule without it; set it, or set schedule = \"\"", b.IMAPPasswordEnv, b.IMAPUser)
	}
}
