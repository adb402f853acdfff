package config

import (
	"bufio"
	"fmt"
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

// LoadRecipients is ReadRecipients for a caller that only needs the
// addresses (a preview's first recipient, bounce matching): the lines
// ReadRecipients warns about are left out just the same, unreported; the
// daemon and `paperboy check` report them.
func LoadRecipients(l List) ([]Recipient, error) {
	rs, _, err := ReadRecipients(l)
	return rs, err
}

// ReadRecipients reads a list's inline addresses and then its file, one
// address per line with # comments, and returns them in that order without
// duplicates.
//
// The list file is the subscribers' side of the configuration, edited
// often and by more hands than config.toml, so nothing in it is fatal: a
// line that is not an address is left out, and a file that cannot be read
// gives no recipients, each with a warning naming the file and line. A run
// never mails a skipped line. Inline addresses are config.toml itself,
// judged as strictly as any other key: a bad one is a Problem at its line,
// and all of them are reported at once (err is then Problems). A list with
// neither addresses nor a file is a mistake, not an empty list: an empty
// file is how a list is emptied.
func ReadRecipients(l List) (rs []Recipient, warnings Problems, err error) {
	seen := map[string]bool{}
	warnings, err = StreamRecipients(l, func(r Recipient) bool {
		if !seen[address.Key(r.Address)] {
			seen[address.Key(r.Address)] = true
			rs = append(rs, r)
		}
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	return rs, warnings, nil
}

// StreamRecipients is ReadRecipients for a list too long to hold: it
// calls yield with each recipient as it reads the line, duplicates
// included (the outbox keeps one delivery per reader), until yield returns
// false. Inline addresses are all checked before the first is yielded, so
// a bad one yields nothing.
func StreamRecipients(l List, yield func(Recipient) bool) (warnings Problems, err error) {
	if len(l.Addresses) == 0 && l.File == "" && !l.Signup {
		return nil, Problems{{File: l.cfgPath, Line: l.line, Key: "lists.addresses",
			Message: fmt.Sprintf("list %q needs addresses, a file of addresses, or signup = true", l.Name)}}
	}
	parse := func(list *Problems, file string, line int, key, text string) (Recipient, bool) {
		// The mailer reads entries with the same rule (address.Mailbox).
		addr, name, err := address.Mailbox(text)
		if err != nil {
			*list = append(*list, Problem{File: file, Line: line, Key: key,
				Message: fmt.Sprintf("list %q: %v", l.Name, err)})
			return Recipient{}, false
		}
		return Recipient{Address: addr, Name: content.OneLine(name)}, true
	}
	var problems Problems
	inline := make([]Recipient, 0, len(l.Addresses))
	for _, a := range l.Addresses {
		if r, ok := parse(&problems, l.cfgPath, l.line, "lists.addresses", a); ok {
			inline = append(inline, r)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	for _, r := range inline {
		if !yield(r) {
			return nil, nil
		}
	}
	if l.File != "" {
		var skipped Problems
		fileWarnings := readListFile(l, func(n int, text string) bool {
			r, ok := parse(&skipped, l.File, n, "", text)
			return !ok || yield(r)
		})
		warnings = append(skipped, fileWarnings...)
	}
	return warnings, nil
}

// readListFile calls add for each address line of l's file, until add
// returns false, and returns its own warnings, with the skipped lines add
// reported.
func readListFile(l List, add func(line int, text string) bool) Problems {
	var warnings Problems
	f, err := os.Open(l.File)
	if err != nil {
		return append(warnings, Problem{File: l.File, Message: fmt.Sprintf("list %q gets no recipients from this file: %v", l.Name, err)})
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 1
	for ; sc.Scan(); n++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		if text = strings.TrimSpace(text); text != "" && !add(n, text) {
			return warnings
		}
	}
	if err := sc.Err(); err != nil {
		warnings = append(warnings, Problem{File: l.File, Line: n, Message: fmt.Sprintf("list %q: the lines from here on are left out: %v", l.Name, err)})
	}
	return warnings
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
		var first string
		if _, err := StreamRecipients(l, func(r Recipient) bool { first = r.Address; return false }); err != nil {
			return "", err
		}
		if first != "" {
			return first, nil
		}
	}
	return "", fmt.Errorf("config: digest %s: its lists are empty", digest)
}
