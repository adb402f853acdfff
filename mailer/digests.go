// Package mailer owns a digest's whole life: it selects and renders the
// digest and delivers it through an outbox in the store: one run per
// (digest, slot), one delivery row per recipient, each marked sent as soon
// as the server accepts it. The run's lifecycle (lifecycle.go) is the one
// place that decides when a run is created, resumed or closed; the daemon's
// scheduler and `paperboy digest` both go through it.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/address"
	"github.com/paperboy-news/paperboy/internal/fsutil"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// OutboxStore is the part of the store the mailer keeps its outbox in;
// *store.Store is one.
type OutboxStore interface {
	CreateDigestRun(ctx context.Context, run store.DigestRun, recipients iter.Seq[store.OutboxRecipient]) (store.DigestRun, bool, error)
	DigestRunBySlot(ctx context.Context, digest string, slot time.Time) (store.DigestRun, error)
	LastDigestRun(ctx context.Context, digest string) (store.DigestRun, error)
	UnfinishedDigestRuns(ctx context.Context) ([]store.DigestRun, error)
	DueDeliveries(ctx context.Context, runID int64, after string, now time.Time, limit int) ([]store.Delivery, error)
	ClaimDeliveries(ctx context.Context, runID int64, holder, after string, now, until time.Time, limit int) ([]store.Delivery, error)
	MarkDeliverySent(ctx context.Context, runID int64, recipient string, at time.Time) error
	MarkDeliveryRetry(ctx context.Context, runID int64, recipient string, code int, reply string, next time.Time) error
	MarkDeliveryFailed(ctx context.Context, runID int64, recipient string, code int, reply string) error
	MarkDeliverySkipped(ctx context.Context, runID int64, recipient, reason string) error
	DeliveryCounts(ctx context.Context, runID int64) (store.DeliveryCounts, error)
	FinishDigestRun(ctx context.Context, runID int64, status store.RunStatus, errMsg string) error
	CloseDigestRun(ctx context.Context, runID int64, status store.RunStatus, errMsg, reason string) (store.DeliveryCounts, error)
	Unsubscribe(ctx context.Context, list, address string) error
	SentDigestRuns(ctx context.Context, digest string, limit int) ([]store.DigestRun, error)
}

// ArticleSource is where digests get their articles; *store.Store is one.
type ArticleSource interface {
	// ArticlesSince returns the articles matching q, newest edition first
	// and in page order within an edition.
	ArticlesSince(ctx context.Context, q store.ArticleQuery) ([]content.Article, error)
	// Editions returns up to limit editions, newest first.
	Editions(ctx context.Context, limit int) ([]store.EditionSummary, error)
	// EditionArticles returns an edition's articles in page order.
	EditionArticles(ctx context.Context, date string) ([]content.Article, error)
	// Article returns one article, or an error wrapping store.ErrNotFound.
	Article(ctx context.Context, id string) (content.Article, error)
	// LatestArticleStamp returns the newest article creation or update
	// time; an article committed later is stamped later. Zero if none.
	LatestArticleStamp(ctx context.Context) (time.Time, error)
}

// Digests renders and delivers the configured digests.
type Digests struct {
	cfg      Config
	digests  map[string]*digestConf
	cat      *Catalogue
	store    OutboxStore
	articles ArticleSource
	log      *slog.Logger
	lists    *listCache
	// unsubKeys seal and open the unsubscribe links' tokens.
	unsubKeys *UnsubscribeKeys
}

// New checks cfg and returns the mailer; the error lists every problem.
func New(cfg Config, st OutboxStore, articles ArticleSource) (*Digests, error) {
	cfg, digests, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Digests{
		cfg: cfg, digests: digests, cat: cfg.Site.Words,
		store: st, articles: articles, log: cfg.Logger,
		lists:     &listCache{reader: cfg.ListReader, last: cfg.Lists, names: cfg.listNames, log: cfg.Logger},
		unsubKeys: NewUnsubscribeKeys(cfg.Site.BaseURL.String(), cfg.unsubscribeSecrets()...),
	}, nil
}

// Names lists the configured digests.
func (m *Digests) Names() []string {
	names := make([]string, 0, len(m.digests))
	for n := range m.digests {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (m *Digests) digest(name string) (*digestConf, error) {
	d, ok := m.digests[name]
	if !ok {
		return nil, fmt.Errorf("mailer: unknown digest %q (configured: %s)", name, strings.Join(m.Names(), ", "))
	}
	return d, nil
}

// selection is what a new run will send.
type selection struct {
	articles    []content.Article
	windowStart time.Time
	windowEnd   time.Time
	// empty says why there are no articles.
	empty string
}

// selectArticles picks the articles created since the digest's previous
// run (first run: the latest edition), in its topics, from editions dated
// within its period before slot: a first run on a fresh install with only
// old editions has nothing to send.
//
// The window ends at the newest article stamp stored, read before the
// articles: the store stamps an ingest after it takes the write lock and
// after every stamp before it, so an ingest still committing now gets a
// later stamp and goes to the next run. A window ending at this
// process's clock would leave such an article behind it, unsent.
func (m *Digests) selectArticles(ctx context.Context, d *digestConf, slot time.Time) (selection, error) {
	var sel selection
	end, err := m.articles.LatestArticleStamp(ctx)
	if err != nil {
		return selection{}, err
	}
	sel.windowEnd = end
	last, err := m.store.LastDigestRun(ctx, d.Name)
	if err == nil && last.WindowStart.IsZero() && len(last.ArticleIDs) == 0 {
		// The first run found no edition at all: the next one is still a
		// first run and takes the latest edition.
		err = store.ErrNotFound
	}
	minDate := slot.In(m.cfg.Site.Location).Add(-d.Period).Format(time.DateOnly)
	switch {
	case err == nil:
		sel.windowStart = last.WindowEnd
		// Articles deleted since may have held the newest stamps.
		sel.windowEnd = maxTime(sel.windowEnd, last.WindowEnd)
		arts, err := m.articles.ArticlesSince(ctx, store.ArticleQuery{
			CreatedAfter: last.WindowEnd,
			CreatedUpTo:  sel.windowEnd,
			MinDate:      minDate,
			Topics:       d.Topics,
			Limit:        d.MaxArticles,
		})
		if err != nil {
			return selection{}, err
		}
		// A first run took the latest edition whole, including articles
		// committed after it read its window end: they are not sent again.
		sent := make(map[string]bool, len(last.ArticleIDs))
		for _, id := range last.ArticleIDs {
			sent[id] = true
		}
		for _, a := range arts {
			if !sent[a.ID] {
				sel.articles = append(sel.articles, a)
			}
		}
		if len(sel.articles) == 0 {
			sel.empty = fmt.Sprintf("nothing new within the digest's period (%s, editions from %s on)", site.ConfigDuration(d.Period), minDate)
		}
		return sel, nil
	case !errors.Is(err, store.ErrNotFound):
		return selection{}, err
	}
	eds, err := m.articles.Editions(ctx, 1)
	if err != nil {
		return selection{}, err
	}
	if len(eds) == 0 {
		sel.empty = "no edition yet"
		return sel, nil
	}
	if eds[0].Date < minDate {
		sel.empty = fmt.Sprintf("nothing within the digest's period (%s): the latest edition, %s, is older than %s", site.ConfigDuration(d.Period), eds[0].Date, minDate)
		return sel, nil
	}
	if sel.articles, err = m.editionArticles(ctx, d, eds[0].Date); err != nil {
		return selection{}, err
	}
	if len(sel.articles) == 0 {
		sel.empty = "nothing in the digest's topics in the latest edition, " + eds[0].Date
	}
	return sel, nil
}

// editionArticles is the edition's articles in the digest's topics, at
// most its MaxArticles.
func (m *Digests) editionArticles(ctx context.Context, d *digestConf, date string) ([]content.Article, error) {
	all, err := m.articles.EditionArticles(ctx, date)
	if err != nil {
		return nil, err
	}
	var arts []content.Article
	for _, a := range all {
		if (d.MaxArticles == 0 || len(arts) < d.MaxArticles) && hasTopic(a, d.Topics) {
			arts = append(arts, a)
		}
	}
	return arts, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func hasTopic(a content.Article, topics []string) bool {
	if len(topics) == 0 {
		return true
	}
	for _, t := range a.Topics {
		if slices.Contains(topics, t) {
			return true
		}
	}
	return false
}

// subject executes the digest's subject template.
func (m *Digests) subject(d *digestConf, arts []content.Article, slot time.Time) (string, error) {
	data := SubjectData{Site: m.cfg.Site.Title, Digest: d.Title, Count: len(arts), Lead: subjectLead(arts)}
	date := newestDate(arts)
	if date == "" {
		date = slot.In(m.cfg.Site.Location).Format(time.DateOnly)
	}
	data.Date = m.cat.EditionDate(date, slot.In(m.cfg.Site.Location))
	if len(arts) == 0 {
		// Whatever the template: a subject never counts 0 items ("等0条").
		return strings.TrimSpace(content.OneLine(fill(m.cat.EmptySubject, "site", data.Site, "date", data.Date))), nil
	}
	var b strings.Builder
	if err := d.subject.Execute(&b, data); err != nil {
		return "", fmt.Errorf("subject template: %w", err)
	}
	return strings.TrimSpace(content.OneLine(b.String())), nil
}

// frozenArticles loads a run's articles; one deleted since (a re-ingest
// dropped it) is left out.
func (m *Digests) frozenArticles(ctx context.Context, ids []string) ([]content.Article, error) {
	arts := make([]content.Article, 0, len(ids))
	for _, id := range ids {
		a, err := m.articles.Article(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			m.log.Warn("digest_article_gone", "article", id)
			continue
		}
		if err != nil {
			return nil, err
		}
		arts = append(arts, a)
	}
	return arts, nil
}

// draft is the digest a run for slot would send now, rendered without
// creating the run: for previews and test messages.
type draft struct {
	subject  string
	body     *body
	articles int
	// empty says why a run now would send no articles, when the draft
	// shows the latest edition instead (fallback, its date).
	empty, fallback string
}

// draft renders what a run for slot would send. When that is nothing, it
// renders the latest edition (in the digest's topics) instead, so that an
// admin previewing or test-sending sees a real digest even when the only
// edition is older than the period, as on a fresh install; draft.fallback
// says so. Scheduled runs never draft.
func (m *Digests) draft(ctx context.Context, d *digestConf, list string, slot time.Time) (draft, error) {
	sel, err := m.selectArticles(ctx, d, slot)
	if err != nil {
		return draft{}, err
	}
	var dr draft
	if len(sel.articles) == 0 {
		eds, err := m.articles.Editions(ctx, 1)
		if err != nil {
			return draft{}, err
		}
		if len(eds) > 0 {
			arts, err := m.editionArticles(ctx, d, eds[0].Date)
			if err != nil {
				return draft{}, err
			}
			if len(arts) > 0 {
				sel.articles, dr.empty, dr.fallback = arts, sel.empty, eds[0].Date
			}
		}
	}
	subject, err := m.subject(d, sel.articles, slot)
	if err != nil {
		return draft{}, err
	}
	b, err := m.render(digestPage{subject: subject, site: m.cfg.Site.Title, digest: d.Title, list: list, articles: sel.articles})
	dr.subject, dr.body, dr.articles = subject, b, len(sel.articles)
	return dr, err
}

// listOf is the digest's list naming address, else its first list.
func (m *Digests) listOf(d *digestConf, addr string) string {
	for _, l := range d.Lists {
		for _, a := range m.cfg.Lists[l] {
			if address.Equal(a, addr) {
				return l
			}
		}
	}
	return d.Lists[0]
}

// PreviewResult names the files Preview wrote.
type PreviewResult struct {
	Subject                 string
	HTMLPath, TextPath, EML string
	// Articles is how many articles the preview lists; with none and
	// SkipEmpty, WouldSkip says a run now would send nothing.
	Articles  int
	WouldSkip bool
	// Fallback is the latest edition's date when a run now would send no
	// articles (Empty says why) and the preview shows that edition
	// instead; "" when it shows what a run would send.
	Fallback, Empty string
}

// Preview renders the digest a run would send now to recipient and writes
// NAME.html, NAME.txt and NAME.eml into dir; when a run now would send no
// articles, it renders the latest edition instead and says so in
// PreviewResult.Fallback. It sends nothing and records nothing.
func (m *Digests) Preview(ctx context.Context, name, recipient, dir string) (PreviewResult, error) {
	res, err := m.preview(ctx, name, recipient, dir)
	if err != nil {
		return PreviewResult{}, fmt.Errorf("mailer: preview digest %s: %w", name, err)
	}
	return res, nil
}

func (m *Digests) preview(ctx context.Context, name, recipient, dir string) (PreviewResult, error) {
	d, err := m.digest(name)
	if err != nil {
		return PreviewResult{}, err
	}
	to, err := parseRecipient(recipient)
	if err != nil {
		return PreviewResult{}, err
	}
	now := m.cfg.Now()
	list := m.listOf(d, to)
	dr, err := m.draft(ctx, d, list, now)
	if err != nil {
		return PreviewResult{}, err
	}
	b := dr.body
	msg, err := m.message(d, dr.subject, b, envelope{to: to, list: list, messageID: "preview." + m.messageID(d.Name, now, to)}, now)
	if err != nil {
		return PreviewResult{}, err
	}
	if err := fsutil.MkdirPrivate(dir); err != nil {
		return PreviewResult{}, err
	}
	unsub := m.unsubscribeURL(list, to)
	res := PreviewResult{
		Subject:   dr.subject,
		Articles:  dr.articles,
		WouldSkip: dr.articles == 0 && d.SkipEmpty,
		Fallback:  dr.fallback,
		Empty:     dr.empty,
		HTMLPath:  filepath.Join(dir, name+".html"),
		TextPath:  filepath.Join(dir, name+".txt"),
		EML:       filepath.Join(dir, name+".eml"),
	}
	for _, f := range []struct{ path, data string }{{res.HTMLPath, b.htmlFor(unsub)}, {res.TextPath, b.textFor(unsub)}} {
		err := writeFileAtomic(f.path, func(w *os.File) error {
			_, err := w.WriteString(f.data)
			return err
		})
		if err != nil {
			return PreviewResult{}, err
		}
	}
	if err := writeEML(dir, name+".eml", msg); err != nil {
		return PreviewResult{}, err
	}
	return res, nil
}

// TestSent is what SendTest sent.
type TestSent struct {
	MessageID string
	// Articles, Fallback and Empty are as in PreviewResult.
	Articles        int
	Fallback, Empty string
}

// SendTest sends the digest a run would send now to one address through
// the configured transport, outside the outbox (and to nobody on the
// lists); when a run now would send no articles, it sends the latest
// edition instead and says so in TestSent.Fallback.
func (m *Digests) SendTest(ctx context.Context, name, to string) (TestSent, error) {
	sent, err := m.sendTest(ctx, name, to)
	if err != nil {
		return TestSent{}, fmt.Errorf("mailer: send test of digest %s to %s: %w", name, to, err)
	}
	return sent, nil
}

func (m *Digests) sendTest(ctx context.Context, name, to string) (TestSent, error) {
	d, err := m.digest(name)
	if err != nil {
		return TestSent{}, err
	}
	addr, err := parseRecipient(to)
	if err != nil {
		return TestSent{}, err
	}
	now := m.cfg.Now()
	list := m.listOf(d, addr)
	dr, err := m.draft(ctx, d, list, now)
	if err != nil {
		return TestSent{}, err
	}
	id := fmt.Sprintf("test.%d.%s", now.UnixNano(), m.messageID(d.Name, now, addr))
	msg, err := m.message(d, dr.subject, dr.body, envelope{to: addr, list: list, messageID: id}, now)
	if err != nil {
		return TestSent{}, err
	}
	if err := m.sendOne(ctx, msg); err != nil {
		return TestSent{}, err
	}
	return TestSent{MessageID: id, Articles: dr.articles, Fallback: dr.fallback, Empty: dr.empty}, nil
}

// sendOne sends msg on a connection of its own, outside any run.
func (m *Digests) sendOne(ctx context.Context, msg *mail.Msg) error {
	s := m.newSender()
	if err := s.Send(ctx, msg); err != nil {
		s.Close()
		return err
	}
	return s.Close()
}

// bodies renders a run's body once per list (the footer names the list)
// and set of chosen topics, and hands it to every message of that list.
type bodies struct {
	mu   sync.Mutex
	m    *Digests
	page digestPage
	by   map[string]*body
}

// errNothingInTopics is bodies.get's answer for a reader whose topics
// have no article in the run.
var errNothingInTopics = errors.New("no article in the reader's topics")

func (b *bodies) get(list string, topics []string) (*body, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key := list + "\x00" + strings.Join(topics, ",")
	if r, ok := b.by[key]; ok {
		return r, nil
	}
	p := b.page
	p.list = list
	if len(topics) > 0 {
		p.articles = nil
		for _, a := range b.page.articles {
			if hasTopic(a, topics) {
				p.articles = append(p.articles, a)
			}
		}
		if len(p.articles) == 0 {
			return nil, errNothingInTopics
		}
	}
	r, err := b.m.render(p)
	if err != nil {
		return nil, err
	}
	b.by[key] = r
	return r, nil
}
