package content

import (
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

// mergeLetterSpaced joins runs of single-rune fields: a letter-spaced name
// "万 千" is one name, "张三 李四" are two.
func mergeLetterSpaced(fields []string) []string {
	out := make([]string, 0, len(fields))
	for i := 0; i < len(fields); {
		j := i
		for j < len(fields) && utf8.RuneCountInString(fields[j]) == 1 && !isNameSepString(fields[j]) {
			j++
		}
		if j-i >= 2 {
			out = append(out, strings.Join(fields[i:j], ""))
			i = j
			continue
		}
		out = append(out, fields[i])
		i++
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

// splitCredit splits one field of a credit into roles, names and separators.
func splitCredit(f string) []segment {
	var segs []segment
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
	for _, f := range mergeLetterSpaced(fieldsSpace(raw)) {
		for _, s := range splitCredit(f) {
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
	agency := ""
	for _, a := range agencies {
		if strings.HasPrefix(s, a) {
			agency = a
			break
		}
	}
	if agency == "" {
		return 0
	}
	// The dateline between the agency and 讯/电 is short and holds no
	// punctuation or role ("本报记者近日从市电业局获悉" is body text).
	end := -1
	runes := 0
	for i, r := range s[len(agency):] {
		if r == '讯' || r == '电' {
			end = len(agency) + i + len(string(r))
			break
		}
		runes++
		if runes > 12 || isCJKPunct(r) || r == '(' || matchRole(s[len(agency)+i:]) != "" {
			return 0
		}
	}
	if end < 0 {
		return 0
	}
	rest := s[end:]
	if strings.HasPrefix(rest, "（") || strings.HasPrefix(rest, "(") {
		if close := closingParen(rest); close > 0 {
			return end + close
		}
	}
	if strings.HasSuffix(s[:end], "电") && !strings.HasSuffix(s[:end], "讯") {
		return 0 // "本报…电" without a credit is too weak a sign
	}
	return end
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
// sentence), or 0. raw is the line as printed: a bare "张三 摄" counts only
// when a space sets the name off from 摄, so "…纷纷驻足拍摄" is not a credit.
func creditRunes(s, raw string) int {
	if !strings.HasSuffix(s, "摄") {
		return 0
	}
	// The credit is what follows the last sentence end.
	tail := s
	for i, r := range s {
		if r == '。' || r == '！' || r == '？' {
			tail = s[i+len(string(r)):]
		}
	}
	tail = strings.TrimLeftFunc(tail, isCloser)
	n := utf8.RuneCountInString(tail)
	if n < 3 || n > 30 {
		return 0
	}
	body := strings.TrimSuffix(tail, "摄")
	for _, a := range agencies {
		body = strings.TrimPrefix(body, a)
	}
	hasRole := false
	for i := range body {
		if matchRole(body[i:]) != "" {
			hasRole = true
			break
		}
	}
	if !hasRole {
		// "张三 摄": a short all-ideograph name set off by a space.
		trimmed := strings.TrimRightFunc(raw, isSpace)
		before := strings.TrimSuffix(trimmed, "摄")
		if before == trimmed || before == strings.TrimRightFunc(before, isSpace) || n > 10 {
			return 0
		}
		for _, r := range body {
			if !isWord(r) {
				return 0
			}
		}
	}
	return n
}

// parseCredit reads a raw photo credit ("本报见习记者 万 千 摄") into its
// clean text ("本报见习记者 万千 摄") and the photographers.
func parseCredit(raw string) (text string, authors []Author) {
	raw = strings.TrimRightFunc(raw, isSpace)
	raw = strings.TrimSuffix(raw, "摄")
	raw = strings.Join(mergeLetterSpaced(fieldsSpace(raw)), " ")
	prefix := ""
	for _, a := range agencies {
		if strings.HasPrefix(raw, a) {
			prefix, raw = a, raw[len(a):]
			break
		}
	}
	authors, people := parsePeople(raw, " ")
	if people == "" {
		return prefix + "摄", authors
	}
	return prefix + people + " 摄", authors
}
