package feed

import (
	_ "embed"
	"encoding/xml"
	"time"

	"github.com/paperboy-news/paperboy/site"
)

//go:embed feed.xsl
var feedXSL []byte

// IconPath is the site's icon (a newspaper in the site's red, SVG): the
// pages' favicon and the feeds' icon.
const IconPath = "/favicon.svg"

//go:embed favicon.svg
var iconSVG []byte

// stylesheet is the XSLT style sheet the XML feeds name, so that a
// browser shows a page saying how to subscribe (in Chinese, the site's
// default language) instead of raw XML.
func stylesheet(Config) []byte { return feedXSL }

// OPMLPath is where the OPML list of every feed is served and exported.
const OPMLPath = "/feeds.opml"

// opml is OPML 2.0 as feed readers import it: one outline per feed.
type opml struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    struct {
		Title       string `xml:"title"`
		DateCreated string `xml:"dateCreated"`
	} `xml:"head"`
	Body struct {
		Outlines []opmlOutline `xml:"outline"`
	} `xml:"body"`
}

type opmlOutline struct {
	Type    string `xml:"type,attr"`
	Text    string `xml:"text,attr"`
	Title   string `xml:"title,attr"`
	XMLURL  string `xml:"xmlUrl,attr"`
	HTMLURL string `xml:"htmlUrl,attr"`
	Lang    string `xml:"language,attr,omitempty"`
}

// OPML renders the list of every feed (main and topics, each enabled
// format), so a reader can subscribe to all of them at once. It depends
// only on the configuration, so its bytes and date are stable.
func (c Config) OPML() ([]byte, error) {
	var o opml
	o.Version = "2.0"
	o.Head.Title = site.Clean(c.Site.Title)
	o.Head.DateCreated = c.Epoch().Format(time.RFC1123Z)
	metas := []Meta{c.MainMeta()}
	for _, t := range c.Site.Topics {
		metas = append(metas, c.TopicMeta(t))
	}
	for _, m := range metas {
		for _, f := range AllFormats {
			if !c.enabled(f) {
				continue
			}
			typ := "rss"
			if f == Atom {
				typ = "atom"
			} else if f == JSON {
				typ = "json"
			}
			title := site.Clean(m.Title) + " (" + f.Label() + ")"
			o.Body.Outlines = append(o.Body.Outlines, opmlOutline{Type: typ, Text: title, Title: title,
				XMLURL: c.URL(FeedPath(m.Slug, f)), HTMLURL: c.URL(site.TopicPath(m.Slug)), Lang: c.Site.Language})
		}
	}
	return c.marshalXMLPlain(o)
}
