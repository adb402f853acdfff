package content

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestParseMarkdown(t *testing.T) {
	f, err := os.Open("testdata/2021-07-21-correction.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ed, err := ParseMarkdown(f, ParseOptions{Name: "testdata/2021-07-21-correction.md"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ed.Articles) != 1 {
		t.Fatalf("got %d articles, want 1", len(ed.Articles))
	}
	a := ed.Articles[0]
	want := Article{
		Kind:    KindArticle,
		Title:   "关于7月20日《示范区四家企业获省级高质量发展专项资金》的更正",
		Authors: []Author{{Name: "编辑部"}, {Name: "郭树勋", Role: "记者"}},
		Paragraphs: []string{
			"本报7月20日第3版刊发的报道中，专项资金数额有误，应为764万元。特此更正。",
			"说明",
			"原文数额：746万元",
			"更正数额：764万元",
			"详见网站与App Store说明。",
		},
		Summary: "更正专项资金数额。",
		Topics:  []string{"更正", "经济"},
		Date:    "2021-07-21",
		Source:  "2021-07-21-correction.md",
	}
	want.ID = StableID("2021-07-21", KindArticle, "md:2021-07-21-correction.md")
	if a.ID != want.ID || a.Kind != want.Kind || a.Title != want.Title || a.Summary != want.Summary ||
		a.Date != want.Date || a.Source != want.Source || !slices.Equal(a.Authors, want.Authors) ||
		!slices.Equal(a.Topics, want.Topics) || !slices.Equal(a.Paragraphs, want.Paragraphs) {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}
	if a.Lines != [2]int{} {
		t.Errorf("lines %v, want zero for Markdown", a.Lines)
	}
}

func TestParseMarkdownDate(t *testing.T) {
	body := "+++\ntitle = \"标题\"\n+++\n正文。\n"
	tests := []struct {
		name string
		src  string
		opts ParseOptions
		want string
	}{
		{"front matter string", "+++\ntitle = \"标题\"\ndate = \"2021-07-22\"\n+++\n正文。\n", ParseOptions{Name: "2020-01-01.md"}, "2021-07-22"},
		{"file name", body, ParseOptions{Name: "2020-01-01.md", Date: "2021-07-20"}, "2020-01-01"},
		{"date option", body, ParseOptions{Name: "note.md", Date: "2021-07-20"}, "2021-07-20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed, err := ParseMarkdown(strings.NewReader(tt.src), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if ed.Date != tt.want || ed.Articles[0].Date != tt.want {
				t.Errorf("date %q, want %q", ed.Date, tt.want)
			}
		})
	}
}

func TestParseMarkdownErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"no front matter", "正文。\n", "no front matter"},
		{"unclosed front matter", "+++\ntitle = \"x\"\n", "not closed"},
		{"bad TOML", "+++\ntitle = \n+++\n", "front matter"},
		{"unknown key", "+++\ntitle = \"x\"\ntitel = \"y\"\n+++\n", `unknown key "titel"`},
		{"missing title", "+++\ndate = 2021-07-20\n+++\n", "title is required"},
		{"bad date", "+++\ntitle = \"x\"\ndate = \"July\"\n+++\n", "not a date"},
		{"no date", "+++\ntitle = \"x\"\n+++\n", "no date"},
		{"bad author", "+++\ntitle = \"x\"\ndate = 2021-07-20\nauthors = [1]\n+++\n", "authors[0]"},
		{"binary", "+++\ntitle = \"x\x00\"\n+++\n", "byte offset 14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMarkdown(strings.NewReader(tt.src), ParseOptions{Name: "note.md"})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "note.md") {
				t.Errorf("got error %v, want one naming note.md and containing %q", err, tt.want)
			}
		})
	}
}
