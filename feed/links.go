package feed

import "github.com/paperboy-news/paperboy/site"

// FeedPath is the site path of a feed: "/atom.xml" for the main feed (slug
// ""), "/topics/{slug}/atom.xml" for a topic's (see site.FeedPath).
func FeedPath(slug string, f Format) string { return site.FeedPath(slug, f.FileName()) }

// ArchivePath is the site path of a feed's RFC 5005 archive document for
// a month (see site.ArchivePath).
func ArchivePath(slug, month string, f Format) string {
	return site.ArchivePath(slug, month, f.FileName())
}

// URL makes a site path absolute under the site's base URL.
func (c Config) URL(path string) string { return c.Site.URL(path) }

// TagURI is the RFC 4151 tag: URI for a specific name within the site,
// e.g. "tag:example.org,2021:2021-07-20-1f3a9c0b2d4e".
func (c Config) TagURI(specific string) string {
	return "tag:" + c.TagAuthority + ":" + specific
}

// AltLink is a feed as a page's <link rel="alternate"> announces it.
type AltLink struct {
	Title string
	Type  string
	// Href is the feed's path under the base URL's path.
	Href string
}
