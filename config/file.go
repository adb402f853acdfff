package config

import (
	"reflect"
	"strings"
)

// fileConfig is config.toml as written, before validation. Values the
// admin may leave out are filled in by defaults; the validator turns it
// into a Config.
type fileConfig struct {
	Site        fileSite        `toml:"site"`
	Content     fileContent     `toml:"content"`
	Store       fileStore       `toml:"store"`
	Server      fileServer      `toml:"server"`
	Log         fileLog         `toml:"log"`
	Feeds       fileFeeds       `toml:"feeds"`
	Topics      []fileTopic     `toml:"topics"`
	SMTP        fileSMTP        `toml:"smtp"`
	Unsubscribe fileUnsubscribe `toml:"unsubscribe"`
	Lists       []fileList      `toml:"lists"`
	Digests     []fileDigest    `toml:"digests"`
	Jobs        fileJobs        `toml:"jobs"`
	// Hook (mail, issue 13): see deliverability.go.
	DKIM    fileDKIM    `toml:"dkim"`
	Bounces fileBounces `toml:"bounces"`
}

type fileSite struct {
	Title            string `toml:"title"`
	Description      string `toml:"description"`
	BaseURL          string `toml:"base_url"`
	Language         string `toml:"language"`
	TimeZone         string `toml:"time_zone"`
	PublisherAddress string `toml:"publisher_address"`
}

type fileContent struct {
	PagesDir    string `toml:"pages_dir"`
	MarkdownDir string `toml:"markdown_dir"`
	// Hardening.
	MaxPageSize string `toml:"max_page_size"`
}

type fileStore struct {
	Driver          string `toml:"driver"`
	Path            string `toml:"path"`
	DSNEnv          string `toml:"dsn_env"`
	FailoverTimeout string `toml:"failover_timeout"`
}

type fileServer struct {
	Listen          string `toml:"listen"`
	AdminTokenEnv   string `toml:"admin_token_env"`
	ShutdownTimeout string `toml:"shutdown_timeout"`
	// Hardening.
	AdminListen string `toml:"admin_listen"`
	// Sign-up (issue 14).
	TrustedProxies []string `toml:"trusted_proxies"`
	// Admin console.
	AdminsFile string `toml:"admins_file"`
}

type fileLog struct {
	Format string `toml:"format"`
	Level  string `toml:"level"`
}

type fileFeeds struct {
	Items   int      `toml:"items"`
	Formats []string `toml:"formats"`
	// TagAuthority is "" to derive it from site.base_url.
	TagAuthority string `toml:"tag_authority"`
	// Hubs are WebSub hubs to link and ping; none by default.
	Hubs []string `toml:"hubs"`
}

type fileTopic struct {
	Name     string   `toml:"name"`
	Slug     string   `toml:"slug"`
	Keywords []string `toml:"keywords"`
}

type fileSMTP struct {
	Transport   string  `toml:"transport"`
	FileDir     string  `toml:"file_dir"`
	Host        string  `toml:"host"`
	Port        int     `toml:"port"`
	TLS         string  `toml:"tls"`
	User        string  `toml:"user"`
	PasswordEnv string  `toml:"password_env"`
	From        string  `toml:"from"`
	FromName    string  `toml:"from_name"`
	Rate        float64 `toml:"rate"`
	Connections int     `toml:"connections"`
	Retries     int     `toml:"retries"`
	Backoff     string  `toml:"backoff"`
	Timeout     string  `toml:"timeout"`
	// Hardening.
	AllowPlaintextAuth bool   `toml:"allow_plaintext_auth"`
	CAFile             string `toml:"ca_file"`
}

type fileUnsubscribe struct {
	SecretEnv string `toml:"secret_env"`
	// Hardening.
	PreviousSecretEnvs []string `toml:"previous_secret_envs"`
}

type fileList struct {
	Name        string   `toml:"name"`
	Addresses   []string `toml:"addresses"`
	File        string   `toml:"file"`
	Signup      bool     `toml:"signup"`
	Title       string   `toml:"title"`
	Description string   `toml:"description"`
}

type fileDigest struct {
	Name        string   `toml:"name"`
	Schedule    string   `toml:"schedule"`
	Lists       []string `toml:"lists"`
	Topics      []string `toml:"topics"`
	Subject     string   `toml:"subject"`
	SkipEmpty   *bool    `toml:"skip_empty"`
	CatchUp     string   `toml:"catch_up"`
	Period      string   `toml:"period"`
	MaxArticles int      `toml:"max_articles"`
	Paused      bool     `toml:"paused"`
}

type fileJobs struct {
	Ingest     string `toml:"ingest"`
	WatchPages bool   `toml:"watch_pages"`
	Feeds      string `toml:"feeds"`
}

// Defaults for keys the admin may leave out.
const (
	defaultCatchUp = "3h"
)

func defaults() fileConfig {
	return fileConfig{
		Site: fileSite{
			Title:    "paperboy",
			BaseURL:  "http://127.0.0.1:8080/",
			Language: "zh-CN",
			TimeZone: "Asia/Shanghai",
		},
		Content: fileContent{PagesDir: "pages", MaxPageSize: "8MB"},
		Store:   fileStore{Path: "data/paperboy.db"},
		Server: fileServer{
			Listen:          "127.0.0.1:8080",
			AdminTokenEnv:   "PAPERBOY_ADMIN_TOKEN",
			ShutdownTimeout: "30s",
		},
		Log:   fileLog{Format: "text", Level: "info"},
		Feeds: fileFeeds{Items: 50, Formats: []string{"rss", "atom", "json"}},
		SMTP: fileSMTP{
			Transport:   "file",
			FileDir:     "outbox",
			Port:        587,
			TLS:         "mandatory",
			PasswordEnv: "PAPERBOY_SMTP_PASSWORD",
			Rate:        10,
			Connections: 2,
			Retries:     5,
			Backoff:     "30s",
			Timeout:     "30s",
		},
		Unsubscribe: fileUnsubscribe{SecretEnv: "PAPERBOY_UNSUBSCRIBE_SECRET"},
		Jobs:        fileJobs{Ingest: "*/5 * * * *", WatchPages: true},
	}
}

// knownKeys maps each table of the file, by its unindexed path ("" for the
// top level, "digests" for every [[digests]] entry), to the keys it takes:
// the toml tags of fileConfig.
var knownKeys = func() map[string][]string {
	m := map[string][]string{}
	var walk func(path string, t reflect.Type)
	walk = func(path string, t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			m[path] = append(m[path], tag)
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				walk(join(path, tag), ft)
			}
		}
	}
	walk("", reflect.TypeFor[fileConfig]())
	return m
}()
