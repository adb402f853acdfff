package mailer

import (
	"context"
	"testing"
	"time"
)

// TestOneClickUnsubscribeStopsADigestSentToTwoLists: an address on both of
// a digest's lists gets one message per run; after a one-click unsubscribe
// from the link in that message, the next run sends it nothing, although
// the address is still on the other list.
func TestOneClickUnsubscribeStopsADigestSentToTwoLists(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 3)
	cfg.Lists["staff"] = []string{"r0001@example.org", "editor@example.org"}
	cfg.Digests[0].Lists = []string{"residents", "staff"}
	cfg.Digests[0].SkipEmpty = false // the second run sends with nothing new
	m := newDigests(t, cfg, st, st)
	ctx := context.Background()

	res, err := m.Run(ctx, "daily", slot)
	if err != nil || res.Sent != 4 {
		t.Fatalf("first run = %+v, %v; want 4 sent (r0001 once)", res, err)
	}
	msgs := s.messages("r0001@example.org")
	if len(msgs) != 1 {
		t.Fatalf("r0001 got %d messages from one run, want 1", len(msgs))
	}
	oneClickUnsubscribe(t, m, msgs[0])

	res, err = m.Run(ctx, "daily", slot.Add(24*time.Hour))
	if err != nil || res.Sent != 3 {
		t.Fatalf("second run = %+v, %v; want 3 sent", res, err)
	}
	if got := len(s.messages("r0001@example.org")); got != 1 {
		t.Fatalf("r0001 unsubscribed yet got %d messages in all, want 1", got)
	}
	if got := len(s.messages("editor@example.org")); got != 2 {
		t.Fatalf("editor got %d messages, want 2", got)
	}
}
