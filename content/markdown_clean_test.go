package content

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// TestParseMarkdownCleansControlCharacters: TOML escapes and character
// references put control characters into an article; none survives, and
// the white space among them collapses.
func TestParseMarkdownCleansControlCharacters(t *testing.T) {
	src := "+++\n" +
		`title = "示范区\u0001发布\u000b更正\u001b[31m\r\n说明\u0085\u009b"` + "\n" +
		`kicker = "\t引题\u0000 "` + "\n" +
		`subtitle = "副题\r\n\r\n第二行"` + "\n" +
		`byline = "本报记者\u007f 张三"` + "\n" +
		`summary = "摘要\u0007。"` + "\n" +
		`authors = ["张\u0008三", { name = "李\u001f四", role = "记者\r\n" }, "\u0001"]` + "\n" +
		`topics = ["更正\u0002", "\u0003"]` + "\n" +
		`date = 2021-07-21` + "\n" +
		"+++\n" +
		"正文&#27;[2J第一段&#1;。\n\n```\ncode&#7;\n```\n"
	ed, err := ParseMarkdown(strings.NewReader(src), ParseOptions{Name: "ctl.md"})
	if err != nil {
		t.Fatal(err)
	}
	a := ed.Articles[0]
	tests := []struct {
		name, got, want string
	}{
		{"title", a.Title, "示范区发布 更正[31m 说明"},
		{"kicker", a.Kicker, "引题"},
		{"subtitle", a.Subtitle, "副题 第二行"},
		{"byline", a.Byline, "本报记者 张三"},
		{"summary", a.Summary, "摘要。"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if want := []Author{{Name: "张三"}, {Name: "李四", Role: "记者"}}; !slices.Equal(a.Authors, want) {
		t.Errorf("authors = %q, want %q", a.Authors, want)
	}
	if !slices.Equal(a.Topics, []string{"更正"}) {
		t.Errorf("topics = %q, want [更正]", a.Topics)
	}
	all := []string{a.Title, a.Kicker, a.Subtitle, a.Byline, a.Summary}
	all = append(all, a.Paragraphs...)
	for _, au := range a.Authors {
		all = append(all, au.Name, au.Role)
	}
	for _, s := range all {
		if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }); i >= 0 {
			t.Errorf("%q holds a control character at byte %d", s, i)
		}
	}
}
