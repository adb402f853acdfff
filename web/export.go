package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/paperboy-news/paperboy/feed"
)

// Export refreshes the feeds and writes the whole site into dir as static
// files: the feeds at their paths, every page as index.html in its
// directory (so /articles/{id}/ works on any static server), and 404.html.
// It builds the site in a temporary directory next to dir and renames it
// into place, so dir is never half-written; a previous dir is replaced.
// It returns the number of files written.
func (s *Site) Export(ctx context.Context, dir string) (int, error) {
	if dir == "" {
		return 0, errors.New("web: export: no output directory given")
	}
	dir = filepath.Clean(dir)
	if err := s.feeds.Refresh(ctx); err != nil {
		return 0, fmt.Errorf("web: export %s: %w", dir, err)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return 0, fmt.Errorf("web: export %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return 0, fmt.Errorf("web: export %s: %w", dir, err)
	}
	n, err := s.exportTo(ctx, tmp)
	if err == nil {
		err = swapDir(tmp, dir)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return 0, fmt.Errorf("web: export %s: %w", dir, err)
	}
	return n, nil
}

func (s *Site) exportTo(ctx context.Context, root string) (int, error) {
	if err := os.Chmod(root, 0o755); err != nil {
		return 0, err
	}
	n := 0
	write := func(sitePath string, body []byte) error {
		rel := strings.TrimPrefix(sitePath, "/")
		if rel == "" || strings.HasSuffix(rel, "/") {
			rel += "index.html"
		}
		p := filepath.Join(root, filepath.FromSlash(rel))
		if !strings.HasPrefix(p, root+string(filepath.Separator)) {
			return fmt.Errorf("path %q leaves the export directory", sitePath)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			return err
		}
		n++
		return nil
	}
	page := func(path, name string, d *pageData) error {
		body, err := s.render(name, d)
		if err != nil {
			return err
		}
		return write(path, body)
	}

	for _, f := range s.feeds.Files() {
		if err := write(f.Path, f.Body); err != nil {
			return n, err
		}
	}
	if err := page("/404.html", "error", s.errorPage(404)); err != nil {
		return n, err
	}
	name, d, err := s.indexPage(ctx)
	if err != nil {
		return n, err
	}
	if err := page("/", name, d); err != nil {
		return n, err
	}
	for _, t := range s.cfg.Topics {
		name, d, err := s.topicPage(ctx, t.Slug)
		if err != nil {
			return n, err
		}
		if err := page(feed.TopicPath(t.Slug), name, d); err != nil {
			return n, err
		}
	}
	eds, err := s.src.Editions(ctx, s.cfg.ExportEditions)
	if err != nil {
		return n, fmt.Errorf("list editions: %w", err)
	}
	for _, e := range eds {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		arts, err := s.src.EditionArticles(ctx, e.Date)
		if err != nil {
			return n, fmt.Errorf("edition %s: %w", e.Date, err)
		}
		name, d := s.editionPageOf(e.Date, arts)
		if err := page(feed.EditionPath(e.Date), name, d); err != nil {
			return n, err
		}
		for _, a := range arts {
			name, d := s.articlePageOf(a)
			if err := page(feed.ArticlePath(a.ID), name, d); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// swapDir puts tmp in dir's place: rename the old dir aside, rename tmp in,
// then delete the old one. A reader sees the old site or the new one.
func swapDir(tmp, dir string) error {
	old := ""
	if _, err := os.Lstat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
