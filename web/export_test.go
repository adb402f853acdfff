package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/site"
)

// exportTarget checks that out is a link to a marked export directory beside
// it and returns that directory.
func exportTarget(t *testing.T, out string) string {
	t.Helper()
	fi, err := os.Lstat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("%s is %v, want a symbolic link", out, fi.Mode())
	}
	link, err := os.Readlink(out)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.IsAbs(link) || filepath.Base(link) != link {
		t.Errorf("link %s -> %s, want a sibling's name", out, link)
	}
	target := filepath.Join(filepath.Dir(out), link)
	if !strings.HasPrefix(link, filepath.Base(out)+".") {
		t.Errorf("export directory %s is not named after %s", link, out)
	}
	if _, err := os.Stat(filepath.Join(target, ExportMarker)); err != nil {
		t.Errorf("export lacks its marker: %v", err)
	}
	return target
}

// checkServed compares exported files with what the site serves.
func checkServed(t *testing.T, srv *httptest.Server, out string, paths []string) {
	t.Helper()
	for _, path := range paths {
		file := filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(path, "/")))
		if strings.HasSuffix(path, "/") {
			file = filepath.Join(file, "index.html")
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		_, served := fetch(t, "GET", srv.URL+path, nil)
		if string(got) != served {
			t.Errorf("%s: exported file differs from the served page", path)
		}
	}
}

// snapshot records every path under root: directories, link targets and
// file contents, without following links.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			m[rel] = "link " + l
			return err
		case d.IsDir():
			m[rel] = "dir"
		default:
			b, err := os.ReadFile(p)
			m[rel] = "file " + string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func checkUnchanged(t *testing.T, root string, before map[string]string) {
	t.Helper()
	after := snapshot(t, root)
	if maps.Equal(before, after) {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(before)) {
		if after[k] != before[k] {
			t.Errorf("%s changed: %.40q -> %.40q", k, before[k], after[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if _, ok := before[k]; !ok {
			t.Errorf("%s appeared", k)
		}
	}
}

func entryNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	arts := append([]content.Article{fixture.NastyArticle()}, fixture.SampleArticles(t)...)
	src := &memSource{arts: arts}
	ws, srv := serve(t, src)
	parent := t.TempDir()
	out := filepath.Join(parent, "public")
	n, err := ws.Export(ctx, out, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 3 main feeds + 6 topic feeds + OPML + XSLT + 4 icons + 404 + index + 2 topic pages + 1 month + 2 editions + 14 articles
	if want := 3 + 6 + 6 + 1 + 1 + 2 + 1 + 2 + len(arts); n != want {
		t.Errorf("wrote %d files, want %d", n, want)
	}
	first := exportTarget(t, out)
	paths := []string{"/atom.xml", "/rss.xml", "/feed.json", "/topics/flood/atom.xml", "/", site.ArticlePath(arts[1].ID), site.EditionPath("2021-07-16"), "/topics/economy/"}
	checkServed(t, srv, out, paths)
	if b, err := os.ReadFile(filepath.Join(out, "404.html")); err != nil || !strings.Contains(string(b), "页面不存在") {
		t.Errorf("404.html: %v", err)
	}

	// A second export switches the link to a new directory and removes the
	// first: a dropped article's page goes, and only the link and its
	// directory are left beside each other.
	src.arts = arts[1:]
	if _, err := ws.Export(ctx, out, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	second := exportTarget(t, out)
	if second == first {
		t.Fatalf("re-export wrote into the live directory %s", first)
	}
	if _, err := os.Lstat(first); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("previous export %s not removed: %v", first, err)
	}
	if _, err := os.Stat(filepath.Join(out, "articles", fixture.NastyArticle().ID)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed article survived the re-export: %v", err)
	}
	// The 2021-07-16 edition went with its only article.
	checkServed(t, srv, out, slices.DeleteFunc(paths, func(p string) bool { return p == site.EditionPath("2021-07-16") }))
	if got, want := entryNames(t, parent), []string{"public", filepath.Base(second)}; !slices.Equal(got, want) {
		t.Errorf("beside the export: %q, want %q", got, want)
	}
}

// TestExportReadersSeeNoGap reads the site in a loop while it is exported
// again and again: every read finds a whole file, old or new.
func TestExportReadersSeeNoGap(t *testing.T) {
	ctx := context.Background()
	ws, _ := serve(t, &memSource{arts: fixture.SampleArticles(t)})
	out := filepath.Join(t.TempDir(), "public")
	if _, err := ws.Export(ctx, out, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(out, "atom.xml"))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		reads := 0
		for {
			select {
			case <-stop:
				if reads == 0 {
					result <- errors.New("no reads during the exports")
				} else {
					result <- nil
				}
				return
			default:
			}
			got, err := os.ReadFile(filepath.Join(out, "atom.xml"))
			if err == nil && string(got) != string(want) {
				err = fmt.Errorf("atom.xml read %d bytes, want the %d exported", len(got), len(want))
			}
			if err != nil {
				result <- fmt.Errorf("read %d: %w", reads, err)
				return
			}
			reads++
		}
	}()
	for range 20 {
		if _, err := ws.Export(ctx, out, ExportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	if err := <-result; err != nil {
		t.Error(err)
	}
}

// TestExportRelativeDir exports to paths relative to the working directory,
// including one-part ones, which once failed the containment check.
func TestExportRelativeDir(t *testing.T) {
	ws, srv := serve(t, &memSource{arts: fixture.SampleArticles(t)})
	for _, dir := range []string{"site", "./site", "site/", "web/site", "../up/site"} {
		t.Run(dir, func(t *testing.T) {
			wd := filepath.Join(t.TempDir(), "wd")
			if err := os.Mkdir(wd, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Chdir(wd)
			if _, err := ws.Export(context.Background(), dir, ExportOptions{}); err != nil {
				t.Fatal(err)
			}
			exportTarget(t, filepath.Join(wd, dir))
			checkServed(t, srv, filepath.Join(wd, dir), []string{"/atom.xml", "/"})
		})
	}
}

// TestExportRefuses aims exports at directories that are not paperboy's to
// replace: each is refused naming the directory and what to do, and
// nothing on disk changes.
func TestExportRefuses(t *testing.T) {
	ws, _ := serve(t, &memSource{arts: fixture.SampleArticles(t)})
	// setup builds the case under root and returns the export directory and
	// the protected paths.
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) (string, []ProtectedPath)
		want  string
	}{
		{"non-empty directory without marker", func(t *testing.T, root string) (string, []ProtectedPath) {
			writeFile(t, filepath.Join(root, "webroot", "robots.txt"), "User-agent: *\n")
			return filepath.Join(root, "webroot"), nil
		}, "holds files paperboy did not write"},
		{"store's directory", func(t *testing.T, root string) (string, []ProtectedPath) {
			writeFile(t, filepath.Join(root, "data", "paperboy.db"), "SQLite format 3")
			return filepath.Join(root, "data"), []ProtectedPath{{filepath.Join(root, "data"), "the store's directory"}}
		}, "it is the store's directory"},
		{"empty store directory", func(t *testing.T, root string) (string, []ProtectedPath) {
			if err := os.Mkdir(filepath.Join(root, "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "data"), []ProtectedPath{{filepath.Join(root, "data"), "the store's directory"}}
		}, "it is the store's directory"},
		{"inside the pages directory", func(t *testing.T, root string) (string, []ProtectedPath) {
			writeFile(t, filepath.Join(root, "pages", "2021-07-20.txt"), "page")
			return filepath.Join(root, "pages", "site"), []ProtectedPath{{filepath.Join(root, "pages"), "the pages directory"}}
		}, "it lies inside the pages directory"},
		{"containing the store's directory", func(t *testing.T, root string) (string, []ProtectedPath) {
			writeFile(t, filepath.Join(root, "srv", "data", "paperboy.db"), "SQLite format 3")
			return filepath.Join(root, "srv"), []ProtectedPath{{filepath.Join(root, "srv", "data"), "the store's directory"}}
		}, "it contains the store's directory"},
		{"link to the store's directory", func(t *testing.T, root string) (string, []ProtectedPath) {
			writeFile(t, filepath.Join(root, "data", "paperboy.db"), "SQLite format 3")
			if err := os.Symlink("data", filepath.Join(root, "alias")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "alias"), []ProtectedPath{{filepath.Join(root, "data"), "the store's directory"}}
		}, "it is the store's directory"},
		{"a file", func(t *testing.T, root string) (string, []ProtectedPath) {
			writeFile(t, filepath.Join(root, "index.html"), "<p>hand-made</p>")
			return filepath.Join(root, "index.html"), nil
		}, "it is a file"},
		{"link to a directory without marker", func(t *testing.T, root string) (string, []ProtectedPath) {
			writeFile(t, filepath.Join(root, "www", "index.html"), "<p>hand-made</p>")
			if err := os.Symlink("www", filepath.Join(root, "public")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "public"), nil
		}, "symbolic link to www, which is not a paperboy export"},
		{"dangling link", func(t *testing.T, root string) (string, []ProtectedPath) {
			if err := os.Symlink("gone", filepath.Join(root, "public")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "public"), nil
		}, "symbolic link to gone, which is not a paperboy export"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir, protected := tt.setup(t, root)
			before := snapshot(t, root)
			_, err := ws.Export(context.Background(), dir, ExportOptions{Protected: protected})
			if !errors.Is(err, ErrExportRefused) {
				t.Fatalf("export to %s: %v, want a refusal", dir, err)
			}
			for _, want := range []string{"web: export " + dir + ": ", tt.want, "choose a new or empty directory"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			checkUnchanged(t, root, before)
		})
	}
}

// TestExportTakesOver replaces what an export may replace: an empty
// directory, and a real directory from an export made before exports were
// links (migrated once).
func TestExportTakesOver(t *testing.T) {
	ws, srv := serve(t, &memSource{arts: fixture.SampleArticles(t)})
	tests := []struct {
		name  string
		files map[string]string
	}{
		{"empty directory", nil},
		{"earlier export as a directory", map[string]string{ExportMarker: "", "stale.html": "old", "articles/x/index.html": "old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			out := filepath.Join(root, "public")
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, body := range tt.files {
				writeFile(t, filepath.Join(out, name), body)
			}
			if _, err := ws.Export(context.Background(), out, ExportOptions{}); err != nil {
				t.Fatal(err)
			}
			target := exportTarget(t, out)
			if _, err := os.Stat(filepath.Join(out, "stale.html")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("stale.html survived: %v", err)
			}
			checkServed(t, srv, out, []string{"/atom.xml", "/"})
			if got, want := entryNames(t, root), []string{"public", filepath.Base(target)}; !slices.Equal(got, want) {
				t.Errorf("beside the export: %q, want %q", got, want)
			}
		})
	}
}

// failingEditions fails in the middle of an export, after the feeds were
// rendered and files written.
type failingEditions struct{ *memSource }

func (f failingEditions) EditionArticles(ctx context.Context, date string) ([]content.Article, error) {
	return nil, fmt.Errorf("edition %s: database is locked", date)
}

func TestExportFailureKeepsPrevious(t *testing.T) {
	ctx := context.Background()
	src := &memSource{arts: fixture.SampleArticles(t)}
	ws, srv := serve(t, src)
	root := t.TempDir()
	out := filepath.Join(root, "public")
	if _, err := ws.Export(ctx, out, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)

	broken := newSite(t, failingEditions{src})
	if _, err := broken.Export(ctx, out, ExportOptions{}); err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("export error %v, want the source's", err)
	}
	checkUnchanged(t, root, before)
	exportTarget(t, out)
	checkServed(t, srv, out, []string{"/atom.xml", "/"})

	// Cancelled before it starts: same.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ws.Export(cctx, out, ExportOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled export: %v", err)
	}
	checkUnchanged(t, root, before)
}
