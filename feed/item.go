package feed

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/site"
)

// ContentHTML is the article body as an HTML fragment: one <p> per
// paragraph; a photo's caption and credit (in w's words) inside
// <figure><figcaption>. All text is escaped.
func ContentHTML(a content.Article, w *site.Words) string {
	var b strings.Builder
	if a.Kind == content.KindPhoto {
		b.WriteString("<figure><figcaption>")
		for _, p := range a.Paragraphs {
			if p = strings.TrimSpace(site.Clean(p)); p != "" {
				b.WriteString("<p>")
				b.WriteString(html.EscapeString(p))
				b.WriteString("</p>")
			}
		}
		if c := w.Credit(a); c != "" {
			b.WriteString("<p><small>")
			b.WriteString(html.EscapeString(c))
			b.WriteString("</small></p>")
		}
		b.WriteString("</figcaption></figure>")
		return b.String()
	}
	for _, p := range a.Paragraphs {
		if p = strings.TrimSpace(site.Clean(p)); p != "" {
			b.WriteString("<p>")
			b.WriteString(html.EscapeString(p))
			b.WriteString("</p>\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Published is when an article counts as published: its edition date at
// the configured publish clock (default 06:00) in the site's time zone.
// It depends on nothing but the date, so it never moves when an article is
// re-ingested or corrected.
func (c Config) Published(a content.Article) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", a.Date, c.Site.Location)
	if err != nil {
		return time.Time{}, fmt.Errorf("article %s: edition date %q: want YYYY-MM-DD", a.ID, a.Date)
	}
	return d.Add(c.PublishClock), nil
}

// Updated is when an article last changed, in the site's time zone, to the
// second; never before Published, so an article ingested ahead of its
// publish clock does not look edited before it appeared.
func (c Config) Updated(a content.Article, published time.Time) time.Time {
	u := a.Updated.Truncate(time.Second)
	if u.Before(published) {
		u = published
	}
	return u.In(c.Site.Location)
}
