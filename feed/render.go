package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"time"

	"github.com/gorilla/feeds"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/site"
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
}

func (c Config) items(arts []content.Article) ([]item, error) {
	items := make([]item, 0, len(arts))
	w := c.Site.Words
	for _, a := range arts {
		pub, err := c.Published(a)
		if err != nil {
			return nil, fmt.Errorf("feed: %w", err)
		}
		it := item{
			id:        c.TagURI(a.ID),
			link:      c.URL(site.ArticlePath(a.ID)),
			title:     w.Title(a),
			summary:   site.Lead(a),
			content:   ContentHTML(a, w),
			authors:   site.AuthorNames(a),
			published: pub,
			updated:   c.Updated(a, pub),
		}
		for _, slug := range a.Topics {
			it.topics = append(it.topics, site.Topic{Slug: site.Clean(slug), Name: site.Clean(c.Site.TopicName(slug))})
		}
		items = append(items, it)
	}
	return items, nil
}

// feedTimes are a feed's own times: the newest item's published and
// updated times. An empty feed uses the Unix epoch so that it still
// renders the same bytes every time.
func (c Config) feedTimes(items []item) (published, updated time.Time) {
	published = time.Unix(0, 0).In(c.Site.Location)
	updated = published
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

func render(cfg Config, m Meta, arts []content.Article, fn func(Config, Meta, []item) ([]byte, error)) ([]byte, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	items, err := cfg.items(arts)
	if err != nil {
		return nil, err
	}
	return fn(cfg, m, items)
}

// renderFormat renders prepared items in format f.
func (c Config) renderFormat(f Format, m Meta, items []item) ([]byte, error) {
	switch f {
	case RSS:
		return c.rss(m, items)
	case Atom:
		return c.atom(m, items)
	case JSON:
		return c.json(m, items)
	}
	return nil, fmt.Errorf("feed: unknown format %q", f)
}

// --- RSS 2.0 ---

type rssRoot struct {
	XMLName   xml.Name `xml:"rss"`
	Version   string   `xml:"version,attr"`
	NSContent string   `xml:"xmlns:content,attr"`
	NSDC      string   `xml:"xmlns:dc,attr"`
	NSAtom    string   `xml:"xmlns:atom,attr"`
	Channel   rssChannel
}

// rssChannel is gorilla's channel plus the atom:link rel="self" the W3C
// validator asks for; its items are replaced by rssItem.
type rssChannel struct {
	XMLName xml.Name `xml:"channel"`
	*feeds.RssFeed
	SelfLink rssAtomLink `xml:"atom:link"`
	Items    []rssItem   `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

// rssItem is gorilla's item with the names in dc:creator (RSS <author>
// must be an email address) and one <category> per topic.
type rssItem struct {
	XMLName xml.Name `xml:"item"`
	*feeds.RssItem
	Creators   []string `xml:"dc:creator"`
	Categories []string `xml:"category"`
}

func (c Config) rss(m Meta, items []item) ([]byte, error) {
	f := c.gorillaFeed(m, items, true)
	ch := (&feeds.Rss{Feed: f}).RssFeed()
	ch.Language = c.Site.Language
	ch.Generator = generator
	ch.PubDate = f.Created.Format(time.RFC1123Z)
	ch.LastBuildDate = f.Updated.Format(time.RFC1123Z)
	root := rssRoot{
		Version:   "2.0",
		NSContent: "http://purl.org/rss/1.0/modules/content/",
		NSDC:      "http://purl.org/dc/elements/1.1/",
		NSAtom:    "http://www.w3.org/2005/Atom",
		Channel: rssChannel{
			RssFeed:  ch,
			SelfLink: rssAtomLink{Href: c.URL(FeedPath(m.Slug, RSS)), Rel: "self", Type: RSS.MediaType()},
			Items:    make([]rssItem, len(items)),
		},
	}
	for i, ri := range ch.Items {
		ri.Author = ""
		ri.PubDate = items[i].published.Format(time.RFC1123Z)
		x := rssItem{RssItem: ri, Creators: items[i].authors}
		for _, t := range items[i].topics {
			x.Categories = append(x.Categories, t.Name)
		}
		root.Channel.Items[i] = x
	}
	ch.Items = nil
	return marshalXML(root)
}

// --- Atom 1.0 ---

// atomFeed is gorilla's feed with xml:lang, a real id, self and alternate
// links, a generator and entries that carry what atomEntry adds.
type atomFeed struct {
	XMLName xml.Name `xml:"feed"`
	Lang    string   `xml:"xml:lang,attr"`
	*feeds.AtomFeed
	Links     []feeds.AtomLink `xml:"link"`
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

func (c Config) atom(m Meta, items []item) ([]byte, error) {
	f := c.gorillaFeed(m, items, false)
	af := (&feeds.Atom{Feed: f}).AtomFeed()
	af.Id = c.TagURI(feedSpecific(m.Slug))
	af.Link = nil
	af.Updated = f.Updated.Format(time.RFC3339)
	// The site is every entry's author unless the entry names its own,
	// so an entry without a byline still meets RFC 4287's author rule.
	af.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: site.Clean(c.Site.Title), Uri: c.URL("/")}}
	root := atomFeed{
		Lang:     c.Site.Language,
		AtomFeed: af,
		Links: []feeds.AtomLink{
			{Href: c.URL(FeedPath(m.Slug, Atom)), Rel: "self", Type: Atom.MediaType()},
			{Href: f.Link.Href, Rel: "alternate", Type: "text/html"},
		},
		Generator: generator,
		Entries:   make([]atomEntry, len(items)),
	}
	for i, e := range af.Entries {
		it := items[i]
		e.Published = it.published.Format(time.RFC3339)
		e.Updated = it.updated.Format(time.RFC3339)
		e.Links[0].Type = "text/html"
		if e.Summary != nil {
			e.Summary.Type = "text"
		}
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
	return marshalXML(root)
}

// feedSpecific is the specific part of a feed's tag: id.
func feedSpecific(slug string) string {
	if slug == "" {
		return "feed"
	}
	return "topic/" + slug
}

func marshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("feed: encode xml: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// --- JSON Feed 1.1 ---

func (c Config) json(m Meta, items []item) ([]byte, error) {
	f := c.gorillaFeed(m, items, false)
	jf := (&feeds.JSON{Feed: f}).JSONFeed()
	jf.Language = c.Site.Language
	jf.FeedUrl = c.URL(FeedPath(m.Slug, JSON))
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
