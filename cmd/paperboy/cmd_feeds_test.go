package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/internal/fixture"
)

// TestFeedsExport runs 'paperboy feeds' on the shipped config.toml, moved
// into a temporary directory with a store holding the sample edition.
func TestFeedsExport(t *testing.T) {
	dir := t.TempDir()
	cfgPath := copyShipped(t, dir, "config.toml")
	if err := os.MkdirAll(filepath.Join(dir, "pages"), 0o755); err != nil {
		t.Fatal(err)
	}
	ed := fixture.WriteSampleStore(t, filepath.Join(dir, "data", "paperboy.db"))
	ctx := context.Background()

	out := filepath.Join(dir, "public")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"feeds", "-config", cfgPath, "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("feeds: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote ") {
		t.Errorf("stdout %q", stdout.String())
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
}

func TestFeedsUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"feeds", "-config", "../../config.toml"}, &stdout, &stderr)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "-out") {
		t.Errorf("feeds without -out: %v, want a usage error naming -out", err)
	}
}
