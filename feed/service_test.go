package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
)

// newTestServer serves a refreshed Service over src through a real mux.
func newTestServer(t *testing.T, src ArticleSource) (*Service, *httptest.Server) {
	t.Helper()
	svc := refreshedService(t, src)
	mux := serveMux(svc)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return svc, srv
}

func get(t *testing.T, method, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// A bare Transport would add Accept-Encoding itself and decode gzip
	// behind the test's back.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// getOK GETs path from srv, insists on 200 and returns the response
// with its body.
func getOK(t *testing.T, srv *httptest.Server, path string) (*http.Response, []byte) {
	t.Helper()
	resp := get(t, http.MethodGet, srv.URL+path, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", path, resp.StatusCode)
	}
	return resp, readAll(t, resp.Body)
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServeFeeds(t *testing.T) {
	arts := fixture.SampleArticles(t)
	_, srv := newTestServer(t, memSource{arts: arts})
	count := func(slug string) int {
		n := 0
		for _, a := range arts {
			if slices.Contains(a.Topics, slug) {
				n++
			}
		}
		if n == 0 || n == len(arts) {
			t.Fatalf("topic %s has %d of %d sample articles; the test needs some but not all", slug, n, len(arts))
		}
		return n
	}
	tests := []struct {
		path      string
		wantType  string
		wantItems int
	}{
		{"/rss.xml", "application/rss+xml; charset=utf-8", len(arts)},
		{"/atom.xml", "application/atom+xml; charset=utf-8", len(arts)},
		{"/feed.json", "application/feed+json; charset=utf-8", len(arts)},
		{"/topics/flood/rss.xml", "application/rss+xml; charset=utf-8", count("flood")},
		{"/topics/flood/atom.xml", "application/atom+xml; charset=utf-8", count("flood")},
		{"/topics/economy/feed.json", "application/feed+json; charset=utf-8", count("economy")},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp := get(t, "GET", srv.URL+tc.path, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("content type %q, want %q", got, tc.wantType)
			}
			if resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" || resp.Header.Get("Cache-Control") == "" {
				t.Errorf("missing validators or cache control: %v", resp.Header)
			}
			fd, err := gofeed.NewParser().Parse(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if len(fd.Items) != tc.wantItems {
				t.Errorf("%d items, want %d", len(fd.Items), tc.wantItems)
			}
		})
	}
}

func TestServeConditionalGzipHead(t *testing.T) {
	arts := fixture.SampleArticles(t)
	svc, srv := newTestServer(t, memSource{arts: arts})
	url := srv.URL + "/atom.xml"
	first := get(t, "GET", url, nil)
	body := readAll(t, first.Body)
	etag, lastMod := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	wantMod := arts[len(arts)-1].Updated.Format(http.TimeFormat)
	if lastMod != wantMod {
		t.Errorf("Last-Modified %q, want the newest item's update %q", lastMod, wantMod)
	}

	tests := []struct {
		name       string
		method     string
		header     map[string]string
		wantStatus int
		wantGzip   bool
		wantBody   bool
	}{
		{"if-none-match", "GET", map[string]string{"If-None-Match": etag}, 304, false, false},
		{"if-none-match list", "GET", map[string]string{"If-None-Match": `"x", ` + etag}, 304, false, false},
		{"if-none-match stale", "GET", map[string]string{"If-None-Match": `"old"`, "If-Modified-Since": lastMod}, 200, false, true},
		{"if-modified-since", "GET", map[string]string{"If-Modified-Since": lastMod}, 304, false, false},
		{"if-modified-since earlier", "GET", map[string]string{"If-Modified-Since": "Mon, 12 Jul 2021 00:00:00 GMT"}, 200, false, true},
		{"gzip", "GET", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"}, 200, true, true},
		{"gzip refused", "GET", map[string]string{"Accept-Encoding": "gzip;q=0"}, 200, false, true},
		{"gzip etag revalidates", "GET", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gzipETag(etag)}, 304, false, false},
		{"head", "HEAD", nil, 200, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, tc.method, url, tc.header)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			gz := resp.Header.Get("Content-Encoding") == "gzip"
			if gz != tc.wantGzip {
				t.Fatalf("gzip %v, want %v", gz, tc.wantGzip)
			}
			got := readAll(t, resp.Body)
			if gz {
				zr, err := gzip.NewReader(bytes.NewReader(got))
				if err != nil {
					t.Fatal(err)
				}
				got = readAll(t, zr)
				if resp.Header.Get("ETag") == etag {
					t.Errorf("gzip response reuses the identity ETag")
				}
			}
			if tc.wantBody && !bytes.Equal(got, body) {
				t.Errorf("body differs from the first response")
			}
			if !tc.wantBody && len(got) != 0 {
				t.Errorf("%d body bytes, want none", len(got))
			}
			if tc.method == "HEAD" && resp.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
				t.Errorf("HEAD Content-Length %q, want %d", resp.Header.Get("Content-Length"), len(body))
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("no Vary: Accept-Encoding")
			}
		})
	}

	resp := get(t, "GET", url, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gzipETag(etag)})
	if got := resp.Header.Get("ETag"); got != gzipETag(etag) {
		t.Errorf("304 to a gzip client: ETag %q, want %q", got, gzipETag(etag))
	}

	// Re-rendering unchanged articles keeps the bytes and the ETag.
	before := resource(t, svc, "/atom.xml")
	if err := svc.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := resource(t, svc, "/atom.xml")
	if after.ETag != before.ETag || !bytes.Equal(after.Body, before.Body) || after != before {
		t.Errorf("refresh without changes changed the feed: %s -> %s", before.ETag, after.ETag)
	}
}

func TestServeNotFoundAndNotReady(t *testing.T) {
	_, srv := newTestServer(t, memSource{arts: fixture.SampleArticles(t)})
	for _, path := range []string{"/topics/nope/atom.xml", "/topics/flood/other.xml", "/atom.xml/x"} {
		if resp := get(t, "GET", srv.URL+path, nil); resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
	if resp := get(t, "POST", srv.URL+"/atom.xml", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}

	svc, err := NewService(testConfig(t), memSource{err: errors.New("database is locked")})
	if err != nil {
		t.Fatal(err)
	}
	mux := serveMux(svc)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/rss.xml", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("before refresh: status %d, want 503", rec.Code)
	}
	if err := svc.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Errorf("refresh error %v, want the source's error", err)
	}
}

// TestRefreshKeepsOldOnError: a failed refresh leaves the served feeds.
func TestRefreshKeepsOldOnError(t *testing.T) {
	src := &switchSource{memSource: memSource{arts: fixture.SampleArticles(t)}}
	svc := refreshedService(t, src)
	before := resource(t, svc, "/rss.xml")
	src.memSource.err = errors.New("disk I/O error")
	if err := svc.Refresh(context.Background()); err == nil {
		t.Fatal("refresh succeeded on a failing source")
	}
	if resource(t, svc, "/rss.xml") != before {
		t.Error("failed refresh replaced the feed")
	}
	src.memSource.err = nil
	a := fixture.NastyArticle()
	src.memSource.arts = append([]content.Article{a}, src.memSource.arts...)
	if err := svc.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := resource(t, svc, "/rss.xml"); after.ETag == before.ETag {
		t.Error("new article did not change the ETag")
	}
}

type switchSource struct{ memSource memSource }

func (s *switchSource) EditionCounts(ctx context.Context, topic string, dates ...string) ([]store.EditionCount, error) {
	return s.memSource.EditionCounts(ctx, topic, dates...)
}

func (s *switchSource) EditionRange(ctx context.Context, topic, from, to string) ([]store.PlacedArticle, error) {
	return s.memSource.EditionRange(ctx, topic, from, to)
}

func TestAcceptsGzip(t *testing.T) {
	tests := map[string]bool{
		"":                   false,
		"gzip":               true,
		"GZIP":               true,
		"deflate, gzip":      true,
		"gzip;q=0":           false,
		"gzip; q=0.5":        true,
		"*":                  true,
		"identity":           false,
		"br;q=1, gzip;q=0.0": false,
	}
	for in, want := range tests {
		if got := acceptsGzip([]string{in}); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestServeDuringRefresh serves while refreshing; run with -race. Every
// response is one whole feed, the old or the new.
func TestServeDuringRefresh(t *testing.T) {
	arts := fixture.SampleArticles(t)
	src := &bumpSource{src: memSource{arts: arts}, bump: true}
	svc := refreshedService(t, src)
	mux := serveMux(svc)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			if err := svc.Refresh(context.Background()); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for {
		select {
		case <-done:
			return
		default:
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/feed.json", nil))
		fd, err := gofeed.NewParser().Parse(rec.Body)
		if err != nil || len(fd.Items) != len(arts) {
			t.Fatalf("mid-refresh response: %v", err)
		}
	}
}
