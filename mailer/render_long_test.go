package mailer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
)

var remainingRE = regexp.MustCompile(`还有(\d+)条新闻，请到网站阅读`)

// TestVeryLongDigestShowsOrCountsEveryArticle: a digest far too long for
// one message keeps its first article in full, lists as many headlines as
// fit and counts the rest in a line linking to the edition page; the
// message stays under 100 KB and its counts agree with its subject.
func TestVeryLongDigestShowsOrCountsEveryArticle(t *testing.T) {
	for _, n := range []int{300, 2000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			arts := make([]content.Article, n)
			for i := range arts {
				title := fmt.Sprintf("示范区第%d项重点工作推进会召开，部署下一阶段产业发展与民生保障任务", i+1)
				arts[i] = content.Article{
					ID: content.StableID("2021-07-20", content.KindArticle, title), Kind: content.KindArticle,
					Title: title, Date: "2021-07-20",
					Authors:    []content.Author{{Role: "记者", Name: "郭树勋"}},
					Paragraphs: []string{strings.Repeat("会议强调，要坚持稳中求进工作总基调，扎实推进各项工作。", 8)},
				}
			}
			st := fixture.NewStore(t)
			saveEdition(t, st, arts)
			cfg := testConfig(nil, 1)
			cfg.FileDir = t.TempDir()
			m := newDigests(t, cfg, st, st)
			res, emls := runToFiles(t, m, cfg.FileDir, 1)
			if res.Articles != n {
				t.Fatalf("run = %+v, want %d articles", res, n)
			}
			raw := emls[0]
			if len(raw) >= 100_000 {
				t.Fatalf("message is %d bytes, want under 100000", len(raw))
			}
			listed := permalinks(parseMessage(t, raw).text)
			p := checkMessage(t, raw, "r0000@example.org", res.Subject, len(listed))
			if !strings.Contains(p.subject, fmt.Sprintf("等%d条", n)) || !strings.Contains(p.text, fmt.Sprintf("共%d条新闻", n)) {
				t.Errorf("subject %q or intro does not count all %d articles", p.subject, n)
			}
			// The lead story keeps its lead.
			if !strings.Contains(p.text, "== 要闻 ==\n\n【"+arts[0].Title+"】") || !strings.Contains(p.text, "会议强调") {
				t.Errorf("the first article is not shown in full:\n%.600s", p.text)
			}
			var want []string
			for _, a := range arts[:len(listed)] {
				want = append(want, "https://news.example.cn/articles/"+a.ID)
			}
			if !slices.Equal(listed, want) {
				t.Fatalf("the message lists %d articles, but not the first %d in page order", len(listed), len(listed))
			}
			counted := 0
			for name, part := range map[string]string{"text": p.text, "html": p.html} {
				mm := remainingRE.FindAllStringSubmatch(part, -1)
				if len(mm) != 1 {
					t.Fatalf("%s has %d 还有 N 条 lines, want 1", name, len(mm))
				}
				c, _ := strconv.Atoi(mm[0][1])
				if counted != 0 && c != counted {
					t.Fatalf("the parts count %d and %d", counted, c)
				}
				counted = c
				if !strings.Contains(part, "https://news.example.cn/editions/2021-07-20/") {
					t.Errorf("%s does not link to the edition page", name)
				}
			}
			if len(listed)+counted != n {
				t.Fatalf("%d listed + %d counted = %d, want %d", len(listed), counted, len(listed)+counted, n)
			}
			if len(raw) < 90_000 {
				t.Errorf("message is %d bytes: room for more headlines was left unused", len(raw))
			}
			t.Logf("%d articles: %d bytes, %d listed (%d headlines), %d counted", n, len(raw), len(listed),
				strings.Count(p.text, "\n- "), counted)
		})
	}
}

// runToFiles runs digest "daily" for slot through the file transport
// into dir and returns the run and the want .eml files it wrote.
func runToFiles(t *testing.T, m *Digests, dir string, want int) (RunResult, [][]byte) {
	t.Helper()
	res, err := m.Run(context.Background(), "daily", slot)
	if err != nil || res.Sent != want {
		t.Fatalf("run = %+v, %v; want %d sent", res, err, want)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != want {
		t.Fatalf("%d .eml files, want %d", len(files), want)
	}
	emls := make([][]byte, len(files))
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		emls[i] = raw
	}
	return res, emls
}
