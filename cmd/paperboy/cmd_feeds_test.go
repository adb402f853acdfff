package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
)

// feedsSite is the shipped config.toml, moved into a temporary directory
// with a store holding the sample edition; it returns that directory.
func feedsSite(t *testing.T) (string, content.Edition) {
	t.Helper()
	dir := t.TempDir()
	copyShipped(t, dir, "config.toml")
	if err := os.MkdirAll(filepath.Join(dir, "pages"), 0o755); err != nil {
		t.Fatal(err)
	}
	ed := fixture.WriteSampleStore(t, filepath.Join(dir, "data", "paperboy.db"))
	return dir, ed
}

// TestFeedsExport runs 'paperboy feeds' twice into the same directory,
// given absolute and relative to the working directory.
func TestFeedsExport(t *testing.T) {
	for _, rel := range []bool{false, true} {
		t.Run(fmt.Sprintf("relative=%v", rel), func(t *testing.T) {
			dir, ed := feedsSite(t)
			out := filepath.Join(dir, "public")
			arg := out
			if rel {
				t.Chdir(dir)
				arg = "public"
			}
			var links []string
			for range 2 {
				var stdout, stderr bytes.Buffer
				if err := run(context.Background(), []string{"feeds", "-config", filepath.Join(dir, "config.toml"), "--out", arg}, &stdout, &stderr); err != nil {
					t.Fatalf("feeds: %v\n%s", err, stderr.String())
				}
				if !strings.Contains(stdout.String(), "wrote ") {
					t.Errorf("stdout %q", stdout.String())
				}
				link, err := os.Readlink(out)
				if err != nil {
					t.Fatal(err)
				}
				links = append(links, link)
			}
			if links[0] == links[1] {
				t.Errorf("second export did not switch the link: %q", links)
			}
			if _, err := os.Stat(filepath.Join(dir, links[0])); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("first export %s not removed: %v", links[0], err)
			}
			atom, err := os.ReadFile(filepath.Join(out, "atom.xml"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"<title>示范区新闻</title>", `href="http://127.0.0.1:8080/atom.xml" rel="self"`, "tag:example.org,2021:" + ed.Articles[0].ID} {
				if !strings.Contains(string(atom), want) {
					t.Errorf("atom.xml lacks %q", want)
				}
			}
			for _, a := range ed.Articles {
				if _, err := os.Stat(filepath.Join(out, "articles", a.ID, "index.html")); err != nil {
					t.Errorf("article page: %v", err)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "topics", "flood-control", "rss.xml")); err != nil {
				t.Errorf("topic feed: %v", err)
			}
		})
	}
}

// TestFeedsRefuses aims 'paperboy feeds' at the directories of the shipped
// layout it must not replace; they stay as they were.
func TestFeedsRefuses(t *testing.T) {
	tests := []struct {
		out  string
		want string
	}{
		{"data", "is the store's directory"},
		{"data/site", "lies inside the store's directory"},
		{"pages", "is the pages directory"},
		{".", "contains the config file"},
		{"webroot", "holds files paperboy did not write"},
	}
	for _, tt := range tests {
		t.Run(tt.out, func(t *testing.T) {
			dir, _ := feedsSite(t)
			if err := os.MkdirAll(filepath.Join(dir, "webroot"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "webroot", "robots.txt"), []byte("User-agent: *\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			before := dirTree(t, dir)
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"feeds", "-config", "config.toml", "-out", tt.out}, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), filepath.Join(dir, tt.out)) {
				t.Fatalf("feeds -out %s: %v, want a refusal naming the directory and %q", tt.out, err, tt.want)
			}
			if after := dirTree(t, dir); !slices.Equal(before, after) {
				t.Errorf("refused export changed the directory:\nbefore %q\nafter  %q", before, after)
			}
		})
	}
}

// dirTree lists every path under root with its size, links not followed.
func dirTree(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		paths = append(paths, fmt.Sprintf("%s %v %d", p, info.Mode(), info.Size()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func TestFeedsUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"feeds", "-config", "../../config.toml"}, &stdout, &stderr)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "-out") {
		t.Errorf("feeds without -out: %v, want a usage error naming -out", err)
	}
}
