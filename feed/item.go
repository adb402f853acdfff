package feed

import (
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperboy-news/paperboy/content"
)

// PhotoLabel is the headline word for a photo item, which has no headline
// of its own; the photo file is not part of the edition text, so the
// caption is the whole item.
const PhotoLabel = "图片新闻"

// summaryRunes is how long a derived summary is, in characters.
const summaryRunes = 100

// Clean makes text safe for XML 1.0 and HTML: it replaces invalid UTF-8 and
// drops control characters (other than tab and newline) and the
// noncharacters U+FFFE and U+FFFF, none of which a well-formed XML document
// may contain.
func Clean(s string) string {
	ok := true
	for _, r := range s {
		if !allowedRune(r) {
			ok = false
			break
		}
	}
	if ok && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if allowedRune(r) {
			return r
		}
		return -1
	}, s)
}

func allowedRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return true
	case r < 0x20, r >= 0x7f && r < 0xa0, r == 0xfffe, r == 0xffff:
		return false
	}
	return true
}

// Title is the article's headline as feeds and lists show it: kicker,
// title and subtitle. Photo news is marked "图片新闻：" before its title,
// or before the caption's start when the parser found no title.
func Title(a content.Article) string {
	t := Headline(a)
	switch {
	case a.Kind != content.KindPhoto:
		return t
	case t == "":
		return PhotoLabel
	}
	return PhotoLabel + "：" + t
}

// Headline is the article's display title, or for one the parser found
// none for, the start of its text; unlike Title it never marks photos.
func Headline(a content.Article) string {
	if t := strings.TrimSpace(Clean(a.DisplayTitle())); t != "" {
		return t
	}
	return Clean(a.Lead(24))
}

// Summary is the article's lead: its Summary when set, otherwise the first
// paragraph cut to about 100 characters.
func Summary(a content.Article) string {
	return Clean(a.Lead(summaryRunes))
}

// AuthorNames lists the credited names, without roles, skipping blanks.
func AuthorNames(a content.Article) []string {
	var names []string
	for _, au := range a.Authors {
		if n := strings.TrimSpace(Clean(au.Name)); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// Credit is the byline as printed, or one made from the authors' roles and
// names ("记者 郭树勋"), for articles and photos alike.
func Credit(a content.Article) string {
	if b := strings.TrimSpace(Clean(a.Byline)); b != "" {
		return b
	}
	var parts []string
	for _, au := range a.Authors {
		n := strings.TrimSpace(Clean(au.Name))
		if n == "" {
			continue
		}
		if r := strings.TrimSpace(Clean(au.Role)); r != "" {
			n = r + " " + n
		}
		parts = append(parts, n)
	}
	s := strings.Join(parts, "　")
	if s != "" && a.Kind == content.KindPhoto {
		s += " 摄"
	}
	return s
}

// ContentHTML is the article body as an HTML fragment: one <p> per
// paragraph; a photo's caption and credit inside <figure><figcaption>.
// All text is escaped.
func ContentHTML(a content.Article) string {
	var b strings.Builder
	if a.Kind == content.KindPhoto {
		b.WriteString("<figure><figcaption>")
		for _, p := range a.Paragraphs {
			if p = strings.TrimSpace(Clean(p)); p != "" {
				b.WriteString("<p>")
				b.WriteString(html.EscapeString(p))
				b.WriteString("</p>")
			}
		}
		if c := Credit(a); c != "" {
			b.WriteString("<p><small>")
			b.WriteString(html.EscapeString(c))
			b.WriteString("</small></p>")
		}
		b.WriteString("</figcaption></figure>")
		return b.String()
	}
	for _, p := range a.Paragraphs {
		if p = strings.TrimSpace(Clean(p)); p != "" {
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
	d, err := time.ParseInLocation("2006-01-02", a.Date, c.Location)
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
	return u.In(c.Location)
}
