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
// message". It prints nothing on stdout unless every file parsed.
func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	date := fs.String("date", "", "edition date `YYYY-MM-DD` for files whose name carries none")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: paperboy parse [--date YYYY-MM-DD] FILE...")
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
