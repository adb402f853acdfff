package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/store"
	"github.com/paperboy-news/paperboy/web"
)

// agreeFile is a config.toml with the settings the services judge.
type agreeFile struct {
	baseURL, language, timeZone, tagAuthority string
	topics, lists, digestLists, from, subject string
	smtpExtra                                 string // more [smtp] lines
}

func baseAgreeFile() agreeFile {
	return agreeFile{
		baseURL: "https://news.example.org/", language: "zh-CN", timeZone: "Asia/Shanghai", tagAuthority: "example.org,2021",
		topics:      "[[topics]]\nname = \"防汛\"\nslug = \"flood\"\nkeywords = [\"防汛\"]\n",
		lists:       "[[lists]]\nname = \"residents\"\naddresses = [\"a@example.org\"]\n",
		digestLists: `["residents"]`, from: "news@example.org", subject: "",
	}
}

func (f agreeFile) String() string {
	return fmt.Sprintf(`[site]
title = "示范区新闻"
base_url = %q
language = %q
time_zone = %q

[feeds]
tag_authority = %q

%s
[smtp]
from = %q
file_dir = "outbox"
%s
%s
[[digests]]
name = "daily"
schedule = "0 7 * * *"
lists = %s
subject = %q
topics = ["flood"]
`, f.baseURL, f.language, f.timeZone, f.tagAuthority, f.topics, f.from, f.smtpExtra, f.lists, f.digestLists, f.subject)
}

// TestCheckAgreesWithServices is the issue's rule: whatever `paperboy
// check` accepts, every service constructor accepts, and whatever one of
// them would refuse, check reports at its line.
func TestCheckAgreesWithServices(t *testing.T) {
	tests := []struct {
		name   string
		change func(*agreeFile)
		ok     bool
		key    string // the key of a problem when !ok
	}{
		{"as written", func(*agreeFile) {}, true, ""},

		{"tag authority with a full date", func(f *agreeFile) { f.tagAuthority = "news.example.org,2021-07-20" }, true, ""},
		{"tag authority with an email address", func(f *agreeFile) { f.tagAuthority = "editor@example.org,2021" }, true, ""},
		{"tag authority derived from base_url", func(f *agreeFile) { f.tagAuthority = "" }, true, ""},
		{"tag authority derived from an IPv6 base_url", func(f *agreeFile) { f.tagAuthority = ""; f.baseURL = "http://[::1]:8080/" }, false, "site.base_url"},
		{"tag authority without a date", func(f *agreeFile) { f.tagAuthority = "example.org" }, false, "feeds.tag_authority"},
		{"tag authority with a two-digit year", func(f *agreeFile) { f.tagAuthority = "example.org,21" }, false, "feeds.tag_authority"},
		{"tag authority with month 13", func(f *agreeFile) { f.tagAuthority = "example.org,2021-13" }, false, "feeds.tag_authority"},
		{"tag authority as a URL", func(f *agreeFile) { f.tagAuthority = "https://example.org/,2021" }, false, "feeds.tag_authority"},
		{"tag authority with a bad email address", func(f *agreeFile) { f.tagAuthority = "a b@example.org,2021" }, false, "feeds.tag_authority"},

		{"base_url with a path", func(f *agreeFile) { f.baseURL = "https://example.org/paper/" }, true, ""},
		{"base_url with a path, no slash", func(f *agreeFile) { f.baseURL = "https://example.org/paper" }, true, ""},
		{"base_url with a port", func(f *agreeFile) { f.baseURL = "http://127.0.0.1:8080" }, true, ""},
		{"base_url with a query", func(f *agreeFile) { f.baseURL = "https://example.org/?utm=x" }, false, "site.base_url"},
		{"base_url with a fragment", func(f *agreeFile) { f.baseURL = "https://example.org/#news" }, false, "site.base_url"},
		{"base_url without a scheme", func(f *agreeFile) { f.baseURL = "example.org" }, false, "site.base_url"},

		{"UTC", func(f *agreeFile) { f.timeZone = "UTC" }, true, ""},
		{"New York", func(f *agreeFile) { f.timeZone = "America/New_York" }, true, ""},
		{"no time zone", func(f *agreeFile) { f.timeZone = "" }, false, "site.time_zone"},
		{"the machine's time zone", func(f *agreeFile) { f.timeZone = "Local" }, false, "site.time_zone"},
		{"misspelled time zone", func(f *agreeFile) { f.timeZone = "Asia/Shangai" }, false, "site.time_zone"},

		{"English", func(f *agreeFile) { f.language = "en" }, true, ""},
		{"traditional Chinese", func(f *agreeFile) { f.language = "zh-TW" }, true, ""},
		{"French, which has no words", func(f *agreeFile) { f.language = "fr" }, false, "site.language"},
		{"not a language", func(f *agreeFile) { f.language = "zh_CN!" }, false, "site.language"},

		{"list with no addresses", func(f *agreeFile) { f.lists = "[[lists]]\nname = \"residents\"\naddresses = []\n" }, false, "lists.addresses"},
		{"list with an empty file", func(f *agreeFile) { f.lists = "[[lists]]\nname = \"residents\"\nfile = \"empty.txt\"\n" }, true, ""},
		{"digest to no list", func(f *agreeFile) { f.digestLists = "[]" }, false, "digests.lists"},
		{"digest to an undefined list", func(f *agreeFile) { f.digestLists = `["nobody"]` }, false, "digests.lists"},
		{"no lists at all", func(f *agreeFile) { f.lists = ""; f.digestLists = `["residents"]` }, false, "digests.lists"},

		{"topic with no keywords", func(f *agreeFile) { f.topics = "[[topics]]\nname = \"防汛\"\nslug = \"flood\"\nkeywords = []\n" }, false, "topics.keywords"},
		{"topic with a bad slug", func(f *agreeFile) {
			f.topics = "[[topics]]\nname = \"防汛\"\nslug = \"Flood\"\nkeywords = [\"防汛\"]\n"
		}, false, "topics.slug"},
		{"no topics, one named by a digest", func(f *agreeFile) { f.topics = "" }, false, "digests.topics"},

		{"from with a display name", func(f *agreeFile) { f.from = "示范区新闻 <news@example.org>" }, true, ""},
		{"from without a domain", func(f *agreeFile) { f.from = "news" }, false, "smtp.from"},
		{"subject with a misspelled field", func(f *agreeFile) { f.subject = "{{.Titel}}" }, false, "digests.subject"},
		{"subject in English", func(f *agreeFile) { f.subject = "{{.Site}}, {{.Date}}" }, true, ""},

		{"CA file with a certificate", func(f *agreeFile) { f.smtpExtra = `ca_file = "ca.pem"` }, true, ""},
		{"CA file that is no certificate", func(f *agreeFile) { f.smtpExtra = `ca_file = "empty.txt"` }, false, "smtp.ca_file"},
		{"CA file missing", func(f *agreeFile) { f.smtpExtra = `ca_file = "nowhere.pem"` }, false, "smtp.ca_file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := baseAgreeFile()
			tc.change(&f)
			dir := t.TempDir()
			path := filepath.Join(dir, "config.toml")
			if err := os.WriteFile(path, []byte(f.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			writeTestCA(t, filepath.Join(dir, "ca.pem"))
			_, loadErr := Load(path)
			c, problems := decode(path, []byte(f.String()))
			checkOK := loadErr == nil && len(problems) == 0
			serviceErrs := startServices(t, c)
			if checkOK != (len(serviceErrs) == 0) {
				t.Fatalf("check accepts it: %v, but the services say %v; check said %v", checkOK, serviceErrs, loadErr)
			}
			if checkOK != tc.ok {
				t.Fatalf("accepted = %v, want %v: %v", checkOK, tc.ok, loadErr)
			}
			if tc.ok {
				return
			}
			for _, p := range problems {
				if p.Key == tc.key && p.File == path && p.Line > 0 {
					return
				}
			}
			t.Errorf("no problem with key %s at a line of %s:\n%v", tc.key, path, loadErr)
		})
	}
}

// startServices builds every service the daemon builds from c, as
// cmd/paperboy wires them, and returns their errors.
func startServices(t *testing.T, c *Config) []error {
	t.Helper()
	var errs []error
	logger := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "paperboy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	feeds, err := feed.NewService(c.Feed(logger), st)
	if err != nil {
		errs = append(errs, err)
	} else if _, err := web.New(web.Config{Logger: logger}, st, feeds); err != nil {
		errs = append(errs, err)
	}
	mc := c.Mailer()
	for _, l := range c.Lists {
		rs, err := LoadRecipients(l)
		if err != nil {
			errs = append(errs, err)
		}
		for _, r := range rs {
			mc.Lists[l.Name] = append(mc.Lists[l.Name], r.Address)
		}
	}
	mc.UnsubscribeSecret = []byte(strings.Repeat("s", 32))
	mc.Logger = logger
	if _, err := mailer.New(mc, st, st); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// writeTestCA writes a self-signed certificate in PEM to path.
func writeTestCA(t *testing.T, path string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}
