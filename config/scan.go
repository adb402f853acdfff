package config

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// keyLines records where each key of a TOML file is, which the TOML decoder
// does not tell. It is a line scanner, not a parser: it only has to be right
// for files the decoder accepted.
type keyLines struct {
	// byPath maps an indexed path, e.g. "digests[1].schedule" or
	// "digests[1]" for an entry's header, to its line.
	byPath map[string]int
	// entries lists every key and header in file order with its path
	// without indices, e.g. "digests.schedule", to place undecoded keys,
	// which the decoder reports without indices.
	entries []keyEntry
}

type keyEntry struct {
	plain string
	line  int
}

func scanKeys(data []byte) keyLines {
	kl := keyLines{byPath: map[string]int{}}
	arrays := map[string]int{} // array-of-tables name → entries seen
	table, plainTable := "", ""
	depth := 0    // open brackets/braces of a multi-line value
	inMulti := "" // the delimiter of an open multi-line string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if inMulti != "" {
			if strings.Count(line, inMulti)%2 == 1 {
				inMulti = ""
			}
			continue
		}
		if depth > 0 {
			d, m := valueDepth(line)
			depth += d
			inMulti = m
			continue
		}
		s := strings.TrimSpace(line)
		switch {
		case s == "" || s[0] == '#':
		case strings.HasPrefix(s, "[["):
			name := headerName(s[2:], "]]")
			plainTable = name
			table = name + "[" + strconv.Itoa(arrays[name]) + "]"
			arrays[name]++
			kl.add(table, plainTable, n)
		case s[0] == '[':
			name := headerName(s[1:], "]")
			table, plainTable = name, name
			kl.add(table, plainTable, n)
		default:
			key, value, ok := splitKey(s)
			if !ok {
				continue
			}
			kl.add(join(table, key), join(plainTable, key), n)
			d, m := valueDepth(value)
			depth, inMulti = d, m
		}
	}
	return kl
}

func (kl *keyLines) add(path, plain string, line int) {
	if _, ok := kl.byPath[path]; !ok {
		kl.byPath[path] = line
	}
	kl.entries = append(kl.entries, keyEntry{plain: plain, line: line})
}

// line is where path, e.g. "digests[1].schedule", is; if the key is not
// in the file (a default was used), the line of its table's header; 0 if
// neither is.
func (kl keyLines) line(path string) int {
	for path != "" {
		if n, ok := kl.byPath[path]; ok {
			return n
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// nth is the line of the nth (0-based) occurrence of the unindexed key.
func (kl keyLines) nth(plain string, nth int) int {
	for _, e := range kl.entries {
		if e.plain == plain {
			if nth == 0 {
				return e.line
			}
			nth--
		}
	}
	return 0
}

func join(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

// headerName reads a table header's dotted name up to its closing bracket.
func headerName(s, closing string) string {
	if i := strings.Index(s, closing); i >= 0 {
		s = s[:i]
	}
	return dottedKey(s)
}

// splitKey splits "key = value" at the first '=' outside quotes.
func splitKey(s string) (key, value string, ok bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '=':
			return dottedKey(s[:i]), s[i+1:], true
		}
	}
	return "", "", false
}

// dottedKey normalizes a possibly quoted, dotted key: `a . "b"` → "a.b".
func dottedKey(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && (p[0] == '"' || p[0] == '\'') && p[len(p)-1] == p[0] {
			p = p[1 : len(p)-1]
		}
		parts[i] = p
	}
	return strings.Join(parts, ".")
}

// valueDepth scans a value (or a continuation line of one) and returns
// how many brackets it leaves open and the delimiter of a multi-line
// string it leaves open.
func valueDepth(s string) (int, string) {
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '#':
			return depth, ""
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case '"', '\'':
			end, open := skipString(s, i)
			if open != "" {
				return depth, open
			}
			i = end
		}
	}
	return depth, ""
}

// skipString returns the index of the closing quote of the string that
// opens at s[i]; for a multi-line string left open on this line, len(s)
// and its delimiter.
func skipString(s string, i int) (end int, open string) {
	c := s[i]
	delim := string(c)
	if strings.HasPrefix(s[i:], strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
		j := strings.Index(s[i+3:], delim)
		if j < 0 {
			return len(s), delim
		}
		return i + 3 + j + 2, ""
	}
	j := i + 1
	for ; j < len(s); j++ {
		if c == '"' && s[j] == '\\' {
			j++
			continue
		}
		if s[j] == c {
			break
		}
	}
	return j, ""
}
