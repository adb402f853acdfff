package content

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// summary is a compact view of an item for shape tests:
// "kind|display title|authors|paragraph count".
func summary(a Article) string {
	return fmt.Sprintf("%s|%s|%v|%d", a.Kind, squeeze(a.DisplayTitle()), a.Authors, len(a.Paragraphs))
}

// TestParsePageShapes covers page shapes the samples do not have.
func TestParsePageShapes(t *testing.T) {
	tests := []struct {
		name     string
		page     string
		want     []string
		wantWarn string // a warning message fragment, "" for none
	}{
		{
			name: "no blank lines at all, headlines before",
			page: "第一条新闻标题\n本报讯（记者张三）今天上午，会议召开。\n会议要求，各部门要进一步落实责任，确保工作落\n到实处，推动全市经济社会发展取得明显成效。\n第二条新闻标题\n本报讯（通讯员李四 王五）昨天下午，活动举行。\n",
			want: []string{
				"article|第一条新闻标题|[{张三 记者}]|2",
				"article|第二条新闻标题|[{李四 通讯员} {王五 通讯员}]|1",
			},
		},
		{
			name: "no blank lines at all, headlines after",
			page: "本报讯（记者张三）今天上午，会议召开。\n会议要求，各部门要进一步落实责任，确保工作落\n到实处，推动全市经济社会发展取得明显成效。\n第一条新闻标题\n本报讯（实习生赵六）昨天下午，活动举行。\n第二条新闻标题\n",
			want: []string{
				"article|第一条新闻标题|[{张三 记者}]|2",
				"article|第二条新闻标题|[{赵六 实习生}]|1",
			},
		},
		{
			name: "caption without a full stop, credit alone, headlines before",
			page: "新闻标题\n\n本报讯（记者张三）今天上午，会议召开。\n\n市民在公园里晨练，锻炼身体\n\n本报记者 李 四 摄\n",
			want: []string{
				"article|新闻标题|[{张三 记者}]|1",
				"photo|市民在公园里晨练，锻炼身体|[{李四 记者}]|1",
			},
		},
		{
			name: "indented paragraphs without blank lines",
			page: "新闻标题\n\n本报讯（记者张三）今天上午，全市工作会议在市政府召开。\n\u3000\u3000会议要求，各部门要进一步落实责任，确保各项工作落\n到实处，推动全市经济社会发展取得明显的成效。\n  会议强调，要加强督导，确保各项任务按时完成见效。\n",
			want: []string{"article|新闻标题|[{张三 记者}]|3"},
		},
		{
			name: "jump line before the headline",
			page: "本报讯（记者张三）今天上午，全市工作会议在市政府召开，会议要求\n（下转第2版）\n\n全市工作会议召开\n\n本报讯（记者李四）今天下午，活动举行。\n\n活动举行\n",
			want: []string{"article|全市工作会议召开|[{张三 记者}]|1", "article|活动举行|[{李四 记者}]|1"},
		},
		{
			name: "kicker, title and subtitle in separate blocks",
			page: "坚持生态优先\n\n我市召开生态环境保护大会\n\n——部署下半年工作\n\n本报讯（记者张三）今天上午，大会召开。\n",
			want: []string{"article|坚持生态优先我市召开生态环境保护大会——部署下半年工作|[{张三 记者}]|1"},
		},
		{
			name:     "article without a headline",
			page:     "标题一\n\n本报讯（记者张三）今天上午，会议召开。\n\n本报讯（记者李四）今天下午，活动举行。\n",
			want:     []string{"article|标题一|[{张三 记者}]|1", "article||[{李四 记者}]|1"},
			wantWarn: "article has no headline",
		},
		{
			name: "photo with its own headline, headlines after",
			page: "本报讯（记者张三）今天上午，会议召开。\n\n会议召开\n\n7月19日，环卫工人清理路面积水。\n本报记者 李四 摄\n\n雨中坚守\n",
			want: []string{"article|会议召开|[{张三 记者}]|1", "photo|雨中坚守|[{李四 记者}]|1"},
		},
		{
			name: "headline after its article, then a photo in a narrow column",
			page: "本报讯（记者张三）7月15日，区里举\n办了工作会议，各部门负责\n人参加会议。\n\n区里召开下半年工作会议\n\n7月16日，在公园里，志愿\n者正在清理落叶和垃圾\n。今年夏天，志愿者走进\n公园开展环保活动。\n本报通讯员 李四 摄\n",
			want: []string{"article|区里召开下半年工作会议|[{张三 记者}]|1", "photo|在公园里，志愿者正在清理落叶和垃圾|[{李四 通讯员}]|1"},
		},
		{
			name: "caption over a column break, credit after its last sentence",
			page: "新闻标题\n\n本报讯（记者张三）今天上午，会议召开。\n\n志愿者们在公园里，清理落\n\n叶和垃圾，今年夏天他们走\n进公园开展环保活动。本报见习记者 王五 摄\n",
			want: []string{"article|新闻标题|[{张三 记者}]|1", "photo|志愿者们在公园里，清理落叶和垃圾|[{王五 见习记者}]|1"},
		},
		{
			name:     "page header above the first headline",
			page:     "2021年7月20日 星期二  A3  综合新闻\n\n全市工作会议召开\n\n本报讯（记者张三）今天上午，会议召开。\n\n活动举行\n\n本报讯（记者李四）今天下午，活动举行。\n",
			want:     []string{"article|全市工作会议召开|[{张三 记者}]|1", "article|活动举行|[{李四 记者}]|1"},
			wantWarn: "page header",
		},
		{
			name:     "page header glued to the first headline",
			page:     "第3版  要闻   2021年7月20日\n全市工作会议召开\n\n本报讯（记者张三）今天上午，会议召开。\n",
			want:     []string{"article|全市工作会议召开|[{张三 记者}]|1"},
			wantWarn: "page header",
		},
		{
			name:     "page header over a headlines-after page",
			page:     "A3 综合新闻\n\n本报讯（记者张三）今天上午，会议召开。\n\n全市工作会议召开\n\n本报讯（记者李四）今天下午，活动举行。\n\n活动举行\n",
			want:     []string{"article|全市工作会议召开|[{张三 记者}]|1", "article|活动举行|[{李四 记者}]|1"},
			wantWarn: "page header",
		},
		{
			name:     "editors' line at the foot of a headlines-after page",
			page:     "本报讯（记者张三）今天上午，会议召开。\n\n全市工作会议召开\n\n责任编辑：王五  校对：赵六\n",
			want:     []string{"article|全市工作会议召开|[{张三 记者}]|1"},
			wantWarn: "page footer",
		},
		{
			name: "a dated headline is no page header",
			page: "7月20日起 全市实行新规\n\n本报讯（记者张三）今天上午，会议召开。\n",
			want: []string{"article|7月20日起全市实行新规|[{张三 记者}]|1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed, err := ParsePage(strings.NewReader(tt.page), ParseOptions{Name: "2021-07-20.txt"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range ed.Articles {
				got = append(got, summary(a))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("items:\n got %q\nwant %q\nwarnings: %v", got, tt.want, ed.Warnings)
			}
			if d := conservationDiff(tt.page, ed); d != "" {
				t.Errorf("not conserved: %s", d)
			}
			warned := slices.ContainsFunc(ed.Warnings, func(w Warning) bool { return tt.wantWarn != "" && strings.Contains(w.Message, tt.wantWarn) })
			if warned != (tt.wantWarn != "") || tt.wantWarn == "" && len(ed.Warnings) > 0 {
				t.Errorf("warnings %v, want %q", ed.Warnings, tt.wantWarn)
			}
		})
	}
}
