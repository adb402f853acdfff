package feed

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/site"
)

// ContentHTML is the article body as an HTML fragment: one <p> per
// paragraph; a photo's caption and credit (in w's words) inside
// <figure><figcaption>. All text is escaped.
func ContentHTML(a content.Article, w *site.Words) string { return contentHTML(a, w, "") }

// contentHTML is ContentHTML with a photo's <img> (img, trusted HTML) at
// the top of its figure.
func contentHTML(a content.Article, w *site.Words, img string) string {
	var b strings.Builder
	if a.Kind == content.KindPhoto {
		b.WriteString("<figure>")
		b.WriteString(img)
		b.WriteString("<figcaption>")
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

// PublishedAt is when an article counts as published: its edition date
// at the configured publish clock (default 06:00) in the site's time zone,
// less one second per item before it in the edition's page order
// (ordinal), so that readers sorting by time keep the paper's order. It
// depends on nothing but the date and the place on the page, so it never
// moves when an article is re-ingested or corrected.
func (c Config) PublishedAt(a content.Article, ordinal int) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", a.Date, c.Site.Location)
	if err != nil {
		return time.Time{}, fmt.Errorf("article %s: edition date %q: want YYYY-MM-DD", a.ID, a.Date)
	}
	return d.Add(c.PublishClock - time.Duration(ordinal)*time.Second), nil
}

// Updated is when an article last changed: its published time until its
// content is corrected (the store moves Updated past Created only then),
// then the time of that correction, never before published, in the site's
// time zone. A correction's time is the store's stamp (to the
// microsecond, unique per saved page) plus ordinal nanoseconds, so the
// articles one save corrected do not share an updated time (the W3C
// validator warns on entries that do).
func (c Config) Updated(a content.Article, published time.Time, ordinal int) time.Time {
	if !a.Updated.After(a.Created) {
		return published
	}
	u := a.Updated.Truncate(time.Microsecond).Add(time.Duration(ordinal % 1000))
	if !u.After(published) {
		return published
	}
	return u.In(c.Site.Location)
}

// FeedImageWidth is the width of the rendition a feed item carries as its
// enclosure and in its content: sharp in a reader's column on a phone at
// 2x, a tenth of the original's bytes.
const FeedImageWidth = 960

// imageHTML is the <img> of a's picture with absolute URLs, or "". Readers
// that know srcset pick their size; width and height keep their layout
// from jumping.
func (c Config) imageHTML(a content.Article) string {
	p, ok := site.PictureOf(a, FeedImageWidth, c.URL)
	if !ok {
		return ""
	}
	return `<img src="` + html.EscapeString(p.Src) + `" srcset="` + html.EscapeString(p.SrcSet) +
		`" width="` + strconv.Itoa(p.Width) + `" height="` + strconv.Itoa(p.Height) +
		`" alt="` + html.EscapeString(p.Alt) + `">`
}
