package mailer

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/site"
)

// What every digest message carries for the mail clients residents use:
// the inbox preview (a hidden preheader, the first lead), Outlook's font,
// the language on the content (Gmail drops <html>), the phone metas, the
// reader's name in To, photo items with their credit and link; and a
// digest with nothing new never says "0 items" in its subject.
func TestMessagePolish(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 0)
	cfg.Lists["residents"] = []string{"张三 <zhang@example.org>", "li@example.org"}
	cfg.Digests[0].SkipEmpty = false
	m := newDigests(t, cfg, st, st)
	ctx := context.Background()
	if res, err := m.Run(ctx, "daily", slot); err != nil || res.Sent != 2 {
		t.Fatalf("run = %+v, %v", res, err)
	}
	p := checkMessage(t, s.messages("zhang@example.org")[0], "zhang@example.org", wantSubject, 13)
	if p.to[0].Name != "张三" {
		t.Errorf("To = %v, want the list's name 张三", p.to[0])
	}
	if q := parseMessage(t, s.messages("li@example.org")[0]); q.to[0].Name != "" {
		t.Errorf("To = %v, want no name for a bare address", q.to[0])
	}

	arts, err := st.EditionArticles(ctx, "2021-07-20")
	if err != nil {
		t.Fatal(err)
	}
	var first content.Article
	var photos int
	for _, a := range arts {
		if a.Kind == content.KindPhoto {
			photos++
		} else if first.ID == "" {
			first = a
		}
	}
	pre := regexp.MustCompile(`<div class="pb-preheader" style="display:none;[^"]*mso-hide:all;[^"]*">([^<&]*)`).FindStringSubmatch(p.html)
	if pre == nil || html.UnescapeString(pre[1]) != site.Lead(first) {
		t.Errorf("preheader = %q, want the first lead %q, hidden", pre, site.Lead(first))
	}
	if b, i, j := strings.Index(p.html, "<body"), strings.Index(p.html, `<div class="pb-preheader"`), strings.Index(p.html, `class="pb-outer"`); b > i || i > j {
		t.Error("the preheader is not the first text of the body")
	}
	for _, want := range []string{
		`<!--[if mso]><style>`, `'Microsoft YaHei'`, // Outlook's font, in a conditional only it reads
		`class="pb-card" lang="zh-CN"`,
		`<meta name="x-apple-disable-message-reformatting">`,
		`<meta name="format-detection" content="telephone=no`,
	} {
		if !strings.Contains(p.html, want) {
			t.Errorf("html lacks %s", want)
		}
	}
	photoSection := p.html[strings.Index(p.html, ">图片新闻<"):]
	photoSection = photoSection[:strings.Index(photoSection, `class="pb-foot"`)]
	if photos == 0 || strings.Count(photoSection, ">阅读全文</a>") != photos || strings.Count(photoSection, " 摄</p>") != photos {
		t.Errorf("the %d photo items lack their link or credit:\n%s", photos, photoSection)
	}

	// The next day brings nothing new: the digest goes out empty, and its
	// subject says so without counting.
	res, err := m.Run(ctx, "daily", slot.Add(24*time.Hour))
	if err != nil || res.Sent != 2 || res.Articles != 0 {
		t.Fatalf("empty run = %+v, %v", res, err)
	}
	e := parseMessage(t, s.messages("li@example.org")[1])
	if strings.Contains(e.subject, "0条") || !strings.Contains(e.subject, "今天没有新的新闻") {
		t.Errorf("empty digest's subject = %q", e.subject)
	}
	if !strings.Contains(e.html, `mso-hide:all;">今天没有新的新闻。`) {
		t.Error("the empty digest's preheader is not its one line")
	}
}
