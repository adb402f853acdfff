package subscribe_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
	"github.com/paperboy-news/paperboy/subscribe"
)

// TestRecipientsUnion: an open list's recipients are its configured
// entries and its confirmed subscribers, each reader once; pending and
// unsubscribed subscribers and closed lists get nothing from the store.
func TestRecipientsUnion(t *testing.T) {
	ctx := context.Background()
	st := fixture.NewStore(t)
	add := func(list, addr string, status store.SubStatus) {
		t.Helper()
		if err := st.AddSubscriber(ctx, store.Subscriber{List: list, Address: addr, Status: status, Source: store.SourceAdmin, Note: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	add("open", "dup@example.org", store.SubConfirmed)
	add("open", "new@example.org", store.SubConfirmed)
	add("open", "left@example.org", store.SubConfirmed)
	add("open", "waiting@example.org", store.SubPending)
	add("closed", "sneaky@example.org", store.SubConfirmed)
	if err := st.Unsubscribe(ctx, "open", "left@example.org"); err != nil {
		t.Fatal(err)
	}
	r := subscribe.Recipients{
		Config: staticLists{"open": {"读者 <Dup@example.org>"}, "closed": {"c@example.org"}},
		Store:  st, Open: map[string]bool{"open": true}, Now: time.Now,
	}
	tests := []struct {
		list string
		want []string
	}{
		{"open", []string{"读者 <Dup@example.org>", "new@example.org"}},
		{"closed", []string{"c@example.org"}},
	}
	for _, tc := range tests {
		got, err := r.ReadList(ctx, tc.list)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, %v; want %q", tc.list, got, err, tc.want)
		}
	}
}
