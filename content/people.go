package content

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// roles are the credits the paper gives people, longest first so that
// "见习记者" is not read as "见习" + "记者".
var roles = []string{"特约通讯员", "见习记者", "特约记者", "首席记者", "摄影记者", "通讯员", "实习生", "记者"}

// agencies open a byline: the paper itself or a news agency.
var agencies = []string{"本报", "新华社", "中新社"}

// matchRole returns the role starting s, or "".
func matchRole(s string) string {
	// Most positions open no role: every role's first character is one of
	// a few, and this check runs at every character of a credit.
	if len(s) < len("记者") {
		return ""
	}
	switch s[:3] {
	case "特", "见", "首", "摄", "通", "实", "记":
	default:
		return ""
	}
	for _, r := range roles {
		if strings.HasPrefix(s, r) {
			return r
		}
	}
	return ""
}

// isNameSep separates names within one role: "记者张三、李四".
func isNameSep(r rune) bool {
	switch r {
	case '、', '，', ',', '/', '／', ';', '；':
		return true
	}
	return false
}

// peopleFields splits a raw credit into fields at white space and joins
// runs of single-rune fields: a letter-spaced name "万 千" is one name,
// "张三 李四" are two. A letter-spaced run is cut where the gap between
// two characters is wider than the run's narrowest ("张 三　李 四"), and a
// name of four or more characters left in it is split into names by
// splitNames ("张 三 李 四" is 张三 and 李四, "欧 阳 晓 东" one name).
func peopleFields(raw string) []string {
	var fieldBuf [16]string
	var gapBuf [16]int
	fields := fieldBuf[:0]
	gaps := gapBuf[:0] // gaps[i]: the width of the white space before fields[i]
	start, gap := -1, 0
	for i, r := range raw {
		if isSpace(r) {
			if start >= 0 {
				fields, gaps = append(fields, raw[start:i]), append(gaps, gap)
				start, gap = -1, 0
			}
			gap++
			if r == '\u3000' || r == '\t' {
				gap++
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		fields, gaps = append(fields, raw[start:]), append(gaps, gap)
	}
	out := make([]string, 0, len(fields))
	for i := 0; i < len(fields); {
		j := i
		for j < len(fields) && utf8.RuneCountInString(fields[j]) == 1 && !isNameSepString(fields[j]) {
			j++
		}
		if j-i < 2 {
			out = append(out, fields[i])
			i++
			continue
		}
		narrow := gaps[i+1]
		for k := i + 2; k < j; k++ {
			narrow = min(narrow, gaps[k])
		}
		// Cut at the wider gaps, unless that leaves a one-character name
		// (an uneven OCR gap inside a name: "记 者 万  千").
		var cutBuf [4]string
		cuts := cutBuf[:0]
		from := i
		for k := i + 1; k <= j; k++ {
			if k == j || gaps[k] > narrow {
				cuts = append(cuts, strings.Join(fields[from:k], ""))
				from = k
			}
		}
		if len(cuts) > 1 && slices.ContainsFunc(cuts, hasShortName) {
			cuts = append(cuts[:0], strings.Join(fields[i:j], ""))
		}
		for _, c := range cuts {
			out = appendSpacedRun(out, c)
		}
		i = j
	}
	return out
}

// hasShortName reports a run whose roles leave a one-character name.
func hasShortName(run string) bool {
	var buf [8]segment
	return slices.ContainsFunc(appendCredit(buf[:0], run), func(sg segment) bool {
		return sg.kind == 'n' && utf8.RuneCountInString(sg.text) < 2
	})
}

// appendSpacedRun appends a letter-spaced run, closed up, as fields: its
// roles, and its names split by splitNames.
func appendSpacedRun(out []string, run string) []string {
	if utf8.RuneCountInString(run) < 4 {
		return append(out, run)
	}
	var buf [8]segment
	for _, sg := range appendCredit(buf[:0], run) {
		if sg.kind == 'n' {
			out = append(out, splitNames(sg.text)...)
		} else {
			out = append(out, sg.text)
		}
	}
	return out
}

// surnames are common one-character family names, leaving out those that
// are as common inside given names (明, 文, 华, 金, 安 …), so that a name
// they open is not split off.
const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范石廖贾夏韦付方邹孟熊秦邱尹薛闫段雷侯史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关焦俞左柳甘祝包尚符舒阮柯纪童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍喻祁蒲房滕屈饶解牟艾尤穆农卓缪简车项芦麦褚娄窦戚岑景党宫费卜晏席卫米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁巫寇桑郎甄丛仲虞敖巩佘池麻苑迟邝"

// compoundSurnames are two-character family names.
var compoundSurnames = [...]string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "夏侯", "端木", "公孙", "长孙", "宇文", "司徒", "南宫", "独孤", "西门"}

// splitNames splits a letter-spaced run of four or more characters that
// holds no role into names of two or three characters each (three or four
// after a compound surname), every one opening with a family name, as few
// names as can be ("张三李四" is 张三 and 李四, "王小明李华" 王小明 and 李华).
// A run that splits no such way stays one name ("王小明华", "欧阳晓东").
func splitNames(run string) []string {
	rs := []rune(run)
	n := len(rs)
	if n < 4 {
		return []string{run}
	}
	// names[i] is the fewest names rs[i:] splits into (0: none), next[i]
	// the end of the first of them.
	names, next := make([]int, n+1), make([]int, n+1)
	names[n] = 0
	for i := n - 1; i >= 0; i-- {
		lo, hi := 2, 3
		if !strings.ContainsRune(surnames, rs[i]) {
			lo, hi = 0, -1
		}
		for _, c := range compoundSurnames {
			if strings.HasPrefix(string(rs[i:min(i+2, n)]), c) {
				lo, hi = 3, 4
			}
		}
		for l := lo; l <= hi && i+l <= n; l++ {
			if e := i + l; (e == n || names[e] > 0) && (names[i] == 0 || names[e]+1 < names[i]) {
				names[i], next[i] = names[e]+1, e
			}
		}
	}
	if names[0] < 2 {
		return []string{run}
	}
	out := make([]string, 0, names[0])
	for i := 0; i < n; i = next[i] {
		out = append(out, string(rs[i:next[i]]))
	}
	return out
}

func isNameSepString(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isNameSep(r)
}

// segment is a piece of a credit: a role, a name or a separator.
type segment struct {
	text string
	kind byte // 'r' role, 'n' name, 's' separator
}

// appendCredit splits one field of a credit into roles, names and
// separators, appended to segs: a caller can pass a buffer on its stack.
func appendCredit(segs []segment, f string) []segment {
	name := 0 // start of the pending name
	flush := func(end int) {
		if end > name {
			segs = append(segs, segment{f[name:end], 'n'})
		}
	}
	for i := 0; i < len(f); {
		if role := matchRole(f[i:]); role != "" {
			flush(i)
			segs = append(segs, segment{role, 'r'})
			i += len(role)
			name = i
			continue
		}
		r, n := utf8.DecodeRuneInString(f[i:])
		if isNameSep(r) {
			flush(i)
			segs = append(segs, segment{f[i : i+n], 's'})
			name = i + n
		}
		i += n
	}
	flush(len(f))
	return segs
}

// parsePeople reads the people of a byline's parentheses or a photo
// credit, as printed (raw spacing): "记者郭树勋 通讯员张三", "记 者 郭 树 勋",
// "见习记者 万 千". Each name gets the role that precedes it. text is the
// credit with OCR spacing removed, one space between two people and
// roleSep between a role and its name.
func parsePeople(raw, roleSep string) (authors []Author, text string) {
	var b strings.Builder
	role := ""
	var prev byte
	for _, f := range peopleFields(raw) {
		var buf [8]segment
		for _, s := range appendCredit(buf[:0], f) {
			switch {
			case prev == 'r' && s.kind == 'n':
				b.WriteString(roleSep)
			case prev == 'n' && (s.kind == 'n' || s.kind == 'r'):
				b.WriteByte(' ')
			}
			b.WriteString(s.text)
			switch s.kind {
			case 'r':
				role = s.text
			case 'n':
				authors = append(authors, Author{Name: s.text, Role: role})
			}
			prev = s.kind
		}
	}
	return authors, b.String()
}

// bylineLen returns the length in bytes of the byline opening the cleaned
// line s ("本报讯（记者郭树勋）", "本报北京7月20日电（记者 X）", "新华社…电"),
// or 0 when s does not open with one.
func bylineLen(s string) int {
	mark := ornamentLen(s)
	if n := bylineLenAt(s[mark:]); n > 0 {
		return mark + n
	}
	return 0
}

// ornamentLen is the length of the marks some papers set before a byline
// ("■本报讯").
func ornamentLen(s string) int {
	if len(s) == 0 || s[0] != 0xE2 { // every ornament is U+25xx or U+26xx
		return 0
	}
	n := 0
	for _, r := range s {
		if !strings.ContainsRune("■□●○◆◇★☆▲△▶►", r) {
			break
		}
		n += utf8.RuneLen(r)
	}
	return n
}

// agencyPrefix returns the agency opening s, or "".
func agencyPrefix(s string) string {
	for _, a := range agencies {
		if strings.HasPrefix(s, a) {
			return a
		}
	}
	return ""
}

func bylineLenAt(s string) int {
	agency := agencyPrefix(s)
	if agency == "" {
		return 0
	}
	if matchRole(s[len(agency):]) != "" {
		// A line of people only: "本报记者 张三 通讯员 李四". Spaces are
		// gone from the cleaned line, so a name run longer than four
		// characters is taken for text.
		if peopleOnly(s[len(agency):], 24, 4) {
			return len(s)
		}
		return 0
	}
	d := datelineLen(s[len(agency):])
	if d == 0 {
		return 0
	}
	end := len(agency) + d
	rest := s[end:]
	if strings.HasPrefix(rest, "（") || strings.HasPrefix(rest, "(") {
		if close := closingParen(rest); close > 0 {
			return end + close
		}
	}
	if strings.HasSuffix(s[:end], "电") {
		return 0 // "本报…电" without a credit is too weak a sign
	}
	return end
}

// datelineLen returns the length of the dateline that follows an agency
// up to and including 讯 or 电 ("讯", "北京7月20日电"), or 0. It is short
// and holds no punctuation or role ("本报记者近日从市电业局获悉" is body
// text).
func datelineLen(s string) int {
	runes := 0
	for i, r := range s {
		if r == '讯' || r == '电' {
			return i + len(string(r))
		}
		runes++
		if runes > 12 || isCJKPunct(r) || r == '(' || matchRole(s[i:]) != "" {
			return 0
		}
	}
	return 0
}

// lineBylineLen is bylineLen of a line's cleaned text, also finding a
// byline without parentheses whose people are set off by white space in
// raw, the line as printed, with text after them on the same line
// ("本报记者 张三 李四 7月19日，…", "本报讯 记者 张三 今天上午…").
func lineBylineLen(text, raw string) int {
	if agencyPrefix(text[ornamentLen(text):]) == "" {
		return 0
	}
	n := bylineLen(text)
	if n == len(text) || n > 0 && !strings.HasSuffix(text[:n], "讯") {
		return n // the whole line, or a byline with its credit in parentheses
	}
	if m := spacedBylineLen(text, raw); m > n {
		return m
	}
	return n
}

// maxSpacedPeople is how many white-space-separated fields of roles and
// names a byline without parentheses can hold before its text.
const maxSpacedPeople = 8

// spacedBylineLen returns the length in bytes of the cleaned text of a
// byline without parentheses followed by text: an agency, then a role
// ("本报记者") or a dateline ("本报讯", "新华社北京7月19日电") not followed
// by a parenthesis, then fields of raw that are roles, role and name, or
// names of two to four characters, with at least one role and one name;
// the text may follow on the same line, after white space or right after
// a name when it opens with a digit (a date), or on the next line. Else 0.
func spacedBylineLen(text, raw string) int {
	mark := ornamentLen(text)
	agency := agencyPrefix(text[mark:])
	if agency == "" {
		return 0
	}
	h := mark + len(agency)
	if matchRole(text[h:]) == "" {
		d := datelineLen(text[h:])
		if d == 0 {
			return 0
		}
		h += d
		if strings.HasPrefix(text[h:], "（") || strings.HasPrefix(text[h:], "(") {
			return 0
		}
	}
	_, rest := splitRawAt(raw, nonSpace(text[:h]))
	// n counts the bytes of text after h that the people take: the fields
	// are runs of ideographs, which the cleaned text holds without the
	// white space between them.
	roles, names, n := 0, 0, 0
	for k := 0; ; k++ {
		var f string
		if f, rest = nextField(rest); f == "" {
			break
		}
		fr, fn, ok := peopleField(f)
		if !ok || roles+fr == 0 || k == maxSpacedPeople {
			// Not people, or a name before any role. People glued to a
			// date ("记者孟凡宇7月15日，…") end where the digits start.
			if d := strings.IndexAny(f, "0123456789"); d > 0 && k < maxSpacedPeople {
				if fr, fn, ok = peopleField(f[:d]); ok && roles+fr > 0 && fn > 0 && strings.HasPrefix(text[h+n:], f[:d]) {
					roles, names, n = roles+fr, names+fn, n+d
				}
			}
			break
		}
		if !strings.HasPrefix(text[h+n:], f) {
			return 0
		}
		roles, names, n = roles+fr, names+fn, n+len(f)
	}
	if roles == 0 || names == 0 {
		return 0
	}
	return h + n
}

// peopleField reads one white-space-separated field of a byline without
// parentheses: how many roles and names it holds, and whether it holds
// nothing else (names of two to four ideographs).
//
// It reads f as appendCredit does, without building the segments, and
// stops at the first character that cannot be part of a name: the field
// is often a whole line of article text.
func peopleField(f string) (roles, names int, ok bool) {
	name := 0 // runes of the pending name
	flush := func() bool {
		if name == 0 {
			return true
		}
		names++
		ok := name >= 2 && name <= 4
		name = 0
		return ok
	}
	for i := 0; i < len(f); {
		if role := matchRole(f[i:]); role != "" {
			if !flush() {
				return 0, 0, false
			}
			roles++
			i += len(role)
			continue
		}
		r, n := utf8.DecodeRuneInString(f[i:])
		i += n
		switch {
		case isNameSep(r):
			if !flush() {
				return 0, 0, false
			}
		case isWord(r) || r == '·':
			if name++; name > 4 {
				return 0, 0, false
			}
		default:
			return 0, 0, false
		}
	}
	if !flush() {
		return 0, 0, false
	}
	return roles, names, len(f) > 0
}

// allWords reports a string of ideographs and "·" only: a name.
func allWords(s string) bool {
	for _, r := range s {
		if !isWord(r) && r != '·' {
			return false
		}
	}
	return true
}

// peopleOnly reports whether s (cleaned, agency removed) is only roles and
// names: ideographs, "·" and name separators, 2 to maxNames name
// characters, at most maxSeg of them between two roles or separators.
func peopleOnly(s string, maxNames, maxSeg int) bool {
	names, seg := 0, 0
	for i := 0; i < len(s); {
		if role := matchRole(s[i:]); role != "" {
			i += len(role)
			seg = 0
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if isNameSep(r) && r != '，' && r != ',' {
			seg = 0
			continue
		}
		if !isWord(r) && r != '·' {
			return false
		}
		names++
		if seg++; seg > maxSeg {
			return false
		}
	}
	return names >= 2 && names <= maxNames
}

// closingParen returns the byte offset just past the parenthesis closing
// the one that opens s, if it closes within 40 runes, else 0.
func closingParen(s string) int {
	n := 0
	for i, r := range s {
		if i > 0 && (r == '）' || r == ')') {
			return i + len(string(r))
		}
		if n++; n > 40 || r == '。' {
			return 0
		}
	}
	return 0
}

// parseByline splits a raw byline ("本报讯 （记者付凯明）") into its clean
// text and authors.
func parseByline(raw string) (text string, authors []Author) {
	open := strings.IndexAny(raw, "（(")
	if open < 0 {
		prefix, authors, people := agencyPeople(raw)
		if len(authors) > 0 {
			return prefix + people, authors
		}
		return cleanLine(raw), nil
	}
	close := strings.LastIndexAny(raw, "）)")
	if close < open {
		return cleanLine(raw), nil
	}
	_, openLen := utf8.DecodeRuneInString(raw[open:])
	authors, inner := parsePeople(raw[open+openLen:close], "")
	text = cleanLine(raw[:open+openLen]) + inner + cleanLine(raw[close:])
	return text, authors
}

// creditRunes returns how many runes at the end of the cleaned line s form
// a photo credit ("本报见习记者万千摄" alone or after the caption's last
// sentence), or 0. The credit must open with an agency ("本报") or a role,
// or be set off by a space before 摄 in raw, the line as printed ("张三
// 摄"); what is left after agency and roles must be 2 to 16 ideographs
// (the names). So "…纷纷驻足拍摄" and "由本报记者拍摄" are not credits.
func creditRunes(s, raw string) int {
	// "（记者 张三 摄）": a credit in parentheses.
	inParens := strings.HasSuffix(s, "摄）") || strings.HasSuffix(s, "摄)")
	body := s
	if inParens {
		_, size := utf8.DecodeLastRuneInString(s)
		body = s[:len(s)-size]
	}
	if !strings.HasSuffix(body, "摄") {
		return 0
	}
	tail := body
	for i, r := range body {
		if r == '。' || r == '！' || r == '？' {
			tail = body[i+len(string(r)):]
		}
	}
	tail = strings.TrimLeftFunc(tail, isCloser)
	if inParens {
		open := strings.LastIndexAny(tail, "（(")
		if open < 0 {
			return 0
		}
		tail = tail[open:]
	}
	n := utf8.RuneCountInString(tail)
	if n < 3 || n > 30 {
		return 0
	}
	core := strings.TrimSuffix(tail, "摄")
	if inParens {
		_, size := utf8.DecodeRuneInString(core)
		core = core[size:]
		n++ // the closing parenthesis
	}
	a := agencyPrefix(core)
	core = core[len(a):]
	opened := a != "" || inParens || matchRole(core) != ""
	if !opened {
		trimmed := strings.TrimRightFunc(raw, isSpace)
		before := strings.TrimSuffix(trimmed, "摄")
		if before == trimmed || before == strings.TrimRightFunc(before, isSpace) {
			return 0
		}
	}
	if !peopleOnly(core, 16, 16) {
		return 0
	}
	return n
}

// parseCredit reads a raw photo credit ("本报见习记者 万 千 摄") into its
// clean text ("本报见习记者 万千 摄") and the photographers.
func parseCredit(raw string) (text string, authors []Author) {
	raw = strings.TrimFunc(raw, isSpace)
	open, close := "", ""
	if r, size := utf8.DecodeLastRuneInString(raw); r == '）' || r == ')' {
		if o, osize := utf8.DecodeRuneInString(raw); o == '（' || o == '(' {
			open, close = raw[:osize], raw[len(raw)-size:]
			raw = strings.TrimFunc(raw[osize:len(raw)-size], isSpace)
		}
	}
	raw = strings.TrimSuffix(raw, "摄")
	prefix, authors, people := agencyPeople(raw)
	if people == "" {
		return open + prefix + "摄" + close, authors
	}
	return open + prefix + people + " 摄" + close, authors
}

// agencyPeople reads a raw line of people that may open with an agency
// ("本 报 记 者 张 三", "本报记者 张三 李四"): the agency (with any
// ornament before it), the people, and their text with a space between a
// role and its names.
func agencyPeople(raw string) (prefix string, authors []Author, text string) {
	s := strings.Join(peopleFields(raw), " ")
	mark := ornamentLen(s)
	prefix, s = s[:mark], s[mark:]
	if a := agencyPrefix(s); a != "" {
		prefix, s = prefix+a, s[len(a):]
		if clean := cleanLine(s); matchRole(clean) == "" {
			// A dateline ("讯", "北京7月19日电") is no person.
			if d := datelineLen(clean); d > 0 {
				var dateline string
				dateline, s = splitRawAt(s, nonSpace(clean[:d]))
				prefix += cleanLine(dateline) + " "
			}
		}
	}
	authors, text = parsePeople(s, " ")
	return prefix, authors, text
}
