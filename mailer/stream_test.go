package mailer

import (
	"context"
	"errors"
	"testing"

	"github.com/paperboy-news/paperboy/store"
)

// streamingLists is a ListStreamer over fixed lists, duplicates and all;
// a list named in fail cannot be read. ReadList is not to be called when
// the mailer can stream.
type streamingLists struct {
	lists map[string][]string
	fail  map[string]bool
	t     *testing.T
}

func (s streamingLists) ReadList(context.Context, string) ([]string, error) {
	s.t.Error("ReadList called on a reader that streams")
	return nil, errors.New("not here")
}

func (s streamingLists) StreamList(_ context.Context, name string, yield func(string) bool) error {
	if s.fail[name] {
		return errors.New("list unreadable")
	}
	for _, e := range s.lists[name] {
		if !yield(e) {
			return nil
		}
	}
	return nil
}

// TestStreamedListsOneMessagePerReader: lists read as the outbox is
// written, with a reader spelled three ways on two lists and a bad
// entry, give one message per reader, to the first spelling, with the
// name a list gave; a list that cannot be read creates no run at all.
func TestStreamedListsOneMessagePerReader(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 0)
	cfg.Lists = map[string][]string{"residents": nil, "staff": nil}
	cfg.Digests[0].Lists = []string{"residents", "staff"}
	cfg.ListReader = streamingLists{t: t, lists: map[string][]string{
		"residents": {"张三 <Zhang@Example.org>", "not an address", "li@example.org", "zhang@example.org"},
		"staff":     {"ZHANG@example.ORG", "editor@example.org", "li@example.org"},
	}}
	m := newDigests(t, cfg, st, st)
	res, err := m.Run(context.Background(), "daily", slot)
	if err != nil || res.Sent != 3 {
		t.Fatalf("run = %+v, %v; want 3 sent", res, err)
	}
	if got := s.total(); got != 3 {
		t.Fatalf("sink got %d messages, want 3 (recipients %v)", got, s.srv.Recipients())
	}
	msgs := s.messages("Zhang@example.org")
	if len(msgs) != 1 {
		t.Fatalf("Zhang@example.org got %d messages, want 1 (recipients %v)", len(msgs), s.srv.Recipients())
	}
	if to := parseMessage(t, msgs[0]).to; len(to) != 1 || to[0].Name != "张三" {
		t.Errorf("To = %v, want the name the list gave", to)
	}

	// A digest of its own, so the edition is not sent already.
	cfg.Digests[0].Name = "again"
	cfg.ListReader = streamingLists{t: t, lists: map[string][]string{"residents": {"a@example.org"}}, fail: map[string]bool{"staff": true}}
	m = newDigests(t, cfg, st, st)
	if _, err := m.Run(context.Background(), "again", slot); err == nil {
		t.Fatal("run with an unreadable list: no error")
	}
	if _, err := st.DigestRunBySlot(context.Background(), "again", slot); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("run with an unreadable list was created (err %v); want none: nothing half-written", err)
	}
}
