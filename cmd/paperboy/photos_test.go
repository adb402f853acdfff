package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/internal/fixture"
)

// photoSite is a fresh clone whose pages hold the photo page and, beside
// it, one picture file per photo.
func photoSite(t *testing.T) (cfgPath, dir string) {
	t.Helper()
	dir = t.TempDir()
	// A digest looks back a day from now; the photo page is older.
	cfgPath = shippedConfig(t, dir, [2]string{`period = "24h"`, `period = "87600h"`})
	pages := filepath.Join(dir, "pages")
	writeTestFile(t, filepath.Join(pages, fixture.PhotoDate+".txt"), fixture.PhotoPage())
	writeTestFile(t, filepath.Join(pages, fixture.PhotoDate, "1.jpg"), fixture.Picture(t, "jpeg", 1800, 1200, 1))
	writeTestFile(t, filepath.Join(pages, fixture.PhotoDate, "2.png"), fixture.Picture(t, "png", 640, 480, 2))
	t.Setenv("PAPERBOY_UNSUBSCRIBE_SECRET", "cmd-test-secret-0123456789")
	return cfgPath, dir
}

// serveSite serves the configured site through a real HTTP server, as
// the daemon mounts it.
func serveSite(t *testing.T, cfgPath string) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	c, st, err := openConfigured(ctx, cfgPath, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	site, err := newSite(c, st, c.Logger(io.Discard), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := site.Feeds().Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	site.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

var imgRE = regexp.MustCompile(`<img [^>]*>`)

// attr is an attribute's value in an HTML or XML tag, "" if absent.
func attr(tag, name string) string {
	m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return m[1]
}

// checkPicture fetches a picture URL the way a browser or feed reader
// does and checks it is served as cacheable forever, with a validator.
func checkPicture(t *testing.T, srv *httptest.Server, url string) {
	t.Helper()
	// Pages and feeds link under base_url; the test server stands for it.
	path := url[strings.Index(url, "/images/"):]
	resp, body := get(t, srv.URL+path)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") || len(body) == 0 {
		t.Fatalf("%s: %d %s, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("%s: Cache-Control %q", path, cc)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || !strings.Contains(path, strings.Trim(etag, `"`)) {
		t.Errorf("%s: ETag %q is not its content hash", path, etag)
	}
	if resp, _ := get(t, srv.URL+path, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("%s with If-None-Match: %d, want 304", path, resp.StatusCode)
	}
}

// checkImg checks an <img> has what a page needs so it does not jump as
// it loads, and returns its src.
func checkImg(t *testing.T, where, tag string, wantAlt string) string {
	t.Helper()
	for _, a := range []string{"src", "width", "height", "alt"} {
		if attr(tag, a) == "" && !(a == "alt" && wantAlt == "") {
			t.Errorf("%s: <img> without %s: %s", where, a, tag)
		}
	}
	if wantAlt != "" && !strings.Contains(attr(tag, "alt"), wantAlt) {
		t.Errorf("%s: alt %q lacks %q", where, attr(tag, "alt"), wantAlt)
	}
	return attr(tag, "src")
}

// The check, end to end through the commands and real HTTP: an
// edition with two photos and two picture files shows both pictures in its
// pages, in all three feeds (read back with gofeed and a strict XML
// decoder) and in the digest's HTML; then one unreadable picture file
// leaves the other picture and every article in place.
func TestPhotosEndToEnd(t *testing.T) {
	ctx := context.Background()
	cfgPath, dir := photoSite(t)
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"ingest", "-config", cfgPath}, &stdout, &stderr); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "3 added") || !strings.Contains(out, "2 picture(s), 0 warning(s)") {
		t.Fatalf("ingest: %s\n%s", out, stderr.String())
	}
	srv := serveSite(t, cfgPath)
	captions := []string{"换热站检修管道阀门", "银杏叶渐次变黄"}

	// The edition page: both pictures, lazy, with srcset.
	resp, body := get(t, srv.URL+"/editions/"+fixture.PhotoDate+"/")
	if resp.StatusCode != 200 {
		t.Fatalf("edition page: %d", resp.StatusCode)
	}
	imgs := imgRE.FindAllString(string(body), -1)
	if len(imgs) != 2 {
		t.Fatalf("edition page has %d pictures, want 2:\n%s", len(imgs), body)
	}
	for _, tag := range imgs {
		src := checkImg(t, "edition page", tag, "")
		if attr(tag, "loading") != "lazy" || !strings.Contains(attr(tag, "srcset"), " 480w") {
			t.Errorf("edition page: %s", tag)
		}
		checkPicture(t, srv, src)
	}
	// Each photo's page: its picture with its caption as alt text.
	var articlePaths []string
	for _, m := range regexp.MustCompile(`<a class="t" href="(/articles/[^"]+/)"`).FindAllStringSubmatch(string(body), -1) {
		articlePaths = append(articlePaths, m[1])
	}
	if len(articlePaths) != 3 {
		t.Fatalf("edition page links %d articles, want 3", len(articlePaths))
	}
	for i, p := range articlePaths[1:] {
		_, page := get(t, srv.URL+p)
		imgs := imgRE.FindAllString(string(page), -1)
		if len(imgs) != 1 {
			t.Fatalf("%s has %d pictures, want 1", p, len(imgs))
		}
		for _, u := range strings.Split(attr(imgs[0], "srcset"), ", ") {
			checkPicture(t, srv, strings.Fields(u)[0])
		}
		checkPicture(t, srv, checkImg(t, p, imgs[0], captions[i]))
	}
	if _, page := get(t, srv.URL+articlePaths[0]); strings.Contains(string(page), "<img") {
		t.Errorf("the report's page shows a picture")
	}

	if resp, _ := get(t, srv.URL+"/images/0123456789abcdef0123456789abcdef.jpg"); resp.StatusCode != 404 {
		t.Errorf("an unknown picture: %d, want 404", resp.StatusCode)
	}

	// The static export has every picture the pages show, byte for byte.
	out := filepath.Join(dir, "public")
	if err := run(ctx, []string{"feeds", "-config", cfgPath, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("feeds: %v\n%s", err, stderr.String())
	}
	exported, err := os.ReadFile(filepath.Join(out, "editions", fixture.PhotoDate, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	exportedImgs := imgRE.FindAllString(string(exported), -1)
	if len(exportedImgs) != 2 {
		t.Fatalf("the exported edition page has %d pictures, want 2", len(exportedImgs))
	}
	for _, tag := range exportedImgs {
		for _, u := range strings.Split(attr(tag, "srcset"), ", ") {
			p := strings.Fields(u)[0]
			file, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(p)))
			if err != nil {
				t.Fatalf("the export lacks %s: %v", p, err)
			}
			if _, served := get(t, srv.URL+p); !bytes.Equal(file, served) {
				t.Errorf("exported %s differs from the served one", p)
			}
		}
	}

	// The feeds: one enclosure per photo, and the picture in the content.
	enclosures := func(t *testing.T) map[string]string {
		t.Helper()
		got := map[string]string{} // feed -> enclosure URLs, by item title
		for _, f := range []string{"rss.xml", "atom.xml", "feed.json"} {
			_, body := get(t, srv.URL+"/"+f)
			if f != "feed.json" {
				dec := xml.NewDecoder(bytes.NewReader(body))
				dec.Strict = true
				for {
					if _, err := dec.Token(); err != nil {
						if !errors.Is(err, io.EOF) {
							t.Fatalf("%s is not well-formed XML: %v", f, err)
						}
						break
					}
				}
			}
			parsed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if len(parsed.Items) != 3 {
				t.Fatalf("%s has %d items, want 3", f, len(parsed.Items))
			}
			var urls []string
			for _, it := range parsed.Items {
				u := ""
				switch {
				case f == "feed.json" && it.Image != nil:
					u = it.Image.URL
				case len(it.Enclosures) == 1:
					e := it.Enclosures[0]
					if e.Type != "image/jpeg" || e.Length == "" || e.Length == "0" {
						t.Errorf("%s: enclosure %+v", f, e)
					}
					u = e.URL
				case len(it.Enclosures) > 1:
					t.Errorf("%s: %d enclosures", f, len(it.Enclosures))
				}
				if f == "rss.xml" && u != "" {
					mc := it.Extensions["media"]["content"]
					if len(mc) != 1 || mc[0].Attrs["url"] != u || mc[0].Attrs["width"] == "" || mc[0].Attrs["medium"] != "image" {
						t.Errorf("rss: media:content %+v, want the enclosure %s", mc, u)
					}
				}
				if u != "" {
					if !strings.Contains(it.Content, `<img src="`+u+`"`) {
						t.Errorf("%s: the content does not show the picture %s:\n%s", f, u, it.Content)
					}
					checkPicture(t, srv, u)
				}
				urls = append(urls, u)
			}
			got[f] = strings.Join(urls, " ")
		}
		return got
	}
	encl := enclosures(t)
	for f, urls := range encl {
		if n := len(strings.Fields(urls)); n != 2 {
			t.Errorf("%s: %d items with a picture, want 2: %q", f, n, urls)
		}
		if urls != encl["rss.xml"] {
			t.Errorf("%s encloses %q, RSS %q", f, urls, encl["rss.xml"])
		}
	}

	// The digest: both pictures, linked from the site (absolute URLs under
	// base_url), sized, never attached.
	preview := filepath.Join(dir, "preview")
	if err := run(ctx, []string{"digest", "daily", "-config", cfgPath, "-preview", preview}, &stdout, &stderr); err != nil {
		t.Fatalf("preview: %v\n%s", err, stderr.String())
	}
	html, err := os.ReadFile(filepath.Join(preview, "daily.html"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	base := c.Site.URL("/images/")
	mailImgs := imgRE.FindAllString(string(html), -1)
	if len(mailImgs) != 2 {
		t.Fatalf("digest has %d pictures, want 2", len(mailImgs))
	}
	for i, tag := range mailImgs {
		src := checkImg(t, "digest", tag, captions[i])
		if !strings.HasPrefix(src, base) {
			t.Errorf("digest picture %s is not under %s", src, base)
		}
		// 1800×1200 and 640×480 at the card's 560 px.
		if w, h := attr(tag, "width"), attr(tag, "height"); w != "560" || h != []string{"373", "420"}[i] {
			t.Errorf("digest picture %d: %s×%s, want 560×%s", i, w, h, []string{"373", "420"}[i])
		}
		checkPicture(t, srv, src)
	}
	eml, err := os.ReadFile(filepath.Join(preview, "daily.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ToLower(eml), []byte("content-type: image/")) {
		t.Error("the digest attaches a picture")
	}

	// One picture file goes bad: the other picture and all three
	// articles stay, and ingest says which file it skipped.
	bad := filepath.Join(dir, "pages", fixture.PhotoDate, "2.png")
	writeTestFile(t, bad, []byte("\x89PNG\r\n\x1a\nnot really"))
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(bad, later, later); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if err := run(ctx, []string{"ingest", "-config", cfgPath}, &stdout, &stderr); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "1 updated, 0 removed") || !strings.Contains(out, "1 picture(s), 1 warning(s)") {
		t.Errorf("ingest after the bad file: %s", out)
	}
	if !strings.Contains(stderr.String(), "2.png") || !strings.Contains(stderr.String(), "picture skipped") {
		t.Errorf("ingest does not report the bad file:\n%s", stderr.String())
	}
	srv = serveSite(t, cfgPath)
	_, body = get(t, srv.URL+"/editions/"+fixture.PhotoDate+"/")
	if n := len(imgRE.FindAllString(string(body), -1)); n != 1 {
		t.Errorf("edition page has %d pictures after the bad file, want 1", n)
	}
	after := enclosures(t)
	if got, before := strings.Fields(after["rss.xml"]), strings.Fields(encl["rss.xml"]); len(got) != 1 || len(before) == 0 || got[0] != before[0] {
		t.Errorf("RSS encloses %v after the bad file, want the first of %v", got, before)
	}
	if resp, page := get(t, srv.URL+articlePaths[2]); resp.StatusCode != 200 || !strings.Contains(string(page), captions[1]) || strings.Contains(string(page), "<img") {
		t.Errorf("the photo without its picture: %d, caption shown %v", resp.StatusCode, strings.Contains(string(page), captions[1]))
	}
}

// atomPictures is the daemon's /atom.xml as entry id -> enclosure URL, for
// the entries that have one.
func atomPictures(t *testing.T, d *runningDaemon) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, it := range atomItems(t, d) {
		if len(it.Enclosures) > 0 {
			out[it.GUID] = it.Enclosures[0].URL
		}
	}
	return out
}

// TestServeSeesPictureChanges: pictures added to a page, then one
// replaced, by a `paperboy ingest` in another process reach the running
// daemon's feed through the store's change log, with no restart.
func TestServeSeesPictureChanges(t *testing.T) {
	dir, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: 1, Schedule: "0 0 1 1 *", Addresses: []string{"r1@example.org"}})
	d := startDaemon(t, cfgPath)
	waitFor(t, 10*time.Second, "the sample edition in /atom.xml", func() (bool, string) { return feedHasItems(t, d) })
	if pics := atomPictures(t, d); len(pics) != 0 {
		t.Fatalf("pictures before any were supplied: %v", pics)
	}

	other := otherIngestConfig(t, dir)
	// Another date than the daemon's own page, which its ingest keeps
	// without pictures.
	pics := filepath.Join(dir, "pages2", "2021-07-21")
	if err := os.MkdirAll(pics, 0o755); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, filepath.Join(dir, "pages2", "2021-07-21.txt"), fixture.SamplePage())
	writeAtomic(t, filepath.Join(pics, "1.jpg"), fixture.Picture(t, "jpeg", 1000, 700, 1))
	writeAtomic(t, filepath.Join(pics, "2.jpg"), fixture.Picture(t, "jpeg", 1000, 700, 2))
	runPaperboy(t, "ingest", "-config", other)
	var before map[string]string
	waitFor(t, 5*time.Second, "two pictures in /atom.xml", func() (bool, string) {
		before = atomPictures(t, d)
		return len(before) == 2, fmt.Sprintf("%v", before)
	})

	writeAtomic(t, filepath.Join(pics, "2.jpg"), fixture.Picture(t, "jpeg", 1000, 700, 3))
	runPaperboy(t, "ingest", "-config", other)
	waitFor(t, 5*time.Second, "the replaced picture in /atom.xml", func() (bool, string) {
		after := atomPictures(t, d)
		changed := 0
		for id, u := range after {
			if before[id] != u {
				changed++
			}
		}
		return len(after) == 2 && changed == 1, fmt.Sprintf("%v", after)
	})
}
