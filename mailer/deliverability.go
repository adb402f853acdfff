package mailer

import (
	"fmt"

	"github.com/wneessen/go-mail"

	"github.com/paperboy-news/paperboy/bounces"
	"github.com/paperboy-news/paperboy/site"
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

// validate reports d's problems, keyed by config.toml key; from is the
// sender.
func (d Deliverability) validate(from string) site.Problems {
	var ps site.Problems
	if d.DKIM != nil {
		ps = append(ps, d.DKIM.validate(from)...)
	}
	if d.ReturnPath != "" {
		if err := bounces.CheckReturnPath(d.ReturnPath); err != nil {
			ps.Add("bounces.return_path", "%v", err)
		}
	}
	return ps
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
