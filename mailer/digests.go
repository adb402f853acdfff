// Package mailer renders the daily digest and delivers it through an
// outbox in the store: one run per (digest, slot), one delivery row per
// recipient, each marked sent as soon as the server accepts it, so a run
// interrupted by a crash resumes with only what is left.
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

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/address"
	"github.com/paperboy-news/paperboy/internal/fsutil"
	"github.com/paperboy-news/paperboy/store"
)

// OutboxStore is the part of the store the mailer keeps its outbox in;
// *store.Store is one.
type OutboxStore interface {
	CreateDigestRun(ctx context.Context, run store.DigestRun, recipients iter.Seq[store.OutboxRecipient]) (store.DigestRun, bool, error)
	DigestRunBySlot(ctx context.Context, digest string, slot time.Time) (store.DigestRun, error)
	LastDigestRun(ctx context.Context, digest string) (store.DigestRun, error)
	DueDeliveries(ctx context.Context, runID int64, after string, now time.Time, limit int) ([]store.Delivery, error)
	MarkDeliverySent(ctx context.Context, runID int64, recipient string, at time.Time) error
	MarkDeliveryRetry(ctx context.Context, runID int64, recipient string, code int, reply string, next time.Time) error
	MarkDeliveryFailed(ctx context.Context, runID int64, recipient string, code int, reply string) error
	MarkDeliverySkipped(ctx context.Context, runID int64, recipient, reason string) error
	DeliveryCounts(ctx context.Context, runID int64) (store.DeliveryCounts, error)
	FinishDigestRun(ctx context.Context, runID int64, status, errMsg string) error
	Unsubscribe(ctx context.Context, list, address string) error
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

// RunResult is what a run did, counted over the whole run (including
// earlier attempts when it was resumed).
type RunResult struct {
	RunID   int64
	Digest  string
	Slot    time.Time
	Status  string // store.RunSending (interrupted), RunDone, RunSkipped or RunFailed
	Subject string
	// Articles is how many articles the digest lists.
	Articles int
	// Resumed is true when the run existed before this call.
	Resumed                        bool
	Sent, Failed, Skipped, Pending int
}

// selection is what a new run will send.
type selection struct {
	articles    []content.Article
	windowStart time.Time
	windowEnd   time.Time
}

// selectArticles picks the articles created since the digest's previous
// run (first run: the latest edition), in its topics, from editions dated
// within its period before slot.
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
	switch {
	case err == nil:
		sel.windowStart = last.WindowEnd
		// Articles deleted since may have held the newest stamps.
		sel.windowEnd = maxTime(sel.windowEnd, last.WindowEnd)
		arts, err := m.articles.ArticlesSince(ctx, store.ArticleQuery{
			CreatedAfter: last.WindowEnd,
			CreatedUpTo:  sel.windowEnd,
			MinDate:      slot.In(m.cfg.Site.Location).Add(-d.Period).Format(time.DateOnly),
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
		return sel, nil
	case !errors.Is(err, store.ErrNotFound):
		return selection{}, err
	}
	eds, err := m.articles.Editions(ctx, 1)
	if err != nil {
		return selection{}, err
	}
	if len(eds) == 0 {
		return sel, nil
	}
	all, err := m.articles.EditionArticles(ctx, eds[0].Date)
	if err != nil {
		return selection{}, err
	}
	for _, a := range all {
		if (d.MaxArticles == 0 || len(sel.articles) < d.MaxArticles) && hasTopic(a, d.Topics) {
			sel.articles = append(sel.articles, a)
		}
	}
	return sel, nil
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
	var b strings.Builder
	if err := d.subject.Execute(&b, data); err != nil {
		return "", fmt.Errorf("subject template: %w", err)
	}
	return strings.TrimSpace(content.OneLine(b.String())), nil
}

// recipients yields the digest's recipients with their Message-IDs.
func (m *Digests) recipients(d *digestConf, slot time.Time) iter.Seq[store.OutboxRecipient] {
	return func(yield func(store.OutboxRecipient) bool) {
		// One message per reader, however the lists spell the address.
		seen := map[string]bool{}
		for _, list := range d.Lists {
			for _, a := range m.cfg.Lists[list] {
				addr, err := parseRecipient(a)
				if err != nil {
					continue // New refused invalid addresses already
				}
				if seen[address.Key(addr)] {
					continue
				}
				seen[address.Key(addr)] = true
				if !yield(store.OutboxRecipient{Address: addr, List: list, MessageID: m.messageID(d.Name, slot, addr)}) {
					return
				}
			}
		}
	}
}

// Run runs digest name for slot. It is idempotent per (name, slot): the
// first call creates the run and its outbox and sends; a later call resumes
// an unfinished run, sending only what is still pending, and returns a
// finished run's result without sending anything.
//
// If ctx is cancelled, Run stops taking new messages, lets those in flight
// finish, and returns an error wrapping ctx's with the rest left pending.
func (m *Digests) Run(ctx context.Context, name string, slot time.Time) (RunResult, error) {
	return m.RunWithProgress(ctx, name, slot, nil)
}

// RunWithProgress is Run calling progress (from one goroutine) a few times a
// second while it sends, and once at the end.
func (m *Digests) RunWithProgress(ctx context.Context, name string, slot time.Time, progress func(Progress)) (RunResult, error) {
	res, err := m.run(ctx, name, slot.UTC(), progress)
	if err != nil {
		return res, fmt.Errorf("mailer: run digest %s for %s: %w", name, slot.UTC().Format(time.RFC3339), err)
	}
	return res, nil
}

func (m *Digests) run(ctx context.Context, name string, slot time.Time, progress func(Progress)) (RunResult, error) {
	d, err := m.digest(name)
	if err != nil {
		return RunResult{}, err
	}
	res := RunResult{Digest: name, Slot: slot}
	var arts []content.Article
	run, err := m.store.DigestRunBySlot(ctx, name, slot)
	switch {
	case err == nil:
		res.Resumed = true
	case errors.Is(err, store.ErrNotFound):
		if run, arts, err = m.createRun(ctx, d, slot); err != nil {
			return res, err
		}
	default:
		return res, err
	}
	res.RunID, res.Status, res.Subject, res.Articles = run.ID, run.Status, run.Subject, len(run.ArticleIDs)
	if run.Status == store.RunSending {
		if res.Resumed {
			if arts, err = m.frozenArticles(ctx, run.ArticleIDs); err != nil {
				return res, err
			}
		}
		m.log.Info("digest_run_sending", "digest", name, "run", run.ID, "articles", len(arts), "resumed", res.Resumed)
		err = m.deliver(ctx, d, run, arts, progress)
	}
	counts, cerr := m.store.DeliveryCounts(context.WithoutCancel(ctx), run.ID)
	if cerr != nil {
		return res, errors.Join(err, cerr)
	}
	res.Sent, res.Failed, res.Skipped, res.Pending = counts.Sent, counts.Failed, counts.Skipped, counts.Pending
	if err != nil {
		return res, err
	}
	if run.Status == store.RunSending {
		res.Status, err = m.finish(ctx, run, counts)
		m.log.Info("digest_run_finished", "digest", name, "run", run.ID, "status", res.Status,
			"sent", counts.Sent, "failed", counts.Failed, "skipped", counts.Skipped)
	}
	return res, err
}

// Abandon closes the run of digest name for slot that will not be resumed
// (the scheduler decided it is too late): its pending deliveries are
// marked skipped with reason, so it neither stays "sending" nor goes out
// late, and the run is finished: done if anything was sent, failed if
// nothing was, so that the next run covers its articles again. A slot with
// no run, or a finished one, is left alone.
func (m *Digests) Abandon(ctx context.Context, name string, slot time.Time, reason string) (RunResult, error) {
	res, err := m.abandon(ctx, name, slot.UTC(), reason)
	if err != nil {
		return res, fmt.Errorf("mailer: abandon digest %s for %s: %w", name, slot.UTC().Format(time.RFC3339), err)
	}
	return res, nil
}

func (m *Digests) abandon(ctx context.Context, name string, slot time.Time, reason string) (RunResult, error) {
	res := RunResult{Digest: name, Slot: slot}
	run, err := m.store.DigestRunBySlot(ctx, name, slot)
	if errors.Is(err, store.ErrNotFound) {
		return res, nil // stopped before its outbox was created
	}
	if err != nil {
		return res, err
	}
	res.RunID, res.Status, res.Subject, res.Articles, res.Resumed = run.ID, run.Status, run.Subject, len(run.ArticleIDs), true
	if run.Status == store.RunSending {
		// Every pending delivery, due or waiting for a retry.
		for after := ""; ; {
			page, err := m.store.DueDeliveries(ctx, run.ID, after, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), pageSize)
			if err != nil {
				return res, err
			}
			if len(page) == 0 {
				break
			}
			for _, dl := range page {
				if err := m.store.MarkDeliverySkipped(ctx, run.ID, dl.Recipient, "not sent: "+reason); err != nil {
					return res, err
				}
			}
			after = page[len(page)-1].Recipient
		}
	}
	c, err := m.store.DeliveryCounts(ctx, run.ID)
	if err != nil {
		return res, err
	}
	res.Sent, res.Failed, res.Skipped, res.Pending = c.Sent, c.Failed, c.Skipped, c.Pending
	if run.Status != store.RunSending {
		return res, nil
	}
	res.Status = store.RunDone
	if c.Sent == 0 {
		res.Status = store.RunFailed
	}
	msg := fmt.Sprintf("abandoned with %d of %d deliveries sent: %s", c.Sent, c.Sent+c.Failed+c.Skipped, reason)
	if err := m.store.FinishDigestRun(ctx, run.ID, res.Status, msg); err != nil {
		return res, err
	}
	m.log.Warn("digest_run_abandoned", "digest", name, "run", run.ID, "status", res.Status, "sent", c.Sent, "skipped", c.Skipped, "reason", reason)
	return res, nil
}

// createRun selects the articles and creates the run with its whole
// outbox; with nothing to send and SkipEmpty it records a skipped run.
func (m *Digests) createRun(ctx context.Context, d *digestConf, slot time.Time) (store.DigestRun, []content.Article, error) {
	sel, err := m.selectArticles(ctx, d, slot)
	if err != nil {
		return store.DigestRun{}, nil, err
	}
	subject, err := m.subject(d, sel.articles, slot)
	if err != nil {
		return store.DigestRun{}, nil, err
	}
	run := store.DigestRun{
		Digest: d.Name, Slot: slot, Status: store.RunSending, Subject: subject,
		WindowStart: sel.windowStart, WindowEnd: sel.windowEnd,
		// Leaving any of the digest's lists stops the digest.
		Lists: d.Lists,
	}
	for _, a := range sel.articles {
		run.ArticleIDs = append(run.ArticleIDs, a.ID)
	}
	var rcpts iter.Seq[store.OutboxRecipient]
	if len(sel.articles) == 0 && d.SkipEmpty {
		run.Status = store.RunSkipped
		m.log.Info("digest_run_skipped", "digest", d.Name, "reason", "no new articles")
	} else {
		rcpts = m.recipients(d, slot)
	}
	run, created, err := m.store.CreateDigestRun(ctx, run, rcpts)
	if err != nil {
		return store.DigestRun{}, nil, err
	}
	if !created {
		// Another process created it between our look-up and now.
		arts, err := m.frozenArticles(ctx, run.ArticleIDs)
		return run, arts, err
	}
	return run, sel.articles, nil
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

// finish closes a run whose deliveries are all settled: failed if nothing
// could be delivered, done otherwise.
func (m *Digests) finish(ctx context.Context, run store.DigestRun, c store.DeliveryCounts) (string, error) {
	status, msg := store.RunDone, ""
	if c.Sent == 0 && c.Failed > 0 {
		status, msg = store.RunFailed, fmt.Sprintf("all %d deliveries failed", c.Failed)
	}
	if err := m.store.FinishDigestRun(context.WithoutCancel(ctx), run.ID, status, msg); err != nil {
		return store.RunSending, err
	}
	return status, nil
}

// draft is the digest a run for slot would send now, rendered without
// creating the run: for previews and test messages.
type draft struct {
	subject  string
	body     *body
	articles int
}

func (m *Digests) draft(ctx context.Context, d *digestConf, list string, slot time.Time) (draft, error) {
	sel, err := m.selectArticles(ctx, d, slot)
	if err != nil {
		return draft{}, err
	}
	subject, err := m.subject(d, sel.articles, slot)
	if err != nil {
		return draft{}, err
	}
	b, err := m.render(digestPage{subject: subject, site: m.cfg.Site.Title, digest: d.Title, list: list, articles: sel.articles})
	return draft{subject: subject, body: b, articles: len(sel.articles)}, err
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
	// Articles is how many articles the digest would list; with none and
	// SkipEmpty, WouldSkip says a run now would send nothing.
	Articles  int
	WouldSkip bool
}

// Preview renders the digest a run would send now to recipient and writes
// NAME.html, NAME.txt and NAME.eml into dir. It sends nothing and records
// nothing.
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

// SendTest sends the digest a run would send now to one address through
// the configured transport, outside the outbox, and returns its
// Message-ID.
func (m *Digests) SendTest(ctx context.Context, name, to string) (string, error) {
	id, err := m.sendTest(ctx, name, to)
	if err != nil {
		return "", fmt.Errorf("mailer: send test of digest %s to %s: %w", name, to, err)
	}
	return id, nil
}

func (m *Digests) sendTest(ctx context.Context, name, to string) (string, error) {
	d, err := m.digest(name)
	if err != nil {
		return "", err
	}
	addr, err := parseRecipient(to)
	if err != nil {
		return "", err
	}
	now := m.cfg.Now()
	list := m.listOf(d, addr)
	dr, err := m.draft(ctx, d, list, now)
	if err != nil {
		return "", err
	}
	id := fmt.Sprintf("test.%d.%s", now.UnixNano(), m.messageID(d.Name, now, addr))
	msg, err := m.message(d, dr.subject, dr.body, envelope{to: addr, list: list, messageID: id}, now)
	if err != nil {
		return "", err
	}
	s := m.newSender()
	if err := s.Send(ctx, msg); err != nil {
		s.Close()
		return "", err
	}
	return id, s.Close()
}

// bodies renders a run's body once per list (the footer names the list)
// and hands it to every message of that list.
type bodies struct {
	mu   sync.Mutex
	m    *Digests
	page digestPage
	by   map[string]*body
}

func (b *bodies) get(list string) (*body, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r, ok := b.by[list]; ok {
		return r, nil
	}
	p := b.page
	p.list = list
	r, err := b.m.render(p)
	if err != nil {
		return nil, err
	}
	b.by[list] = r
	return r, nil
}
