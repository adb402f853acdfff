package ingest

// Photos' pictures: the image files beside a page file.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/photo"
	"github.com/paperboy-news/paperboy/store"
)

// SidecarName is the file in an edition's image directory that says which
// picture belongs to which photo when page order is not enough.
const SidecarName = "images.txt"

// imageExts are the picture files taken from an image directory.
var imageExts = []string{".jpg", ".jpeg", ".png", ".webp"}

// imageDir is the directory holding a page file's pictures: the file's
// path without its extension ("pages/2021-07-20.txt" ->
// "pages/2021-07-20/").
func imageDir(pagePath string) string {
	return strings.TrimSuffix(pagePath, filepath.Ext(pagePath))
}

// imageSet is what an image directory holds.
type imageSet struct {
	dir     string
	files   []imageFile // in natural name order
	sidecar []byte      // nil without one
}

type imageFile struct {
	name, path string
}

// readImageSet lists a page file's image directory; a page without one has
// an empty set. fingerprint identifies the set by its files' names, sizes
// and modification times and the sidecar's bytes, so that a changed
// picture re-ingests the page without every run reading every picture.
func readImageSet(pagePath string) (set imageSet, fingerprint []byte, err error) {
	set.dir = imageDir(pagePath)
	entries, err := os.ReadDir(set.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return set, nil, nil
	}
	if err != nil {
		return imageSet{dir: set.dir}, nil, fmt.Errorf("picture directory: %w", err)
	}
	h := sha256.New()
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !e.Type().IsRegular() {
			continue
		}
		if name == SidecarName {
			// A sidecar is a line per picture: a megabyte is thousands.
			if set.sidecar, err = readFileUpTo(filepath.Join(set.dir, name), 1<<20, "one line per picture"); err != nil {
				return imageSet{dir: set.dir}, nil, fmt.Errorf("picture directory: %w", err)
			}
			fmt.Fprintf(h, "sidecar\x00%x\x00", sha256.Sum256(set.sidecar))
			continue
		}
		if !slices.Contains(imageExts, strings.ToLower(filepath.Ext(name))) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return imageSet{dir: set.dir}, nil, fmt.Errorf("picture directory: %w", err)
		}
		set.files = append(set.files, imageFile{name: name, path: filepath.Join(set.dir, name)})
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00", name, info.Size(), info.ModTime().UnixNano())
	}
	if len(set.files) == 0 && set.sidecar == nil {
		return set, nil, nil
	}
	slices.SortFunc(set.files, func(a, b imageFile) int { return naturalCompare(a.name, b.name) })
	return set, h.Sum(nil), nil
}

// imageLookup finds a picture stored before by its id; its error wraps
// store.ErrNotFound for one never stored.
type imageLookup func(id string) (content.Image, error)

// attachImages matches the set's pictures to the edition's photo items,
// processes them (unless stored is a picture stored before: a page's
// text corrected does not re-encode its pictures) and sets each matched
// photo's Image. Problems (a count that differs, a sidecar line naming
// nothing, a picture that cannot be read) become warnings: the photo is
// then published without its picture.
func attachImages(ed *content.Edition, set imageSet, stored imageLookup) []store.NewImage {
	var photos []int
	for i, a := range ed.Articles {
		if a.Kind == content.KindPhoto {
			photos = append(photos, i)
		}
	}
	if len(set.files) == 0 && set.sidecar == nil {
		return nil
	}
	warn := func(file string, lines [2]int, format string, args ...any) {
		ed.Warnings = append(ed.Warnings, content.Warning{File: file, Lines: lines, Message: fmt.Sprintf(format, args...)})
	}
	byPhoto := map[int]imageFile{} // index into photos -> file
	used := map[string]bool{}
	sidecarPath := filepath.Join(set.dir, SidecarName)
	sc := bufio.NewScanner(bytes.NewReader(set.sidecar))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, key := line, ""
		if i := strings.IndexFunc(line, unicode.IsSpace); i > 0 {
			name, key = line[:i], strings.TrimSpace(line[i:])
		}
		at := [2]int{n, n}
		fi := slices.IndexFunc(set.files, func(f imageFile) bool { return f.name == name })
		switch {
		case fi < 0:
			warn(sidecarPath, at, "no picture file %q in %s", name, set.dir)
			continue
		case used[name]:
			warn(sidecarPath, at, "picture %q is named twice; the first line counts", name)
			continue
		}
		p, err := photoFor(ed, photos, key)
		if err != nil {
			warn(sidecarPath, at, "%s: %v", name, err)
			continue
		}
		if prev, ok := byPhoto[p]; ok {
			warn(sidecarPath, at, "%s: photo %d already has picture %q; this line is ignored", name, p+1, prev.name)
			continue
		}
		byPhoto[p] = set.files[fi]
		used[name] = true
	}
	// The rest go in page order.
	next := 0
	var unused []string
	for _, f := range set.files {
		if used[f.name] {
			continue
		}
		for next < len(photos) && byPhoto[next].name != "" {
			next++
		}
		if next == len(photos) {
			unused = append(unused, f.name)
			continue
		}
		byPhoto[next] = f
		used[f.name] = true
	}
	if len(set.files) != len(photos) {
		var without []string
		for p := range photos {
			if _, ok := byPhoto[p]; !ok {
				without = append(without, strconv.Itoa(p+1))
			}
		}
		msg := fmt.Sprintf("%d picture file(s) for %d photo(s)", len(set.files), len(photos))
		if len(without) > 0 {
			msg += "; without a picture: photo " + strings.Join(without, ", ")
		}
		if len(unused) > 0 {
			msg += "; not used: " + strings.Join(unused, ", ")
		}
		warn(set.dir, [2]int{}, "%s", msg)
	}
	var out []store.NewImage
	// done holds the pictures found stored or processed already, by id:
	// the same bytes under two photos are looked up and encoded once.
	done := map[string]content.Image{}
	for p, ai := range photos {
		f, ok := byPhoto[p]
		if !ok {
			continue
		}
		a := &ed.Articles[ai]
		data, err := readFileUpTo(f.path, photo.MaxFileSize, "scale it down first")
		if err != nil {
			warn(f.path, a.Lines, "picture skipped, photo published without it: %v", err)
			continue
		}
		id := photo.ID(data)
		im, ok := done[id]
		if !ok {
			if im, err = stored(id); err != nil || len(im.Renditions) == 0 {
				pr, err := photo.Process(data)
				if err != nil {
					warn(f.path, a.Lines, "picture skipped, photo published without it: %v", err)
					continue
				}
				im = pr.Image
				ni := store.NewImage{Image: pr.Image}
				for _, rf := range pr.Files {
					ni.Data = append(ni.Data, rf.Data)
				}
				out = append(out, ni)
			}
			done[id] = im
		}
		a.Image = &im
	}
	return out
}

// photoFor is the photo (an index into photos) a sidecar key names: its
// number among the page's photos (1, 2, …), or words found in exactly one
// photo's caption or headline (white space ignored).
func photoFor(ed *content.Edition, photos []int, key string) (int, error) {
	if key == "" {
		return 0, errors.New("say which photo: its number on the page (1, 2, …) or words of its caption")
	}
	if n, err := strconv.Atoi(key); err == nil {
		if n < 1 || n > len(photos) {
			return 0, fmt.Errorf("photo %d: the page has %d photo(s)", n, len(photos))
		}
		return n - 1, nil
	}
	k := squeeze(key)
	var hits []int
	for p, ai := range photos {
		a := ed.Articles[ai]
		if strings.Contains(squeeze(a.Alt()), k) || strings.Contains(squeeze(a.DisplayTitle()), k) {
			hits = append(hits, p)
		}
	}
	switch len(hits) {
	case 0:
		return 0, fmt.Errorf("no photo's caption has %q", key)
	case 1:
		return hits[0], nil
	}
	return 0, fmt.Errorf("%d photos' captions have %q: give more words, or the photo's number", len(hits), key)
}

// squeeze drops white space, which OCR scatters through Chinese text.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// naturalCompare orders names with their digit runs compared as numbers,
// so "2.jpg" comes before "10.jpg" as in a newsroom's numbering.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// readFileUpTo reads a file of at most max bytes; a larger one is an error
// saying its size, the limit and advice.
func readFileUpTo(path string, max int64, advice string) ([]byte, error) {
	data, err := readLimited(path, max)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("%w: more than %s: %s", ErrTooLarge, formatSize(max), advice)
	}
	return data, err
}
