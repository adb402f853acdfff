package main

import (
	"os"
	"path/filepath"
	"testing"
)

// shipped is a file the repository ships (config.toml, pages/...), read
// from the repository root: the commands' tests run on what users get.
func shipped(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// copyShipped copies the shipped file name to the same place under dir,
// making its directory, and returns the copy's path.
func copyShipped(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, shipped(t, name), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
