package feed

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/paperboy-news/paperboy/site"
)

//go:embed feed.xsl
var feedXSL string

// feedXSLTemplate fills the style sheet with the site's words: x escapes
// a word for XML; title puts the feed's title (an XSLT value) into
// FeedPageTitle's {title}.
var feedXSLTemplate = template.Must(template.New("feed.xsl").Funcs(template.FuncMap{
	"x": xmlEscape,
	"title": func(s string) string {
		before, after, _ := strings.Cut(s, "{title}")
		return xmlEscape(before) + `<xsl:value-of select="$title"/>` + xmlEscape(after)
	},
}).Parse(feedXSL))

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// IconPath is the site's icon (a newspaper in the site's red, SVG): the
// pages' favicon. The feeds name its bitmaps (icon.go).
const IconPath = "/favicon.svg"

//go:embed favicon.svg
var iconSVG []byte

// stylesheet is the XSLT style sheet the XML feeds name, so that a
// browser shows a page saying how to subscribe, in the site's language,
// instead of raw XML.
func stylesheet(c Config) ([]byte, error) {
	w := site.WordsFor("zh-CN")
	if c.Site != nil && c.Site.Words != nil {
		w = c.Site.Words
	}
	var b bytes.Buffer
	if err := feedXSLTemplate.Execute(&b, w); err != nil {
		return nil, fmt.Errorf("feed: render feed.xsl: %w", err)
	}
	return b.Bytes(), nil
}

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
	for _, m := range c.metas() {
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
