package admin

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// The console (/admin/) is for the editors who run the newsletter: it
// shows the schedule in words, the runs and what is wrong, and edits a
// digest's schedule in config.toml, which stays the source of truth (see
// config.EditDigest). Server-rendered, no JavaScript needed, usable on a
// phone, in the site's language.

//go:embed templates/*.tmpl
var consoleTemplates embed.FS

// ConsoleStore is what the console reads and writes in the database;
// *store.Store has it.
type ConsoleStore interface {
	RecentDigestRuns(ctx context.Context, digest string, limit int) ([]store.DigestRunStatus, error)
	DigestRunByID(ctx context.Context, id int64) (store.DigestRun, error)
	RunDeliveries(ctx context.Context, runID int64, limit int) ([]store.Delivery, error)
	DeliveryCounts(ctx context.Context, runID int64) (store.DeliveryCounts, error)
	RetryFailedDeliveries(ctx context.Context, runID int64) (int, error)
	AddAudit(ctx context.Context, e store.AuditEntry) error
	AuditLog(ctx context.Context, limit int) ([]store.AuditEntry, error)
	CurrentLease(ctx context.Context, name string) (store.Lease, error)
	SuppressionCounts(ctx context.Context) (map[string]int, error)
}

// DigestMailer previews and test-sends digests; *mailer.Digests has it.
type DigestMailer interface {
	Preview(ctx context.Context, name, recipient, dir string) (mailer.PreviewResult, error)
	SendTest(ctx context.Context, name, to string) (mailer.TestSent, error)
	// IssueURL is the web archive page of a run that sent anything.
	IssueURL(name string, slot time.Time) string
}

// ConsoleConfig configures the console.
type ConsoleConfig struct {
	// Admin checks the login form's token as it checks bearer tokens:
	// the same token, failure budget, delay and log. A handler without a
	// token disables the console (404).
	Admin     *Handler
	Scheduler Scheduler
	// ConfigState is optional.
	ConfigState ConfigState
	Store       ConsoleStore
	// Current returns the running configuration and its mailer.
	Current func() (*config.Config, DigestMailer)
	// Reload applies the configuration file now, after a save; the
	// daemon's watcher would pick the change up a moment later anyway.
	Reload func(ctx context.Context) error
	// LeaseName is the scheduler's lease, watched for staleness.
	LeaseName string
	Logger    *slog.Logger
	Now       func() time.Time
}

// Console serves /admin/. One lives as long as the daemon, across
// reloads, so sessions survive them; Register mounts it on each
// generation's mux.
type Console struct {
	cfg      ConsoleConfig
	log      *slog.Logger
	sessions *sessions
	tmpl     *template.Template
	// saveMu makes two admins' saves take turns, so the second sees the
	// first's version of the file and is refused, not lost.
	saveMu sync.Mutex
}

// NewConsole returns the console.
func NewConsole(cfg ConsoleConfig) *Console {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	token := ""
	if cfg.Admin != nil {
		token = cfg.Admin.cfg.Token
	}
	c := &Console{cfg: cfg, log: cfg.Logger, sessions: newSessions(token, cfg.Now)}
	c.tmpl = template.Must(template.New("console").Funcs(template.FuncMap{
		"fill": func(s string, kv ...string) string { return site.Fill(s, kv...) },
		"word": func(w *site.ConsoleWords, s any) string { return w.Word(fmt.Sprint(s)) },
		"itoa": strconv.Itoa,
		"has":  slices.Contains[[]string],
		"sub":  func(v *view, rows any) subView { return subView{W: v.W, Loc: v.Loc, Runs: rows} },
	}).ParseFS(consoleTemplates, "templates/*.tmpl"))
	return c
}

// Register mounts the console's pages on mux.
func (c *Console) Register(mux *http.ServeMux) {
	routes := map[string]func(http.ResponseWriter, *http.Request, *session, *view){
		"GET /admin/{$}":                   c.overview,
		"GET /admin/digests/{name}":        c.editForm,
		"POST /admin/digests/{name}":       c.editSubmit,
		"POST /admin/digests/{name}/pause": c.pause,
		"GET /admin/digests/{name}/mail":   c.previewMail,
		"POST /admin/digests/{name}/test":  c.testSend,
		"POST /admin/run/{job}":            c.runNow,
		"GET /admin/runs/{id}":             c.runPage,
		"POST /admin/runs/{id}/retry":      c.retry,
		"GET /admin/audit":                 c.audit,
		"POST /admin/logout":               c.logout,
	}
	for pattern, h := range routes {
		mux.Handle(pattern, c.guard(h))
	}
	mux.HandleFunc("GET /admin/login", c.enabled(c.loginForm))
	mux.HandleFunc("POST /admin/login", c.enabled(c.login))
}

// subView is what a part of a page gets: the words, the zone and rows.
type subView struct {
	W    *site.ConsoleWords
	Loc  *time.Location
	Runs any
}

// view is what every page template gets.
type view struct {
	W       *site.ConsoleWords
	Site    string
	CSRF    string
	Actor   string
	Flash   string
	Errors  []string
	Page    string
	Now     time.Time
	Loc     *time.Location
	Data    any
	Problem bool
	TestTo  string
}

func (c *Console) enabled(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c.cfg.Admin == nil || c.cfg.Admin.cfg.Token == "" {
			http.Error(w, "admin console is disabled: set the admin token environment variable", http.StatusNotFound)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h(w, r)
	}
}

// guard lets a request through only with a live session, and a POST only
// with the session's CSRF token; otherwise 403 and the login form.
func (c *Console) guard(h func(http.ResponseWriter, *http.Request, *session, *view)) http.Handler {
	return c.enabled(func(w http.ResponseWriter, r *http.Request) {
		ss, renewed, ok := c.session(r)
		if !ok {
			// A page asked for without a session is the login form; a
			// form sent without one says why it was not taken.
			msg := ""
			if r.Method == http.MethodPost {
				msg = c.words().Forbidden
			}
			c.showLogin(w, r, http.StatusForbidden, msg)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if !validCSRF(r, ss) {
				c.log.Warn("admin_csrf_refused", "path", r.URL.Path)
				http.Error(w, "forbidden: the form has no valid CSRF token; reload the page and submit again", http.StatusForbidden)
				return
			}
		}
		if renewed != "" {
			setCookie(w, r, sessionCookie, renewed, sessionIdle)
		}
		v := c.view(ss)
		v.Flash = r.URL.Query().Get("flash")
		h(w, r, ss, v)
	})
}

// session is the request's live session (sessions.get); a named admin's
// only while the running configuration still lists the admin with the
// password hash the session logged in with.
func (c *Console) session(r *http.Request) (ss *session, renewed string, ok bool) {
	ss, renewed, ok = c.sessions.get(r)
	if !ok || ss.Cred == "" {
		return ss, renewed, ok
	}
	cfg, _ := c.cfg.Current()
	if !slices.ContainsFunc(cfg.Server.Admins, func(a config.Admin) bool { return a.Name == ss.Actor && credOf(a.Hash) == ss.Cred }) {
		return nil, "", false
	}
	return ss, renewed, true
}

func (c *Console) words() *site.ConsoleWords {
	cfg, _ := c.cfg.Current()
	if w := site.ConsoleWordsFor(cfg.Site.Language); w != nil {
		return w
	}
	return site.ConsoleWordsFor("en")
}

func (c *Console) view(ss *session) *view {
	cfg, _ := c.cfg.Current()
	v := &view{W: c.words(), Site: cfg.Site.Title, Now: c.cfg.Now(), Loc: cfg.Site.Location}
	if ss != nil {
		v.CSRF, v.Actor = ss.CSRF, ss.Actor
		v.TestTo = c.sessions.lastTestTo(ss)
	}
	return v
}

func (c *Console) render(w http.ResponseWriter, status int, page string, v *view) {
	v.Page = page
	var b bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&b, page, v); err != nil {
		c.log.Error("admin_render_failed", "page", page, "error", err)
		http.Error(w, "the page could not be rendered; see the server log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (c *Console) fail(w http.ResponseWriter, what string, err error) {
	c.log.Error("admin_console_failed", "what", what, "error", err)
	http.Error(w, what+" failed; see the server log", http.StatusInternalServerError)
}

func redirect(w http.ResponseWriter, r *http.Request, path, flash string) {
	if flash != "" {
		path += "?flash=" + url.QueryEscape(flash)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

func (c *Console) audit1(ctx context.Context, ss *session, action, key, old, new string) {
	if err := c.cfg.Store.AddAudit(ctx, store.AuditEntry{Actor: ss.Actor, Action: action, Key: key, Old: old, New: new}); err != nil {
		c.log.Error("admin_audit_failed", "action", action, "key", key, "error", err)
	}
}

type loginData struct{ Name string }

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	token := randomToken()
	setCookie(w, r, loginCookie, token, 30*time.Minute)
	v := c.view(nil)
	v.CSRF = token
	if msg != "" {
		v.Errors = []string{msg}
	}
	v.Data = loginData{Name: r.PostFormValue("name")}
	c.render(w, status, "login", v)
}

func (c *Console) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := c.session(r); ok {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return
	}
	c.showLogin(w, r, http.StatusOK, "")
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	lc, err := r.Cookie(loginCookie)
	if err != nil || !sameSecret(r.PostFormValue("csrf"), lc.Value) {
		http.Error(w, "forbidden: the login form has no valid CSRF token; reload it and try again", http.StatusForbidden)
		return
	}
	// A named admin (server.admins_file) logs in with a password, anyone
	// with the admin token; the name then only labels the audit log.
	secret := strings.TrimSpace(r.PostFormValue("token"))
	name := oneLine(r.PostFormValue("name"), 40)
	cfg, _ := c.cfg.Current()
	var (
		result      tokenCheck
		actor, cred string
	)
	if i := slices.IndexFunc(cfg.Server.Admins, func(a config.Admin) bool { return a.Name == name }); i >= 0 {
		hash := cfg.Server.Admins[i].Hash
		result = c.cfg.Admin.check(r, func() bool { return bcrypt.CompareHashAndPassword([]byte(hash), []byte(secret)) == nil })
		actor, cred = name, credOf(hash)
	} else {
		result = c.cfg.Admin.checkToken(r, secret)
		actor = "token"
		if name != "" {
			actor = name + " (token)"
		}
	}
	switch result {
	case tokenThrottled:
		c.showLogin(w, r, http.StatusTooManyRequests, c.words().TooManyLogins)
		return
	case tokenWrong:
		c.showLogin(w, r, http.StatusUnauthorized, c.words().LoginFailed)
		return
	}
	cookie, ss := c.sessions.start(actor, cred)
	setCookie(w, r, sessionCookie, cookie, sessionIdle)
	setCookie(w, r, loginCookie, "", -time.Second)
	c.audit1(r.Context(), ss, "login", "", "", "")
	c.log.Info("admin_login", "actor", actor)
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, _ *session, _ *view) {
	setCookie(w, r, sessionCookie, "", -time.Second)
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

// oneLine keeps at most n runes of s's first line, for names in the log.
func oneLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s))
	if r := []rune(s); len(r) > n {
		s = string(r[:n])
	}
	return s
}

func (c *Console) audit(w http.ResponseWriter, r *http.Request, _ *session, v *view) {
	entries, err := c.cfg.Store.AuditLog(r.Context(), 200)
	if err != nil {
		c.fail(w, "audit log", err)
		return
	}
	v.Data = entries
	c.render(w, http.StatusOK, "audit", v)
}
