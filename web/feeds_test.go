package web

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/site"
)

// TestRemovedAndMovedPermalinks: on a real store, an article removed from
// its re-ingested page answers 410 Gone; a page file re-dated (removed
// and ingested under another date) answers 301 to the new permalinks.
func TestRemovedAndMovedPermalinks(t *testing.T) {
	ctx := context.Background()
	s, ed := fixture.StoreWithSample(t)
	_, srv := serve(t, s)
	gone := ed.Articles[2]
	cut := ed
	cut.Articles = append(append([]content.Article(nil), ed.Articles[:2]...), ed.Articles[3:]...)
	if _, err := s.SaveEdition(ctx, cut, "cut"); err != nil {
		t.Fatal(err)
	}
	resp, body := fetch(t, "GET", srv.URL+site.ArticlePath(gone.ID), nil)
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, "已被撤下") {
		t.Errorf("removed article: %d, want 410 with the gone page", resp.StatusCode)
	}
	if resp, _ := fetch(t, "GET", srv.URL+site.ArticlePath(ed.Articles[0].ID), nil); resp.StatusCode != 200 {
		t.Errorf("kept article: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, "GET", srv.URL+"/articles/2021-07-20-000000000000/", nil); resp.StatusCode != 404 {
		t.Errorf("never stored: %d, want 404", resp.StatusCode)
	}

	// The page was dated wrongly: its file goes, the same page comes back
	// as 2021-07-21.
	if _, err := s.RemoveSource(ctx, ed.Source); err != nil {
		t.Fatal(err)
	}
	redated := fixture.SampleEdition(t)
	redated.Date, redated.Source = "2021-07-21", "pages/2021-07-21.txt"
	for i := range redated.Articles {
		a := &redated.Articles[i]
		a.Date, a.Source = redated.Date, redated.Source
		a.ID = "2021-07-21" + a.ID[len("2021-07-20"):]
	}
	if _, err := s.SaveEdition(ctx, redated, "redated"); err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := noFollow.Get(srv.URL + site.ArticlePath(ed.Articles[0].ID))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if want := site.ArticlePath(redated.Articles[0].ID); r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != want {
		t.Errorf("re-dated article: %d Location %q, want 301 to %s", r.StatusCode, r.Header.Get("Location"), want)
	}
}

// TestServeConventions: 405 with Allow for other methods, index.html
// paths, CORS on JSON Feed only, and one access log line per request.
func TestServeConventions(t *testing.T) {
	s, ed := fixture.StoreWithSample(t)
	ws := newSite(t, s)
	if err := ws.Feeds().Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	logBuf := &fixture.SyncBuffer{}
	mux := http.NewServeMux()
	ws.Register(mux)
	srv := httptest.NewServer(AccessLog(slog.New(slog.NewJSONHandler(logBuf, nil)), mux))
	t.Cleanup(srv.Close)

	for _, path := range []string{"/rss.xml", "/", "/nothing-here"} {
		resp, _ := fetch(t, "POST", srv.URL+path, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: %d Allow %q, want 405 GET, HEAD", path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	for page, index := range map[string]string{"/": "/index.html", site.EditionPath(ed.Date): site.EditionPath(ed.Date) + "index.html",
		site.ArticlePath(ed.Articles[0].ID): site.ArticlePath(ed.Articles[0].ID) + "index.html"} {
		_, want := fetch(t, "GET", srv.URL+page, nil)
		resp, got := fetch(t, "GET", srv.URL+index, nil)
		if resp.StatusCode != 200 || got != want {
			t.Errorf("GET %s: %d, want the page of %s", index, resp.StatusCode, page)
		}
	}
	resp, _ := fetch(t, "GET", srv.URL+"/feed.json", nil)
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("feed.json without CORS")
	}
	resp, _ = fetch(t, "GET", srv.URL+"/atom.xml", nil)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("atom.xml with CORS")
	}
	fetch(t, "GET", srv.URL+"/atom.xml", http.Header{"If-None-Match": {resp.Header.Get("ETag")}})
	fetch(t, "GET", srv.URL+"/rss.xml", nil)
	// 3 POSTs, 6 pages, 4 feeds: one line each. A line is written once
	// its handler returns, which may be just after the client has the
	// response.
	const requests = 13
	var lines []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		lines = strings.Split(strings.TrimSpace(logBuf.String()), "\n")
		if len(lines) >= requests || time.Now().After(deadline) {
			break
		}
	}
	time.Sleep(50 * time.Millisecond)
	if lines = strings.Split(strings.TrimSpace(logBuf.String()), "\n"); len(lines) != requests {
		t.Fatalf("%d access log lines for %d requests:\n%s", len(lines), requests, logBuf.String())
	}
	type logLine struct {
		Msg, Method, Path string
		Status            int
		Bytes             int64
		NotModified       bool  `json:"not_modified"`
		DurationUS        int64 `json:"duration_us"`
	}
	var l1, l2 logLine
	for _, line := range lines {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		switch {
		case l.Path == "/atom.xml" && l.Status == 304:
			l1 = l
		case l.Path == "/rss.xml":
			l2 = l
		}
	}
	if l1.Msg != "http_request" || l1.Method != "GET" || l1.Path != "/atom.xml" || l1.Status != 304 || !l1.NotModified || l1.Bytes != 0 {
		t.Errorf("304 log line: %+v", l1)
	}
	if l2.Path != "/rss.xml" || l2.Status != 200 || l2.NotModified || l2.Bytes == 0 {
		t.Errorf("200 log line: %+v", l2)
	}
}

// TestReexportKeepsBytesAndMtime: every exported file's mtime is its
// Last-Modified, large files have a .gz sibling with the same bytes, and
// exporting unchanged content again keeps every file's bytes and mtime.
func TestReexportKeepsBytesAndMtime(t *testing.T) {
	s, _ := fixture.StoreWithSample(t)
	ws, srv := serve(t, s)
	out := filepath.Join(t.TempDir(), "public")
	ctx := context.Background()
	if _, err := ws.Export(ctx, out, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	type stamp struct {
		body string
		mod  time.Time
	}
	read := func() map[string]stamp {
		m := map[string]stamp{}
		root, _ := filepath.EvalSymlinks(out)
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := os.ReadFile(p)
			fi, _ := d.Info()
			rel, _ := filepath.Rel(root, p)
			m[rel] = stamp{string(b), fi.ModTime()}
			return nil
		})
		return m
	}
	first := read()
	time.Sleep(1100 * time.Millisecond) // a new mtime would show
	if _, err := ws.Export(ctx, out, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	second := read()
	if len(first) != len(second) {
		t.Fatalf("%d files, then %d", len(first), len(second))
	}
	gz := 0
	for p, a := range first {
		b := second[p]
		if a.body != b.body || !a.mod.Equal(b.mod) {
			t.Errorf("%s: re-export changed bytes (%v) or mtime %v -> %v", p, a.body != b.body, a.mod, b.mod)
		}
		if plain, ok := strings.CutSuffix(p, ".gz"); ok {
			gz++
			zr, err := gzip.NewReader(strings.NewReader(a.body))
			if err != nil {
				t.Fatal(err)
			}
			unz, _ := io.ReadAll(zr)
			if string(unz) != first[plain].body {
				t.Errorf("%s does not hold %s", p, plain)
			}
		}
	}
	if gz == 0 || first["atom.xml.gz"].body == "" {
		t.Errorf("no .gz siblings (%d)", gz)
	}
	resp, _ := fetch(t, "GET", srv.URL+"/atom.xml", nil)
	lm, err := http.ParseTime(resp.Header.Get("Last-Modified"))
	if err != nil || !first["atom.xml"].mod.Equal(lm) {
		t.Errorf("atom.xml mtime %v, served Last-Modified %v", first["atom.xml"].mod, lm)
	}
}

// TestMonthPage: the home page links each month's archive page, which
// lists every article of the month's editions; a month without editions
// is a 404.
func TestMonthPage(t *testing.T) {
	s, ed := fixture.StoreWithSample(t)
	_, srv := serve(t, s)
	_, index := fetch(t, "GET", srv.URL+"/", nil)
	if !strings.Contains(index, `href="/archive/2021-07/"`) || !strings.Contains(index, "2021年7月") {
		t.Errorf("home page does not link the July archive")
	}
	resp, page := fetch(t, "GET", srv.URL+"/archive/2021-07/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("month page: %d", resp.StatusCode)
	}
	for _, a := range ed.Articles {
		if !strings.Contains(page, `href="`+site.ArticlePath(a.ID)+`"`) {
			t.Errorf("month page does not link %s", a.ID)
		}
	}
	for _, path := range []string{"/archive/2021-06/", "/archive/2021-13/", "/archive/july/"} {
		if resp, _ := fetch(t, "GET", srv.URL+path, nil); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}
