package mailer

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/store"
)

var viewInBrowserRE = regexp.MustCompile(`<a class="pb-link" href="([^"]+)"[^>]*>在浏览器中查看</a>`)

// The archive page of a sent digest is the mailed HTML without the
// reader's parts: the same articles in the same order, laid out alike
// (full and as headlines), dated alike, and no unsubscribe link, address
// or list. Every message links to it.
func TestArchivePageIsTheMailedDigestWithoutTheReader(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxBytes int // 0: the default; small: some articles as headlines only
	}{
		{"every article in full", 0},
		{"a long digest cut to headlines", 24_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSink(t, true, nil)
			st := sampleStore(t)
			cfg := testConfig(s, 3)
			cfg.MaxMessageBytes = tc.maxBytes
			m := newDigests(t, cfg, st, st)
			res, err := m.Run(context.Background(), "daily", slot)
			if err != nil || res.Sent != 3 {
				t.Fatalf("run = %+v, %v", res, err)
			}
			rcpt := addresses(3)[1]
			mailed := checkMessage(t, s.messages(rcpt)[0], rcpt, wantSubject, 13)

			issues, err := m.Issues(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(issues) != 1 || issues[0].Digest != "daily" || issues[0].Date != "2021-07-21" || issues[0].Subject != wantSubject {
				t.Fatalf("issues = %+v, want the one sent, filed under its slot's day in Shanghai", issues)
			}
			link := viewInBrowserRE.FindStringSubmatch(mailed.html)
			if link == nil || link[1] != "https://news.example.cn"+issues[0].Path() || link[1] != "https://news.example.cn/digests/daily/2021-07-21/" {
				t.Fatalf("the message's view-in-browser link = %v, want the issue's page %s", link, issues[0].Path())
			}
			if !strings.Contains(mailed.text, "在浏览器中查看：https://news.example.cn/digests/daily/2021-07-21/") {
				t.Fatal("the text part lacks the view-in-browser link")
			}

			is, page, err := m.IssuePage(context.Background(), "daily", "2021-07-21")
			if err != nil {
				t.Fatal(err)
			}
			html := string(page)
			if got, want := permalinks(html), permalinks(mailed.html); !slices.Equal(got, want) || len(got) != 13 {
				t.Fatalf("archive lists %d articles %v, the mail %d %v", len(got), got, len(want), want)
			}
			// Laid out as mailed: the same articles have a "read more".
			if got, want := strings.Count(html, ">阅读全文</a>"), strings.Count(mailed.html, ">阅读全文</a>"); got != want {
				t.Fatalf("archive shows %d articles in full, the mail %d", got, want)
			}
			if tc.maxBytes > 0 && !strings.Contains(html, "更多新闻") {
				t.Fatal("the long digest's archive page has no headlines section; the case tests nothing")
			}
			for _, personal := range []string{"unsubscribe", "退订", rcpt, "residents", "在浏览器中查看"} {
				if strings.Contains(html, personal) {
					t.Errorf("archive page contains %q", personal)
				}
			}
			for _, same := range []string{"<title>" + wantSubject + "</title>", "2021年7月20日", `lang="zh-CN"`} {
				if strings.Contains(mailed.html, same) != strings.Contains(html, same) {
					t.Errorf("%q is in one of mail and archive page only", same)
				}
			}
			if is.Subject != wantSubject || !is.Sent.Equal(slot) {
				t.Fatalf("issue = %+v", is)
			}
			if _, _, err := m.IssuePage(context.Background(), "daily", "2021-07-22"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a day with no digest: %v, want ErrNotFound", err)
			}
		})
	}
}
