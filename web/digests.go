package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// DigestArchive is the archive of sent digests; the mailer is one.
type DigestArchive interface {
	// Issues lists the sent digests, newest first.
	Issues(ctx context.Context) ([]site.DigestIssue, error)
	// IssuePage renders digest name's issue of date as mailed, without
	// the reader's parts: a whole HTML document. The error wraps
	// store.ErrNotFound when no such issue was sent.
	IssuePage(ctx context.Context, name, date string) (site.DigestIssue, []byte, error)
}

// digestsPath is the archive of digests' path under base_url, "" when
// the site has no archive.
func (s *Site) digestsPath() string {
	if s.cfg.Digests == nil {
		return ""
	}
	return s.site.Path(site.DigestsPath)
}

// issueView is a sent digest in the archive's lists.
type issueView struct {
	Path, Subject, Title, DateISO, DateText string
}

// registerDigests mounts the archive of sent digests: "/digests/" lists
// every issue, "/digests/{name}/" one digest's, "/digests/{name}/{date}/"
// is an issue as mailed.
func (s *Site) registerDigests(mux *http.ServeMux) {
	if s.cfg.Digests == nil {
		return
	}
	for _, index := range []string{"{$}", "index.html"} {
		page := func(sitePath string) string { return "GET " + s.site.Path(sitePath) + index }
		mux.HandleFunc(page(site.DigestsPath), func(w http.ResponseWriter, r *http.Request) {
			s.respond(w, r, func(ctx context.Context) (string, *pageData, error) { return s.digestsPage(ctx, "") })
		})
		mux.HandleFunc(page(site.DigestPath("{name}")), func(w http.ResponseWriter, r *http.Request) {
			name := r.PathValue("name")
			s.respond(w, r, func(ctx context.Context) (string, *pageData, error) { return s.digestsPage(ctx, name) })
		})
		mux.HandleFunc(page(site.DigestIssuePath("{name}", "{date}")), s.serveIssue)
	}
	for _, p := range []string{site.DigestPath("{x}"), site.DigestIssuePath("{x}", "{y}")} {
		mux.HandleFunc("GET "+s.site.Path(p[:len(p)-1]), addSlash)
	}
}

// serveIssue serves an issue's page as the mailer rendered it.
func (s *Site) serveIssue(w http.ResponseWriter, r *http.Request) {
	name, date := r.PathValue("name"), r.PathValue("date")
	if !content.IsDate(date) {
		s.writeError(w, r, http.StatusNotFound)
		return
	}
	is, body, err := s.cfg.Digests.IssuePage(r.Context(), name, date)
	if err != nil {
		s.writeFailure(w, r, "page_failed", err)
		return
	}
	setPageHeaders(w.Header())
	feed.NewResource("text/html; charset=utf-8", body, is.Sent, s.cfg.CacheControl).ServeHTTP(w, r)
}

// digestsPage lists the sent issues of digest name, or of every digest
// (name ""), newest first; a digest that sent none has no page.
func (s *Site) digestsPage(ctx context.Context, name string) (string, *pageData, error) {
	issues, err := s.cfg.Digests.Issues(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("web: digests: %w", err)
	}
	w := s.site.Words
	heading, path := w.DigestArchiveIndex, site.DigestsPath
	if name != "" {
		path = site.DigestPath(name)
	}
	d := s.base("", "", path)
	for _, is := range issues {
		if name != "" && is.Digest != name {
			continue
		}
		if name != "" {
			heading = site.Fill(w.DigestArchive, "digest", is.Title)
		}
		d.Issues = append(d.Issues, issueView{Path: s.site.Path(is.Path()), Subject: is.Subject, Title: is.Title,
			DateISO: is.Date, DateText: s.dateText(is.Date)})
		if is.Sent.After(d.modified) {
			d.modified = is.Sent
		}
	}
	if name != "" && len(d.Issues) == 0 {
		return "", nil, fmt.Errorf("web: digest %s: %w", name, store.ErrNotFound)
	}
	d.Title, d.Heading = heading, heading
	return "digests", d, nil
}

// exportDigests writes the archive of sent digests: its lists and every
// issue's page.
func (s *Site) exportDigests(ctx context.Context, page func(string, string, *pageData) error, write func(string, *feed.Resource) error) error {
	if s.cfg.Digests == nil {
		return nil
	}
	name, d, err := s.digestsPage(ctx, "")
	if err != nil {
		return err
	}
	if err := page(site.DigestsPath, name, d); err != nil {
		return err
	}
	issues, err := s.cfg.Digests.Issues(ctx)
	if err != nil {
		return fmt.Errorf("web: digests: %w", err)
	}
	listed := map[string]bool{}
	for _, is := range issues {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !listed[is.Digest] {
			listed[is.Digest] = true
			name, d, err := s.digestsPage(ctx, is.Digest)
			if err != nil {
				return err
			}
			if err := page(site.DigestPath(is.Digest), name, d); err != nil {
				return err
			}
		}
		_, body, err := s.cfg.Digests.IssuePage(ctx, is.Digest, is.Date)
		if err != nil {
			return err
		}
		if err := write(is.Path(), feed.NewResource("", body, is.Sent, "")); err != nil {
			return err
		}
	}
	return nil
}
