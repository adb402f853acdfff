package bounces

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse arbitrary mail, starting from the real-shaped
// reports: whatever lands in the bounce mailbox, it returns a report or
// an error, never panics, and a report it returns has a known type.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		rep, err := Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrNotReport) {
				t.Fatalf("error %v does not wrap ErrNotReport", err)
			}
			return
		}
		if rep.Type != "delivery-status" && rep.Type != "feedback-report" {
			t.Fatalf("report of type %q", rep.Type)
		}
		for _, r := range rep.Recipients {
			_ = r.kind()
		}
	})
}
