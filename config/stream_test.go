package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestStreamRecipients: a list file is handed over line by line,
// duplicates included (the outbox keeps one per reader), bad lines left
// out with warnings; the reading stops when the caller says so; a bad
// inline address yields nothing.
func TestStreamRecipients(t *testing.T) {
	file := filepath.Join(t.TempDir(), "list.txt")
	body := "# residents\na@Example.ORG\n张三 <b@example.org>\nnot-an-address\na@example.org\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		list     List
		stop     int // stop after this many; 0 reads all
		want     []string
		warnings int
		problem  bool
	}{
		{name: "inline then file, duplicates kept", list: List{Name: "r", Addresses: []string{"z@example.org"}, File: file},
			want: []string{"z@example.org", "a@example.org", "b@example.org", "a@example.org"}, warnings: 1},
		{name: "stops when told", list: List{Name: "r", File: file}, stop: 2,
			want: []string{"a@example.org", "b@example.org"}},
		{name: "bad inline address", list: List{Name: "r", Addresses: []string{"ok@example.org", "bad"}, File: file, cfgPath: "config.toml", line: 3},
			problem: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			ws, err := StreamRecipients(tc.list, func(r Recipient) bool {
				got = append(got, r.Address)
				return tc.stop == 0 || len(got) < tc.stop
			})
			var ps Problems
			if tc.problem {
				if !errors.As(err, &ps) || len(got) != 0 {
					t.Fatalf("err = %v, got %v; want a problem and nothing yielded", err, got)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) || len(ws) != tc.warnings {
				t.Fatalf("StreamRecipients = %v, %d warnings (%v), %v; want %v, %d warnings", got, len(ws), ws, err, tc.want, tc.warnings)
			}
		})
	}
}
