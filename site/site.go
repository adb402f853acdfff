// Package site holds what every reader-facing part of paperboy (the feeds,
// the web pages and the digest mail) must agree on: the validated site
// settings, the URL scheme, the headline, credit and lead rules, and the
// words readers see, in the site's language.
//
// It is a leaf next to content: it knows articles, nothing of feeds, pages,
// mail, the store or config.toml's syntax. Settings problems name the
// config.toml key they are about, so the config package can put each at its
// file and line.
package site

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	_ "time/tzdata" // time zones work on machines without a zoneinfo database
)

// Problem is one thing wrong with a package's settings: the config.toml key
// it is about, indexed for array tables ("digests[1].subject"), and what to
// do about it.
type Problem struct {
	Key     string
	Message string
}

func (p Problem) Error() string { return p.Key + ": " + p.Message }

// Problems is every problem found in a package's settings; Validate methods
// return it and constructors return it as their error.
type Problems []Problem

// Add appends a problem about key.
func (ps *Problems) Add(key, format string, args ...any) {
	*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

// Distinct reports value under key as used twice when seen has it, and
// adds it to seen.
func (ps *Problems) Distinct(key, what, value string, seen map[string]bool) {
	if seen[value] {
		ps.Add(key, "%s %q is used twice", what, value)
	}
	seen[value] = true
}

// Err is ps as an error naming the package, or nil when there is none.
func (ps Problems) Err(pkg string) error {
	if len(ps) == 0 {
		return nil
	}
	return &SettingsError{Package: pkg, Problems: ps}
}

// SettingsError is what a constructor returns for settings it refuses.
type SettingsError struct {
	Package  string
	Problems Problems
}

func (e *SettingsError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return e.Package + ": settings: " + strings.Join(lines, "; ")
}

// Settings is [site] and [[topics]] as the admin wrote them.
type Settings struct {
	Title       string
	Description string
	// BaseURL is the absolute http(s) URL the site is published under; it
	// may have a path ("https://example.org/paper/"), never a query or a
	// fragment.
	BaseURL string
	// Language is a BCP 47 tag whose words paperboy has (see WordsFor).
	Language string
	// TimeZone is an IANA zone name: edition dates and schedules are in it.
	TimeZone string
	// PublisherAddress is the postal address printed in email footers.
	PublisherAddress string
	Topics           []Topic
}

// Topic groups articles by keywords: one [[topics]] entry.
type Topic struct {
	Name string
	// Slug names the topic in URLs, the store and digest filters.
	Slug string
	// Keywords: an article gets the topic when any of them appears in its
	// title or body.
	Keywords []string
}

// Site is validated Settings: made only by New, so a *Site in hand is one
// every package accepts.
type Site struct {
	Title       string
	Description string
	// BaseURL is absolute, http or https, without query or fragment, and
	// its Path ends in "/".
	BaseURL *url.URL
	// Language is the tag as written; Words are its reader-facing words.
	Language string
	Words    *Words
	// TimeZone is the zone's name as written; Location the loaded zone.
	TimeZone         string
	Location         *time.Location
	PublisherAddress string
	Topics           []Topic
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// New validates s. Its error is Problems, every one at once, keyed by the
// config.toml key ("site.base_url", "topics[0].slug").
func New(s Settings) (*Site, Problems) {
	var ps Problems
	st := &Site{
		Title:            strings.TrimSpace(s.Title),
		Description:      strings.TrimSpace(s.Description),
		Language:         s.Language,
		TimeZone:         s.TimeZone,
		PublisherAddress: s.PublisherAddress,
		Topics:           s.Topics,
	}
	if st.Title == "" {
		ps.Add("site.title", "must not be empty")
	}
	if strings.ContainsAny(s.Title+s.Description+s.PublisherAddress, "\r\n") {
		for key, v := range map[string]string{"site.title": s.Title, "site.description": s.Description, "site.publisher_address": s.PublisherAddress} {
			if strings.ContainsAny(v, "\r\n") {
				ps.Add(key, "must be one line")
			}
		}
	}
	u, msg := parseBaseURL(s.BaseURL)
	if msg != "" {
		ps.Add("site.base_url", "%q %s, e.g. \"https://news.example.org/\" or \"https://example.org/paper/\"", s.BaseURL, msg)
	}
	st.BaseURL = u
	if _, err := language.Parse(s.Language); err != nil {
		ps.Add("site.language", "%q is not a language tag, e.g. \"zh-CN\" or \"en\"", s.Language)
	} else if st.Words = WordsFor(s.Language); st.Words == nil {
		ps.Add("site.language", "paperboy has no reader-facing words in %q; use one of %s", s.Language, strings.Join(Languages(), ", "))
	}
	switch loc, err := time.LoadLocation(s.TimeZone); {
	case s.TimeZone == "" || s.TimeZone == "Local":
		ps.Add("site.time_zone", "%q is not a named time zone; name one, e.g. \"Asia/Shanghai\"", s.TimeZone)
	case err != nil:
		ps.Add("site.time_zone", "%q is not a time zone, e.g. \"Asia/Shanghai\"", s.TimeZone)
	default:
		st.Location = loc
	}
	ps = append(ps, validateTopics(s.Topics)...)
	if len(ps) > 0 {
		return nil, ps
	}
	return st, nil
}

// parseBaseURL is the base URL with its path ending in "/", or why it is
// not one.
func parseBaseURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return nil, "is not an absolute http or https URL"
	case u.User != nil:
		return nil, "has a user name or password; links must not carry them"
	case u.RawQuery != "" || u.ForceQuery:
		return nil, "has a query (?…); links are built by appending paths, so it cannot have one"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return nil, "has a fragment (#…); links are built by appending paths, so it cannot have one"
	case !validPort(u.Port()):
		return nil, fmt.Sprintf("has port %q, not a number from 1 to 65535", u.Port())
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, ""
}

// validPort reports whether port, as a URL carries it, is absent or one a
// reader's browser can connect to (the listen rule of package config, but
// for 0, which a link cannot use).
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

func validateTopics(ts []Topic) Problems {
	var ps Problems
	names, slugs := map[string]bool{}, map[string]bool{}
	for i, t := range ts {
		at := func(key string) string { return fmt.Sprintf("topics[%d].%s", i, key) }
		if strings.TrimSpace(t.Name) == "" {
			ps.Add(at("name"), "every topic needs a name")
		} else {
			ps.Distinct(at("name"), "topic name", t.Name, names)
		}
		if !slugRE.MatchString(t.Slug) {
			ps.Add(at("slug"), "%q is not a slug: lower-case letters, digits and single hyphens, e.g. \"flood-control\"", t.Slug)
		} else {
			ps.Distinct(at("slug"), "topic slug", t.Slug, slugs)
		}
		if len(t.Keywords) == 0 {
			ps.Add(at("keywords"), "topic %q needs at least one keyword, or no article ever gets it", t.Name)
		}
		for _, k := range t.Keywords {
			if strings.TrimSpace(k) == "" {
				ps.Add(at("keywords"), "topic %q has an empty keyword, which would match every article", t.Name)
			}
		}
	}
	return ps
}

// Topic returns the configured topic with slug.
func (s *Site) Topic(slug string) (Topic, bool) {
	for _, t := range s.Topics {
		if t.Slug == slug {
			return t, true
		}
	}
	return Topic{}, false
}

// TopicName is the configured name of slug, or the slug itself for a topic
// no longer configured.
func (s *Site) TopicName(slug string) string {
	if t, ok := s.Topic(slug); ok {
		return t.Name
	}
	return slug
}

// Languages lists the language tags paperboy has words for.
func Languages() []string {
	tags := make([]string, 0, len(catalogue))
	for tag := range catalogue {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	return tags
}

// ConfigDuration writes a duration as config.toml does: "24h" and "1h30m",
// not Go's "24h0m0s" and "1h30m0s", so messages and forms quote a setting
// the way its admin wrote it.
func ConfigDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
