package main

import (
	"bytes"
	"context"
	"io/fs"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/store"
)

// TestBidiHeadlineComesOutClean: a headline with U+202E (right-to-left
// override) comes out without it in the pages, the three feeds and the
// digest's Subject: from a page file (cleaned as it is read) and from an
// article stored before the cleaning existed (cleaned on the way out).
func TestBidiHeadlineComesOutClean(t *testing.T) {
	const rlo, pdf = "\u202e", "\u202c"
	dir := t.TempDir()
	cfg := copyShipped(t, dir, "config.toml")
	t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "cmd-test-secret-0123456789")
	page := "会议" + rlo + "gnp.exe" + pdf + "召开\n\n本报讯（记者张三）今天，" + rlo + "会议在京召开。\n"
	if err := os.MkdirAll(filepath.Join(dir, "pages"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pages", "2021-07-20.txt"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"ingest", "-config", cfg}, &stdout, &stderr); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr.String())
	}
	// An article stored as an older paperboy would have kept it.
	st, err := store.Open(ctx, filepath.Join(dir, "data", "paperboy.db"))
	if err != nil {
		t.Fatal(err)
	}
	old := content.Article{Kind: content.KindArticle, Title: "旧稿" + rlo + "txt.exe" + pdf + "标题", Byline: "本报讯",
		Paragraphs: []string{"正文" + rlo + "一段。"}, Source: "old.txt", Lines: [2]int{1, 3}}
	// Yesterday's: the newest edition, within the digest's period, so the
	// preview's first run takes it.
	old.Date = time.Now().In(mustZone(t, "Asia/Shanghai")).AddDate(0, 0, -1).Format(time.DateOnly)
	old.ID = content.StableID(old.Date, old.Kind, "old")
	if _, err := st.SaveEdition(ctx, content.Edition{Date: old.Date, Source: "old.txt", Articles: []content.Article{old}}, "old"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := filepath.Join(dir, "public")
	preview := filepath.Join(dir, "preview")
	for _, args := range [][]string{
		{"feeds", "-config", cfg, "-out", out},
		{"digest", "daily", "-config", cfg, "-preview", preview},
	} {
		if err := run(ctx, args, &stdout, &stderr); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, stderr.String())
		}
	}
	seen := map[string]bool{}
	root, err := filepath.EvalSymlinks(out) // the export is a link to its directory
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(rlo)) || bytes.Contains(b, []byte(pdf)) {
			t.Errorf("%s holds a bidi control character", path)
		}
		for _, title := range []string{"会议gnp.exe召开", "旧稿txt.exe标题"} {
			if bytes.Contains(b, []byte(title)) {
				seen[filepath.Base(path)+" "+title] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", "rss.xml", "atom.xml", "feed.json"} {
		for _, title := range []string{"会议gnp.exe召开", "旧稿txt.exe标题"} {
			if !seen[f+" "+title] {
				t.Errorf("%s does not show %q cleaned", f, title)
			}
		}
	}
	eml, err := os.Open(filepath.Join(preview, "daily.eml"))
	if err != nil {
		t.Fatal(err)
	}
	defer eml.Close()
	msg, err := mail.ReadMessage(eml)
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(subject, rlo+pdf) || !strings.Contains(subject, "旧稿txt.exe标题") {
		t.Errorf("Subject = %+q, want the newest headline without bidi controls", subject)
	}
	for _, f := range []string{"daily.html", "daily.txt"} {
		b, err := os.ReadFile(filepath.Join(preview, f))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(rlo)) {
			t.Errorf("%s holds U+202E", f)
		}
	}
}
