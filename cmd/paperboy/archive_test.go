package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// mailedHTML reads an .eml the file transport wrote: its To header and
// its HTML part.
func mailedHTML(t *testing.T, path string) (*mail.Address, string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 {
		t.Fatalf("To %q: %v", msg.Header.Get("To"), err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no HTML part: %v", err)
		}
		if ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct != "text/html" {
			continue
		}
		body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, part))
		if err != nil {
			t.Fatal(err)
		}
		return to[0], string(body)
	}
}

var (
	articleLinkRE = regexp.MustCompile(`http://127\.0\.0\.1:8080/articles/[0-9a-f-]+/`)
	viewLinkRE    = regexp.MustCompile(`href="http://127\.0\.0\.1:8080(/digests/daily/\d{4}-\d{2}-\d{2}/)"[^>]*>在浏览器中查看<`)
)

// TestDigestArchiveServedAndExported: a digest sent by `paperboy digest`
// links to its archive page; the site serves it and `paperboy feeds`
// writes it, with the mailed articles and none of the reader's parts.
func TestDigestArchiveServedAndExported(t *testing.T) {
	cfgPath, dir := digestSetup(t)
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"digest", "daily", "-config", cfgPath}, &stdout, &stderr); err != nil {
		t.Fatalf("digest: %v\n%s", err, stderr.String())
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(emls) != 2 {
		t.Fatalf("outbox has %d messages, want 2", len(emls))
	}
	var html string
	names := map[string]string{}
	for _, p := range emls {
		to, h := mailedHTML(t, p)
		names[to.Address] = to.Name
		html = h
	}
	// The shipped list names its second reader: the To header says so.
	if names["reader2@example.org"] != "读者二" || names["reader1@example.org"] != "" {
		t.Errorf("To display names = %q, want 读者二 for reader2 and none for reader1", names)
	}
	view := viewLinkRE.FindStringSubmatch(html)
	if view == nil {
		t.Fatal("the message has no view-in-browser link")
	}
	mailed := articleLinkRE.FindAllString(html, -1)
	mailed = slices.Compact(mailed)
	if len(mailed) == 0 {
		t.Fatal("the message links no articles")
	}
	checkPage := func(what, page string) {
		t.Helper()
		if got := slices.Compact(articleLinkRE.FindAllString(page, -1)); !slices.Equal(got, mailed) {
			t.Errorf("%s lists articles %v, the mail %v", what, got, mailed)
		}
		for _, personal := range []string{"unsubscribe", "退订", "reader1@example.org", "reader2@example.org"} {
			if strings.Contains(page, personal) {
				t.Errorf("%s contains %q", what, personal)
			}
		}
	}

	// Served by the site.
	c, st, err := openConfigured(ctx, cfgPath, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	archive, err := archiveDigests(c, st, c.Logger(&stderr))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSite(c, st, c.Logger(&stderr), archive)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Feeds().Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, served := get(view[1])
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", view[1], code)
	}
	checkPage("the served archive page", served)
	code, index := get("/digests/")
	if code != http.StatusOK || !strings.Contains(index, `href="`+view[1]+`"`) {
		t.Fatalf("GET /digests/: %d, links to the issue: %v", code, strings.Contains(index, view[1]))
	}
	if code, home := get("/"); code != http.StatusOK || !strings.Contains(home, `<a href="/digests/">`) {
		t.Errorf("GET /: %d; the footer links the archive of digests: %v", code, strings.Contains(home, "/digests/"))
	}
	if code, _ := get("/digests/daily/1999-01-01/"); code != http.StatusNotFound {
		t.Errorf("a day without a digest: %d, want 404", code)
	}
	st.Close()

	// Written by the static export, byte for byte as served.
	out := filepath.Join(dir, "public")
	if err := run(ctx, []string{"feeds", "-config", cfgPath, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("feeds: %v\n%s", err, stderr.String())
	}
	exported, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(view[1]), "index.html"))
	if err != nil {
		t.Fatalf("the export lacks the issue: %v", err)
	}
	if string(exported) != served {
		t.Error("the exported issue page differs from the served one")
	}
	checkPage("the exported archive page", string(exported))
	for _, p := range []string{"digests/index.html", "digests/daily/index.html"} {
		b, err := os.ReadFile(filepath.Join(out, p))
		if err != nil || !strings.Contains(string(b), view[1]) {
			t.Errorf("%s: %v; links to the issue: %v", p, err, strings.Contains(string(b), view[1]))
		}
	}
}
