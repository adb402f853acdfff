package mailer

import (
	"context"
	"fmt"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/paperboy-news/paperboy/content"
)

// Notice is a message to one address outside any digest run, such as a
// sign-up's confirmation. It goes through the digests' transport with
// their sender, return path and DKIM signature, so that it reaches the
// inbox the digests will.
type Notice struct {
	// Kind names the notice in its Message-ID: "confirm".
	Kind    string
	To      string
	Subject string
	// Text is the plain-text body; HTML, if set, its alternative.
	Text, HTML string
}

// SendNotice sends n now, once (no outbox, no retries: the reader who
// asked for it can ask again), and returns its Message-ID.
func (m *Digests) SendNotice(ctx context.Context, n Notice) (string, error) {
	id, err := m.sendNotice(ctx, n)
	if err != nil {
		return "", fmt.Errorf("mailer: send %s notice: %w", n.Kind, err)
	}
	return id, nil
}

func (m *Digests) sendNotice(ctx context.Context, n Notice) (string, error) {
	to, err := parseRecipient(n.To)
	if err != nil {
		return "", err
	}
	now := m.cfg.Now()
	id := fmt.Sprintf("%s.%d.%s@%s", n.Kind, now.UnixNano(), recipientTag(to), m.cfg.Domain)
	msg, err := m.newMsg(n.Subject)
	if err != nil {
		return "", err
	}
	if err := msg.To(to); err != nil {
		return "", fmt.Errorf("to %q: %w", to, err)
	}
	msg.SetDateWithValue(now.In(m.cfg.Site.Location).Truncate(time.Second))
	msg.SetMessageIDWithValue(content.OneLine(id))
	msg.SetBodyString(mail.TypeTextPlain, n.Text)
	if n.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, n.HTML)
	}
	if err := m.deliverable(msg, to); err != nil {
		return "", err
	}
	return id, m.sendOne(ctx, msg)
}

// ManageToken is the token of address's preferences page, the one its
// unsubscribe link from list carries.
func (m *Digests) ManageToken(list, address string) string { return m.unsubKeys.Token(list, address) }

// UnsubscribeKeys are the keys of this mailer's unsubscribe (and
// preferences) links.
func (m *Digests) UnsubscribeKeys() *UnsubscribeKeys { return m.unsubKeys }
