// Package address holds the one rule by which paperboy decides that two
// email addresses are the same reader: equal after lower-casing the ASCII
// letters of both the local part and the domain. Lists are de-duplicated,
// unsubscribes recorded and matched, and a reader's list found by it, so
// that changing an address's case in a list neither sends twice nor
// re-subscribes someone who left.
//
// The local part is case-sensitive by RFC 5321, but no mail service in
// use treats it so, and treating "Zhang@" and "zhang@" as two readers is
// what let a reader who had left be subscribed again.
//
// Only ASCII letters fold: it is exactly what SQLite's lower() does, so
// the store can apply the same rule in SQL to values written before.
package address

import (
	"fmt"
	"net/mail"
	"strings"
)

// Key is the form addresses are compared and unsubscribes stored in.
func Key(addr string) string {
	for i := 0; i < len(addr); i++ {
		if c := addr[i]; 'A' <= c && c <= 'Z' {
			b := []byte(addr)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return addr
}

// Equal reports whether a and b are the same reader's address.
func Equal(a, b string) bool { return len(a) == len(b) && Key(a) == Key(b) }

// Parse accepts a bare address, "reader@example.cn" (no display name, no
// angle brackets), and returns it with its domain lower-cased, the form
// lists, deliveries and subscribers keep.
func Parse(s string) (string, error) {
	addr, name, err := Mailbox(s)
	if err != nil || name != "" {
		return "", fmt.Errorf("%q is not a bare email address such as reader@example.cn", strings.TrimSpace(s))
	}
	return addr, nil
}

// Mailbox accepts a list entry: a bare address as Parse does, or one with
// a display name, "张三 <zhang@example.cn>". It returns the address in
// Parse's form and the name as written ("" for a bare address).
func Mailbox(s string) (addr, name string, err error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || (a.Name == "" && a.Address != s) {
		return "", "", fmt.Errorf("%q is not an email address such as reader@example.cn or 张三 <reader@example.cn>", s)
	}
	local, domain, _ := strings.Cut(a.Address, "@")
	return local + "@" + strings.ToLower(domain), a.Name, nil
}
