package mailer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAddressCaseIsOneReader: two lists spelling one address differently
// send it one message; after its one-click unsubscribe, a list that
// changes the address's case does not subscribe the reader again.
func TestAddressCaseIsOneReader(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 1)
	cfg.Lists["residents"] = []string{"Zhang@example.org"}
	cfg.Lists["staff"] = []string{"zhang@EXAMPLE.org", "editor@example.org"}
	cfg.Digests[0].Lists = []string{"residents", "staff"}
	cfg.Digests[0].SkipEmpty = false
	m := newDigests(t, cfg, st, st)
	ctx := context.Background()
	res, err := m.Run(ctx, "daily", slot)
	if err != nil || res.Sent != 2 {
		t.Fatalf("first run = %+v, %v; want 2 sent (Zhang once)", res, err)
	}
	msgs := s.messages("Zhang@example.org")
	if len(msgs) != 1 {
		t.Fatalf("Zhang got %d messages, want 1 (recipients %v)", len(msgs), s.srv.Recipients())
	}
	oneClickUnsubscribe(t, m, msgs[0])

	// The admin retypes the address in lower case in both lists.
	cfg.Lists["residents"] = []string{"zhang@example.org"}
	cfg.Lists["staff"] = []string{"ZHANG@example.org", "editor@example.org"}
	m = newDigests(t, cfg, st, st)
	res, err = m.Run(ctx, "daily", slot.Add(24*time.Hour))
	if err != nil || res.Sent != 1 {
		t.Fatalf("second run = %+v, %v; want 1 sent (editor only)", res, err)
	}
	for _, r := range s.srv.Recipients() {
		if strings.EqualFold(r, "zhang@example.org") && len(s.messages(r)) > 0 && r != "Zhang@example.org" {
			t.Errorf("the reader who left got mail again as %s", r)
		}
	}
}

// oneClickUnsubscribe does what a mail client's one-click unsubscribe does
// with the List-Unsubscribe header of the raw message: an RFC 8058 POST.
func oneClickUnsubscribe(t *testing.T, m *Digests, raw []byte) {
	t.Helper()
	link, err := url.Parse(strings.Trim(parseMessage(t, raw).header.Get("List-Unsubscribe"), "<>"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.UnsubscribeHandler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"?"+link.RawQuery, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click POST = %d", resp.StatusCode)
	}
}
