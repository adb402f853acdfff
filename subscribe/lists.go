package subscribe

import (
	"context"
	"net/mail"
	"time"

	"github.com/paperboy-news/paperboy/internal/address"
	"github.com/paperboy-news/paperboy/mailer"
)

// Recipients is the mailer's ListReader for a configuration with lists
// open for sign-up: a list's recipients are its configured addresses and
// file (Config, read as before) and, for an open list, its confirmed
// subscribers in the store, once each (a configured entry, which may
// carry a name, wins). Each read also deletes the
// sign-ups whose confirmation expired.
type Recipients struct {
	Config mailer.ListReader
	Store  interface {
		ConfirmedSubscribers(ctx context.Context, list string) ([]string, error)
		ExpireSignups(ctx context.Context, before time.Time) (int, error)
	}
	// Open names the lists open for sign-up.
	Open map[string]bool
	// ConfirmWithin is how long a sign-up waits; default 48 h.
	ConfirmWithin time.Duration
	Now           func() time.Time
}

// ReadList implements mailer.ListReader.
func (r Recipients) ReadList(ctx context.Context, name string) ([]string, error) {
	addrs, err := r.Config.ReadList(ctx, name)
	if err != nil || !r.Open[name] {
		return addrs, err
	}
	within, now := r.ConfirmWithin, r.Now
	if within <= 0 {
		within = 48 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	if _, err := r.Store.ExpireSignups(ctx, now().Add(-within)); err != nil {
		return nil, err
	}
	subs, err := r.Store.ConfirmedSubscribers(ctx, name)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(addrs)+len(subs))
	for _, a := range addrs {
		// A configured entry may carry the reader's name.
		if m, err := mail.ParseAddress(a); err == nil {
			a = m.Address
		}
		seen[address.Key(a)] = true
	}
	for _, a := range subs {
		if !seen[address.Key(a)] {
			seen[address.Key(a)] = true
			addrs = append(addrs, a)
		}
	}
	return addrs, nil
}
