package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/mailer"
)

func TestShippedConfigLoads(t *testing.T) {
	c, err := Load("../config.toml")
	if err != nil {
		t.Fatalf("shipped config.toml: %v", err)
	}
	if c.Site.Location.String() != "Asia/Shanghai" || c.Site.Language != "zh-CN" {
		t.Errorf("site zone/language = %v/%q", c.Site.Location, c.Site.Language)
	}
	if got, want := c.Content.PagesDir, filepath.Join("..", "pages"); got != want {
		t.Errorf("pages dir = %q, want %q (relative to the file)", got, want)
	}
	if c.SMTP.Transport != "file" || c.Server.Listen != "127.0.0.1:8080" {
		t.Errorf("transport %q listen %q: the shipped file must run without a mail server", c.SMTP.Transport, c.Server.Listen)
	}
	d, err := c.Digest("daily")
	if err != nil {
		t.Fatal(err)
	}
	if d.CatchUp != 3*time.Hour || d.Period != 24*time.Hour || !d.SkipEmpty {
		t.Errorf("daily digest catch_up %v period %v skip_empty %v", d.CatchUp, d.Period, d.SkipEmpty)
	}
	next := d.Cron.Next(time.Date(2021, 7, 20, 6, 0, 0, 0, time.UTC)) // 14:00 in Shanghai
	if want := time.Date(2021, 7, 21, 7, 0, 0, 0, c.Site.Location); !next.Equal(want) {
		t.Errorf("daily next run = %v, want %v (07:00 site time)", next, want)
	}
	tmpl, err := mailer.ParseSubject(d.Subject)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, mailer.SubjectData{Site: c.Site.Title, Date: "7月20日", Lead: "示范区党政联席会议召开", Count: 13}); err != nil {
		t.Fatal(err)
	}
	if subject, want := b.String(), "示范区新闻 7月20日：示范区党政联席会议召开 等13条"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	l, err := c.List("demo")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := LoadRecipients(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[1].Name != "读者二" || rs[1].Address != "reader2@example.org" {
		t.Errorf("demo recipients = %+v", rs)
	}
	if len(c.Site.Topics) < 3 {
		t.Errorf("topics = %d, want the shipped examples", len(c.Site.Topics))
	}
}

// TestBadConfigNamesEveryProblem is the check: a misspelled key, a
// bad cron spec and a bad address are all reported, each with its line.
func TestBadConfigNamesEveryProblem(t *testing.T) {
	_, err := Load("testdata/bad.toml")
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	want := []struct {
		line int
		key  string
		msg  string
	}{
		{10, "lists.addresses", `"not an address" is not an email address`},
		{19, "digests.shedule", "unknown key digests.shedule; did you mean schedule?"},
		{17, "digests.schedule", "needs a cron spec"},
		{24, "digests.schedule", `bad cron spec "0 7 * * MONDAY-ish"`},
	}
	for _, w := range want {
		found := false
		for _, p := range ps {
			if p.Line == w.line && p.Key == w.key && strings.Contains(p.Message, w.msg) && p.File == "testdata/bad.toml" {
				found = true
			}
		}
		if !found {
			t.Errorf("missing problem testdata/bad.toml:%d: %s: %s\ngot:\n%v", w.line, w.key, w.msg, err)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(ps), len(want), err)
	}
	if !strings.Contains(err.Error(), "testdata/bad.toml:19: digests.shedule: unknown key") {
		t.Errorf("error text does not start problems with file:line: key:\n%v", err)
	}
}

// loadWith writes extra TOML, plus an [smtp] from address unless extra
// has an [smtp] table, to a temporary config.toml and loads it.
func loadWith(t *testing.T, extra string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	base := extra
	if !strings.Contains(extra, "[smtp]") {
		base += "\n[smtp]\nfrom = \"news@example.org\"\n"
	}
	if err := os.WriteFile(path, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(path)
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name  string
		toml  string
		line  int
		key   string
		match string
	}{
		{"unknown section", "[smpt]\nhost = \"x\"\n", 1, "smpt", "unknown key smpt; did you mean smtp?"},
		{"unknown top-level key", "titel = \"x\"\n", 1, "titel", "unknown key titel"},
		{"bare CRON_TZ", "[jobs]\ningest = \"CRON_TZ=UTC\"\n", 2, "jobs.ingest", "names a time zone but no schedule"},
		{"bad cron zone", "[jobs]\ningest = \"CRON_TZ=Mars/Base 0 7 * * *\"\n", 2, "jobs.ingest", "bad location"},
		{"never fires", "[jobs]\ningest = \"0 0 30 2 *\"\n", 2, "jobs.ingest", "never fires"},
		{"bad time zone", "[site]\ntime_zone = \"Asia/Shangai\"\n", 2, "site.time_zone", "not a time zone"},
		{"bad language", "[site]\nlanguage = \"zh_CN!\"\n", 2, "site.language", "not a language tag"},
		{"relative base url", "[site]\nbase_url = \"news.example.org\"\n", 2, "site.base_url", "absolute"},
		{"bad listen", "[server]\nlisten = \"8080\"\n", 2, "server.listen", "host:port"},
		{"bad port", "[server]\nlisten = \"127.0.0.1:99999\"\n", 2, "server.listen", "0 to 65535"},
		{"bad duration", "[server]\nshutdown_timeout = \"30\"\n", 2, "server.shutdown_timeout", "not a duration"},
		{"secret in file", "[server]\nadmin_token_env = \"s3cr3t!\"\n", 2, "server.admin_token_env", "environment variable name"},
		{"bad log format", "[log]\nformat = \"xml\"\n", 2, "log.format", "text"},
		// Hardening keys.
		{"bad page size", "[content]\nmax_page_size = \"8 parsecs\"\n", 2, "content.max_page_size", "not a size"},
		{"zero page size", "[content]\nmax_page_size = \"0MB\"\n", 2, "content.max_page_size", "not a size"},
		{"bad admin listen", "[server]\nadmin_listen = \"9090\"\n", 2, "server.admin_listen", "host:port"},
		{"admin listen is listen", "[server]\nlisten = \"127.0.0.1:8080\"\nadmin_listen = \"127.0.0.1:8080\"\n", 3, "server.admin_listen", "listen itself"},
		{"password in clear", "[smtp]\ntransport = \"smtp\"\nhost = \"mx\"\nuser = \"u\"\ntls = \"none\"\n", 5, "smtp.tls", "allow_plaintext_auth"},
		{"missing CA file", "[smtp]\nca_file = \"no-such-ca.pem\"\n", 2, "smtp.ca_file", "no-such-ca.pem"},
		{"secret in previous secrets", "[unsubscribe]\nprevious_secret_envs = [\"abc def\"]\n", 2, "unsubscribe.previous_secret_envs", "environment variable name"},
		{"bad log level", "[log]\nlevel = \"loud\"\n", 2, "log.level", "debug"},
		{"zero feed items", "[feeds]\nitems = 0\n", 2, "feeds.items", "positive"},
		{"bad feed format", "[feeds]\nformats = [\"rss\", \"rdf\"]\n", 2, "feeds.formats", `"rdf"`},
		{"duplicate topic slug", "[[topics]]\nname = \"a\"\nslug = \"x\"\nkeywords = [\"a\"]\n[[topics]]\nname = \"b\"\nslug = \"x\"\nkeywords = [\"b\"]\n", 7, "topics.slug", "used twice"},
		{"duplicate topic name", "[[topics]]\nname = \"a\"\nslug = \"x\"\nkeywords = [\"a\"]\n[[topics]]\nname = \"a\"\nslug = \"y\"\nkeywords = [\"b\"]\n", 6, "topics.name", "used twice"},
		{"bad slug", "[[topics]]\nname = \"a\"\nslug = \"防汛\"\nkeywords = [\"a\"]\n", 3, "topics.slug", "not a slug"},
		{"empty keyword", "[[topics]]\nname = \"a\"\nslug = \"a\"\nkeywords = [\"\"]\n", 4, "topics.keywords", "empty keyword"},
		{"bad transport", "[smtp]\ntransport = \"pigeon\"\n", 2, "smtp.transport", "pigeon"},
		{"smtp without host", "[smtp]\ntransport = \"smtp\"\nhost = \"\"\n", 3, "smtp.host", "host name"},
		{"bad tls", "[smtp]\ntls = \"always\"\n", 2, "smtp.tls", "mandatory"},
		{"bad tag authority", "[feeds]\ntag_authority = \"https://example.org/\"\n", 2, "feeds.tag_authority", "a comma and a date"},
		{"bad websub hub", "[feeds]\nhubs = [\"https://hub.example.org/\", \"hub.example.org\"]\n", 2, "feeds.hubs", "not an absolute http(s) URL"},
		{"bad smtp port", "[smtp]\nport = 70000\n", 2, "smtp.port", "port"},
		{"negative rate", "[smtp]\nrate = -1\n", 2, "smtp.rate", "0 (no limit)"},
		{"negative connections", "[smtp]\nconnections = -1\n", 2, "smtp.connections", "positive"},
		{"negative retries", "[smtp]\nretries = -1\n", 2, "smtp.retries", "0 or more"},
		{"bad from", "[smtp]\nfrom = \"news at example.org\"\n", 2, "smtp.from", "not a bare email address"},
		{"user without password env", "[smtp]\nuser = \"news\"\npassword_env = \"\"\n", 3, "smtp.password_env", "environment variable"},
		{"duplicate list", "[[lists]]\nname = \"a\"\naddresses = [\"a@example.org\"]\n[[lists]]\nname = \"a\"\naddresses = [\"b@example.org\"]\n", 5, "lists.name", "used twice"},
		{"empty list", "[[lists]]\nname = \"a\"\n", 2, "lists.addresses", "needs addresses"},
		{"undefined list", "[[digests]]\nname = \"d\"\nschedule = \"0 7 * * *\"\nlists = [\"nobody\"]\n", 4, "digests.lists", `list "nobody" is not defined`},
		{"undefined topic", "[[lists]]\nname = \"a\"\naddresses = [\"a@example.org\"]\n[[digests]]\nname = \"d\"\nschedule = \"0 7 * * *\"\nlists = [\"a\"]\ntopics = [\"sport\"]\n", 8, "digests.topics", `topic "sport" is not defined`},
		{"duplicate digest", "[[lists]]\nname = \"a\"\naddresses = [\"a@example.org\"]\n[[digests]]\nname = \"d\"\nschedule = \"0 7 * * *\"\nlists = [\"a\"]\n[[digests]]\nname = \"d\"\nschedule = \"0 8 * * *\"\nlists = [\"a\"]\n", 9, "digests.name", "used twice"},
		{"bad subject field", "[[lists]]\nname = \"a\"\naddresses = [\"a@example.org\"]\n[[digests]]\nname = \"d\"\nschedule = \"0 7 * * *\"\nlists = [\"a\"]\nsubject = \"{{.Titel}}\"\n", 8, "digests.subject", "Titel"},
		{"bad catch_up", "[[lists]]\nname = \"a\"\naddresses = [\"a@example.org\"]\n[[digests]]\nname = \"d\"\nschedule = \"0 7 * * *\"\nlists = [\"a\"]\ncatch_up = \"soon\"\n", 8, "digests.catch_up", "not a duration"},
		{"misspelled digest key", "[[lists]]\nname = \"a\"\naddresses = [\"a@example.org\"]\n[[digests]]\nname = \"d\"\nschedule = \"0 7 * * *\"\nlists = [\"a\"]\nskip_emtpy = true\n", 8, "digests.skip_emtpy", "did you mean skip_empty?"},
		{"unknown store driver", "[store]\ndriver = \"mysql\"\n", 2, "store.driver", `use "sqlite" (the default) or "postgres"`},
		{"postgres without dsn_env", "[store]\ndriver = \"postgres\"\n", 1, "store.dsn_env", "must name an environment variable"},
		{"dsn in file", "[store]\ndriver = \"postgres\"\ndsn_env = \"postgres://u:pw@db/paperboy\"\n", 3, "store.dsn_env", "environment variable name"},
		{"bad failover timeout", "[store]\nfailover_timeout = \"soon\"\n", 2, "store.failover_timeout", "not a duration"},
		{"short failover timeout", "[store]\nfailover_timeout = \"1s\"\n", 2, "store.failover_timeout", "between 3s and 10m"},
		{"syntax error", "[site\n", 1, "", "expected"},
		{"wrong type", "[feeds]\nitems = \"many\"\n", 2, "feeds.items", "incompatible types"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadWith(t, tt.toml)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want Problems", err)
			}
			for _, p := range ps {
				if p.Line == tt.line && p.Key == tt.key && strings.Contains(p.Message, tt.match) {
					return
				}
			}
			t.Errorf("want line %d key %q message containing %q; got:\n%v", tt.line, tt.key, tt.match, err)
		})
	}
}

func TestDefaultsAndResolution(t *testing.T) {
	c, err := loadWith(t, "[[lists]]\nname = \"a\"\naddresses = [\"a@example.org\"]\n[[digests]]\nname = \"d\"\nschedule = \"0 7 * * 1\"\nlists = [\"a\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	d := c.Digests[0]
	// No subject: "" leaves it to the mailer's default in the site's language.
	if d.CatchUp != 3*time.Hour || !d.SkipEmpty || d.Subject != "" {
		t.Errorf("defaults: catch_up %v skip_empty %v subject %q", d.CatchUp, d.SkipEmpty, d.Subject)
	}
	if d.Period != 7*24*time.Hour {
		t.Errorf("weekly digest's derived period = %v, want a week", d.Period)
	}
	if c.Content.MaxPageSize != 8<<20 || c.Server.AdminListen != "" || c.SMTP.AllowPlaintextAuth || c.SMTP.CAFile != "" {
		t.Errorf("hardening defaults: max_page_size %d admin_listen %q allow_plaintext_auth %v ca_file %q",
			c.Content.MaxPageSize, c.Server.AdminListen, c.SMTP.AllowPlaintextAuth, c.SMTP.CAFile)
	}
	if !filepath.IsAbs(c.Store.Path) || filepath.Dir(c.Store.Path) != filepath.Join(c.Dir, "data") {
		t.Errorf("store path %q not resolved against %q", c.Store.Path, c.Dir)
	}
	if _, err := c.Digest("nope"); err == nil || !strings.Contains(err.Error(), `"d"`) {
		t.Errorf("Digest(nope) err = %v, want one naming the defined digests", err)
	}
}

// TestLoadRecipientsFile: bad lines of a list file are left out with a
// warning each at file:line, a missing file gives a warning and no
// recipients from it, and a bad inline address is a Problem.
func TestLoadRecipientsFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "list.txt")
	body := "# residents\na@Example.ORG\n\n张三 <b@example.org>  # a comment\na@example.org\nnot-an-address\nc@\nx@y.z;\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, ws, err := ReadRecipients(List{Name: "residents", File: file})
	if err != nil || len(ws) != 3 || ws[0].Line != 6 || ws[1].Line != 7 || ws[2].Line != 8 || ws[0].File != file || len(rs) != 2 {
		t.Fatalf("ReadRecipients = %+v, %v, %v; want 2 recipients and warnings at %s:6, :7 and :8", rs, ws, err, file)
	}
	rs, ws, err = ReadRecipients(List{Name: "residents", Addresses: []string{"z@example.org"}, File: filepath.Join(dir, "nowhere.txt")})
	if err != nil || len(ws) != 1 || !strings.Contains(ws[0].Error(), "nowhere.txt: ") || len(rs) != 1 {
		t.Fatalf("missing file: ReadRecipients = %+v, %v, %v; want z@example.org and one warning", rs, ws, err)
	}
	_, _, err = ReadRecipients(List{Name: "residents", Addresses: []string{"bad-address"}, File: file, cfgPath: "config.toml", line: 4})
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line != 4 || ps[0].Key != "lists.addresses" {
		t.Fatalf("bad inline address: err = %v, want a problem at config.toml:4", err)
	}
	if err := os.WriteFile(file, []byte(body[:strings.Index(body, "not-an")]), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err = LoadRecipients(List{Name: "residents", Addresses: []string{"z@example.org"}, File: file})
	if err != nil {
		t.Fatal(err)
	}
	want := []Recipient{{Address: "z@example.org"}, {Address: "a@example.org"}, {Address: "b@example.org", Name: "张三"}}
	if len(rs) != len(want) {
		t.Fatalf("recipients = %+v, want %+v", rs, want)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Errorf("recipient %d = %+v, want %+v", i, rs[i], want[i])
		}
	}
}

func TestPathFlag(t *testing.T) {
	tests := []struct {
		name string
		env  string
		args []string
		want string
	}{
		{"default", "", nil, "config.toml"},
		{"env", "/etc/paperboy.toml", nil, "/etc/paperboy.toml"},
		{"flag wins", "/etc/paperboy.toml", []string{"-config", "x.toml"}, "x.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvPath, tt.env)
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			p := PathFlag(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if *p != tt.want {
				t.Errorf("path = %q, want %q", *p, tt.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ word, want string }{
		{"shedule", "schedule"},
		{"skip_emtpy", "skip_empty"},
		{"xyz", ""},
		{"schedul", "schedule"},
		{"topcis", "topics"},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, knownKeys["digests"]); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

// FuzzParse: no input makes Load panic, and every problem it reports has
// a line within the file.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"../config.toml", "testdata/bad.toml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[[digests]]\nname = \"\"\"a\nb\"\"\"\nlists = [\n\"x\", # c\n]\nshedule = 'CRON_TZ=UTC'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := parse("fuzz.toml", data)
		var ps Problems
		if errors.As(err, &ps) {
			lines := strings.Count(string(data), "\n") + 1
			for _, p := range ps {
				if p.File == "fuzz.toml" && (p.Line < 0 || p.Line > lines) {
					t.Errorf("problem at line %d of a %d-line file: %v", p.Line, lines, p)
				}
			}
		}
	})
}

func TestTagAuthority(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"derived from base_url", "[site]\nbase_url = \"https://news.example.cn/paper/\"\n", "news.example.cn,2021"},
		{"set", "[feeds]\ntag_authority = \"example.org,2019-05\"\n", "example.org,2019-05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Feed(nil).Authority(); got != tt.want {
				t.Errorf("tag authority = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestOneMessagePerBadDuration: a duration out of range gets one problem
// at its line, not the file's rule and the mailer's both.
func TestOneMessagePerBadDuration(t *testing.T) {
	const digest = "[[lists]]\nname = \"a\"\naddresses = [\"a@example.org\"]\n[[digests]]\nname = \"d\"\nschedule = \"0 7 * * *\"\nlists = [\"a\"]\n"
	tests := []struct {
		name, toml string
		line       int
		want       string
	}{
		{"negative catch_up", digest + "catch_up = \"-1h\"\n", 8, `digests.catch_up: must be zero or longer, got -1h0m0s`},
		{"negative period", digest + "period = \"-1h\"\n", 8, `digests.period: must be longer than zero, got -1h0m0s`},
		{"zero period", digest + "period = \"0s\"\n", 8, `digests.period: must be longer than zero, got "0s"`},
		{"negative shutdown_timeout", "[server]\nshutdown_timeout = \"-1s\"\n", 2, `server.shutdown_timeout: must be longer than zero, got "-1s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadWith(t, tt.toml)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want Problems", err)
			}
			var at []string
			for _, p := range ps {
				if p.Line == tt.line {
					at = append(at, p.Key+": "+p.Message)
				}
			}
			if len(at) != 1 || at[0] != tt.want {
				t.Errorf("problems at line %d: %q, want only %q", tt.line, at, tt.want)
			}
		})
	}
}

func TestStorePostgres(t *testing.T) {
	c, err := loadWith(t, "[store]\ndriver = \"postgres\"\ndsn_env = \"PAPERBOY_DSN\"\nfailover_timeout = \"20s\"\n")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PAPERBOY_DSN", "postgres://news@db.example.org/paperboy")
	if c.Store.Driver != "postgres" || c.Store.DSN() != "postgres://news@db.example.org/paperboy" || c.Store.FailoverTimeout != 20*time.Second {
		t.Errorf("store = %+v, dsn %q", c.Store, c.Store.DSN())
	}
	if d := c.Store.Describe(); strings.Contains(d, "news@") || !strings.Contains(d, "PAPERBOY_DSN") {
		t.Errorf("Describe() = %q: names the variable, never the connection string", d)
	}
	c, err = loadWith(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Driver != "sqlite" || c.Store.FailoverTimeout != 15*time.Second {
		t.Errorf("default store = %+v; want sqlite, failover 15s", c.Store)
	}
}
