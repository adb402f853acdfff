package main

import (
	"bytes"
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
	writeTestFile(t, path, shipped(t, name))
	return path
}

// shippedConfig writes the shipped config.toml into dir with each edit's
// first string replaced (once) by its second, and returns its path. An
// edit that finds nothing fails the test: the shipped file has changed
// under it.
func shippedConfig(t *testing.T, dir string, edits ...[2]string) string {
	t.Helper()
	data := shipped(t, "config.toml")
	for _, e := range edits {
		if !bytes.Contains(data, []byte(e[0])) {
			t.Fatalf("the shipped config.toml has no %s", e[0])
		}
		data = bytes.Replace(data, []byte(e[0]), []byte(e[1]), 1)
	}
	path := filepath.Join(dir, "config.toml")
	writeTestFile(t, path, data)
	return path
}

// writeTestFile writes path, making its directory.
func writeTestFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
