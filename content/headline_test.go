package content

import (
	"fmt"
	"strings"
	"testing"
)

// TestTwoLineHeadlines checks the hand-made page of headlines set over two
// lines: a part that only carries on the first part's sentence joins the
// title; a dash or a statement of its own stays a subtitle.
func TestTwoLineHeadlines(t *testing.T) {
	ed := parseFile(t, "testdata/two-line-headlines.txt", ParseOptions{Date: "2021-07-20"})
	want := []string{
		"|青川县应急管理局组织开展防汛抢险实战演练|",
		"|河滨区农业农村局在城郊三个村推广节水灌溉|",
		"|全县秋季征兵体检工作启动|——首日三百余名青年参加体检",
		"|城南公园建成开放|园内设有健身步道和儿童游乐区供市民免费使用",
		"|县图书馆与三所中学共建的校园阅读角投入使用|",
	}
	if got := titles(ed); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("headlines:\n got %q\nwant %q", got, want)
	}
}

// TestTwoLineHeadlineVariations sets generated two-part headlines (a
// subject and its predicate; a title and a real subtitle) over pages of
// several widths, headlines before and after, and checks each item's
// kicker|title|subtitle.
func TestTwoLineHeadlineVariations(t *testing.T) {
	subjects := []string{"青川县应急管理局", "河滨区卫生健康委", "城关镇", "县第一中学", "李家村", "县供电公司"}
	predicates := []string{"组织开展防汛抢险实战演练", "在全县推广垃圾分类", "全力保障夏季用电安全", "为困难群众发放救助金", "启动暑期安全教育月活动"}
	type headline struct{ parts, want string }
	var heads []headline
	for i, s := range subjects {
		p := predicates[i%len(predicates)]
		heads = append(heads, headline{s + " " + p, "|" + s + p + "|"})
	}
	for _, h := range [][2]string{
		{"全县秋季征兵体检工作启动", "——首日三百余名青年参加体检"},
		{"城南公园建成开放", "园内设有健身步道和儿童游乐区供市民免费使用"},
		{"我市召开防汛工作会议", "各乡镇落实巡查责任到人"},
		{"县里部署秋粮生产", "乡镇分片包干"},       // a shorter statement: kicker and title
		{"城关镇推广“积分制", "”乡村治理"},       // a quote left open
		{"关于做好汛期安全工作的", "十项措施出台"},    // ends on 的
		{"县人民医院开通夜间门诊", "并延长周末挂号时间"}, // opens with 并
		{"盛夏时节", "全县两千名党员志愿者坚守防汛一线"}, // a kicker-like phrase before a full statement
	} {
		want := "|" + h[0] + "|" + h[1]
		switch h[1] {
		case "乡镇分片包干":
			want = h[0] + "|" + h[1] + "|"
		case "”乡村治理", "十项措施出台", "并延长周末挂号时间":
			want = "|" + h[0] + h[1] + "|"
		}
		heads = append(heads, headline{h[0] + " " + h[1], want})
	}
	var items []expectedItem
	for i, h := range heads {
		items = append(items, expectedItem{
			Kind: KindArticle, Title: h.parts, Byline: "本报讯（记者罗文静）",
			Authors:    []Author{{"罗文静", "记者"}},
			Paragraphs: []string{fmt.Sprintf("7月%d日，相关工作在全县各地有序开展，群众反响良好。", i+1)},
		})
	}
	for _, cells := range []int{20, 30, 48} {
		for _, before := range []bool{false, true} {
			t.Run(fmt.Sprintf("cells=%d/before=%v", cells, before), func(t *testing.T) {
				page := renderPage(items, layout{cells: cells, before: before, columnGap: 50}, uint64(cells))
				ed := parseText(t, page, "2021-07-20.txt")
				if len(ed.Articles) != len(heads) {
					t.Fatalf("%d items, want %d: %q", len(ed.Articles), len(heads), titles(ed))
				}
				for i, a := range ed.Articles {
					if got := a.Kicker + "|" + a.Title + "|" + a.Subtitle; got != heads[i].want {
						t.Errorf("headline %q: got %q, want %q", heads[i].parts, got, heads[i].want)
					}
				}
				if d := conservationDiff(page, ed); d != "" {
					t.Errorf("not conserved: %s", d)
				}
			})
		}
	}
}

func TestContinues(t *testing.T) {
	tests := []struct {
		prev, next string
		want       bool
	}{
		{"示范区生态环境局", "开展环境安全综合应急演练", true},
		{"吕沛", "督导检查防汛工作", true},
		{"中原英才计划（育才系列）初评结果公布", "示范区申报项目实现零突破", false},
		{"打造区域金融中心", "强化产业发展引擎", false}, // two clauses, each with its verb
		{"坚持生态优先", "我市召开生态环境保护大会", false},
		{"高温来袭", "市气象局发布今年第一号高温预警", false},
		{"我市召开大会", "——部署工作", false},
		{"县图书馆《红色", "家书》诵读会举行", true},
	}
	for _, tt := range tests {
		if got := continues(tt.prev, tt.next) != ""; got != tt.want {
			t.Errorf("continues(%q, %q) = %v, want %v", tt.prev, tt.next, got, tt.want)
		}
	}
	if !strings.Contains(continues("示范区生态环境局", "开展演练"), "subject") {
		t.Errorf("continues gives no reason")
	}
}
