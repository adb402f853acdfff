package content

import (
	"io"
	"strconv"
)

// LineClass is what the page parser took a line of a page for.
type LineClass string

// The classes ExplainPage gives lines.
const (
	ClassHeadline       LineClass = "headline" // the main title of an item
	ClassKicker         LineClass = "kicker"   // 引题, above the title
	ClassSubtitle       LineClass = "subtitle" // 副题, below the title
	ClassByline         LineClass = "byline"   // opens an article; text after it on the line is body
	ClassBody           LineClass = "body"
	ClassParagraphBreak LineClass = "paragraph break" // a blank line between paragraphs
	ClassColumnBreak    LineClass = "column break"    // a blank line inside a sentence: the lines join
	ClassBlank          LineClass = "blank"           // a blank line between items
	ClassCaption        LineClass = "caption"
	ClassCredit         LineClass = "credit"    // a photo credit (本报记者 X 摄), alone or after the caption
	ClassFurniture      LineClass = "furniture" // page header or footer
	ClassUnplaced       LineClass = "unplaced"  // fits no item: returned as a warning
)

// LineNote is ExplainPage's account of one source line.
type LineNote struct {
	Line  int       // 1-based line number
	Text  string    // the line as decoded
	Class LineClass // what the parser took the line for
	// Item is the 1-based index of the item (in Edition.Articles) the line
	// went to, or 0.
	Item int
	// Why is the rule that decided, in words.
	Why string
}

// Explanation is ExplainPage's account of a page.
type Explanation struct {
	Edition Edition
	// Lines has one note per source line, in order.
	Lines []LineNote
	// Placement says whether headlines were taken to stand before or
	// after their articles on this page, and why.
	Placement string
}

// ExplainPage parses a page like ParsePage and also says, for every line,
// what the parser took it for and why. The notes are written by the
// parser's own decisions as it makes them, so they cannot disagree with
// the items it returns.
func ExplainPage(r io.Reader, opts ParseOptions) (Explanation, error) {
	text, err := readPage(r, opts)
	if err != nil {
		return Explanation{}, err
	}
	var x Explanation
	x.Edition, _, err = parsePage(text, opts, &x)
	if err != nil {
		return Explanation{}, err
	}
	return x, nil
}

// note records why a line got its class, when the page is being
// explained. A later decision about the same line replaces an earlier one:
// the last is the one that shaped the item. item is 1-based, 0 for none.
func (p *pageParser) note(l pline, class LineClass, item int, why string) {
	if p.notes == nil {
		return
	}
	p.notes.Lines[l.n-1] = LineNote{Line: l.n, Text: l.raw, Class: class, Item: item, Why: why}
}

// noteBlock notes every line of b alike.
func (p *pageParser) noteBlock(b *block, class LineClass, item int, why string) {
	if p.notes == nil {
		return
	}
	for _, l := range b.lines {
		p.note(l, class, item, why)
	}
}

// explaining reports whether notes are being taken: callers building a
// reason with fmt check it first, so that parsing alone pays nothing.
func (p *pageParser) explaining() bool { return p.notes != nil }

// item is the 1-based index the next item added will have.
func (p *pageParser) item() int { return len(p.ed.Articles) + 1 }

// explainBody notes an article's byline lines and returns the callback
// through which paragraphs notes its text lines and the blank lines
// between them.
func (p *pageParser) explainBody(u unit, ls []bodyLine, skip int, byline string, untitled bool) func(i, para int, start bool, why string) {
	item := p.item()
	headWhy := ""
	if untitled {
		headWhy = "; no headline group stands next to it, so the article has none"
	}
	if u.byline {
		for _, l := range u.blocks[0].lines[:skip] {
			p.note(l, ClassByline, item, "opens with the byline "+strconv.Quote(byline)+": starts an article; text after it on the line is the first paragraph"+headWhy)
		}
	}
	return func(i, para int, start bool, why string) {
		l := ls[i].src
		if ls[i].src.n <= u.blocks[0].lines[0].n+skip-1 {
			return // the byline's line: noted as the byline
		}
		word := "continues paragraph "
		if start {
			word = "starts paragraph "
		}
		p.note(*l, ClassBody, item, word+strconv.Itoa(para)+": "+why)
		if i == 0 || !ls[i].afterBlank {
			return
		}
		class, bwhy := ClassColumnBreak, "blank line mid-sentence (a column break): the lines around it join"
		if start {
			class, bwhy = ClassParagraphBreak, "blank line after a finished sentence"
		}
		for n := ls[i-1].src.n + 1; n < l.n; n++ {
			p.note(p.lines[n-1], class, item, bwhy)
		}
	}
}

// explainPhoto notes a photo's caption and credit lines and the blank
// lines between its blocks.
func (p *pageParser) explainPhoto(u unit) {
	item := p.item()
	credit := u.blocks[len(u.blocks)-1].last()
	for bi, b := range u.blocks {
		if bi > 0 {
			for n := u.blocks[bi-1].last().n + 1; n < b.lines[0].n; n++ {
				p.note(p.lines[n-1], ClassColumnBreak, item, "blank line inside the caption, which runs on mid-sentence over it")
			}
		}
		for li, l := range b.lines {
			switch {
			case b.credit > 0 && li == len(b.lines)-1 && nonSpace(l.text) == b.credit:
				p.note(l, ClassCredit, item, "a photo credit (roles and names, then 摄): closes photo news")
			case b.credit > 0 && li == len(b.lines)-1:
				p.note(l, ClassCredit, item, "the caption's last words, then a photo credit: closes photo news")
			default:
				p.note(l, ClassCaption, item, "caption of the photo credited at line "+strconv.Itoa(credit.n)+": text before the credit, back to a finished sentence or a headline")
			}
		}
	}
}
