package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isSpace reports white space, including the ideographic (full-width)
// space and the invisible characters OCR tools leave behind.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
	}
	switch r {
	case 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200B
}

// isWide reports a character set full width on the page: Chinese, Japanese
// and Korean script and full-width punctuation, including the curly quotes,
// dashes and ellipsis Chinese text uses.
func isWide(r rune) bool {
	if r < 0x2000 {
		return false
	}
	switch r {
	case 0x2014, 0x2015, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x2027:
		return true
	}
	if r >= 0xFF61 && r <= 0xFFDC { // half-width forms
		return false
	}
	return r >= 0x2E80
}

// isCJKPunct reports full-width punctuation (not a letter or ideograph).
func isCJKPunct(r rune) bool {
	switch {
	case r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFF0F, r >= 0xFF1A && r <= 0xFF20,
		r >= 0xFF3B && r <= 0xFF40, r >= 0xFF5B && r <= 0xFF65, r >= 0x2010 && r <= 0x2027,
		r >= 0xFE10 && r <= 0xFE4F:
		return true
	}
	return false
}

// width is the display width of s in half-width cells: 2 for wide
// characters, 1 for the rest. Column statistics use it so that a line
// holding half-width digits compares fairly with an all-Chinese line.
//
// s is decoded text, valid UTF-8 (a malformed byte counts as its lead
// byte's character would): every line of a page is measured, so it reads
// bytes, counting each character at its lead byte (cellWeight), and only
// decodes the characters whose lead byte leaves it open (E2, EF).
func width(s string) int {
	_, w := measure(s, 0, false)
	return w
}

// cellsDecode marks the lead bytes whose characters width decodes.
const cellsDecode = 0xFF

// cellWeight is the width of the character a byte opens (continuation
// bytes: 0): U+0000–0FFF and U+1000–1FFF narrow, U+3000–EFFF and beyond
// U+FFFF wide, U+2000–2FFF and U+F000–FFFF decoded (isWide).
var cellWeight = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c < 0x80:
			t[c] = 1
		case c < 0xC0:
			t[c] = 0 // continuation
		case c < 0xE2:
			t[c] = 1
		case c == 0xE2 || c == 0xEF:
			t[c] = cellsDecode
		default:
			t[c] = 2
		}
	}
	return t
}()

// cleanLine removes OCR spacing from one line: white space next to a wide
// character (or at either end) goes, runs of white space between narrow
// characters (Latin words, numbers) become one space.
func cleanLine(s string) string {
	t, _ := cleanMeasure(nil, s)
	return t
}

// cleanMeasure is cleanLine and the width of its result, found in the
// same pass over s: every line of a page is cleaned and measured. It
// writes into buf, when not nil, whose spare capacity should hold s: a
// page's lines share one buffer. The result is s itself when s holds no
// white space. It works run by run: a run of characters without white space is measured
// from its lead bytes and copied whole; only the characters on either side
// of white space are decoded, to decide whether a space stays.
func cleanMeasure(buf *strings.Builder, s string) (text string, w int) {
	i, rw := measureRun(s, 0)
	w = rw
	if i >= len(s) {
		return s, w // most lines of a page hold no white space once decoded
	}
	var own strings.Builder
	b := buf
	if b == nil {
		b = &own
		b.Grow(len(s))
	}
	start := b.Len()
	b.WriteString(s[:i])
	var prev rune = -1 // last rune written, -1 at the start
	if i > 0 {
		prev, _ = utf8.DecodeLastRuneInString(s[:i])
	}
	for i < len(s) {
		// Skip the white space, then copy the run after it.
		for i < len(s) && spaceLead[s[i]] && spaceAt(s, i) {
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		}
		if i >= len(s) {
			break
		}
		if r, _ := utf8.DecodeRuneInString(s[i:]); prev >= 0 && !isWide(prev) && !isWide(r) {
			b.WriteByte(' ')
			w++
		}
		end, rw := measureRun(s, i)
		b.WriteString(s[i:end])
		w += rw
		prev, _ = utf8.DecodeLastRuneInString(s[i:end])
		i = end
	}
	return b.String()[start:], w
}

// measureRun measures s from i up to its next white space (or its end),
// whose offset it returns, with the width of what lies between (see width).
func measureRun(s string, i int) (end, w int) { return measure(s, i, true) }

// measure is width of s from i, up to the next white space if
// stopAtSpace; end is where it stopped.
func measure(s string, i int, stopAtSpace bool) (end, w int) {
	for ; i < len(s); i++ {
		c := s[i]
		if stopAtSpace && spaceLead[c] && spaceAt(s, i) {
			return i, w
		}
		if cw := cellWeight[c]; cw != cellsDecode {
			w += int(cw)
			continue
		}
		if i+2 < len(s) && isWide(rune(c&0x0F)<<12|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F)) {
			w += 2
		} else {
			w++
		}
		i += 2
	}
	return len(s), w
}

// spaceAt reports whether the character at s[i], whose lead byte is a
// spaceLead, is white space.
func spaceAt(s string, i int) bool {
	switch s[i] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	case 0xC2: // U+0085, U+00A0
		return i+1 < len(s) && (s[i+1] == 0x85 || s[i+1] == 0xA0)
	case 0xE1: // U+1680
		return i+2 < len(s) && s[i+1] == 0x9A && s[i+2] == 0x80
	case 0xE2: // U+2000–200B, U+2028, U+2029, U+202F, U+205F
		if i+2 < len(s) {
			b1, b2 := s[i+1], s[i+2]
			return b1 == 0x80 && (b2 <= 0x8B || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) || b1 == 0x81 && b2 == 0x9F
		}
	case 0xE3: // U+3000, the ideographic space
		return i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0x80
	case 0xEF: // U+FEFF
		return i+2 < len(s) && s[i+1] == 0xBB && s[i+2] == 0xBF
	}
	return false
}

// spaceLead marks the bytes that open white space in UTF-8.
var spaceLead = [256]bool{' ': true, '\t': true, '\n': true, '\v': true, '\f': true, '\r': true,
	0xC2: true, 0xE1: true, 0xE2: true, 0xE3: true, 0xEF: true}

// textJoiner joins wrapped lines: no space between wide characters or
// digits (a number can wrap mid-way: "76" + "4万元"), one space between
// two Latin letters, which wrap at word ends. The texts it takes share one
// buffer, so an article's paragraphs cost one allocation (grow sizes it).
type textJoiner struct {
	b     strings.Builder
	start int // where the text being joined starts in b
}

// grow makes room for n more bytes.
func (j *textJoiner) grow(n int) { j.b.Grow(n) }

func (j *textJoiner) add(s string) {
	if s == "" {
		return
	}
	if !j.empty() {
		last, _ := utf8.DecodeLastRuneInString(j.b.String()[j.start:])
		first, _ := utf8.DecodeRuneInString(s)
		if isLatinLetter(last) && isLatinLetter(first) {
			j.b.WriteByte(' ')
		}
	}
	j.b.WriteString(s)
}

func (j *textJoiner) empty() bool { return j.b.Len() == j.start }

// take returns the joined text and starts over.
func (j *textJoiner) take() string {
	s := j.b.String()[j.start:]
	j.start = j.b.Len()
	return s
}

func isLatinLetter(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// closers may follow a sentence's final punctuation: quotes and brackets.
func isCloser(r rune) bool {
	switch r {
	case '”', '’', '」', '』', '）', ')', '》', '】', '"', '\'':
		return true
	}
	return false
}

// endsSentence reports whether s ends with sentence-ending punctuation
// (。！？…, possibly followed by closing quotes or brackets).
func endsSentence(s string) bool {
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		switch {
		case r == '。' || r == '！' || r == '？' || r == '…' || r == '!' || r == '?':
			return true
		case isCloser(r):
			s = s[:len(s)-n]
		default:
			return false
		}
	}
	return false
}

// finished reports a line that ends a sentence, or is a note in
// parentheses on its own ("（下转第2版）", "（完）"): text after it starts
// afresh.
func finished(s string) bool {
	if endsSentence(s) {
		return true
	}
	return (strings.HasPrefix(s, "（") || strings.HasPrefix(s, "(")) &&
		(strings.HasSuffix(s, "）") || strings.HasSuffix(s, ")"))
}

// nonSpace counts the non-space runes of s.
func nonSpace(s string) int {
	n := 0
	for _, r := range s {
		if !isSpace(r) {
			n++
		}
	}
	return n
}

// splitRawAt splits raw after its first n non-space runes; the second part
// starts at the next non-space rune. cleanLine only removes white space, so
// n non-space runes of the cleaned text are n non-space runes of raw.
func splitRawAt(raw string, n int) (string, string) {
	count := 0
	for i, r := range raw {
		if isSpace(r) {
			continue
		}
		if count == n {
			return raw[:i], raw[i:]
		}
		count++
	}
	return raw, ""
}

// letterSpaced reports a line set with a space between every character
// ("安 排 、 再 部 署 。"): most of its white-space-separated fields are a
// single rune.
func letterSpaced(fields []string) bool {
	if len(fields) < 3 {
		return false
	}
	single := 0
	for _, f := range fields {
		if utf8.RuneCountInString(f) == 1 {
			single++
		}
	}
	return single*4 >= len(fields)*3
}

// containsAny reports whether s holds any of subs. It stands in for
// strings.ContainsAny with a set of non-ASCII characters, which decodes
// every rune of s and looks it up in the set: searching for each one with
// strings.Contains (a fast byte search) is several times quicker on the
// short lines the parser asks about.
func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// nextField returns the first white-space-separated field of s and the
// rest of s after it; field is "" when s holds none.
func nextField(s string) (field, rest string) {
	start := -1
	for i, r := range s {
		if isSpace(r) {
			if start >= 0 {
				return s[start:i], s[i:]
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start < 0 {
		return "", ""
	}
	return s[start:], ""
}

// withoutSpace returns s with its white space (isSpace) removed.
func withoutSpace(s string) string {
	i := strings.IndexFunc(s, isSpace)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if !isSpace(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fieldsSpace splits s at white space (isSpace).
func fieldsSpace(s string) []string {
	return strings.FieldsFunc(s, isSpace)
}

// cleanHeadline cleans one headline line. Unlike body text, a space between
// two Chinese words in a headline is a deliberate separator between its
// parts ("打造区域金融中心 强化产业发展引擎") and is kept as one space; a
// letter-spaced headline and spaces next to punctuation are closed up.
func cleanHeadline(s string) string {
	fields := fieldsSpace(s)
	if letterSpaced(fields) {
		return cleanLine(strings.Join(fields, ""))
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(fields[i-1])
			next, _ := utf8.DecodeRuneInString(f)
			words := isWord(prev) && isWord(next) &&
				utf8.RuneCountInString(fields[i-1]) > 1 && utf8.RuneCountInString(f) > 1
			if words || !isWide(prev) && !isWide(next) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(f)
	}
	return b.String()
}

// isWord reports a wide character that is not punctuation (an ideograph).
func isWord(r rune) bool { return isWide(r) && !isCJKPunct(r) }

// OneLine makes s one line of clean text, for a title, a name or a mail
// header value: C0 and C1 control characters and invisible format
// characters (StripFormat) are dropped, and runs of white
// space (line breaks, tabs and Unicode spaces included) become one space,
// trimmed at both ends, so no value can start a header of its own or break
// a layout.
func OneLine(s string) string {
	s = StripFormat(s)
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		switch {
		case isSpace(r):
			pending = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if pending && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pending = false
		b.WriteRune(r)
	}
	return b.String()
}

// StripFormat removes invisible format characters (Unicode category Cf)
// from s: the bidirectional embeddings, overrides and isolates (U+202A–202E,
// U+2066–2069) and marks (U+200E, U+200F, U+061C) that can make
// "会议\u202egnp.exe\u202c召开" display as something else, zero-width spaces
// non-joiners and joiners, soft hyphens and the like. A zero
// width joiner between two emoji stays: it joins an emoji sequence (👨‍👩‍👧).
// Every text that reaches a reader passes through it: page and Markdown
// input (DecodeText), one-line values such as titles and mail headers
// (OneLine), and the feeds' and pages' text (site.Clean).
func StripFormat(s string) string {
	if !mayHaveFormat(s) {
		return s
	}
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if isFormat(r) && !joinsEmoji(s, i, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isFormat(r) || joinsEmoji(s, i, n) {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// mayHaveFormat reports whether s may hold a format character, looking at
// bytes only: UTF-8 puts every Cf character behind one of a few lead bytes,
// and the common ones behind E2 80 or E2 81, which Chinese text's curly
// quotes and dashes (E2 80 9C ...) share, so those are told apart by their
// third byte. Most text is answered without decoding a rune.
func mayHaveFormat(s string) bool {
	for i := 0; i < len(s); i++ {
		if formatLead[s[i]] && formatAt(s, i) {
			return true
		}
	}
	return false
}

// formatAt reports whether the character at s[i], whose lead byte is a
// formatLead, may be a format character (see mayHaveFormat).
func formatAt(s string, i int) bool {
	switch s[i] {
	case 0xC2: // U+00AD soft hyphen
		return i+1 < len(s) && s[i+1] == 0xAD
	case 0xE2: // U+200C–200F, U+202A–202E, U+2060–206F
		if i+2 < len(s) {
			b1, b2 := s[i+1], s[i+2]
			return b1 == 0x80 && (b2 >= 0x8C && b2 <= 0x8F || b2 >= 0xAA && b2 <= 0xAE) || b1 == 0x81 && b2 >= 0xA0 && b2 <= 0xAF
		}
		return false
	case 0xEF: // U+FFF9–FFFB
		return i+2 < len(s) && s[i+1] == 0xBF && s[i+2] >= 0xB9 && s[i+2] <= 0xBB
	}
	return true // rare scripts' marks, tags
}

// formatLead marks the UTF-8 lead bytes of format characters.
var formatLead = [256]bool{0xC2: true, 0xD8: true, 0xDB: true, 0xDC: true, 0xE0: true, 0xE1: true, 0xE2: true, 0xEF: true, 0xF0: true, 0xF3: true}

// isFormat reports a format character that is not white space: the zero
// width space and a stray byte-order mark are left to the white-space
// rules (isSpace), which turn them into a space or nothing. Most text (ASCII, CJK, full-width
// forms) lies outside every Cf range and is answered without a table
// look-up.
func isFormat(r rune) bool {
	if r < 0xAD || r > 0x206F && r < 0xFEFF {
		return false
	}
	return unicode.Is(unicode.Cf, r) && !isSpace(r)
}

// joinsEmoji reports whether the rune at s[i:i+n] is a zero width joiner
// between two emoji.
func joinsEmoji(s string, i, n int) bool {
	if s[i:i+n] != "\u200d" {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	if prev == 0xFE0F { // a variation selector after the emoji
		prev, _ = utf8.DecodeLastRuneInString(s[:i-3])
	}
	next, _ := utf8.DecodeRuneInString(s[i+n:])
	return isEmoji(prev) && isEmoji(next)
}

// isEmoji approximates Extended_Pictographic: the emoji blocks and the
// older symbols (♀, ♂, ⚕, ❤ ...) that emoji sequences join.
func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF
}
