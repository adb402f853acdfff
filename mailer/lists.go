package mailer

import (
	"context"
	"log/slog"
	"maps"
	"sync"

	"github.com/paperboy-news/paperboy/internal/address"
)

// ListReader reads recipient lists as they are now. The daemon passes one
// that reads config.toml's list files, so an address added to a file gets
// the next digest without a reload, and the mailer itself is built once
// per configuration.
type ListReader interface {
	// ReadList returns list's addresses without duplicates, each bare or
	// with the reader's name ("张三 <zhang@example.cn>").
	ReadList(ctx context.Context, name string) ([]string, error)
}

// listCache reads lists through a ListReader at each run and keeps the
// last good read: a list file that has become unreadable or holds a bad
// address does not stop a run, which goes to the list as last read.
type listCache struct {
	reader ListReader
	log    *slog.Logger

	mu   sync.Mutex
	last map[string][]string
	// names are the display names the lists gave, by address.Key; an
	// address keeps the name last read with it.
	names map[string]string
}

// nameOf records in names that addr's reader is called name, if the list
// gave one: an address keeps the name last read with it.
func nameOf(names map[string]string, addr, name string) {
	if name != "" {
		names[address.Key(addr)] = name
	}
}

// name is the reader's name for addr as the lists gave it, "" if none.
func (c *listCache) name(addr string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.names[address.Key(addr)]
}

// read returns names' lists as they are now, or as last read.
func (c *listCache) read(ctx context.Context, names []string) map[string][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reader == nil {
		return c.last
	}
	fresh := maps.Clone(c.last)
	for _, name := range names {
		entries, err := c.reader.ReadList(ctx, name)
		if err != nil {
			c.log.Warn("recipient_lists_not_reread", "list", name, "err", err, "action", "sending to the list as last read")
			continue
		}
		addrs := make([]string, 0, len(entries))
		for _, e := range entries {
			addr, display, err := parseMailbox(e)
			if err != nil {
				c.log.Warn("recipient_skipped", "list", name, "err", err)
				continue
			}
			nameOf(c.names, addr, display)
			addrs = append(addrs, addr)
		}
		fresh[name] = addrs
	}
	c.last = fresh
	return fresh
}

// TopicReader reads the topics the readers of a list chose (subscribers
// of a list open for sign-up); *store.Store is one.
type TopicReader interface {
	// SubscriberTopics maps address.Key of each reader of list who chose
	// topics to the topic slugs; a reader not in it takes the whole digest.
	SubscriberTopics(ctx context.Context, list string) (map[string][]string, error)
}

// readTopics reads lists' readers' topics for one delivery pass. A list
// whose topics cannot be read goes out whole: a reader gets more than
// chosen rather than nothing.
func (m *Digests) readTopics(ctx context.Context, lists []string) map[string]map[string][]string {
	if m.cfg.Topics == nil {
		return nil
	}
	out := make(map[string]map[string][]string, len(lists))
	for _, l := range lists {
		t, err := m.cfg.Topics.SubscriberTopics(ctx, l)
		if err != nil {
			m.log.Warn("subscriber_topics_not_read", "list", l, "err", err, "action", "sending the whole digest")
			continue
		}
		out[l] = t
	}
	return out
}

// ListStreamer is a ListReader that can also hand a list's entries over
// one at a time, so that a run to a long list holds neither the list nor
// a set of the addresses seen: the outbox keeps one delivery per reader.
// The daemon's reader of config.toml's lists and sign-ups is one.
type ListStreamer interface {
	ListReader
	// StreamList calls yield with each of list's entries, as ReadList
	// would return them but duplicates allowed, until yield returns
	// false.
	StreamList(ctx context.Context, name string, yield func(entry string) bool) error
}

// listPreparer is a ListStreamer with work to do before a run streams
// its lists (subscribe.Recipients deletes expired sign-ups): the lists
// are streamed inside the outbox's transaction, where on SQLite another
// write would wait for it.
type listPreparer interface {
	PrepareLists(ctx context.Context, names []string) error
}

// stream calls yield with each entry of list read through s, a bare
// address, recording the display names, until yield returns false; a bad
// entry is skipped with a warning.
func (c *listCache) stream(ctx context.Context, s ListStreamer, list string, yield func(addr string) bool) error {
	return s.StreamList(ctx, list, func(entry string) bool {
		addr, display, err := parseMailbox(entry)
		if err != nil {
			c.log.Warn("recipient_skipped", "list", list, "err", err)
			return true
		}
		c.mu.Lock()
		nameOf(c.names, addr, display)
		c.mu.Unlock()
		return yield(addr)
	})
}
