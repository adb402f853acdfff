package subscribe

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/paperboy-news/paperboy/internal/seal"
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
	keys *seal.Keys
	csrf []byte
}

func newSealer(site string, secrets [][]byte) (*sealer, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no secret to sign confirmation links")
	}
	keys, err := seal.New("paperboy confirm v1", []byte("paperboy confirm v1\x00"+site), secrets)
	if err != nil {
		return nil, err
	}
	return &sealer{keys: keys, csrf: seal.Derive(secrets[0], "paperboy csrf v1")}, nil
}

func (s *sealer) seal(c confirmation) (string, error) {
	plain, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return s.keys.Seal(plain), nil
}

// open returns the confirmation token carries: errBadToken if it is
// malformed, altered or of another site, errExpiredToken (with the
// confirmation) if it is past its time.
func (s *sealer) open(token string, now time.Time) (confirmation, error) {
	plain, err := s.keys.Open(token)
	if err != nil {
		return confirmation{}, errBadToken
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
