package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/site"
)

// ExportMarker is the file every export writes into its directory. Export
// replaces and removes only directories that carry it (or are empty), so it
// never deletes files paperboy did not write.
const ExportMarker = ".paperboy-export"

// ErrExportRefused is wrapped by the error of an export whose directory is
// not paperboy's to replace: a protected path, a file, or a directory with
// files but without ExportMarker.
var ErrExportRefused = errors.New("refused")

// ExportOptions are what an export must leave alone.
type ExportOptions struct {
	// Protected are paths the output directory must not be, contain or lie
	// inside, e.g. the store's directory and the pages directory. An export
	// aimed at one is refused before anything is written.
	Protected []ProtectedPath
}

// ProtectedPath is a path an export keeps away from.
type ProtectedPath struct {
	Path string
	// What names it in the refusal, e.g. "the store's directory".
	What string
}

// Export refreshes the feeds and writes the whole site as static files:
// the feeds at their paths, every page as index.html in its directory (so
// /articles/{id}/ works on any static server), and 404.html.
//
// dir ends up a symbolic link to a new sibling directory named
// dir.<UTC time>-<random> holding the export. The link is replaced with
// one rename, so a web server whose root is dir sees the old site or the new
// one, never a missing or half-written one; the previous export is then
// removed. A dir that is a real directory from an earlier export is moved
// aside once to make room for the link (a brief gap, on first use only).
// An empty dir is replaced; anything else (files paperboy did not write, a
// link to a directory without ExportMarker, a path in opts.Protected) is
// refused with an error wrapping ErrExportRefused, and nothing is touched.
// On any error the previous export stays as it was.
// It returns the number of site files written.
func (s *Site) Export(ctx context.Context, dir string, opts ExportOptions) (int, error) {
	if dir == "" {
		return 0, errors.New("web: export: no output directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, fmt.Errorf("web: export %s: %w", dir, err)
	}
	dir = abs
	fail := func(err error) (int, error) {
		return 0, fmt.Errorf("web: export %s: %w", dir, err)
	}
	if err := checkProtected(dir, opts.Protected); err != nil {
		return fail(err)
	}
	// Refuse before rendering; switchTo looks again right before the switch.
	if _, _, err := inspectExportDir(dir); err != nil {
		return fail(err)
	}
	if err := s.feeds.Refresh(ctx); err != nil {
		return fail(err)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fail(err)
	}
	target, err := os.MkdirTemp(parent, filepath.Base(dir)+"."+time.Now().UTC().Format("20060102T150405Z")+"-*")
	if err != nil {
		return fail(err)
	}
	n, err := s.exportTo(ctx, target)
	if err == nil {
		err = s.switchTo(dir, target)
	}
	if err != nil {
		os.RemoveAll(target)
		return fail(err)
	}
	return n, nil
}

// exportState is what an export finds at its directory.
type exportState int

const (
	exportAbsent    exportState = iota // nothing there yet
	exportLink                         // a link to an earlier export
	exportEmptyDir                     // an empty real directory
	exportMarkedDir                    // a real directory from an earlier export
)

// inspectExportDir says what is at dir and, for a link, the export it
// points to; an error wrapping ErrExportRefused if dir is not paperboy's to
// replace.
func inspectExportDir(dir string) (exportState, string, error) {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return exportAbsent, "", nil
	case err != nil:
		return 0, "", err
	case fi.Mode()&fs.ModeSymlink != 0:
		link, err := os.Readlink(dir)
		if err != nil {
			return 0, "", err
		}
		target := link
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(dir), target)
		}
		ok, err := isExport(target)
		if err != nil {
			return 0, "", err
		}
		if !ok {
			return 0, "", fmt.Errorf("%w: it is a symbolic link to %s, which is not a paperboy export (no %s file); choose a new or empty directory, or remove the link yourself", ErrExportRefused, link, ExportMarker)
		}
		return exportLink, target, nil
	case !fi.IsDir():
		return 0, "", fmt.Errorf("%w: it is a file, not a directory; choose a new or empty directory", ErrExportRefused)
	}
	ok, err := isExport(dir)
	if err != nil {
		return 0, "", err
	}
	if ok {
		return exportMarkedDir, "", nil
	}
	empty, err := isEmptyDir(dir)
	if err != nil {
		return 0, "", err
	}
	if !empty {
		return 0, "", fmt.Errorf("%w: it holds files paperboy did not write (no %s file), and an export replaces its directory whole; choose a new or empty directory", ErrExportRefused, ExportMarker)
	}
	return exportEmptyDir, "", nil
}

const exportMarkerText = "This directory was written by 'paperboy feeds -out'; the next export replaces it whole.\n"

// exportTo writes the site into root and returns the number of site files.
func (s *Site) exportTo(ctx context.Context, root string) (int, error) {
	if err := os.Chmod(root, 0o755); err != nil {
		return 0, err
	}
	// The marker goes first, so even an export cut short by a crash is
	// recognisably paperboy's to remove.
	epoch := s.feeds.Config().Epoch()
	if err := writeWithTime(filepath.Join(root, ExportMarker), []byte(exportMarkerText), epoch); err != nil {
		return 0, err
	}
	n := 0
	// put writes body at sitePath, its mtime its Last-Modified, and
	// returns the file's path.
	put := func(sitePath string, body []byte, modified time.Time) (string, error) {
		rel := strings.TrimPrefix(sitePath, "/")
		if rel == "" || strings.HasSuffix(rel, "/") {
			rel += "index.html"
		}
		rel = filepath.FromSlash(rel)
		if !filepath.IsLocal(rel) {
			return "", fmt.Errorf("path %q leaves the export directory", sitePath)
		}
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := writeWithTime(p, body, modified); err != nil {
			return "", err
		}
		n++
		return p, nil
	}
	// write puts r with its .gz sibling, made deterministically (a feed's
	// was made when it was rendered), so an identical re-export keeps
	// every byte and mtime and nginx's ETags (mtime and size) stay valid.
	write := func(sitePath string, r *feed.Resource) error {
		p, err := put(sitePath, r.Body, r.Modified)
		if err != nil {
			return err
		}
		if gz := r.Gzipped(); gz != nil {
			return writeWithTime(p+".gz", gz, r.Modified)
		}
		return nil
	}
	page := func(path, name string, d *pageData) error {
		body, err := s.render(name, d)
		if err != nil {
			return err
		}
		modified := d.modified
		if modified.IsZero() {
			modified = epoch // a page without dated content: 404, an empty topic
		}
		return write(path, feed.NewResource("", body, modified, ""))
	}

	files, err := s.feeds.Files(ctx)
	if err != nil {
		return n, err
	}
	for _, f := range files {
		if err := write(f.Path, f.Resource); err != nil {
			return n, err
		}
	}
	for _, month := range s.feeds.Months() {
		name, d, err := s.monthPage(ctx, month)
		if err != nil {
			return n, err
		}
		if err := page(site.MonthPath(month), name, d); err != nil {
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
	for _, t := range s.site.Topics {
		name, d, err := s.topicPage(ctx, t.Slug)
		if err != nil {
			return n, err
		}
		if err := page(site.TopicPath(t.Slug), name, d); err != nil {
			return n, err
		}
	}
	if err := s.exportDigests(ctx, page, write); err != nil {
		return n, err
	}
	// Pictures are written once each, however many articles show them,
	// without a .gz sibling: JPEG and PNG do not compress further.
	written := map[string]bool{}
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
		if err := page(site.EditionPath(e.Date), name, d); err != nil {
			return n, err
		}
		for _, a := range arts {
			name, d := s.articlePageOf(a)
			if err := page(site.ArticlePath(a.ID), name, d); err != nil {
				return n, err
			}
			if err := s.exportImage(ctx, a, written, put); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// exportImage puts the renditions of a's picture that are not written
// yet, each dated when it was stored.
func (s *Site) exportImage(ctx context.Context, a content.Article, written map[string]bool, put func(string, []byte, time.Time) (string, error)) error {
	if a.Image == nil {
		return nil
	}
	for _, r := range a.Image.Renditions {
		if written[r.Name] {
			continue
		}
		f, err := s.src.ImageFile(ctx, r.Name)
		if err != nil {
			return fmt.Errorf("article %s: %w", a.ID, err)
		}
		if _, err := put(site.ImagePath(r.Name), f.Data, f.Created); err != nil {
			return err
		}
		written[r.Name] = true
	}
	return nil
}

// writeWithTime writes a file and sets its mtime to modified (when known).
func writeWithTime(path string, body []byte, modified time.Time) error {
	if err := os.WriteFile(path, body, 0o644); err != nil {
		return err
	}
	if modified.IsZero() {
		return nil
	}
	return os.Chtimes(path, modified, modified)
}

// isExport reports whether dir is a directory carrying ExportMarker.
func isExport(dir string) (bool, error) {
	fi, err := os.Lstat(filepath.Join(dir, ExportMarker))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return fi.Mode().IsRegular(), nil
}

func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if err == io.EOF {
		return true, nil
	}
	return false, err
}

// switchTo points the link dir at target with one rename, then removes the
// export dir pointed to before. Once the link is switched it returns nil:
// target is live and must not be removed, so a previous export that cannot
// be removed is only logged.
func (s *Site) switchTo(dir, target string) error {
	state, old, err := inspectExportDir(dir)
	if err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	// A relative link keeps working when the parent is moved or mounted
	// elsewhere (a container, a chroot).
	tmpLink := filepath.Join(parent, "."+filepath.Base(target)+".link")
	if err := os.Symlink(filepath.Base(target), tmpLink); err != nil {
		return err
	}
	switch state {
	case exportAbsent, exportLink:
		err = os.Rename(tmpLink, dir)
	case exportEmptyDir:
		// rename(2) does not put a link over a directory; an empty one
		// serves nothing, so removing it first costs readers nothing.
		if err = os.Remove(dir); err == nil {
			if err = os.Rename(tmpLink, dir); err != nil {
				os.Mkdir(dir, 0o755)
			}
		}
	case exportMarkedDir:
		// Migrating an export made before dir became a link: the one
		// switch that is not atomic.
		aside := target + ".old"
		if err = os.Rename(dir, aside); err == nil {
			if err = os.Rename(tmpLink, dir); err != nil {
				if rerr := os.Rename(aside, dir); rerr != nil {
					err = fmt.Errorf("%w (the previous export is at %s: %w)", err, aside, rerr)
				}
			} else {
				old = aside
			}
		}
	}
	if err != nil {
		os.Remove(tmpLink)
		return err
	}
	if old == "" {
		return nil
	}
	// A link to the parent itself (or above) would take the new export
	// with it.
	if within(parent, old) {
		s.cfg.Logger.Warn("export_previous_kept", "dir", dir, "previous", old, "reason", "it contains the export directory")
		return nil
	}
	if err := os.RemoveAll(old); err != nil {
		s.cfg.Logger.Warn("export_previous_not_removed", "dir", dir, "previous", old, "err", err)
	}
	return nil
}

// checkProtected refuses a dir that is, contains or lies inside a protected
// path. Paths are compared with symbolic links resolved: dir both as the
// link an earlier export made (its last element kept) and as where it leads.
func checkProtected(dir string, protected []ProtectedPath) error {
	parent, err := realPath(filepath.Dir(dir))
	if err != nil {
		return err
	}
	real, err := realPath(dir)
	if err != nil {
		return err
	}
	dirs := []string{filepath.Join(parent, filepath.Base(dir)), real}
	for _, p := range protected {
		if p.Path == "" {
			continue
		}
		pp, err := realPath(p.Path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", p.What, p.Path, err)
		}
		for _, d := range dirs {
			how := ""
			switch {
			case d == pp:
				how = "is"
			case within(d, pp):
				how = "lies inside"
			case within(pp, d):
				how = "contains"
			default:
				continue
			}
			return fmt.Errorf("%w: it %s %s %s; choose a new or empty directory apart from it", ErrExportRefused, how, p.What, p.Path)
		}
	}
	return nil
}

// realPath makes p absolute and resolves its symbolic links as far as it
// exists; the part that does not exist yet is kept as written.
func realPath(p string) (string, error) {
	p, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, fs.ErrNotExist) || parent == p {
			return "", err
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// within reports whether path is base or lies inside it; both absolute and
// clean.
func within(path, base string) bool {
	rel, err := filepath.Rel(base, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
