package mailer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/paperboy-news/paperboy/content"
)

// envelope is what differs between the messages of one run.
type envelope struct {
	to string
	// name is the reader's name, if the list gave one.
	name      string
	list      string
	messageID string
}

// messageID is the Message-ID (without angle brackets) of digest's run
// for slot to recipient: derived from all three, so it is the same
// whenever the delivery is tried, and on the site's domain. Scheduled
// slots are whole seconds; a run started by hand (admin "run now") has a
// slot with a fraction, kept so that it cannot share Message-IDs with a
// scheduled run of the same second: mail clients hide a second message
// with a Message-ID they have seen.
func (m *Digests) messageID(digest string, slot time.Time, recipient string) string {
	layout := "20060102T150405Z"
	if slot.Nanosecond() != 0 {
		layout = "20060102T150405.999999999Z"
	}
	return fmt.Sprintf("%s.%s.%s@%s", digest, slot.UTC().Format(layout), recipientTag(recipient), m.cfg.Domain)
}

// recipientTag is what a Message-ID says of its recipient: 80 bits of a
// hash, so IDs differ per reader without showing the address.
func recipientTag(recipient string) string {
	h := sha256.Sum256([]byte(recipient))
	return hex.EncodeToString(h[:10])
}

// listID is the List-Id value of digest's list (RFC 2919).
func (m *Digests) listID(digest *digestConf, list string) string {
	return digest.listPhrase + " <" + list + "." + digest.Name + "." + m.cfg.Domain + ">"
}

// newMsg is a message from the digests' sender with subject and what
// every message paperboy sends carries: base64 bodies, no User-Agent, the
// catalogue's Content-Language and Auto-Submitted. The sender was made
// header-safe once, by New.
func (m *Digests) newMsg(subject string) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithEncoding(mail.EncodingB64), mail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(m.cfg.FromName, m.cfg.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", m.cfg.From, err)
	}
	msg.Subject(content.OneLine(subject))
	msg.SetGenHeader(mail.HeaderContentLang, content.OneLine(m.cat.Lang))
	msg.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	return msg, nil
}

// message builds one recipient's message from a body rendered once.
func (m *Digests) message(digest *digestConf, subject string, b *body, env envelope, date time.Time) (*mail.Msg, error) {
	msg, err := m.newMsg(subject)
	if err != nil {
		return nil, err
	}
	if err := msg.AddToFormat(content.OneLine(env.name), content.OneLine(env.to)); err != nil {
		return nil, fmt.Errorf("to %q: %w", env.to, err)
	}
	msg.SetDateWithValue(date.In(m.cfg.Site.Location))
	msg.SetMessageIDWithValue(content.OneLine(env.messageID))
	msg.SetGenHeaderPreformatted(mail.Header("List-Id"), content.OneLine(m.listID(digest, env.list)))
	unsub := m.unsubscribeURL(env.list, env.to)
	if strings.HasPrefix(unsub, "https://") {
		if err := msg.SetListUnsubscribeOneClick(unsub); err != nil {
			return nil, fmt.Errorf("list-unsubscribe: %w", err)
		}
	} else {
		msg.SetListUnsubscribe(unsub)
	}
	msg.SetGenHeader(mail.HeaderPrecedence, "bulk")
	msg.SetBodyString(mail.TypeTextPlain, b.textFor(unsub))
	msg.AddAlternativeString(mail.TypeTextHTML, b.htmlFor(unsub))
	// Hook (mail, issue 13): VERP return path and DKIM signature.
	if err := m.deliverable(msg, env.to); err != nil {
		return nil, err
	}
	return msg, nil
}
