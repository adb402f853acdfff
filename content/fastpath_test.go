package content

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// The parser's hot loops read bytes instead of decoding runes (width,
// cleanLine, peopleField, matchRole, containsAny,
// the decoder's byte scans). These tests hold each to a plain rune-by-rune
// reading of its rule, on every page in testdata, on every character
// class boundary and on random and malformed bytes, so a faster version
// can never mean a different parse.

// widthRef is width read rune by rune.
func widthRef(s string) int {
	w := 0
	for _, r := range s {
		if isWide(r) {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// cleanLineRef is cleanLine read rune by rune.
func cleanLineRef(s string) string {
	var b strings.Builder
	var prev rune = -1
	pending := false
	for _, r := range s {
		if isSpace(r) {
			pending = true
			continue
		}
		if pending && prev >= 0 && !isWide(prev) && !isWide(r) {
			b.WriteByte(' ')
		}
		pending = false
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// peopleFieldRef is peopleField read through appendCredit's segments.
func peopleFieldRef(f string) (roles, names int, ok bool) {
	segs := appendCredit(nil, f)
	ok = len(segs) > 0
	for _, sg := range segs {
		switch sg.kind {
		case 'r':
			roles++
		case 'n':
			if c := utf8.RuneCountInString(sg.text); c < 2 || c > 4 || !allWords(sg.text) {
				ok = false
			}
			names++
		}
	}
	return roles, names, ok
}

// fastPathInputs returns the lines of every test page, the characters
// around each boundary the byte scans test, and random strings over an
// alphabet of those characters, malformed bytes and white space.
func fastPathInputs(t *testing.T) []string {
	t.Helper()
	var in []string
	for _, name := range testPages(t) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, strings.Split(string(b), "\n")...)
	}
	var alphabet []string
	edges := []rune{0x7F, 0x80, 0x85, 0xA0, 0xAD, 0x7FF, 0x800, 0xFFF, 0x1000, 0x167F, 0x1680, 0x1681, 0x1FFF,
		0x2000, 0x200B, 0x200C, 0x2013, 0x2014, 0x2027, 0x2028, 0x2029, 0x202F, 0x205F, 0x2E7F, 0x2E80,
		0x2FFF, 0x3000, 0x3001, 0x303F, 0x4E00, 0x9FFF, 0xCFFF, 0xD000, 0xD7FF, 0xE000, 0xEFFF, 0xF000,
		0xFEFF, 0xFF0C, 0xFF60, 0xFF61, 0xFFDC, 0xFFDD, 0xFFFD, 0x10000, 0x1F600, 0x10FFFF}
	for _, r := range edges {
		alphabet = append(alphabet, string(r))
	}
	for _, r := range roles {
		alphabet = append(alphabet, r)
	}
	alphabet = append(alphabet, " ", "\t", "\u3000", "a", "Z", "7", "、", "，", "·", "张", "三", "本报",
		"\xE3\x80", "\xE2", "\xED\xA0\x80", "\xE0\x80\x80", "\xC0\xAF", "\xFF", "\x80", "\xF4\x90\x80\x80")
	for _, a := range alphabet {
		in = append(in, a, "x"+a, a+"y", "中"+a+"文", a+" "+a, a+"\u3000"+a)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		in = append(in, b.String())
	}
	return in
}

func TestFastPathsAgreeWithRuneReading(t *testing.T) {
	in := fastPathInputs(t)
	for _, s := range in {
		if got, want := width(s), widthRef(s); got != want && utf8.ValidString(s) {
			t.Errorf("width(%q) = %d, rune by rune %d", s, got, want)
		}
		// Page text is valid UTF-8 once decoded (DecodeText), and only
		// valid text is compared: the reference writes U+FFFD for a bad byte.
		if got, want := cleanLine(s), cleanLineRef(s); got != want && utf8.ValidString(s) {
			t.Errorf("cleanLine(%q) = %q, rune by rune %q", s, got, want)
		}
		if got, w := cleanMeasure(nil, s); (got != cleanLineRef(s) || w != widthRef(got)) && utf8.ValidString(s) {
			t.Errorf("cleanMeasure(%q) = %q, %d; want %q, %d", s, got, w, cleanLineRef(s), widthRef(cleanLineRef(s)))
		}
		if got, want := withoutSpace(s), strings.Join(strings.FieldsFunc(s, isSpace), ""); got != want && utf8.ValidString(s) {
			t.Errorf("withoutSpace(%q) = %q, want %q", s, got, want)
		}
		gr, gn, gok := peopleField(s)
		wr, wn, wok := peopleFieldRef(s)
		if gok != wok || gok && (gr != wr || gn != wn) {
			t.Errorf("peopleField(%q) = %d, %d, %v; from segments %d, %d, %v", s, gr, gn, gok, wr, wn, wok)
		}
		if got, want := controlByte(s), strings.IndexFunc(s, func(r rune) bool { return r < 0x80 && isBinaryByte(byte(r)) }); got != want && utf8.ValidString(s) {
			t.Errorf("controlByte(%q) = %d, want %d", s, got, want)
		}
		if off, format := scanBytes(s); off != controlByte(s) || off < 0 && format != mayHaveFormat(s) {
			t.Errorf("scanBytes(%q) = %d, %v; controlByte %d, mayHaveFormat %v", s, off, format, controlByte(s), mayHaveFormat(s))
		}
		if !mayHaveFormat(s) && strings.ContainsFunc(s, isFormat) {
			t.Errorf("mayHaveFormat(%q) = false, but it holds a format character", s)
		}
	}
}

func TestPrefixRunesOf(t *testing.T) {
	tests := []struct {
		name string
		ss   []string
		n    int
	}{
		{"none", nil, 40},
		{"within the first", []string{"会议召开。", "第二段。"}, 3},
		{"across two", []string{"会议召开。", "第二段。"}, 7},
		{"all of them", []string{"会议召开。", "第二段。"}, 40},
		{"exactly the first", []string{"会议", "召开"}, 2},
		{"empty strings between", []string{"", "会", "", "议召开"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := prefixRunesOf(tt.ss, tt.n), prefixRunes(strings.Join(tt.ss, ""), tt.n); got != want {
				t.Errorf("prefixRunesOf(%q, %d) = %q, want %q", tt.ss, tt.n, got, want)
			}
		})
	}
}

func TestMatchRoleFindsEveryRole(t *testing.T) {
	for _, r := range roles {
		for _, s := range []string{r, r + "张三", r + " "} {
			if got := matchRole(s); got != r {
				t.Errorf("matchRole(%q) = %q, want %q", s, got, r)
			}
		}
	}
	for _, s := range []string{"", "记", "张三记者", "本报记者", " 记者"} {
		if got := matchRole(s); got != "" {
			t.Errorf("matchRole(%q) = %q, want none", s, got)
		}
	}
}

func TestContainsAny(t *testing.T) {
	tests := []struct {
		name string
		s    string
		subs []string
		want bool
	}{
		{"wide comma", "会议，召开", []string{"，", ",", "、"}, true},
		{"narrow comma", "a,b", []string{"，", ",", "、"}, true},
		{"none", "会议召开。", []string{"，", ",", "、"}, false},
		{"empty text", "", []string{"，"}, false},
		{"no sets", "会议", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := containsAny(tt.s, tt.subs...); got != tt.want {
				t.Errorf("containsAny(%q, %q) = %v, want %v", tt.s, tt.subs, got, tt.want)
			}
		})
	}
}
