package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// generator names the software in every feed.
const generator = "paperboy"

// Meta says which feed is being rendered: the main feed (Slug "") or a
// topic's.
type Meta struct {
	// Title and Description of the feed.
	Title       string
	Description string
	// Slug is the topic's slug, "" for the main feed; it decides the
	// feed's id, self link and alternate (HTML) link.
	Slug string
}

// MainMeta describes the site's main feed.
func (c Config) MainMeta() Meta {
	return Meta{Title: c.Site.Title, Description: c.Site.Description}
}

// TopicMeta describes a topic's feed.
func (c Config) TopicMeta(t site.Topic) Meta {
	desc := c.Site.Description
	if desc == "" {
		desc = c.Site.Title
	}
	return Meta{Title: c.Site.Title + " · " + t.Name, Description: desc + " · " + t.Name, Slug: t.Slug}
}

// metas describes every feed: the main feed, then each topic's.
func (c Config) metas() []Meta {
	metas := []Meta{c.MainMeta()}
	for _, t := range c.Site.Topics {
		metas = append(metas, c.TopicMeta(t))
	}
	return metas
}

// item is an article prepared once for all three formats.
type item struct {
	id        string
	link      string
	title     string
	summary   string
	content   string
	authors   []string
	topics    []site.Topic
	published time.Time
	updated   time.Time
	// image is the picture's rendition the item encloses; nil without.
	image *imageEnclosure
}

// imageEnclosure is a picture rendition with its absolute URL.
type imageEnclosure struct {
	content.Rendition
	url string
}

// placeAll numbers articles given as whole editions in page order, as
// the store's EditionRange does.
func placeAll(arts []content.Article) []store.PlacedArticle {
	out := make([]store.PlacedArticle, len(arts))
	n := 0
	for i, a := range arts {
		if i > 0 && a.Date != arts[i-1].Date {
			n = 0
		}
		out[i] = store.PlacedArticle{Article: a, Ordinal: n}
		n++
	}
	return out
}

func (c Config) items(arts []store.PlacedArticle) ([]item, error) {
	items := make([]item, 0, len(arts))
	w := c.Site.Words
	for _, a := range arts {
		pub, err := c.PublishedAt(a.Article, a.Ordinal)
		if err != nil {
			return nil, fmt.Errorf("feed: %w", err)
		}
		it := item{
			id:        c.TagURI(a.ID),
			link:      c.URL(site.ArticlePath(a.ID)),
			title:     w.Title(a.Article),
			summary:   site.Lead(a.Article),
			content:   contentHTML(a.Article, w, c.imageHTML(a.Article)),
			authors:   site.AuthorNames(a.Article),
			published: pub,
			updated:   c.Updated(a.Article, pub, a.Ordinal),
		}
		if a.Image != nil && len(a.Image.Renditions) > 0 {
			r := a.Image.AtLeast(FeedImageWidth)
			it.image = &imageEnclosure{Rendition: r, url: c.URL(site.ImagePath(r.Name))}
		}
		for _, slug := range a.Topics {
			it.topics = append(it.topics, site.Topic{Slug: site.Clean(slug), Name: site.Clean(c.Site.TopicName(slug))})
		}
		items = append(items, it)
	}
	return items, nil
}

// feedTimes are a feed's own times: the newest item's published and
// updated times. An empty feed (a topic nothing was tagged with yet) is
// dated when the site began, the date in TagAuthority, so it is neither
// 1970 nor different on every render.
func (c Config) feedTimes(items []item) (published, updated time.Time) {
	if len(items) == 0 {
		t := c.Epoch()
		return t, t
	}
	for _, it := range items {
		if it.published.After(published) {
			published = it.published
		}
		if it.updated.After(updated) {
			updated = it.updated
		}
	}
	return published, updated
}

// Epoch is when the site began, as far as its content can tell: the date
// of TagAuthority at the publish clock. Documents with no dated content
// (an empty topic feed, the 404 page) carry it, so they are stable and
// not dated 1970.
func (c Config) Epoch() time.Time {
	// withDefaults checked the date: YYYY, YYYY-MM or YYYY-MM-DD.
	_, date, _ := strings.Cut(c.TagAuthority, ",")
	date += "-01-01"[:len("2006-01-02")-len(date)]
	t, _ := time.ParseInLocation("2006-01-02", date, c.Site.Location)
	return t.Add(c.PublishClock)
}

// docLinks are a feed document's links to itself and its neighbours in
// the RFC 5005 archive: the subscription document (current), the next
// older and newer month's archive documents. Archive marks an archive
// document (fh:archive).
type docLinks struct {
	self, current, prevArchive, nextArchive string
	archive                                 bool
}

// gorillaFeed is the shared starting point the three formats build on.
func (c Config) gorillaFeed(m Meta, items []item, htmlSummary bool) *feeds.Feed {
	pub, upd := c.feedTimes(items)
	f := &feeds.Feed{
		Title:       site.Clean(m.Title),
		Link:        &feeds.Link{Href: c.URL(site.TopicPath(m.Slug))},
		Description: site.Clean(m.Description),
		Created:     pub,
		Updated:     upd,
		Items:       make([]*feeds.Item, len(items)),
	}
	for i, it := range items {
		desc := it.summary
		if htmlSummary {
			desc = html.EscapeString(desc)
		}
		f.Items[i] = &feeds.Item{
			Id:          it.id,
			IsPermaLink: "false",
			Title:       it.title,
			Link:        &feeds.Link{Href: it.link},
			Description: desc,
			Content:     it.content,
			Created:     it.published,
			Updated:     it.updated,
		}
		// One enclosure: RSS allows no more. Atom gets it as a link
		// rel="enclosure", JSON Feed as the item's "image".
		if im := it.image; im != nil {
			f.Items[i].Enclosure = &feeds.Enclosure{Url: im.url, Length: strconv.Itoa(im.Size), Type: im.Type}
		}
	}
	return f
}

// RenderRSS renders articles, in the order given, as an RSS 2.0 feed.
func RenderRSS(cfg Config, m Meta, arts []content.Article) ([]byte, error) {
	return render(cfg, m, arts, Config.rss)
}

// RenderAtom renders articles, in the order given, as an Atom 1.0 feed.
func RenderAtom(cfg Config, m Meta, arts []content.Article) ([]byte, error) {
	return render(cfg, m, arts, Config.atom)
}

// RenderJSON renders articles, in the order given, as a JSON Feed 1.1.
func RenderJSON(cfg Config, m Meta, arts []content.Article) ([]byte, error) {
	return render(cfg, m, arts, Config.json)
}

func render(cfg Config, m Meta, arts []content.Article, fn func(Config, Meta, []item, docLinks) ([]byte, error)) ([]byte, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	items, err := cfg.items(placeAll(arts))
	if err != nil {
		return nil, err
	}
	return fn(cfg, m, items, docLinks{})
}

// renderFormat renders prepared items in format f.
func (c Config) renderFormat(f Format, m Meta, items []item, l docLinks) ([]byte, error) {
	switch f {
	case RSS:
		return c.rss(m, items, l)
	case Atom:
		return c.atom(m, items, l)
	case JSON:
		return c.json(m, items, l)
	}
	return nil, fmt.Errorf("feed: unknown format %q", f)
}

// Namespaces the XML formats use beyond their own.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsHistory = "http://purl.org/syndication/history/1.0" // RFC 5005
	nsSy      = "http://purl.org/rss/1.0/modules/syndication/"
	nsMedia   = "http://search.yahoo.com/mrss/"
)

// atomLinks are the links an XML document carries for its place in the
// archive and its WebSub hubs, as Atom link elements.
func (c Config) atomLinks(l docLinks, selfType string) []feeds.AtomLink {
	links := []feeds.AtomLink{{Href: l.self, Rel: "self", Type: selfType}}
	if l.current != "" && l.current != l.self {
		links = append(links, feeds.AtomLink{Href: l.current, Rel: "current", Type: selfType})
	}
	if l.prevArchive != "" {
		links = append(links, feeds.AtomLink{Href: l.prevArchive, Rel: "prev-archive", Type: selfType})
	}
	if l.nextArchive != "" {
		links = append(links, feeds.AtomLink{Href: l.nextArchive, Rel: "next-archive", Type: selfType})
	}
	for _, h := range c.Hubs {
		links = append(links, feeds.AtomLink{Href: h, Rel: "hub"})
	}
	return links
}

// withSelf fills in the self link of a document rendered without one.
func (c Config) withSelf(l docLinks, m Meta, f Format) docLinks {
	if l.self == "" {
		l.self = c.URL(FeedPath(m.Slug, f))
	}
	return l
}

// rights is the copyright statement of every feed.
func (c Config) rights() string {
	if c.Rights != "" {
		return site.Clean(c.Rights)
	}
	return "© " + site.Clean(c.Site.Title)
}

// --- RSS 2.0 ---

type rssRoot struct {
	XMLName   xml.Name `xml:"rss"`
	Version   string   `xml:"version,attr"`
	NSContent string   `xml:"xmlns:content,attr"`
	NSDC      string   `xml:"xmlns:dc,attr"`
	NSAtom    string   `xml:"xmlns:atom,attr"`
	NSSy      string   `xml:"xmlns:sy,attr"`
	NSHistory string   `xml:"xmlns:fh,attr,omitempty"`
	NSMedia   string   `xml:"xmlns:media,attr,omitempty"`
	Channel   rssChannel
}

// rssChannel is gorilla's channel plus atom:link elements (self, the
// archive's neighbours, hubs), the update period and, in an archive
// document, fh:archive; its items are replaced by rssItem.
type rssChannel struct {
	XMLName xml.Name `xml:"channel"`
	*feeds.RssFeed
	Links           []rssAtomLink `xml:"atom:link"`
	UpdatePeriod    string        `xml:"sy:updatePeriod"`
	UpdateFrequency int           `xml:"sy:updateFrequency"`
	Archive         *struct{}     `xml:"fh:archive"`
	Items           []rssItem     `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rssItem is gorilla's item with the names in dc:creator (RSS <author>
// must be an email address), one per person, and one <category> per
// topic.
type rssItem struct {
	XMLName xml.Name `xml:"item"`
	*feeds.RssItem
	Creators   []string      `xml:"dc:creator"`
	Categories []string      `xml:"category"`
	Media      *mediaContent `xml:"media:content"`
}

// mediaContent is Media RSS's picture: the enclosure again, with its
// size, which readers such as Feedly and Inoreader use for thumbnails.
type mediaContent struct {
	URL      string `xml:"url,attr"`
	Type     string `xml:"type,attr"`
	Medium   string `xml:"medium,attr"`
	FileSize int    `xml:"fileSize,attr"`
	Width    int    `xml:"width,attr"`
	Height   int    `xml:"height,attr"`
}

func (c Config) rss(m Meta, items []item, l docLinks) ([]byte, error) {
	l = c.withSelf(l, m, RSS)
	f := c.gorillaFeed(m, items, true)
	ch := (&feeds.Rss{Feed: f}).RssFeed()
	ch.Language = c.Site.Language
	ch.Generator = generator
	ch.Copyright = c.rights()
	ch.Ttl = int(c.TTL / time.Minute)
	ch.PubDate = f.Created.Format(time.RFC1123Z)
	ch.LastBuildDate = f.Updated.Format(time.RFC1123Z)
	// The image's title and link are the channel's, as RSS asks, so a
	// reader can show it in the channel's place.
	ch.Image = &feeds.RssImage{Url: c.URL(IconSmallPath), Title: ch.Title, Link: ch.Link, Width: IconSmallSize, Height: IconSmallSize}
	root := rssRoot{
		Version:   "2.0",
		NSContent: "http://purl.org/rss/1.0/modules/content/",
		NSDC:      "http://purl.org/dc/elements/1.1/",
		NSAtom:    nsAtom,
		NSSy:      nsSy,
		Channel: rssChannel{
			RssFeed:         ch,
			UpdatePeriod:    "daily",
			UpdateFrequency: 1,
			Items:           make([]rssItem, len(items)),
		},
	}
	for _, al := range c.atomLinks(l, RSS.MediaType()) {
		root.Channel.Links = append(root.Channel.Links, rssAtomLink{Href: al.Href, Rel: al.Rel, Type: al.Type})
	}
	if l.archive {
		root.NSHistory = nsHistory
		root.Channel.Archive = &struct{}{}
	}
	for i, ri := range ch.Items {
		ri.Author = ""
		ri.PubDate = items[i].published.Format(time.RFC1123Z)
		x := rssItem{RssItem: ri, Creators: items[i].authors}
		if im := items[i].image; im != nil {
			root.NSMedia = nsMedia
			x.Media = &mediaContent{URL: im.url, Type: im.Type, Medium: "image", FileSize: im.Size, Width: im.Width, Height: im.Height}
		}
		for _, t := range items[i].topics {
			x.Categories = append(x.Categories, t.Name)
		}
		root.Channel.Items[i] = x
	}
	ch.Items = nil
	return c.marshalXML(root)
}

// --- Atom 1.0 ---

// atomFeed is gorilla's feed with xml:lang, a real id, self, archive and
// hub links, rights, a generator and entries that carry what atomEntry
// adds.
type atomFeed struct {
	XMLName   xml.Name `xml:"feed"`
	Lang      string   `xml:"xml:lang,attr"`
	NSHistory string   `xml:"xmlns:fh,attr,omitempty"`
	*feeds.AtomFeed
	Links     []feeds.AtomLink `xml:"link"`
	Archive   *struct{}        `xml:"fh:archive"`
	Generator string           `xml:"generator"`
	Entries   []atomEntry      `xml:"entry"`
}

// atomEntry is gorilla's entry with every author, <published> and one
// <category term label> per topic.
type atomEntry struct {
	XMLName xml.Name `xml:"entry"`
	*feeds.AtomEntry
	Authors    []feeds.AtomAuthor `xml:"author"`
	Categories []atomCategory     `xml:"category"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

func (c Config) atom(m Meta, items []item, l docLinks) ([]byte, error) {
	l = c.withSelf(l, m, Atom)
	f := c.gorillaFeed(m, items, false)
	af := (&feeds.Atom{Feed: f}).AtomFeed()
	af.Id = c.TagURI(feedSpecific(m.Slug))
	af.Link = nil
	af.Rights = c.rights()
	af.Icon = c.URL(IconSmallPath)
	af.Updated = f.Updated.Format(time.RFC3339Nano)
	// The site is every entry's author unless the entry names its own,
	// so an entry without a byline still meets RFC 4287's author rule.
	af.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: site.Clean(c.Site.Title), Uri: c.URL("/")}}
	root := atomFeed{
		Lang:      c.Site.Language,
		AtomFeed:  af,
		Links:     append(c.atomLinks(l, Atom.MediaType()), feeds.AtomLink{Href: f.Link.Href, Rel: "alternate", Type: "text/html"}),
		Generator: generator,
		Entries:   make([]atomEntry, len(items)),
	}
	if l.archive {
		root.NSHistory = nsHistory
		root.Archive = &struct{}{}
	}
	for i, e := range af.Entries {
		it := items[i]
		e.Published = it.published.Format(time.RFC3339)
		e.Updated = it.updated.Format(time.RFC3339Nano)
		e.Links[0].Type = "text/html"
		// No summary: the content is the whole article, and a reader
		// preferring plain text (feedparser-based ones such as rss2email,
		// by default) would take a text summary over HTML content and
		// show only the lead.
		e.Summary = nil
		x := atomEntry{AtomEntry: e}
		for _, name := range it.authors {
			x.Authors = append(x.Authors, feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: name}})
		}
		for _, t := range it.topics {
			x.Categories = append(x.Categories, atomCategory{Term: t.Slug, Label: t.Name})
		}
		root.Entries[i] = x
	}
	af.Entries = nil
	return c.marshalXML(root)
}

// feedSpecific is the specific part of a feed's tag: id.
func feedSpecific(slug string) string {
	if slug == "" {
		return "feed"
	}
	return "topic/" + slug
}

func (c Config) marshalXML(v any) ([]byte, error) { return c.encodeXML(v, c.Stylesheet) }

// marshalXMLPlain encodes v without a style sheet.
func (c Config) marshalXMLPlain(v any) ([]byte, error) { return c.encodeXML(v, "") }

func (c Config) encodeXML(v any, stylesheet string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if stylesheet != "" {
		// A browser opening the feed shows the style sheet's page (how to
		// subscribe) instead of raw XML; feed readers ignore it.
		b.WriteString(`<?xml-stylesheet type="text/xsl" href="` + html.EscapeString(c.Site.Path(stylesheet)) + `"?>` + "\n")
	}
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("feed: encode xml: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// --- JSON Feed 1.1 ---

func (c Config) json(m Meta, items []item, l docLinks) ([]byte, error) {
	l = c.withSelf(l, m, JSON)
	f := c.gorillaFeed(m, items, false)
	jf := (&feeds.JSON{Feed: f}).JSONFeed()
	jf.Language = c.Site.Language
	jf.FeedUrl = l.self
	jf.NextUrl = l.prevArchive
	jf.Favicon = c.URL(IconSmallPath)
	jf.Icon = c.URL(IconLargePath)
	jf.Authors = []*feeds.JSONAuthor{{Name: site.Clean(c.Site.Title), Url: c.URL("/")}}
	for i, ji := range jf.Items {
		it := items[i]
		ji.Author = nil
		ji.Authors = nil
		for _, name := range it.authors {
			ji.Authors = append(ji.Authors, &feeds.JSONAuthor{Name: name})
		}
		for _, t := range it.topics {
			ji.Tags = append(ji.Tags, t.Name)
		}
	}
	var hubs []*feeds.JSONHub
	for _, h := range c.Hubs {
		hubs = append(hubs, &feeds.JSONHub{Type: "WebSub", Url: h})
	}
	jf.Hubs = hubs
	// JSON Feed requires "items", but gorilla's field is omitempty.
	root := struct {
		*feeds.JSONFeed
		Items []*feeds.JSONItem `json:"items"`
	}{jf, jf.Items}
	if root.Items == nil {
		root.Items = []*feeds.JSONItem{}
	}
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("feed: encode json: %w", err)
	}
	return append(b, '\n'), nil
}
