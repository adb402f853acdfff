//go:build unix

package fsutil

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestModesWhateverTheUmask(t *testing.T) {
	for _, umask := range []int{0o022, 0o002, 0o277} {
		old := syscall.Umask(umask)
		dir := t.TempDir()
		nested := filepath.Join(dir, "a", "b")
		if err := MkdirPrivate(nested); err != nil {
			syscall.Umask(old)
			t.Fatal(err)
		}
		file := filepath.Join(nested, "f")
		err := WriteFileAtomic(file, PrivateFile, func(f *os.File) error { _, err := f.WriteString("x"); return err })
		db := filepath.Join(nested, "db")
		if err == nil {
			err = PrivateFileAt(db)
		}
		// An existing world-readable file is narrowed.
		loose := filepath.Join(dir, "loose")
		if err == nil {
			err = os.WriteFile(loose, nil, 0o644)
		}
		if err == nil {
			err = os.Chmod(loose, 0o644)
		}
		if err == nil {
			err = PrivateFileAt(loose)
		}
		syscall.Umask(old)
		if err != nil {
			t.Fatalf("umask %#o: %v", umask, err)
		}
		for path, want := range map[string]os.FileMode{
			filepath.Join(dir, "a"): PrivateDir, nested: PrivateDir, file: PrivateFile, db: PrivateFile, loose: PrivateFile,
		} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("umask %#o: %s has mode %#o, want %#o", umask, path, fi.Mode().Perm(), want)
			}
		}
	}
}
