package admin

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/schedule"
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
}

// DigestMailer previews and test-sends digests; *mailer.Digests has it.
type DigestMailer interface {
	Preview(ctx context.Context, name, recipient, dir string) (mailer.PreviewResult, error)
	SendTest(ctx context.Context, name, to string) (string, error)
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
	// DigestJob names the scheduler job of a digest.
	DigestJob func(digest string) string
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
}

// NewConsole returns the console.
func NewConsole(cfg ConsoleConfig) *Console {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Console{cfg: cfg, log: cfg.Logger, sessions: newSessions(cfg.Now)}
	c.tmpl = template.Must(template.New("console").Funcs(template.FuncMap{
		"fill": func(s string, kv ...string) string { return site.Fill(s, kv...) },
		"word": func(w *site.ConsoleWords, s string) string { return w.Word(s) },
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
		ss, ok := c.sessions.get(r)
		if !ok {
			c.showLogin(w, r, http.StatusForbidden, c.words().Forbidden)
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
		v := c.view(ss)
		v.Flash = r.URL.Query().Get("flash")
		h(w, r, ss, v)
	})
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
		v.CSRF, v.Actor, v.TestTo = ss.csrf, ss.actor, ss.testTo
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
	if err := c.cfg.Store.AddAudit(ctx, store.AuditEntry{Actor: ss.actor, Action: action, Key: key, Old: old, New: new}); err != nil {
		c.log.Error("admin_audit_failed", "action", action, "key", key, "error", err)
	}
}

// --- login

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
	if _, ok := c.sessions.get(r); ok {
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
	switch c.cfg.Admin.checkToken(r, strings.TrimSpace(r.PostFormValue("token"))) {
	case tokenThrottled:
		c.showLogin(w, r, http.StatusTooManyRequests, c.words().TooManyLogins)
		return
	case tokenWrong:
		c.showLogin(w, r, http.StatusUnauthorized, c.words().LoginFailed)
		return
	}
	actor := "token"
	if name := strings.TrimSpace(r.PostFormValue("name")); name != "" {
		actor = oneLine(name, 40) + " (token)"
	}
	id, ss := c.sessions.start(actor)
	setCookie(w, r, sessionCookie, id, sessionIdle)
	setCookie(w, r, loginCookie, "", -time.Second)
	c.audit1(r.Context(), ss, "login", "", "", "")
	c.log.Info("admin_login", "actor", actor)
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, _ *session, _ *view) {
	c.sessions.end(r)
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

// --- overview

type runRow struct {
	ID                             int64
	Slot                           time.Time
	Status                         string
	Sent, Pending, Failed, Skipped int
	Duration                       string
	Errors                         []string
}

type digestRow struct {
	Name      string
	Job       string
	Spec      string
	Words     string
	Paused    bool
	Next      []time.Time
	Running   bool
	Runs      []runRow
	Lists     []string
	Topics    []string
	LastError string
}

type jobRow struct {
	Name    string
	Spec    string
	Words   string
	Next    []time.Time
	Running bool
	Last    *store.JobRun
}

type overviewData struct {
	Config   *schedule.ConfigStatus
	Problems []string
	Digests  []digestRow
	Jobs     []jobRow
	Audit    []store.AuditEntry
}

const nextCount = 5

func nextRuns(spec string, loc *time.Location, now time.Time) []time.Time {
	s, err := schedule.ParseSpec(spec, loc)
	if err != nil {
		return nil
	}
	next := schedule.NextRuns(s, now, nextCount)
	for i := range next {
		next[i] = next[i].In(loc)
	}
	return next
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request, _ *session, v *view) {
	ctx := r.Context()
	cfg, _ := c.cfg.Current()
	loc := cfg.Site.Location
	now := c.cfg.Now()
	var d overviewData
	if c.cfg.ConfigState != nil {
		cs := c.cfg.ConfigState.Status()
		d.Config = &cs
		if cs.LastError != "" {
			d.Problems = append(d.Problems, v.W.ConfigError)
			d.Problems = append(d.Problems, strings.Split(cs.LastError, "\n")...)
		}
	}
	jobs, err := c.cfg.Scheduler.Status(ctx)
	if err != nil {
		c.fail(w, "job status", err)
		return
	}
	byJob := map[string]schedule.JobStatus{}
	for _, j := range jobs {
		byJob[j.Name] = j
		if j.LastRun != nil && j.LastRun.Outcome == store.OutcomeFailed {
			d.Problems = append(d.Problems, site.Fill(v.W.FailedRun, "job", j.Name,
				"when", j.LastRun.Slot.In(loc).Format("2006-01-02 15:04"), "error", j.LastRun.Error))
		}
	}
	if c.cfg.LeaseName != "" {
		l, err := c.cfg.Store.CurrentLease(ctx, c.cfg.LeaseName)
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.Problems = append(d.Problems, v.W.NoLease)
		case err != nil:
			c.fail(w, "lease", err)
			return
		case now.After(l.ExpiresAt):
			d.Problems = append(d.Problems, site.Fill(v.W.StaleLease, "holder", l.Holder, "expired", l.ExpiresAt.In(loc).Format("2006-01-02 15:04:05")))
		}
	}
	for _, dg := range cfg.Digests {
		job := c.cfg.DigestJob(dg.Name)
		row := digestRow{Name: dg.Name, Job: job, Spec: dg.Schedule, Words: describeSchedule(v.W, dg.Schedule, loc),
			Paused: dg.Paused, Running: byJob[job].Running, Lists: dg.Lists, Topics: dg.Topics}
		if !dg.Paused {
			row.Next = nextRuns(dg.Schedule, loc, now)
		}
		runs, err := c.cfg.Store.RecentDigestRuns(ctx, dg.Name, 5)
		if err != nil {
			c.fail(w, "digest runs", err)
			return
		}
		for _, rs := range runs {
			row.Runs = append(row.Runs, toRunRow(rs))
		}
		d.Digests = append(d.Digests, row)
	}
	for _, j := range jobs {
		if strings.HasPrefix(j.Name, c.cfg.DigestJob("")) {
			continue
		}
		jr := jobRow{Name: j.Name, Spec: j.Spec, Running: j.Running, Last: j.LastRun}
		if j.Spec != "" {
			jr.Words = describeSchedule(v.W, j.Spec, loc)
			jr.Next = nextRuns(j.Spec, loc, now)
		}
		d.Jobs = append(d.Jobs, jr)
	}
	if d.Audit, err = c.cfg.Store.AuditLog(ctx, 10); err != nil {
		c.fail(w, "audit log", err)
		return
	}
	v.Data = d
	v.Problem = len(d.Problems) > 0
	c.render(w, http.StatusOK, "overview", v)
}

func toRunRow(rs store.DigestRunStatus) runRow {
	row := runRow{ID: rs.ID, Slot: rs.Slot, Status: rs.Status, Sent: rs.Counts.Sent, Pending: rs.Counts.Pending,
		Failed: rs.Counts.Failed, Skipped: rs.Counts.Skipped, Errors: rs.LastErrors}
	if !rs.Finished.IsZero() {
		row.Duration = rs.Finished.Sub(rs.Created).Round(time.Millisecond).String()
	}
	return row
}

// --- editing a digest

type editData struct {
	Name     string
	Version  string
	Schedule string
	CatchUp  string
	Skip     bool
	Paused   bool
	Lists    []string
	Topics   []string
	AllLists []string
	// AllTopics are the site's topics: slug and name.
	AllTopics [][2]string
	Words     string
	Next      []time.Time
	// Previewing: Next and Words are the form's values, not the file's.
	Previewing bool
	Saved      bool
}

// fileDigest reads the config file as it is on disk now, with its version
// and the digest's values.
func (c *Console) fileDigest(name string) (data []byte, cfg *config.Config, d config.Digest, err error) {
	running, _ := c.cfg.Current()
	data, err = os.ReadFile(running.Path)
	if err != nil {
		return nil, nil, d, err
	}
	cfg, cerr := config.Check(running.Path, data)
	if cerr != nil {
		cfg = running // show the running values; a save reports the file's problems
	}
	d, err = cfg.Digest(name)
	return data, cfg, d, err
}

func (c *Console) formFor(cfg *config.Config, d config.Digest, data []byte) editData {
	e := editData{Name: d.Name, Version: config.Version(data), Schedule: d.Schedule, CatchUp: shortDuration(d.CatchUp),
		Skip: d.SkipEmpty, Paused: d.Paused, Lists: d.Lists, Topics: d.Topics}
	for _, l := range cfg.Lists {
		e.AllLists = append(e.AllLists, l.Name)
	}
	for _, t := range cfg.Site.Topics {
		e.AllTopics = append(e.AllTopics, [2]string{t.Slug, t.Name})
	}
	return e
}

// shortDuration writes 3h0m0s as 3h and 1h30m0s as 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (c *Console) editForm(w http.ResponseWriter, r *http.Request, _ *session, v *view) {
	data, cfg, d, err := c.fileDigest(r.PathValue("name"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	e := c.formFor(cfg, d, data)
	e.Words = describeSchedule(v.W, d.Schedule, cfg.Site.Location)
	if !d.Paused {
		e.Next = nextRuns(d.Schedule, cfg.Site.Location, v.Now)
	}
	v.Data = e
	c.render(w, http.StatusOK, "edit", v)
}

// changes compares the form with the digest as the file has it and
// returns the keys that differ.
func formChanges(r *http.Request, d config.Digest) ([]config.Change, []string) {
	var ch []config.Change
	var problems []string
	if s := strings.TrimSpace(r.PostFormValue("schedule")); s != d.Schedule {
		ch = append(ch, config.Change{Key: "schedule", Value: s})
	}
	cu := strings.TrimSpace(r.PostFormValue("catch_up"))
	if cu == "0" {
		cu = "0s"
	}
	if dur, err := time.ParseDuration(cu); err != nil || dur != d.CatchUp {
		ch = append(ch, config.Change{Key: "catch_up", Value: cu})
	}
	if skip := r.PostFormValue("skip_empty") == "on"; skip != d.SkipEmpty {
		ch = append(ch, config.Change{Key: "skip_empty", Value: skip})
	}
	if paused := r.PostFormValue("paused") == "on"; paused != d.Paused {
		ch = append(ch, config.Change{Key: "paused", Value: paused})
	}
	lists := nonEmpty(r.PostForm["lists"])
	if !slices.Equal(lists, d.Lists) {
		ch = append(ch, config.Change{Key: "lists", Value: lists})
	}
	topics := nonEmpty(r.PostForm["topics"])
	if !slices.Equal(topics, d.Topics) && !(len(topics) == 0 && len(d.Topics) == 0) {
		ch = append(ch, config.Change{Key: "topics", Value: topics})
	}
	return ch, problems
}

func nonEmpty(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (c *Console) editSubmit(w http.ResponseWriter, r *http.Request, ss *session, v *view) {
	name := r.PathValue("name")
	data, cfg, d, err := c.fileDigest(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if r.PostFormValue("version") != config.Version(data) {
		// Someone saved the file since this form was loaded: show what it
		// holds now rather than overwrite their change.
		e := c.formFor(cfg, d, data)
		e.Words = describeSchedule(v.W, d.Schedule, cfg.Site.Location)
		v.Errors = []string{v.W.FileChanged}
		v.Data = e
		c.render(w, http.StatusConflict, "edit", v)
		return
	}
	changes, _ := formChanges(r, d)
	candidate, edited, err := config.EditDigest(data, name, changes)
	if err != nil {
		c.fail(w, "edit", err)
		return
	}
	e := c.formFor(cfg, d, data)
	e.Schedule = strings.TrimSpace(r.PostFormValue("schedule"))
	e.CatchUp = strings.TrimSpace(r.PostFormValue("catch_up"))
	e.Skip = r.PostFormValue("skip_empty") == "on"
	e.Paused = r.PostFormValue("paused") == "on"
	e.Lists, e.Topics = nonEmpty(r.PostForm["lists"]), nonEmpty(r.PostForm["topics"])
	e.Words = describeSchedule(v.W, e.Schedule, cfg.Site.Location)
	v.Data = &e

	if r.PostFormValue("op") != "save" {
		e.Previewing = true
		nc, err := config.Check(cfg.Path, candidate)
		if err != nil {
			v.Errors = append([]string{v.W.Refused}, problemLines(err)...)
		} else if nd, err := nc.Digest(name); err == nil && !nd.Paused {
			e.Next = nextRuns(nd.Schedule, cfg.Site.Location, v.Now)
		}
		c.render(w, http.StatusOK, "edit", v)
		return
	}
	if len(edited) == 0 {
		redirect(w, r, "/admin/digests/"+url.PathEscape(name), v.W.NoChange)
		return
	}
	if _, err := config.Save(cfg.Path, candidate, e.Version); err != nil {
		status := http.StatusUnprocessableEntity
		v.Errors = append([]string{v.W.Refused}, problemLines(err)...)
		if errors.Is(err, config.ErrFileChanged) {
			status, v.Errors = http.StatusConflict, []string{v.W.FileChanged}
		}
		c.log.Warn("admin_config_edit_refused", "digest", name, "actor", ss.actor, "error", err)
		c.render(w, status, "edit", v)
		return
	}
	for _, ed := range edited {
		c.audit1(r.Context(), ss, "config", ed.Key, ed.Old, ed.New)
		c.log.Info("admin_config_edited", "actor", ss.actor, "key", ed.Key, "old", ed.Old, "new", ed.New, "line", ed.Line)
	}
	flash := site.Fill(v.W.Saved, "count", strconv.Itoa(len(edited)))
	if c.cfg.Reload != nil {
		if err := c.cfg.Reload(r.Context()); err != nil {
			flash = v.W.ReloadFailed + " " + err.Error()
		}
	}
	redirect(w, r, "/admin/digests/"+url.PathEscape(name), flash)
}

// problemLines is an error as lines: each config problem on its own.
func problemLines(err error) []string {
	var ps config.Problems
	if errors.As(err, &ps) {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.Error()
		}
		return out
	}
	return []string{err.Error()}
}

// pause pauses or resumes a digest: a one-key edit of the file.
func (c *Console) pause(w http.ResponseWriter, r *http.Request, ss *session, v *view) {
	name := r.PathValue("name")
	data, cfg, _, err := c.fileDigest(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	paused := r.PostFormValue("paused") == "true"
	candidate, edited, err := config.EditDigest(data, name, []config.Change{{Key: "paused", Value: paused}})
	if err != nil {
		c.fail(w, "edit", err)
		return
	}
	if len(edited) == 0 {
		redirect(w, r, "/admin/", v.W.NoChange)
		return
	}
	if _, err := config.Save(cfg.Path, candidate, config.Version(data)); err != nil {
		redirect(w, r, "/admin/", v.W.Refused+" "+strings.Join(problemLines(err), "; "))
		return
	}
	for _, ed := range edited {
		c.audit1(r.Context(), ss, "config", ed.Key, ed.Old, ed.New)
		c.log.Info("admin_config_edited", "actor", ss.actor, "key", ed.Key, "old", ed.Old, "new", ed.New, "line", ed.Line)
	}
	flash := site.Fill(v.W.Saved, "count", strconv.Itoa(len(edited)))
	if c.cfg.Reload != nil {
		if err := c.cfg.Reload(r.Context()); err != nil {
			flash = v.W.ReloadFailed + " " + err.Error()
		}
	}
	redirect(w, r, "/admin/", flash)
}

// --- runs

func (c *Console) runNow(w http.ResponseWriter, r *http.Request, ss *session, v *view) {
	job := r.PathValue("job")
	run, err := c.cfg.Scheduler.RunNow(r.Context(), job)
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/admin/") {
		back = "/admin/"
	}
	switch {
	case err == nil:
		c.audit1(r.Context(), ss, "run", job, "", run.Slot.UTC().Format(time.RFC3339))
		c.log.Info("admin_job_run", "job", job, "actor", ss.actor)
		redirect(w, r, back, site.Fill(v.W.RunStarted, "job", job))
	case errors.Is(err, schedule.ErrBusy):
		redirect(w, r, back, site.Fill(v.W.RunBusy, "job", job))
	case errors.Is(err, schedule.ErrUnknownJob):
		http.Error(w, err.Error(), http.StatusNotFound)
	default:
		c.fail(w, "run", err)
	}
}

type runData struct {
	Run        store.DigestRun
	Counts     store.DeliveryCounts
	Deliveries []store.Delivery
	Duration   string
	Job        string
	// CanResume: unfinished and within its window; CanRetry: finished
	// with failures, within its window.
	CanResume, CanRetry bool
}

func (c *Console) loadRun(r *http.Request) (runData, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return runData{}, fmt.Errorf("run %q: %w", r.PathValue("id"), store.ErrNotFound)
	}
	ctx := r.Context()
	var d runData
	if d.Run, err = c.cfg.Store.DigestRunByID(ctx, id); err != nil {
		return d, err
	}
	if d.Counts, err = c.cfg.Store.DeliveryCounts(ctx, id); err != nil {
		return d, err
	}
	if d.Deliveries, err = c.cfg.Store.RunDeliveries(ctx, id, 1000); err != nil {
		return d, err
	}
	if !d.Run.Finished.IsZero() {
		d.Duration = d.Run.Finished.Sub(d.Run.Created).Round(time.Millisecond).String()
	}
	d.Job = c.cfg.DigestJob(d.Run.Digest)
	cfg, _ := c.cfg.Current()
	if dg, err := cfg.Digest(d.Run.Digest); err == nil {
		end, open := mailerWindowEnd(d.Run.Slot, dg.CatchUp)
		open = open && !c.cfg.Now().After(end)
		d.CanResume = open && d.Run.Status == store.RunSending
		d.CanRetry = open && d.Run.Status != store.RunSending && d.Counts.Failed > 0
	}
	return d, nil
}

// mailerWindowEnd is when a run's window closes: nothing of it is sent
// later. ok is false for a digest without a window.
func mailerWindowEnd(slot time.Time, catchUp time.Duration) (time.Time, bool) {
	if catchUp <= 0 {
		return time.Time{}, false
	}
	return slot.Add(catchUp), true
}

func (c *Console) runPage(w http.ResponseWriter, r *http.Request, _ *session, v *view) {
	d, err := c.loadRun(r)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err != nil {
		c.fail(w, "run", err)
		return
	}
	v.Data = d
	c.render(w, http.StatusOK, "run", v)
}

// retry sends a run's failed messages again: they are queued again and
// the digest's job runs now, which resumes the reopened run within its
// window and sends only them.
func (c *Console) retry(w http.ResponseWriter, r *http.Request, ss *session, v *view) {
	d, err := c.loadRun(r)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err != nil {
		c.fail(w, "run", err)
		return
	}
	back := "/admin/runs/" + strconv.FormatInt(d.Run.ID, 10)
	if !d.CanRetry {
		http.Error(w, "this run cannot be retried: it has no failed messages, is still sending, or its catch-up window has closed", http.StatusConflict)
		return
	}
	n, err := c.cfg.Store.RetryFailedDeliveries(r.Context(), d.Run.ID)
	if err != nil {
		c.fail(w, "retry", err)
		return
	}
	if _, err := c.cfg.Scheduler.RunNow(r.Context(), d.Job); err != nil && !errors.Is(err, schedule.ErrBusy) {
		c.fail(w, "retry", err)
		return
	}
	c.audit1(r.Context(), ss, "retry", d.Job, "run "+strconv.FormatInt(d.Run.ID, 10), strconv.Itoa(n))
	redirect(w, r, back, site.Fill(v.W.Retried, "count", strconv.Itoa(n)))
}

// --- preview and test send

func (c *Console) previewMail(w http.ResponseWriter, r *http.Request, _ *session, v *view) {
	name := r.PathValue("name")
	cfg, m := c.cfg.Current()
	to := r.URL.Query().Get("to")
	if to == "" {
		var err error
		if to, err = cfg.FirstRecipient(name); err != nil {
			http.Error(w, v.W.PreviewFailed+" "+err.Error(), http.StatusUnprocessableEntity)
			return
		}
	}
	dir, err := os.MkdirTemp("", "paperboy-preview-")
	if err != nil {
		c.fail(w, "preview", err)
		return
	}
	defer os.RemoveAll(dir)
	res, err := m.Preview(r.Context(), name, to, dir)
	if err != nil {
		http.Error(w, v.W.PreviewFailed+" "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	html, err := os.ReadFile(res.HTMLPath)
	if err != nil {
		c.fail(w, "preview", err)
		return
	}
	// The digest as a recipient's mail client would show it: no scripts,
	// nothing loaded from elsewhere.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(html)
}

func (c *Console) testSend(w http.ResponseWriter, r *http.Request, ss *session, v *view) {
	name := r.PathValue("name")
	to := strings.TrimSpace(r.PostFormValue("to"))
	_, m := c.cfg.Current()
	back := "/admin/digests/" + url.PathEscape(name)
	if _, err := m.SendTest(r.Context(), name, to); err != nil {
		redirect(w, r, back, v.W.PreviewFailed+" "+err.Error())
		return
	}
	ss.testTo = to
	c.audit1(r.Context(), ss, "test_send", "digest:"+name, "", to)
	redirect(w, r, back, site.Fill(v.W.TestSent, "to", to))
}

// --- audit

func (c *Console) audit(w http.ResponseWriter, r *http.Request, _ *session, v *view) {
	entries, err := c.cfg.Store.AuditLog(r.Context(), 200)
	if err != nil {
		c.fail(w, "audit log", err)
		return
	}
	v.Data = entries
	c.render(w, http.StatusOK, "audit", v)
}
