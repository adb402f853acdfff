package mailer

import (
	"strings"
	"testing"
	"unicode"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
)

// TestControlCharactersNeverReachTheMail: article text holding control
// characters (as a Markdown front matter with TOML escapes could, before
// the parser cleaned it) reaches neither a header nor either part.
func TestControlCharactersNeverReachTheMail(t *testing.T) {
	const ctl = "\u0001\u000b\u001b[31m\r\n\u0085\u009b\u2028"
	arts := sampleEdition(t, "2021-07-20")
	arts[0].Title = "示范区" + ctl + "党政联席会议召开"
	arts[0].Kicker = "引题" + ctl
	arts[0].Subtitle = ctl + "副题"
	arts[0].Summary = "摘要" + ctl + "。"
	arts[0].Authors = []content.Author{{Name: "张" + ctl + "三", Role: "记者"}}
	st := fixture.NewStore(t)
	saveEdition(t, st, arts)
	cfg := testConfig(nil, 1)
	cfg.FileDir = t.TempDir()
	cfg.Site = testSite("示范区\u0007新闻", "https://news.example.cn", "zh-CN")
	cfg.FromName = "示范区\r\nBcc: x@evil.example\u0000新闻"
	m := newDigests(t, cfg, st, st)
	_, emls := runToFiles(t, m, cfg.FileDir, 1)
	raw := emls[0]
	p := parseMessage(t, raw)
	if strings.Contains(string(raw), "\nBcc:") {
		t.Fatal("a CR/LF in the sender's name started a header")
	}
	wantSubject := "示范区新闻 7月20日：示范区 [31m 党政联席会议召开 等13条"
	if p.subject != wantSubject {
		t.Errorf("Subject = %q, want %q", p.subject, wantSubject)
	}
	bad := func(r rune) bool { return unicode.IsControl(r) && r != '\n' || r == 0x2028 }
	for name, v := range map[string]string{"subject": p.subject, "from": p.header.Get("From"), "html": p.html, "text": p.text} {
		if i := strings.IndexFunc(v, bad); i >= 0 {
			t.Errorf("%s holds control character %q at byte %d: %q", name, v[i:i+1], i, v[max(0, i-40):min(len(v), i+40)])
		}
	}
	for _, want := range []string{"【示范区 [31m 党政联席会议召开】", "摘要 [31m 。", "记者 张 [31m 三"} {
		if !strings.Contains(p.text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
}
