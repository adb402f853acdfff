package mailer

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs from the rendering; run go test ./mailer -update and review the diff", path)
	}
}

func TestRenderGolden(t *testing.T) {
	arts := sampleEdition(t, "2021-07-20")
	// Escaping: a headline with markup must come out as text.
	arts[1].Kicker = `<script>alert("x")</script> & 引题`
	m := newDigests(t, testConfig(nil, 1), nil, nil)
	d := m.digests["daily"]
	subject, err := m.subject(d, arts, slot)
	if err != nil || subject != wantSubject {
		t.Fatalf("subject = %q, %v; want %q", subject, err, wantSubject)
	}
	b, err := m.render(digestPage{subject: subject, site: m.cfg.Site.Title, digest: d.Title, list: "residents", articles: arts})
	if err != nil {
		t.Fatal(err)
	}
	link := m.unsubscribeURL("residents", "r0000@example.org")
	html, text := b.htmlFor(link), b.textFor(link)
	if strings.Contains(html, "<script>") {
		t.Fatal("article text reached the HTML unescaped")
	}
	for _, want := range []string{"图片新闻", "发行：示范区报社", "退订", link, "记者 郭树勋", `max-width:600px`, `<!--[if mso]><table role="presentation" width="600"`, "prefers-color-scheme: dark"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	for _, want := range []string{"== 图片新闻 ==", "发行：示范区报社", "退订：" + link, "记者 郭树勋"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	golden(t, "digest.golden.html", html)
	golden(t, "digest.golden.txt", text)
}

func TestLead(t *testing.T) {
	long := strings.Repeat("示范区召开会议，研究部署工作", 12)
	tests := []struct {
		name string
		a    content.Article
		want string
	}{
		{"summary wins", content.Article{Summary: "一句话摘要。", Paragraphs: []string{"正文"}}, "一句话摘要。"},
		{"short text whole", content.Article{Paragraphs: []string{"第一段。", "第二段。"}}, "第一段。第二段。"},
		{"latin joined with space", content.Article{Paragraphs: []string{"One.", "Two."}}, "One. Two."},
		{"cut at sentence end", content.Article{Paragraphs: []string{strings.Repeat("字", 80) + "。" + strings.Repeat("后", 50)}}, strings.Repeat("字", 80) + "。"},
		{"cut at a clause break with the Chinese ellipsis", content.Article{Paragraphs: []string{long}}, string([]rune(long)[:91]) + "……"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Lead(100); got != tc.want {
				t.Fatalf("lead = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLongDigestStaysUnderSizeLimit fills a digest far past 100 KB: the
// written .eml must stay under the limit, listing the rest as headlines.
func TestLongDigestStaysUnderSizeLimit(t *testing.T) {
	var arts []content.Article
	for range 12 {
		arts = append(arts, sampleEdition(t, "2021-07-20")...)
	}
	for i := range arts {
		arts[i].ID = content.StableID("2021-07-20", arts[i].Kind, strings.Repeat("x", i))
		arts[i].Summary = strings.Repeat("长", 100)
	}
	st := fixture.NewStore(t)
	saveEdition(t, st, arts)
	cfg := testConfig(nil, 2)
	cfg.FileDir = t.TempDir()
	m := newDigests(t, cfg, st, st)
	res, err := m.Run(context.Background(), "daily", slot)
	if err != nil || res.Sent != 2 {
		t.Fatalf("run = %+v, %v", res, err)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.FileDir, "*.eml"))
	if len(files) != 2 {
		t.Fatalf("%d .eml files, want 2", len(files))
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) >= 100_000 || len(raw) < 80_000 {
		t.Fatalf("message is %d bytes; want just under 100000", len(raw))
	}
	p := parseMessage(t, raw)
	if !strings.Contains(p.text, "== 更多新闻 ==") || !strings.Contains(p.html, "更多新闻") {
		t.Fatal("the overflow is not listed as headlines")
	}
	if got := len(permalinks(p.html)); got != len(arts) || len(permalinks(p.text)) != len(arts) {
		t.Fatalf("html lists %d articles, text %d; want all %d", got, len(permalinks(p.text)), len(arts))
	}
	if res.Status != store.RunDone {
		t.Fatalf("status %s", res.Status)
	}
}

// TestMessageIDPerRun: a Message-ID names the run's slot, so runs in the
// same second (a manual run beside a scheduled one) never share one, and
// whole-second slots keep the format of runs already in the outbox.
func TestMessageIDPerRun(t *testing.T) {
	m := newDigests(t, testConfig(nil, 1), nil, nil)
	sched := time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		slot time.Time
		want string
	}{
		{"scheduled slot", sched, "daily.20260720T070000Z."},
		{"manual run in the same second", sched.Add(123456 * time.Microsecond), "daily.20260720T070000.123456Z."},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := m.messageID("daily", tt.slot, "r0000@example.org")
			if !strings.HasPrefix(id, tt.want) || !strings.HasSuffix(id, "@news.example.cn") {
				t.Errorf("messageID = %q, want %s...@news.example.cn", id, tt.want)
			}
			if seen[id] {
				t.Errorf("messageID %q given to two runs", id)
			}
			seen[id] = true
			if again := m.messageID("daily", tt.slot.In(shanghai), "r0000@example.org"); again != id {
				t.Errorf("messageID not stable: %q then %q", id, again)
			}
		})
	}
}

// TestEnglishDigest: the site's language picks the mail's words, dates
// and punctuation; an edition of another year shows its year.
func TestEnglishDigest(t *testing.T) {
	arts := sampleEdition(t, "2021-07-20")
	cfg := testConfig(nil, 1)
	cfg.Site = testSite("Demo News", "https://news.example.cn/paper/", "en")
	cfg.Digests[0].Subject = ""
	m := newDigests(t, cfg, nil, nil)
	d := m.digests["daily"]
	slot := time.Date(2026, 12, 1, 7, 0, 0, 0, shanghai)
	subject, err := m.subject(d, arts, slot)
	if want := "Demo News, July 20, 2021: 示范区党政联席会议召开 (13 articles)"; err != nil || subject != want {
		t.Fatalf("subject = %q, %v; want %q", subject, err, want)
	}
	b, err := m.render(digestPage{subject: subject, site: m.cfg.Site.Title, digest: d.Title, list: "residents", articles: arts})
	if err != nil {
		t.Fatal(err)
	}
	text := b.textFor(m.unsubscribeURL("residents", "r0000@example.org"))
	for _, want := range []string{"== News ==", "* 示范区党政联席会议召开", "记者 郭树勋", "Read more: https://news.example.cn/paper/articles/", "Unsubscribe: https://news.example.cn/paper/unsubscribe?t=", "Visit the website: https://news.example.cn/paper/\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	for _, zh := range []string{"【", "阅读全文", "要闻", "：h"} {
		if strings.Contains(text, zh) {
			t.Errorf("English text holds %q", zh)
		}
	}
}
