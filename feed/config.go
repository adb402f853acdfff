// Package feed publishes paperboy's articles as RSS 2.0, Atom 1.0 and JSON
// Feed 1.1, and serves them as ready bytes that are rendered once per change.
//
// It builds on github.com/gorilla/feeds' exported RssFeed, AtomFeed and
// JSONFeed structs and adds what they lack for feeds that validate: self
// links, dc:creator, stable tag: ids, published times, language and
// categories.
package feed

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Format is one of the three feed formats.
type Format string

// The feed formats paperboy writes.
const (
	RSS  Format = "rss"
	Atom Format = "atom"
	JSON Format = "json"
)

// AllFormats lists every format in the order pages link them.
var AllFormats = []Format{Atom, RSS, JSON}

// FileName is the format's file name under the site root or a topic
// directory: rss.xml, atom.xml or feed.json.
func (f Format) FileName() string {
	switch f {
	case RSS:
		return "rss.xml"
	case Atom:
		return "atom.xml"
	case JSON:
		return "feed.json"
	}
	return ""
}

// ContentType is the media type the format is served with.
func (f Format) ContentType() string {
	switch f {
	case RSS:
		return "application/rss+xml; charset=utf-8"
	case Atom:
		return "application/atom+xml; charset=utf-8"
	case JSON:
		return "application/feed+json; charset=utf-8"
	}
	return ""
}

// MediaType is ContentType without parameters, as autodiscovery links use it.
func (f Format) MediaType() string {
	mt, _, _ := strings.Cut(f.ContentType(), ";")
	return mt
}

// Label is the format's human name, e.g. "Atom".
func (f Format) Label() string {
	switch f {
	case RSS:
		return "RSS"
	case Atom:
		return "Atom"
	case JSON:
		return "JSON Feed"
	}
	return string(f)
}

// Topic is a configured topic: its display name and its URL slug, which is
// also the value the store keeps in Article.Topics.
type Topic struct {
	Name string
	Slug string
}

// Config is what the feed package needs to know about the site.
type Config struct {
	// Title and Description name the site; topic feeds append the topic.
	Title       string
	Description string
	// BaseURL is the site's absolute root, e.g. "https://news.example.org/";
	// every link and self link in the feeds starts with it.
	BaseURL string
	// Language is the BCP 47 tag of the content; default "zh-CN".
	Language string
	// Location is the site's time zone; default Asia/Shanghai.
	Location *time.Location
	// Items is how many articles each feed carries; default 50.
	Items int
	// Topics get a feed each, under /topics/{slug}/.
	Topics []Topic
	// Formats are the formats written; default all three.
	Formats []Format
	// TagAuthority is the authority of the tag: URIs (RFC 4151) that
	// identify feeds and items: a domain the site owns and a date it owned
	// it on, e.g. "example.org,2021". Item ids are
	// "tag:example.org,2021:" + article id. Never change it once published.
	TagAuthority string
	// PublishClock is when, after local midnight of the edition date, an
	// article counts as published; default 6h (06:00 in Location).
	PublishClock time.Duration
	// CacheControl is sent with every feed; default "public, max-age=300".
	CacheControl string
	// ArchiveCacheControl is sent with archive documents of months the
	// current feed has moved past, which no longer change; default
	// "public, max-age=31536000".
	ArchiveCacheControl string
	// TTL is how often readers should look for a new edition (RSS ttl);
	// default 60 minutes.
	TTL time.Duration
	// Rights is the copyright statement (Atom rights, RSS copyright);
	// default "© " + Title.
	Rights string
	// Hubs are WebSub hubs: every feed links them (rel="hub") and Pinger
	// tells them when a feed changed. None by default.
	Hubs []string
	// Stylesheet is the site path of the XSLT style sheet the XML feeds
	// name in an xml-stylesheet instruction, so that a browser shows a
	// page saying how to subscribe instead of raw XML; the service serves
	// and exports it there. Default "/feed.xsl"; "none" for none.
	Stylesheet string
	// Logger receives refresh failures' context; default slog.Default().
	Logger *slog.Logger
}

var (
	slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	tagRE  = regexp.MustCompile(`^[A-Za-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?$`)
)

// withDefaults checks c and fills in the defaults, returning a copy.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if strings.TrimSpace(c.Title) == "" {
		errs = append(errs, errors.New("title is empty: set the site title"))
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("base URL %q: want an absolute http(s) URL such as https://news.example.org/", c.BaseURL))
	} else {
		c.BaseURL = strings.TrimSuffix(u.String(), "/")
	}
	if !tagRE.MatchString(c.TagAuthority) {
		errs = append(errs, fmt.Errorf("tag authority %q: want a domain and a date, e.g. \"example.org,2021\" (RFC 4151)", c.TagAuthority))
	}
	if c.Language == "" {
		c.Language = "zh-CN"
	}
	if c.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
		c.Location = loc
	}
	if c.Items == 0 {
		c.Items = 50
	}
	if c.Items < 0 {
		errs = append(errs, fmt.Errorf("items %d: want a positive number of feed items", c.Items))
	}
	if c.PublishClock == 0 {
		c.PublishClock = 6 * time.Hour
	}
	if c.PublishClock < 0 || c.PublishClock >= 24*time.Hour {
		errs = append(errs, fmt.Errorf("publish clock %v: want a time of day between 0h and 24h", c.PublishClock))
	}
	if len(c.Formats) == 0 {
		c.Formats = AllFormats
	}
	for _, f := range c.Formats {
		if f.FileName() == "" {
			errs = append(errs, fmt.Errorf("format %q: want rss, atom or json", f))
		}
	}
	seen := map[string]bool{}
	for i, t := range c.Topics {
		if !slugRE.MatchString(t.Slug) {
			errs = append(errs, fmt.Errorf("topic %d (%q): slug %q: want lower-case letters, digits and '-'", i+1, t.Name, t.Slug))
		}
		if strings.TrimSpace(t.Name) == "" {
			errs = append(errs, fmt.Errorf("topic %d (%q): name is empty", i+1, t.Slug))
		}
		if seen[t.Slug] {
			errs = append(errs, fmt.Errorf("topic %d: slug %q repeats an earlier topic", i+1, t.Slug))
		}
		seen[t.Slug] = true
	}
	if c.CacheControl == "" {
		c.CacheControl = "public, max-age=300"
	}
	switch c.Stylesheet {
	case "":
		c.Stylesheet = "/feed.xsl"
	case "none":
		c.Stylesheet = ""
	default:
		if !strings.HasPrefix(c.Stylesheet, "/") || strings.ContainsAny(c.Stylesheet, "\"<>{} ") {
			errs = append(errs, fmt.Errorf("stylesheet %q: want a site path such as /feed.xsl", c.Stylesheet))
		}
	}
	if c.ArchiveCacheControl == "" {
		c.ArchiveCacheControl = "public, max-age=31536000"
	}
	if c.TTL == 0 {
		c.TTL = time.Hour
	}
	if c.TTL < time.Minute {
		errs = append(errs, fmt.Errorf("ttl %v: want at least a minute", c.TTL))
	}
	for i, h := range c.Hubs {
		if u, err := url.Parse(h); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("hub %d %q: want an absolute http(s) URL", i+1, h))
		}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("feed: config: %w", err)
	}
	return c, nil
}

// enabled reports whether format f is configured.
func (c Config) enabled(f Format) bool {
	for _, g := range c.Formats {
		if g == f {
			return true
		}
	}
	return false
}

// topicName maps a slug to its configured name, or the slug itself.
func (c Config) topicName(slug string) string {
	for _, t := range c.Topics {
		if t.Slug == slug {
			return t.Name
		}
	}
	return slug
}
