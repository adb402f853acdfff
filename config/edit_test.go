package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/paperboy-news/paperboy/internal/linediff"
)

const editSample = `# the paper
[site]
title = "示范区新闻" # shown everywhere

[[lists]]
name = "demo"
addresses = ["a@example.org"]

[[lists]]
name = "more"
addresses = ["b@example.org"]

# Digests.
[[digests]]
name = "daily"
# When it goes out.
schedule = "0 7 * * *"   # 07:00
lists = [
  "demo", # the demo list
]
topics = []
	
# Another digest.
[[digests]]
name = "weekly"
schedule = "0 8 * * 1"
lists = ["demo"]
skip_empty = false

[jobs]
ingest = ""

[smtp]
from = "news@example.org"
`

func TestEditDigest(t *testing.T) {
	tests := []struct {
		name    string
		digest  string
		changes []Change
		diff    []string
		edited  []Edited
	}{
		{
			name:    "schedule in place, comments kept",
			digest:  "daily",
			changes: []Change{{"schedule", "30 6 * * *"}},
			diff:    []string{`-schedule = "0 7 * * *"   # 07:00`, `+schedule = "30 6 * * *"   # 07:00`},
			edited:  []Edited{{Key: "digests.daily.schedule", Line: 17, Old: `"0 7 * * *"`, New: `"30 6 * * *"`}},
		},
		{
			name:    "same value writes nothing",
			digest:  "daily",
			changes: []Change{{"schedule", "0 7 * * *"}, {"topics", []string{}}, {"lists", []string{"demo"}}},
		},
		{
			name:    "default for a missing key writes nothing",
			digest:  "daily",
			changes: []Change{{"paused", false}, {"skip_empty", true}, {"catch_up", "3h"}},
		},
		{
			name:    "missing key added after the entry's last key",
			digest:  "daily",
			changes: []Change{{"paused", true}},
			diff:    []string{`+paused = true`},
			edited:  []Edited{{Key: "digests.daily.paused", Line: 22, New: "true"}},
		},
		{
			name:    "multi-line array becomes one line",
			digest:  "daily",
			changes: []Change{{"lists", []string{"demo", "more"}}},
			diff:    []string{`-lists = [`, `-  "demo", # the demo list`, `-]`, `+lists = ["demo", "more"]`},
			edited:  []Edited{{Key: "digests.daily.lists", Line: 18, Old: `["demo"]`, New: `["demo", "more"]`}},
		},
		{
			name:    "second entry; quotes escaped",
			digest:  "weekly",
			changes: []Change{{"skip_empty", true}, {"catch_up", `1h"`}},
			diff:    []string{`-skip_empty = false`, `+skip_empty = true`, `+catch_up = "1h\""`},
			edited: []Edited{
				{Key: "digests.weekly.skip_empty", Line: 28, Old: "false", New: "true"},
				{Key: "digests.weekly.catch_up", Line: 29, New: `"1h\""`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, edited, err := EditDigest([]byte(editSample), tt.digest, tt.changes)
			if err != nil {
				t.Fatal(err)
			}
			if got := linediff.Changed(editSample, string(out)); strings.Join(got, "\n") != strings.Join(tt.diff, "\n") {
				t.Errorf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.diff, "\n"))
			}
			if len(edited) != len(tt.edited) {
				t.Fatalf("edited = %+v, want %+v", edited, tt.edited)
			}
			for i := range edited {
				if edited[i] != tt.edited[i] {
					t.Errorf("edited[%d] = %+v, want %+v", i, edited[i], tt.edited[i])
				}
			}
		})
	}
}

// A file with CRLF line ends keeps them, and a '#' inside a string is
// no comment.
func TestEditDigestCRLFAndHashInString(t *testing.T) {
	in := "[[digests]]\r\nname = \"daily\"\r\nsubject = \"#1 {{.Site}}\" # the subject\r\nschedule = \"0 7 * * *\" # seven\r\n"
	out, edited, err := EditDigest([]byte(in), "daily", []Change{{"schedule", "0 6 * * *"}, {"paused", true}})
	if err != nil {
		t.Fatal(err)
	}
	want := "[[digests]]\r\nname = \"daily\"\r\nsubject = \"#1 {{.Site}}\" # the subject\r\nschedule = \"0 6 * * *\" # seven\r\npaused = true\r\n"
	if string(out) != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
	if len(edited) != 2 || edited[0].Line != 4 || edited[1].Line != 5 {
		t.Errorf("edited = %+v", edited)
	}
	out, _, err = EditDigest([]byte("[[digests]]\nname = \"daily\""), "daily", []Change{{"paused", true}})
	if err != nil || string(out) != "[[digests]]\nname = \"daily\"\npaused = true\n" {
		t.Errorf("after an unended last line: %q, %v", out, err)
	}
	if v, s := splitValue(`"#1 {{.Site}}" # the subject`); v != `"#1 {{.Site}}"` || s != " # the subject" {
		t.Errorf("splitValue = %q, %q", v, s)
	}
}

func TestEditDigestRefuses(t *testing.T) {
	tests := []struct {
		name, data, digest string
		changes            []Change
		want               string
	}{
		{"unknown digest", editSample, "monthly", nil, "no such digest"},
		{"key the console does not edit", editSample, "daily", []Change{{"subject", "x"}}, `does not edit key "subject"`},
		{"inline array of tables", "digests = [{name = \"daily\", schedule = \"0 7 * * *\"}]\n", "daily", []Change{{"paused", true}}, "edit the file by hand"},
		{"not TOML", "[[digests]\n", "daily", nil, "not valid TOML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := EditDigest([]byte(tt.data), tt.digest, tt.changes)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	orig := []byte(editSample)
	if err := os.WriteFile(path, orig, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatalf("sample does not load: %v", err)
	}
	base := Version(orig)

	t.Run("invalid spec refused, file untouched", func(t *testing.T) {
		bad, _, err := EditDigest(orig, "daily", []Change{{"schedule", "0 25 * * *"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Save(path, bad, base)
		var ps Problems
		if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line != 17 || ps[0].Key != "digests.schedule" {
			t.Fatalf("err = %v, want one problem at line 17, digests.schedule", err)
		}
		if got, _ := os.ReadFile(path); string(got) != editSample {
			t.Fatal("the file changed")
		}
	})
	t.Run("changed since read", func(t *testing.T) {
		good, _, err := EditDigest(orig, "daily", []Change{{"schedule", "30 6 * * *"}})
		if err != nil {
			t.Fatal(err)
		}
		other := strings.Replace(editSample, "0 8 * * 1", "0 9 * * 1", 1)
		if err := os.WriteFile(path, []byte(other), 0o640); err != nil {
			t.Fatal(err)
		}
		if _, err := Save(path, good, base); !errors.Is(err, ErrFileChanged) {
			t.Fatalf("err = %v, want ErrFileChanged", err)
		}
		if got, _ := os.ReadFile(path); string(got) != other {
			t.Fatal("the file changed")
		}
		if err := os.WriteFile(path, orig, 0o640); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("saved atomically with its mode", func(t *testing.T) {
		good, _, err := EditDigest(orig, "daily", []Change{{"schedule", "30 6 * * *"}, {"paused", true}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := Save(path, good, base)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := c.Digest("daily")
		if d.Schedule != "30 6 * * *" || !d.Paused {
			t.Errorf("saved digest = %+v", d)
		}
		got, _ := os.ReadFile(path)
		if string(got) != string(good) {
			t.Error("file is not the edit")
		}
		info, _ := os.Stat(path)
		if info.Mode().Perm() != 0o640 {
			t.Errorf("mode = %v", info.Mode().Perm())
		}
		left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
		if len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	})
}

// FuzzEditDigest: whatever the file, an edit that succeeds gives a file
// that decodes, with the new values in the digest and everything else as
// it was.
func FuzzEditDigest(f *testing.F) {
	f.Add(editSample, "30 6 * * *", true, "demo")
	f.Add("[[digests]]\nname = 'x'\nlists = [\n'a', # c\n'b']\n[[digests]]\nname = \"y\"\n", "@daily", false, "b\"")
	f.Add("[[digests]]\r\nname = \"x\"\r\nschedule = \"\"\"0 7\n * * *\"\"\" # x\r\n", "0 7 * * *", true, "")
	f.Fuzz(func(t *testing.T, data, spec string, paused bool, list string) {
		var before fileConfig
		if _, err := toml.Decode(data, &before); err != nil || len(before.Digests) == 0 {
			return
		}
		name := before.Digests[0].Name
		out, _, err := EditDigest([]byte(data), name, []Change{{"schedule", spec}, {"paused", paused}, {"lists", []string{list}}})
		if err != nil {
			return
		}
		var after fileConfig
		if _, err := toml.Decode(string(out), &after); err != nil {
			t.Fatalf("edited file does not decode: %v\n%s", err, out)
		}
		before.Digests[0].Schedule, before.Digests[0].Paused, before.Digests[0].Lists = spec, paused, []string{list}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("edit changed more than it should:\nbefore %+v\nafter  %+v\n%s", before, after, out)
		}
	})
}

// A config.toml that is a symbolic link stays one: the file it points to
// is replaced.
func TestSaveThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.toml")
	link := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(target, []byte(editSample), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.toml", link); err != nil {
		t.Fatal(err)
	}
	out, _, err := EditDigest([]byte(editSample), "daily", []Change{{"schedule", "30 6 * * *"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Save(link, out, Version([]byte(editSample))); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("config.toml is no longer a link: %v %v", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(target); string(got) != string(out) {
		t.Error("the link's target was not written")
	}
}
