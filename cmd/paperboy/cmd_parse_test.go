package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parsedItem is an item of the parse command's JSON output.
type parsedItem struct {
	Kind       string `json:"kind"`
	Title      string `json:"title"`
	Kicker     string `json:"kicker"`
	Subtitle   string `json:"subtitle"`
	Byline     string `json:"byline"`
	Authors    []struct{ Name, Role string }
	Paragraphs []string `json:"paragraphs"`
	ID         string   `json:"id"`
	Date       string   `json:"date"`
	Lines      [2]int   `json:"lines"`
}

func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestParseCommand(t *testing.T) {
	seed := filepath.Join("..", "..", "content", "testdata", "seed-page.txt")
	md := filepath.Join("..", "..", "content", "testdata", "2021-07-21-correction.md")
	stdout, stderr, err := runCmd(t, "parse", "--date", "2021-07-20", seed, md)
	if err != nil {
		t.Fatalf("parse: %v\nstderr: %s", err, stderr)
	}
	var items []parsedItem
	if err := json.Unmarshal([]byte(stdout), &items); err != nil {
		t.Fatalf("output is not a JSON array of items: %v\n%s", err, stdout)
	}
	if len(items) != 14 {
		t.Fatalf("got %d items, want 13 from the seed page and 1 from the Markdown file", len(items))
	}
	first := items[0]
	if first.Kind != "article" || first.Title != "示范区党政联席会议召开" || first.Byline != "本报讯（记者郭树勋）" ||
		len(first.Authors) != 1 || first.Authors[0].Name != "郭树勋" || first.Authors[0].Role != "记者" ||
		len(first.Paragraphs) != 7 || first.Date != "2021-07-20" || !strings.HasPrefix(first.ID, "2021-07-20-") ||
		first.Lines != [2]int{1, 107} {
		t.Errorf("first item: %+v", first)
	}
	if items[4].Kind != "photo" || items[4].Authors[0].Name != "万千" || items[4].Authors[0].Role != "见习记者" {
		t.Errorf("fifth item is not the photo by 万千: %+v", items[4])
	}
	if items[7].Kicker == "" {
		t.Errorf("item 8 has no kicker: %+v", items[7])
	}
	if last := items[13]; last.Date != "2021-07-21" || last.Lines != [2]int{} {
		t.Errorf("Markdown item: %+v", last)
	}
	if !strings.Contains(stdout, `"kind": "article"`) || strings.Contains(stdout, `"kicker": ""`) {
		t.Errorf("JSON fields: kicker must be left out when empty:\n%s", stdout[:300])
	}
}

func TestParseCommandWarnings(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.txt")
	text := "没有作者的文字，\n放在最前面。\n\n本报讯（记者张三）2021年7月19日，会议召开。\n\n会议召开\n"
	if err := os.WriteFile(page, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := runCmd(t, "parse", page)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	wantWarn := page + ":1-2: text outside any article"
	if !strings.Contains(stderr, wantWarn) {
		t.Errorf("stderr %q lacks %q", stderr, wantWarn)
	}
	if !strings.Contains(stderr, "inferred") {
		t.Errorf("stderr %q lacks the inferred date warning", stderr)
	}
	if !strings.Contains(stdout, "会议召开") {
		t.Errorf("stdout lacks the article: %s", stdout)
	}
}

func TestParseCommandErrors(t *testing.T) {
	dir := t.TempDir()
	binary := filepath.Join(dir, "2021-07-20.txt")
	if err := os.WriteFile(binary, []byte("本报讯\x00\x01\x02"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "2021-07-21.txt")
	if err := os.WriteFile(good, []byte("本报讯（记者张三）会议召开。\n\n会议召开\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		want      string
		wantUsage bool
	}{
		{"no files", []string{"parse"}, "no files given", true},
		{"bad flag", []string{"parse", "--dat", "x", good}, "flag provided but not defined", true},
		{"bad date", []string{"parse", "--date", "2021-7-20", good}, "not a date", true},
		{"missing file", []string{"parse", filepath.Join(dir, "nope.txt")}, "nope.txt", false},
		{"binary file after a good one", []string{"parse", good, binary}, binary + ": byte offset 9: binary data", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runCmd(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want %q", err, tt.want)
			}
			if errors.Is(err, errUsage) != tt.wantUsage {
				t.Errorf("usage error %v, want %v", errors.Is(err, errUsage), tt.wantUsage)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing on failure", stdout)
			}
		})
	}
}

func TestParseCommandExplain(t *testing.T) {
	page := filepath.Join("..", "..", "content", "testdata", "footer-after.txt")
	stdout, stderr, err := runCmd(t, "parse", "--explain", "--date", "2021-07-20", page)
	if err != nil {
		t.Fatalf("parse --explain: %v\nstderr: %s", err, stderr)
	}
	for _, want := range []string{
		page + ": edition 2021-07-20, 2 items, 1 warnings",
		"headlines stand after their articles",
		`#2 article, lines 11-18: title "区图书馆上线自助借还设备", byline "本报讯（通讯员周明远）"`,
		"   18  headline        #2   区图书馆上线自助借还设备\n",
		"   20  furniture            责任编辑：何静  校对：孙磊  版式：吴昊\n",
		"why: page footer: the editors' line\n",
		"    4  paragraph break #1   \n",
		"why: starts paragraph 2: the line before ends a sentence and a blank line comes between\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "\n"); n < 22 {
		t.Errorf("output has %d lines, want one per page line and more", n)
	}
	photos := filepath.Join("..", "..", "content", "testdata", "photo-under-headline.txt")
	stdout, _, err = runCmd(t, "parse", "--explain", "--date", "2021-07-20", photos)
	if want := `#2 photo, lines 9-10: title "工人在城西污水处理厂二期工程调试设备", byline "本报通讯员 邓子涵 摄" (no headline on the page: the title is from the caption)`; err != nil || !strings.Contains(stdout, want) {
		t.Errorf("photo page: error %v, output lacks %q:\n%s", err, want, stdout)
	}
	md := filepath.Join("..", "..", "content", "testdata", "2021-07-21-correction.md")
	stdout, _, err = runCmd(t, "parse", "--explain", page, md)
	if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "Markdown") || stdout != "" {
		t.Errorf("--explain with a Markdown file: error %v, stdout %q; want a usage error and no output", err, stdout)
	}
}
