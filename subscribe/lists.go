package subscribe

import (
	"context"
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
	subs, err := r.confirmed(ctx, name)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(addrs)+len(subs))
	for _, a := range addrs {
		// A configured entry may carry the reader's name.
		if addr, _, err := address.Mailbox(a); err == nil {
			a = addr
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

// StreamList implements mailer.ListStreamer: the configured entries as
// Config streams them (or reads them, if it cannot), then, for an open
// list, its confirmed subscribers. Duplicates pass: the outbox keeps the
// first delivery per reader, so a configured entry, which may carry a
// name, wins.
func (r Recipients) StreamList(ctx context.Context, name string, yield func(entry string) bool) error {
	more := true
	if s, ok := r.Config.(mailer.ListStreamer); ok {
		if err := s.StreamList(ctx, name, func(e string) bool { more = yield(e); return more }); err != nil {
			return err
		}
	} else {
		addrs, err := r.Config.ReadList(ctx, name)
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if more = yield(a); !more {
				break
			}
		}
	}
	if !more || !r.Open[name] {
		return nil
	}
	// The subscribers are streamed if the store can (*store.Store can).
	// The expired sign-ups were deleted by PrepareLists: the outbox's
	// transaction is open now, and on SQLite a second writer would wait
	// for it.
	if each, ok := r.Store.(interface {
		EachConfirmedSubscriber(ctx context.Context, list string, yield func(string) bool) error
	}); ok {
		return each.EachConfirmedSubscriber(ctx, name, yield)
	}
	subs, err := r.Store.ConfirmedSubscribers(ctx, name)
	if err != nil {
		return err
	}
	for _, a := range subs {
		if !yield(a) {
			return nil
		}
	}
	return nil
}

// PrepareLists implements the mailer's list preparer: it deletes the
// sign-ups whose confirmation expired before a run streams its lists.
func (r Recipients) PrepareLists(ctx context.Context, names []string) error {
	for _, n := range names {
		if r.Open[n] {
			return r.expire(ctx)
		}
	}
	return nil
}

// expire deletes the sign-ups whose confirmation expired.
func (r Recipients) expire(ctx context.Context) error {
	within, now := r.ConfirmWithin, r.Now
	if within <= 0 {
		within = 48 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	_, err := r.Store.ExpireSignups(ctx, now().Add(-within))
	return err
}

// confirmed deletes the sign-ups whose confirmation expired and returns
// list's confirmed subscribers.
func (r Recipients) confirmed(ctx context.Context, list string) ([]string, error) {
	if err := r.expire(ctx); err != nil {
		return nil, err
	}
	return r.Store.ConfirmedSubscribers(ctx, list)
}
