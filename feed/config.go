// Package feed publishes paperboy's articles as RSS 2.0, Atom 1.0 and JSON
// Feed 1.1, and serves them as ready bytes that are rendered once per change.
//
// It builds on github.com/gorilla/feeds' exported RssFeed, AtomFeed and
// JSONFeed structs and adds what they lack for feeds that validate: self
// links, dc:creator, stable tag: ids, published times, language and
// categories. Feeds carry whole editions; older ones are in RFC 5005
// monthly archive documents. Service.Sync (run by Follow) keeps them
// current with the store whoever writes to it, re-rendering only what the
// changed editions touch, and pings WebSub hubs.
package feed

import (
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/site"
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

// Config is what the feed package needs besides the site.
type Config struct {
	// Site is the validated site: title, description, base URL,
	// language, time zone and topics (each gets a feed under
	// /topics/{slug}/).
	Site *site.Site
	// Items is how many articles each feed carries: feeds.items.
	Items int
	// Formats are the formats written: feeds.formats.
	Formats []Format
	// TagAuthority is the authority of the tag: URIs (RFC 4151) that
	// identify feeds and items: a domain the site owns or an email address,
	// and a date it was owned on, e.g. "example.org,2021". Item ids are
	// "tag:example.org,2021:" + article id. Never change it once
	// published. Empty, it is the base URL's host and ",2021":
	// feeds.tag_authority.
	TagAuthority string
	// PublishClock is when, after local midnight of the edition date, an
	// article counts as published; default 6h (06:00 in the site's zone).
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
	// default "© " + the site's title.
	Rights string
	// Hubs are WebSub hubs: every feed links them (rel="hub") and Follow
	// pings them when a feed changed. None by default.
	Hubs []string
	// Stylesheet is the site path of the XSLT style sheet the XML feeds
	// name in an xml-stylesheet instruction, so that a browser shows a
	// page saying how to subscribe instead of raw XML; the service serves
	// and exports it there. Default "/feed.xsl"; "none" for none.
	Stylesheet string
	// Logger receives refresh failures' context; default slog.Default().
	Logger *slog.Logger
}

// Validate reports every problem of c, keyed by config.toml key.
func (c Config) Validate() site.Problems {
	var ps site.Problems
	if c.Site == nil {
		ps.Add("site", "the feeds need the validated site settings")
	} else if msg := tagAuthorityProblem(c.Authority()); msg != "" {
		const eg = `, e.g. "news.example.org,2021" or "editor@example.org,2021-07-20"`
		if c.TagAuthority == "" {
			// A derived authority's problem is base_url's: the line to look at.
			ps.Add("site.base_url", "the feeds' tag authority made of its host, %q, %s; set feeds.tag_authority%s", c.Authority(), msg, eg)
		} else {
			ps.Add("feeds.tag_authority", "%q %s%s", c.TagAuthority, msg, eg)
		}
	}
	if c.Items <= 0 {
		ps.Add("feeds.items", "must be a positive number, got %d", c.Items)
	}
	if len(c.Formats) == 0 {
		ps.Add("feeds.formats", "list at least one of \"rss\", \"atom\", \"json\"")
	}
	seen := map[Format]bool{}
	for _, f := range c.Formats {
		switch {
		case f.FileName() == "":
			ps.Add("feeds.formats", "%q is not one of \"rss\", \"atom\", \"json\"", f)
		case seen[f]:
			ps.Add("feeds.formats", "%q is listed twice", f)
		}
		seen[f] = true
	}
	if c.PublishClock < 0 || c.PublishClock >= 24*time.Hour {
		ps.Add("feeds.publish_clock", "%v is not a time of day between 0h and 24h", c.PublishClock)
	}
	if c.Stylesheet != "" && c.Stylesheet != "none" && (!strings.HasPrefix(c.Stylesheet, "/") || strings.ContainsAny(c.Stylesheet, "\"<>{} ")) {
		ps.Add("feeds.stylesheet", "%q is not a site path such as \"/feed.xsl\" (or \"none\")", c.Stylesheet)
	}
	if c.TTL != 0 && c.TTL < time.Minute {
		ps.Add("feeds.ttl", "%v is less than a minute", c.TTL)
	}
	for i, h := range c.Hubs {
		if u, err := url.Parse(h); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.Add("feeds.hubs", "hub %d, %q, is not an absolute http(s) URL", i+1, h)
		}
	}
	return ps
}

// withDefaults checks c and fills in the defaults, returning a copy.
func (c Config) withDefaults() (Config, error) {
	if err := c.Validate().Err("feed"); err != nil {
		return c, err
	}
	c.TagAuthority = c.Authority()
	if c.PublishClock == 0 {
		c.PublishClock = 6 * time.Hour
	}
	if c.CacheControl == "" {
		c.CacheControl = "public, max-age=300"
	}
	switch c.Stylesheet {
	case "":
		c.Stylesheet = "/feed.xsl"
	case "none":
		c.Stylesheet = ""
	}
	if c.ArchiveCacheControl == "" {
		c.ArchiveCacheControl = "public, max-age=31536000"
	}
	if c.TTL == 0 {
		c.TTL = time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// Authority is TagAuthority, or the one derived from the base URL when it
// is empty.
func (c Config) Authority() string {
	if c.TagAuthority == "" && c.Site != nil {
		return c.Site.BaseURL.Hostname() + ",2021"
	}
	return c.TagAuthority
}

var (
	// dnsNameRE is RFC 4151's DNSname: DNScomp *("." DNScomp).
	dnsNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)
	// localPartRE is an email address's local part as RFC 4151 allows it
	// (RFC 2822's dot-atom).
	localPartRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
)

// tagAuthorityProblem says what is wrong with an RFC 4151 taggingEntity
// (authorityName "," date, the name a domain or an email address, the date
// YYYY, YYYY-MM or YYYY-MM-DD), or "" if nothing is.
func tagAuthorityProblem(s string) string {
	name, date, ok := strings.Cut(s, ",")
	if !ok {
		return "is not a domain or email address, a comma and a date"
	}
	domain := name
	if local, d, isEmail := strings.Cut(name, "@"); isEmail {
		if !localPartRE.MatchString(local) {
			return "has an email address whose part before @ is not allowed in a tag: URI"
		}
		domain = d
	}
	if !dnsNameRE.MatchString(domain) {
		return "does not start with a domain name or email address"
	}
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if len(date) == len(layout) {
			if _, err := time.Parse(layout, date); err == nil {
				return ""
			}
		}
	}
	return "does not end in a date YYYY, YYYY-MM or YYYY-MM-DD"
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
