// Package seal makes and opens the opaque tokens paperboy puts in links
// (unsubscribe, sign-up confirmation): AES-256-GCM under a key derived from
// a secret, with what the token is bound to (the site) as associated data,
// encoded as base64url of nonce and ciphertext. Secrets rotate: the first
// seals, every one opens.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// ErrBad is returned by Open for a token that is malformed, altered, bound
// to something else or sealed under a secret no longer listed.
var ErrBad = errors.New("bad token")

var b64 = base64.RawURLEncoding

// Derive is a 32-byte key for purpose from secret (HMAC-SHA256), so that one
// secret gives independent keys to each use.
func Derive(secret []byte, purpose string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(purpose))
	return h.Sum(nil)
}

// Keys seal and open one kind of token.
type Keys struct {
	ad       []byte
	aeads    []cipher.AEAD
	nonceKey []byte
}

// New returns the keys for purpose (e.g. "paperboy unsubscribe v2": the
// cipher key of each secret is Derive(secret, purpose+" seal")), binding
// every token to ad. It needs at least one secret.
func New(purpose string, ad []byte, secrets [][]byte) (*Keys, error) {
	if len(secrets) == 0 {
		return nil, errors.New("seal: no secret")
	}
	k := &Keys{ad: ad, nonceKey: Derive(secrets[0], purpose+" nonce")}
	for _, sec := range secrets {
		block, err := aes.NewCipher(Derive(sec, purpose+" seal"))
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads = append(k.aeads, aead)
	}
	return k, nil
}

// Seal is plain sealed under the first secret with a random nonce.
func (k *Keys) Seal(plain []byte) string {
	nonce := make([]byte, k.aeads[0].NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return k.sealWith(nonce, plain)
}

// SealDeterministic is plain sealed under the first secret with a nonce
// derived from ad and plain (as in SIV), so the same values always give the
// same token: a message sent again carries the same link.
func (k *Keys) SealDeterministic(plain []byte) string {
	m := hmac.New(sha256.New, k.nonceKey)
	m.Write(k.ad)
	m.Write([]byte{0})
	m.Write(plain)
	return k.sealWith(m.Sum(nil)[:k.aeads[0].NonceSize()], plain)
}

func (k *Keys) sealWith(nonce, plain []byte) string {
	return b64.EncodeToString(k.aeads[0].Seal(nonce, nonce, plain, k.ad))
}

// Open returns what token seals, trying every secret, or ErrBad.
func (k *Keys) Open(token string) ([]byte, error) {
	raw, err := b64.DecodeString(token)
	if err != nil {
		return nil, ErrBad
	}
	for _, aead := range k.aeads {
		n := aead.NonceSize()
		if len(raw) < n+aead.Overhead() {
			return nil, ErrBad
		}
		if plain, err := aead.Open(nil, raw[:n], raw[n:], k.ad); err == nil {
			return plain, nil
		}
	}
	return nil, ErrBad
}
