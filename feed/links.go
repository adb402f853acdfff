package feed

import "net/url"

// The site's URL scheme. Every page is a directory with an index.html, so
// a static export works on any web server without rewrites, and the feeds
// and the pages share these functions, so they always agree.

// ArticlePath is an article's permalink path, "/articles/{id}/".
func ArticlePath(id string) string { return "/articles/" + url.PathEscape(id) + "/" }

// EditionPath is an edition page's path, "/editions/{date}/".
func EditionPath(date string) string { return "/editions/" + url.PathEscape(date) + "/" }

// TopicPath is a topic page's path, "/topics/{slug}/"; "" is the home page.
func TopicPath(slug string) string {
	if slug == "" {
		return "/"
	}
	return "/topics/" + url.PathEscape(slug) + "/"
}

// FeedPath is the path of a feed: "/atom.xml" for the main feed (slug ""),
// "/topics/{slug}/atom.xml" for a topic's.
func FeedPath(slug string, f Format) string {
	if slug == "" {
		return "/" + f.FileName()
	}
	return TopicPath(slug) + f.FileName()
}

// ArchivePath is the path of a feed's RFC 5005 archive document for a
// month (YYYY-MM): "/archive/2021-07/atom.xml" for the main feed,
// "/topics/{slug}/archive/2021-07/atom.xml" for a topic's.
func ArchivePath(slug, month string, f Format) string {
	return archiveDir(slug) + url.PathEscape(month) + "/" + f.FileName()
}

func archiveDir(slug string) string {
	if slug == "" {
		return "/archive/"
	}
	return TopicPath(slug) + "archive/"
}

// MonthPath is the path of the site's page listing a month's editions,
// "/archive/{month}/".
func MonthPath(month string) string { return "/archive/" + url.PathEscape(month) + "/" }

// URL makes a site path absolute with the configured base URL.
func (c Config) URL(path string) string { return c.BaseURL + path }

// TagURI is the RFC 4151 tag: URI for a specific name within the site,
// e.g. "tag:example.org,2021:2021-07-20-1f3a9c0b2d4e".
func (c Config) TagURI(specific string) string {
	return "tag:" + c.TagAuthority + ":" + specific
}

// AltLink is a feed as a page's <link rel="alternate"> announces it.
type AltLink struct {
	Title string
	Type  string
	Href  string
}
