// Package fsutil creates the files and directories that hold subscriber
// data (the database, the outbox, previews) private to the service's user:
// 0600 files and 0700 directories whatever the process's umask, since a
// umask of 022 is the default almost everywhere and would leave them
// readable by every local user.
package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The modes of private files and directories.
const (
	PrivateFile fs.FileMode = 0o600
	PrivateDir  fs.FileMode = 0o700
)

// MkdirPrivate creates dir and any missing parents, each with mode 0700
// exactly. Directories that already exist are left as they are: they may
// be the admin's (a working directory shared with a web server).
func MkdirPrivate(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("create directory %s: %w", dir, err)
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, PrivateDir); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	// MkdirAll's mode passes through the umask, which may take more than
	// group and other bits away; set it outright.
	for _, d := range missing {
		if err := os.Chmod(d, PrivateDir); err != nil {
			return fmt.Errorf("create directory %s: %w", dir, err)
		}
	}
	return nil
}

// PrivateFileAt makes sure path exists as a regular file with no access
// for group and others: it creates an empty one with mode 0600, or takes
// group and other bits off an existing one. SQLite gives the -wal and
// -shm files it creates the mode of the database file, so calling this on
// the database before opening it covers those too.
func PrivateFileAt(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, PrivateFile)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("create %s: not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 || fi.Mode().Perm()&0o600 != 0o600 {
		if err := f.Chmod(fi.Mode().Perm()&^0o077 | 0o600); err != nil {
			return fmt.Errorf("restrict %s to its owner: %w", path, err)
		}
	}
	return nil
}

// WriteFileAtomic writes path through a temporary file in the same
// directory and a rename, so readers never see half a file, and gives it
// mode perm exactly (not perm less the umask).
func WriteFileAtomic(path string, perm fs.FileMode, write func(*os.File) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	// CreateTemp makes it 0600; set the wanted mode before any byte is
	// written, so a wider perm never exposes a file being filled.
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
