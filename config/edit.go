package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/paperboy-news/paperboy/internal/fsutil"
)

// The admin console edits config.toml, which stays the source of truth: an
// edit rewrites only the lines of the keys it changes (a key the entry
// lacks gets one new line after the entry's last key), so comments, order
// and every other byte stay as the admin wrote them, and the file stays
// something to diff and keep under version control.

// digestKeys are the keys of a [[digests]] entry that EditDigest changes,
// with the value each has when the entry leaves it out: an edit that
// would write the default into an entry without the key writes nothing.
var digestKeys = map[string]any{
	"schedule":   nil, // required
	"catch_up":   defaultCatchUp,
	"skip_empty": true,
	"lists":      nil, // required
	"topics":     []string{},
	"paused":     false,
}

// Change is a new value for one key: a string, a bool or a []string.
type Change struct {
	Key   string
	Value any
}

// Edited is one key an edit changed, with its value as written before
// ("" if the entry did not have it) and after, for the audit log.
type Edited struct {
	Key  string // e.g. "digests.daily.schedule"
	Line int    // the line it is on in the new file
	Old  string
	New  string
}

// ErrFileChanged is returned, wrapped, by Save when the file is no longer
// the one the edit was made on: someone else saved it in between.
var ErrFileChanged = errors.New("the file changed since it was read")

// Version identifies a file's content, for Save's check that nobody
// changed it since it was read: the hex SHA-256 of its bytes.
func Version(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// EditDigest returns data with the [[digests]] entry called name changed
// as changes ask, and what changed. Only the changed keys' lines differ:
// a value is replaced in place, keeping the key as written and any comment
// after the value; a value spread over several lines becomes one line; a
// key the entry lacks is added after its last key. A change to the value
// the key already has changes nothing. The result is not validated: Save
// does that.
func EditDigest(data []byte, name string, changes []Change) ([]byte, []Edited, error) {
	var raw fileConfig
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, nil, fmt.Errorf("config: edit digest %s: the file is not valid TOML: %w", name, err)
	}
	index := slices.IndexFunc(raw.Digests, func(d fileDigest) bool { return d.Name == name })
	if index < 0 {
		return nil, nil, fmt.Errorf("config: edit digest %s: no such digest", name)
	}
	lines := splitLines(data)
	entry, err := findEntry(lines, "digests", index)
	if err != nil {
		return nil, nil, fmt.Errorf("config: edit digest %s: %w", name, err)
	}
	var edited []Edited
	inserted := 0 // lines added so far, after entry.end
	for _, ch := range changes {
		def, ok := digestKeys[ch.Key]
		if !ok {
			return nil, nil, fmt.Errorf("config: edit digest %s: the console does not edit key %q", name, ch.Key)
		}
		value, err := tomlValue(ch.Value)
		if err != nil {
			return nil, nil, fmt.Errorf("config: edit digest %s: %s: %w", name, ch.Key, err)
		}
		key := "digests." + name + "." + ch.Key
		k, found := entry.keys[ch.Key]
		if !found {
			if def != nil && reflect.DeepEqual(normalize(ch.Value), normalize(def)) {
				continue
			}
			at := entry.end + 1 + inserted
			if lineEnding(lines[at-1]) == "" { // the file's last line, unended
				lines[at-1] += entry.eol
			}
			line := entry.indent + ch.Key + " = " + value + entry.eol
			lines = slices.Insert(lines, at, line)
			inserted++
			edited = append(edited, Edited{Key: key, Line: at + 1, New: value})
			continue
		}
		written := k.value
		if k.last > k.first {
			written = strings.TrimPrefix(strings.Join(lines[k.first:k.last+1], ""), k.prefix)
		}
		oldText := k.value
		if old, err := decodeValue(written); err == nil {
			if reflect.DeepEqual(normalize(old), normalize(ch.Value)) {
				continue
			}
			if s, err := tomlValue(normalize(old)); err == nil && k.last > k.first {
				oldText = s
			}
		}
		eol := lineEnding(lines[k.last])
		lines[k.first] = k.prefix + value + k.suffix + eol
		for i := k.first + 1; i <= k.last; i++ {
			lines[i] = ""
		}
		edited = append(edited, Edited{Key: key, Line: k.first + 1, Old: oldText, New: value})
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
	}
	// Removed continuation lines shift what follows; number the edits in
	// the file as written.
	out := b.Bytes()
	if len(edited) > 0 {
		kl := scanKeys(out)
		for i := range edited {
			k := strings.TrimPrefix(edited[i].Key, "digests."+name+".")
			if n := kl.byPath[indexed("digests", index, k)]; n > 0 {
				edited[i].Line = n
			}
		}
	}
	return out, edited, nil
}

// Save writes data to the configuration file at path if the file is still
// at version base (see Version) and data passes the same check as Load;
// it returns the loaded configuration. The file is replaced atomically (a
// new file renamed over it, with the old one's mode), so the daemon's
// watcher and a crash both see the old file or the new, never half of one.
// A refused change writes nothing: the error is ErrFileChanged (wrapped)
// or the Problems Load would report, at the new file's lines.
func Save(path string, data []byte, base string) (*Config, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("config: save %s: %w", path, err)
	}
	current, err := os.ReadFile(target)
	if err != nil {
		return nil, fmt.Errorf("config: save %s: %w", path, err)
	}
	if Version(current) != base {
		return nil, fmt.Errorf("config: save %s: %w; load it again and redo the change", path, ErrFileChanged)
	}
	c, err := parse(path, data)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("config: save %s: %w", path, err)
	}
	if err := fsutil.WriteFileAtomic(target, info.Mode().Perm(), func(f *os.File) error {
		_, err := f.Write(data)
		return err
	}); err != nil {
		return nil, fmt.Errorf("config: save %s: %w", path, err)
	}
	return c, nil
}

// Check judges data as Load would judge the file at path holding it.
func Check(path string, data []byte) (*Config, error) { return parse(path, data) }

// entry is one [[table]] entry of the file: its lines and keys.
type entry struct {
	header, end int // 0-based lines of the header and the entry's last key line
	keys        map[string]entryKey
	indent      string // of its keys, for a new one
	eol         string
	lastKey     string
}

// entryKey is where one key's value is.
type entryKey struct {
	first, last int    // 0-based lines the key and its value span
	prefix      string // "key = " as written, up to the value
	value       string // the value as written (its first line if it spans several)
	suffix      string // after the value on its last line: spaces and a comment
}

// findEntry finds the index-th [[table]] entry.
func findEntry(lines []string, table string, index int) (entry, error) {
	seen := -1
	e := entry{header: -1, keys: map[string]entryKey{}, eol: "\n"}
	depth, inMulti := 0, ""
	for n, full := range lines {
		line := strings.TrimRight(full, "\r\n")
		if inMulti != "" {
			if strings.Count(line, inMulti)%2 == 1 {
				inMulti = ""
				e.extend(n)
			}
			continue
		}
		if depth > 0 {
			d, m := valueDepth(line)
			depth += d
			inMulti = m
			e.extend(n)
			continue
		}
		s := strings.TrimSpace(line)
		switch {
		case s == "" || s[0] == '#':
		case s[0] == '[':
			if e.header >= 0 {
				return e, nil // the next table ends the entry
			}
			if strings.HasPrefix(s, "[[") && headerName(s[2:], "]]") == table {
				seen++
				if seen == index {
					e.header, e.end = n, n
					if eol := lineEnding(full); eol != "" {
						e.eol = eol
					}
				}
			}
		default:
			key, value, ok := splitKey(s)
			if !ok {
				continue
			}
			d, m := valueDepth(value)
			depth, inMulti = d, m
			if e.header < 0 {
				continue
			}
			e.end = n
			if len(e.keys) == 0 {
				e.indent = line[:len(line)-len(strings.TrimLeft(line, " \t"))]
			}
			eq := strings.IndexByte(line, '=')
			rest := line[eq+1:]
			lead := len(rest) - len(strings.TrimLeft(rest, " \t"))
			val, suffix := splitValue(rest[lead:])
			k := entryKey{first: n, last: n, prefix: line[:eq+1+lead], value: val, suffix: suffix}
			if depth > 0 || inMulti != "" {
				k.suffix = ""
			}
			e.keys[key] = k
			e.lastKey = key
		}
	}
	if e.header < 0 {
		return e, fmt.Errorf("entry %d of [[%s]] is not written as a [[%s]] table; edit the file by hand", index+1, table, table)
	}
	return e, nil
}

// extend records that line n continues the value of the entry's last key.
func (e *entry) extend(n int) {
	if e.header < 0 {
		return
	}
	e.end = n
	if k, ok := e.keys[e.lastKey]; ok && k.last == n-1 {
		k.last = n
		e.keys[e.lastKey] = k
	}
}

// splitValue splits what follows "key =" into the value and what comes
// after it: white space and a comment.
func splitValue(s string) (value, suffix string) {
	end := len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '#':
			end = i
			i = len(s)
		case '"', '\'':
			j, open := skipString(s, i)
			if open != "" {
				return s, ""
			}
			i = j
		}
	}
	value = strings.TrimRight(s[:end], " \t")
	return value, s[len(value):]
}

func splitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, string(data))
			break
		}
		lines = append(lines, string(data[:i+1]))
		data = data[i+1:]
	}
	return lines
}

func lineEnding(line string) string {
	switch {
	case strings.HasSuffix(line, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(line, "\n"):
		return "\n"
	}
	return ""
}

// decodeValue reads one TOML value as written.
func decodeValue(s string) (any, error) {
	var v struct{ V any }
	if _, err := toml.Decode("V = "+s, &v); err != nil {
		return nil, err
	}
	return v.V, nil
}

// normalize makes decoded and given values comparable: arrays become
// []string.
func normalize(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return v
			}
			out = append(out, s)
		}
		return out
	case []string:
		if x == nil {
			return []string{}
		}
	}
	return v
}

// tomlValue writes v as a one-line TOML value.
func tomlValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) {
			return "", fmt.Errorf("%q is not UTF-8 text", x)
		}
		return tomlString(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			if !utf8.ValidString(s) {
				return "", fmt.Errorf("%q is not UTF-8 text", s)
			}
			parts[i] = tomlString(s)
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
	return "", fmt.Errorf("cannot write a %T", v)
}

// tomlString is s as a TOML basic string: quotes, backslashes and
// control characters escaped, everything else as it is.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
