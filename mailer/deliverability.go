package mailer

import (
	"errors"
	"fmt"

	"github.com/wneessen/go-mail"

	"github.com/paperboy-news/paperboy/bounces"
)

// Deliverability is what makes mailbox providers trust the digest: a DKIM
// signature and a return path per recipient, so bounces can be told apart.
type Deliverability struct {
	// DKIM signs every message; nil sends them unsigned.
	DKIM *DKIM
	// ReturnPath is the bounce address, e.g. "bounces@news.example.cn".
	// Each message's envelope sender becomes "bounces+TOKEN@..." (VERP),
	// the token a MAC of the recipient under the unsubscribe secret, so
	// the bounce poller knows whose mail came back. "" leaves the
	// envelope sender at From.
	ReturnPath string
}

// check validates d.
func (d Deliverability) check() error {
	var errs []error
	if d.DKIM != nil {
		errs = append(errs, d.DKIM.check())
	}
	if d.ReturnPath != "" {
		errs = append(errs, bounces.CheckReturnPath(d.ReturnPath))
	}
	return errors.Join(errs...)
}

// deliverable sets msg's envelope sender and DKIM signature for a message
// to recipient: the last step of building it, since the signature covers
// the headers set before.
func (m *Digests) deliverable(msg *mail.Msg, recipient string) error {
	d := m.cfg.Deliverability
	if d.ReturnPath != "" {
		if err := msg.EnvelopeFrom(bounces.ReturnPath(d.ReturnPath, m.cfg.UnsubscribeSecret, recipient)); err != nil {
			return fmt.Errorf("return path: %w", err)
		}
	}
	if d.DKIM != nil {
		msg.SetDKIM(d.DKIM.signer())
	}
	return nil
}
