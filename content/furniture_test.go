package content

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFurnitureHandMade checks the hand-made pages with page furniture:
// footer-after.txt, whose footer (the editors' line and a bare page
// number) follows the last article's headline, and header-before.txt,
// with a two-line header over the first headline and a footer glued to
// the last article. Each parses to the same items as the page without
// its furniture, which comes back as warnings.
func TestFurnitureHandMade(t *testing.T) {
	tests := []struct {
		file       string
		head, foot int // lines of header (with the blank after it) and footer
		want       []Warning
	}{
		{"footer-after.txt", 0, 4, []Warning{{Lines: [2]int{20, 22}, Message: "page footer", Text: "责任编辑：何静 校对：孙磊 版式：吴昊 3"}}},
		{"header-before.txt", 3, 2, []Warning{
			{Lines: [2]int{1, 2}, Message: "page header", Text: "河滨日报 2021年7月20日 星期二 第2版 城事"},
			{Lines: [2]int{16, 17}, Message: "page footer", Text: "本版编辑：罗文静 — 2 —"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			bare := strings.Join(lines[tt.head:len(lines)-tt.foot], "\n") + "\n"
			with := parseText(t, string(b), "2021-07-20.txt")
			without := parseText(t, bare, "2021-07-20.txt")
			for i := range without.Articles {
				without.Articles[i].Lines[0] += tt.head
				without.Articles[i].Lines[1] += tt.head
			}
			if len(with.Articles) == 0 || !slices.EqualFunc(with.Articles, without.Articles, articlesEqual) {
				t.Errorf("with the furniture:\n%q\nwithout:\n%q", titles(with), titles(without))
			}
			for i := range tt.want {
				tt.want[i].File = "2021-07-20.txt"
			}
			if !slices.Equal(with.Warnings, tt.want) {
				t.Errorf("warnings %v, want %v", with.Warnings, tt.want)
			}
		})
	}
}

// titles lists the items' kicker|title|subtitle, for failure messages.
func titles(ed Edition) []string {
	var out []string
	for _, a := range ed.Articles {
		out = append(out, a.Kicker+"|"+a.Title+"|"+a.Subtitle)
	}
	return out
}

// furnitureShapes are page headers and footers as papers print them; ""
// is a blank line.
var furnitureShapes = []struct {
	name   string
	header []string
	footer []string
}{
	{"date, day, label and section", []string{"2021年7月20日 星期二  A3  综合新闻"}, []string{"2021年7月20日  星期二"}},
	{"paper name over the date", []string{"河滨日报", "2021年7月20日 星期二"}, []string{"第3版  要闻"}},
	{"bare page numbers", []string{"A3"}, []string{"3"}},
	{"dashed page numbers", []string{"- 3 -"}, []string{"— 3 —"}},
	{"editors' line and page number", []string{"第3版  综合新闻", "", "责任编辑：何静"}, []string{"责任编辑：何静  校对：孙磊  版式：吴昊", "", "3"}},
	{"editors' line glued to the page number", []string{"A3 | 要闻"}, []string{"本版编辑：何静 美编：吴昊", "03"}},
	{"paper name over a header with its own section name", []string{"河滨日报", "2021年7月20日  星期二  第2版  城事"}, []string{"本版编辑：罗文静", "— 2 —"}},
	{"section name over date and label", []string{"综合新闻", "2021-07-20  第3版"}, []string{"审读：孙磊", "", "第3版"}},
}

// TestPageFurnitureLayouts sets the samples' items in several layouts,
// with headers and footers of several shapes at both ends, glued to the
// text or after a blank line, and checks that each page parses to the
// same items as without them, with the furniture in two warnings.
func TestPageFurnitureLayouts(t *testing.T) {
	items := loadExpected(t, "testdata/custom-after.expected.json", "testdata/footer-after.expected.json", "testdata/practice-before.expected.json")
	// Items without a byline cannot stand first in a headlines-after
	// page; the generator needs bylines.
	items = slices.DeleteFunc(items, func(it expectedItem) bool { return it.Kind == KindArticle && it.Byline == "" })
	for _, cells := range []int{24, 30, 44} {
		for _, before := range []bool{false, true} {
			for _, glued := range []bool{false, true} {
				l := layout{cells: cells, before: before, noise: cells == 30, columnGap: 11, glued: glued}
				bare := renderPage(items, l, uint64(cells))
				want := parseText(t, bare, "2021-07-20.txt")
				for _, shape := range furnitureShapes {
					name := fmt.Sprintf("cells=%d/before=%v/glued=%v/%s", cells, before, glued, shape.name)
					t.Run(name, func(t *testing.T) {
						sep := []string{""}
						if glued {
							sep = nil
						}
						head := slices.Concat(shape.header, sep)
						page := strings.Join(slices.Concat(head, []string{strings.TrimSuffix(bare, "\n")}, sep, shape.footer), "\n") + "\n"
						got := parseText(t, page, "2021-07-20.txt")
						shifted := slices.Clone(want.Articles)
						for i := range shifted {
							shifted[i].Lines[0] += len(head)
							shifted[i].Lines[1] += len(head)
						}
						if !slices.EqualFunc(got.Articles, shifted, articlesEqual) {
							t.Errorf("items differ with furniture:\n got %q\nwant %q", titles(got), titles(want))
						}
						for _, w := range []struct {
							msg   string
							lines []string
						}{{"page header", shape.header}, {"page footer", shape.footer}} {
							text := strings.Join(fieldsSpace(strings.Join(w.lines, " ")), " ")
							if !slices.ContainsFunc(got.Warnings, func(g Warning) bool { return g.Message == w.msg && g.Text == text }) {
								t.Errorf("no %s warning %q; warnings %v", w.msg, text, got.Warnings)
							}
						}
						if d := conservationDiff(page, got); d != "" {
							t.Errorf("not conserved: %s", d)
						}
						if t.Failed() && testing.Verbose() {
							t.Logf("page:\n%s", numbered(page))
						}
					})
				}
			}
		}
	}
}

func TestFurnitureOf(t *testing.T) {
	tests := []struct {
		line string
		want furnitureKind
	}{
		{"责任编辑：何静  校对：孙磊  版式：吴昊", furnitureStrong},
		{"版式：吴昊", furnitureStrong},
		{"3", furnitureNumber},
		{"- 3 -", furnitureNumber},
		{"第3版", furnitureNumber},
		{"河滨日报", furnitureWeak},
		{"2021年7月20日", furnitureWeak},
		{"区图书馆上线自助借还设备", notFurniture},
		{"版式设计大赛落幕", notFurniture},
		{"3月20日 全市新闻发布会召开", notFurniture},
		{"———", notFurniture},
		{"2021年7月20日  星期二  第2版  城事", furnitureStrong},
		{"第2版 城事", notFurniture}, // an unknown section name needs a date too
		{"7月20日 星期二 全市迎来高温", notFurniture},
		{"城事", notFurniture},
	}
	for _, tt := range tests {
		if got, _ := furnitureOf(cleanLine(tt.line)); got != tt.want {
			t.Errorf("furnitureOf(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

// TestFurnitureNeedsContext checks that a weak furniture line (a section
// name, a lone date) at the page's edge stays text unless real furniture
// lies beyond it, and that a bare number ending a sentence's wrap is not
// taken for a page number.
func TestFurnitureNeedsContext(t *testing.T) {
	tests := []struct {
		name, page string
		want       []string
		wantWarn   string
	}{
		{
			name:     "section-like headline last on a headlines-after page",
			page:     "本报讯（记者林晓雨）今天上午，区里发布防汛工作简报。\n\n防汛简报\n",
			want:     []string{"article|防汛简报|[{林晓雨 记者}]|1"},
			wantWarn: "",
		},
		{
			name:     "section-like headline above the editors' line",
			page:     "本报讯（记者林晓雨）今天上午，区里发布防汛工作简报。\n\n防汛简报\n\n责任编辑：何静\n",
			want:     []string{"article|防汛简报|[{林晓雨 记者}]|1"},
			wantWarn: "page footer",
		},
		{
			name:     "a number ending a wrapped sentence",
			page:     "区图书馆上线自助借还设备\n\n本报讯（通讯员周明远）近日，区图书馆新增设备，馆藏图书增至二十六万册，读者达到\n12\n",
			want:     []string{"article|区图书馆上线自助借还设备|[{周明远 通讯员}]|1"},
			wantWarn: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed := parseText(t, tt.page, "2021-07-20.txt")
			var got []string
			for _, a := range ed.Articles {
				got = append(got, summary(a))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("items %q, want %q (warnings %v)", got, tt.want, ed.Warnings)
			}
			warned := len(ed.Warnings) > 0 && strings.Contains(ed.Warnings[0].Message, tt.wantWarn)
			if warned != (tt.wantWarn != "") || len(ed.Warnings) > 1 {
				t.Errorf("warnings %v, want %q", ed.Warnings, tt.wantWarn)
			}
			if !strings.Contains(ed.Articles[0].Text(), "12") && strings.Contains(tt.page, "12") {
				t.Errorf("the number after the wrap left the article: %q", ed.Articles[0].Text())
			}
		})
	}
}

// TestEditorsFirst checks that editorsFirst, the cheap test before
// furnitureEditors, holds the first character of every word the regexp
// matches, so that no editors' line is passed over.
func TestEditorsFirst(t *testing.T) {
	words := regexp.MustCompile(`\p{Han}+`).FindAllString(furnitureEditors.String(), -1)
	if len(words) < 10 {
		t.Fatalf("found %d words in furnitureEditors, want its whole list", len(words))
	}
	for _, w := range words {
		first, _ := utf8.DecodeRuneInString(w)
		if !strings.ContainsRune(editorsFirst, first) {
			t.Errorf("editorsFirst lacks %q, the first character of %q", first, w)
		}
	}
}
