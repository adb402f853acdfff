package content

import (
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseOptions says where the text came from and how to date it.
type ParseOptions struct {
	Name string // file name (base or path) for warnings, errors and the edition date
	Date string // fallback edition date YYYY-MM-DD (the --date flag); "" = none
}

// pline is one source line.
type pline struct {
	n    int    // 1-based line number
	raw  string // as decoded
	text string // OCR spacing removed (cleanLine)
	w    int    // display width of text and its indent
}

// blockKind classifies a block of lines.
type blockKind uint8

const (
	blockBody     blockKind = iota // article text
	blockByline                    // article text opening with a byline
	blockHeadline                  // a headline part
	blockPhoto                     // caption and/or credit of a photo
)

// block is a run of non-blank lines; blank lines separate blocks.
type block struct {
	lines []pline
	kind  blockKind
	cand  bool // shaped like a headline part
	// credit is the number of runes at the end of the last line that are a
	// photo credit; zero for other blocks.
	credit int
	photo  int // photo index + 1 for blockPhoto
}

func (b *block) last() pline { return b.lines[len(b.lines)-1] }

// unit is a step of the page: a headline group, a run of article text
// (opening with a byline or not) or a photo.
type unit struct {
	kind   blockKind // blockHeadline, blockBody (text run) or blockPhoto
	blocks []*block
	byline bool // text run opens with a byline
}

// ParsePage cuts one page of newspaper text into its items, in page order.
//
// The page is read as blocks of lines separated by blank lines. A block
// whose first line opens with a byline ("本报讯（记者X）") starts an article;
// a block ending with a photo credit ("本报记者 X 摄", alone or after the
// caption's last sentence) closes photo news, whose caption is the text
// before the credit back over blocks ending mid-sentence on a line nearly
// as wide as the caption's widest (the credit not counted), stopping at a
// block that ends a sentence or is headline-shaped without commas (the
// headline of the item before, however wide the narrow column makes it).
// Headline parts are blocks of at most four lines with no sentence-ending
// punctuation inside, standing after a finished sentence and before a
// byline, a photo, another headline part or the end of the page;
// consecutive parts form one headline group (kicker, title, subtitle),
// where a part that only carries on the part before's sentence joins it
// (see titleParts).
//
// Whether headlines stand before or after their article is decided per
// page: the placement that gives more bylines a headline group wins (a
// group above photos above a byline counts as before, below photos below
// it as after), and on a tie the first headline standing before the first
// byline means "before". Before, a headline directly above a photo that an
// article follows is the article's; after, a headline below the photos
// that follow an article is. Text that fits no item is returned as a
// warning with its lines.
//
// Page furniture is no item: up to four lines opening the page or closing
// it, across blank lines, that hold only a date, the day of the week, a
// page number or label and section or paper names (the date with its day,
// or the label with a date, day or name: "2021年7月20日 星期二 A3 综合新闻"),
// or the editors' line ("责任编辑：… 校对：…"), with bare page numbers and
// lone dates or names beside them (see edgeFurniture), come back as a
// "page header" or "page footer" warning with their text, never as a
// headline.
//
// Paragraphs: a blank line after a finished sentence is a paragraph break,
// any other blank line a column break (the lines join, even mid-word). A
// sentence end also closes the paragraph when the next line is indented
// (a full-width space, a tab or two spaces) or when the line ends more
// than one character short of the column's full width. The full width is
// the upper quartile of the item's line widths (in half-width cells): most
// lines are full, the short ones are paragraph ends and indented starts,
// and OCR'd lines vary by a character.
//
// The edition date comes from the file name (EditionDateFromName), else
// opts.Date, else it is inferred from the text: the latest "M月D日" it
// names, in the year of the first "YYYY年", with a warning. Without any of these
// ParsePage fails.
func ParsePage(r io.Reader, opts ParseOptions) (Edition, error) {
	text, err := readPage(r, opts)
	if err != nil {
		return Edition{}, err
	}
	ed, _, err := parsePage(text, opts, nil)
	return ed, err
}

// readPage reads and decodes a page's text.
//
// The bytes go straight into a strings.Builder, sized up front when the
// reader knows its length, so the text is not copied again to become a
// string.
func readPage(r io.Reader, opts ParseOptions) (string, error) {
	var b strings.Builder
	switch r := r.(type) {
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer
		b.Grow(r.Len())
	case interface{ Stat() (fs.FileInfo, error) }: // *os.File
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() < 1<<30 {
			b.Grow(int(fi.Size()))
		}
	}
	if _, err := io.Copy(&b, r); err != nil {
		return "", fmt.Errorf("content: read %s: %w", nameOrInput(opts.Name), err)
	}
	return decodeOwned(b.String(), opts.Name)
}

func nameOrInput(name string) string {
	if name == "" {
		return "input"
	}
	return name
}

// editionDate applies the date rule shared by ParsePage and ParseMarkdown
// (the text inference is page-only and done by the caller).
func editionDate(opts ParseOptions) (string, bool, error) {
	if d, ok := EditionDateFromName(opts.Name); ok {
		return d, true, nil
	}
	if opts.Date != "" {
		d, ok := dateAt(opts.Date)
		if !ok || len(opts.Date) != 10 || d != opts.Date {
			return "", false, fmt.Errorf("content: %s: edition date %q is not a date YYYY-MM-DD", nameOrInput(opts.Name), opts.Date)
		}
		return d, true, nil
	}
	return "", false, nil
}

// shortCells is how far (in half-width cells) a line must end short of the
// column width for a sentence end to close the paragraph without a blank
// line: one full character.
const shortCells = 3

// parsePage parses decoded page text; with notes, it also fills in its
// Lines and Placement (ExplainPage). derived[i] tells whether item i is a
// photo whose title was derived from its caption rather than taken from a
// headline on the page (the conservation test needs to know).
func parsePage(text string, opts ParseOptions, notes *Explanation) (ed Edition, derived []bool, err error) {
	ed = Edition{Source: displayName(opts.Name)}
	date, ok, err := editionDate(opts)
	if err != nil {
		return Edition{}, nil, err
	}

	lines := make([]pline, 0, strings.Count(text, "\n")+1)
	var cleaned strings.Builder // the cleaned lines, one allocation
	cleaned.Grow(len(text))
	for rest := text; rest != ""; {
		raw, after, _ := strings.Cut(rest, "\n")
		rest = after
		t, w := cleanMeasure(&cleaned, raw)
		lines = append(lines, pline{n: len(lines) + 1, raw: raw, text: t, w: w + indentCells(raw)})
	}
	if !ok {
		d, at, found := inferDate(lines)
		if !found {
			return Edition{}, nil, fmt.Errorf("content: %s: no edition date: name the file YYYY-MM-DD.txt or pass a date (--date)", nameOrInput(opts.Name))
		}
		date = d
		ed.Warnings = append(ed.Warnings, Warning{File: ed.Source, Lines: [2]int{at, at},
			Message: "edition date " + d + " inferred from the text (the latest month and day it names, in the first year it names); name the file YYYY-MM-DD.txt or pass --date"})
	}
	ed.Date = date

	p := pageParser{ed: &ed, source: ed.Source, date: date, label: pageLabel(opts.Name), lines: lines}
	if notes != nil {
		notes.Lines = make([]LineNote, len(lines))
		p.notes = notes
	}
	blocks := p.dropPageFurniture(splitBlocks(lines))
	p.classify(blocks)
	units := p.units(blocks)
	items := 0 // at most one per text run or photo
	for _, u := range units {
		if u.kind != blockHeadline {
			items++
		}
	}
	ed.Articles = make([]Article, 0, items)
	p.derived = make([]bool, 0, items)
	p.build(units)
	if notes != nil {
		notes.Placement = p.placement
		for i, l := range lines {
			if notes.Lines[i].Class == "" {
				why := "blank line between items"
				if l.text != "" {
					why = "no rule placed it" // a parser bug: every text line lands somewhere
				}
				notes.Lines[i] = LineNote{Line: l.n, Text: l.raw, Class: ClassBlank, Why: why}
			}
		}
	}
	return ed, p.derived, nil
}

// splitBlocks groups non-blank lines into blocks; a line opening with a
// byline always starts a new block.
func splitBlocks(lines []pline) []*block {
	var blocks []*block
	start := -1
	flush := func(end int) {
		if start >= 0 {
			blocks = append(blocks, &block{lines: lines[start:end]})
		}
		start = -1
	}
	for i, l := range lines {
		switch {
		case l.text == "":
			flush(i)
		case start < 0:
			start = i
		case lineBylineLen(l.text, l.raw) > 0:
			flush(i)
			start = i
		}
		// A photo credit ends its block even without a blank line after.
		if start >= 0 && i+1 < len(lines) && lines[i+1].text != "" && creditRunes(l.text, l.raw) > 0 {
			flush(i + 1)
		}
	}
	flush(len(lines))
	return splitHeadlineTails(blocks)
}

// splitHeadlineTails separates a headline set without a blank line
// between the end of one article and what opens the next item (a byline, a
// photo, a caption followed by a credit line) or the page's end: when such
// a block ends with up to three headline-shaped lines without commas after
// a finished sentence, those lines become a block of their own.
func splitHeadlineTails(blocks []*block) []*block {
	out := make([]*block, 0, len(blocks))
	for i, b := range blocks {
		if len(b.lines) > 1 && (i+1 == len(blocks) || opensItem(blocks[i+1]) ||
			i+2 < len(blocks) && len(blocks[i+2].lines) == 1 && opensItem(blocks[i+2])) {
			cut := -1
			for j := len(b.lines) - 2; j >= 0 && j >= len(b.lines)-4; j-- {
				if finished(b.lines[j].text) {
					cut = j + 1
					break
				}
			}
			if cut > 0 {
				tail := &block{lines: b.lines[cut:]}
				if headlineShaped(tail) && commaFree(tail) {
					out = append(out, &block{lines: b.lines[:cut]}, tail)
					continue
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// pageFurnitureLines is how many lines a page header or footer can span,
// across blank lines.
const pageFurnitureLines = 4

// dropPageFurniture takes the page header (the first lines of the page)
// and footer (the last lines) off the page and returns them as warnings:
// they belong to no item, and a header or footer read as a headline would
// become the first or last article's kicker, title or subtitle.
func (p *pageParser) dropPageFurniture(blocks []*block) []*block {
	if n := p.edgeFurniture(blocks, false); n > 0 {
		var cut []pline
		for n > 0 {
			b := blocks[0]
			k := min(n, len(b.lines))
			cut = append(cut, b.lines[:k]...)
			n -= k
			if b.lines = b.lines[k:]; len(b.lines) == 0 {
				blocks = blocks[1:]
			}
		}
		p.furniture(cut, "page header")
	}
	if n := p.edgeFurniture(blocks, true); n > 0 {
		var cut []pline
		for n > 0 {
			b := blocks[len(blocks)-1]
			k := min(n, len(b.lines))
			cut = append(b.lines[len(b.lines)-k:len(b.lines):len(b.lines)], cut...)
			n -= k
			if b.lines = b.lines[:len(b.lines)-k]; len(b.lines) == 0 {
				blocks = blocks[:len(blocks)-1]
			}
		}
		p.furniture(cut, "page footer")
	}
	return blocks
}

// furnitureLine is a line at the edge of a page that may be furniture.
type furnitureLine struct {
	l     pline
	kind  furnitureKind
	why   string
	inner *pline // the next line inward in the same block, if any
}

// edgeFurniture returns how many lines at the page's start (or end) are
// header (footer) lines: up to pageFurnitureLines lines, outermost first,
// that pageFurniture calls furniture, or that hold only a date, a name or
// a page label when furniture lies further inward, or a bare page number
// ("3", "A3", "- 3 -", "第3版") standing at the edge or next to
// furniture, on a line of its own, or below (above) a line that ends a
// sentence or has no comma (a headline). So a section name or a dated
// headline at the page's edge stays text unless real furniture lies
// beyond it.
func (p *pageParser) edgeFurniture(blocks []*block, footer bool) int {
	var cand []furnitureLine
scan:
	for bi := range blocks {
		b := blocks[bi]
		if footer {
			b = blocks[len(blocks)-1-bi]
		}
		for li := range b.lines {
			k := li
			if footer {
				k = len(b.lines) - 1 - li
			}
			kind, why := furnitureOf(b.lines[k].text)
			if kind == notFurniture || len(cand) == pageFurnitureLines {
				break scan
			}
			fl := furnitureLine{l: b.lines[k], kind: kind, why: why}
			if inner := k + 1; footer {
				if inner = k - 1; inner >= 0 {
					fl.inner = &b.lines[inner]
				}
			} else if inner < len(b.lines) {
				fl.inner = &b.lines[inner]
			}
			cand = append(cand, fl)
		}
	}
	n := 0
	for i, c := range cand {
		switch {
		case c.kind == furnitureStrong:
			n = i + 1
		case c.kind == furnitureNumber && n == i:
			if in := c.inner; in == nil || i+1 < len(cand) && cand[i+1].l.n == in.n ||
				finished(in.text) || !containsAny(in.text, "，", ",", "、") {
				n = i + 1
			}
		}
	}
	if p.explaining() {
		where := "page header"
		if footer {
			where = "page footer"
		}
		for _, c := range cand[:n] {
			why := c.why
			if c.kind == furnitureWeak {
				why += ", beside other furniture"
			}
			p.note(c.l, ClassFurniture, 0, where+": "+why)
		}
	}
	return n
}

// furniture reports page header or footer lines as a warning.
func (p *pageParser) furniture(lines []pline, msg string) {
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = strings.Join(fieldsSpace(l.raw), " ") // keep the parts apart
	}
	p.ed.Warnings = append(p.ed.Warnings, Warning{File: p.source, Lines: [2]int{lines[0].n, lines[len(lines)-1].n},
		Message: msg, Text: strings.Join(texts, " ")})
}

var (
	// furnitureDate is a date as page headers print it.
	furnitureDate = regexp.MustCompile(`(?:\d{4}年)?\d{1,2}月\d{1,2}日|\d{4}[-./]\d{1,2}[-./]\d{1,2}`)
	// furnitureWeekday is the day of the week headers print with the date.
	furnitureWeekday = regexp.MustCompile(`星期[一二三四五六日天]`)
	// furnitureLabel is a page number or label: "A3", "03", "第3版", "3版".
	furnitureLabel = regexp.MustCompile(`^(?:第?[0-9一二三四五六七八九十]{1,3}版|[A-Za-z]?\d{1,2})`)
	// furnitureName is a section or paper name: "综合新闻", "要闻",
	// "文体专版", "周末副刊", "晨报".
	furnitureName = regexp.MustCompile(`^\p{Han}{0,6}?(?:新闻|要闻|版|刊|报)`)
	// furnitureSection is any other section name: "城事", "视点".
	furnitureSection = regexp.MustCompile(`^\p{Han}{2,4}`)
	// furnitureSep is what separates the parts of a header.
	furnitureSep = regexp.MustCompile(`^[\s|｜·•/／\-—–]+`)
	// furnitureEditors opens the editors' line of a page: "责任编辑：王五
	// 校对：赵六 版式：钱七".
	furnitureEditors = regexp.MustCompile(`^(?:责任编辑|责编|本版编辑|值班编辑|美术编辑|图片编辑|(?:编辑|美编|校对|组版|排版|版式|审读|审校|校审|终审|设计|制图|监制)[:：])`)
)

// editorsFirst holds the first characters of furnitureEditors' words
// (TestEditorsFirst keeps the two together).
const editorsFirst = "责编本值美图校组排版审终设制监"

// furnitureKind grades a line as page furniture.
type furnitureKind uint8

const (
	notFurniture    furnitureKind = iota
	furnitureWeak                 // only a date, a name or a label: furniture only beside furniture
	furnitureNumber               // a bare page number or label
	furnitureStrong               // pageFurniture
)

// pageFurniture reports a line that looks like a page header or footer
// rather than text: made only of a date, the day of the week, a page
// number or label and section or paper names, with the date and the day
// of the week, or a page label with a date, day or section name
// ("2021年7月20日 星期二", "A3 综合新闻"); or the editors' line
// ("责任编辑：…"). It has no byline, sentence end or comma and at most 40
// characters.
func pageFurniture(l pline) bool {
	kind, _ := furnitureOf(l.text)
	return kind == furnitureStrong
}

// furnitureOf grades a cleaned line as furniture and says why.
func furnitureOf(t string) (furnitureKind, string) {
	if t == "" || utf8.RuneCountInString(t) > 40 || containsAny(t, "。", "！", "？", "!", "?") || bylineLen(t) > 0 {
		return notFurniture, ""
	}
	// The cheap tests in front of each regexp (the characters it cannot
	// match without) spare running it on most lines.
	if first, _ := utf8.DecodeRuneInString(t); strings.ContainsRune(editorsFirst, first) && furnitureEditors.MatchString(t) {
		return furnitureStrong, "the editors' line"
	}
	if containsAny(t, "，", ",", "、", "；", ";") {
		return notFurniture, ""
	}
	date := containsAny(t, "月", "-", ".", "/") && furnitureDate.MatchString(t)
	weekday := strings.Contains(t, "星期") && furnitureWeekday.MatchString(t)
	rest := t
	if date || weekday {
		rest = furnitureWeekday.ReplaceAllString(furnitureDate.ReplaceAllString(t, " "), " ")
	}
	label, name, other := false, false, 0
	for rest != "" {
		if m := furnitureSep.FindString(rest); m != "" {
			rest = rest[len(m):]
		} else if m := furnitureLabel.FindString(rest); m != "" {
			label, rest = true, rest[len(m):]
		} else if m := furnitureName.FindString(rest); m != "" {
			name, rest = true, rest[len(m):]
		} else if m := furnitureSection.FindString(rest); m != "" && other == 0 && (date || weekday) {
			other, rest = other+1, rest[len(m):]
		} else {
			return notFurniture, "" // words a header does not hold
		}
	}
	if other > 0 && !(date && weekday || label) {
		// One other short word is a section's name ("城事") only on a
		// line that is clearly a header without it.
		return notFurniture, ""
	}
	switch {
	case date && weekday:
		return furnitureStrong, "a date with its day of the week"
	case label && (date || weekday || name):
		return furnitureStrong, "a page label with a date or section name"
	case label:
		return furnitureNumber, "a bare page number"
	case date:
		return furnitureWeak, "a date alone"
	case weekday:
		return furnitureWeak, "a day of the week alone"
	case name:
		return furnitureWeak, "a section or paper name alone"
	}
	return notFurniture, "" // separators only
}

// opensItem reports a block that starts an item without a headline of its
// own in front: a byline, or a photo (its last line is a credit).
func opensItem(b *block) bool {
	if first := b.lines[0]; lineBylineLen(first.text, first.raw) > 0 {
		return true
	}
	last := b.last()
	return creditRunes(last.text, last.raw) > 0
}

// pageParser carries the state of one page's assembly.
type pageParser struct {
	ed      *Edition
	derived []bool // per item: a photo title derived from the caption
	source  string
	date    string
	label   string // pageLabel of the file: part of every id key
	photos  int
	keys    map[string]int
	notes   *Explanation // when explaining, else nil
	lines   []pline      // the page's lines
	// placement says why headlines go before or after, when explaining.
	placement string
	// headWhy is said of the next headline group noted, then cleared.
	headWhy string

	// body and widths are article's and paragraphs' scratch space.
	body   []bodyLine
	widths []int
}

// classify marks bylines, photos and headlines.
func (p *pageParser) classify(blocks []*block) {
	for _, b := range blocks {
		last := b.last()
		if n := creditRunes(last.text, last.raw); n > 0 {
			b.credit = n
		}
		if first := b.lines[0]; lineBylineLen(first.text, first.raw) > 0 && b.credit == 0 {
			b.kind = blockByline
		}
		b.cand = b.kind == blockBody && b.credit == 0 && headlineShaped(b)
	}
	// Photos: the credit block, with the caption before it.
	for k, b := range blocks {
		if b.credit == 0 {
			continue
		}
		p.photos++
		b.kind, b.photo = blockPhoto, p.photos
		last := b.last()
		start := k
		if len(b.lines) == 1 && b.credit == utf8.RuneCountInString(last.text) {
			// A credit on its own: the caption is the block before, unless
			// that opens an article, is another photo or looks like a
			// headline (a caption has commas even when its full stop is
			// missing).
			if k > 0 && blocks[k-1].kind == blockBody && !(blocks[k-1].cand && commaFree(blocks[k-1])) {
				start = k - 1
			}
		}
		if start < k || len(b.lines) > 1 || b.credit < utf8.RuneCountInString(last.text) {
			// Extend back over column breaks inside the caption: blocks
			// ending mid-sentence on a full caption-width line. A
			// headline-shaped block without commas is the headline of the
			// item before (headlines after), however wide: in a narrow
			// column a headline is wider than the caption.
			capWidth := captionWidth(blocks[start : k+1])
			for start > 0 {
				prev := blocks[start-1]
				if prev.kind != blockBody || endsSentence(prev.last().text) || prev.last().w*5 < capWidth*4 ||
					prev.cand && commaFree(prev) {
					break
				}
				start--
			}
		}
		for _, cb := range blocks[start:k] {
			cb.kind, cb.photo, cb.cand = blockPhoto, p.photos, false
		}
	}
	// Headlines: a candidate counts when what follows is a byline, a photo,
	// the end, or another headline part, and what precedes is a finished
	// sentence, a photo, a headline part or the page's start. Before plain
	// text (an article without a byline) only a candidate without commas
	// that ends well short of the page's column width counts: a column
	// break leaves a line as wide as the text that follows.
	next := make([]bool, len(blocks)+1)
	for i := len(blocks) - 1; i >= 0; i-- {
		b := blocks[i]
		if !b.cand {
			continue
		}
		if i == len(blocks)-1 {
			next[i] = true
			continue
		}
		n := blocks[i+1]
		next[i] = n.kind == blockByline || n.kind == blockPhoto || next[i+1] ||
			b.last().w < maxWidth(n)*3/4 && commaFree(b)
	}
	for i, b := range blocks {
		if !next[i] {
			continue
		}
		if i > 0 {
			prev := blocks[i-1]
			if prev.kind != blockPhoto && prev.kind != blockHeadline && !finished(prev.last().text) {
				continue
			}
		}
		b.kind = blockHeadline
	}
}

// captionWidth is the width of a caption's widest line in cells, the
// credit that ends its last block left out: a credit line is no caption
// line, and a credit after the caption's last sentence widens that line.
func captionWidth(blocks []*block) int {
	w := 0
	for _, b := range blocks {
		for i, l := range b.lines {
			lw := l.w
			if i == len(b.lines)-1 && b.credit > 0 {
				runes := []rune(l.text)
				lw -= width(string(runes[max(0, len(runes)-b.credit):]))
			}
			w = max(w, lw)
		}
	}
	return w
}

// maxWidth is the width of a block's widest line in cells.
func maxWidth(b *block) int {
	w := 0
	for _, l := range b.lines {
		w = max(w, l.w)
	}
	return w
}

// blockText is the cleaned text of a block's lines, joined.
func blockText(b *block) string {
	var j textJoiner
	for _, l := range b.lines {
		j.add(l.text)
	}
	return j.take()
}

// commaFree reports a block without a comma or enumeration comma: a
// headline-shaped block that has one is more likely a sentence's start.
func commaFree(b *block) bool {
	for _, l := range b.lines {
		if containsAny(l.text, "，", ",", "、") {
			return false
		}
	}
	return true
}

// headlineShaped reports a block that can be a headline part: at most
// four lines, no sentence-ending punctuation or semicolon inside, not
// ending on a comma or colon, at most 64 characters.
func headlineShaped(b *block) bool {
	if len(b.lines) > 4 {
		return false
	}
	n := 0
	for _, l := range b.lines {
		if containsAny(l.text, "。", "；", ";") {
			return false
		}
		n += utf8.RuneCountInString(l.text)
	}
	if n > 64 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(b.last().text)
	switch r {
	case '，', '、', '：', '；', ',', ':', '“', '‘', '（', '《':
		return false
	}
	return true
}

// units groups the classified blocks into headline groups, text runs and
// photos.
func (p *pageParser) units(blocks []*block) []unit {
	// A unit is a run of consecutive blocks, so its blocks are a window of
	// blocks (capped: nothing appended to one reaches the next).
	us := make([]unit, 0, len(blocks))
	start := 0 // the first block of the last unit
	for k, b := range blocks {
		if n := len(us); n > 0 {
			last := &us[n-1]
			joins := false
			switch b.kind {
			case blockHeadline:
				joins = last.kind == blockHeadline
			case blockPhoto:
				joins = last.kind == blockPhoto && last.blocks[0].photo == b.photo
			case blockByline:
				joins = false
			default:
				joins = last.kind == blockBody
			}
			if joins {
				last.blocks = blocks[start : k+1 : k+1]
				continue
			}
		}
		start = k
		u := unit{kind: b.kind, blocks: blocks[k : k+1 : k+1]}
		if b.kind == blockByline {
			u.kind, u.byline = blockBody, true
		}
		us = append(us, u)
	}
	return us
}

// headlineAbove returns the index of the headline group standing above
// the unit at us[i], directly or over photos between (a headline, its
// article's photo, then the article), or -1.
func headlineAbove(us []unit, i int) int {
	if j := pastPhotos(us, i, -1); j >= 0 && us[j].kind == blockHeadline {
		return j
	}
	return -1
}

// headlineBelow returns the index of the headline group standing below
// the unit at us[i], directly or over photos between, or -1.
func headlineBelow(us []unit, i int) int {
	if j := pastPhotos(us, i, 1); j < len(us) && us[j].kind == blockHeadline {
		return j
	}
	return -1
}

// photosThenByline reports whether the photo at us[i] is followed, over
// any further photos, by a bylined text run.
func photosThenByline(us []unit, i int) bool {
	j := pastPhotos(us, i, 1)
	return j < len(us) && us[j].kind == blockBody && us[j].byline
}

// pastPhotos returns the index of the first unit after us[i] in the
// direction step (1: below, -1: above) that is not a photo: -1 or len(us)
// when photos run to the page's edge.
func pastPhotos(us []unit, i, step int) int {
	j := i + step
	for j >= 0 && j < len(us) && us[j].kind == blockPhoto {
		j += step
	}
	return j
}

// headlinesBefore decides from the page whether headlines stand before
// their articles: the placement that gives more bylined runs an adjacent
// headline group wins (before: the group above the run, after: the group
// below it, also over photos between); on a tie, the first headline group
// standing before the first bylined run means before.
func headlinesBefore(us []unit) (isBefore bool, before, after int) {
	firstH, firstB := -1, -1
	for i, u := range us {
		if u.kind == blockHeadline && firstH < 0 {
			firstH = i
		}
		if u.kind != blockBody || !u.byline {
			continue
		}
		if firstB < 0 {
			firstB = i
		}
		if headlineAbove(us, i) >= 0 {
			before++
		}
		if headlineBelow(us, i) >= 0 {
			after++
		}
	}
	if before != after {
		return before > after, before, after
	}
	return firstH >= 0 && (firstB < 0 || firstH < firstB), before, after
}

// build pairs headline groups with text runs and emits the items.
func (p *pageParser) build(us []unit) {
	before, nb, na := headlinesBefore(us)
	if p.explaining() {
		where := "after"
		if before {
			where = "before"
		}
		p.placement = fmt.Sprintf("headlines stand %s their articles on this page (%d bylines have a headline group above, %d below)", where, nb, na)
	}
	used := make([]bool, len(us))
	for i, u := range us {
		if used[i] {
			continue
		}
		switch u.kind {
		case blockPhoto:
			used[i] = true
			// A headline group that no article can take (after-mode: one
			// following the photo; before-mode: one preceding it) is the
			// photo's own headline. Before-mode, a headline above a photo
			// that an article follows is that article's: articles need
			// their headline, a photo's title can come from its caption.
			var head *unit
			if !before || !photosThenByline(us, i) {
				head = takeHeadline(us, used, i, before)
			}
			p.photo(head, u)
		case blockBody:
			used[i] = true
			head := takeHeadline(us, used, i, before)
			if head == nil && u.byline {
				if j := headlineAbove(us, i); before && j >= 0 && !used[j] {
					used[j], head = true, &us[j]
					p.headWhy = "; it stands above a photo, and the article below the photo takes it"
				} else if j := headlineBelow(us, i); !before && j >= 0 && !used[j] {
					used[j], head = true, &us[j]
					p.headWhy = "; it stands below a photo, and the article above the photo takes it"
				}
			}
			if head == nil && !u.byline {
				p.unplaced(u.blocks, "text outside any article (no byline, no headline)")
				continue
			}
			p.article(head, u)
		case blockHeadline:
			if before && i+1 < len(us) && (us[i+1].kind == blockBody || us[i+1].kind == blockPhoto) {
				continue // taken by the text run or photo that follows
			}
			used[i] = true
			p.unplaced(u.blocks, "headline without an article")
		}
	}
}

// takeHeadline returns the headline group of the item at us[i] (the
// group before it when headlines come before, else the one after) and
// marks it used, or returns nil.
func takeHeadline(us []unit, used []bool, i int, before bool) *unit {
	j := i + 1
	if before {
		j = i - 1
	}
	if j < 0 || j >= len(us) || us[j].kind != blockHeadline || used[j] {
		return nil
	}
	used[j] = true
	return &us[j]
}

// unplaced reports blocks that fit no item.
func (p *pageParser) unplaced(blocks []*block, msg string) {
	var texts []string
	for _, b := range blocks {
		for _, l := range b.lines {
			texts = append(texts, l.text)
		}
	}
	p.ed.Warnings = append(p.ed.Warnings, Warning{File: p.source, Lines: span(blocks), Message: msg, Text: strings.Join(texts, " ")})
	if p.explaining() {
		for _, b := range blocks {
			p.noteBlock(b, ClassUnplaced, 0, "returned as a warning: "+msg)
		}
	}
}

// bodyLine is one line of article or caption text.
type bodyLine struct {
	src        *pline // the source line
	text       string // clean text (without the byline or credit)
	w          int    // display width of the whole source line
	afterBlank bool   // a blank line precedes it within the item
	indented   bool   // set in by a full-width space or two spaces
}

// indentCells is the width of a line's leading white space: an indent
// takes room in the column like text does.
func indentCells(raw string) int {
	w := 0
	for _, r := range raw {
		switch {
		case r == '\u3000':
			w += 2
		case isSpace(r):
			w++
		default:
			return w
		}
	}
	return 0 // a blank line
}

// indented reports a line set in like a paragraph's first line: it starts
// with a full-width space, a tab or two spaces (one leading space is OCR
// noise).
func indented(raw string) bool {
	if strings.HasPrefix(raw, "  ") {
		return true
	}
	raw = strings.TrimPrefix(raw, " ")
	return strings.HasPrefix(raw, "\u3000") || strings.HasPrefix(raw, "\t")
}

// paragraphs joins body lines into paragraphs (see ParsePage). With
// explain, it says for each line whether it starts paragraph para (1-based)
// or continues it, and why.
//
// ws is scratch space for the line widths, reused from article to article.
func paragraphs(ls []bodyLine, ws []int, explain func(i, para int, start bool, why string)) []string {
	ws = ws[:0]
	for _, l := range ls {
		ws = append(ws, l.w)
	}
	ref := 0 // the column's full width
	if len(ws) > 0 {
		slices.Sort(ws)
		if len(ws) >= 3 {
			ref = ws[len(ws)*3/4]
		} else {
			ref = ws[len(ws)-1]
		}
	}
	var paras []string
	var cur textJoiner
	size := 0
	for _, l := range ls {
		size += len(l.text) + 1 // +1: a space between Latin words
	}
	cur.grow(size)
	for i, l := range ls {
		if i > 0 && !cur.empty() {
			prev := ls[i-1]
			if finished(prev.text) && (l.afterBlank || l.indented || prev.w <= ref-shortCells) {
				paras = append(paras, cur.take())
				if explain != nil {
					why := "a blank line comes between"
					if !l.afterBlank {
						why = "it is indented"
						if !l.indented {
							why = fmt.Sprintf("the line before ends %d cells short of the column's width (%d)", ref-prev.w, ref)
						}
					}
					explain(i, len(paras)+1, true, "the line before ends a sentence and "+why)
				}
			} else if explain != nil {
				why := "the line before ends mid-sentence"
				if finished(prev.text) {
					why = fmt.Sprintf("the line before ends a sentence but fills the column (%d of %d cells), with no blank line or indent after it", prev.w, ref)
				}
				explain(i, len(paras)+1, false, why)
			}
		} else if explain != nil {
			explain(i, len(paras)+1, true, "the item's first text")
		}
		cur.add(l.text)
	}
	if !cur.empty() {
		paras = append(paras, cur.take())
	}
	return paras
}

// article emits an article from its headline group (nil if none) and text.
func (p *pageParser) article(head *unit, u unit) {
	a := Article{Kind: KindArticle, Date: p.date, Source: p.source, Authors: []Author{}}
	a.Lines = itemLines(head, u)
	if head != nil {
		a.Kicker, a.Title, a.Subtitle = p.headline(head.blocks)
	}
	n := 0
	for _, b := range u.blocks {
		n += len(b.lines)
	}
	// ls is scratch space, reused from article to article.
	ls := slices.Grow(p.body[:0], n)
	skip := 0  // lines of the first block the byline took whole
	rest := "" // the byline's last line after the byline, cleaned
	if u.byline {
		var raw string
		raw, rest, skip = splitByline(u.blocks[0].lines)
		a.Byline, a.Authors = parseByline(raw)
		if a.Authors == nil {
			a.Authors = []Author{}
		}
	}
	for bi, b := range u.blocks {
		for li := range b.lines {
			l := &b.lines[li]
			text := l.text
			if bi == 0 && li < skip {
				if li < skip-1 {
					continue
				}
				text = rest
			}
			if text == "" {
				continue
			}
			ls = append(ls, bodyLine{src: l, text: text, w: l.w, afterBlank: li == 0 && bi > 0, indented: indented(l.raw)})
		}
	}
	var explain func(i, para int, start bool, why string)
	if p.explaining() {
		explain = p.explainBody(u, ls, skip, a.Byline, head == nil)
	}
	a.Paragraphs = paragraphs(ls, p.widths[:0], explain)
	p.body, p.widths = ls[:0], slices.Grow(p.widths[:0], len(ls))
	if a.Paragraphs == nil {
		a.Paragraphs = []string{}
	}
	// The key is the display title without white space (its parts run
	// together).
	key := withoutSpace(a.Kicker + a.Title + a.Subtitle)
	if head == nil {
		p.ed.Warnings = append(p.ed.Warnings, Warning{File: p.source, Lines: a.Lines, Message: "article has no headline"})
		key = "untitled:" + a.Byline + prefixRunesOf(a.Paragraphs, 40)
	}
	a.ID = p.itemID(KindArticle, key)
	p.add(a, false)
}

// span is the first and last line numbers of blocks.
func span(blocks []*block) [2]int {
	return [2]int{blocks[0].lines[0].n, blocks[len(blocks)-1].last().n}
}

// itemLines is the span of an item: its unit's lines and its headline
// group's (nil if none), wherever the group stands.
func itemLines(head *unit, u unit) [2]int {
	l := span(u.blocks)
	if head != nil {
		h := span(head.blocks)
		l = [2]int{min(l[0], h[0]), max(l[1], h[1])}
	}
	return l
}

// add appends an item to the edition.
func (p *pageParser) add(a Article, derivedTitle bool) {
	p.ed.Articles = append(p.ed.Articles, a)
	p.derived = append(p.derived, derivedTitle)
}

// splitByline cuts the byline off the first lines of an article. A byline
// whose parenthesis does not close on its line continues on the next
// ("本报讯（记者王小明 李华 通讯员" / "赵强）7月19日…"); the two lines
// join without a space, as wrapped body lines do, unless the first ends
// with white space or is letter-spaced up to its end. A byline without
// parentheses that ends with a role continues on the next line too. It
// returns the byline as printed, the cleaned text after it and how many
// lines it spans.
func splitByline(lines []pline) (raw, rest string, n int) {
	first := lines[0]
	end := lineBylineLen(first.text, first.raw)
	if len(lines) > 1 && containsAny(first.text[end:], "（", "(") && !containsAny(first.text[end:], "）", ")") {
		joined := first.text + lines[1].text
		if e := bylineLen(joined); e > len(first.text) {
			// Join like body lines: a wrap can fall mid-name ("通讯员王小"
			// / "明）"), so no space unless the first line ends with one or
			// its letter-spacing runs on over the wrap ("见 习" / "记 者").
			second := strings.TrimLeftFunc(lines[1].raw, isSpace)
			sep := ""
			if letterSpacedWrap(first.raw, second) {
				sep = " "
			}
			rawJoined := first.raw + sep + second
			raw, after := splitRawAt(rawJoined, nonSpace(joined[:e]))
			return raw, cleanLine(after), 2
		}
	}
	if len(lines) > 1 && end > 0 && onlyRoles(first.text[end:]) && endsWithRole(first.raw) {
		// A byline without parentheses wrapped after a role ("本报讯 记者
		// 张三 通讯员" / "李四 7月19日…"): its names are on the next line.
		rawJoined := first.raw + " " + strings.TrimLeftFunc(lines[1].raw, isSpace)
		joined := cleanLine(rawJoined)
		if e := spacedBylineLen(joined, rawJoined); e > len(first.text) {
			raw, after := splitRawAt(rawJoined, nonSpace(joined[:e]))
			return raw, cleanLine(after), 2
		}
	}
	raw, after := splitRawAt(first.raw, nonSpace(first.text[:end]))
	return raw, cleanLine(after), 1
}

// onlyRoles reports a string of roles only.
func onlyRoles(s string) bool {
	for s != "" {
		r := matchRole(s)
		if r == "" {
			return false
		}
		s = s[len(r):]
	}
	return true
}

// endsWithRole reports a raw line whose last field ends with a role: a
// credit cut before the name.
func endsWithRole(raw string) bool {
	f := fieldsSpace(raw)
	if len(f) == 0 {
		return false
	}
	var buf [8]segment
	segs := appendCredit(buf[:0], f[len(f)-1])
	return len(segs) > 0 && segs[len(segs)-1].kind == 'r'
}

// letterSpacedWrap reports a wrap inside letter-spaced text: the first
// line's last field is a single character, and so is the field before it
// or the next line's first field.
func letterSpacedWrap(first, second string) bool {
	f := fieldsSpace(first)
	if len(f) == 0 || utf8.RuneCountInString(f[len(f)-1]) != 1 {
		return false
	}
	if len(f) > 1 && utf8.RuneCountInString(f[len(f)-2]) == 1 {
		return true
	}
	n := fieldsSpace(second)
	return len(n) > 0 && utf8.RuneCountInString(n[0]) == 1
}

// photo emits photo news: caption paragraph, credit, and its headline
// group or else a title derived from the caption.
func (p *pageParser) photo(head *unit, u unit) {
	a := Article{Kind: KindPhoto, Date: p.date, Source: p.source, Authors: []Author{}}
	var capJ textJoiner
	for _, b := range u.blocks {
		for li, l := range b.lines {
			text := l.text
			if b.credit > 0 && li == len(b.lines)-1 {
				keep := nonSpace(l.text) - b.credit
				capRaw, creditRaw := splitRawAt(l.raw, keep)
				text = cleanLine(capRaw)
				a.Byline, a.Authors = parseCredit(creditRaw)
				if a.Authors == nil {
					a.Authors = []Author{}
				}
			}
			capJ.add(text)
		}
	}
	caption := capJ.take()
	if p.explaining() {
		p.explainPhoto(u)
	}
	// A caption is one paragraph: its short lines are layout, not breaks.
	a.Paragraphs = []string{}
	if caption != "" {
		a.Paragraphs = []string{caption}
	}
	a.Lines = itemLines(head, u)
	if head != nil {
		a.Kicker, a.Title, a.Subtitle = p.headline(head.blocks)
	} else {
		a.Title = photoTitle(caption)
	}
	// Not the photo's ordinal: a correction that drops an earlier photo
	// would hand its id to the next one.
	key := a.Byline + "\x00" + prefixRunes(withoutSpace(caption), photoKeyRunes)
	a.ID = p.itemID(KindPhoto, key)
	p.add(a, head == nil)
}

// photoKeyRunes is how much of a photo's caption (white space removed)
// its id key holds: enough to tell photos by one photographer apart, short
// enough that a corrected word further on keeps the id.
const photoKeyRunes = 16

// photoTitle derives a short title from a caption: what follows "图为" if
// the caption says it, else its first sentence without a leading date
// clause ("7月16日，"), cut at a comma to at most 30 characters.
func photoTitle(caption string) string {
	s := caption
	if i := strings.Index(s, "图为"); i >= 0 {
		s = s[i+len("图为"):]
	} else if i := strings.Index(s, "，"); i >= 0 && i <= 40 && strings.Contains(s[:i], "日") {
		s = s[i+len("，"):]
	}
	if i := strings.IndexAny(s, "。！？"); i >= 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) > 30 {
		cut := prefixRunes(s, 30)
		if i := strings.LastIndex(cut, "，"); i > 0 {
			cut = cut[:i]
		}
		s = cut
	}
	return strings.TrimRight(s, "，、：；")
}

// prefixRunesOf returns the first n runes of the strings in ss run
// together.
func prefixRunesOf(ss []string, n int) string {
	var b strings.Builder
	for _, s := range ss {
		p := prefixRunes(s, n)
		b.WriteString(p)
		if n -= utf8.RuneCountInString(p); n == 0 {
			break
		}
	}
	return b.String()
}

// prefixRunes returns the first n runes of s.
func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// itemID is the id of an item with the given key: made unique within the
// page, then prefixed with the page label and a NUL byte (which no text
// holds) so that the pages of one day never share an id.
func (p *pageParser) itemID(kind Kind, key string) string {
	key = p.uniqueKey(key)
	if p.label != "" {
		key = p.label + "\x00" + key
	}
	return StableID(p.date, kind, key)
}

// uniqueKey makes an id key unique within the edition: repeats get "#2",
// "#3"...
func (p *pageParser) uniqueKey(key string) string {
	if p.keys == nil {
		p.keys = make(map[string]int)
	}
	p.keys[key]++
	if n := p.keys[key]; n > 1 {
		return key + "#" + strconv.Itoa(n)
	}
	return key
}
