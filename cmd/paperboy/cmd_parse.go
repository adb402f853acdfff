package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/paperboy-news/paperboy/content"
)

// runParse parses page files (and *.md articles) and prints their items as
// one JSON array on stdout; warnings go to stderr as "file:line-line:
// message". It prints nothing on stdout unless every file parsed. With
// --explain it prints, for each page, its lines with the class the parser
// gave each and why, instead of JSON.
func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	date := fs.String("date", "", "edition date `YYYY-MM-DD` for files whose name carries none")
	explain := fs.Bool("explain", false, "print each line of the pages with what the parser took it for and why, instead of JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: paperboy parse [--date YYYY-MM-DD] [--explain] FILE...")
		fmt.Fprintln(fs.Output(), "\nParses page text files (and *.md web articles) and prints their items as JSON.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: parse: %v", errUsage, err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: parse: no files given", errUsage)
	}
	if *date != "" {
		if _, ok := content.EditionDateFromName(*date); !ok || len(*date) != 10 {
			return fmt.Errorf("%w: parse: --date %q is not a date YYYY-MM-DD", errUsage, *date)
		}
	}
	if *explain {
		return explainFiles(ctx, fs.Args(), *date, stdout)
	}
	items := []content.Article{}
	for _, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("parse: %w", err)
		}
		ed, err := parseFile(path, *date)
		if err != nil {
			return fmt.Errorf("parse: %w", err)
		}
		for _, w := range ed.Warnings {
			w.File = path
			fmt.Fprintln(stderr, w.String())
		}
		items = append(items, ed.Articles...)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(items); err != nil {
		return fmt.Errorf("parse: write JSON: %w", err)
	}
	return nil
}

// parseFile parses one file: Markdown by its .md extension, else a page.
func parseFile(path, date string) (content.Edition, error) {
	f, err := os.Open(path)
	if err != nil {
		return content.Edition{}, err
	}
	defer f.Close()
	opts := content.ParseOptions{Name: path, Date: date}
	if strings.EqualFold(filepath.Ext(path), ".md") {
		return content.ParseMarkdown(f, opts)
	}
	return content.ParsePage(f, opts)
}

// explainFiles prints the explanation of each page file. It checks every
// file first, so that a Markdown file or a bad page prints nothing.
func explainFiles(ctx context.Context, paths []string, date string, stdout io.Writer) error {
	for _, path := range paths {
		if strings.EqualFold(filepath.Ext(path), ".md") {
			return fmt.Errorf("%w: parse: --explain reads page text files; %s is a Markdown article", errUsage, path)
		}
	}
	xs := make([]content.Explanation, 0, len(paths))
	for _, path := range paths {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("parse: %w", err)
		}
		x, err := explainFile(path, date)
		if err != nil {
			return fmt.Errorf("parse: %w", err)
		}
		xs = append(xs, x)
	}
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString("\n")
		}
		writeExplanation(&b, paths[i], x)
	}
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		return fmt.Errorf("parse: write explanation: %w", err)
	}
	return nil
}

func explainFile(path, date string) (content.Explanation, error) {
	f, err := os.Open(path)
	if err != nil {
		return content.Explanation{}, err
	}
	defer f.Close()
	return content.ExplainPage(f, content.ParseOptions{Name: path, Date: date})
}

// writeExplanation prints a page's items, warnings and lines. Each line
// shows its number, class, item number (#n) and text; the reason follows
// on its own line, left out when it repeats the line before's and for
// blank lines between items, so that runs of body text read at a glance.
func writeExplanation(b *strings.Builder, path string, x content.Explanation) {
	ed := x.Edition
	fmt.Fprintf(b, "%s: edition %s, %d items, %d warnings\n", path, ed.Date, len(ed.Articles), len(ed.Warnings))
	if x.Placement != "" {
		fmt.Fprintf(b, "%s\n", x.Placement)
	}
	headed := make([]bool, len(ed.Articles)+1) // by item number: a headline line went to it
	for _, n := range x.Lines {
		switch n.Class {
		case content.ClassHeadline, content.ClassKicker, content.ClassSubtitle:
			headed[n.Item] = true
		}
	}
	for i, a := range ed.Articles {
		from := ""
		if !headed[i+1] {
			from = " (no headline on the page: the title is from the caption)"
			if a.Kind == content.KindArticle {
				from = " (no headline on the page)"
			}
		}
		fmt.Fprintf(b, "  #%d %s, lines %d-%d: %s%s\n", i+1, a.Kind, a.Lines[0], a.Lines[1], headlineParts(a), from)
	}
	for _, w := range ed.Warnings {
		w.File = path
		fmt.Fprintf(b, "  warning %s\n", w.String())
	}
	b.WriteString("\n")
	prev := content.LineNote{}
	for _, n := range x.Lines {
		item := ""
		if n.Item > 0 {
			item = fmt.Sprintf("#%d", n.Item)
		}
		fmt.Fprintf(b, "%5d  %-15s %-4s %s\n", n.Line, n.Class, item, strings.TrimRight(n.Text, " \t\u3000"))
		if n.Class != content.ClassBlank && (n.Why != prev.Why || n.Item != prev.Item) {
			fmt.Fprintf(b, "%28s%s\n", "", "why: "+n.Why)
		}
		prev = n
	}
}

// headlineParts shows an item's headline with its parts named.
func headlineParts(a content.Article) string {
	s := fmt.Sprintf("title %q", a.Title)
	if a.Kicker != "" {
		s = fmt.Sprintf("kicker %q, ", a.Kicker) + s
	}
	if a.Subtitle != "" {
		s += fmt.Sprintf(", subtitle %q", a.Subtitle)
	}
	if a.Byline != "" {
		s += fmt.Sprintf(", byline %q", a.Byline)
	}
	return s
}
