package content

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// layout is how a test page is set: column width, headline placement and
// OCR noise.
type layout struct {
	cells     int  // column width in half-width cells (2 per Chinese character)
	before    bool // headlines before their article
	noise     bool // letter-spaced lines and spaces around digits
	columnGap int  // a column break (blank line) every columnGap lines
	// tight leaves out the blank line between paragraphs when the last
	// line ends short by two characters or more, as some pages do.
	tight bool
	// glued sets headlines without blank lines around them.
	glued bool
	// indent starts paragraphs with two full-width spaces instead of a
	// blank line.
	indent bool
	// narrowCaptions sets photo captions in the text's column width (else
	// two and a half columns wide), so a headline is wider than a caption.
	narrowCaptions bool
}

// wrap breaks text into lines of at most cells half-width cells.
func wrap(text string, cells int) []string { return wrapJitter(text, cells, nil) }

// wrapJitter wraps like wrap; with rng, a line may end one character early,
// as justified OCR'd columns do.
func wrapJitter(text string, cells int, rng *rand.Rand) []string {
	var lines []string
	var cur strings.Builder
	w := 0
	limit := cells
	for _, r := range text {
		rw := 1
		if isWide(r) {
			rw = 2
		}
		if w+rw > limit && w > 0 {
			if rng != nil {
				limit = cells - 2*rng.IntN(2)
			}
			lines = append(lines, cur.String())
			cur.Reset()
			w = 0
		}
		cur.WriteRune(r)
		w += rw
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// addNoise sets a line the way OCR returns it: now and then letter-spaced,
// with spaces around numbers, or with a leading space.
func addNoise(line string, rng *rand.Rand) string {
	switch rng.IntN(6) {
	case 0:
		return strings.Join(strings.Split(line, ""), " ")
	case 1:
		var b strings.Builder
		prevDigit := false
		for _, r := range line {
			d := r >= '0' && r <= '9'
			if d != prevDigit && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			prevDigit = d
		}
		return b.String()
	case 2:
		return " " + line
	}
	return line
}

// renderPage sets expected items as a page in the given layout.
func renderPage(items []expectedItem, l layout, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	var page []string
	blank := func() {
		if len(page) > 0 && page[len(page)-1] != "" {
			page = append(page, "")
		}
	}
	body := func(lines []string, gapAt *int) {
		for _, line := range lines {
			*gapAt--
			if *gapAt <= 0 && len(page) > 0 && page[len(page)-1] != "" && !endsSentence(cleanLine(page[len(page)-1])) {
				// A column break, mid-sentence: after a finished sentence
				// a blank line is a paragraph break by definition.
				page = append(page, "")
				*gapAt = l.columnGap
			}
			if l.noise {
				line = addNoise(line, rng)
			}
			page = append(page, line)
		}
	}
	headline := func(title string) {
		if !l.glued {
			blank()
		}
		for i, part := range strings.Split(title, " ") {
			if i > 0 && !l.glued {
				blank()
			}
			page = append(page, wrap(part, max(l.cells, 24))...)
		}
		if !l.glued {
			blank()
		}
	}
	gap := l.columnGap
	for _, it := range items {
		if it.Kind == KindPhoto {
			blank()
			capCells := l.cells * 5 / 2
			if l.narrowCaptions {
				capCells = l.cells
			}
			caption := wrap(strings.Join(it.Paragraphs, ""), capCells)
			page = append(page, caption...)
			credit := "本报" + it.Authors[0].Role + " " + strings.Join(strings.Split(it.Authors[0].Name, ""), " ") + " 摄"
			if rng.IntN(2) == 0 {
				page[len(page)-1] += " " + credit
			} else {
				page = append(page, "", credit)
			}
			blank()
			continue
		}
		if l.before {
			headline(it.Title)
		}
		for i, p := range it.Paragraphs {
			if i == 0 {
				p = it.Byline + p
			}
			switch {
			case l.indent && i > 0:
				p = "\u3000\u3000" + p
			case !l.tight && !(l.glued && i == 0) || i > 0 && width(cleanLine(page[len(page)-1])) > l.cells-4:
				blank()
			}
			var jitter *rand.Rand
			if l.noise {
				jitter = rng
			}
			body(wrapJitter(p, l.cells, jitter), &gap)
		}
		if !l.before {
			headline(it.Title)
		}
	}
	return strings.Join(page, "\n") + "\n"
}

// TestParsePageLayouts resets the samples' articles in other column
// widths, with headlines before and after, with and without OCR noise, and
// checks that the parser finds the same items.
func TestParsePageLayouts(t *testing.T) {
	items := loadExpected(t, "testdata/seed-page.expected.json", "testdata/practice-before.expected.json")
	for i := range items {
		if items[i].Kind == KindPhoto {
			continue
		}
		// The reflowed pages mark every paragraph break with a blank
		// line, so the sample's unmarked break is a real break here.
		items[i].Title = strings.TrimSpace(items[i].Title)
	}
	for _, cells := range []int{22, 26, 30, 38, 48, 64} {
		for _, before := range []bool{false, true} {
			for _, noise := range []bool{false, true} {
				l := layout{cells: cells, before: before, noise: noise, columnGap: 9 + cells%5, tight: noise && before, glued: cells%4 == 2, indent: cells%3 == 0 && !before,
					narrowCaptions: cells <= 30}
				name := fmt.Sprintf("cells=%d/before=%v/noise=%v/tight=%v/glued=%v/indent=%v/narrowCaptions=%v", cells, before, noise, l.tight, l.glued, l.indent, l.narrowCaptions)
				t.Run(name, func(t *testing.T) {
					page := renderPage(items, l, uint64(cells))
					ed, err := ParsePage(strings.NewReader(page), ParseOptions{Name: "2021-07-20.txt"})
					if err != nil {
						t.Fatal(err)
					}
					diffs := compareItems(ed.Articles, items, nil)
					for _, d := range diffs {
						t.Error(d)
					}
					if d := conservationDiff(page, ed); d != "" {
						t.Errorf("not conserved: %s", d)
					}
					if len(diffs) > 0 && testing.Verbose() {
						t.Logf("page:\n%s", numbered(page))
					}
				})
			}
		}
	}
}

// loadExpected reads the items of golden files, in order.
func loadExpected(t *testing.T, names ...string) []expectedItem {
	t.Helper()
	var items []expectedItem
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var its []expectedItem
		if err := json.Unmarshal(b, &its); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		items = append(items, its...)
	}
	return items
}

// numbered prefixes each line with its number, for failure logs.
func numbered(page string) string {
	var b strings.Builder
	for i, l := range strings.Split(page, "\n") {
		fmt.Fprintf(&b, "%4d %s\n", i+1, l)
	}
	return b.String()
}
