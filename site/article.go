package site

import (
	"strings"
	"unicode/utf8"

	"github.com/paperboy-news/paperboy/content"
)

// HeadlineRunes is how long a headline made from an article's text is,
// for the rare article the parser found no headline for.
const HeadlineRunes = 24

// LeadRunes is about how long a lead is.
const LeadRunes = 100

// Clean makes text safe for XML 1.0 and HTML: it replaces invalid UTF-8 and
// drops control characters (other than tab and newline) and the
// noncharacters U+FFFE and U+FFFF, none of which a well-formed XML document
// may contain. Invisible format characters (bidi overrides) go too
// (content.StripFormat).
func Clean(s string) string {
	s = content.StripFormat(s)
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

// Headline is the article's display title (kicker, title and subtitle on
// one line), or for one the parser found none for, the start of its text.
// It never carries the photo label; see Title.
func Headline(a content.Article) string {
	if t := strings.TrimSpace(Clean(content.OneLine(a.DisplayTitle()))); t != "" {
		return t
	}
	return Clean(content.OneLine(a.Lead(HeadlineRunes)))
}

// MainTitle is the title part alone, or the start of the text when there
// is none: what a layout that shows kicker and subtitle apart puts in large
// type.
func MainTitle(a content.Article) string {
	if t := strings.TrimSpace(Clean(content.OneLine(a.Title))); t != "" {
		return t
	}
	return Clean(content.OneLine(a.Lead(HeadlineRunes)))
}

// Title is the headline as a feed item or a page title shows it, where
// nothing else marks photo news: "图片新闻：" before a photo's headline.
func (w *Words) Title(a content.Article) string {
	t := Headline(a)
	switch {
	case a.Kind != content.KindPhoto:
		return t
	case t == "":
		return w.PhotoLabel
	}
	return w.PhotoLabel + w.Colon + t
}

// Lead is what lists, feeds and digests show under a headline: the
// article's summary, or its text cut to about LeadRunes characters.
func Lead(a content.Article) string {
	return Clean(content.OneLine(a.Lead(LeadRunes)))
}

// AuthorNames lists the credited names, without roles, skipping blanks.
func AuthorNames(a content.Article) []string {
	var names []string
	for _, au := range a.Authors {
		if n := strings.TrimSpace(Clean(content.OneLine(au.Name))); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// Credit is who an article is by, the same in feeds, pages and mail: its
// authors, each with the role before the name ("记者 郭树勋"), joined by the
// language's separator ("、"), and for photos marked as the photographers
// ("记者 翟鹏程 摄"); without authors, the byline as printed. The authors
// come first because the byline also carries what is no credit (本报讯,
// 本报北京7月20日电).
func (w *Words) Credit(a content.Article) string {
	var parts []string
	for _, au := range a.Authors {
		n := strings.TrimSpace(Clean(content.OneLine(au.Name)))
		if n == "" {
			continue
		}
		if r := strings.TrimSpace(Clean(content.OneLine(au.Role))); r != "" {
			n = r + " " + n
		}
		parts = append(parts, n)
	}
	if len(parts) == 0 {
		return strings.TrimSpace(Clean(content.OneLine(a.Byline)))
	}
	s := strings.Join(parts, w.ListSeparator)
	if a.Kind == content.KindPhoto {
		s = Fill(w.PhotoCredit, "names", s)
	}
	return s
}
