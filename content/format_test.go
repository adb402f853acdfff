package content

import (
	"os"
	"strings"
	"testing"
	"unicode"
)

func TestStripFormat(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain Chinese", "会议在京召开，“全面”推进。", "会议在京召开，“全面”推进。"},
		{"right-to-left override", "会议\u202egnp.exe\u202c召开", "会议gnp.exe召开"},
		{"isolates", "a\u2066b\u2067c\u2068d\u2069e", "abcde"},
		{"embeddings", "\u202aa\u202bb\u202cc\u202dd", "abcd"},
		{"marks", "x\u200ey\u200fz\u061c!", "xyz!"},
		{"soft hyphen and word joiner", "co\u00adop\u2060er", "cooper"},
		{"zero width non-joiner and joiner in text", "新\u200c闻\u200d稿", "新闻稿"},
		{"interlinear annotation", "\ufff9字\ufffa注\ufffb", "字注"},
		{"language tag", "a\U000E0001b", "ab"},
		{"emoji family keeps its joiners", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"},
		{"emoji with variation selector", "🏳\ufe0f\u200d🌈", "🏳\ufe0f\u200d🌈"},
		{"joiner after an emoji, before text", "👍\u200d好", "👍好"},
		{"zero width space is white space, left to the space rules", "a\u200bb", "a\u200bb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := StripFormat(tc.in); got != tc.want {
				t.Errorf("StripFormat(%+q) = %+q, want %+q", tc.in, got, tc.want)
			}
		})
	}
}

// TestFormatCharactersNeverReachAnArticle: a page whose headline, byline
// and text carry bidi overrides parses into an article without them, and
// OneLine (titles, mail headers) drops them from any value.
func TestFormatCharactersNeverReachAnArticle(t *testing.T) {
	page := "会议\u202egnp.exe\u202c召开\n\n本报讯（记者\u2067张三\u2069）今天，会议\u202e在京召开。\n"
	ed, err := ParsePage(strings.NewReader(page), ParseOptions{Name: "2021-07-20.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ed.Articles) != 1 {
		t.Fatalf("articles = %d, want 1: %+v", len(ed.Articles), ed)
	}
	a := ed.Articles[0]
	for _, s := range append([]string{a.Title, a.Byline, a.Authors[0].Name}, a.Paragraphs...) {
		if strings.ContainsAny(s, "\u202e\u202c\u2067\u2069") {
			t.Errorf("format character survived: %+q", s)
		}
	}
	if a.Title != "会议gnp.exe召开" {
		t.Errorf("title = %q", a.Title)
	}
	if got := OneLine("头条\u202e：\r\n新闻"); got != "头条： 新闻" {
		t.Errorf("OneLine = %+q", got)
	}
}

// TestMayHaveFormatMissesNone: the byte-level pre-check flags every
// format character StripFormat removes.
func TestMayHaveFormatMissesNone(t *testing.T) {
	n := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !isFormat(r) {
			continue
		}
		n++
		if s := "新闻" + string(r) + "稿"; !mayHaveFormat(s) {
			t.Errorf("U+%04X is a format character the pre-check misses", r)
		}
	}
	if n < 150 {
		t.Fatalf("only %d format characters found", n)
	}
}

func BenchmarkStripFormat(b *testing.B) {
	raw, err := os.ReadFile("testdata/seed-page.txt")
	if err != nil {
		b.Fatal(err)
	}
	s := string(raw)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		StripFormat(s)
	}
}
