package config

import (
	"bufio"
	"fmt"
	"net/mail"
	"os"
	"strings"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/address"
)

// Recipient is one address of a recipient list.
type Recipient struct {
	// Address is the bare address with its domain lower-cased, the form
	// deliveries and unsubscribes are keyed by.
	Address string
	// Name is the display name, if the list gave one ("张三 <a@b.cn>").
	Name string
}

// LoadRecipients reads a list's inline addresses and then its file, one
// address per line with # comments, and returns them in that order without
// duplicates. A bad address is a Problem naming its file and line; all of
// them are reported at once. A list with neither addresses nor a file is a
// mistake, not an empty list: an empty file is how a list is emptied.
func LoadRecipients(l List) ([]Recipient, error) {
	var (
		out      []Recipient
		problems Problems
		seen     = map[string]bool{}
	)
	addOne := func(file string, line int, key, text string) {
		a, err := mail.ParseAddress(text)
		if err != nil {
			problems = append(problems, Problem{File: file, Line: line, Key: key,
				Message: fmt.Sprintf("list %q: %q is not an email address: %v", l.Name, text, err)})
			return
		}
		addr := normalizeAddress(a.Address)
		if seen[address.Key(addr)] {
			return
		}
		seen[address.Key(addr)] = true
		out = append(out, Recipient{Address: addr, Name: content.OneLine(a.Name)})
	}
	if len(l.Addresses) == 0 && l.File == "" {
		return nil, Problems{{File: l.cfgPath, Line: l.line, Key: "lists.addresses",
			Message: fmt.Sprintf("list %q needs addresses or a file of addresses", l.Name)}}
	}
	for _, a := range l.Addresses {
		addOne(l.cfgPath, l.line, "lists.addresses", a)
	}
	if l.File != "" {
		f, err := os.Open(l.File)
		if err != nil {
			return nil, fmt.Errorf("list %q: %w", l.Name, err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			text, _, _ := strings.Cut(sc.Text(), "#")
			if text = strings.TrimSpace(text); text != "" {
				addOne(l.File, n, "", text)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("list %q: read %s: %w", l.Name, l.File, err)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return out, nil
}

// normalizeAddress lower-cases an address's domain; the local part is
// left alone, as mail servers may treat its case as significant.
func normalizeAddress(a string) string {
	i := strings.LastIndexByte(a, '@')
	if i < 0 {
		return a
	}
	return a[:i+1] + strings.ToLower(a[i+1:])
}

// FirstRecipient is the first address of the digest's first list that
// has one, for a preview made for nobody in particular.
func (c *Config) FirstRecipient(digest string) (string, error) {
	d, err := c.Digest(digest)
	if err != nil {
		return "", err
	}
	for _, name := range d.Lists {
		l, err := c.List(name)
		if err != nil {
			return "", err
		}
		rs, err := LoadRecipients(l)
		if err != nil {
			return "", err
		}
		if len(rs) > 0 {
			return rs[0].Address, nil
		}
	}
	return "", fmt.Errorf("config: digest %s: its lists are empty", digest)
}
