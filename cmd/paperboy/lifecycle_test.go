package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
)

// writeEditionStore makes the store at path with the sample page saved as
// the edition of date, and closes it.
func writeEditionStore(t *testing.T, path, date string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	saveSampleAs(t, st, date)
}

// saveSampleAs saves the sample page as the edition of date.
func saveSampleAs(t *testing.T, st *store.Store, date string) {
	t.Helper()
	ed, err := content.ParsePage(bytes.NewReader(fixture.SamplePage()), content.ParseOptions{Name: date + ".txt"})
	if err != nil {
		t.Fatal(err)
	}
	ed.Source = "pages/" + date + ".txt"
	if _, err := st.SaveEdition(context.Background(), ed, "sample-"+date); err != nil {
		t.Fatal(err)
	}
}
