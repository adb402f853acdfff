package site

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/paperboy-news/paperboy/content"
)

// The URL scheme. Every page is a directory with an index.html, so a static
// export works on any web server without rewrites. The functions return
// paths relative to the site's root ("/articles/{id}/"), which is where a
// static export writes them; Path and URL put them under base_url, so a site
// published at https://example.org/paper/ links to
// https://example.org/paper/articles/{id}/.

// Ids ("2021-07-20-1f3a9c0b2d4e"), dates and slugs are URL-safe by
// construction, so they go into paths as they are, and ArticlePath("{id}")
// is the pattern a router matches articles with.

// ArticlePath is an article's permalink, "/articles/{id}/".
func ArticlePath(id string) string { return "/articles/" + id + "/" }

// EditionPath is an edition's page, "/editions/{date}/".
func EditionPath(date string) string { return "/editions/" + date + "/" }

// TopicPath is a topic's page, "/topics/{slug}/"; slug "" is the home page.
func TopicPath(slug string) string {
	if slug == "" {
		return "/"
	}
	return topicsDir + slug + "/"
}

// topicsDir holds the topics' pages and feeds.
const topicsDir = "/topics/"

// FeedPath is a feed file: "/{file}" for the main feed (slug ""),
// "/topics/{slug}/{file}" for a topic's.
func FeedPath(slug, file string) string { return TopicPath(slug) + file }

// ArchivePath is a feed's RFC 5005 archive document for a month
// (YYYY-MM): "/archive/2021-07/{file}" for the main feed (slug ""),
// "/topics/{slug}/archive/2021-07/{file}" for a topic's.
func ArchivePath(slug, month, file string) string {
	return TopicPath(slug) + "archive/" + month + "/" + file
}

// ParseArchivePath is ArchivePath read back: the topic slug ("" for the
// main feed), the month and the file name of an archive document's path,
// or ok false for any other path. The month has ArchivePath's YYYY-MM
// shape; whether it and the file exist is the caller's question.
func ParseArchivePath(path string) (slug, month, file string, ok bool) {
	rest := path
	if r, topic := strings.CutPrefix(path, topicsDir); topic {
		if slug, rest, ok = strings.Cut(r, "/"); !ok || slug == "" {
			return "", "", "", false
		}
		rest = "/" + rest
	}
	rest, ok = strings.CutPrefix(rest, "/archive/")
	if !ok {
		return "", "", "", false
	}
	month, file, ok = strings.Cut(rest, "/")
	if !ok || len(month) != len("2006-01") || month[4] != '-' || file == "" || strings.Contains(file, "/") {
		return "", "", "", false
	}
	if ArchivePath(slug, month, file) != path {
		return "", "", "", false
	}
	return slug, month, file, true
}

// MonthPath is the page listing a month's articles, "/archive/{month}/".
func MonthPath(month string) string { return "/archive/" + month + "/" }

// UnsubscribePath is where the unsubscribe links point.
const UnsubscribePath = "/unsubscribe"

// SubscribePath is the sign-up page; ConfirmPath and ManagePath, under
// it, take the confirmation links and the preferences page.
const (
	SubscribePath = "/subscribe/"
	ConfirmPath   = "/subscribe/confirm/"
	ManagePath    = "/subscribe/manage/"
)

// LinkScope is what the site's signed links (unsubscribe and confirmation
// tokens) are bound to: base_url's host, lower-cased, and its path without
// the trailing slash ("example.org", "example.org/paper"). Not the scheme:
// moving the site from http to https keeps the links in mail already sent
// working.
func (s *Site) LinkScope() string { return LinkScope(s.BaseURL) }

// LinkScope is Site.LinkScope of a base URL.
func LinkScope(base *url.URL) string {
	return strings.ToLower(base.Host) + strings.TrimRight(base.EscapedPath(), "/")
}

// BasePath is base_url's path, "/" or e.g. "/paper/".
func (s *Site) BasePath() string { return s.BaseURL.EscapedPath() }

// Path puts a site path under base_url's path: "/articles/x/" becomes
// "/paper/articles/x/" for a site published at https://example.org/paper/.
// Pages link with it, and the server mounts its routes with it.
func (s *Site) Path(sitePath string) string {
	return s.BasePath() + strings.TrimPrefix(sitePath, "/")
}

// URL is a site path as an absolute URL under base_url.
func (s *Site) URL(sitePath string) string {
	return s.BaseURL.Scheme + "://" + s.BaseURL.Host + s.Path(sitePath)
}

// SitePath is the inverse of Path: a request path under base_url's path as
// a site path, and false for one outside it.
func (s *Site) SitePath(requestPath string) (string, bool) {
	rest, ok := strings.CutPrefix(requestPath, s.BasePath())
	if !ok {
		return "", false
	}
	return "/" + rest, true
}

// ImagePath is a picture rendition's file, "/images/{name}"; the name is
// the file's content hash, so the URL may be cached forever.
func ImagePath(name string) string { return "/images/" + name }

// Picture is an article's picture as an <img> shows it: Src is a
// rendition at least as wide as asked, whose size Width and Height are
// (so the layout does not jump as it loads), SrcSet every rendition for
// clients that pick, Alt the cleaned alternative text.
type Picture struct {
	Src, SrcSet, Alt string
	Width, Height    int
}

// PictureOf is a's picture with a src at least width pixels wide, its
// URLs made by url from site paths (Site.Path for pages, Site.URL for
// feeds and mail); ok is false when a has none.
func PictureOf(a content.Article, width int, url func(string) string) (p Picture, ok bool) {
	if a.Image == nil || len(a.Image.Renditions) == 0 {
		return Picture{}, false
	}
	r := a.Image.AtLeast(width)
	return Picture{
		Src:    url(ImagePath(r.Name)),
		SrcSet: SrcSet(a.Image, url),
		Alt:    Clean(a.Alt()),
		Width:  r.Width,
		Height: r.Height,
	}, true
}

// SrcSet is an <img srcset> listing every rendition of im by width, each
// URL made by url from its site path (Site.Path for pages, Site.URL for
// feeds and mail).
func SrcSet(im *content.Image, url func(string) string) string {
	if im == nil {
		return ""
	}
	parts := make([]string, len(im.Renditions))
	for i, r := range im.Renditions {
		parts[i] = url(ImagePath(r.Name)) + " " + strconv.Itoa(r.Width) + "w"
	}
	return strings.Join(parts, ", ")
}

// DigestsPath is the archive of sent digests, "/digests/".
const DigestsPath = "/digests/"

// DigestPath lists digest name's past issues, "/digests/{name}/". Digest
// names are URL-safe (letters, digits, "_.-").
func DigestPath(name string) string { return DigestsPath + name + "/" }

// DigestIssuePath is the web copy of digest name's issue of date
// (YYYY-MM-DD in the site's time zone), "/digests/{name}/{date}/": what
// was mailed, without the reader's parts; every message links to it.
func DigestIssuePath(name, date string) string { return DigestPath(name) + date + "/" }
