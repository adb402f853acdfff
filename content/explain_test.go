package content

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExplainPageAgrees checks, on every test page, that ExplainPage gives
// the items ParsePage gives and that its line notes agree with them: every
// text line has a class and a reason, lines noted for an item lie in its
// line range, the headline lines hold the item's headline, byline and
// credit lines exist exactly when the item has a byline or credit, and
// furniture and unplaced lines are the warnings' text.
func TestExplainPageAgrees(t *testing.T) {
	for _, name := range testPages(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			opts := ParseOptions{Name: name, Date: "2021-07-20"}
			want, err := ParsePage(bytes.NewReader(b), opts)
			if err != nil {
				t.Fatal(err)
			}
			x, err := ExplainPage(bytes.NewReader(b), opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(x.Edition.Articles, want.Articles, articlesEqual) || !slices.Equal(x.Edition.Warnings, want.Warnings) {
				t.Fatalf("ExplainPage gives other items or warnings than ParsePage")
			}
			if x.Placement == "" {
				t.Errorf("no placement reason")
			}
			checkNotes(t, x)
		})
	}
}

// checkNotes checks an explanation's notes against its items.
func checkNotes(t *testing.T, x Explanation) {
	t.Helper()
	type parts struct{ head, byline, credit strings.Builder }
	per := make([]parts, len(x.Edition.Articles))
	var furniture, unplaced strings.Builder
	for i, n := range x.Lines {
		if n.Line != i+1 {
			t.Fatalf("note %d is for line %d", i+1, n.Line)
		}
		text := cleanLine(n.Text)
		if n.Why == "" || n.Class == "" {
			t.Errorf("line %d %q: class %q, reason %q", n.Line, n.Text, n.Class, n.Why)
		}
		if text != "" && (n.Class == ClassBlank || n.Class == ClassParagraphBreak || n.Class == ClassColumnBreak) {
			t.Errorf("text line %d %q noted %s: %s", n.Line, n.Text, n.Class, n.Why)
		}
		if n.Item < 0 || n.Item > len(x.Edition.Articles) {
			t.Fatalf("line %d: item %d of %d", n.Line, n.Item, len(x.Edition.Articles))
		}
		if n.Item > 0 {
			a := x.Edition.Articles[n.Item-1]
			if n.Line < a.Lines[0] || n.Line > a.Lines[1] {
				t.Errorf("line %d noted for item %d, lines %v", n.Line, n.Item, a.Lines)
			}
			p := &per[n.Item-1]
			switch n.Class {
			case ClassHeadline, ClassKicker, ClassSubtitle:
				p.head.WriteString(text)
			case ClassByline:
				p.byline.WriteString(text)
			case ClassCredit:
				p.credit.WriteString(text)
			}
		}
		switch n.Class {
		case ClassFurniture:
			furniture.WriteString(text)
		case ClassUnplaced:
			unplaced.WriteString(text)
		}
	}
	for i, a := range x.Edition.Articles {
		p := &per[i]
		if a.Kind == KindArticle && squeeze(p.head.String()) != squeeze(a.DisplayTitle()) {
			t.Errorf("item %d: headline lines %q, headline %q", i+1, p.head.String(), a.DisplayTitle())
		}
		if a.Kind == KindArticle && (p.byline.Len() > 0) != (a.Byline != "") {
			t.Errorf("item %d: byline lines %q, byline %q", i+1, p.byline.String(), a.Byline)
		}
		if a.Kind == KindPhoto && (p.credit.Len() == 0 || !strings.Contains(squeeze(p.credit.String()), squeeze(a.Byline))) {
			t.Errorf("item %d: credit lines %q, credit %q", i+1, p.credit.String(), a.Byline)
		}
	}
	var wf, wu strings.Builder
	for _, w := range x.Edition.Warnings {
		switch {
		case w.Message == "page header" || w.Message == "page footer":
			wf.WriteString(w.Text)
		case w.Text != "":
			wu.WriteString(w.Text)
		}
	}
	if squeeze(furniture.String()) != squeeze(wf.String()) || squeeze(unplaced.String()) != squeeze(wu.String()) {
		t.Errorf("furniture lines %q, warnings %q; unplaced lines %q, warnings %q", furniture.String(), wf.String(), unplaced.String(), wu.String())
	}
}

// TestExplainPageLines checks the class of chosen lines of the hand-made
// pages, and that the reason names the rule.
func TestExplainPageLines(t *testing.T) {
	tests := []struct {
		file  string
		line  int
		class LineClass
		item  int
		why   string // a fragment of the reason
	}{
		{"footer-after.txt", 18, ClassHeadline, 2, "one part: the title"},
		{"footer-after.txt", 20, ClassFurniture, 0, "editors' line"},
		{"footer-after.txt", 22, ClassFurniture, 0, "bare page number"},
		{"footer-after.txt", 1, ClassByline, 1, "本报讯（记者林晓雨）"},
		{"footer-after.txt", 4, ClassParagraphBreak, 1, "finished sentence"},
		{"footer-after.txt", 5, ClassBody, 1, "starts paragraph 2"},
		{"footer-after.txt", 6, ClassBody, 1, "continues paragraph 2"},
		{"two-line-headlines.txt", 1, ClassHeadline, 1, "subject without a predicate"},
		{"two-line-headlines.txt", 3, ClassHeadline, 1, "subject without a predicate"},
		{"two-line-headlines.txt", 23, ClassSubtitle, 3, "dash"},
		{"photo-under-headline.txt", 7, ClassHeadline, 3, "the article below the photo takes it"},
		{"photo-under-headline.txt", 9, ClassCaption, 2, "credited at line 10"},
		{"photo-under-headline.txt", 10, ClassCredit, 2, "photo credit"},
		{"seed-page.txt", 21, ClassColumnBreak, 1, "mid-sentence"},
	}
	cache := map[string]Explanation{}
	for _, tt := range tests {
		x, ok := cache[tt.file]
		if !ok {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if x, err = ExplainPage(bytes.NewReader(b), ParseOptions{Name: tt.file, Date: "2021-07-20"}); err != nil {
				t.Fatal(err)
			}
			cache[tt.file] = x
		}
		n := x.Lines[tt.line-1]
		if n.Class != tt.class || n.Item != tt.item || !strings.Contains(n.Why, tt.why) {
			t.Errorf("%s:%d %q: %s, item %d, %q; want %s, item %d, reason with %q", tt.file, tt.line, n.Text, n.Class, n.Item, n.Why, tt.class, tt.item, tt.why)
		}
	}
}
