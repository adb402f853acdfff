package subscribe

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

var b64 = base64.RawURLEncoding

var (
	errBadToken     = errors.New("bad confirmation token")
	errExpiredToken = errors.New("expired confirmation token")
)

// confirmation is what a confirmation link carries: who asked for what,
// until when. It is sealed, so the address is not readable in the link.
type confirmation struct {
	Address string              `json:"a"`
	Lists   []string            `json:"l"`
	Topics  map[string][]string `json:"t,omitempty"`
	Expires int64               `json:"x"`
}

// sealer seals and opens confirmation tokens (AES-256-GCM, a random
// nonce, the site bound in as associated data) and makes CSRF tokens.
// Every secret opens, so that secrets rotate as the unsubscribe links'
// do; the first seals.
type sealer struct {
	site  []byte
	aeads []cipher.AEAD
	csrf  []byte
}

func newSealer(site string, secrets [][]byte) (*sealer, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no secret to sign confirmation links")
	}
	s := &sealer{site: []byte("paperboy confirm v1\x00" + site), csrf: derive(secrets[0], "paperboy csrf v1")}
	for _, sec := range secrets {
		block, err := aes.NewCipher(derive(sec, "paperboy confirm v1 seal"))
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// derive is a 32-byte key for purpose, from secret.
func derive(secret []byte, purpose string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(purpose))
	return h.Sum(nil)
}

func (s *sealer) seal(c confirmation) (string, error) {
	plain, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	aead := s.aeads[0]
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return b64.EncodeToString(aead.Seal(nonce, nonce, plain, s.site)), nil
}

// open returns the confirmation token carries: errBadToken if it is
// malformed, altered or of another site, errExpiredToken (with the
// confirmation) if it is past its time.
func (s *sealer) open(token string, now time.Time) (confirmation, error) {
	raw, err := b64.DecodeString(token)
	if err != nil {
		return confirmation{}, errBadToken
	}
	for _, aead := range s.aeads {
		n := aead.NonceSize()
		if len(raw) < n+aead.Overhead() {
			return confirmation{}, errBadToken
		}
		plain, err := aead.Open(nil, raw[:n], raw[n:], s.site)
		if err != nil {
			continue
		}
		var c confirmation
		if err := json.Unmarshal(plain, &c); err != nil || c.Address == "" || len(c.Lists) == 0 {
			return confirmation{}, errBadToken
		}
		if now.Unix() > c.Expires {
			return c, errExpiredToken
		}
		return c, nil
	}
	return confirmation{}, errBadToken
}

// csrfFor is the form token that goes with a browser's CSRF cookie: a MAC
// of it, so that a cookie planted by a sibling site is useless without the
// secret.
func (s *sealer) csrfFor(cookie string) string {
	h := hmac.New(sha256.New, s.csrf)
	h.Write([]byte(cookie))
	return b64.EncodeToString(h.Sum(nil)[:16])
}

func (s *sealer) csrfOK(cookie, field string) bool {
	if cookie == "" || field == "" {
		return false
	}
	return hmac.Equal([]byte(s.csrfFor(cookie)), []byte(field))
}

// newCookieValue is a fresh random CSRF cookie value.
func newCookieValue() string { return rand.Text() }
