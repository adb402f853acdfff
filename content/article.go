// Package content is paperboy's domain: the articles of a newspaper edition
// and the parsers that cut them out of page text and Markdown files. It is
// pure: readers in, values out; it never touches the database or the network.
package content

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind tells what sort of item an Article is.
type Kind string

// The kinds of item found on a page.
const (
	// KindArticle is a report with a byline, a headline and paragraphs.
	KindArticle Kind = "article"
	// KindPhoto is photo news: a caption and a photographer's credit.
	KindPhoto Kind = "photo"
)

// Author is a person credited on an item, with the role the paper gives
// them (记者, 通讯员, 实习生, 见习记者; for Markdown articles, any role or none).
type Author struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// Article is one item of an edition: a report, photo news or a web-only
// Markdown article.
//
// The parser fills the content fields and ID; the store adds Topics,
// Created and Updated when it saves the article.
type Article struct {
	// ID is stable across re-ingests and corrections; see StableID.
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Title is the main headline. Kicker (引题) stands above it and
	// Subtitle (副题) below; either may be empty. DisplayTitle joins them.
	Title    string `json:"title"`
	Kicker   string `json:"kicker,omitempty"`
	Subtitle string `json:"subtitle,omitempty"`
	// Byline is the article's opening credit as printed, e.g.
	// "本报讯（记者郭树勋）", or a photo's credit, "本报见习记者 万千 摄".
	Byline  string   `json:"byline,omitempty"`
	Authors []Author `json:"authors"`
	// Paragraphs is clean text: no line-wrap breaks, no OCR spacing.
	Paragraphs []string `json:"paragraphs"`
	// Summary is set by Markdown front matter; feeds and digests derive a
	// lead from the paragraphs when it is empty.
	Summary string `json:"summary,omitempty"`
	// Date is the edition date, YYYY-MM-DD.
	Date string `json:"date"`
	// Lines is the first and last line of the source file the item came
	// from (1-based, inclusive); zero for Markdown articles.
	Lines [2]int `json:"lines"`
	// Source names the file the item came from, relative to its directory.
	Source string `json:"source,omitempty"`
	// Image is a photo item's picture, set at ingest when the newsroom
	// supplied the file (see package ingest); nil otherwise.
	Image *Image `json:"image,omitempty"`

	// Topics, Created and Updated are set by the store.
	Topics  []string  `json:"topics,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
}

// DisplayTitle is the headline as one line: kicker, title and subtitle
// joined with one space, skipping the empty parts.
func (a Article) DisplayTitle() string {
	parts := make([]string, 0, 3)
	for _, p := range []string{a.Kicker, a.Title, a.Subtitle} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// Text is the article body: its paragraphs separated by blank lines.
func (a Article) Text() string { return strings.Join(a.Paragraphs, "\n\n") }

// Lead is what lists, feeds and digests show under a headline: the
// article's Summary when it has one, otherwise its paragraphs run together,
// cut to about n characters by Truncate.
func (a Article) Lead(n int) string {
	if s := strings.TrimSpace(a.Summary); s != "" {
		return Truncate(s, n)
	}
	var b strings.Builder
	runes := 0
	for _, p := range a.Paragraphs {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		// Chinese runs on after its punctuation; Latin text needs a space.
		if r, _ := utf8.DecodeLastRuneInString(b.String()); b.Len() > 0 && r < 0x3000 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
		// Enough to cut from: the rest of a long article is never shown.
		if runes += utf8.RuneCountInString(p); runes > n {
			break
		}
	}
	return Truncate(b.String(), n)
}

// Truncate cuts s to about n characters, so that a lead reads as whole
// sentences or clauses: at a sentence end in the last third if there is
// one; else at a clause break there (，；、：), marked with an ellipsis; else
// at n characters, moved back out of a number ("2.5" or "1,000" is never
// cut), marked with an ellipsis. The ellipsis is the language's: "……" after
// Chinese, "…" after Latin text.
func Truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	for i := n - 1; i >= n*2/3; i-- {
		if isSentenceEnd(runes[i]) && (i+1 == len(runes) || !unicode.IsDigit(runes[i+1])) {
			// Closing quotes and brackets go with their sentence.
			j := i + 1
			for j < len(runes) && j < n+2 && isCloser(runes[j]) {
				j++
			}
			return string(runes[:j])
		}
	}
	cut := n
	for i := n - 1; i >= n*2/3; i-- {
		if isClauseBreak(runes[i]) && !insideNumber(runes, i+1) {
			cut = i
			break
		}
	}
	if cut == n {
		for cut > 0 && insideNumber(runes, cut) {
			cut--
		}
		// A Latin word is not cut either: back to the space before it.
		if cut > 0 && cut < len(runes) && isLatinLetter(runes[cut-1]) && isLatinLetter(runes[cut]) {
			for i := cut - 1; i >= n*2/3; i-- {
				if unicode.IsSpace(runes[i]) {
					cut = i
					break
				}
			}
		}
		if cut == 0 {
			cut = n // a number n characters long: cut it after all
		}
	}
	kept := strings.TrimRightFunc(string(runes[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || isClauseBreak(r)
	})
	return kept + ellipsisAfter(kept)
}

func isSentenceEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '.', '!', '?':
		return true
	}
	return false
}

func isClauseBreak(r rune) bool {
	switch r {
	case '，', '；', '、', '：', ',', ';', ':':
		return true
	}
	return false
}

// insideNumber reports whether cutting runes before index i would split a
// number from its digits, its decimals or what follows it: right after a
// digit ("3000|万元" says 3000, not thirty million), or after a decimal
// point or separator that follows one ("12.|5").
func insideNumber(runes []rune, i int) bool {
	if i <= 0 || i >= len(runes) {
		return false
	}
	l := runes[i-1]
	switch {
	case unicode.IsDigit(l):
		return true
	case l == '.' || l == ',' || l == '．' || l == '，':
		return i >= 2 && unicode.IsDigit(runes[i-2]) && unicode.IsDigit(runes[i])
	}
	return false
}

// ellipsisAfter is the ellipsis that ends a cut text: "……" (two
// characters, as Chinese writes it) after Chinese, "…" after anything
// else.
func ellipsisAfter(s string) string {
	r, _ := utf8.DecodeLastRuneInString(s)
	if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) {
		return "……"
	}
	return "…"
}

// Warning reports text that the parser could not place in any item, or a
// guess it had to make, with where it was found.
type Warning struct {
	File    string `json:"file,omitempty"`
	Lines   [2]int `json:"lines"`
	Message string `json:"message"`
	// Text is the unplaced text, when the warning is about text.
	Text string `json:"text,omitempty"`
}

// String formats the warning as "file:first-last: message: text".
func (w Warning) String() string {
	var b strings.Builder
	if w.File != "" {
		b.WriteString(w.File)
		b.WriteByte(':')
	}
	b.WriteString(strconv.Itoa(w.Lines[0]))
	if w.Lines[1] != w.Lines[0] {
		b.WriteByte('-')
		b.WriteString(strconv.Itoa(w.Lines[1]))
	}
	b.WriteString(": ")
	b.WriteString(w.Message)
	if w.Text != "" {
		b.WriteString(": ")
		b.WriteString(w.Text)
	}
	return b.String()
}

// Edition is what one source file yields: its date, its items in page
// order and the warnings met on the way.
type Edition struct {
	// Date is the edition date, YYYY-MM-DD.
	Date string
	// Source is the file name the edition came from.
	Source   string
	Articles []Article
	Warnings []Warning
}

// StableID returns the id of an item: the edition date and 12 hex digits of
// a SHA-256 over the edition date, the item's kind and its key, e.g.
// "2021-07-20-1f3a9c0b2d4e".
//
// The key is what identifies an item within its edition and survives a
// correction of its text. For page articles it is the display title with
// all white space removed; for photos the credit line and the first 16
// characters of the caption (white space removed), not the photo's
// ordinal, which a correction dropping an earlier photo would shift.
// Parsers make keys unique within a page by appending "#2", "#3" to
// repeats, then prefix the page label (the file's base name without its
// date and extension, "20210720-A3.txt" -> "A3"; none for "2021-07-20.txt")
// and a NUL byte, so that the pages of one day never share an id. A
// Markdown article's key is "md:" and its file's base name. So an edited
// paragraph keeps the id, while a new headline is a new article (the old
// one is removed on re-ingest), and a renamed file keeps its ids only if
// its label stays the same.
func StableID(date string, kind Kind, key string) string {
	h := sha256.New()
	h.Write([]byte(date))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return date + "-" + hex.EncodeToString(h.Sum(nil)[:stableIDHexLen/2])
}

// stableIDHexLen is how many hex digits of the hash a StableID carries.
const stableIDHexLen = 12

// IsStableID reports whether id has the form StableID gives: the
// edition date, a dash and twelve lower-case hex digits. Pages check a
// requested id with it before asking the store.
func IsStableID(id string) bool {
	if len(id) != len("2006-01-02-")+stableIDHexLen || !IsDate(id[:10]) || id[10] != '-' {
		return false
	}
	hash := id[11:]
	for i := 0; i < len(hash); i++ {
		if c := hash[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// IsDate reports whether s has the form of an edition date, YYYY-MM-DD
// (digits and dashes; whether the day exists is the store's question).
func IsDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}
