package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// minPasswordLength is the shortest console password accepted.
const minPasswordLength = 12

// adminPasswordCost is bcrypt's work factor for console passwords: about
// a quarter of a second per login on a small server.
const adminPasswordCost = 12

// runAdminPassword reads a password from standard input and prints the
// line for server.admins_file: "NAME:bcrypt-hash".
func runAdminPassword(_ context.Context, args []string, stdout, stderr io.Writer) error {
	return adminPassword(args, os.Stdin, stdout, stderr)
}

func adminPassword(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin-password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: paperboy admin-password NAME < password.txt\n"+
			"Reads a password (first line of standard input) and prints the line to add to the file server.admins_file names.\n")
	}
	help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) == "" || strings.ContainsAny(fs.Arg(0), ": \t") {
		return fmt.Errorf("%w: admin-password takes one admin name without ':' or white space, got %q", errUsage, fs.Args())
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("admin-password: read the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if n := utf8.RuneCountInString(password); n < minPasswordLength {
		return fmt.Errorf("admin-password: the password has %d characters, want at least %d", n, minPasswordLength)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), adminPasswordCost)
	if err != nil {
		return fmt.Errorf("admin-password: %w", err)
	}
	fmt.Fprintf(stdout, "%s:%s\n", fs.Arg(0), hash)
	return nil
}
