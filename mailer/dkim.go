package mailer

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/paperboy-news/paperboy/site"
)

// minRSABits is the smallest RSA key accepted for DKIM: Gmail and Yahoo
// treat 1024-bit signatures as weak, and RFC 8301 says 2048.
const minRSABits = 2048

// dkimHeaders are the headers every digest signs. List-Unsubscribe and
// List-Unsubscribe-Post are among them because Gmail and Yahoo honour
// one-click unsubscribe only when the signature covers both (RFC 8058
// section 4); From must be signed for DMARC; the rest are what a forger
// would change.
//
// The list is as long as it can be: go-mail v0.8.1 folds a DKIM tag longer
// than a line in the middle (not at a colon), which relaxed header
// canonicalization turns into a space the signer did not sign, so every
// signature with an h= tag over 75 characters fails to verify. Adding a
// header here (MIME-Version, Content-Type, List-Id, or oversigning) breaks
// TestDKIMSignedDigestVerifies.
var dkimHeaders = []string{
	"From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post",
}

// maxTagValue is the longest DKIM tag value go-mail v0.8.1 keeps on one
// line ("x=" + value + "; " in 75 columns).
const maxTagValue = 71

// DKIM signs every digest with DomainKeys Identified Mail (RFC 6376),
// relaxed/relaxed, with the key published at Selector._domainkey.Domain.
type DKIM struct {
	// Domain is the signing domain (d=); for DMARC alignment it should be
	// the From address's domain or its parent.
	Domain string
	// Selector names the key under Domain (s=).
	Selector string
	// Key is an RSA (2048 bits or more) or Ed25519 private key; see
	// LoadDKIMKey.
	Key crypto.Signer
}

// LoadDKIMKey reads a PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8
// "PRIVATE KEY") for DKIM and checks that it is RSA of at least 2048 bits
// or Ed25519.
func LoadDKIMKey(path string) (crypto.Signer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dkim key: %w", err)
	}
	key, err := mail.PrivKeyFromPEM(raw)
	if err != nil {
		return nil, fmt.Errorf("dkim key %s: %w (want a PEM RSA or Ed25519 private key, e.g. from: openssl genpkey -algorithm ed25519)", path, err)
	}
	if err := checkDKIMKey(key); err != nil {
		return nil, fmt.Errorf("dkim key %s: %w", path, err)
	}
	return key, nil
}

func checkDKIMKey(key crypto.Signer) error {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < minRSABits {
			return fmt.Errorf("RSA key of %d bits: want %d or more (openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048)", bits, minRSABits)
		}
		return k.Validate()
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return errors.New("malformed Ed25519 key")
		}
		return nil
	case nil:
		return errors.New("no key")
	default:
		return fmt.Errorf("%T: want an RSA or Ed25519 key", key)
	}
}

// validate reports what is missing or wrong, keyed by config.toml key;
// from is the sender, whose domain the signing domain must align with for
// DMARC.
func (d *DKIM) validate(from string) site.Problems {
	var ps site.Problems
	if !dnsNameRE.MatchString(d.Domain) || len(d.Domain) > maxTagValue {
		ps.Add("dkim.domain", "%q is not a domain of at most %d characters such as news.example.cn", d.Domain, maxTagValue)
	} else if _, fromDomain, ok := strings.Cut(strings.ToLower(from), "@"); ok && !Aligned(fromDomain, strings.ToLower(d.Domain)) {
		ps.Add("dkim.domain", "%s does not align with smtp.from's domain %s, so DMARC would fail: sign with %s (or a parent domain of it)", d.Domain, fromDomain, fromDomain)
	}
	// go-mail would fold a longer d= or s= tag mid-value (see dkimHeaders).
	if !dnsNameRE.MatchString(d.Selector) || len(d.Selector) > 63 {
		ps.Add("dkim.selector", "%q is not a DNS label of at most 63 characters such as paperboy2026; the key is published at SELECTOR._domainkey.DOMAIN", d.Selector)
	}
	if err := checkDKIMKey(d.Key); err != nil {
		ps.Add("dkim.key_file", "%v", err)
	}
	return ps
}

// dnsNameRE is a domain or selector: DNS labels joined by dots.
var dnsNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)

// Aligned reports whether domain d (a DKIM signing domain, or a return
// path's for SPF) aligns with the From domain under DMARC's relaxed rule,
// approximated without the public suffix list: one is the other or a
// subdomain of it.
func Aligned(from, d string) bool {
	return from == d || strings.HasSuffix(from, "."+d) || strings.HasSuffix(d, "."+from)
}

// RecordName is the DNS name the public key is published under.
func (d *DKIM) RecordName() string {
	return d.Selector + "._domainkey." + d.Domain
}

// Record is the DNS TXT record to publish at RecordName: the public key
// as RFC 6376 (RSA) or RFC 8463 (Ed25519) spell it.
func (d *DKIM) Record() (string, error) {
	switch pub := d.Key.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", fmt.Errorf("dkim public key: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub), nil
	default:
		return "", fmt.Errorf("dkim public key: %T is not RSA or Ed25519", pub)
	}
}

// signer is a fresh go-mail signer for one message. go-mail's Signer
// records its algorithm on first use, so one shared by the run's
// connections would race; a new one costs a small struct.
func (d *DKIM) signer() *mail.DKIMSigner {
	s := mail.NewDKIMSigner(d.Domain, d.Selector, d.Key)
	s.HeaderCanonicalization(mail.CanonicalizationRelaxed)
	s.BodyCanonicalization(mail.CanonicalizationRelaxed)
	s.SignHeaders(dkimHeaders...)
	return s
}
