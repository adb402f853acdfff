// Package bounces learns which digest recipients cannot or will not take
// mail: it gives every message its own return path (VERP), reads the
// bounce mailbox over IMAP, parses delivery status notifications (RFC
// 3464) and complaint reports (ARF, RFC 5965), and records them in the
// store, which suppresses the address on a hard bounce, a complaint or
// soft bounces in a row.
package bounces

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/paperboy-news/paperboy/internal/address"
)

// tokenBytes is how much of the HMAC-SHA256 a token keeps: 120 bits, 24
// base32 characters, so "bounces+TOKEN" stays within SMTP's 64-octet
// local part.
const tokenBytes = 15

// b32 is lower-case base32 without padding: some servers fold the case of
// local parts.
var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Token is recipient's VERP token: a MAC of the address under secret, so
// nobody without the secret can make a bounce that suppresses an address
// of their choosing. It is the same for every message to the address, and
// to every spelling of it that address.Key folds together.
func Token(secret []byte, recipient string) string {
	h := hmac.New(sha256.New, secret)
	// Distinct from the unsubscribe tokens made with the same secret.
	h.Write([]byte("paperboy bounce\x00" + address.Key(strings.TrimSpace(recipient))))
	return b32.EncodeToString(h.Sum(nil)[:tokenBytes])
}

// ReturnPath is the envelope sender of a message to recipient: base
// "bounces@news.example.cn" becomes "bounces+TOKEN@news.example.cn".
func ReturnPath(base string, secret []byte, recipient string) string {
	local, domain, _ := strings.Cut(base, "@")
	return local + "+" + Token(secret, recipient) + "@" + domain
}

// CheckReturnPath reports whether base can carry VERP tokens.
func CheckReturnPath(base string) error {
	if _, err := address.Parse(base); err != nil || strings.TrimSpace(base) != base {
		return fmt.Errorf("return path %q: want a bare address such as bounces@news.example.cn", base)
	}
	local, _, _ := strings.Cut(base, "@")
	if strings.Contains(local, "+") {
		return fmt.Errorf("return path %q: the local part must not contain '+': paperboy adds +TOKEN", base)
	}
	if len(local)+1+b32.EncodedLen(tokenBytes) > 64 {
		return fmt.Errorf("return path %q: local part too long for +TOKEN within 64 characters", base)
	}
	return nil
}

// tokenOf returns the token in addr if addr is base with "+TOKEN" added.
func tokenOf(base, addr string) (string, bool) {
	bl, bd, _ := strings.Cut(base, "@")
	al, ad, ok := strings.Cut(strings.Trim(strings.TrimSpace(addr), "<>"), "@")
	if !ok || !strings.EqualFold(ad, bd) {
		return "", false
	}
	tok, ok := strings.CutPrefix(strings.ToLower(al), strings.ToLower(bl)+"+")
	if !ok || len(tok) != b32.EncodedLen(tokenBytes) {
		return "", false
	}
	return tok, true
}

// Resolver maps VERP tokens back to addresses. Tokens are MACs, so it is
// built from the addresses paperboy mails (its lists).
type Resolver struct {
	base  string
	byTok map[string]string
}

// NewResolver knows the tokens of addresses under base and secret.
func NewResolver(base string, secret []byte, addresses []string) *Resolver {
	r := &Resolver{base: base, byTok: make(map[string]string, len(addresses))}
	for _, a := range addresses {
		r.byTok[Token(secret, a)] = strings.TrimSpace(a)
	}
	return r
}

// Address returns the recipient whose return path addr is.
func (r *Resolver) Address(addr string) (string, bool) {
	if r == nil || r.base == "" {
		return "", false
	}
	tok, ok := tokenOf(r.base, addr)
	if !ok {
		return "", false
	}
	a, ok := r.byTok[tok]
	return a, ok
}
