package content

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// EditionDateFromName returns the edition date a file name carries:
// "2021-07-20.txt", "2021_07_20-A3.txt", "20210720-A3.txt" all give
// "2021-07-20". Only the base name is read; the date must be a real
// calendar date between 1900 and 2099.
func EditionDateFromName(name string) (string, bool) {
	d, _, _, ok := nameDate(filepath.Base(name))
	return d, ok
}

// nameDate finds the first date in a base name: the date and the byte
// range it spans.
func nameDate(base string) (date string, from, to int, ok bool) {
	for i := 0; i+8 <= len(base); i++ {
		if i > 0 && isDigit(base[i-1]) {
			continue
		}
		if d, n, ok := dateSpan(base[i:]); ok {
			return d, i, i + n, true
		}
	}
	return "", 0, 0, false
}

// PageLabel is pageLabel, for ingest to tell a renamed page file (same
// label, another date) from another page of the day.
func PageLabel(name string) string { return pageLabel(name) }

// pageLabel names a page among the pages of its day: the file's base name
// without its date and extension, separators trimmed ("20210720-A3.txt"
// gives "A3", "2021-07-20.txt" gives ""). Ids include it, so two pages of
// one day never share an id, and a renamed file keeps its ids only when
// its label stays the same.
func pageLabel(name string) string {
	if name == "" {
		return ""
	}
	base := filepath.Base(name)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	const seps = "-_. \t"
	_, from, to, ok := nameDate(base)
	if !ok {
		return strings.Trim(base, seps)
	}
	before, after := strings.Trim(base[:from], seps), strings.Trim(base[to:], seps)
	if before != "" && after != "" {
		return before + "-" + after
	}
	return before + after
}

// dateAt reads YYYY[-_.]?MM[-_.]?DD at the start of s, not followed by
// another digit.
func dateAt(s string) (string, bool) {
	d, _, ok := dateSpan(s)
	return d, ok
}

// dateSpan is dateAt that also returns the length of the date in bytes.
func dateSpan(s string) (string, int, bool) {
	n := len(s)
	digits := func(s string, n int) (int, bool) {
		if len(s) < n {
			return 0, false
		}
		v := 0
		for i := 0; i < n; i++ {
			if !isDigit(s[i]) {
				return 0, false
			}
			v = v*10 + int(s[i]-'0')
		}
		return v, true
	}
	year, ok := digits(s, 4)
	if !ok || year < 1900 || year > 2099 {
		return "", 0, false
	}
	s = s[4:]
	sep := byte(0)
	if len(s) > 0 && (s[0] == '-' || s[0] == '_' || s[0] == '.') {
		sep, s = s[0], s[1:]
	}
	month, ok := digits(s, 2)
	if !ok {
		return "", 0, false
	}
	s = s[2:]
	if sep != 0 {
		if len(s) == 0 || s[0] != sep {
			return "", 0, false
		}
		s = s[1:]
	}
	day, ok := digits(s, 2)
	if !ok || len(s) > 2 && isDigit(s[2]) {
		return "", 0, false
	}
	d, ok := validDate(year, month, day)
	return d, n - len(s) + 2, ok
}

func validDate(year, month, day int) (string, bool) {
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// inferDate guesses the edition date from page text: the latest "M月D日"
// the text mentions (lines joined, since a date may wrap: "7\n月13日"), in
// the year of the first "YYYY年" it mentions. Reports tell of the days
// before their edition, so the latest day named is the closest guess; it
// is still a guess, and the parser warns when it uses it. line is where
// that month and day mention starts.
func inferDate(lines []pline) (date string, line int, ok bool) {
	var b strings.Builder
	starts := make([]int, 0, len(lines)) // byte offset of each line in b
	for _, l := range lines {
		starts = append(starts, b.Len())
		b.WriteString(l.text)
	}
	s := b.String()
	year, month, day, at := 0, 0, 0, -1
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || i > 0 && isDigit(s[i-1]) {
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) && j-i < 5 {
			j++
		}
		n, _ := strconv.Atoi(s[i:j])
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == '年' && j-i == 4 && year == 0 && n >= 1900 && n <= 2099:
			year = n
		case r == '月' && n >= 1 && n <= 12:
			k := j + size
			e := k
			for e < len(s) && isDigit(s[e]) && e-k < 2 {
				e++
			}
			d, _ := strconv.Atoi(s[k:e])
			later := n > month || n == month && d > day
			if r2, _ := utf8.DecodeRuneInString(s[e:]); later && e > k && (r2 == '日' || r2 == '号') && d >= 1 && d <= 31 {
				month, day, at = n, d, i
			}
		}
		i = j - 1
	}
	if year == 0 || month == 0 {
		return "", 0, false
	}
	idx, found := slices.BinarySearch(starts, at)
	if !found {
		idx--
	}
	// Empty lines share their start with the next line: take the last.
	for idx+1 < len(starts) && starts[idx+1] == at {
		idx++
	}
	date, ok = validDate(year, month, day)
	return date, lines[idx].n, ok
}
