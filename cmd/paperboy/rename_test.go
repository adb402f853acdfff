package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// TestIngestRenamedPageFile renames the shipped page to fix its date, as
// an admin would, and runs a plain ingest (no -prune): the articles move
// to the new date, none is left twice in the feed, and every old permalink
// answers 301 to its article's new one.
func TestIngestRenamedPageFile(t *testing.T) {
	tests := []struct {
		name string
		edit func(page []byte) []byte // applied with the rename
	}{
		{"same bytes", func(page []byte) []byte { return page }},
		{"renamed and corrected", func(page []byte) []byte {
			// A street's name corrected in one article's text.
			fixed := bytes.ReplaceAll(page, []byte("李万街道"), []byte("李湾街道"))
			if bytes.Equal(fixed, page) {
				t.Fatal("the shipped page no longer has the text this case corrects")
			}
			return fixed
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, before := ingestedClone(t)
			dir := filepath.Dir(cfg)

			oldPath, newPath := filepath.Join(dir, "pages", "2021-07-20.txt"), filepath.Join(dir, "pages", "2021-07-19.txt")
			page, err := os.ReadFile(oldPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(newPath, tt.edit(page), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(oldPath); err != nil {
				t.Fatal(err)
			}
			out := ingestCmd(t, cfg)
			if !strings.Contains(out, "1 renamed") || strings.Contains(out, "gone") {
				t.Errorf("ingest after the rename says:\n%s", out)
			}

			st := openStore(t, dir)
			if old, err := st.EditionArticles(ctx, "2021-07-20"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("old edition still has %d articles (%v)", len(old), err)
			}
			after, err := st.EditionArticles(ctx, "2021-07-19")
			if err != nil || len(after) != len(before) {
				t.Fatalf("new edition: %d articles, %v; want %d", len(after), err, len(before))
			}
			if n, err := st.CountArticles(ctx); err != nil || n != len(before) {
				t.Errorf("%d articles stored (%v), want %d", n, err, len(before))
			}
			st.Close()

			srv := serveSite(t, cfg)
			noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			newIDs := map[string]bool{}
			for _, a := range after {
				newIDs[a.ID] = true
			}
			for _, a := range before {
				resp, err := noFollow.Get(srv.URL + site.ArticlePath(a.ID))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				loc := resp.Header.Get("Location")
				to := strings.TrimSuffix(strings.TrimPrefix(loc, "/articles/"), "/")
				if resp.StatusCode != http.StatusMovedPermanently || !newIDs[to] {
					t.Errorf("old permalink of %q: %d Location %q, want 301 to one of the new edition's", a.Title, resp.StatusCode, loc)
				}
			}
			_, body := get(t, srv.URL+"/atom.xml")
			feed, err := gofeed.NewParser().ParseString(string(body))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, it := range feed.Items {
				seen[it.Title]++
			}
			for title, n := range seen {
				if n > 1 {
					t.Errorf("atom.xml carries %q %d times", title, n)
				}
			}
			if len(feed.Items) != len(before) {
				t.Errorf("atom.xml has %d entries, want %d", len(feed.Items), len(before))
			}
		})
	}
}

// TestIngestDeletedPageFileKeepsEdition: a page file really deleted keeps
// its edition, as archives drop old files, even when another day's page
// (same label, other articles) arrives in the same run.
func TestIngestDeletedPageFileKeepsEdition(t *testing.T) {
	ctx := context.Background()
	cfg := freshClone(t)
	dir := filepath.Dir(cfg)
	ingestCmd(t, cfg)
	if err := os.Remove(filepath.Join(dir, "pages", "2021-07-20.txt")); err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile(filepath.Join("..", "..", "content", "testdata", "two-line-headlines.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pages", "2021-07-21.txt"), other, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := ingestCmd(t, cfg); !strings.Contains(out, "1 gone") || strings.Contains(out, "renamed") {
		t.Errorf("ingest after the deletion says:\n%s", out)
	}
	st := openStore(t, dir)
	defer st.Close()
	if as, err := st.EditionArticles(ctx, "2021-07-20"); err != nil || len(as) != 13 {
		t.Errorf("edition kept with %d articles (%v), want 13", len(as), err)
	}
}

// ingestedClone is a fresh clone after `paperboy ingest`: its config path
// and the sample edition's articles as stored.
func ingestedClone(t *testing.T) (string, []content.Article) {
	t.Helper()
	cfg := freshClone(t)
	ingestCmd(t, cfg)
	st := openStore(t, filepath.Dir(cfg))
	defer st.Close()
	as, err := st.EditionArticles(context.Background(), "2021-07-20")
	if err != nil || len(as) == 0 {
		t.Fatalf("edition 2021-07-20: %d articles, %v", len(as), err)
	}
	return cfg, as
}

func ingestCmd(t *testing.T, cfg string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "-config", cfg}, &stdout, &stderr); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("ingest: %v\n%s", err, stderr.String())
	}
	return stdout.String()
}

// TestIngestMovedPageFileSameDate moves the page into a subdirectory (same
// date, same label): its articles keep their ids, created times and
// permalinks, and the old file is not reported gone on every later run.
func TestIngestMovedPageFileSameDate(t *testing.T) {
	ctx := context.Background()
	cfg, before := ingestedClone(t)
	dir := filepath.Dir(cfg)
	if err := os.MkdirAll(filepath.Join(dir, "pages", "2021"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "pages", "2021-07-20.txt"), filepath.Join(dir, "pages", "2021", "2021-07-20.txt")); err != nil {
		t.Fatal(err)
	}
	if out := ingestCmd(t, cfg); !strings.Contains(out, "1 renamed") || strings.Contains(out, "gone") {
		t.Errorf("ingest after the move says:\n%s", out)
	}
	if out := ingestCmd(t, cfg); !strings.Contains(out, "1 unchanged") || strings.Contains(out, "gone") {
		t.Errorf("ingest after that says:\n%s", out)
	}
	st := openStore(t, dir)
	hashes, err := st.SourceHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := hashes["pages/2021/2021-07-20.txt"]; !ok || len(hashes) != 1 {
		t.Errorf("sources %v; want only the moved file", hashes)
	}
	after, err := st.EditionArticles(ctx, "2021-07-20")
	if err != nil || len(after) != len(before) {
		t.Fatalf("edition after the move: %d articles, %v; want %d", len(after), err, len(before))
	}
	for i := range before {
		if after[i].ID != before[i].ID || !after[i].Created.Equal(before[i].Created) || after[i].Source != "pages/2021/2021-07-20.txt" {
			t.Errorf("article %d: %s %v %s; want id %s created %v from the moved file", i, after[i].ID, after[i].Created, after[i].Source, before[i].ID, before[i].Created)
		}
	}
}

// TestServeRenamedPageFile: with the daemon running and watch_pages on,
// `mv` of a page file to another date moves its edition: the feed never
// settles with an article twice, and the old permalinks answer 301.
func TestServeRenamedPageFile(t *testing.T) {
	dir, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: 1, Schedule: "0 0 1 1 *", Addresses: []string{"r1@example.org"}})
	zone := mustZone(t, "Asia/Shanghai")
	oldDate := time.Now().In(zone).AddDate(0, 0, -2).Format(time.DateOnly)
	newDate := time.Now().In(zone).AddDate(0, 0, -3).Format(time.DateOnly)
	d := startDaemon(t, cfgPath)
	waitFor(t, 20*time.Second, "the page ingested", func() (bool, string) { return feedHasItems(t, d) })
	before := atomItems(t, d)

	if err := os.Rename(filepath.Join(dir, "pages", oldDate+".txt"), filepath.Join(dir, "pages", newDate+".txt")); err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// Links are under base_url; the daemon listens elsewhere.
	local := func(link string) string { return d.base + link[strings.Index(link, "/articles/"):] }
	waitFor(t, 20*time.Second, "the old permalink redirecting", func() (bool, string) {
		resp, err := noFollow.Get(local(before[0].Link))
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusMovedPermanently, fmt.Sprintf("GET %s = %d", before[0].Link, resp.StatusCode)
	})
	after := atomItems(t, d)
	if len(after) != len(before) {
		t.Errorf("atom.xml has %d entries after the rename, %d before", len(after), len(before))
	}
	titles := map[string]bool{}
	for _, it := range after {
		if titles[it.Title] {
			t.Errorf("atom.xml carries %q twice", it.Title)
		}
		titles[it.Title] = true
		if !strings.Contains(it.Link, "/articles/") {
			t.Errorf("entry %q links %s", it.Title, it.Link)
		}
	}
	for _, it := range before {
		resp, err := noFollow.Get(local(it.Link))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMovedPermanently {
			t.Errorf("old permalink of %q: %d, want 301", it.Title, resp.StatusCode)
		}
	}
}
