package feed

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/site"
)

// ArticleSource is what the feeds read: the store's LatestArticles, newest
// edition first and page order within an edition; topic "" means all.
type ArticleSource interface {
	LatestArticles(ctx context.Context, topic string, limit int) ([]content.Article, error)
}

// Service keeps every feed (main and per topic, in each enabled format)
// rendered and serves them. Refresh renders; serving is a map lookup.
type Service struct {
	cfg Config
	src ArticleSource

	refreshMu sync.Mutex // one Refresh at a time
	current   atomic.Pointer[map[string]*Resource]
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
	return &Service{cfg: cfg, src: src}, nil
}

// Config is the service's configuration with its defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Refresh re-reads the articles and re-renders every feed. Call it at
// start and whenever an ingest changed something. A feed whose bytes did
// not change keeps its Resource, so its ETag and Last-Modified stay put.
// On error the feeds served so far stay in place.
func (s *Service) Refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	start := time.Now()
	var old map[string]*Resource
	if p := s.current.Load(); p != nil {
		old = *p
	}
	next := make(map[string]*Resource, (1+len(s.cfg.Site.Topics))*len(s.cfg.Formats))
	metas := []Meta{s.cfg.MainMeta()}
	for _, t := range s.cfg.Site.Topics {
		metas = append(metas, s.cfg.TopicMeta(t))
	}
	for _, m := range metas {
		arts, err := s.src.LatestArticles(ctx, m.Slug, s.cfg.Items)
		if err != nil {
			return fmt.Errorf("feed: refresh %s: %w", feedSpecific(m.Slug), err)
		}
		items, err := s.cfg.items(arts)
		if err != nil {
			return fmt.Errorf("feed: refresh %s: %w", feedSpecific(m.Slug), err)
		}
		_, modified := s.cfg.feedTimes(items)
		for _, f := range s.cfg.Formats {
			body, err := s.cfg.renderFormat(f, m, items)
			if err != nil {
				return fmt.Errorf("feed: refresh %s: %w", feedSpecific(m.Slug), err)
			}
			path := FeedPath(m.Slug, f)
			if r := old[path]; r != nil && bytes.Equal(r.Body, body) {
				next[path] = r
				continue
			}
			r := NewResource(f.ContentType(), body, modified, s.cfg.CacheControl)
			r.Precompress()
			next[path] = r
		}
	}
	s.current.Store(&next)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "feeds_refreshed",
		slog.Int("feeds", len(next)), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	return nil
}

// Resource returns the ready feed at a site path such as "/atom.xml" or
// "/topics/flood/feed.json", or nil when there is none (yet).
func (s *Service) Resource(path string) *Resource {
	p := s.current.Load()
	if p == nil {
		return nil
	}
	return (*p)[path]
}

// Files returns every rendered feed by site path, sorted by path, for a
// static export; nil before the first Refresh.
func (s *Service) Files() []File {
	p := s.current.Load()
	if p == nil {
		return nil
	}
	files := make([]File, 0, len(*p))
	for path, r := range *p {
		files = append(files, File{Path: path, Resource: r})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files
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

// Register mounts every feed path, under the base URL's path, on mux (Go
// 1.22 patterns; GET also
// answers HEAD). A path with no feed, such as an unknown topic, goes to
// notFound, or http.NotFound when it is nil.
func (s *Service) Register(mux *http.ServeMux, notFound http.Handler) {
	if notFound == nil {
		notFound = http.NotFoundHandler()
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := s.current.Load()
		if p == nil {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "feeds are being prepared", http.StatusServiceUnavailable)
			return
		}
		path, _ := s.cfg.Site.SitePath(r.URL.Path)
		res := (*p)[path]
		if res == nil {
			notFound.ServeHTTP(w, r)
			return
		}
		res.ServeHTTP(w, r)
	})
	for _, f := range s.cfg.Formats {
		mux.Handle("GET "+s.cfg.Site.Path(FeedPath("", f)), h)
		mux.Handle("GET "+s.cfg.Site.Path(site.FeedPath("{slug}", f.FileName())), h)
	}
}
