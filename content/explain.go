package content

import (
	"fmt"
	"io"
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
	Class LineClass //
	// Item is the 1-based index of the item (in Edition.Articles) the line
	// went to, or 0.
	Item int
	// Why is the rule that decided, in words.
	Why string
}

// ExplainPage parses a page like ParsePage and also says, for every line,
// what the parser took it for and why. The notes are written by the
// parser's own decisions as it makes them, so they cannot disagree with
// the items it returns.
func ExplainPage(r io.Reader, opts ParseOptions) (Edition, []LineNote, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Edition{}, nil, fmt.Errorf("content: read %s: %w", nameOrInput(opts.Name), err)
	}
	text, err := DecodeText(b, opts.Name)
	if err != nil {
		return Edition{}, nil, err
	}
	var notes []LineNote
	ed, _, err := parsePage(text, opts, &notes)
	if err != nil {
		return Edition{}, nil, err
	}
	return ed, notes, nil
}

// note records why a line got its class, when the page is being
// explained. A later decision about the same line replaces an earlier one:
// the last is the one that shaped the item. item is 1-based, 0 for none.
func (p *pageParser) note(l pline, class LineClass, item int, why string) {
	if p.notes == nil {
		return
	}
	(*p.notes)[l.n-1] = LineNote{Line: l.n, Text: l.raw, Class: class, Item: item, Why: why}
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
