package web

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// pageData is what every template receives.
type pageData struct {
	S               *site.Words
	Lang            string
	Site            string
	SiteDescription string
	// Title is the page's own title ("" on the home page); Description
	// its meta description.
	Title       string
	Description string
	Canonical   string
	// Icon is the favicon's path under the base URL; IconPNG the bitmap
	// for browsers without SVG icons, TouchIcon the large one phones and
	// NetNewsWire use.
	Icon      string
	IconPNG   string
	TouchIcon string
	Feeds     []altLink
	// FeedGroups are Feeds grouped by what they carry (this topic, the
	// whole site), for the footer's short "Atom · RSS · JSON Feed" lines.
	FeedGroups []feedGroup
	Topics     []site.Topic
	// CurrentTopic is the slug of the topic page shown, marked in the nav.
	CurrentTopic string
	// Signup is the sign-up page's path, "" when no list is open.
	Signup string

	Heading  string
	Message  string
	Editions []editionView
	// Months link the month archive pages, newest first.
	Months   []monthView
	Articles []articleView
	Article  *articleView
	// Issues are sent digests, on the archive of digests' pages.
	Issues []issueView
	// DigestsPath links the archive of digests from the footer; "" when
	// the site has none.
	DigestsPath string

	// modified is the newest change shown, for Last-Modified.
	modified time.Time
}

// altLink is a feed link with its type as a ready attribute: html/template
// would write the "+" of "application/rss+xml" as "&#43;", which is valid
// HTML but trips feed finders that match the attribute as text.
type altLink struct {
	feed.AltLink
	TypeAttr template.HTMLAttr
	// Label is the format's name, for the footer.
	Label string
}

// feedGroup is one feed in its formats: Name is the feed's title, each
// link's Label its format.
type feedGroup struct {
	Name  string
	Links []altLink
}

// feedGroups groups consecutive links of the same feed, taking each
// link's format label off its title ("示范区新闻 (Atom)").
func feedGroups(links []altLink) []feedGroup {
	var groups []feedGroup
	for _, l := range links {
		name := l.Title
		for _, f := range feed.AllFormats {
			if f.MediaType() == l.Type {
				l.Label = f.Label()
				name = strings.TrimSuffix(l.Title, " ("+l.Label+")")
			}
		}
		if l.Label == "" {
			l.Label = l.Title
		}
		if n := len(groups); n > 0 && groups[n-1].Name == name {
			groups[n-1].Links = append(groups[n-1].Links, l)
			continue
		}
		groups = append(groups, feedGroup{Name: name, Links: []altLink{l}})
	}
	return groups
}

func altLinks(links []feed.AltLink) []altLink {
	out := make([]altLink, len(links))
	for i, l := range links {
		// l.Type is one of the feed package's constant media types.
		out[i] = altLink{AltLink: l, TypeAttr: template.HTMLAttr(`type="` + html.EscapeString(l.Type) + `"`)}
	}
	return out
}

// monthView is a link to a month's archive page.
type monthView struct {
	Path, Text string
}

type editionView struct {
	Date     string
	DateText string
	Path     string
	Count    string
}

type articleView struct {
	ID         string
	Path       string
	Kicker     string
	Title      string
	Subtitle   string
	Credit     string
	Paragraphs []string
	Photo      bool
	// Badge marks an item in lists ("图片新闻").
	Badge       string
	Topics      []site.Topic
	DateISO     string
	DateText    string
	EditionPath string
	UpdatedISO  string
	UpdatedText string
	// Image is a photo's picture; nil without one.
	Image *imageView
}

// imageView is an <img>: Src is the rendition the width and height are
// those of (the browser picks from SrcSet by Sizes, and the width and
// height keep the page from jumping as it loads).
type imageView struct {
	Src, SrcSet, Sizes, Alt string
	Width, Height           int
}

// imageSizes says how wide a picture shows: the column less the figure's
// padding, at most the 42rem column.
const (
	articleImageSizes = "(max-width: 42rem) calc(100vw - 4.2rem), 37.8rem"
	listImageSizes    = "(max-width: 42rem) calc(100vw - 2rem), 40rem"
)

// imageOf is the <img> of a's picture with a src at least width pixels
// wide, or nil.
func (s *Site) imageOf(a content.Article, width int, sizes string) *imageView {
	p, ok := site.PictureOf(a, width, s.site.Path)
	if !ok {
		return nil
	}
	return &imageView{Src: p.Src, SrcSet: p.SrcSet, Sizes: sizes, Alt: p.Alt, Width: p.Width, Height: p.Height}
}

func (s *Site) base(slug, title, path string) *pageData {
	feeds := altLinks(s.feeds.Links(slug))
	return &pageData{
		S:               s.site.Words,
		Lang:            s.site.Language,
		Site:            s.site.Title,
		SiteDescription: s.site.Description,
		Title:           title,
		Description:     s.site.Description,
		Canonical:       s.site.URL(path),
		Icon:            s.site.Path(feed.IconPath),
		IconPNG:         s.site.Path(feed.IconSmallPath),
		TouchIcon:       s.site.Path(feed.IconLargePath),
		Feeds:           feeds,
		FeedGroups:      feedGroups(feeds),
		Topics:          s.site.Topics,
		CurrentTopic:    slug,
		Signup:          s.signupPath(),
		DigestsPath:     s.digestsPath(),
	}
}

func (s *Site) signupPath() string {
	if s.cfg.SignupPath == "" {
		return ""
	}
	return s.site.Path(s.cfg.SignupPath)
}

// dateText writes an edition date the site's way, "2021年7月15日 星期四".
func (s *Site) dateText(date string) string { return s.site.Words.LongEditionDate(date) }

func (s *Site) view(a content.Article) articleView {
	v := articleView{
		ID:          a.ID,
		Path:        s.site.Path(site.ArticlePath(a.ID)),
		Kicker:      site.Clean(a.Kicker),
		Title:       site.MainTitle(a),
		Subtitle:    site.Clean(a.Subtitle),
		Credit:      s.site.Words.Credit(a),
		Photo:       a.Kind == content.KindPhoto,
		DateISO:     a.Date,
		DateText:    s.dateText(a.Date),
		EditionPath: s.site.Path(site.EditionPath(a.Date)),
	}
	if v.Photo && v.Kicker == "" {
		v.Kicker = s.site.Words.PhotoLabel
	}
	for _, p := range a.Paragraphs {
		if p = site.Clean(p); p != "" {
			v.Paragraphs = append(v.Paragraphs, p)
		}
	}
	// Only configured topics have pages to link to; a tag a Markdown
	// article brought along, or a topic since removed, is left out.
	for _, slug := range a.Topics {
		if t, ok := s.site.Topic(slug); ok {
			v.Topics = append(v.Topics, t)
		}
	}
	// Only a correction shows its time: a first ingest's time says nothing
	// to readers, who go by the edition date.
	if !a.Updated.IsZero() && !a.Created.IsZero() && a.Updated.After(a.Created) {
		u := a.Updated.In(s.site.Location)
		v.UpdatedISO = u.Format(time.RFC3339)
		v.UpdatedText = u.Format("2006-01-02 15:04")
	}
	return v
}

// listView is an article as a list shows it: one line of title, photo
// news marked by a badge rather than a title prefix.
func (s *Site) listView(a content.Article) articleView {
	v := s.view(a)
	v.Image = s.imageOf(a, 480, listImageSizes)
	v.Title = site.Headline(a)
	if v.Photo {
		v.Badge = s.site.Words.PhotoLabel
		if v.Title == "" {
			v.Title = s.site.Words.PhotoLabel
		}
	}
	v.Paragraphs = nil
	return v
}

func (s *Site) listViews(arts []content.Article, d *pageData) []articleView {
	views := make([]articleView, len(arts))
	for i, a := range arts {
		views[i] = s.listView(a)
		if a.Updated.After(d.modified) {
			d.modified = a.Updated
		}
	}
	return views
}

func (s *Site) indexPage(ctx context.Context) (string, *pageData, error) {
	eds, err := s.src.Editions(ctx, s.cfg.IndexEditions)
	if err != nil {
		return "", nil, fmt.Errorf("web: index: %w", err)
	}
	arts, err := s.src.LatestArticles(ctx, "", s.cfg.IndexArticles)
	if err != nil {
		return "", nil, fmt.Errorf("web: index: %w", err)
	}
	d := s.base("", "", "/")
	d.Heading = s.site.Words.LatestArticles
	for _, e := range eds {
		d.Editions = append(d.Editions, editionView{
			Date: e.Date, DateText: s.dateText(e.Date), Path: s.site.Path(site.EditionPath(e.Date)),
			Count: site.Fill(s.site.Words.Articles, "count", strconv.Itoa(e.Articles)),
		})
		if e.Updated.After(d.modified) {
			d.modified = e.Updated
		}
	}
	d.Articles = s.listViews(arts, d)
	for _, m := range s.feeds.Months() {
		if t, err := time.Parse("2006-01", m); err == nil {
			d.Months = append(d.Months, monthView{Path: s.site.Path(site.MonthPath(m)), Text: t.Format(s.site.Words.MonthLayout)})
		}
	}
	return "index", d, nil
}

func (s *Site) editionPage(ctx context.Context, date string) (string, *pageData, error) {
	if !content.IsDate(date) {
		return "", nil, fmt.Errorf("web: edition %q: %w", date, store.ErrNotFound)
	}
	arts, err := s.src.EditionArticles(ctx, date)
	if err != nil {
		return "", nil, fmt.Errorf("web: edition %s: %w", date, err)
	}
	name, d := s.editionPageOf(date, arts)
	return name, d, nil
}

func (s *Site) editionPageOf(date string, arts []content.Article) (string, *pageData) {
	heading := site.Fill(s.site.Words.Edition, "date", s.dateText(date))
	d := s.base("", heading, site.EditionPath(date))
	d.Heading = heading
	d.Articles = s.listViews(arts, d)
	return "edition", d
}

func (s *Site) articlePage(ctx context.Context, id string) (string, *pageData, error) {
	if !content.IsStableID(id) {
		return "", nil, fmt.Errorf("web: article %q: %w", id, store.ErrNotFound)
	}
	a, err := s.src.Article(ctx, id)
	if err != nil {
		return "", nil, fmt.Errorf("web: article %s: %w", id, err)
	}
	name, d := s.articlePageOf(a)
	return name, d, nil
}

func (s *Site) articlePageOf(a content.Article) (string, *pageData) {
	v := s.view(a)
	v.Image = s.imageOf(a, 960, articleImageSizes)
	d := s.base("", s.site.Words.Title(a), site.ArticlePath(a.ID))
	d.Description = site.Lead(a)
	d.Article = &v
	d.modified = a.Updated
	return "article", d
}

func (s *Site) topicPage(ctx context.Context, slug string) (string, *pageData, error) {
	topic, ok := s.site.Topic(slug)
	if !ok {
		return "", nil, fmt.Errorf("web: topic %q: %w", slug, store.ErrNotFound)
	}
	arts, err := s.src.LatestArticles(ctx, slug, s.cfg.IndexArticles)
	if err != nil {
		return "", nil, fmt.Errorf("web: topic %s: %w", slug, err)
	}
	heading := site.Fill(s.site.Words.Topic, "name", topic.Name)
	d := s.base(slug, heading, site.TopicPath(slug))
	d.Heading = heading
	d.Articles = s.listViews(arts, d)
	return "index", d, nil
}

func (s *Site) errorPage(code int) *pageData {
	d := s.base("", "", "")
	d.Canonical = ""
	w := s.site.Words
	switch code {
	case http.StatusNotFound:
		d.Title, d.Heading, d.Message = w.NotFound, w.NotFound, w.NotFoundText
	case http.StatusGone:
		d.Title, d.Heading, d.Message = w.Gone, w.Gone, w.GoneText
	default:
		d.Title, d.Heading, d.Message = w.ServerError, w.ServerError, w.ServerErrText
	}
	return d
}

// monthPage lists every article of a month's editions, newest edition
// first: the site's archive, beside the feeds' archive documents.
func (s *Site) monthPage(ctx context.Context, month string) (string, *pageData, error) {
	t, err := time.ParseInLocation("2006-01", month, s.site.Location)
	if err != nil {
		return "", nil, fmt.Errorf("web: month %q: %w", month, store.ErrNotFound)
	}
	placed, err := s.src.EditionRange(ctx, "", month+"-01", month+"-31")
	if err != nil {
		return "", nil, fmt.Errorf("web: month %s: %w", month, err)
	}
	if len(placed) == 0 {
		return "", nil, fmt.Errorf("web: month %s: %w", month, store.ErrNotFound)
	}
	arts := make([]content.Article, len(placed))
	for i, p := range placed {
		arts[i] = p.Article
	}
	heading := site.Fill(s.site.Words.Month, "month", t.Format(s.site.Words.MonthLayout))
	d := s.base("", heading, site.MonthPath(month))
	d.Heading = heading
	d.Articles = s.listViews(arts, d)
	return "edition", d, nil
}
