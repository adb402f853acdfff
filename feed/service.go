package feed

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// ArticleSource is what the feeds read from the store. Topic "" means all
// articles.
type ArticleSource interface {
	// EditionCounts lists the editions with articles of topic, newest
	// first, with their counts; only dates, when given.
	EditionCounts(ctx context.Context, topic string, dates ...string) ([]store.EditionCount, error)
	// EditionRange returns the whole editions dated from through to of
	// topic, newest first, page order within, each article with its
	// ordinal in its whole edition.
	EditionRange(ctx context.Context, topic, from, to string) ([]store.PlacedArticle, error)
}

// Service keeps every feed (main and per topic, in each enabled format)
// rendered and serves them, with their RFC 5005 archives.
//
// A feed's subscription document carries whole editions, newest first, up
// to Config.Items articles and at least the newest edition however large.
// Every older edition is in the archive document of its month, and only
// there: walking prev-archive from the subscription document meets every
// article exactly once. A month's archive document is final once the
// subscription document has moved past the month; until then editions
// leaving the subscription document join it.
//
// Refresh renders everything; Update, given the editions that changed,
// renders only the documents they touch. Archive documents are rendered
// when first asked for and kept until a change touches them.
type Service struct {
	cfg Config
	src ArticleSource

	refreshMu sync.Mutex // one Refresh or Update at a time
	current   atomic.Pointer[map[string]*Resource]
	plans     atomic.Pointer[map[string]*plan] // by slug
	syncedGen atomic.Int64                     // the store's change generation the feeds show

	archiveMu sync.Mutex
	archives  map[string]*Resource // by path; rendered on demand
	// archiveOrder is archives' paths, least recently rendered or served
	// first: the cache keeps maxArchives, so a crawler walking every
	// month does not hold them all in memory.
	archiveOrder []string

	pendingMu sync.Mutex
	pending   map[string]bool // paths changed since Sync last reported
}

// plan is a feed's editions and where its subscription document ends.
type plan struct {
	meta     Meta
	editions []store.EditionCount // newest first
	window   int                  // how many newest editions the subscription document carries
}

// months are the feed's archive months, newest first.
func (p *plan) months() []string { return monthsOf(p.editions[p.window:]) }

// monthsOf lists the months (YYYY-MM) of editions given newest first,
// newest first, once each.
func monthsOf(editions []store.EditionCount) []string {
	var ms []string
	for _, e := range editions {
		if m := e.Date[:7]; len(ms) == 0 || ms[len(ms)-1] != m {
			ms = append(ms, m)
		}
	}
	return ms
}

// windowFrom is the oldest date in the subscription document, or "" when
// the feed is empty.
func (p *plan) windowFrom() string {
	if p.window == 0 {
		return ""
	}
	return p.editions[p.window-1].Date
}

// archiveSpan is the dates of month's archive document: its first day and
// its newest edition older than the subscription document; ok is false
// when the feed has no archive for month.
func (p *plan) archiveSpan(month string) (from, to string, ok bool) {
	for _, e := range p.editions[p.window:] {
		if e.Date[:7] == month {
			return month + "-01", e.Date, true
		}
	}
	return "", "", false
}

// archiveNeighbours are the months of the next older and next newer
// archive documents around month, "" where there is none.
func (p *plan) archiveNeighbours(month string) (older, newer string) {
	ms := p.months()
	i := slices.Index(ms, month)
	if i < 0 {
		return "", ""
	}
	if i+1 < len(ms) {
		older = ms[i+1]
	}
	if i > 0 {
		newer = ms[i-1]
	}
	return older, newer
}

// final reports whether month's archive document no longer changes: the
// subscription document starts in a later month.
func (p *plan) final(month string) bool {
	from := p.windowFrom()
	return from != "" && from[:7] > month
}

// signatures maps each archive month to what its document's bytes
// depend on besides its articles: its span, neighbours and finality; in
// one pass over the editions.
func (p *plan) signatures() map[string]string {
	ms := p.months()
	sigs := make(map[string]string, len(ms))
	newest := map[string]string{}
	for _, e := range p.editions[p.window:] {
		if _, ok := newest[e.Date[:7]]; !ok {
			newest[e.Date[:7]] = e.Date
		}
	}
	for i, m := range ms {
		var older, newer string
		if i+1 < len(ms) {
			older = ms[i+1]
		}
		if i > 0 {
			newer = ms[i-1]
		}
		sigs[m] = newest[m] + " " + older + " " + newer + " " + strconv.FormatBool(p.final(m))
	}
	return sigs
}

func (c Config) newPlan(m Meta, editions []store.EditionCount) *plan {
	p := &plan{meta: m, editions: editions}
	n := 0
	for i, e := range editions {
		if i > 0 && n+e.Count > c.Items {
			break
		}
		n += e.Count
		p.window = i + 1
	}
	return p
}

// NewService checks cfg and returns a Service reading from src. It serves
// 503 until the first Refresh succeeds.
func NewService(cfg Config, src ArticleSource) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, fmt.Errorf("feed: new service: no article source")
	}
	return &Service{cfg: cfg, src: src, archives: map[string]*Resource{}, pending: map[string]bool{}}, nil
}

// Config is the service's configuration with its defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Refresh re-reads every feed's editions and re-renders every
// subscription document, and forgets every archive document. Call it at
// start; afterwards Update does less. A feed whose bytes did not change
// keeps its Resource, so its ETag and Last-Modified stay put. On error the
// feeds served so far stay in place.
func (s *Service) Refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	start := time.Now()
	// The generation is read before the editions: a change committing
	// meanwhile is seen again by the next Sync rather than missed.
	var gen int64
	if cs, ok := s.src.(ChangeSource); ok {
		var err error
		if gen, err = cs.ChangeGeneration(ctx); err != nil {
			return fmt.Errorf("feed: refresh: %w", err)
		}
	}
	plans := map[string]*plan{}
	for _, m := range s.cfg.metas() {
		eds, err := s.src.EditionCounts(ctx, m.Slug)
		if err != nil {
			return fmt.Errorf("feed: refresh %s: %w", feedSpecific(m.Slug), err)
		}
		plans[m.Slug] = s.cfg.newPlan(m, eds)
	}
	next, err := s.renderCurrent(ctx, plans, nil)
	if err != nil {
		return err
	}
	s.noteChanged(next)
	s.archiveMu.Lock()
	s.plans.Store(&plans)
	s.current.Store(&next)
	clear(s.archives)
	s.archiveOrder = nil
	s.archiveMu.Unlock()
	s.syncedGen.Store(gen)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "feeds_refreshed",
		slog.Int("feeds", len(next)), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	return nil
}

// Update brings the feeds up to date after the editions dated dates
// changed (store.ChangedEditions): it re-counts only those editions,
// re-renders the subscription documents they reach and forgets the
// archive documents they touch. It returns the paths of the subscription
// documents whose bytes changed (for WebSub pings). Before the first
// Refresh it does a Refresh.
func (s *Service) Update(ctx context.Context, dates []string) ([]string, error) {
	if s.plans.Load() == nil {
		return nil, s.Refresh(ctx)
	}
	if len(dates) == 0 {
		return nil, nil
	}
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	start := time.Now()
	oldPlans := *s.plans.Load()
	plans := make(map[string]*plan, len(oldPlans))
	dirty := map[string]bool{}
	var staleArchives []string
	for _, m := range s.cfg.metas() {
		old := oldPlans[m.Slug]
		counts, err := s.src.EditionCounts(ctx, m.Slug, dates...)
		if err != nil {
			return nil, fmt.Errorf("feed: update %s: %w", feedSpecific(m.Slug), err)
		}
		var eds []store.EditionCount
		if old != nil {
			for _, e := range old.editions {
				if !slices.Contains(dates, e.Date) {
					eds = append(eds, e)
				}
			}
		}
		eds = append(eds, counts...)
		sort.Slice(eds, func(i, j int) bool { return eds[i].Date > eds[j].Date })
		p := s.cfg.newPlan(m, eds)
		plans[m.Slug] = p
		if old == nil {
			dirty[m.Slug] = true
			continue
		}
		oldMonths, newMonths := old.months(), p.months()
		if !slices.Equal(old.editions[:old.window], p.editions[:p.window]) || first(oldMonths) != first(newMonths) {
			dirty[m.Slug] = true
		}
		from := min(old.windowFrom(), p.windowFrom())
		changedMonths := map[string]bool{}
		for _, d := range dates {
			if d >= from && from != "" {
				dirty[m.Slug] = true
			}
			changedMonths[d[:7]] = true
		}
		oldSigs, newSigs := old.signatures(), p.signatures()
		for _, month := range append(oldMonths, newMonths...) {
			if changedMonths[month] || oldSigs[month] != newSigs[month] {
				for _, f := range s.cfg.Formats {
					staleArchives = append(staleArchives, ArchivePath(m.Slug, month, f))
				}
			}
		}
	}
	next, err := s.renderCurrent(ctx, plans, dirty)
	if err != nil {
		return nil, err
	}
	changed := s.noteChanged(next)
	s.archiveMu.Lock()
	s.plans.Store(&plans)
	s.current.Store(&next)
	for _, path := range staleArchives {
		if _, ok := s.archives[path]; ok {
			delete(s.archives, path)
			s.archiveOrder = slices.DeleteFunc(s.archiveOrder, func(p string) bool { return p == path })
		}
	}
	s.archiveMu.Unlock()
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "feeds_updated",
		slog.Int("editions", len(dates)), slog.Int("feeds_rendered", len(dirty)*len(s.cfg.Formats)),
		slog.Int("archives_dropped", len(staleArchives)), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	return changed, nil
}

// noteChanged returns the paths of the documents whose bytes next
// changes, sorted, and adds them to those Sync reports next (a Refresh by
// the feeds job may see a change before Follow's Sync does, and its hubs
// must still hear of it). A first render changes nothing.
func (s *Service) noteChanged(next map[string]*Resource) []string {
	p := s.current.Load()
	if p == nil {
		return nil
	}
	var changed []string
	for path, r := range next {
		if (*p)[path] != r {
			changed = append(changed, path)
		}
	}
	sort.Strings(changed)
	s.pendingMu.Lock()
	for _, path := range changed {
		s.pending[path] = true
	}
	s.pendingMu.Unlock()
	return changed
}

// takePending returns and forgets the paths noteChanged collected.
func (s *Service) takePending() []string {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	paths := make([]string, 0, len(s.pending))
	for path := range s.pending {
		paths = append(paths, path)
	}
	clear(s.pending)
	sort.Strings(paths)
	return paths
}

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

// renderCurrent renders the subscription documents of the feeds in dirty
// (all when dirty is nil) and keeps the others' resources.
func (s *Service) renderCurrent(ctx context.Context, plans map[string]*plan, dirty map[string]bool) (map[string]*Resource, error) {
	var old map[string]*Resource
	if p := s.current.Load(); p != nil {
		old = *p
	}
	next := make(map[string]*Resource, len(plans)*len(s.cfg.Formats)+2)
	static, err := s.static(old)
	if err != nil {
		return nil, err
	}
	for path, r := range static {
		next[path] = r
	}
	for slug, p := range plans {
		if dirty != nil && !dirty[slug] {
			for _, f := range s.cfg.Formats {
				next[FeedPath(slug, f)] = old[FeedPath(slug, f)]
			}
			continue
		}
		var arts []store.PlacedArticle
		if p.window > 0 {
			var err error
			arts, err = s.src.EditionRange(ctx, slug, p.windowFrom(), p.editions[0].Date)
			if err != nil {
				return nil, fmt.Errorf("feed: render %s: %w", feedSpecific(slug), err)
			}
		}
		var prev string
		if ms := p.months(); len(ms) > 0 {
			prev = ms[0]
		}
		for _, f := range s.cfg.Formats {
			l := docLinks{self: s.cfg.URL(FeedPath(slug, f))}
			if prev != "" {
				l.prevArchive = s.cfg.URL(ArchivePath(slug, prev, f))
			}
			r, err := s.renderDoc(p.meta, f, arts, l, old[FeedPath(slug, f)], s.cfg.CacheControl)
			if err != nil {
				return nil, err
			}
			next[FeedPath(slug, f)] = r
		}
	}
	return next, nil
}

// static are the documents that depend on the configuration only: the
// OPML list of feeds, the icon and the XSLT style sheet; rendered once.
func (s *Service) static(old map[string]*Resource) (map[string]*Resource, error) {
	out := map[string]*Resource{}
	if r := old[OPMLPath]; r != nil {
		out[OPMLPath] = r
	} else {
		body, err := s.cfg.OPML()
		if err != nil {
			return nil, err
		}
		out[OPMLPath] = NewResource("text/x-opml; charset=utf-8", body, s.cfg.Epoch(), s.cfg.CacheControl)
	}
	icons := []struct {
		path, mediaType string
		body            func() []byte
	}{
		{IconPath, "image/svg+xml", func() []byte { return iconSVG }},
		{IconSmallPath, "image/png", iconSmallPNG},
		{IconLargePath, "image/png", iconLargePNG},
		{FaviconICOPath, "image/x-icon", faviconICOPNG},
	}
	for _, ic := range icons {
		if r := old[ic.path]; r != nil {
			out[ic.path] = r
		} else {
			out[ic.path] = NewResource(ic.mediaType, ic.body(), s.cfg.Epoch(), s.cfg.CacheControl)
		}
	}
	if s.cfg.Stylesheet != "" {
		if r := old[s.cfg.Stylesheet]; r != nil {
			out[s.cfg.Stylesheet] = r
		} else {
			xsl, err := stylesheet(s.cfg)
			if err != nil {
				return nil, err
			}
			out[s.cfg.Stylesheet] = NewResource("text/xsl; charset=utf-8", xsl, s.cfg.Epoch(), s.cfg.CacheControl)
		}
	}
	return out, nil
}

// renderDoc renders one document; when its bytes equal old's it returns
// old, so validators stay put. Last-Modified is the newest item's time,
// or, when the bytes changed without a newer item (an article removed,
// a link added), the render time, so that it moves with the ETag.
func (s *Service) renderDoc(m Meta, f Format, arts []store.PlacedArticle, l docLinks, old *Resource, cacheControl string) (*Resource, error) {
	items, err := s.cfg.items(arts)
	if err != nil {
		return nil, fmt.Errorf("feed: render %s: %w", l.self, err)
	}
	body, err := s.cfg.renderFormat(f, m, items, l)
	if err != nil {
		return nil, fmt.Errorf("feed: render %s: %w", l.self, err)
	}
	if old != nil && bytes.Equal(old.Body, body) && old.CacheControl == cacheControl {
		return old, nil
	}
	_, modified := s.cfg.feedTimes(items)
	if old != nil && !modified.Truncate(time.Second).After(old.Modified) {
		modified = time.Now()
		if !modified.Truncate(time.Second).After(old.Modified) {
			modified = old.Modified.Add(time.Second)
		}
	}
	r := NewResource(f.ContentType(), body, modified, cacheControl)
	if f == JSON {
		r.CORS = true
	}
	r.Precompress()
	return r, nil
}

// Resource returns the ready feed at a site path such as "/atom.xml",
// "/topics/flood/feed.json" or "/archive/2021-07/rss.xml", rendering an
// archive document if needed; nil when there is none.
func (s *Service) Resource(ctx context.Context, path string) (*Resource, error) {
	if p := s.current.Load(); p != nil {
		if r := (*p)[path]; r != nil {
			return r, nil
		}
	}
	return s.archive(ctx, path)
}

// archive returns the archive document at path, rendered once per
// change.
func (s *Service) archive(ctx context.Context, path string) (*Resource, error) {
	slug, month, f, ok := s.parseArchivePath(path)
	if !ok {
		return nil, nil
	}
	s.archiveMu.Lock()
	defer s.archiveMu.Unlock()
	if r := s.archives[path]; r != nil {
		s.touchArchive(path)
		return r, nil
	}
	pp := s.plans.Load()
	if pp == nil {
		return nil, nil
	}
	p := (*pp)[slug]
	if p == nil {
		return nil, nil
	}
	from, to, ok := p.archiveSpan(month)
	if !ok {
		return nil, nil
	}
	arts, err := s.src.EditionRange(ctx, slug, from, to)
	if err != nil {
		return nil, fmt.Errorf("feed: archive %s: %w", path, err)
	}
	older, newer := p.archiveNeighbours(month)
	l := docLinks{self: s.cfg.URL(path), current: s.cfg.URL(FeedPath(slug, f)), archive: true}
	if older != "" {
		l.prevArchive = s.cfg.URL(ArchivePath(slug, older, f))
	}
	if newer != "" {
		l.nextArchive = s.cfg.URL(ArchivePath(slug, newer, f))
	}
	cc := s.cfg.CacheControl
	if p.final(month) {
		cc = s.cfg.ArchiveCacheControl
	}
	r, err := s.renderDoc(p.meta, f, arts, l, nil, cc)
	if err != nil {
		return nil, err
	}
	s.archives[path] = r
	s.archiveOrder = append(s.archiveOrder, path)
	for len(s.archives) > maxArchives && len(s.archiveOrder) > 0 {
		delete(s.archives, s.archiveOrder[0])
		s.archiveOrder = s.archiveOrder[1:]
	}
	return r, nil
}

// maxArchives bounds the archive documents kept rendered: a month of a
// busy paper is megabytes per format.
const maxArchives = 64

// touchArchive moves path to the back of archiveOrder (most recently
// used); archiveMu is held.
func (s *Service) touchArchive(path string) {
	if i := slices.Index(s.archiveOrder, path); i >= 0 {
		s.archiveOrder = append(slices.Delete(s.archiveOrder, i, i+1), path)
	}
}

// parseArchivePath reads an archive document's path (site.ParseArchivePath)
// in one of the service's formats.
func (s *Service) parseArchivePath(path string) (slug, month string, f Format, ok bool) {
	slug, month, file, ok := site.ParseArchivePath(path)
	if !ok {
		return "", "", "", false
	}
	for _, g := range s.cfg.Formats {
		if g.FileName() == file {
			return slug, month, g, true
		}
	}
	return "", "", "", false
}

// Months lists every month with an edition, newest first, from what the
// service already knows (no query): the site's month archive pages.
func (s *Service) Months() []string {
	pp := s.plans.Load()
	if pp == nil || (*pp)[""] == nil {
		return nil
	}
	return monthsOf((*pp)[""].editions)
}

// Files returns every feed document by site path, sorted by path, for a
// static export: the subscription documents and every archive document
// (rendered now if need be); nil before the first Refresh.
func (s *Service) Files(ctx context.Context) ([]File, error) {
	p := s.current.Load()
	pp := s.plans.Load()
	if p == nil || pp == nil {
		return nil, nil
	}
	files := make([]File, 0, len(*p))
	for path, r := range *p {
		files = append(files, File{Path: path, Resource: r})
	}
	for slug, pl := range *pp {
		for _, month := range pl.months() {
			for _, f := range s.cfg.Formats {
				path := ArchivePath(slug, month, f)
				r, err := s.archive(ctx, path)
				if err != nil {
					return nil, err
				}
				if r != nil {
					files = append(files, File{Path: path, Resource: r})
				}
			}
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// File is a rendered feed and the site path it is served at.
type File struct {
	Path string
	*Resource
}

// Links are the feeds a page about topic slug ("" for the whole site)
// announces with <link rel="alternate">: that topic's feeds, then, on a
// topic page, the main feeds.
func (s *Service) Links(slug string) []AltLink {
	var links []AltLink
	add := func(slug, title string) {
		for _, f := range AllFormats {
			if s.cfg.enabled(f) {
				links = append(links, AltLink{Title: title + " (" + f.Label() + ")", Type: f.MediaType(), Href: s.cfg.Site.Path(FeedPath(slug, f))})
			}
		}
	}
	if slug != "" {
		for _, t := range s.cfg.Site.Topics {
			if t.Slug == slug {
				add(slug, s.cfg.TopicMeta(t).Title)
			}
		}
	}
	add("", s.cfg.Site.Title)
	return links
}

// Register mounts every feed and archive path, under the base URL's path,
// on mux (Go 1.22 patterns; GET also answers HEAD, other methods get 405
// with Allow). A path with no feed, such as an unknown topic or month,
// goes to notFound, or http.NotFound when it is nil.
func (s *Service) Register(mux *http.ServeMux, notFound http.Handler) {
	if notFound == nil {
		notFound = http.NotFoundHandler()
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.current.Load() == nil {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "feeds are being prepared", http.StatusServiceUnavailable)
			return
		}
		path, _ := s.cfg.Site.SitePath(r.URL.Path)
		res, err := s.Resource(r.Context(), path)
		if err != nil {
			s.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "feed_failed",
				slog.String("path", r.URL.Path), slog.String("error", err.Error()))
			http.Error(w, "feed unavailable", http.StatusInternalServerError)
			return
		}
		if res == nil {
			notFound.ServeHTTP(w, r)
			return
		}
		res.ServeHTTP(w, r)
	})
	mux.Handle("GET "+s.cfg.Site.Path(OPMLPath), h)
	for _, p := range []string{IconPath, IconSmallPath, IconLargePath, FaviconICOPath} {
		mux.Handle("GET "+s.cfg.Site.Path(p), h)
	}
	if s.cfg.Stylesheet != "" {
		mux.Handle("GET "+s.cfg.Site.Path(s.cfg.Stylesheet), h)
	}
	for _, f := range s.cfg.Formats {
		for _, p := range []string{FeedPath("", f), site.FeedPath("{slug}", f.FileName()),
			site.ArchivePath("", "{month}", f.FileName()), site.ArchivePath("{slug}", "{month}", f.FileName())} {
			mux.Handle("GET "+s.cfg.Site.Path(p), h)
		}
	}
}
