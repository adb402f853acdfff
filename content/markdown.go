package content

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// frontMatter is the TOML header of a Markdown article, between "+++"
// lines.
type frontMatter struct {
	Title    string `toml:"title"`
	Kicker   string `toml:"kicker"`
	Subtitle string `toml:"subtitle"`
	Byline   string `toml:"byline"`
	// Date is the edition date: a TOML date (2021-07-20) or a string.
	Date    any      `toml:"date"`
	Authors []any    `toml:"authors"` // "张三" or {name = "张三", role = "记者"}
	Topics  []string `toml:"topics"`
	Summary string   `toml:"summary"`
}

// markdown is the goldmark converter: CommonMark, raw HTML left out.
var markdown = goldmark.New()

// ParseMarkdown reads one web-only article (or correction): TOML front
// matter between "+++" lines, then a Markdown body.
//
//	+++
//	title = "示范区发布更正"
//	date = 2021-07-20
//	authors = ["张三", { name = "李四", role = "记者" }]
//	topics = ["更正"]
//	summary = "…"
//	+++
//	正文……
//
// title is required. The date is the front matter's, else the edition
// date rule of ParsePage without the text inference (file name, then
// opts.Date). Paragraphs are the body's blocks as plain text (a list item
// or heading is a paragraph of its own).
// Unknown front-matter keys are errors, so a misspelt key is not ignored.
func ParseMarkdown(r io.Reader, opts ParseOptions) (Edition, error) {
	name := nameOrInput(opts.Name)
	b, err := io.ReadAll(r)
	if err != nil {
		return Edition{}, fmt.Errorf("content: read %s: %w", name, err)
	}
	src, err := DecodeText(b, opts.Name)
	if err != nil {
		return Edition{}, err
	}
	head, body, err := splitFrontMatter(src)
	if err != nil {
		return Edition{}, fmt.Errorf("content: %s: %w", name, err)
	}
	var fm frontMatter
	md, err := toml.Decode(head, &fm)
	if err != nil {
		return Edition{}, fmt.Errorf("content: %s: front matter: %w", name, err)
	}
	for _, k := range md.Undecoded() {
		if len(k) > 0 && k[0] == "authors" {
			continue // tables inside authors are read by markdownAuthors
		}
		return Edition{}, fmt.Errorf("content: %s: front matter: unknown key %q (known: title, kicker, subtitle, byline, date, authors, topics, summary)", name, k.String())
	}
	cleanFrontMatter(&fm)
	if fm.Title == "" {
		return Edition{}, fmt.Errorf("content: %s: front matter: title is required", name)
	}
	date, err := markdownDate(fm.Date, opts)
	if err != nil {
		return Edition{}, fmt.Errorf("content: %s: %w", name, err)
	}
	authors, err := markdownAuthors(fm.Authors)
	if err != nil {
		return Edition{}, fmt.Errorf("content: %s: front matter: %w", name, err)
	}
	a := Article{
		Kind:       KindArticle,
		Title:      fm.Title,
		Kicker:     fm.Kicker,
		Subtitle:   fm.Subtitle,
		Byline:     fm.Byline,
		Authors:    authors,
		Paragraphs: markdownParagraphs([]byte(body)),
		Summary:    fm.Summary,
		Topics:     fm.Topics,
		Date:       date,
		Source:     displayName(opts.Name),
	}
	// A Markdown file holds one article: its file name identifies it, and
	// the "md:" prefix keeps it apart from a page article of the same title.
	a.ID = StableID(date, KindArticle, markdownKey(opts.Name))
	return Edition{Date: date, Source: a.Source, Articles: []Article{a}}, nil
}

// markdownKey is the id key of a Markdown article: "md:" and the file's
// base name.
func markdownKey(name string) string { return "md:" + filepath.Base(name) }

// cleanFrontMatter cleans the front matter's strings as page text is
// cleaned: TOML escapes (\u0001, \u001b, \r\n) can put control characters
// into them, which must not reach feeds, pages or mail headers.
func cleanFrontMatter(fm *frontMatter) {
	for _, f := range []*string{&fm.Title, &fm.Kicker, &fm.Subtitle, &fm.Byline, &fm.Summary} {
		*f = OneLine(*f)
	}
	topics := fm.Topics[:0]
	for _, t := range fm.Topics {
		if t = OneLine(t); t != "" {
			topics = append(topics, t)
		}
	}
	fm.Topics = topics
}

// dropControls removes C0 and C1 control characters and DEL except tab and
// line feed, for text whose line breaks matter (code blocks).
func dropControls(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\t' && r != '\n' {
			return -1
		}
		return r
	}, s)
}

// splitFrontMatter cuts "+++\n…\n+++\n" off the top of src.
func splitFrontMatter(src string) (head, body string, err error) {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(src, "\ufeff"), "+++\n")
	if !ok {
		return "", "", errors.New(`line 1: no front matter: the file must start with a "+++" line, then TOML (title = "…"), then "+++"`)
	}
	for i := 0; ; {
		end := strings.IndexByte(rest[i:], '\n')
		var l string
		if end < 0 {
			l = rest[i:]
		} else {
			l = rest[i : i+end]
		}
		if strings.TrimRight(l, " \t") == "+++" {
			if end < 0 {
				return rest[:i], "", nil
			}
			return rest[:i], rest[i+end+1:], nil
		}
		if end < 0 {
			return "", "", errors.New(`front matter is not closed: add a "+++" line after it`)
		}
		i += end + 1
	}
}

// markdownDate applies the date rule: front matter, file name, opts.Date.
func markdownDate(v any, opts ParseOptions) (string, error) {
	switch d := v.(type) {
	case nil:
	case time.Time: // a TOML local date decodes to midnight of that day
		return d.Format(time.DateOnly), nil
	case string:
		if got, ok := dateAt(d); ok && len(d) == 10 {
			return got, nil
		}
		return "", fmt.Errorf("front matter: date %q is not a date YYYY-MM-DD", d)
	default:
		return "", fmt.Errorf("front matter: date %v is not a date YYYY-MM-DD", v)
	}
	d, ok, err := editionDate(opts)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errors.New("no date: set date = YYYY-MM-DD in the front matter, name the file YYYY-MM-DD.md or pass --date")
	}
	return d, nil
}

// markdownAuthors reads authors given as names or {name, role} tables.
func markdownAuthors(vs []any) ([]Author, error) {
	authors := make([]Author, 0, len(vs))
	for i, v := range vs {
		switch a := v.(type) {
		case string:
			if name := OneLine(a); name != "" {
				authors = append(authors, Author{Name: name})
			}
		case map[string]any:
			name, _ := a["name"].(string)
			role, _ := a["role"].(string)
			for k := range a {
				if k != "name" && k != "role" {
					return nil, fmt.Errorf("authors[%d]: unknown key %q (known: name, role)", i, k)
				}
			}
			if name = OneLine(name); name == "" {
				return nil, fmt.Errorf("authors[%d]: name is required", i)
			}
			authors = append(authors, Author{Name: name, Role: OneLine(role)})
		default:
			return nil, fmt.Errorf("authors[%d]: want a name or { name = \"…\", role = \"…\" }, got %v", i, v)
		}
	}
	return authors, nil
}

// markdownParagraphs renders the body's blocks as plain text, one
// paragraph per paragraph, heading, list item or code block.
func markdownParagraphs(src []byte) []string {
	doc := markdown.Parser().Parse(text.NewReader(src))
	paras := []string{}
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c.Kind() {
			case ast.KindParagraph, ast.KindHeading, ast.KindTextBlock:
				if s := inlineText(c, src); s != "" {
					paras = append(paras, s)
				}
			case ast.KindCodeBlock, ast.KindFencedCodeBlock:
				var b strings.Builder
				lines := c.Lines()
				for i := 0; i < lines.Len(); i++ {
					seg := lines.At(i)
					b.Write(seg.Value(src))
				}
				if s := strings.TrimRight(dropControls(b.String()), "\n"); s != "" {
					paras = append(paras, s)
				}
			case ast.KindThematicBreak, ast.KindHTMLBlock:
			default: // lists, list items, block quotes: their blocks
				walk(c)
			}
		}
	}
	walk(doc)
	return paras
}

// inlineText is the plain text of a block's inlines; soft line breaks join
// like wrapped page lines.
func inlineText(n ast.Node, src []byte) string {
	var j textJoiner
	var cur strings.Builder
	flush := func() {
		j.add(cleanLine(dropControls(cur.String())))
		cur.Reset()
	}
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			cur.Write(t.Value(src))
			if t.SoftLineBreak() || t.HardLineBreak() {
				flush()
			}
		case *ast.String:
			cur.Write(t.Value)
		case *ast.AutoLink:
			cur.Write(t.Label(src))
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	flush()
	return j.take()
}
