package content

import (
	"strings"
	"unicode/utf8"
)

// titleParts turns a headline group into kicker, title and subtitle. Lines
// of one block are one part wrapped (joined without a space). A part that
// only carries on the sentence of the part before it (continues) joins
// that part: "示范区生态环境局" / "开展环境安全综合应急演练" is one title.
// Two parts are then a kicker and title when the second is shorter (the
// main title is the short bold one), else title and subtitle ("——…" is
// always a subtitle); three are kicker, title, subtitle; more are folded
// into the subtitle.
//
// With wantRoles, roles[i] is the class of blocks[i]; why says which rule
// decided.
func titleParts(blocks []*block, wantRoles bool) (kicker, title, subtitle string, roles []LineClass, why string) {
	parts := make([]string, 0, len(blocks))
	var ownerBuf [8]int
	owner := ownerBuf[:0] // the part each block went to
	var j textJoiner
	var joined []string
	for _, b := range blocks {
		for _, l := range b.lines {
			j.add(cleanHeadline(l.raw))
		}
		part := j.take()
		if len(parts) > 0 {
			if c := continues(parts[len(parts)-1], part); c != "" {
				j.add(parts[len(parts)-1])
				j.add(part)
				parts[len(parts)-1] = j.take()
				owner = append(owner, len(parts)-1)
				joined = append(joined, c)
				continue
			}
		}
		owner = append(owner, len(parts))
		parts = append(parts, part)
	}
	switch len(parts) {
	case 1:
		title = parts[0]
		why = "one part: the title"
	case 2:
		switch {
		case strings.HasPrefix(parts[1], "—"):
			title, subtitle = parts[0], parts[1]
			why = "two parts, the second opens with a dash: title and subtitle"
		case utf8.RuneCountInString(parts[1]) >= utf8.RuneCountInString(parts[0]):
			title, subtitle = parts[0], parts[1]
			why = "two parts, the second not shorter: title and subtitle"
		default:
			kicker, title = parts[0], parts[1]
			why = "two parts, the second shorter: kicker and title"
		}
	default:
		kicker, title, subtitle = parts[0], parts[1], strings.Join(parts[2:], " ")
		why = "three or more parts: kicker, title, subtitle"
	}
	if len(joined) > 0 {
		why = "a part carries on the one before, so they are one (" + strings.Join(joined, "; ") + "); " + why
	}
	if !wantRoles {
		return kicker, title, subtitle, nil, why
	}
	roles = make([]LineClass, len(blocks))
	for i, o := range owner {
		if kicker == "" {
			o++ // no kicker: the first part is the title
		}
		switch o {
		case 0:
			roles[i] = ClassKicker
		case 1:
			roles[i] = ClassHeadline
		default:
			roles[i] = ClassSubtitle
		}
	}
	return kicker, title, subtitle, roles, why
}

// headline sets an item's headline from its group and notes its lines.
func (p *pageParser) headline(blocks []*block) (kicker, title, subtitle string) {
	kicker, title, subtitle, roles, why := titleParts(blocks, p.explaining())
	why, p.headWhy = why+p.headWhy, ""
	if p.explaining() {
		for i, b := range blocks {
			p.noteBlock(b, roles[i], p.item(), "a headline part (at most four lines, no sentence end inside, after a finished sentence and before a byline, a photo, another part or the page's end); "+why)
		}
	}
	return kicker, title, subtitle
}

// continues reports why the headline part next only carries on the
// sentence of the part prev, or "" when next is a part of its own (a
// subtitle is a separate clause: after a dash, or a statement with its
// own subject). A part continues prev when
//   - prev leaves a bracket, quote or book title open,
//   - prev ends on a word that needs what follows (的, 和, 在, 对, 为 …) or
//     next opens with one that needs what precedes (的, 之, 和, 及, 并 …),
//   - or prev is a subject without a predicate (it ends with a body's name,
//     局, 委, 街道, 公司, 学校 …, or is a name of at most four characters,
//     and holds no verb a headline states) and next opens with a predicate
//     (a verb, preposition or adverb: 开展, 召开, 在, 为, 全力 …):
//     "示范区生态环境局" / "开展环境安全综合应急演练".
func continues(prev, next string) string {
	if prev == "" || next == "" || strings.HasPrefix(next, "—") {
		return ""
	}
	if unclosed(prev) {
		return "the first leaves a bracket or quote open"
	}
	last, _ := utf8.DecodeLastRuneInString(prev)
	if strings.ContainsRune(needsNext, last) {
		return "the first ends on " + string(last) + ", which needs what follows"
	}
	first, _ := utf8.DecodeRuneInString(next)
	if strings.ContainsRune(needsPrev, first) {
		return "the second opens with " + string(first) + ", which needs what precedes"
	}
	if !opensPredicate(next) || statesVerb(prev) {
		return ""
	}
	if hasSubjectEnd(prev) || utf8.RuneCountInString(prev) <= 4 {
		return "the first is a subject without a predicate and the second its predicate"
	}
	return ""
}

const (
	// needsNext are characters a headline part cannot end on: particles,
	// conjunctions and prepositions that need what follows.
	needsNext = "的和与及并在对为把将向从让使被给之暨同跟"
	// needsPrev are characters a headline part cannot open with.
	needsPrev = "的之了着和与及并暨等"
	// predicateOpeners are single characters that open a predicate when
	// they open a part: prepositions and adverbs.
	predicateOpeners = "在为对向与将把以从于再又也都正已被让赴获"
)

// predicateWords open a predicate: the verbs headlines state and the
// adverbs before them. Verbs that also make up the names of bodies (建设局,
// 服务中心, 开发区, 示范区, 发展和改革委员会) are left out, or statesVerb
// would take those names for clauses.
var predicateWords = [...]string{
	"开展", "召开", "举行", "举办", "启动", "推进", "推动", "实现", "完成", "发布",
	"部署", "督导", "检查", "强化", "确保", "打造", "加强", "加快", "提升", "助力",
	"组织", "开启", "出台", "印发", "获得", "荣获", "喜获", "斩获", "签约", "签署",
	"建成", "开工", "投产", "落实", "深化", "迎接", "走进", "走访", "看望", "慰问",
	"调研", "视察", "考察", "会见", "参加", "出席", "成立", "设立", "表彰", "入选",
	"开通", "上线", "新增", "投入", "完善", "优化", "破解", "化解", "守护", "筑牢",
	"护航", "保障", "聚焦", "坚持", "践行", "宣讲", "传达", "安排", "动员", "演练",
	"排查", "整治", "清理", "抢修", "救援", "防范", "应对", "迎战", "打响", "掀起",
	"开创", "共建", "携手", "签订", "发出", "发起", "组建", "引进", "建立", "创建",
	"实施", "推行", "启用", "投用", "取得", "迎来", "突破", "跻身", "当选", "亮相",
	"参与", "捐赠", "帮扶", "要求", "强调", "指出", "提出", "做好", "抓好", "办好",
	"扎实", "全力", "全面", "持续", "积极", "切实", "深入", "大力", "着力", "进一步",
	"再次", "首次", "成功", "顺利", "圆满", "正式", "率先", "连续", "集中", "联合",
}

// opensPredicate reports a part that opens with a predicate.
func opensPredicate(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	if strings.ContainsRune(predicateOpeners, r) {
		return true
	}
	for _, w := range predicateWords {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// statesVerb reports a part that holds one of the predicate words: a
// clause of its own, not a bare subject.
func statesVerb(s string) bool {
	for _, w := range predicateWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// subjectEnds are how the names of bodies, places and groups end.
var subjectEnds = [...]string{
	"局", "委", "办", "院", "厅", "部", "处", "所", "站", "队", "会", "区", "市", "县",
	"镇", "乡", "村", "省", "街道", "社区", "公司", "集团", "中心", "学校", "大学", "中学",
	"小学", "医院", "银行", "协会", "企业", "园区", "政府", "机关", "单位", "部门", "干部",
	"群众", "居民", "村民", "师生", "志愿者", "党员", "民警", "职工", "馆", "厂",
}

// hasSubjectEnd reports a part ending like the name of a body or group.
func hasSubjectEnd(s string) bool {
	for _, e := range subjectEnds {
		if strings.HasSuffix(s, e) {
			return true
		}
	}
	return false
}

// unclosed reports a bracket, quote or book title opened and not closed.
func unclosed(s string) bool {
	depth := 0
	for _, r := range s {
		switch r {
		case '（', '(', '“', '《', '「', '【':
			depth++
		case '）', ')', '”', '》', '」', '】':
			depth--
		}
	}
	return depth > 0
}
