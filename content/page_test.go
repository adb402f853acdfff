package content

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// runeCounts counts the non-space runes of texts.
func runeCounts(texts ...string) map[rune]int {
	m := make(map[rune]int)
	for _, s := range texts {
		for _, r := range s {
			if !isSpace(r) {
				m[r]++
			}
		}
	}
	return m
}

// placedText is every text an edition placed: titles, bylines, credits,
// paragraphs and warning texts. derived[i] marks a photo whose title the
// parser derived from its caption: that title repeats caption text, so it
// is not placed text.
func placedText(ed Edition, derived []bool) []string {
	var out []string
	for i, a := range ed.Articles {
		if !derived[i] {
			out = append(out, a.Kicker, a.Title, a.Subtitle)
		}
		out = append(out, a.Byline)
		out = append(out, a.Paragraphs...)
	}
	for _, w := range ed.Warnings {
		out = append(out, w.Text)
	}
	return out
}

// conservationDiff compares the non-space runes of the (decoded) input
// with those the edition placed; it returns "" when every rune landed
// exactly once. It parses the input again to learn which photo titles were
// derived, and checks that the parse gives the same items.
func conservationDiff(input string, ed Edition) string {
	again, derived, err := parsePage(input, ParseOptions{Name: ed.Source, Date: ed.Date}, nil)
	if err != nil {
		return "parse again: " + err.Error()
	}
	if !slices.EqualFunc(again.Articles, ed.Articles, articlesEqual) {
		return "parsing again gives other items"
	}
	in, out := runeCounts(input), runeCounts(placedText(ed, derived)...)
	var diffs []string
	for r, n := range in {
		if out[r] != n {
			diffs = append(diffs, fmt.Sprintf("%q: input %d, placed %d", r, n, out[r]))
		}
	}
	for r, n := range out {
		if _, ok := in[r]; !ok {
			diffs = append(diffs, fmt.Sprintf("%q: input 0, placed %d", r, n))
		}
	}
	slices.Sort(diffs)
	if len(diffs) > 8 {
		diffs = append(diffs[:8], "…")
	}
	return strings.Join(diffs, "; ")
}

// testPages lists the page files under testdata.
func testPages(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no pages in testdata: %v", err)
	}
	return files
}

func TestParsePageConservesText(t *testing.T) {
	for _, name := range testPages(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			ed, err := ParsePage(bytes.NewReader(b), ParseOptions{Name: name, Date: "2021-07-20"})
			if err != nil {
				t.Fatal(err)
			}
			if d := conservationDiff(string(b), ed); d != "" {
				t.Errorf("non-space characters not conserved: %s", d)
			}
		})
	}
}

// TestParsePageConservesDebris feeds pages with text that fits no item
// and checks that it comes back in warnings with its lines.
func TestParsePageConservesDebris(t *testing.T) {
	tests := []struct {
		name     string
		page     string
		wantWarn string // a warning message fragment
		wantText string // the warning's text
	}{
		{
			name:     "text before the first article",
			page:     "这是一段没有作者也没有标题的文字，\n放在版面最前面。\n\n本报讯（记者张三）今天上午，会议召开。\n\n会议召开\n",
			wantWarn: "text outside any article",
			wantText: "这是一段没有作者也没有标题的文字，放在版面最前面。",
		},
		{
			name:     "headline left over at the end",
			page:     "会议召开\n\n本报讯（记者张三）今天上午，会议召开。\n\n多余的标题\n",
			wantWarn: "headline without an article",
			wantText: "多余的标题",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed, err := ParsePage(strings.NewReader(tt.page), ParseOptions{Name: "2021-07-20.txt"})
			if err != nil {
				t.Fatal(err)
			}
			if d := conservationDiff(tt.page, ed); d != "" {
				t.Errorf("not conserved: %s", d)
			}
			found := false
			for _, w := range ed.Warnings {
				if strings.Contains(w.Message, tt.wantWarn) && squeeze(w.Text) == squeeze(tt.wantText) && w.Lines[0] > 0 {
					found = true
				}
			}
			if !found {
				t.Errorf("no warning %q with text %q; warnings: %v", tt.wantWarn, tt.wantText, ed.Warnings)
			}
		})
	}
}

func FuzzParsePage(f *testing.F) {
	for _, name := range testPages(f) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		// A slice from the middle: cut bylines, half headlines.
		f.Add(b[len(b)/3 : len(b)/2])
	}
	f.Add([]byte("本报讯（记者\n\n本报见习记者 摄\n\n摄\n\n本报讯（）\n7月\n32日"))
	f.Add([]byte("\xef\xbb\xbf本报讯 （ 记 者 张 三 通 讯 员 李 四 ）今天。\r\n\r\n标题\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ed, err := ParsePage(bytes.NewReader(b), ParseOptions{Name: "fuzz.txt", Date: "2021-07-20"})
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a decode error: %v", err)
			}
			return
		}
		text, err := DecodeText(b, "fuzz.txt")
		if err != nil {
			t.Fatalf("ParsePage accepted what DecodeText rejects: %v", err)
		}
		if d := conservationDiff(text, ed); d != "" {
			t.Errorf("not conserved: %s", d)
		}
		for _, a := range ed.Articles {
			if a.Lines[0] < 1 || a.Lines[1] < a.Lines[0] {
				t.Errorf("item %q has lines %v", a.DisplayTitle(), a.Lines)
			}
		}
		x, err := ExplainPage(bytes.NewReader(b), ParseOptions{Name: "fuzz.txt", Date: "2021-07-20"})
		if err != nil {
			t.Fatalf("ExplainPage fails where ParsePage does not: %v", err)
		}
		if !slices.EqualFunc(x.Edition.Articles, ed.Articles, articlesEqual) {
			t.Fatalf("ExplainPage gives other items than ParsePage")
		}
		checkNotes(t, x)
	})
}

func TestParsePageGBK(t *testing.T) {
	utf, err := os.ReadFile("testdata/seed-page.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		enc  func([]byte) ([]byte, error)
	}{
		{"GBK", simplifiedchinese.GBK.NewEncoder().Bytes},
		{"GB18030", simplifiedchinese.GB18030.NewEncoder().Bytes},
		{"UTF-8 BOM CRLF", func(b []byte) ([]byte, error) {
			return append([]byte("\xef\xbb\xbf"), bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))...), nil
		}},
		{"UTF-16LE BOM", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes},
	}
	want := parseBytes(t, utf)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.enc(utf)
			if err != nil {
				t.Fatal(err)
			}
			if utf8.Valid(b) && tt.name != "UTF-8 BOM CRLF" {
				t.Fatalf("encoded page is valid UTF-8; the test would not exercise detection")
			}
			got := parseBytes(t, b)
			if !slices.EqualFunc(got.Articles, want.Articles, articlesEqual) {
				t.Errorf("%s copy parses differently:\n got %v\nwant %v", tt.name, got.Articles, want.Articles)
			}
		})
	}
}

func articlesEqual(a, b Article) bool {
	return a.ID == b.ID && a.DisplayTitle() == b.DisplayTitle() && a.Byline == b.Byline &&
		slices.Equal(a.Authors, b.Authors) && slices.Equal(a.Paragraphs, b.Paragraphs) && a.Lines == b.Lines
}

func parseBytes(t *testing.T, b []byte) Edition {
	t.Helper()
	ed, err := ParsePage(bytes.NewReader(b), ParseOptions{Name: "2021-07-20.txt"})
	if err != nil {
		t.Fatal(err)
	}
	return ed
}

func TestParsePageRejectsBadInput(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("本报讯（记者张三）今天上午"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		input      []byte
		wantOffset int
		wantReason string
	}{
		{"NUL byte", []byte("本报讯\x00abc"), 9, "binary data"},
		{"PNG header", []byte("\x89PNG\r\n\x1a\n\x00\x00"), 6, "binary data"},
		{"control byte in GBK", append(append([]byte{}, gbk[:4]...), 0x01), 4, "binary data"},
		{"corrupt GBK", append(append([]byte{}, gbk[:8]...), 0xFF, 'x'), 8, "neither UTF-8 nor GB18030"},
		{"bad UTF-8 after BOM", []byte("\xef\xbb\xbfabc\xffdef"), 6, "invalid UTF-8"},
		{"control byte after BOM", []byte("\xef\xbb\xbfab\x02"), 5, "binary data"},
		{"UTF-16 with NUL", []byte("\xff\xfea\x00\x00\x00"), 4, "binary data"},
		{"UTF-16 lone surrogate", []byte("\xff\xfea\x00\x00\xd8b\x00"), 4, "surrogate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePage(bytes.NewReader(tt.input), ParseOptions{Name: "pages/2021-07-20.txt"})
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got error %v, want a *DecodeError", err)
			}
			if de.Offset != tt.wantOffset || !strings.Contains(err.Error(), tt.wantReason) || !strings.Contains(err.Error(), "pages/2021-07-20.txt") {
				t.Errorf("got %q (offset %d), want offset %d, %q and the file name", err, de.Offset, tt.wantOffset, tt.wantReason)
			}
		})
	}
}

func TestParsePageEditionDate(t *testing.T) {
	page := "本报讯（记者张三）2021年7月19日上午，会议召开。\n\n会议召开\n"
	tests := []struct {
		name     string
		opts     ParseOptions
		wantDate string
		wantWarn bool
		wantErr  string
	}{
		{"from file name", ParseOptions{Name: "in/2020-01-02.txt", Date: "2021-07-20"}, "2020-01-02", false, ""},
		{"from compact file name", ParseOptions{Name: "20200102-A3.txt"}, "2020-01-02", false, ""},
		{"from the date option", ParseOptions{Name: "page.txt", Date: "2021-07-20"}, "2021-07-20", false, ""},
		{"inferred from the text", ParseOptions{Name: "page.txt"}, "2021-07-19", true, ""},
		{"bad date option", ParseOptions{Name: "page.txt", Date: "2021-13-01"}, "", false, "not a date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed, err := ParsePage(strings.NewReader(page), tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ed.Date != tt.wantDate || ed.Articles[0].Date != tt.wantDate || !strings.HasPrefix(ed.Articles[0].ID, tt.wantDate+"-") {
				t.Errorf("date %q, article date %q, id %q; want %q", ed.Date, ed.Articles[0].Date, ed.Articles[0].ID, tt.wantDate)
			}
			warned := slices.ContainsFunc(ed.Warnings, func(w Warning) bool { return strings.Contains(w.Message, "inferred") })
			if warned != tt.wantWarn {
				t.Errorf("inferred-date warning %v, want %v (%v)", warned, tt.wantWarn, ed.Warnings)
			}
		})
	}
	if _, err := ParsePage(strings.NewReader("没有日期的文字。\n"), ParseOptions{Name: "page.txt"}); err == nil || !strings.Contains(err.Error(), "no edition date") {
		t.Errorf("undated page: got %v, want a no edition date error", err)
	}
}

func TestEditionDateFromName(t *testing.T) {
	tests := []struct {
		name string
		want string
		ok   bool
	}{
		{"2021-07-20.txt", "2021-07-20", true},
		{"/srv/pages/20210720-A3.txt", "2021-07-20", true},
		{"A3_2021_07_20.txt", "2021-07-20", true},
		{"2021-02-30.txt", "", false},
		{"120210720.txt", "", false},
		{"2021-0720.txt", "", false},
		{"page.txt", "", false},
	}
	for _, tt := range tests {
		got, ok := EditionDateFromName(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("EditionDateFromName(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStableIDsUnique(t *testing.T) {
	for _, name := range testPages(t) {
		ed := parseFile(t, name, ParseOptions{Date: "2021-07-20"})
		seen := map[string]string{}
		for _, a := range ed.Articles {
			if prev, ok := seen[a.ID]; ok {
				t.Errorf("%s: id %s shared by %q and %q", name, a.ID, prev, a.DisplayTitle())
			}
			seen[a.ID] = a.DisplayTitle()
		}
	}
}

func BenchmarkParse(b *testing.B) {
	var pages [][]byte
	size := 0
	for _, name := range testPages(b) {
		p, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, p)
		size += len(p)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pages {
			if _, err := ParsePage(bytes.NewReader(p), ParseOptions{Name: "2021-07-20.txt"}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkParseEachPage parses each test page on its own: short pages
// dense with bylines and headlines cost more per byte than long ones, and
// BenchmarkParse's one figure hides which page got slower.
func BenchmarkParseEachPage(b *testing.B) {
	for _, name := range testPages(b) {
		p, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(name), func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParsePage(bytes.NewReader(p), ParseOptions{Name: "2021-07-20.txt"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestStableIDsAcrossPages checks that ids tell the pages of one day apart
// by their label (the file name without date and extension), that a
// renamed file keeps its ids only when its label stays, and that a
// Markdown article never takes a page article's id.
func TestStableIDsAcrossPages(t *testing.T) {
	photo := "7月16日，志愿者为孩子们讲解防溺水知识。\n本报记者 张三 摄\n"
	brief := "本报讯（记者张三）今天上午，会议召开。\n\n简讯\n"
	md := "+++\ntitle = \"简讯\"\n+++\n会议召开。\n"
	tests := []struct {
		name         string
		fileA, fileB string
		pageA, pageB string
		same         bool
	}{
		{"one photo credit on two pages", "20210720-A3.txt", "20210720-A4.txt", photo, photo, false},
		{"equal headlines on two pages", "20210720-A3.txt", "20210720-A4.txt", brief, brief, false},
		{"page with a label and page without", "2021-07-20.txt", "20210720-A3.txt", brief, brief, false},
		{"renamed, same label", "20210720-A3.txt", "2021_07_20_A3.txt", brief, brief, true},
		{"renamed, no label either way", "2021-07-20.txt", "20210720.txt", brief, brief, true},
		{"Markdown article and page article of one title", "2021-07-20.txt", "2021-07-20.md", brief, md, false},
	}
	id := func(t *testing.T, name, text string) string {
		t.Helper()
		var ed Edition
		if strings.HasSuffix(name, ".md") {
			var err error
			if ed, err = ParseMarkdown(strings.NewReader(text), ParseOptions{Name: name}); err != nil {
				t.Fatal(err)
			}
		} else {
			ed = parseText(t, text, name)
		}
		if len(ed.Articles) != 1 {
			t.Fatalf("%s: %d items, want 1", name, len(ed.Articles))
		}
		return ed.Articles[0].ID
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := id(t, tt.fileA, tt.pageA), id(t, tt.fileB, tt.pageB)
			if same := a == b; same != tt.same {
				t.Errorf("%s id %s, %s id %s: same %v, want %v", tt.fileA, a, tt.fileB, b, same, tt.same)
			}
		})
	}
}

// TestPhotoIDsSurviveCorrections checks that a photo keeps its id when a
// corrected page removes or adds another photo by the same photographer.
func TestPhotoIDsSurviveCorrections(t *testing.T) {
	first := "7月16日，志愿者为孩子们讲解防溺水知识。今年暑期，志愿者走进校园。\n本报记者 张三 摄\n"
	second := "7月17日，农民在田间收割小麦。今年小麦喜获丰收，亩产再创新高。\n本报记者 张三 摄\n"
	tests := []struct {
		name          string
		before, after string
		// the photo's index in before and in after
		at, atAfter int
	}{
		{"an earlier photo removed", first + "\n" + second, second, 1, 0},
		{"a photo added in front", second, first + "\n" + second, 0, 1},
		{"a later photo removed", first + "\n" + second, first, 0, 0},
		{"two captions alike, the second removed", first + "\n" + strings.Replace(first, "今年", "明年", 1), first, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := parseText(t, tt.before, "20210720-A3.txt")
			a := parseText(t, tt.after, "20210720-A3.txt")
			if b.Articles[tt.at].ID != a.Articles[tt.atAfter].ID {
				t.Errorf("photo %q: id %s before the correction, %s after", a.Articles[tt.atAfter].Title, b.Articles[tt.at].ID, a.Articles[tt.atAfter].ID)
			}
			if len(b.Articles) == 2 && b.Articles[0].ID == b.Articles[1].ID {
				t.Errorf("two photos share id %s", b.Articles[0].ID)
			}
		})
	}
}

// parseText parses page text named name.
func parseText(t *testing.T, text, name string) Edition {
	t.Helper()
	ed, err := ParsePage(strings.NewReader(text), ParseOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return ed
}

func TestPageFurniture(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"2021年7月20日 星期二  A3  综合新闻", true},
		{"2021 年 7 月 20 日   星期二", true},
		{"焦作日报  2021年7月20日  星期二  第3版", true},
		{"A3 | 要闻", true},
		{"第3版  要闻   2021年7月20日", true},
		{"责任编辑：王五  校对：赵六", true},
		{"A3", false},
		{"7月20日", false},
		{"G20 杭州峰会 9月4日开幕", false},
		{"3月20日 全市新闻发布会召开", false},
		{"要闻回顾", false},
		{"本报讯（记者张三） 7 月 14 日上午，示范区", false},
		{"7月20日星期二，全市召开大会。", false},
	}
	for _, tt := range tests {
		if got := pageFurniture(pline{raw: tt.line, text: cleanLine(tt.line)}); got != tt.want {
			t.Errorf("pageFurniture(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}
