package content

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// DecodeError says why a file is not text: the file name, the byte offset
// of the first byte that cannot be read and what was wrong there.
type DecodeError struct {
	Name   string
	Offset int
	Reason string
}

// Error formats the error as "content: FILE: byte offset N: REASON".
func (e *DecodeError) Error() string {
	name := e.Name
	if name == "" {
		name = "input"
	}
	return fmt.Sprintf("content: %s: byte offset %d: %s", name, e.Offset, e.Reason)
}

// DecodeText turns the bytes of a page or Markdown file into text with "\n"
// line ends. It accepts UTF-8 with or without a byte-order mark, UTF-16 with
// a byte-order mark, and GB18030 (a superset of GBK and GB2312, what Chinese
// Windows tools write). A file that is valid UTF-8 is read as UTF-8, since
// GBK text is almost never valid UTF-8 by accident.
//
// Binary data (NUL or other control bytes) or bytes that are neither UTF-8
// nor GB18030 give a *DecodeError naming the file and the byte offset, so
// nothing is half-parsed.
func DecodeText(b []byte, name string) (string, error) {
	return decodeOwned(string(b), name)
}

// decodeOwned is DecodeText of the file's bytes held in a string, which
// spares a copy when the caller read the file into one (readPage).
func decodeOwned(b string, name string) (string, error) {
	s, format, err := decodeText(b, name)
	if err != nil {
		return "", err
	}
	// Invisible format characters (bidi overrides and the like) go here,
	// once, so no stored article carries them into a page, feed or mail.
	if format {
		s = StripFormat(s)
	}
	return s, nil
}

// decodeText decodes a file's bytes, given as a string. format is false
// when the text is known to hold no format character (see StripFormat).
func decodeText(b string, name string) (text string, format bool, err error) {
	switch {
	case strings.HasPrefix(b, "\xEF\xBB\xBF"):
		if off := invalidUTF8(b[3:]); off >= 0 {
			return "", false, &DecodeError{Name: name, Offset: 3 + off, Reason: "invalid UTF-8 after a UTF-8 byte-order mark"}
		}
		text, err = checkControls(b[3:], 3, name)
		return text, true, err
	case strings.HasPrefix(b, "\xFF\xFE"), strings.HasPrefix(b, "\xFE\xFF"):
		text, err = decodeUTF16(b, name)
		return text, true, err
	}
	// Control bytes mean binary in either encoding: neither UTF-8 nor
	// GB18030 uses bytes below 0x20 inside a multi-byte character. The
	// same pass looks for format characters, for UTF-8 text.
	off, format := scanBytes(b)
	if off >= 0 {
		return "", false, &DecodeError{Name: name, Offset: off, Reason: fmt.Sprintf("binary data (byte 0x%02X), not a text file", b[off])}
	}
	utfBad := invalidUTF8(b)
	if utfBad < 0 {
		return normalizeLineEnds(b), format, nil
	}
	if gbBad := invalidGB18030(b); gbBad >= 0 {
		// Report where the more successful reading broke down: for a GBK
		// file with one corrupt byte that is the corrupt byte.
		off := max(gbBad, utfBad)
		return "", false, &DecodeError{Name: name, Offset: off, Reason: fmt.Sprintf("byte 0x%02X is neither UTF-8 nor GB18030 text; convert the file to UTF-8", b[off])}
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().String(b)
	if err != nil {
		return "", false, &DecodeError{Name: name, Offset: 0, Reason: fmt.Sprintf("GB18030: %v", err)}
	}
	return normalizeLineEnds(out), true, nil
}

// invalidUTF8 returns the offset of the first byte that is not valid UTF-8,
// or -1.
func invalidUTF8(b string) int {
	if utf8.ValidString(b) { // the common case, and the standard library's is faster
		return -1
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// invalidGB18030 returns the offset of the first byte sequence that is not
// well-formed GB18030 (one byte 00-7F; two bytes 81-FE + 40-7E/80-FE; four
// bytes 81-FE 30-39 81-FE 30-39), or -1.
func invalidGB18030(b string) int {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
		case c == 0x80 || c == 0xFF:
			return i
		case i+1 < len(b) && (b[i+1] >= 0x40 && b[i+1] <= 0x7E || b[i+1] >= 0x80 && b[i+1] <= 0xFE):
			i += 2
		case i+3 < len(b) && b[i+1] >= 0x30 && b[i+1] <= 0x39 && b[i+2] >= 0x81 && b[i+2] <= 0xFE && b[i+3] >= 0x30 && b[i+3] <= 0x39:
			i += 4
		default:
			return i
		}
	}
	return -1
}

// controlByte returns the offset of the first ASCII control byte that text
// files do not contain (all but tab, line feed, vertical tab, form feed and
// carriage return), or -1.
func controlByte(b string) int {
	for i := 0; i < len(b); i++ {
		if binaryByte[b[i]] {
			return i
		}
	}
	return -1
}

// binaryByte marks the bytes isBinaryByte reports, for scanning whole
// files a byte at a time.
var binaryByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = isBinaryByte(byte(c))
	}
	return t
}()

// scanBytes is controlByte and mayHaveFormat in one pass over a file:
// the offset of the first binary byte, or -1, and whether the text may
// hold a format character (meaningful when it is UTF-8).
func scanBytes(b string) (binary int, format bool) {
	for i := 0; i < len(b); i++ {
		switch scanClass[b[i]] {
		case 0:
		case scanBinary:
			return i, format
		default:
			format = format || formatAt(b, i)
		}
	}
	return -1, format
}

// scanClass sorts bytes for scanBytes: most are nothing to it (0).
const scanBinary, scanFormat = 1, 2

var scanClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case binaryByte[c]:
			t[c] = scanBinary
		case formatLead[c]:
			t[c] = scanFormat
		}
	}
	return t
}()

func isBinaryByte(c byte) bool {
	return c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' || c == 0x7F
}

// checkControls rejects decoded text holding control characters and
// normalises line ends. base is added to reported offsets (a skipped BOM).
func checkControls(s string, base int, name string) (string, error) {
	if i := controlByte(s); i >= 0 {
		return "", &DecodeError{Name: name, Offset: base + i, Reason: fmt.Sprintf("binary data (byte 0x%02X), not a text file", s[i])}
	}
	return normalizeLineEnds(s), nil
}

// normalizeLineEnds turns CRLF and lone CR line ends into LF.
func normalizeLineEnds(s string) string {
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

func decodeUTF16(b string, name string) (string, error) {
	if len(b)%2 != 0 {
		return "", &DecodeError{Name: name, Offset: len(b) - 1, Reason: "UTF-16 text with an odd number of bytes"}
	}
	big := b[0] == 0xFE
	u := make([]uint16, 0, len(b)/2-1)
	for i := 2; i+1 < len(b); i += 2 {
		if big {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			u = append(u, uint16(b[i+1])<<8|uint16(b[i]))
		}
	}
	for i, c := range u {
		if c < 0x80 && isBinaryByte(byte(c)) {
			return "", &DecodeError{Name: name, Offset: 2 + 2*i, Reason: fmt.Sprintf("binary data (U+%04X), not a text file", c)}
		}
	}
	rs := utf16.Decode(u)
	if i := slices.Index(rs, utf8.RuneError); i >= 0 {
		// Offsets count UTF-16 units before the bad one; a surrogate pair
		// before it makes this an underestimate, never past the error.
		return "", &DecodeError{Name: name, Offset: 2 + 2*i, Reason: "invalid UTF-16 surrogate"}
	}
	return normalizeLineEnds(string(rs)), nil
}

// displayName is the base name used in messages and Source fields.
func displayName(name string) string {
	if name == "" {
		return ""
	}
	return filepath.Base(name)
}
