package feed

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/site"
)

// TestStylesheetSpeaksSiteLanguage: the page a browser shows for a feed
// (/feed.xsl) is in the site's language, every word of it, and stays a
// well-formed XSLT style sheet.
func TestStylesheetSpeaksSiteLanguage(t *testing.T) {
	tests := []struct {
		lang    string
		want    []string
		hanFree bool // no Chinese character anywhere
	}{
		{"zh-CN", []string{`<html lang="zh-CN">`, "如何订阅", "返回网站", `<title><xsl:value-of select="$title"/>（订阅源）</title>`}, false},
		{"en", []string{`<html lang="en">`, "How to subscribe", "Back to the website", "Latest articles", `<title><xsl:value-of select="$title"/> (feed)</title>`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			cfg := testConfig(t)
			st, ps := site.New(site.Settings{Title: "Demo News", BaseURL: "https://news.example.org/", Language: tt.lang, TimeZone: "Asia/Shanghai"})
			if ps != nil {
				t.Fatal(ps.Err("site"))
			}
			cfg.Site = st
			svc, err := NewService(cfg, memSource{arts: fixture.SampleArticles(t)})
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(serveMux(svc))
			t.Cleanup(srv.Close)
			resp, err := http.Get(srv.URL + "/feed.xsl")
			if err != nil {
				t.Fatal(err)
			}
			xsl, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("GET /feed.xsl: %d %v", resp.StatusCode, err)
			}
			dec := xml.NewDecoder(bytes.NewReader(xsl))
			dec.Strict = true
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("style sheet is not well-formed: %v\n%s", err, xsl)
				}
			}
			for _, w := range tt.want {
				if !bytes.Contains(xsl, []byte(w)) {
					t.Errorf("style sheet lacks %q", w)
				}
			}
			if tt.hanFree {
				if i := strings.IndexFunc(string(xsl), func(r rune) bool { return unicode.Is(unicode.Han, r) }); i >= 0 {
					t.Errorf("style sheet of a site in %s has Chinese: %q", tt.lang, string(xsl)[max(0, i-40):min(len(xsl), i+40)])
				}
			}
		})
	}
}
