package mailer

import (
	"bytes"
	"crypto/rand"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"sort"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/site"
)

//go:embed templates/*.tmpl
var templateFiles embed.FS

// msoFuncs wrap the fluid 600px card in a fixed-width table that only
// Outlook for Windows sees: its Word engine ignores max-width, every other
// client drops the conditional comment.
var msoFuncs = htmltemplate.FuncMap{
	"msoOpen": func() htmltemplate.HTML {
		return `<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->`
	},
	"msoClose": func() htmltemplate.HTML { return `<!--[if mso]></td></tr></table><![endif]-->` },
	// Outlook for Windows ignores the font stack's web fonts and falls
	// back to Times New Roman, a serif, for Chinese too: it gets a
	// font it has.
	"msoHead": func() htmltemplate.HTML {
		return `<!--[if mso]><style>table, td, p, a, span, div { font-family: 'Microsoft YaHei', '微软雅黑', Arial, sans-serif !important; }</style><![endif]-->`
	},
	// The preview line of an inbox shows the preheader and then whatever
	// text follows it; these invisible joiners and spaces fill the rest,
	// so the preview is not followed by "在浏览器中查看" and the site name.
	// The preheader is hidden by display:none and friends, not by a
	// transparent colour, which SpamAssassin scores as hidden text
	// (HTML_FONT_LOW_CONTRAST, +0.7).
	"preheaderPad": func() htmltemplate.HTML {
		return htmltemplate.HTML(strings.Repeat("&#847;&zwnj;&nbsp;", 40))
	},
}

var (
	htmlTemplates = htmltemplate.Must(htmltemplate.New("digest").Funcs(msoFuncs).ParseFS(templateFiles, "templates/*.html.tmpl"))
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/*.txt.tmpl"))
)

// unsubscribeSentinel stands for the recipient's unsubscribe URL in a body
// rendered once per run; it is made only of characters both templates
// leave alone, so each message swaps in its own link without re-rendering.
// Its tail is random per process: article text cannot contain it, so no
// reader's link ever lands inside an article.
var unsubscribeSentinel = "https://unsubscribe.paperboy.invalid/" + rand.Text()

// headerAllowance is what a message spends outside its two bodies
// (headers, MIME boundaries, the two unsubscribe links), generously.
const headerAllowance = 3000

// itemView is one article as the templates see it.
type itemView struct {
	Title    string
	Kicker   string
	Subtitle string
	URL      string
	Authors  string
	Lead     string
	Photo    bool
	// Image is a photo's picture, loaded from the site; nil without one.
	Image *imageView
	// date is the article's edition, for the link to the rest.
	date string
}

// imageView is a picture as the digest shows it: Width and Height are
// what the <img> takes on a wide screen (clients that ignore CSS, Outlook
// for Windows, use them; the others keep the ratio and never reflow).
type imageView struct {
	Src           string
	Alt           string
	Width, Height int
}

// MailImageWidth is the widest a picture shows in the digest: the 600px
// card less its padding.
const MailImageWidth = 560

// digestView is what the digest templates see.
type digestView struct {
	T         *Catalogue
	Lang      string
	Subject   string
	Site      string
	SiteURL   string
	Intro     string
	Empty     bool
	News      []itemView
	Photos    []itemView
	Headlines []itemView
	// Remaining counts the articles shown neither way ("还有 N 条"); MoreURL
	// is the edition page that has them.
	Remaining string
	MoreURL   string
	Publisher string
	Why       string
	// Preheader is the inbox preview, hidden in the message: the first
	// lead, or the empty digest's line.
	Preheader string
	// ArchiveURL is the run's page in the web archive of digests ("view
	// in browser"); "" for previews and test messages, which have none,
	// and on that page itself.
	ArchiveURL string
	// UnsubscribeURL is unsubscribeSentinel in a body rendered for many
	// recipients; "" on the archive page, which has no reader, so it
	// shows neither the link nor why the reader receives the mail.
	UnsubscribeURL string
}

// body is a digest rendered once: each part split around the unsubscribe
// sentinel.
type body struct {
	html, text []string
	// size is the bodies' length without the links.
	size int
	// full and headlines count the articles shown in full and as headline
	// only, remaining those only counted.
	full, headlines, remaining int
}

// htmlFor and textFor join the parts around a recipient's link.
func (b *body) htmlFor(unsubscribeURL string) string {
	return strings.Join(b.html, htmltemplate.HTMLEscapeString(unsubscribeURL))
}

func (b *body) textFor(unsubscribeURL string) string {
	return strings.Join(b.text, unsubscribeURL)
}

// digestPage is the reader-facing content of one run.
type digestPage struct {
	subject  string
	site     string
	digest   string
	list     string
	articles []content.Article
	// archiveURL is the run's archive page, linked from the message.
	archiveURL string
	// archive renders that page: no reader, so no personal parts.
	archive bool
	// at is when the run's dates are written from (its slot), so the
	// archive page, rendered later, says what the mail said; zero: now.
	at time.Time
}

// render lays out the digest so that its encoded message stays under
// MaxMessageBytes: every article in full if they fit; else as many in full
// as fit (at least the first) with the rest as headlines; else the first
// in full, as many headlines as fit, and one line counting the rest and
// linking to the edition page. The checks render that line, so its room is
// reserved, and every article is shown or counted: the intro's and the
// subject's count stay true.
func (m *Digests) render(p digestPage) (*body, error) {
	items := m.items(p.articles)
	n := len(items)
	fits := func(b *body) bool { return encodedSize(b.size) <= m.cfg.MaxMessageBytes-headerAllowance }
	if b, err := m.renderItems(p, items, n, n); err != nil || fits(b) || n <= 1 {
		return b, err
	}
	// cut renders the first full items in full and the rest up to limit
	// as headlines, and says whether the message fits.
	cut := func(full, limit int) (bool, error) {
		b, err := m.renderItems(p, items, full, limit)
		return err == nil && fits(b), err
	}
	// The fewest demoted to headlines, keeping the first in full; fewer in
	// full never makes the message bigger, so the search is monotonic.
	demoted, err := smallestFitting(n-1, func(k int) (bool, error) { return cut(n-k, n) })
	if err != nil {
		return nil, err
	}
	if demoted <= n-1 {
		return m.renderItems(p, items, n-demoted, n)
	}
	// Even as headlines they do not all fit: the fewest left to the
	// edition page. A headline costs more than the digits it takes off the
	// count, so this search is monotonic too.
	counted, err := smallestFitting(n-1, func(k int) (bool, error) { return cut(1, n-k) })
	if err != nil {
		return nil, err
	}
	return m.renderItems(p, items, 1, n-min(counted, n-1))
}

// renderArchive is the web copy of the digest mailed as p: laid out as
// the message was (the same articles in full, as headlines and counted),
// without the reader's parts (unsubscribe link, why they receive it).
func (m *Digests) renderArchive(p digestPage) (string, error) {
	mailed, err := m.render(p)
	if err != nil {
		return "", err
	}
	p.archive, p.archiveURL = true, ""
	b, err := m.renderItems(p, m.items(p.articles), mailed.full, mailed.full+mailed.headlines)
	if err != nil {
		return "", err
	}
	return b.htmlFor(""), nil
}

// items are the articles as the templates show them, news first, then
// photo news: the order the sections appear in, so the articles that lose
// their lead first are the last ones shown.
func (m *Digests) items(articles []content.Article) []itemView {
	items := make([]itemView, 0, len(articles))
	news := make([]content.Article, 0, len(articles))
	var photos []content.Article
	for _, a := range articles {
		if a.Kind == content.KindPhoto {
			photos = append(photos, a)
		} else {
			news = append(news, a)
		}
	}
	for _, a := range append(news, photos...) {
		items = append(items, m.item(a))
	}
	return items
}

// smallestFitting is the smallest k in [0, n] for which fits(k) holds
// (n+1 if none does), fits being monotonic; it stops at the first error.
func smallestFitting(n int, fits func(k int) (bool, error)) (int, error) {
	var firstErr error
	k := sort.Search(n+1, func(k int) bool {
		ok, err := fits(k)
		if err != nil {
			firstErr = err
			return true
		}
		return ok
	})
	return k, firstErr
}

// encodedSize is the size of n body bytes in base64 with 76-character
// lines.
func encodedSize(n int) int {
	b64 := (n + 2) / 3 * 4
	return b64 + b64/76*2
}

// renderItems renders the first full items in full, the next ones up to
// limit as headlines, and counts the rest in a line linking to the edition
// page.
func (m *Digests) renderItems(p digestPage, items []itemView, full, limit int) (*body, error) {
	cat := m.cat
	limit = min(limit, len(items))
	full = min(full, limit)
	v := digestView{
		T:              cat,
		Lang:           cat.Lang,
		Subject:        content.OneLine(p.subject),
		Site:           content.OneLine(p.site),
		SiteURL:        m.cfg.Site.URL("/"),
		Empty:          len(items) == 0,
		Publisher:      content.OneLine(fill(cat.Publisher, "address", m.cfg.Site.PublisherAddress)),
		Why:            content.OneLine(fill(cat.Why, "site", m.cfg.Site.Title, "digest", p.digest, "list", p.list)),
		UnsubscribeURL: unsubscribeSentinel,
		ArchiveURL:     p.archiveURL,
	}
	if p.archive {
		v.UnsubscribeURL = ""
	}
	at := p.at
	if at.IsZero() {
		at = m.cfg.Now()
	}
	// An empty digest has no date to count from; its one line says it all.
	if len(items) > 0 {
		v.Intro = content.OneLine(fill(cat.Intro, "site", p.site, "date", cat.EditionDate(newestDate(p.articles), at.In(m.cfg.Site.Location)), "count", strconv.Itoa(len(items))))
	}
	v.Preheader = cat.EmptyDigest
	if len(items) > 0 {
		v.Preheader = v.Intro
	}
	for _, it := range items {
		if it.Lead != "" {
			v.Preheader = it.Lead
			break
		}
	}
	for i, it := range items {
		switch {
		case i < full && it.Photo:
			v.Photos = append(v.Photos, it)
		case i < full:
			v.News = append(v.News, it)
		case i < limit:
			v.Headlines = append(v.Headlines, it)
		}
	}
	if rest := items[limit:]; len(rest) > 0 {
		v.Remaining = content.OneLine(fill(cat.Remaining, "count", strconv.Itoa(len(rest))))
		// The newest edition among them: a digest is nearly always one
		// edition, and its page lists every article of it.
		date := ""
		for _, it := range rest {
			date = max(date, it.date)
		}
		v.MoreURL = m.cfg.Site.URL(site.EditionPath(date))
	}
	var h, t bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&h, "digest.html.tmpl", v); err != nil {
		return nil, fmt.Errorf("render html: %w", err)
	}
	if err := textTemplates.ExecuteTemplate(&t, "digest.txt.tmpl", v); err != nil {
		return nil, fmt.Errorf("render text: %w", err)
	}
	b := &body{
		html:      strings.Split(h.String(), unsubscribeSentinel),
		text:      strings.Split(t.String(), unsubscribeSentinel),
		full:      full,
		headlines: limit - full,
		remaining: len(items) - limit,
	}
	b.size = h.Len() + t.Len() - (len(b.html)+len(b.text)-2)*len(unsubscribeSentinel)
	return b, nil
}

// item turns an article into what the templates show.
func (m *Digests) item(a content.Article) itemView {
	return itemView{
		Title:    site.MainTitle(a),
		Kicker:   content.OneLine(a.Kicker),
		Subtitle: content.OneLine(a.Subtitle),
		// The same permalinks as the feeds and the site.
		URL:     m.cfg.Site.URL(site.ArticlePath(a.ID)),
		Lead:    site.Lead(a),
		Authors: m.cat.Credit(a),
		Photo:   a.Kind == content.KindPhoto,
		Image:   m.imageOf(a),
		date:    a.Date,
	}
}

// imageOf is the digest's <img> for a's picture: a rendition sharp on a
// phone at 2x, linked from the site, never attached.
func (m *Digests) imageOf(a content.Article) *imageView {
	p, ok := site.PictureOf(a, 2*480, m.cfg.Site.URL)
	if !ok {
		return nil
	}
	// Shown at most MailImageWidth wide, the height scaled to match.
	w := min(p.Width, MailImageWidth)
	return &imageView{
		Src:    p.Src,
		Alt:    content.OneLine(p.Alt),
		Width:  w,
		Height: max(1, (p.Height*w+p.Width/2)/p.Width),
	}
}

// subjectLead is the headline a subject names: the first article's that
// is not photo news, which a subject line cannot show.
func subjectLead(arts []content.Article) string {
	for _, a := range arts {
		if a.Kind != content.KindPhoto {
			return site.MainTitle(a)
		}
	}
	if len(arts) > 0 {
		return site.Headline(arts[0])
	}
	return ""
}

// newestDate is the latest edition date among articles, "" if none.
func newestDate(articles []content.Article) string {
	newest := ""
	for _, a := range articles {
		newest = max(newest, a.Date)
	}
	return newest
}
