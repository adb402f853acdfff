package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/site"
)

// digestForm is a digest's keys the edit form shows and sends.
type digestForm struct {
	Schedule string
	CatchUp  string
	Skip     bool
	Paused   bool
	Lists    []string
	Topics   []string
}

// readForm is the digest as the request's form has it.
func readForm(r *http.Request) digestForm {
	return digestForm{
		Schedule: strings.TrimSpace(r.PostFormValue("schedule")),
		CatchUp:  strings.TrimSpace(r.PostFormValue("catch_up")),
		Skip:     r.PostFormValue("skip_empty") == "on",
		Paused:   r.PostFormValue("paused") == "on",
		Lists:    nonEmpty(r.PostForm["lists"]),
		Topics:   nonEmpty(r.PostForm["topics"]),
	}
}

// editData is the edit form of a digest.
type editData struct {
	Name    string
	Version string
	digestForm
	AllLists []string
	// AllTopics are the site's topics: slug and name.
	AllTopics [][2]string
	Words     string
	Next      []time.Time
	// Previewing: Next and Words are the form's values, not the file's.
	Previewing bool
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
	e := editData{Name: d.Name, Version: config.Version(data), digestForm: digestForm{Schedule: d.Schedule,
		CatchUp: site.ConfigDuration(d.CatchUp), Skip: d.SkipEmpty, Paused: d.Paused, Lists: d.Lists, Topics: d.Topics}}
	for _, l := range cfg.Lists {
		e.AllLists = append(e.AllLists, l.Name)
	}
	for _, t := range cfg.Site.Topics {
		e.AllTopics = append(e.AllTopics, [2]string{t.Slug, t.Name})
	}
	return e
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

// formChanges compares the form with the digest as the file has it and
// returns the keys that differ: a catch-up window written another way
// ("180m" for "3h") is no change.
func formChanges(f digestForm, d config.Digest) []config.Change {
	var ch []config.Change
	if f.Schedule != d.Schedule {
		ch = append(ch, config.Change{Key: "schedule", Value: f.Schedule})
	}
	cu := f.CatchUp
	if cu == "0" {
		cu = "0s"
	}
	if dur, err := time.ParseDuration(cu); err != nil || dur != d.CatchUp {
		ch = append(ch, config.Change{Key: "catch_up", Value: cu})
	}
	if f.Skip != d.SkipEmpty {
		ch = append(ch, config.Change{Key: "skip_empty", Value: f.Skip})
	}
	if f.Paused != d.Paused {
		ch = append(ch, config.Change{Key: "paused", Value: f.Paused})
	}
	if !slices.Equal(f.Lists, d.Lists) {
		ch = append(ch, config.Change{Key: "lists", Value: f.Lists})
	}
	if !slices.Equal(f.Topics, d.Topics) && !(len(f.Topics) == 0 && len(d.Topics) == 0) {
		ch = append(ch, config.Change{Key: "topics", Value: f.Topics})
	}
	return ch
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
	form := readForm(r)
	candidate, edited, err := config.EditDigest(data, name, formChanges(form, d))
	if err != nil {
		c.fail(w, "edit", err)
		return
	}
	e := c.formFor(cfg, d, data)
	e.digestForm = form
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
	flash, err := c.save(r.Context(), ss, v.W, cfg.Path, candidate, e.Version, edited)
	if err != nil {
		status := http.StatusUnprocessableEntity
		v.Errors = append([]string{v.W.Refused}, problemLines(err)...)
		if errors.Is(err, config.ErrFileChanged) {
			status, v.Errors = http.StatusConflict, []string{v.W.FileChanged}
		}
		c.render(w, status, "edit", v)
		return
	}
	redirect(w, r, "/admin/digests/"+url.PathEscape(name), flash)
}

// save writes an edit of the config file made on its version base,
// records each changed key in the audit log and has the daemon reload the
// file. It returns what to tell the admin, or why the file was not
// written (config.Save's error).
func (c *Console) save(ctx context.Context, ss *session, w *site.ConsoleWords, path string, candidate []byte, base string, edited []config.Edited) (string, error) {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	if _, err := config.Save(path, candidate, base); err != nil {
		c.log.Warn("admin_config_edit_refused", "actor", ss.Actor, "error", err)
		return "", err
	}
	for _, ed := range edited {
		c.audit1(ctx, ss, "config", ed.Key, ed.Old, ed.New)
		c.log.Info("admin_config_edited", "actor", ss.Actor, "key", ed.Key, "old", ed.Old, "new", ed.New, "line", ed.Line)
	}
	flash := site.Fill(w.Saved, "count", strconv.Itoa(len(edited)))
	if c.cfg.Reload != nil {
		if err := c.cfg.Reload(ctx); err != nil {
			flash = w.ReloadFailed + " " + err.Error()
		}
	}
	return flash, nil
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
	flash, err := c.save(r.Context(), ss, v.W, cfg.Path, candidate, config.Version(data), edited)
	if err != nil {
		flash = v.W.Refused + " " + strings.Join(problemLines(err), "; ")
	}
	redirect(w, r, "/admin/", flash)
}

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
	sent, err := m.SendTest(r.Context(), name, to)
	if err != nil {
		redirect(w, r, back, v.W.TestFailed+" "+err.Error())
		return
	}
	c.sessions.rememberTestTo(ss, to)
	c.audit1(r.Context(), ss, "test_send", string(mailer.JobName(name)), "", to)
	flash := site.Fill(v.W.TestSent, "to", to)
	if sent.Fallback != "" {
		flash += " " + site.Fill(v.W.TestFallback, "date", sent.Fallback)
	}
	redirect(w, r, back, flash)
}
