package content

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseByline(t *testing.T) {
	tests := []struct {
		name        string
		raw         string
		wantText    string
		wantAuthors string
	}{
		{"one reporter", "本报讯（记者郭树勋）", "本报讯（记者郭树勋）", "[{郭树勋 记者}]"},
		{"space before parenthesis", "本报讯 （记者付凯明）", "本报讯（记者付凯明）", "[{付凯明 记者}]"},
		{"letter-spaced", "本 报 讯 （ 记 者 郭 树 勋 ）", "本报讯（记者郭树勋）", "[{郭树勋 记者}]"},
		{"reporter and correspondent", "本报讯（记者张三 通讯员李四）", "本报讯（记者张三 通讯员李四）", "[{张三 记者} {李四 通讯员}]"},
		{"correspondent only", "本报讯（通讯员王五）", "本报讯（通讯员王五）", "[{王五 通讯员}]"},
		{"reporter and intern", "本报讯（记者X某 实习生赵六）", "本报讯（记者X某 实习生赵六）", "[{X某 记者} {赵六 实习生}]"},
		{"several per role", "本报讯（记者张三 李四 通讯员王五、赵六）", "本报讯（记者张三 李四 通讯员王五、赵六）", "[{张三 记者} {李四 记者} {王五 通讯员} {赵六 通讯员}]"},
		{"trainee reporter, spaced names", "本报讯（见习记者 万 千）", "本报讯（见习记者万千）", "[{万千 见习记者}]"},
		{"dateline", "本报北京7月20日电（记者 张三）", "本报北京7月20日电（记者张三）", "[{张三 记者}]"},
		{"people line", "本报记者 张三 李四", "本报记者 张三 李四", "[{张三 记者} {李四 记者}]"},
		{"ornament", "■本报讯（记者张三）", "■本报讯（记者张三）", "[{张三 记者}]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := bylineLen(cleanLine(tt.raw)); n != len(cleanLine(tt.raw)) {
				t.Errorf("bylineLen(%q) = %d, want the whole line (%d)", cleanLine(tt.raw), n, len(cleanLine(tt.raw)))
			}
			text, authors := parseByline(tt.raw)
			if text != tt.wantText || fmt.Sprint(authors) != tt.wantAuthors {
				t.Errorf("parseByline(%q) = %q, %v; want %q, %s", tt.raw, text, authors, tt.wantText, tt.wantAuthors)
			}
		})
	}
}

func TestBylineLenRejectsBodyText(t *testing.T) {
	for _, s := range []string{
		"本报记者近日从市电业局获悉，",
		"本报今年共刊发稿件三千篇。",
		"本报记者张三李四王五赵六来到现场",
		"据本报讯（记者张三）",
		"记者张三",
	} {
		if n := bylineLen(s); n != 0 {
			t.Errorf("bylineLen(%q) = %d, want 0", s, n)
		}
	}
}

func TestCredit(t *testing.T) {
	tests := []struct {
		name        string
		raw         string
		wantRunes   int
		wantText    string
		wantAuthors string
	}{
		{"own line", "本报见习记者 万 千 摄", 9, "本报见习记者 万千 摄", "[{万千 见习记者}]"},
		{"after the caption", "受到客户青睐。 本报记者 翟鹏程 摄", 8, "本报记者 翟鹏程 摄", "[{翟鹏程 记者}]"},
		{"two photographers", "通讯员 张三 李四 摄", 8, "通讯员 张三 李四 摄", "[{张三 通讯员} {李四 通讯员}]"},
		{"bare name", "张 伟 摄", 3, "张伟 摄", "[{张伟 }]"},
		{"in parentheses", "现场作业。（记者 王五 摄）", 7, "（记者 王五 摄）", "[{王五 记者}]"},
		{"glued", "本报记者翟鹏程摄", 8, "本报记者 翟鹏程 摄", "[{翟鹏程 记者}]"},
		{"body text ending in 拍摄", "市民纷纷驻足拍摄", 0, "", ""},
		{"body text with a role", "照片由本报记者拍摄", 0, "", ""},
		{"too long", "本报记者" + "张三李四王五赵六钱七孙八周九吴十郑十一" + " 摄", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := creditRunes(cleanLine(tt.raw), tt.raw)
			if n != tt.wantRunes {
				t.Fatalf("creditRunes(%q) = %d, want %d", tt.raw, n, tt.wantRunes)
			}
			if n == 0 {
				return
			}
			_, creditRaw := splitRawAt(tt.raw, nonSpace(tt.raw)-n)
			text, authors := parseCredit(creditRaw)
			if text != tt.wantText || fmt.Sprint(authors) != tt.wantAuthors {
				t.Errorf("parseCredit(%q) = %q, %v; want %q, %s", creditRaw, text, authors, tt.wantText, tt.wantAuthors)
			}
		})
	}
}

func TestCleanLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{" 本报讯（记者郭树勋） 7 月", "本报讯（记者郭树勋）7月"},
		{"示范区 （高新区） 党", "示范区（高新区）党"},
		{"安 排 、 再 部 署 。", "安排、再部署。"},
		{"召开 2021 年第 12 次", "召开2021年第12次"},
		{"App  Store 上线", "App Store上线"},
		{"\u3000\u3000全角空格", "全角空格"},
		{"5G and LED", "5G and LED"},
	}
	for _, tt := range tests {
		if got := cleanLine(tt.in); got != tt.want {
			t.Errorf("cleanLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTitleParts(t *testing.T) {
	mk := func(lines ...string) *block {
		b := &block{}
		for _, l := range lines {
			b.lines = append(b.lines, pline{raw: l, text: cleanLine(l)})
		}
		return b
	}
	tests := []struct {
		name                    string
		blocks                  []*block
		kicker, title, subtitle string
	}{
		{"one line", []*block{mk("示范区党政联席会议召开")}, "", "示范区党政联席会议召开", ""},
		{"wrapped", []*block{mk("中原英才计划（育才系列", "）初评结果公布")}, "", "中原英才计划（育才系列）初评结果公布", ""},
		{"two parts on a line", []*block{mk("打造区域金融中心 强化产业发展引擎")}, "", "打造区域金融中心 强化产业发展引擎", ""},
		{"letter-spaced", []*block{mk("防 汛 一 线 党 旗 红")}, "", "防汛一线党旗红", ""},
		{"kicker and title", []*block{mk("中原英才计划（育才系列）初评结果公布"), mk("示范区申报项目实现零突破")}, "中原英才计划（育才系列）初评结果公布", "示范区申报项目实现零突破", ""},
		{"subject, then its predicate", []*block{mk("示范区生态环境局"), mk("开展环境安全综合应急演练")}, "", "示范区生态环境局开展环境安全综合应急演练", ""},
		{"title and a subtitle of its own", []*block{mk("我市召开防汛工作会议"), mk("各乡镇落实巡查责任到人")}, "", "我市召开防汛工作会议", "各乡镇落实巡查责任到人"},
		{"dash subtitle", []*block{mk("我市召开生态环境保护大会"), mk("——部署工作")}, "", "我市召开生态环境保护大会", "——部署工作"},
		{"three parts", []*block{mk("坚持生态优先"), mk("我市召开大会"), mk("——部署工作")}, "坚持生态优先", "我市召开大会", "——部署工作"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ti, s, _, _ := titleParts(tt.blocks, false)
			if k != tt.kicker || ti != tt.title || s != tt.subtitle {
				t.Errorf("titleParts = %q, %q, %q; want %q, %q, %q", k, ti, s, tt.kicker, tt.title, tt.subtitle)
			}
		})
	}
}

func TestPhotoTitle(t *testing.T) {
	tests := []struct{ caption, want string }{
		{"7月19日12时许，中原路积水严重。图为抢险人员在现场作业。", "抢险人员在现场作业"},
		{"7月16日，焦作智造机电设备有限公司的研发人员在调试自动焊接机械臂。该公司位于科技园。", "焦作智造机电设备有限公司的研发人员在调试自动焊接机械臂"},
		{"环卫工人清理路面积水，全市出动环卫工人三千余人次，清理积水点四十六处，保障道路畅通。", "环卫工人清理路面积水，全市出动环卫工人三千余人次"},
	}
	for _, tt := range tests {
		if got := photoTitle(tt.caption); got != tt.want {
			t.Errorf("photoTitle(%q) = %q, want %q", tt.caption, got, tt.want)
		}
	}
}

// TestSplitBylineWrapped covers bylines whose parenthesis closes on the
// next line: the lines join like body text, without a space unless the
// first line ends with one.
func TestSplitBylineWrapped(t *testing.T) {
	tests := []struct {
		name        string
		lines       []string
		wantByline  string
		wantAuthors []Author
		wantRest    string
		wantN       int
	}{
		{
			name:        "wrapped mid-name",
			lines:       []string{"本报讯（记者王明 通讯员李小", "华）7月13日上午，会议召开。"},
			wantByline:  "本报讯（记者王明 通讯员李小华）",
			wantAuthors: []Author{{"王明", "记者"}, {"李小华", "通讯员"}},
			wantRest:    "7月13日上午，会议召开。", wantN: 2,
		},
		{
			name:        "wrapped after a role",
			lines:       []string{"本报讯（记者王小明 李华 通讯员", "赵强）7月19日，活动举行。"},
			wantByline:  "本报讯（记者王小明 李华 通讯员赵强）",
			wantAuthors: []Author{{"王小明", "记者"}, {"李华", "记者"}, {"赵强", "通讯员"}},
			wantRest:    "7月19日，活动举行。", wantN: 2,
		},
		{
			name:        "wrapped between names, first line ends with a space",
			lines:       []string{"本报讯（记者王小明 ", "李华）今天，活动举行。"},
			wantByline:  "本报讯（记者王小明 李华）",
			wantAuthors: []Author{{"王小明", "记者"}, {"李华", "记者"}},
			wantRest:    "今天，活动举行。", wantN: 2,
		},
		{
			name:        "letter-spaced, wrapped mid-role",
			lines:       []string{"本 报 讯 （ 实 习 生 陈 晨 \u3000 见 习", "记 者 刘 洋 ）今天，活动举行。"},
			wantByline:  "本报讯（实习生陈晨 见习记者刘洋）",
			wantAuthors: []Author{{"陈晨", "实习生"}, {"刘洋", "见习记者"}},
			wantRest:    "今天，活动举行。", wantN: 2,
		},
		{
			name:        "letter-spaced, wrapped mid-name",
			lines:       []string{"本报讯（记者 王 明 通讯员 李 小", "华）今天，活动举行。"},
			wantByline:  "本报讯（记者王明 通讯员李小华）",
			wantAuthors: []Author{{"王明", "记者"}, {"李小华", "通讯员"}},
			wantRest:    "今天，活动举行。", wantN: 2,
		},
		{
			name:        "no parentheses, wrapped after a role",
			lines:       []string{"本报讯 记者 罗文静 通讯员", "邓子涵 7月16日上午，工程开工。"},
			wantByline:  "本报讯 记者 罗文静 通讯员 邓子涵",
			wantAuthors: []Author{{"罗文静", "记者"}, {"邓子涵", "通讯员"}},
			wantRest:    "7月16日上午，工程开工。", wantN: 2,
		},
		{
			name:        "no parentheses, people only, text on the next line",
			lines:       []string{"本报讯 记者 罗文静", "7月16日上午，工程开工。"},
			wantByline:  "本报讯 记者 罗文静",
			wantAuthors: []Author{{"罗文静", "记者"}},
			wantRest:    "", wantN: 1,
		},
		{
			name:        "on one line",
			lines:       []string{"本报讯（记者王小明）今天，", "活动举行。"},
			wantByline:  "本报讯（记者王小明）",
			wantAuthors: []Author{{"王小明", "记者"}},
			wantRest:    "今天，", wantN: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []pline
			for i, l := range tt.lines {
				lines = append(lines, pline{n: i + 1, raw: l, text: cleanLine(l)})
			}
			raw, rest, n := splitByline(lines)
			byline, authors := parseByline(raw)
			if byline != tt.wantByline || !slices.Equal(authors, tt.wantAuthors) || rest != tt.wantRest || n != tt.wantN {
				t.Errorf("got byline %q, authors %v, rest %q, %d lines; want %q, %v, %q, %d",
					byline, authors, rest, n, tt.wantByline, tt.wantAuthors, tt.wantRest, tt.wantN)
			}
		})
	}
}

// TestSpacedByline covers bylines without parentheses, their people set
// off by spaces, with the article's text after them on the same line.
func TestSpacedByline(t *testing.T) {
	tests := []struct {
		name        string
		line        string
		wantByline  string
		wantAuthors string
		wantRest    string
	}{
		{"agency and role", "本报记者 孟凡宇 7月15日，招聘会举行。", "本报记者 孟凡宇", "[{孟凡宇 记者}]", "7月15日，招聘会举行。"},
		{"two roles after 讯", "本报讯 记者 罗文静 通讯员 邓子涵 今天上午，工程开工。", "本报讯 记者 罗文静 通讯员 邓子涵", "[{罗文静 记者} {邓子涵 通讯员}]", "今天上午，工程开工。"},
		{"role glued to the name", "本报讯 记者罗文静 近日，工程开工。", "本报讯 记者 罗文静", "[{罗文静 记者}]", "近日，工程开工。"},
		{"dateline", "新华社青川7月17日电 记者 周明远 为帮助毕业生就业，活动启动。", "新华社青川7月17日电 记者 周明远", "[{周明远 记者}]", "为帮助毕业生就业，活动启动。"},
		{"full-width spaces", "本报记者\u3000何静\u3000李华\u3000连日来，全区持续降雨。", "本报记者 何静 李华", "[{何静 记者} {李华 记者}]", "连日来，全区持续降雨。"},
		{"names with 、", "本报通讯员 何静、李华 近日，活动举行。", "本报通讯员 何静、李华", "[{何静 通讯员} {李华 通讯员}]", "近日，活动举行。"},
		{"people only", "本报讯 通讯员 邓子涵 何静", "本报讯 通讯员 邓子涵 何静", "[{邓子涵 通讯员} {何静 通讯员}]", ""},
		{"glued to the date", "本报记者孟凡宇7月15日，招聘会举行。", "本报记者 孟凡宇", "[{孟凡宇 记者}]", "7月15日，招聘会举行。"},
		{"two roles glued to the date", "本报讯记者罗文静通讯员邓子涵7月16日上午，工程开工。", "本报讯 记者 罗文静 通讯员 邓子涵", "[{罗文静 记者} {邓子涵 通讯员}]", "7月16日上午，工程开工。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, rest, n := splitByline([]pline{{n: 1, raw: tt.line, text: cleanLine(tt.line)}})
			byline, authors := parseByline(raw)
			if byline != tt.wantByline || fmt.Sprint(authors) != tt.wantAuthors || rest != tt.wantRest || n != 1 {
				t.Errorf("got byline %q, authors %v, rest %q; want %q, %s, %q", byline, authors, rest, tt.wantByline, tt.wantAuthors, tt.wantRest)
			}
		})
	}
	for _, s := range []string{
		"本报记者近日从市电业局获悉，全市用电负荷创新高。",
		"本报讯 7月16日上午，工程开工。",
		"本报讯（记者罗文静）今天上午，工程开工。",
		"本报讯 罗文静 今天上午，工程开工。", // a name without a role
		"本报讯 记者 今天上午，工程开工。",  // a role without a name
		"本报记者2日从市电业局获悉，用电负荷创新高。",
		"本报记者张三李四王五赵六来到现场。",
	} {
		if n, m := spacedBylineLen(cleanLine(s), s), bylineLen(cleanLine(s)); n > m {
			t.Errorf("spacedBylineLen(%q) = %d, want at most bylineLen %d", s, n, m)
		}
	}
}

// TestSpacedBylineVariations generates bylines without parentheses from
// agencies, roles, one to three people and several separators, sets each
// over a short article in a page, and checks the article's authors.
func TestSpacedBylineVariations(t *testing.T) {
	heads := []string{"本报记者", "本报讯 记者", "本报讯 通讯员", "新华社北京7月19日电 记者", "本报通讯员"}
	people := [][]string{{"孟凡宇"}, {"罗文静", "何静"}, {"周明远", "邓子涵", "李华"}}
	seps := []string{" ", "  ", "\u3000", ""} // "": glued, one person, a date next
	texts := []string{"7月18日，全区开展防汛演练。", "连日来，各地持续降雨，群众生活有序。"}
	for hi, head := range heads {
		for pi, ps := range people {
			for si, sep := range seps {
				text := texts[(hi+pi+si)%len(texts)]
				if sep == "" {
					if len(ps) > 1 {
						continue // glued names cannot be told apart
					}
					text = texts[0]
				}
				line := strings.ReplaceAll(head, " ", sep) + sep + strings.Join(ps, sep) + sep + text
				if sep == "  " && strings.Contains(head, "讯 ") {
					// Wrapped after the role: the names open the next line
					// (本报讯 alone is a byline; 本报记者 or …电 alone is not).
					line = strings.ReplaceAll(head, " ", sep) + "\n" + strings.Join(ps, sep) + sep + text
				}
				page := "全区开展防汛演练\n\n" + line + "\n"
				ed := parseText(t, page, "2021-07-20.txt")
				role := matchRole(strings.TrimPrefix(strings.Fields(head)[len(strings.Fields(head))-1], "本报"))
				var want []Author
				for _, p := range ps {
					want = append(want, Author{p, role})
				}
				if len(ed.Articles) != 1 || !slices.Equal(ed.Articles[0].Authors, want) ||
					squeeze(strings.Join(ed.Articles[0].Paragraphs, "")) != squeeze(text) {
					t.Errorf("%q: got %+v, want authors %v and text %q", line, ed.Articles, want, text)
				}
				if d := conservationDiff(page, ed); d != "" {
					t.Errorf("%q: not conserved: %s", line, d)
				}
			}
		}
	}
}

func TestPeopleFields(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"记者 万 千", []string{"记者", "万千"}},
		{"记 者 张 三\u3000李 四", []string{"记者", "张三", "李四"}},
		{"记 者 万  千", []string{"记者", "万千"}}, // an uneven gap inside a name
		{"记者 张 三 李 四", []string{"记者", "张三", "李四"}},
		{"通讯员 王小明 李华", []string{"通讯员", "王小明", "李华"}},
	}
	for _, tt := range tests {
		if got := peopleFields(tt.raw); !slices.Equal(got, tt.want) {
			t.Errorf("peopleFields(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestSplitNames(t *testing.T) {
	tests := []struct {
		run  string
		want []string
	}{
		{"张三李四", []string{"张三", "李四"}},
		{"王小明李华", []string{"王小明", "李华"}},
		{"刘洋陈晨周杰", []string{"刘洋", "陈晨", "周杰"}},
		{"罗文静孟凡宇", []string{"罗文静", "孟凡宇"}},
		{"欧阳晓东", []string{"欧阳晓东"}},
		{"欧阳晓东李华", []string{"欧阳晓东", "李华"}},
		{"王小明华", []string{"王小明华"}}, // 明 opens no name here: one name
		{"万千", []string{"万千"}},
	}
	for _, tt := range tests {
		if got := splitNames(tt.run); !slices.Equal(got, tt.want) {
			t.Errorf("splitNames(%q) = %q, want %q", tt.run, got, tt.want)
		}
	}
}

// TestLetterSpacedPeopleVariations sets one to three letter-spaced names
// in bylines and photo credits, with even spacing or a wider gap between
// the names, and checks each person comes back on their own.
func TestLetterSpacedPeopleVariations(t *testing.T) {
	groups := [][]string{{"罗文静"}, {"何静", "邓子涵"}, {"周明远", "李华"}, {"孟凡宇", "罗文静", "何静"}, {"欧阳晓东", "李华"}}
	for _, roles := range []string{"记者", "通讯员", "见习记者"} {
		for _, g := range groups {
			for _, wide := range []bool{false, true} {
				spaced := make([]string, len(g))
				for i, n := range g {
					spaced[i] = strings.Join(strings.Split(n, ""), " ")
				}
				sep := " "
				if wide {
					sep = "\u3000"
				}
				people := strings.Join(spaced, sep)
				var want []Author
				for _, n := range g {
					want = append(want, Author{n, roles})
				}
				for _, line := range []string{
					"本报讯（" + roles + " " + people + "）7月18日，活动举行。",
					"本 报 讯 （ " + strings.Join(strings.Split(roles, ""), " ") + " " + people + " ）7月18日，活动举行。",
				} {
					raw, _, _ := splitByline([]pline{{n: 1, raw: line, text: cleanLine(line)}})
					if _, got := parseByline(raw); !slices.Equal(got, want) {
						t.Errorf("byline %q: authors %v, want %v", line, got, want)
					}
				}
				credit := "本报" + roles + " " + people + " 摄"
				if _, got := parseCredit(credit); !slices.Equal(got, want) {
					t.Errorf("credit %q: authors %v, want %v", credit, got, want)
				}
			}
		}
	}
}
