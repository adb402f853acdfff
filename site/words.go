package site

import (
	"strings"
	"time"
)

// Words are every word readers see, on the pages, in the feeds and in the
// mail, in one language; the site's language picks them (WordsFor), so a
// site in English is English everywhere. Strings may hold {placeholders},
// filled in by Fill before the templates escape them.
type Words struct {
	// Lang is the BCP 47 tag written into <html lang>, feeds and
	// Content-Language.
	Lang string

	// Shared by pages, feeds and mail.
	PhotoLabel    string // the headline word for photo news: "图片新闻"
	PhotoCredit   string // {names}: a photo's credit made from its authors: "{names} 摄"
	ListSeparator string // between names in a credit: "、"
	Colon         string // after a label: "："
	PlainTitle    string // {title}: a headline in plain text, where no type marks it: "【{title}】"
	// ShortDateLayout formats a date of the current year, YearDateLayout
	// one of an earlier year (Go time layouts); see Date.
	ShortDateLayout string
	YearDateLayout  string
	// LongDate is a page's date: {date} (with its year) and {weekday}.
	LongDate string
	Weekdays [7]string // Sunday first, as time.Weekday counts

	// Pages.
	Home           string
	LatestArticles string
	LatestEditions string
	Edition        string // {date}
	EditionCount   string // {count}: an edition's articles
	EditionLink    string
	Topics         string
	Topic          string // {name}
	Subscribe      string
	SubscribeHint  string
	Articles       string // {count}
	Updated        string
	NotFound       string
	NotFoundText   string
	ServerError    string
	ServerErrText  string
	Gone           string // a removed article's page (410)
	GoneText       string
	Month          string // {month}, as MonthLayout writes it: a month's archive page
	MonthLayout    string // a Go time layout for a month: "2006年1月"
	Archive        string // the list of months' archive pages
	NoArticles     string
	BackHome       string

	// The page a browser shows for a feed (the feeds' XSLT style sheet).
	FeedPageTitle string // {title}: the feed's title
	FeedNote      string // what a feed is
	FeedHowTo     string
	FeedCopyURL   string // before the feed's address
	FeedAdd       string
	FeedDaily     string
	BackToSite    string

	// Mail.
	// DefaultSubject is the subject template used when a digest sets none
	// (text/template over mailer.SubjectData).
	DefaultSubject string
	// DigestTitle is a digest's reader-facing name when it sets none.
	DigestTitle   string
	Intro         string // {site} {date} {count}; the site's name already heads the mail
	EmptyDigest   string
	NewsSection   string
	PhotoSection  string
	MoreHeadlines string
	Remaining     string // {count}: the articles a long digest has no room for, linking to the edition page
	ReadMore      string
	Why           string // {site} {digest} {list}
	Publisher     string // {address}
	Unsubscribe   string
	WebsiteLink   string
	// ViewInBrowser links a message to its page in the digest archive.
	ViewInBrowser string
	// EmptySubject is the subject of a digest with no articles, whatever
	// the digest's subject template: {site} {date}. No subject ever
	// counts 0 items.
	EmptySubject string
	// Digest archive pages.
	DigestArchive      string // {digest}: the list of a digest's past issues
	DigestArchiveIndex string // the list of every digest
	NoDigests          string

	UnsubscribeConfirmTitle  string
	UnsubscribeConfirmText   string // {address} {list} {site}
	UnsubscribeConfirmButton string
	UnsubscribedTitle        string
	UnsubscribedText         string // {address} {list} {site}
	UnsubscribeBadLinkTitle  string
	UnsubscribeBadLinkText   string

	// Sign-up and preferences (issue 14): the footer form, /subscribe/,
	// the confirmation mail and the preferences page.
	ManageSubscription string // the digest footer's link to the preferences page
	SignupFooter       string // the footer form's label
	SignupTitle        string
	SignupIntro        string
	SignupEmail        string
	SignupLists        string
	SignupTopics       string // {list} (optional): heads the topics a list's digests filter by; none chosen means all
	SignupButton       string
	SignupHoneypot     string // the label of a field people must leave empty (hidden from view)
	SignupPrivacy      string
	SignupClosed       string // no list is open for sign-up
	SignupInvalid      string
	SignupSentTitle    string
	SignupSentText     string // {address} {hours}; the same whether or not the address is known
	SignupTooMany      string
	SignupFormExpired  string
	ConfirmTitle       string
	ConfirmText        string // {address}
	ConfirmButton      string
	ConfirmedTitle     string
	ConfirmedText      string // {address}
	LinkExpiredTitle   string
	LinkExpiredText    string
	LinkBadTitle       string
	LinkBadText        string
	ConfirmMailSubject string // {site}
	ConfirmMailText    string // {site} {address} {lists} {hours} {link}
	ManageTitle        string
	ManageText         string // {address}
	ManageSave         string
	ManageUnsubscribe  string
	ManageSaved        string
	ManageConfirmSent  string // {address}: lists chosen again wait for a fresh confirmation
	ManageUnsubscribed string
	ManageOtherList    string // {list}: a list not open for sign-up, which the reader can only leave
}

// wordsZH is Simplified Chinese, as the paper prints it.
var wordsZH = Words{
	Lang:            "zh-CN",
	PhotoLabel:      "图片新闻",
	PhotoCredit:     "{names} 摄",
	ListSeparator:   "、",
	Colon:           "：",
	PlainTitle:      "【{title}】",
	ShortDateLayout: "1月2日",
	YearDateLayout:  "2006年1月2日",
	LongDate:        "{date} {weekday}",
	Weekdays:        [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},

	Home:           "首页",
	LatestArticles: "最新文章",
	LatestEditions: "近期版面",
	Edition:        "{date}",
	EditionCount:   "本期共 {count} 篇",
	EditionLink:    "本期版面",
	Topics:         "专题",
	Topic:          "专题：{name}",
	Subscribe:      "订阅",
	SubscribeHint:  "用 RSS 阅读器订阅，每天自动收到新文章。",
	Articles:       "{count} 篇",
	Updated:        "更新",
	NotFound:       "页面不存在",
	NotFoundText:   "您要找的页面不存在，可能已被移除或地址有误。",
	ServerError:    "服务暂时不可用",
	ServerErrText:  "服务器出了点问题，请稍后再试。",
	Gone:           "文章已撤下",
	GoneText:       "这篇文章已被撤下，不再提供。",
	Month:          "{month} 往期",
	MonthLayout:    "2006年1月",
	Archive:        "往期",
	NoArticles:     "暂无文章。",
	BackHome:       "返回首页",

	FeedPageTitle: "{title}（订阅源）",
	FeedNote:      "这是一个订阅源（RSS / Atom），供新闻阅读器使用，不是普通网页。",
	FeedHowTo:     "如何订阅",
	FeedCopyURL:   "复制本页地址：",
	FeedAdd:       "在阅读器（如 Feedly、Inoreader、NetNewsWire、Thunderbird、Miniflux）中选择“添加订阅”，粘贴这个地址。",
	FeedDaily:     "之后每天的新文章会自动出现在阅读器里。",
	BackToSite:    "返回网站",

	DefaultSubject:     "{{.Site}} {{.Date}}：{{.Lead}} 等{{.Count}}条",
	DigestTitle:        "每日新闻摘要",
	Intro:              "{date}，共{count}条新闻。",
	EmptyDigest:        "今天没有新的新闻。",
	NewsSection:        "要闻",
	PhotoSection:       "图片新闻",
	MoreHeadlines:      "更多新闻",
	Remaining:          "还有{count}条新闻，请到网站阅读",
	ReadMore:           "阅读全文",
	Why:                "您收到这封邮件，是因为您订阅了{site}的“{digest}”（订阅名单：{list}）。",
	Publisher:          "发行：{address}",
	Unsubscribe:        "退订",
	WebsiteLink:        "访问网站",
	ViewInBrowser:      "在浏览器中查看",
	EmptySubject:       "{site} {date}：今天没有新的新闻",
	DigestArchive:      "{digest} 往期",
	DigestArchiveIndex: "邮件摘要往期",
	NoDigests:          "还没有发出过邮件摘要。",

	UnsubscribeConfirmTitle:  "确认退订",
	UnsubscribeConfirmText:   "确定让 {address} 不再收到{site}的“{list}”邮件吗？",
	UnsubscribeConfirmButton: "确认退订",
	UnsubscribedTitle:        "已退订",
	UnsubscribedText:         "{address} 已退出{site}的“{list}”名单，今后不会再收到这些邮件。",
	UnsubscribeBadLinkTitle:  "链接无效",
	UnsubscribeBadLinkText:   "这个退订链接无效或不完整。请直接点击邮件中的退订链接。",

	ManageSubscription: "管理订阅",
	SignupFooter:       "每日摘要发到邮箱：",
	SignupTitle:        "邮件订阅",
	SignupIntro:        "每天把新闻摘要发到您的邮箱。提交后请查收确认邮件，点击其中的链接后订阅才会生效。",
	SignupEmail:        "电子邮箱",
	SignupLists:        "选择邮件",
	SignupTopics:       "只看这些专题（不选则全部）",
	SignupButton:       "订阅",
	SignupHoneypot:     "请勿填写此栏",
	SignupPrivacy:      "我们只保存您的邮箱、所选内容、时间和确认时的 IP 地址；每封邮件都可以退订。",
	SignupClosed:       "暂未开放邮件订阅。",
	SignupInvalid:      "请填写有效的电子邮箱，并至少选择一项。",
	SignupSentTitle:    "请查收确认邮件",
	SignupSentText:     "如果 {address} 可以订阅，我们已向这个邮箱发送了确认邮件。点击邮件中的链接后订阅才会生效，链接 {hours} 小时内有效。没有收到？请看看垃圾邮件文件夹。",
	SignupTooMany:      "请求太频繁，请稍后再试。",
	SignupFormExpired:  "表单已过期，请重新提交。",
	ConfirmTitle:       "确认订阅",
	ConfirmText:        "点击下面的按钮，确认让 {address} 订阅：",
	ConfirmButton:      "确认订阅",
	ConfirmedTitle:     "订阅成功",
	ConfirmedText:      "{address} 已订阅，下一期摘要就会发到这个邮箱。",
	LinkExpiredTitle:   "链接已过期",
	LinkExpiredText:    "这个确认链接已过期，订阅没有生效。请重新订阅，我们会再发一封确认邮件。",
	LinkBadTitle:       "链接无效",
	LinkBadText:        "这个链接无效或不完整。请直接点击邮件中的链接。",
	ConfirmMailSubject: "请确认订阅{site}的邮件",
	ConfirmMailText:    "您好：\n\n有人（希望是您）用 {address} 订阅了{site}的邮件：{lists}。\n\n请在 {hours} 小时内打开下面的链接确认：\n{link}\n\n如果不是您本人操作，请忽略这封邮件：不确认就不会订阅，我们也不会再给您发邮件。",
	ManageTitle:        "订阅设置",
	ManageText:         "{address} 的订阅：",
	ManageSave:         "保存",
	ManageUnsubscribe:  "全部退订",
	ManageSaved:        "已保存。",
	ManageConfirmSent:  "重新订阅需要确认：我们已经给 {address} 发了确认邮件（如果今天还没发过）。",
	ManageUnsubscribed: "已全部退订，今后不会再收到这些邮件。您可以随时在本页重新订阅。",
	ManageOtherList:    "“{list}”（只能退订）",
}

// wordsEN is English, for sites that publish in it.
var wordsEN = Words{
	Lang:            "en",
	PhotoLabel:      "Photo news",
	PhotoCredit:     "Photo: {names}",
	ListSeparator:   ", ",
	Colon:           ": ",
	PlainTitle:      "* {title}",
	ShortDateLayout: "January 2",
	YearDateLayout:  "January 2, 2006",
	LongDate:        "{weekday}, {date}",
	Weekdays:        [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},

	Home:           "Home",
	LatestArticles: "Latest articles",
	LatestEditions: "Recent editions",
	Edition:        "{date}",
	EditionCount:   "{count} articles in this edition",
	EditionLink:    "This edition",
	Topics:         "Topics",
	Topic:          "Topic: {name}",
	Subscribe:      "Subscribe to ",
	SubscribeHint:  "Subscribe in a feed reader to get new articles every day.",
	Articles:       "{count} articles",
	Updated:        "Updated",
	NotFound:       "Page not found",
	NotFoundText:   "The page you are looking for does not exist; it may have been removed or the address is wrong.",
	ServerError:    "Service unavailable",
	ServerErrText:  "Something went wrong on the server. Please try again later.",
	Gone:           "Article withdrawn",
	GoneText:       "This article has been withdrawn and is no longer available.",
	Month:          "Archive: {month}",
	MonthLayout:    "January 2006",
	Archive:        "Archive",
	NoArticles:     "No articles yet.",
	BackHome:       "Back to the home page",

	FeedPageTitle: "{title} (feed)",
	FeedNote:      "This is a feed (RSS / Atom) for news readers, not an ordinary web page.",
	FeedHowTo:     "How to subscribe",
	FeedCopyURL:   "Copy this page's address: ",
	FeedAdd:       "In your feed reader (Feedly, Inoreader, NetNewsWire, Thunderbird, Miniflux…) choose “Add subscription” and paste the address.",
	FeedDaily:     "New articles then appear in your reader every day.",
	BackToSite:    "Back to the website",

	DefaultSubject:     "{{.Site}}, {{.Date}}: {{.Lead}} ({{.Count}} articles)",
	DigestTitle:        "Daily digest",
	Intro:              "{date}: {count} articles.",
	EmptyDigest:        "Nothing new today.",
	NewsSection:        "News",
	PhotoSection:       "Photo news",
	MoreHeadlines:      "More news",
	Remaining:          "{count} more articles on the website",
	ReadMore:           "Read more",
	Why:                "You receive this email because you subscribed to {site}'s \u201c{digest}\u201d (list: {list}).",
	Publisher:          "Published by {address}",
	Unsubscribe:        "Unsubscribe",
	WebsiteLink:        "Visit the website",
	ViewInBrowser:      "View in your browser",
	EmptySubject:       "{site}, {date}: nothing new today",
	DigestArchive:      "{digest}: past issues",
	DigestArchiveIndex: "Past email digests",
	NoDigests:          "No digest has been sent yet.",

	UnsubscribeConfirmTitle:  "Unsubscribe?",
	UnsubscribeConfirmText:   "Stop sending {site}'s \u201c{list}\u201d emails to {address}?",
	UnsubscribeConfirmButton: "Unsubscribe",
	UnsubscribedTitle:        "Unsubscribed",
	UnsubscribedText:         "{address} has left {site}'s \u201c{list}\u201d list and will get no more of these emails.",
	UnsubscribeBadLinkTitle:  "Invalid link",
	UnsubscribeBadLinkText:   "This unsubscribe link is invalid or incomplete. Please use the link in the email itself.",

	ManageSubscription: "Manage subscription",
	SignupFooter:       "Get the daily digest by email: ",
	SignupTitle:        "Email subscription",
	SignupIntro:        "Get the news digest in your inbox. After you submit, check your inbox: the subscription starts when you click the link in our confirmation email.",
	SignupEmail:        "Email address",
	SignupLists:        "Choose your emails",
	SignupTopics:       "Only these topics (none ticked: everything)",
	SignupButton:       "Subscribe",
	SignupHoneypot:     "Leave this field empty",
	SignupPrivacy:      "We keep only your address, your choices, timestamps and the IP address you confirmed from; every email has an unsubscribe link.",
	SignupClosed:       "Email sign-up is not open.",
	SignupInvalid:      "Enter a valid email address and choose at least one list.",
	SignupSentTitle:    "Check your inbox",
	SignupSentText:     "If {address} can be subscribed, we have sent it a confirmation email. The subscription starts when you click its link, which works for {hours} hours. Nothing there? Look in the spam folder.",
	SignupTooMany:      "Too many requests; please try again later.",
	SignupFormExpired:  "This form has expired; please submit it again.",
	ConfirmTitle:       "Confirm your subscription",
	ConfirmText:        "Press the button to subscribe {address} to:",
	ConfirmButton:      "Confirm",
	ConfirmedTitle:     "You are subscribed",
	ConfirmedText:      "{address} is subscribed; the next digest will reach it.",
	LinkExpiredTitle:   "This link has expired",
	LinkExpiredText:    "This confirmation link has expired and nothing was changed. Sign up again and we will send a new one.",
	LinkBadTitle:       "Invalid link",
	LinkBadText:        "This link is invalid or incomplete. Please use the link in the email itself.",
	ConfirmMailSubject: "Confirm your subscription to {site}",
	ConfirmMailText:    "Hello,\n\nsomeone (we hope you) subscribed {address} to {site}'s emails: {lists}.\n\nTo confirm, open this link within {hours} hours:\n{link}\n\nIf it was not you, ignore this email: without a confirmation nothing is subscribed and we will not write again.",
	ManageTitle:        "Subscription preferences",
	ManageText:         "Subscriptions of {address}:",
	ManageSave:         "Save",
	ManageUnsubscribe:  "Unsubscribe from all",
	ManageSaved:        "Saved.",
	ManageConfirmSent:  "Coming back needs a confirmation: we have sent one to {address} (unless one went today already).",
	ManageUnsubscribed: "Unsubscribed from everything; no more of these emails will come. You can resubscribe here any time.",
	ManageOtherList:    "\u201c{list}\u201d (unsubscribe only)",
}

// catalogue maps a language tag to its words. Add a language by adding
// Words here.
var catalogue = map[string]*Words{
	"zh-CN": &wordsZH,
	"en":    &wordsEN,
}

// WordsFor returns the words for lang: an exact match, else those of the
// same primary language ("zh-TW" gets "zh-CN", "en-GB" "en"), else nil:
// New refuses a language paperboy has no words for rather than show
// readers another one.
func WordsFor(lang string) *Words { return forLanguage(catalogue, lang) }

// forLanguage picks lang's entry of a catalogue: an exact match, else one
// of the same primary language, else nil.
func forLanguage[T any](catalogue map[string]*T, lang string) *T {
	if w, ok := catalogue[lang]; ok {
		return w
	}
	primary, _, _ := strings.Cut(lang, "-")
	for tag, w := range catalogue {
		if p, _, _ := strings.Cut(tag, "-"); strings.EqualFold(p, primary) {
			return w
		}
	}
	return nil
}

// Fill replaces each {key} in s with its value.
func Fill(s string, kv ...string) string {
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Headline is a headline set in plain text, "【示范区党政联席会议召开】".
func (w *Words) Headline(title string) string { return Fill(w.PlainTitle, "title", title) }

// Date is how readers see a date in lists, subjects and mail: "7月20日"
// in the year of now, "2021年7月20日" in any other, so an old edition never
// passes for this year's.
func (w *Words) Date(d, now time.Time) string {
	if d.Year() == now.Year() {
		return d.Format(w.ShortDateLayout)
	}
	return d.Format(w.YearDateLayout)
}

// LongDateOf is a page's date: always with its year and the day of the
// week, "2021年7月15日 星期四".
func (w *Words) LongDateOf(d time.Time) string {
	return Fill(w.LongDate, "date", d.Format(w.YearDateLayout), "weekday", w.Weekdays[d.Weekday()])
}

// EditionDate is Date for an edition date "YYYY-MM-DD"; a date that does
// not parse is returned as it is.
func (w *Words) EditionDate(date string, now time.Time) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return w.Date(d, now)
}

// LongEditionDate is LongDateOf for an edition date "YYYY-MM-DD"; a date
// that does not parse is returned as it is.
func (w *Words) LongEditionDate(date string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return w.LongDateOf(d)
}
