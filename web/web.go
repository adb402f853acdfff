// Package web serves paperboy's HTML pages (index, edition, article and
// topic pages, 404, /healthz) next to the feeds, and writes the whole site
// as static files for nginx or a CDN.
//
// Pages are html/template, in the site's language (its words are
// site.Words), mobile-first, without JavaScript, and announce the
// feeds with <link rel="alternate"> on every page. Links come from the site
// package's URL scheme, so pages, feeds and mail always agree.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// Source is what the pages read from the store.
type Source interface {
	// Article returns one article; an error wrapping store.ErrNotFound when
	// there is none.
	Article(ctx context.Context, id string) (content.Article, error)
	// LatestArticles returns up to limit articles, newest edition first,
	// page order within; topic "" means all.
	LatestArticles(ctx context.Context, topic string, limit int) ([]content.Article, error)
	// EditionArticles returns an edition's articles in page order; an error
	// wrapping store.ErrNotFound when the edition has none.
	EditionArticles(ctx context.Context, date string) ([]content.Article, error)
	// Editions lists up to limit editions, newest first.
	Editions(ctx context.Context, limit int) ([]EditionSummary, error)
	// EditionRange returns the editions dated from through to, newest
	// first, in page order: a month's archive page.
	EditionRange(ctx context.Context, topic, from, to string) ([]store.PlacedArticle, error)
	// GoneArticle says what became of a removed article: the id it moved
	// to, or "" when it is gone; an error wrapping store.ErrNotFound for an
	// id never stored.
	GoneArticle(ctx context.Context, id string) (string, error)
	// ImageFile returns a picture rendition by its file name; an error
	// wrapping store.ErrNotFound when there is none.
	ImageFile(ctx context.Context, name string) (store.ImageFile, error)
}

// Config is what the pages need besides the site settings, which they
// take from the feed service's, so pages and feeds always agree.
type Config struct {
	// IndexEditions and IndexArticles are how many editions and articles
	// the home page lists; topic pages list IndexArticles. Defaults 14, 30.
	IndexEditions int
	IndexArticles int
	// ExportEditions bounds how many editions a static export writes;
	// default 100000 (all, in practice).
	ExportEditions int
	// CacheControl is sent with pages; default "public, max-age=60".
	CacheControl string
	// SignupPath, if set, is the sign-up page's site path: every page's
	// footer then has a form asking for an address, which opens that page
	// (a GET that changes nothing, so cached pages need no CSRF token).
	SignupPath string
	// Digests, if set, is the archive of sent digests, served under
	// /digests/ and exported with the site.
	Digests DigestArchive
	// Logger receives page errors; default slog.Default().
	Logger *slog.Logger
}

// Site is the website: pages from a Source, feeds from a feed.Service.
type Site struct {
	cfg   Config
	site  *site.Site
	src   Source
	feeds *feed.Service
	pages map[string]*template.Template
}

//go:embed templates/*.html
var templateFS embed.FS

// New returns the site. feeds supplies the feed files, the autodiscovery
// links and the site settings (feeds.Config().Site), so pages and feeds
// cannot disagree about them.
func New(cfg Config, src Source, feeds *feed.Service) (*Site, error) {
	if src == nil || feeds == nil {
		return nil, errors.New("web: new site: need an article source and a feed service")
	}
	if cfg.IndexEditions <= 0 {
		cfg.IndexEditions = 14
	}
	if cfg.IndexArticles <= 0 {
		cfg.IndexArticles = 30
	}
	if cfg.ExportEditions <= 0 {
		cfg.ExportEditions = 100000
	}
	if cfg.CacheControl == "" {
		cfg.CacheControl = "public, max-age=60"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	st := feeds.Config().Site
	s := &Site{cfg: cfg, site: st, src: src, feeds: feeds, pages: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"path":      st.Path,
		"topicPath": site.TopicPath,
		"fill":      site.Fill,
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	for _, name := range []string{"index", "edition", "article", "error", "digests"} {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse %s page: %w", name, err)
		}
		s.pages[name] = t
	}
	return s, nil
}

// Register mounts the feeds and every page on mux, under the base URL's
// path: "/", "/editions/{date}/", "/articles/{id}/", "/topics/{slug}/",
// "/archive/{month}/", the archive of sent digests ("/digests/..."), the
// feed paths, and a 404 page for everything else;
// "/healthz" is at the root. The slashless forms of page paths redirect.
//
// Every route is GET (which answers HEAD too); any other method gets 405
// with an Allow header, also on paths with no page. A page's
// "index.html" (what a static export writes) is served too.
func (s *Site) Register(mux *http.ServeMux) {
	notFound := http.HandlerFunc(s.serveNotFound)
	s.feeds.Register(mux, notFound)
	for _, index := range []string{"{$}", "index.html"} {
		page := func(sitePath string) string { return "GET " + s.site.Path(sitePath) + index }
		mux.HandleFunc(page("/"), s.serveIndex)
		mux.HandleFunc(page(site.EditionPath("{date}")), s.serveEdition)
		mux.HandleFunc(page(site.ArticlePath("{id}")), s.serveArticle)
		mux.HandleFunc(page(site.TopicPath("{slug}")), s.serveTopic)
		mux.HandleFunc(page(site.MonthPath("{month}")), s.serveMonth)
	}
	for _, p := range []string{site.EditionPath("{x}"), site.ArticlePath("{x}"), site.TopicPath("{x}"), site.MonthPath("{x}")} {
		mux.HandleFunc("GET "+s.site.Path(strings.TrimSuffix(p, "/")), addSlash)
	}
	mux.HandleFunc("GET "+s.site.Path(site.ImagePath("{name}")), s.serveImage)
	s.registerDigests(mux)
	mux.HandleFunc("GET /healthz", serveHealth)
	// Not "GET /": other packages mount method-less paths (unsubscribe)
	// on the same mux, which a method pattern here would conflict with.
	mux.Handle("/", onlyGet(notFound))
}

// onlyGet answers 405 with Allow for methods other than GET and HEAD, so
// POST /rss.xml says what is allowed instead of pretending to be missing.
func onlyGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Feeds is the feed service the site serves; the daemon calls its Refresh
// at start and after every ingest that changed something.
func (s *Site) Feeds() *feed.Service { return s.feeds }

func addSlash(w http.ResponseWriter, r *http.Request) {
	u := *r.URL
	u.Path += "/"
	http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
}

// serveHealth says the process is up and serving; it is for load balancers
// and the daemon's own checks.
func serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

func (s *Site) serveIndex(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func(ctx context.Context) (string, *pageData, error) { return s.indexPage(ctx) })
}

func (s *Site) serveEdition(w http.ResponseWriter, r *http.Request) {
	date := r.PathValue("date")
	s.respond(w, r, func(ctx context.Context) (string, *pageData, error) { return s.editionPage(ctx, date) })
}

// serveArticle serves an article's page; a removed article's permalink
// answers 410 Gone, or 301 to where it moved.
func (s *Site) serveArticle(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	// The article is read once; only a missing one asks what became of it.
	name, d, err := s.articlePage(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) && content.IsStableID(id) {
		moved, gerr := s.src.GoneArticle(r.Context(), id)
		switch {
		case gerr == nil && moved != "":
			http.Redirect(w, r, s.site.Path(site.ArticlePath(moved)), http.StatusMovedPermanently)
			return
		case gerr == nil:
			s.writeError(w, r, http.StatusGone)
			return
		}
	}
	s.respond(w, r, func(context.Context) (string, *pageData, error) { return name, d, err })
}

func (s *Site) serveMonth(w http.ResponseWriter, r *http.Request) {
	month := r.PathValue("month")
	s.respond(w, r, func(ctx context.Context) (string, *pageData, error) { return s.monthPage(ctx, month) })
}

func (s *Site) serveTopic(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	s.respond(w, r, func(ctx context.Context) (string, *pageData, error) { return s.topicPage(ctx, slug) })
}

// ImmutableCache is the Cache-Control of picture files: their names are
// their content hashes, so a name never names other bytes.
const ImmutableCache = "public, max-age=31536000, immutable"

// serveImage serves a picture rendition from the store.
func (s *Site) serveImage(w http.ResponseWriter, r *http.Request) {
	f, err := s.src.ImageFile(r.Context(), r.PathValue("name"))
	if err != nil {
		s.writeFailure(w, r, "image_failed", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.Type)
	h.Set("Cache-Control", ImmutableCache)
	h.Set("ETag", `"`+strings.TrimSuffix(f.Name, path.Ext(f.Name))+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, f.Name, f.Created, bytes.NewReader(f.Data))
}

func (s *Site) serveNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, http.StatusNotFound)
}

// respond renders a page and serves it with validators; a not-found error
// becomes the 404 page, any other the 500 page, logged here once.
func (s *Site) respond(w http.ResponseWriter, r *http.Request, build func(context.Context) (string, *pageData, error)) {
	name, data, err := build(r.Context())
	if err != nil {
		s.writeFailure(w, r, "page_failed", err)
		return
	}
	body, err := s.render(name, data)
	if err != nil {
		s.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "page_failed",
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		s.writeError(w, r, http.StatusInternalServerError)
		return
	}
	setPageHeaders(w.Header())
	feed.NewResource("text/html; charset=utf-8", body, data.modified, s.cfg.CacheControl).ServeHTTP(w, r)
}

// writeFailure answers a failed lookup: the 404 page for a not-found
// error, else the 500 page, the error logged here once under msg.
func (s *Site) writeFailure(w http.ResponseWriter, r *http.Request, msg string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		s.writeError(w, r, http.StatusNotFound)
		return
	}
	s.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, msg,
		slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	s.writeError(w, r, http.StatusInternalServerError)
}

func (s *Site) writeError(w http.ResponseWriter, r *http.Request, code int) {
	data := s.errorPage(code)
	body, err := s.render("error", data)
	if err != nil {
		s.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "page_failed",
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		http.Error(w, http.StatusText(code), code)
		return
	}
	setPageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func (s *Site) render(name string, data *pageData) ([]byte, error) {
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout.html", data); err != nil {
		return nil, fmt.Errorf("web: render %s page: %w", name, err)
	}
	return b.Bytes(), nil
}

// pageCSP allows the pages what they use, an inline style sheet,
// same-site links and the footer's sign-up form (to this site only), and
// nothing else: no script, no frames.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func setPageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
}
