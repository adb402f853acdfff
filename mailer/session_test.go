package mailer

import (
	"context"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/store"
)

// A server that refuses every 7th message with 554, at the DATA command or
// at the end of the data: the sender resets or re-dials before the next
// message, so each refusal is charged to its own recipient and no one else
// (without the RSET, the next MAIL met "503 nested MAIL command" and a
// good recipient was recorded as failed).
func TestRefusedDataIsNeverChargedToTheNextRecipient(t *testing.T) {
	const every = 7
	refuse := func(k int) bool { return k%every == 0 }
	for _, tc := range []struct {
		name  string
		conns int
		cfg   smtptest.Config
	}{
		{"at the DATA command, one connection", 1, smtptest.Config{RefuseDataCommand: refuse}},
		{"at the DATA command, three connections", 3, smtptest.Config{RefuseDataCommand: refuse}},
		{"after the data, one connection", 1, smtptest.Config{RejectData: refuse}},
		{"after the data, three connections", 3, smtptest.Config{RejectData: refuse}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 70
			conns := tc.conns
			s := startSinkWith(t, tc.cfg)
			st := sampleStore(t)
			cfg := testConfig(s, n)
			cfg.Connections = conns
			m := newDigests(t, cfg, st, st)
			res, err := m.Run(context.Background(), "daily", slot)
			if err != nil {
				t.Fatal(err)
			}
			rejected := n / every
			if res.Sent != n-rejected || res.Failed != rejected || res.Pending != 0 {
				t.Fatalf("sent %d, failed %d, pending %d; want %d sent and %d failed (one per refused DATA)",
					res.Sent, res.Failed, res.Pending, n-rejected, rejected)
			}
			if got := s.total(); got != n-rejected {
				t.Fatalf("server accepted %d messages, want %d", got, n-rejected)
			}
			runs, err := st.RecentDigestRuns(context.Background(), "daily", 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 1 || len(runs[0].LastErrors) == 0 {
				t.Fatalf("no delivery errors recorded: %+v", runs)
			}
			for _, e := range runs[0].LastErrors {
				if rcpt, _, _ := strings.Cut(e, ":"); len(s.messages(rcpt)) != 0 {
					t.Errorf("%s is recorded failed but the server kept a message for it", rcpt)
				}
				if !strings.Contains(e, "554") {
					t.Errorf("a failure that is not the server's refusal of DATA: %s", e)
				}
			}
			for _, rcpt := range addresses(n) {
				if got := len(s.messages(rcpt)); got > 1 {
					t.Errorf("%s got %d messages", rcpt, got)
				}
			}
			if runs[0].Status != store.RunDone {
				t.Errorf("run status %s, want done", runs[0].Status)
			}
		})
	}
}
