package mailer

import (
	"log/slog"
	"maps"
	"sync"
)

// ListReader reads recipient lists as they are now. The daemon passes one
// that reads config.toml's list files, so an address added to a file gets
// the next digest without a reload, and the mailer itself is built once
// per configuration.
type ListReader interface {
	// ReadList returns list's addresses, parsed: bare, domain lower-cased,
	// without duplicates.
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
		addrs, err := c.reader.ReadList(name)
		if err != nil {
			c.log.Warn("recipient_lists_not_reread", "list", name, "err", err, "action", "sending to the list as last read")
			continue
		}
		fresh[name] = addrs
	}
	c.last = fresh
	return fresh
}
