package mailer

import (
	"strings"
	"time"
)

// Catalogue holds every reader-facing string of the digest and the
// unsubscribe pages in one language. Strings may contain {placeholders},
// filled in by fill before the templates escape them.
type Catalogue struct {
	// Lang is the BCP 47 tag written into Content-Language and <html lang>.
	Lang string
	// DefaultSubject is the subject template used when a digest sets none
	// (text/template over SubjectData).
	DefaultSubject string
	// DateLayout formats an edition date for readers (Go time layout).
	DateLayout string

	Intro           string // {site} {date} {count}; the site's name already heads the mail
	EmptyDigest     string
	NewsSection     string
	PhotoSection    string
	MoreHeadlines   string
	Remaining       string // {count}: the articles a long digest has no room for, linking to the edition page
	ReadMore        string
	AuthorSeparator string
	Why             string // {site} {digest} {list}
	// DigestTitle is a digest's reader-facing name when it sets none.
	DigestTitle string
	Publisher   string // {address}
	Unsubscribe string
	WebsiteLink string

	UnsubscribeConfirmTitle  string
	UnsubscribeConfirmText   string // {address} {list} {site}
	UnsubscribeConfirmButton string
	UnsubscribedTitle        string
	UnsubscribedText         string // {address} {list} {site}
	UnsubscribeBadLinkTitle  string
	UnsubscribeBadLinkText   string
}

// catalogueZH is the default: Simplified Chinese, as the paper prints it.
var catalogueZH = Catalogue{
	Lang:            "zh-CN",
	DefaultSubject:  "{{.Site}} {{.Date}}：{{.Lead}} 等{{.Count}}条",
	DateLayout:      "1月2日",
	Intro:           "{date}，共{count}条新闻。",
	EmptyDigest:     "今天没有新的新闻。",
	NewsSection:     "要闻",
	PhotoSection:    "图片新闻",
	MoreHeadlines:   "更多新闻",
	Remaining:       "还有{count}条新闻，请到网站阅读",
	ReadMore:        "阅读全文",
	AuthorSeparator: "、",
	Why:             "您收到这封邮件，是因为您订阅了{site}的“{digest}”（订阅名单：{list}）。",
	DigestTitle:     "每日新闻摘要",
	Publisher:       "发行：{address}",
	Unsubscribe:     "退订",
	WebsiteLink:     "访问网站",

	UnsubscribeConfirmTitle:  "确认退订",
	UnsubscribeConfirmText:   "确定让 {address} 不再收到{site}的“{list}”邮件吗？",
	UnsubscribeConfirmButton: "确认退订",
	UnsubscribedTitle:        "已退订",
	UnsubscribedText:         "{address} 已退出{site}的“{list}”名单，今后不会再收到这些邮件。",
	UnsubscribeBadLinkTitle:  "链接无效",
	UnsubscribeBadLinkText:   "这个退订链接无效或不完整。请直接点击邮件中的退订链接。",
}

// catalogueEN is English, for sites that publish in it.
var catalogueEN = Catalogue{
	Lang:            "en",
	DefaultSubject:  "{{.Site}}, {{.Date}}: {{.Lead}} ({{.Count}} articles)",
	DateLayout:      "January 2",
	Intro:           "{date}: {count} articles.",
	EmptyDigest:     "Nothing new today.",
	NewsSection:     "News",
	PhotoSection:    "Photo news",
	MoreHeadlines:   "More news",
	Remaining:       "{count} more articles on the website",
	ReadMore:        "Read more",
	AuthorSeparator: ", ",
	Why:             "You receive this email because you subscribed to {site}'s \u201c{digest}\u201d (list: {list}).",
	DigestTitle:     "Daily digest",
	Publisher:       "Published by {address}",
	Unsubscribe:     "Unsubscribe",
	WebsiteLink:     "Visit the website",

	UnsubscribeConfirmTitle:  "Unsubscribe?",
	UnsubscribeConfirmText:   "Stop sending {site}'s \u201c{list}\u201d emails to {address}?",
	UnsubscribeConfirmButton: "Unsubscribe",
	UnsubscribedTitle:        "Unsubscribed",
	UnsubscribedText:         "{address} has left {site}'s \u201c{list}\u201d list and will get no more of these emails.",
	UnsubscribeBadLinkTitle:  "Invalid link",
	UnsubscribeBadLinkText:   "This unsubscribe link is invalid or incomplete. Please use the link in the email itself.",
}

// catalogues maps a language tag to its catalogue. Add a language by adding
// a Catalogue here.
var catalogues = map[string]*Catalogue{
	"zh-CN": &catalogueZH,
	"en":    &catalogueEN,
}

// CatalogueFor returns the catalogue for lang: an exact match, else one of
// the same primary language, else Chinese.
func CatalogueFor(lang string) *Catalogue {
	if c, ok := catalogues[lang]; ok {
		return c
	}
	primary, _, _ := strings.Cut(lang, "-")
	for tag, c := range catalogues {
		if p, _, _ := strings.Cut(tag, "-"); strings.EqualFold(p, primary) {
			return c
		}
	}
	return &catalogueZH
}

// fill replaces each {key} in s with its value.
func fill(s string, kv ...string) string {
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// formatDate formats an edition date "YYYY-MM-DD" for readers, or returns
// it unchanged if it does not parse.
func (c *Catalogue) formatDate(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format(c.DateLayout)
}
