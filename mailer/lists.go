package mailer

import (
	"log/slog"

	"github.com/paperboy-news/paperboy/internal/address"
	"maps"
	"sync"
)

// ListReader reads recipient lists as they are now. The daemon passes one
// that reads config.toml's list files, so an address added to a file gets
// the next digest without a reload, and the mailer itself is built once
// per configuration.
type ListReader interface {
	// ReadList returns list's addresses without duplicates, each bare or
	// with the reader's name ("张三 <zhang@example.cn>").
	ReadList(name string) ([]string, error)
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

// namesOf collects the display names of lists' entries, by address.Key.
func namesOf(lists map[string][]string) map[string]string {
	names := map[string]string{}
	for _, entries := range lists {
		for _, e := range entries {
			if addr, name, err := parseMailbox(e); err == nil && name != "" {
				names[address.Key(addr)] = name
			}
		}
	}
	return names
}

// name is the reader's name for addr as the lists gave it, "" if none.
func (c *listCache) name(addr string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.names[address.Key(addr)]
}

// read returns names' lists as they are now, or as last read.
func (c *listCache) read(names []string) map[string][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reader == nil {
		return c.last
	}
	fresh := maps.Clone(c.last)
	for _, name := range names {
		entries, err := c.reader.ReadList(name)
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
			if display != "" {
				if c.names == nil {
					c.names = map[string]string{}
				}
				c.names[address.Key(addr)] = display
			}
			addrs = append(addrs, addr)
		}
		fresh[name] = addrs
	}
	c.last = fresh
	return fresh
}
