package config

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Admin is one named admin of the console, from the file
// server.admins_file names: a line "name:bcrypt-hash". The hash is of the
// admin's password (make one with `paperboy admin-password NAME`); the
// password itself is nowhere.
type Admin struct {
	Name string
	Hash string
}

// readAdmins reads an admins file: one admin per line, "name:hash",
// blank lines and # comments allowed. Every bad line is a Problem at its
// line.
func readAdmins(path string) ([]Admin, Problems) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Problems{{File: path, Message: fmt.Sprintf("admins file: %v", err)}}
	}
	defer f.Close()
	var (
		admins []Admin
		ps     Problems
		seen   = map[string]int{}
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		name, hash = strings.TrimSpace(name), strings.TrimSpace(hash)
		bad := func(format string, args ...any) {
			ps = append(ps, Problem{File: path, Line: n, Message: fmt.Sprintf(format, args...)})
		}
		switch {
		case !ok || name == "":
			bad("not \"name:hash\"; make the line with `paperboy admin-password NAME`")
		case strings.ContainsAny(name, " \t"):
			bad("admin name %q has white space", name)
		case seen[name] > 0:
			bad("admin %q is also on line %d", name, seen[name])
		default:
			if _, err := bcrypt.Cost([]byte(hash)); err != nil {
				bad("admin %q: not a bcrypt hash (%v); make the line with `paperboy admin-password %s`", name, err, name)
				continue
			}
			seen[name] = n
			admins = append(admins, Admin{Name: name, Hash: hash})
		}
	}
	if err := sc.Err(); err != nil {
		ps = append(ps, Problem{File: path, Message: fmt.Sprintf("admins file: %v", err)})
	}
	return admins, ps
}

// admins reads server.admins_file, if set, into c.Server.Admins.
func (v *validator) admins(file, dir string, c *Config) {
	if file == "" {
		return
	}
	c.Server.AdminsFile = resolve(dir, file)
	admins, ps := readAdmins(c.Server.AdminsFile)
	for _, p := range ps {
		if p.Line == 0 {
			v.add("server.admins_file", "%s", p.Message)
			continue
		}
		v.problems = append(v.problems, p)
	}
	c.Server.Admins = admins
}
